"""The backward walk.

1. Count, for every node reachable from the roots, how many edges point at it (an explicit
   stack, no recursion, so a 100,000-op chain is fine).
2. Start from the roots with their seed gradients. A node runs once every node that uses it
   has sent its gradient (the count reaches 0): Kahn's topological order, linear in graph size.
3. A node's backward returns one gradient per input; the engine fits each to its input's shape
   (summing away broadcast dims) and dtype, adds it to that input's buffer, and drops the
   node's own buffer right away.
4. Leaves end in AccumulateGrad nodes, which add into `.grad`; autograd.grad captures instead.

Without create_graph the gradients travel as bare NumPy arrays: ops whose backward formula holds on
arrays (`array_backward`) get them directly, the others get them wrapped in Tensors. The walk runs
under np.errstate(all="ignore"): a gradient that overflows to inf or meets 0 / 0 is silent, as in
PyTorch (detect_anomaly is the tool that reports it).
"""
import numpy as np

from ..tensor import Tensor, _wrap
from . import anomaly
from .function import AccumulateGrad, Op, edge_to
from .grad_mode import set_grad_enabled


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's .grad (or only into `inputs`)."""
    tensors = _tensor_tuple(tensors, "backward", "tensors")
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    roots = _roots(tensors, grad_tensors, "backward", create_graph)
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
    roots = _roots(outputs, grad_outputs, "autograd.grad", create_graph)
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
            g = _wrap(g)
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


def _roots(tensors, grads, caller, create_graph):
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
        roots.append((edge_to(t), g if create_graph else g._data))
    return roots


def _dependencies(starts):
    """How many edges point at each node reachable from `starts` (a start no edge points at: 0)."""
    counts = dict.fromkeys(starts, 0)  # also the set of nodes seen
    stack = list(starts)
    while stack:
        node = stack.pop()
        for edge in node._inputs:
            if not edge:  # None or _NO_EDGE: no gradient goes there
                continue
            child = edge[0]
            if child in counts:
                counts[child] += 1
            else:
                counts[child] = 1
                stack.append(child)
    return counts


def _run(roots, retain_graph, create_graph, capture=None, only_leaves=None):
    buffers = {}
    for (node, index), g in roots:
        _add(buffers, node, index, g)
    starts = list(dict.fromkeys(node for (node, _), _g in roots))
    pending = _dependencies(starts)
    ready = [node for node in starts if pending[node] == 0]
    found = {}
    handed_out = {id(g) for _edge, g in roots}  # arrays a leaf's .grad must not own: see AccumulateGrad
    outer, anomaly.mode.in_backward = anomaly.mode.in_backward, True
    try:
        with set_grad_enabled(create_graph), np.errstate(all="ignore"):
            _walk(ready, buffers, pending, found, retain_graph, create_graph, capture, only_leaves, handed_out)
    finally:
        anomaly.mode.in_backward = outer
    return found


def _walk(ready, buffers, pending, found, retain_graph, create_graph, capture, only_leaves, handed_out):
    mode = anomaly.mode
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
                    node.accumulate(grads[0], create_graph, handed_out)
            continue
        op = node.op
        if grads is None:
            input_grads = (None,) * len(node._inputs)
        elif op.array_backward and not create_graph and len(grads) == 1 and not mode.enabled:
            input_grads = op.backward(node, grads[0])  # the hot path: a built-in op on arrays
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
        else:
            input_grads = _call_backward(node, grads, create_graph)
            if not create_graph and not issubclass(op, Op):
                # a custom Function may return a tensor it holds (an input, a saved one): no .grad may own it
                handed_out.update(id(g) for g in input_grads if g is not None)
        if node._saved and not retain_graph:
            node._saved = node._saved_inputs = None  # freed: reading saved_tensors again raises
        for position, edge in enumerate(node._inputs):
            if not edge:
                continue
            child, child_index, shape, dtype = edge
            g = input_grads[position]
            if g is not None:
                if create_graph:
                    if not isinstance(g, Tensor) or g._data.shape != shape or g._data.dtype != dtype:
                        g = _fit(g, shape, dtype, node, position, True)
                elif type(g) is not np.ndarray or g.shape != shape or g.dtype is not dtype:  # `is`: _fit compares
                    g = _fit(g, shape, dtype, node, position, False)
                slots = buffers.get(child)
                if slots is None:
                    slots = buffers[child] = [None] * child._n_outputs
                slots[child_index] = g if slots[child_index] is None else slots[child_index] + g
            left = pending[child] - 1
            pending[child] = left
            if not left:
                ready.append(child)


def _add(buffers, node, index, g):
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node._n_outputs
    slots[index] = g if slots[index] is None else slots[index] + g


def _tensor_hooks(node, grads, create_graph):
    """Run hooks registered on the non-leaf tensors this node produced, then retain_grad's copies."""
    as_tensor = _wrap if not create_graph else (lambda g: g)
    if node._hooks:
        for index, hooks in node._hooks.items():
            for hook in hooks:
                if grads[index] is not None:
                    result = hook(as_tensor(grads[index]))
                    if result is not None:
                        grads[index] = result if create_graph else _array(result)
    if node._retained:
        for index, ref in node._retained.items():
            t = ref()
            g = grads[index]
            if t is not None and g is not None:
                g = g if create_graph else _wrap(np.array(g))  # a copy: the gradient travels on
                t.grad = g if t.grad is None else t.grad + g
    return grads


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _call_backward(node, grads, create_graph):
    if len(grads) > 1 and node._materialize_grads and None in grads:
        zeros = np.zeros if not create_graph else (lambda shape, dtype: _wrap(np.zeros(shape, dtype)))
        grads = [g if g is not None else zeros(shape, dtype) for g, (shape, dtype) in zip(grads, node._output_meta)]
    if create_graph or node.op.array_backward:
        result = node.op.backward(node, *grads)
    else:  # a backward written for Tensors only: wrap the arrays, unwrap the results
        result = node.op.backward(node, *[g if g is None else _wrap(g) for g in grads])
        result = tuple(_unwrap(g) for g in result) if type(result) is tuple else _unwrap(result)
    if type(result) is not tuple:
        result = (result,)
    if anomaly.mode.enabled:
        anomaly.check(node, [g._data if isinstance(g, Tensor) else g for g in result], "backward")
    if len(result) != len(node._inputs):
        result = _one_per_input(node, result)
    return result


def _unwrap(g):
    return g._data if isinstance(g, Tensor) else g


def _one_per_input(node, result):
    """Trailing Nones past the inputs are dropped (PyTorch allows them); any other count is an error."""
    expected = len(node._inputs)
    if len(result) > expected and all(r is None for r in result[expected:]):
        return result[:expected]
    raise RuntimeError(
        f"{node.name()} returned {len(result)} gradients but its forward took {expected} inputs; "
        "backward must return one gradient (or None) per forward input"
    )


def _fit(g, shape, dtype, node, position, create_graph):
    """Sum a gradient down to its input's shape and give it the input's dtype: a Tensor (recorded, with
    create_graph) or an array."""
    from ..ops.shape import sum_to, sum_to_array

    if create_graph:
        g, sum_down, cast = (g if isinstance(g, Tensor) else _wrap(np.asarray(g))), sum_to, (lambda t: t.to(dtype))
    else:
        g, sum_down, cast = np.asarray(g), sum_to_array, (lambda a: a.astype(dtype))
    if g.shape != shape:
        try:
            g = sum_down(g, shape)
        except ValueError:
            raise RuntimeError(
                f"{node.name()} returned a gradient of shape {tuple(g.shape)} for input {position}, "
                f"which has shape {shape}: the shapes must match (or broadcast to it)"
            ) from None
    return g if g.dtype == dtype else cast(g)

