"""The backward walk.

1. Count, for every node reachable from the roots, how many edges point at it (an explicit
   stack, no recursion, so a 100,000-op chain is fine).
2. Start from the roots with their seed gradients. A node runs once every node that uses it
   has sent its gradient (the count reaches 0): Kahn's topological order, linear in graph size.
3. A node's backward returns one gradient per input; the engine fits each to its input's shape
   (summing away broadcast dims) and dtype, adds it to that input's buffer, and drops the
   node's own buffer right away.
4. Leaves end in AccumulateGrad nodes, which add into `.grad`; autograd.grad captures instead.
"""
import numpy as np

from ..tensor import Tensor, _wrap
from . import anomaly
from .function import AccumulateGrad, edge_to
from .grad_mode import set_grad_enabled


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's .grad (or only into `inputs`)."""
    tensors = _tensor_tuple(tensors, "backward", "tensors")
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    roots = _roots(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        inputs = _tensor_tuple(inputs, "backward", "inputs")
        only = {id(edge_to(t)[0]) for t in inputs}
    _run(roots, retain_graph, create_graph, capture=None, only_leaves=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned as a tuple; .grad is not touched."""
    outputs = _tensor_tuple(outputs, "autograd.grad", "outputs")
    inputs = _tensor_tuple(inputs, "autograd.grad", "inputs")
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    roots = _roots(outputs, grad_outputs, "autograd.grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {}
    for index, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: inputs must be tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {index} does not require grad; call requires_grad_() on it first")
        capture.setdefault(edge_to(t), []).append(index)
    found = _run(roots, retain_graph, create_graph, capture=capture)
    results = []
    for index, t in enumerate(inputs):
        g = found.get(index)
        if g is None:
            if materialize_grads:
                g = _wrap(np.zeros(t.shape, dtype=t.dtype))
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {index} (shape {tuple(t.shape)}) was not used to compute the outputs. "
                    "Set allow_unused=True if this is expected."
                )
        elif not create_graph:
            g = g.detach()
        results.append(g)
    return tuple(results)


def _tensor_tuple(value, caller, what):
    """A tensor or a sequence of tensors, as a tuple; anything else is a TypeError naming the argument."""
    if isinstance(value, Tensor):
        return (value,)
    try:
        values = tuple(value)
    except TypeError:
        raise TypeError(f"{caller}: {what} must be a tensor or a sequence of tensors, got {type(value).__name__}") from None
    for item in values:
        if not isinstance(item, Tensor):
            raise TypeError(f"{caller}: {what} must hold tensors, got {type(item).__name__}")
    return values


def _roots(tensors, grads, caller):
    roots = []
    for index, (t, g) in enumerate(zip(tensors, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{caller}: expected tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(
                f"{caller}: element {index} of tensors does not require grad and does not have a grad_fn. "
                "Create the leaves with requires_grad=True, and don't compute under no_grad()."
            )
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{caller}: grad can be implicitly created only for one-element outputs, got shape "
                    f"{tuple(t.shape)}. Reduce it first (loss.sum() or loss.mean()) or pass gradient=<tensor of that shape>."
                )
            g = _wrap(np.ones(t.shape, dtype=t.dtype))
        else:
            if not isinstance(g, Tensor):
                try:
                    g = _wrap(np.asarray(g, dtype=t.dtype))
                except (TypeError, ValueError):
                    raise TypeError(f"{caller}: the gradient for output {index} must be a tensor, got {type(g).__name__}") from None
            if g.shape != t.shape:
                raise RuntimeError(
                    f"{caller}: the gradient has shape {tuple(g.shape)} but the output has shape {tuple(t.shape)}; they must match"
                )
        roots.append((edge_to(t), g))
    return roots


def _dependencies(nodes):
    """How many edges point at each node reachable from `nodes`."""
    counts = {}
    stack = list(nodes)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for edge in node._inputs:
            if edge is None or edge[0] is None:
                continue
            child = edge[0]
            counts[child] = counts.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return counts


def _run(roots, retain_graph, create_graph, capture=None, only_leaves=None):
    buffers = {}
    for (node, index), g in roots:
        _add(buffers, node, index, g)
    starts = list(dict.fromkeys(node for (node, _), _g in roots))
    pending = _dependencies(starts)
    ready = [node for node in starts if pending.get(node, 0) == 0]
    found = {}
    outer, anomaly.mode.in_backward = anomaly.mode.in_backward, True
    try:
        _walk(ready, buffers, pending, found, retain_graph, create_graph, capture, only_leaves)
    finally:
        anomaly.mode.in_backward = outer
    return found


def _walk(ready, buffers, pending, found, retain_graph, create_graph, capture, only_leaves):
    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is not None:
                if node._hooks or node._retained:
                    grads = _tensor_hooks(node, grads, create_graph)
                if capture is not None:
                    for index, g in enumerate(grads):
                        for position in capture.get((node, index), ()):
                            found[position] = g
            if type(node) is AccumulateGrad:
                if grads is not None and grads[0] is not None and capture is None:
                    if only_leaves is None or id(node) in only_leaves:
                        node.accumulate(grads[0], create_graph)
                continue
            input_grads = _call_backward(node, grads) if grads is not None else None
            if not retain_graph:
                node._release()
            for position, edge in enumerate(node._inputs):
                if edge is None or edge[0] is None:
                    continue
                child, child_index, shape, dtype = edge
                g = input_grads[position] if input_grads is not None else None
                if g is not None:
                    if not isinstance(g, Tensor) or g._data.shape != shape or g._data.dtype != dtype:
                        g = _fit(g, shape, dtype, node, position)
                    slots = buffers.get(child)
                    if slots is None:
                        slots = buffers[child] = [None] * child._n_outputs
                    slots[child_index] = g if slots[child_index] is None else slots[child_index] + g
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)


def _add(buffers, node, index, g):
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node._n_outputs
    slots[index] = g if slots[index] is None else slots[index] + g


def _tensor_hooks(node, grads, create_graph):
    """Run hooks registered on the non-leaf tensors this node produced, then retain_grad's copies."""
    if node._hooks:
        for index, hooks in node._hooks.items():
            for hook in hooks:
                if grads[index] is not None:
                    result = hook(grads[index])
                    if result is not None:
                        grads[index] = result
    if node._retained:
        for index, ref in node._retained.items():
            t = ref()
            g = grads[index]
            if t is not None and g is not None:
                g = g if create_graph else g.detach()
                t.grad = g if t.grad is None else t.grad + g
    return grads


def _call_backward(node, grads):
    if len(grads) > 1 and node._materialize_grads and any(g is None for g in grads):
        grads = [
            g if g is not None else _wrap(np.zeros(shape, dtype=dtype))
            for g, (shape, dtype) in zip(grads, node._output_meta)
        ]
    result = type(node).backward(node, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    if anomaly.mode.enabled:
        anomaly.check(node, [g._data if isinstance(g, Tensor) else g for g in result], "backward")
    expected = len(node._inputs)
    if len(result) > expected and all(r is None for r in result[expected:]):
        result = result[:expected]
    if len(result) != expected:
        raise RuntimeError(
            f"{node.name()} returned {len(result)} gradients but its forward took {expected} inputs; "
            "backward must return one gradient (or None) per forward input"
        )
    return result


def _fit(g, shape, dtype, node, position):
    """Sum a gradient down to its input's shape and give it the input's dtype."""
    if not isinstance(g, Tensor):
        g = _wrap(np.asarray(g))
    if g.shape != shape:
        from ..ops import sum_to

        try:
            g = sum_to(g, shape)
        except ValueError:
            raise RuntimeError(
                f"{node.name()} returned a gradient of shape {tuple(g.shape)} for input {position}, "
                f"which has shape {shape}: the shapes must match (or broadcast to it)"
            ) from None
    if g.dtype != dtype:
        g = g.to(dtype)
    return g
