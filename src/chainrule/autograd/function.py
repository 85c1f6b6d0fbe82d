"""Graph nodes and the ops that make them.

Each call of an op that records itself makes a `Node`: the vertex of the graph that a tensor's
`grad_fn` points to, and the `ctx` the op's forward and backward are handed. A node remembers, per
positional argument, where that argument's gradient must go (`_inputs`: the producing node, which of
its outputs, and the shape and dtype to fit the gradient to) and whatever the op saved for its
backward. It never holds its own outputs, so no reference cycle keeps a graph alive: a saved output
is kept as its array and rebuilt as a Tensor when backward asks for it.

Ops come in two flavours:
- `Function` (PyTorch's custom-function API): forward(ctx, *tensors) runs on Tensors under
  no_grad and returns Tensors.
- `Op` (every built-in op): forward(ctx, *arrays) runs on the arrays inside the tensors and
  returns arrays. Both write backward(ctx, *grads) on Tensors, so a backward is itself
  differentiable and `create_graph=True` gives higher derivatives.

Array backward. Most backward formulas are plain arithmetic (`gy * (1 - y * y)`, `gy @ w`), which
reads the same on NumPy arrays as on Tensors. An op that says so (`array_backward = True`) is
handed arrays, and its saved values come back as arrays, whenever no graph of the backward is
being recorded (create_graph=False, the usual case): each step of its formula is then one NumPy
call instead of a recorded op. With create_graph=True the same formula runs on Tensors.
"""
import weakref

import numpy as np

from ..errors import OutOfRangeError
from ..tensor import Tensor, _wrap
from . import anomaly
from .grad_mode import _state, is_grad_enabled, no_grad


class Node:
    """One recorded application of an op: a vertex of the graph, and the `ctx` its forward and
    backward are handed (a tensor's `grad_fn`). `op` is the Function subclass that made it.

    Every node is of this one class, whatever its op, with its hot fields in slots: the engine reads
    them once per node, and Python's attribute caches only pay off when a site sees a single type.
    Ops keep their own values on it as plain attributes (ctx.shape = ...).
    """

    __slots__ = (
        "op", "_inputs", "_saved", "_saved_inputs", "_output_ids", "_n_outputs", "_hooks", "_retained",
        "__dict__", "__weakref__",
    )
    # _inputs: per forward argument, an edge (node, output index, shape, dtype), _NO_EDGE or None
    # _saved: the arrays (and numbers) the op saved; None once backward freed them
    # _saved_inputs: None, or per saved value the (tensor, version then) it is the array of
    # _output_ids: id() of each output array, set when the op saved anything (see _unpack)
    # _hooks: {output index: [hook, ...]} for tensors this node produced
    # _retained: {output index: weakref to a tensor that called retain_grad()}
    _materialize_grads = True
    _non_differentiable = ()

    # ---- what forward and backward use -----------------------------------------------
    def save_for_backward(self, *values):
        self._saved = values  # apply resolves them once forward has returned

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to read saved "
                "tensors after they were freed). Pass retain_graph=True to the first backward() "
                "if you need to backward through the graph again."
            )
        if self._saved_inputs is not None:
            self._check_versions()
        if self.op.array_backward and not _state.enabled:
            return saved  # the arrays themselves (see the module docstring)
        return tuple([self._unpack(value, position) for position, value in enumerate(saved)])

    def _unpack(self, value, position):
        """A saved value as a Tensor: an input is that tensor, an output is rebuilt with this node as
        its grad_fn, any other array is a constant."""
        if self._saved_inputs is not None and self._saved_inputs[position] is not None:
            return self._saved_inputs[position][0]
        if type(value) is np.ndarray and id(value) in self._output_ids:
            # Every array the op saved was alive beside its outputs when forward ended, so no other
            # saved array can have an output's id, even after that output died.
            return _wrap(value, requires_grad=True, grad_fn=self, output_nr=self._output_ids.index(id(value)))
        if isinstance(value, (np.ndarray, np.generic)):
            return _wrap(np.asarray(value))  # a constant array
        return value  # a number

    def _check_versions(self):
        for position, saved_input in enumerate(self._saved_inputs):
            if saved_input is not None and saved_input[0]._version != saved_input[1]:
                tensor, version = saved_input
                raise RuntimeError(
                    f"{self.name()}: saved tensor {position} ({_describe(tensor)}) was modified by an in-place "
                    f"operation after the forward pass (version {version} -> {tensor._version}): an optimizer "
                    "step, +=, t[...] = or t.data = . Run backward before changing it, or change a clone()."
                )

    @property
    def needs_input_grad(self):
        """Per forward argument: whether its gradient is wanted (it is a tensor that requires grad)."""
        inputs = self._inputs  # an edge is a 4-tuple; no edge is None or _NO_EDGE, both falsy
        if len(inputs) == 2:  # most ops with a choice; spelled out, this is 3x faster than the general form
            return (bool(inputs[0]), bool(inputs[1]))
        return tuple(map(bool, inputs))

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    # ---- what users see of a node ----------------------------------------------------
    def name(self):
        return self.op.name()

    @property
    def next_functions(self):
        return tuple((edge[0], edge[1]) if edge else (None, 0) for edge in self._inputs if edge is not None)

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) is not supported on nodes; register on the tensor instead."""
        raise RuntimeError(f"{self.name()}: register hooks on tensors with Tensor.register_hook(fn)")

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


def _new_node(op, inputs):
    """A Node with every slot set (a slot read before it is set would raise)."""
    node = _new(Node)
    node.op = op
    node._inputs = inputs
    node._saved = ()
    node._saved_inputs = None
    node._output_ids = ()
    node._n_outputs = 1
    node._hooks = node._retained = None
    return node


class Function:
    """Base class of custom ops: subclass it with static forward(ctx, ...) and backward(ctx, ...),
    and call it with apply(...). ctx is the Node that records the call."""

    array_backward = False  # True: backward's formula also holds on arrays (see the module docstring)

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward"

    # ---- forward, called by apply ------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        inputs = [(_edge(a) if a.requires_grad else _NO_EDGE) if isinstance(a, Tensor) else None for a in args]
        ctx = _new_node(cls, inputs)
        record = is_grad_enabled() and any(inputs)
        with no_grad():
            outputs = cls.forward(ctx, *args)
        single = not isinstance(outputs, tuple)
        if anomaly.mode.enabled:
            ctx._created_at = anomaly.creation_site()
            anomaly.check(ctx, [o._data for o in ((outputs,) if single else outputs)], "forward")
        outputs = (outputs,) if single else outputs
        outputs = tuple(_fresh_output(out, args) for out in outputs)
        if record:
            _connect(ctx, outputs, [out._data for out in outputs])
        return outputs[0] if single else outputs

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads) to be differentiated")


class Op(Function):
    """A built-in op: forward works on arrays (fast, no Tensor in the way), backward on Tensors
    (or on arrays, for ops that set array_backward)."""

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward0"  # PyTorch's built-in nodes end in an overload number (MulBackward0)

    @classmethod
    def apply(cls, *args):
        # one pass over the arguments: their arrays, and where each one's gradient must go
        arrays, edges = [], []
        record = False
        enabled = _state.enabled
        for a in args:
            if isinstance(a, Tensor):
                data = a._data
                arrays.append(data)
                if enabled and a.requires_grad:  # _edge(a), written out: this runs for every argument of every op
                    node = a.grad_fn
                    edges.append((node, a._output_nr, data.shape, data.dtype) if node is not None else _edge(a))
                    record = True
                else:
                    edges.append(_NO_EDGE)
            else:
                arrays.append(a)
                edges.append(None)
        ctx = _new_node(cls, tuple(edges))  # a tuple comes from a free list: not counted towards a GC pass
        try:
            raw = cls.forward(ctx, *arrays)
        except (ValueError, TypeError, IndexError) as err:
            raise _op_error(cls, args, err) from None
        if anomaly.mode.enabled and not anomaly.mode.in_backward:
            ctx._created_at = anomaly.creation_site()
            anomaly.check(ctx, raw if type(raw) is tuple else (np.asarray(raw),), "forward")
        if type(raw) is not np.ndarray:  # several arrays out, or a NumPy scalar
            return _outputs(ctx, raw, record, args)
        if not record:
            return _wrap(raw)
        if ctx._saved:
            ctx._saved_inputs = _saved_inputs(ctx._saved, args)
            ctx._output_ids = (id(raw),)
        return _wrap(raw, True, ctx, 0) if raw.dtype.kind == "f" else _wrap(raw)


def _outputs(ctx, raw, record, args):
    """Op.apply's ending for an op that returned a tuple of arrays (or a NumPy scalar)."""
    results = _arrays_of(ctx, raw if type(raw) is tuple else (raw,))
    if record:
        if ctx._saved:
            ctx._saved_inputs = _saved_inputs(ctx._saved, args)
            ctx._output_ids = tuple([id(r) for r in results])
        ctx._n_outputs = len(results)
        ctx._output_meta = [(r.shape, r.dtype) for r in results]
        outputs = tuple(_wrap(r, True, ctx, i) if r.dtype.kind == "f" else _wrap(r) for i, r in enumerate(results))
    else:
        outputs = tuple(_wrap(r) for r in results)
    return outputs if type(raw) is tuple else outputs[0]


def _edge(tensor):
    """(node, output index, shape, dtype): where the gradient of a tensor that requires grad goes,
    and what it must look like."""
    data = tensor._data
    node = tensor.grad_fn
    if node is None:
        return (accumulator(tensor), 0, data.shape, data.dtype)
    return (node, tensor._output_nr, data.shape, data.dtype)


_new = object.__new__
_NO_EDGE = ()  # a tensor argument that needs no gradient (falsy, like None for a non-tensor one)


class AccumulateGrad:
    """The node at a leaf that requires grad: gradients arriving here add up in `variable.grad`."""

    _inputs = ()
    _n_outputs = 1
    _hooks = None
    _retained = None
    _saved = ()

    def __init__(self, variable):
        self.variable = variable

    @staticmethod
    def name():
        return "AccumulateGrad"

    next_functions = ()

    def accumulate(self, grad, create_graph, handed_out):
        """Add grad (a Tensor with create_graph, else an array) into the leaf's .grad.

        Without create_graph, .grad is added to in place, as in PyTorch; a new .grad never shares
        memory with another gradient (one handed to another leaf, a view, an array a custom
        Function's backward returned, a hook's result), so changing one .grad in place can't
        change anything else."""
        leaf = self.variable
        replaced = False  # by a hook: then the array may be anybody's, so .grad gets a copy
        if leaf._hooks:
            grad = _wrap(grad) if not create_graph else grad
            for hook in leaf._hooks:
                result = hook(grad)
                if result is not None:
                    grad, replaced = result, True
            grad = grad._data if not create_graph else grad
        if create_graph:
            if not grad._data.flags.writeable:  # broadcast views are read-only; .grad must be a real array
                grad = _wrap(np.array(grad._data), requires_grad=grad.requires_grad, grad_fn=grad.grad_fn)
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad
            return
        current = leaf.grad
        if current is None:
            if replaced or id(grad) in handed_out or grad.base is not None or not grad.flags.writeable:
                grad = np.array(grad)
            handed_out.add(id(grad))
            leaf.grad = _wrap(grad)
        elif current.requires_grad or not current._data.flags.writeable or current.shape != grad.shape:
            leaf.grad = current.detach() + _wrap(grad)
        else:
            current._data += grad
            current._version += 1

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


def accumulator(leaf):
    """The leaf's AccumulateGrad node, shared by every graph that uses the leaf while one is alive."""
    node = leaf._accumulator() if leaf._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


def edge_to(tensor):
    """(node, output index) where the gradient of `tensor` must be sent, or (None, 0)."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    if tensor.requires_grad:
        return accumulator(tensor), 0
    return None, 0


def _connect(ctx, outputs, out_arrays):
    """Record ctx as the node that made `outputs` (Tensors) (custom Functions)."""
    ctx._n_outputs = len(outputs)
    ctx._output_meta = [(out._data.shape, out._data.dtype) for out in outputs]
    if ctx._saved:  # kept like an Op's: arrays, plus the tensors they came from
        tensors = ctx._saved
        ctx._output_ids = tuple([id(out) for out in out_arrays])
        ctx._saved = tuple([v._data if isinstance(v, Tensor) else v for v in tensors])
        ctx._saved_inputs = [
            (v, v._version) if isinstance(v, Tensor) and id(v._data) not in ctx._output_ids else None for v in tensors
        ]
    blocked = ctx._non_differentiable
    for index, out in enumerate(outputs):
        if out._data.dtype.kind == "f" and not any(out is b for b in blocked):
            out.requires_grad = True
            out.grad_fn = ctx
            out._output_nr = index


def _describe(tensor):
    kind = "a parameter" if type(tensor).__name__ == "Parameter" else ("a leaf" if tensor.grad_fn is None else "an intermediate")
    return f"{kind} of shape {tuple(tensor.shape)} and dtype {tensor.dtype}"


def _saved_inputs(saved, args):
    """Which arrays an Op saved are its input tensors' arrays: None if none is, else per saved
    value (that tensor, its version now), so backward can tell whether it was changed in place since."""
    found = None
    for position, value in enumerate(saved):
        if type(value) is np.ndarray:
            for arg in args:
                if isinstance(arg, Tensor) and arg._data is value:
                    if found is None:
                        found = [None] * len(saved)
                    found[position] = (arg, arg._version)
                    break
    return found if found is None else tuple(found)  # a tuple: see _inputs in Op.apply


def _fresh_output(out, args):
    """Outputs of a custom Function must be new tensors; an input returned as-is is shallow-copied."""
    if not isinstance(out, Tensor):
        raise TypeError(f"Function.forward must return Tensors, got {type(out).__name__}")
    if any(out is a for a in args) or out.grad_fn is not None or out.requires_grad:
        return _wrap(out._data)
    return out


def _arrays_of(ctx, results):
    """NumPy hands back scalars (np.float32) from 0-d results: make them arrays, also where saved."""
    if all(type(r) is np.ndarray for r in results):
        return results
    arrays = tuple(r if isinstance(r, np.ndarray) else np.asarray(r) for r in results)
    if ctx._saved:
        ctx._saved = tuple(
            next((a for r, a in zip(results, arrays) if v is r), v) for v in ctx._saved
        )
    return arrays


def _op_error(cls, args, err):
    shapes = ", ".join(str(tuple(a.shape)) for a in args if isinstance(a, Tensor))
    name = cls.__name__.lower()
    # NumPy's own error subclasses take other constructor arguments: re-raise as the plain kind
    kind = OutOfRangeError if isinstance(err, IndexError) else ValueError if isinstance(err, ValueError) else TypeError
    return kind(f"{name}: {err} (input shapes: {shapes})")
