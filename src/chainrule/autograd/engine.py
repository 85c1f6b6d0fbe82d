"""The backward walk: `loss.backward()` -> `backward()` -> `_walk()`.

1. `_roots`: the edges the walk starts from, each with its seed gradient (ones for a one-element loss).
2. `_count_consumers`: how many edges point at each node reachable from them (an explicit stack, no
   recursion: a 100,000-op chain is fine).
3. `_walk`: a node runs once every node that uses it has sent its gradient (its count reaches 0): Kahn's
   topological order, linear in graph size. Its rule (the op's backward) turns the summed gradients of its
   outputs into one gradient per input; each is fitted to its input's shape and dtype (`_fit` sums away
   broadcast dims, here once, so no op un-broadcasts) and added into that input's buffer. A node's buffer is
   dropped as soon as the node has run.
4. At a leaf's AccumulateGrad node, `_accumulate` adds the gradient into `.grad`; autograd.grad and
   backward(inputs=...) capture the gradients of the tensors they name instead (`_capture`).
5. Callbacks queued during the pass (`queue_callback`, for DistributedDataParallel) run once backward() has
   filled every .grad.

Without create_graph the gradients are NumPy arrays and grad mode is off, so every rule computes on bare
arrays; with create_graph they are Tensors and grad mode is on, so the backward pass is itself recorded. The
walk runs under np.errstate(all="ignore"): a gradient that overflows to inf or meets 0 / 0 is silent, as in
PyTorch (detect_anomaly is the tool that reports it).
"""
import numbers

import numpy as np

from ..device import library_of, move, numpy_dtype, of
from ..tensor import Tensor, _wrap
from . import anomaly, function
from .function import AccumulateGrad, edge_to, namespace
from .grad_mode import _state


_queued_callbacks = []  # queue_callback's: run when the backward() now running ends (DistributedDataParallel's)
_depth = [0]  # how many backward() calls are running (a hook may call backward)


def queue_callback(callback):
    """Run callback() once the backward() now running has filled every .grad (torch's
    Variable._execution_engine.queue_callback): a leaf's hook sees its gradient before it is added to .grad,
    so DistributedDataParallel writes the averaged gradients back from here."""
    if not _depth[0]:
        raise RuntimeError("queue_callback: final callbacks can only be installed during the backward pass")
    _queued_callbacks.append(callback)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Add d(tensors)/d(leaf) into every leaf's .grad, or only into the .grad of `inputs` (leaves or not)."""
    roots = _roots(tensors, grad_tensors, "backward", create_graph, retain_graph)
    retain_graph = create_graph if retain_graph is None else retain_graph
    handed_out = set()  # arrays no .grad may own (see _accumulate): the seeds, to begin with
    for _edge, g in roots:
        handed_out.add(id(g))
    if inputs is not None:
        inputs = _tensor_tuple(inputs, "backward", "inputs")
        if not inputs:
            raise RuntimeError("backward: the `inputs` argument to backward() cannot be empty; give None for every leaf")
    first = len(_queued_callbacks)
    _depth[0] += 1
    try:
        if inputs is None:
            _walk(roots, retain_graph, create_graph, None, handed_out)
        else:
            found = _walk(roots, retain_graph, create_graph, _targets(inputs, "backward"), handed_out)
            for position, t in enumerate(inputs):
                if position in found and t.grad_fn is None:
                    _accumulate(t, found[position], create_graph, handed_out)
                elif position in found:
                    _retain(t, found[position], create_graph)
        while len(_queued_callbacks) > first:  # queue_callback's, in order; a callback may queue another
            _queued_callbacks.pop(first)()
    finally:
        _depth[0] -= 1
        del _queued_callbacks[first:]  # after an error: dropped, never run by a later backward


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned as a tuple; .grad is not touched."""
    roots = _roots(outputs, grad_outputs, "autograd.grad", create_graph, retain_graph)
    retain_graph = create_graph if retain_graph is None else retain_graph
    inputs = _tensor_tuple(inputs, "autograd.grad", "inputs")
    found = _walk(roots, retain_graph, create_graph, _targets(inputs, "autograd.grad"), set())
    results = []
    for position, t in enumerate(inputs):
        g = found.get(position)
        if g is None and materialize_grads:
            g = np.zeros(t.shape, dtype=t.dtype)
        elif g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: input {position} (shape {tuple(t.shape)}) was not used to compute the outputs. "
                "Set allow_unused=True if this is expected."
            )
        results.append(_wrap(_array(g)) if g is not None and not isinstance(g, Tensor) else g)
    return tuple(results)


# ---- the walk ---------------------------------------------------------------------------------------
def _walk(roots, retain_graph, create_graph, capture, handed_out):
    """Run every node reachable from the roots once, after all its consumers; return what `capture` asked for."""
    buffers = {}  # node -> the summed gradient of each of its outputs, until the node runs
    for edge, g in roots:
        _add(buffers, edge.node, edge.index, g)
    pending = _count_consumers(roots)
    ready = []  # the nodes whose consumers have all sent their gradient: at first, roots no other root uses
    for node, count in pending.items():
        if not count:
            ready.append(node)
    found = {}
    mode = anomaly.mode
    saved_modes = _state.enabled, mode.in_backward
    _state.enabled, mode.in_backward = create_graph, True  # grad mode = create_graph, as in PyTorch
    try:
        with np.errstate(all="ignore"):
            while ready:
                node = ready.pop()
                grads = buffers.pop(node, None)
                if grads is not None and (node._hooks or node._retained):
                    grads = _tensor_hooks(node, grads, create_graph)
                if grads is not None and capture is not None:
                    _capture(node, grads, capture, found)
                if type(node) is AccumulateGrad:
                    if grads is not None and grads[0] is not None and capture is None:
                        _accumulate(node.variable, grads[0], create_graph, handed_out)
                    continue
                op = node.op
                if grads is not None and len(grads) == 1 and op.on_arrays and not mode.enabled:
                    input_grads = op.backward(node, grads[0])  # the usual case, written out
                    if type(input_grads) is not tuple:
                        input_grads = (input_grads,)
                else:
                    input_grads = _call_rule(node, grads, create_graph, handed_out)
                if node._saved and not retain_graph:
                    node._saved = node._saved_inputs = None  # freed: reading saved_tensors again raises
                for position, edge in enumerate(node.edges):
                    if edge is None:
                        continue
                    child, g = edge.node, input_grads[position]
                    if g is not None:  # add it into the child's buffer (_add, written out)
                        if g.shape != edge.shape or g.dtype is not edge.dtype:  # `is`: _fit compares properly
                            g = _fit(g, edge, node, position)
                        slots = buffers.get(child)
                        if slots is None:
                            slots = buffers[child] = [None] * child._n_outputs
                        index = edge.index
                        slots[index] = g if slots[index] is None else slots[index] + g
                    left = pending[child] - 1
                    pending[child] = left
                    if not left:
                        ready.append(child)
    finally:
        _state.enabled, mode.in_backward = saved_modes
    return found


def _count_consumers(roots):
    """How many edges point at each node reachable from the roots (a root no edge points at: 0)."""
    counts = {}  # also the set of nodes seen
    for edge, _g in roots:
        counts[edge.node] = 0
    stack = list(counts)
    while stack:
        for edge in stack.pop().edges:
            if edge is None:
                continue
            child = edge.node
            if child in counts:
                counts[child] += 1
            else:
                counts[child] = 1
                stack.append(child)
    return counts


def _add(buffers, node, index, g):
    """Add g into the buffer of output `index` of `node`."""
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node._n_outputs
    slots[index] = g if slots[index] is None else slots[index] + g


def _fit(g, edge, node, position):
    """Sum a gradient down to its input's shape (the inverse of broadcasting) and give it the input's dtype."""
    xp = namespace(g)
    if g.shape != edge.shape:
        try:
            g = xp.sum_to(g, edge.shape)
        except ValueError:
            raise RuntimeError(
                f"{node.name()} returned a gradient of shape {tuple(g.shape)} for input {position}, "
                f"which has shape {edge.shape}: the shapes must match (or broadcast to it)"
            ) from None
    dtype = numpy_dtype(edge.dtype)  # a Tensor g's dtype is NumPy's, its array's may be another library's
    return g if numpy_dtype(g.dtype) == dtype else xp.cast(g, dtype)


def _zeros_beside(grads, shape, dtype):
    """Zeros for an output no gradient reached, of the library and on the device of one that did."""
    present = next(g for g in grads if g is not None)
    data = present._data if isinstance(present, Tensor) else present
    if type(data) is np.ndarray:
        return np.zeros(shape, dtype)
    return library_of(data).zeros(shape, dtype=dtype, device=data.device)


def _call_rule(node, grads, create_graph, handed_out):
    """A node's backward, in the cases the walk doesn't write out: several outputs, no gradient at all,
    anomaly mode, and custom Functions (whose backward takes Tensors even without create_graph)."""
    op = node.op
    if grads is None:  # nothing reached this node: nothing flows on
        return (None,) * len(node.edges)
    if len(grads) > 1 and node._materialize_grads and any(g is None for g in grads):
        zeros = [_zeros_beside(grads, shape, dtype) for shape, dtype in node._output_meta]
        grads = [g if g is not None else (_wrap(z) if create_graph else z) for g, z in zip(grads, zeros)]
    if op.on_arrays or create_graph:
        result = op.backward(node, *grads)
    else:
        result = op.backward(node, *[g if g is None else _wrap(g) for g in grads])
        result = tuple(g._data if isinstance(g, Tensor) else g for g in result) if type(result) is tuple else (
            result._data if isinstance(result, Tensor) else result)
        # the arrays a custom backward returns may be its own (an input, a saved array): no .grad may own them
        handed_out.update(id(g) for g in (result if type(result) is tuple else (result,)) if g is not None)
    if type(result) is not tuple:
        result = (result,)
    if anomaly.mode.enabled:
        anomaly.check(node, [g._data if isinstance(g, Tensor) else g for g in result], "backward")
    if len(result) != len(node.edges):
        result = _one_per_input(node, result)
    return result


def _one_per_input(node, result):
    """Trailing Nones past the inputs are dropped (PyTorch allows them); any other count is an error."""
    expected = len(node.edges)
    if len(result) > expected and all(r is None for r in result[expected:]):
        return result[:expected]
    raise RuntimeError(
        f"{node.name()} returned {len(result)} gradients but its forward took {expected} inputs; "
        "backward must return one gradient (or None) per forward input"
    )


# ---- where gradients end: hooks, capture, .grad -----------------------------------------------------
def _tensor_hooks(node, grads, create_graph):
    """Run hooks registered on the non-leaf tensors this node made, then keep retain_grad's copies."""
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
            t, g = ref(), grads[index]
            if t is not None and g is not None:
                _retain(t, g, create_graph)
    return grads


def _retain(t, g, create_graph):
    """A non-leaf tensor's .grad: a copy of its gradient (which travels on), added out of place as in PyTorch."""
    g = g if create_graph else _wrap(np.array(g) if type(g) is np.ndarray else _copy(g))
    t.grad = g if t.grad is None else t.grad + g


def _targets(inputs, caller):
    """{(node, output index): [positions in inputs]}: where the gradients of `inputs` are to be captured."""
    capture = {}
    for position, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"{caller}: input {position} does not require grad; call requires_grad_() on it first")
        edge = edge_to(t)
        capture.setdefault((edge.node, edge.index), []).append(position)
    return capture


def _capture(node, grads, capture, found):
    for index, g in enumerate(grads):
        for position in capture.get((node, index), ()):
            found[position] = g


def _accumulate(leaf, grad, create_graph, handed_out):
    """Add grad (a Tensor with create_graph, else an array) into leaf.grad, after the leaf's hooks.

    Without create_graph .grad is added to in place, as in PyTorch; a new .grad never shares memory with
    another gradient (one handed to another leaf, a view, a custom backward's array, a seed, a hook's result,
    all listed in `handed_out`), so changing one .grad in place can't change anything else."""
    replaced = False  # by a hook: then the array may be anybody's, so .grad gets a copy
    if leaf._hooks:
        grad = _wrap(_array(grad)) if not create_graph else grad
        for hook in leaf._hooks:
            result = hook(grad)
            if result is not None:
                grad, replaced = result, True
        grad = _array(grad) if not create_graph else grad
    if create_graph:
        if type(grad._data) is np.ndarray and not grad._data.flags.writeable:  # broadcast views are read-only; .grad must be a real array
            grad = _wrap(np.array(grad._data), requires_grad=grad.requires_grad, grad_fn=grad.grad_fn)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    current = leaf.grad
    if type(grad) is not np.ndarray and not isinstance(grad, np.generic):  # another library's array (CuPy, ...)
        if current is None:
            leaf.grad = _wrap(_copy(grad))
        elif current.requires_grad or tuple(current.shape) != tuple(grad.shape):
            leaf.grad = current.detach() + _wrap(grad)
        else:  # in place, as below (the standard's setitem writes into the same memory)
            current._data[...] = current._data + grad
            current._bump_version()
        return
    if current is None:
        if replaced or type(grad) is not np.ndarray or id(grad) in handed_out or grad.base is not None \
                or not grad.flags.writeable:
            grad = np.array(grad, dtype=leaf._data.dtype)
        handed_out.add(id(grad))
        leaf.grad = _wrap(grad)
    elif current.requires_grad or not current._data.flags.writeable or current.shape != grad.shape:
        leaf.grad = current.detach() + _wrap(np.asarray(grad))
    else:
        current._data += grad
        current._bump_version()


def _copy(array):
    """A copy of another library's array: .grad never shares memory with anything else (see _accumulate)."""
    return library_of(array).asarray(array, copy=True)


def _array(value):
    if isinstance(value, Tensor):
        return value._data
    return value if hasattr(value, "__array_namespace__") else np.asarray(value)


# ---- arguments --------------------------------------------------------------------------------------
def _roots(tensors, grads, caller, create_graph, retain_graph):
    """(Edge, seed gradient) per output; the seed is ones for a one-element output, else the given
    gradient, checked against the output's shape and cast to its dtype."""
    for name, flag in (("retain_graph", retain_graph), ("create_graph", create_graph)):
        if flag is not None and not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{caller}: {name} must be True, False or None, got {type(flag).__name__}")
    single = isinstance(tensors, Tensor)
    tensors = (tensors,) if single else _tensor_tuple(tensors, caller, "tensors")
    if grads is None:
        grads = (None,) * len(tensors)
    elif single or isinstance(grads, Tensor):
        grads = (grads,)
    else:
        grads = tuple(grads)
    if len(grads) != len(tensors):
        raise ValueError(f"{caller}: got {len(grads)} gradients for {len(tensors)} outputs; give one per output")
    roots = []
    for index, (t, g) in enumerate(zip(tensors, grads)):
        if t._base is not None and t._base.grad_fn is not t._base_grad_fn:
            function._refresh_view(t)  # a view of a tensor changed in place since: its grad_fn is made afresh
        if not t.requires_grad:
            raise RuntimeError(
                f"{caller}: element {index} of tensors does not require grad and does not have a grad_fn. "
                "Create the leaves with requires_grad=True, and don't compute under no_grad()."
            )
        # the seed: ones for a one-element output; else the given gradient, checked against the output's
        # shape and cast to its dtype (as in PyTorch: a float32 graph stays float32)
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{caller}: grad can be implicitly created only for one-element outputs, got shape "
                    f"{tuple(t.shape)}. Reduce it first (loss.sum() or loss.mean()) or pass gradient=<tensor of that shape>."
                )
            data = t._data  # the seed: ones, on the output's device
            g = _wrap(np.ones(data.shape, data.dtype) if type(data) is np.ndarray else namespace(data).ones_like(data))
        elif not isinstance(g, Tensor):
            if not isinstance(g, (numbers.Number, np.ndarray, np.generic, list, tuple)) or isinstance(g, complex):
                raise TypeError(f"{caller}: the gradient for output {index} must be a Tensor (of the output's shape) "
                                f"or None, got {type(g).__name__}")
            array = np.asarray(g)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{caller}: the gradient for output {index} must hold numbers, got {array.dtype}")
            g = _wrap(move(array, of(t._data)))  # numbers given for an output on another device go there
        if g._data.shape != t._data.shape:
            raise RuntimeError(
                f"{caller}: the gradient has shape {tuple(g.shape)} but the output has shape {tuple(t.shape)}; they must match"
            )
        if g._data.dtype != t._data.dtype:
            g = namespace(g).cast(g, t.dtype) if create_graph else _wrap(namespace(g._data).cast(g._data, t.dtype))
        roots.append((edge_to(t), g if create_graph else g._data))
    return roots


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
