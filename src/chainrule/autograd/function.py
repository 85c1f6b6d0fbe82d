"""Graph nodes, and the ops that record them.

Running an op on tensors that require grad records a `Node`: the vertex a tensor's `grad_fn` points to, and
the `ctx` the op's forward and backward are handed. A node keeps
- `edges`: per forward argument, where that argument's gradient goes (an `Edge`), or None when it needs none;
- what the op saved for its backward (arrays, and which input tensors they came from, with their versions).
It never holds its own outputs, so no reference cycle keeps a graph alive: a saved output is kept as its array
and rebuilt as a Tensor when a recorded backward (create_graph) asks for it.

Ops come in two kinds, with one calling convention each:
- `Op`, every built-in op: `forward(ctx, *arrays)` computes on the arrays inside the tensors. `backward(ctx, gy)`
  is one formula that gets NumPy arrays (and its saved arrays) when no graph of the backward is recorded, and
  Tensors under create_graph; it computes with operators and with `xp = namespace(gy)` (autograd/arrays.py).
- `Function`, PyTorch's custom-function API: forward and backward on Tensors, as in PyTorch.
"""
import weakref

import numpy as np

from .. import device as _device
from ..errors import OutOfRangeError
from ..tensor import Tensor, _wrap
from . import anomaly, arrays
from .standard import Names
from .grad_mode import _state, no_grad


def _refresh_view(view):
    """Set by connect_views(): ops/inplace.py's refresh_view (it computes with ops, which autograd can't import)."""
    raise RuntimeError("chainrule.autograd: connect_views() was not called")


def connect_views(refresh_view):
    """A view whose base was changed in place through the graph since the view's grad_fn was made gets a
    fresh grad_fn before an op uses it (PyTorch regenerates it too); `chainrule/__init__.py` hands over how."""
    global _refresh_view
    _refresh_view = refresh_view


def namespace(value):
    """The functions that compute on `value`, under chainrule's names: autograd/arrays.py for a NumPy array
    (nothing is recorded), chainrule.ops for a Tensor (every step is recorded), and the array API namespace
    of any other array (CuPy's, say)."""
    if type(value) is np.ndarray or isinstance(value, np.generic):  # the first test: the usual case, fast
        return arrays
    if isinstance(value, Tensor):
        return value.__array_namespace__()
    xp = _device.library_of(value)
    if xp is np:  # not an array (a NumPy array or scalar was answered above)
        raise TypeError(f"namespace: expected an array or a Tensor, got {type(value).__name__}")
    names = _NAMES.get(xp)
    if names is None:
        names = _NAMES[xp] = Names(xp)
    return names


_NAMES = {}  # array API namespace -> its Names (chainrule's names on that library's arrays)
_ndarray = np.ndarray


def _check_library(op, args):
    """An op got a tensor whose array is not NumPy's: all its tensors must be on one device, and the op must
    compute with the standard's functions only (Op.array_api); else a clear error, never a silent copy."""
    devices = []
    for a in args:
        if isinstance(a, Tensor) and a.device not in devices:
            devices.append(a.device)
    if len(devices) > 1:
        raise _device.same_device_error(op.__name__.lower(), devices[0], devices[1])
    if not op.array_api:
        raise NotImplementedError(
            f"{op.__name__.lower()}: tensors on {devices[0]} ({_device.library(devices[0]).__name__} arrays) are not "
            f"supported yet: this op computes with NumPy only; move the tensors to the CPU with .cpu()"
        )


class Edge:
    """Where one input's gradient goes: output `index` of `node`, after it is fitted to `shape` and `dtype`."""

    __slots__ = ("node", "index", "shape", "dtype")

    def __init__(self, node, index, shape, dtype):
        self.node, self.index, self.shape, self.dtype = node, index, shape, dtype

    def __repr__(self):
        return f"Edge({self.node.name()}, {self.index})"


def edge_to(tensor):
    """The Edge a tensor that requires grad sends its gradient along (its AccumulateGrad node for a leaf)."""
    data = tensor._data
    node = tensor.grad_fn
    if node is None:
        return Edge(accumulator(tensor), 0, data.shape, data.dtype)
    return Edge(node, tensor._output_nr, data.shape, data.dtype)


class Node:
    """One recorded application of an op: a vertex of the graph, and the `ctx` its forward and backward get.

    Every node is of this one class, whatever its op, with its fields in slots: the engine reads them once per
    node, and Python's attribute caches pay off when a site sees a single type. Ops keep values of their own
    on it as plain attributes (ctx.shape = ...).
    """

    __slots__ = ("op", "edges", "_other_args", "_saved", "_saved_inputs", "_output_ids", "_output_versions",
                 "_n_outputs", "_hooks", "_retained", "__dict__", "__weakref__")
    # _other_args: bit i is set when forward argument i was not a Tensor (next_functions leaves it out, as PyTorch)
    # _saved: the arrays (and numbers) the op saved; None once backward has freed them
    # _saved_inputs: None, or per saved value: None, or (the input tensor it is the array of, its version then)
    # _output_ids: id() of each output array, when the op saved anything (see _unpack)
    # _output_versions: None, or {output index: version counter} once an output has one (see track_output)
    # _hooks: {output index: [hook, ...]} of tensors this node made; _retained: {output index: weakref}
    # The fields below are set only on the nodes that need them; until then these class defaults answer.
    _materialize_grads = True
    _non_differentiable = ()

    # ---- what forward and backward use -----------------------------------------------
    def save_for_backward(self, *values):
        self._saved = values  # apply sorts them out once forward has returned

    @property
    def saved_tensors(self):
        """What forward saved: the arrays themselves for a built-in op's backward on arrays, Tensors otherwise."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to read saved "
                "tensors after they were freed). Pass retain_graph=True to the first backward() "
                "if you need to backward through the graph again."
            )
        if self._saved_inputs is not None or self._output_versions is not None:
            self._check_versions()
        if not _state.enabled and self.op.on_arrays:
            return saved
        return tuple([self._unpack(value, position) for position, value in enumerate(saved)])

    @property
    def saved_arrays(self):
        """What forward saved, as the arrays themselves (for exact constant parts of a recorded backward)."""
        saved = self.saved_tensors if self._saved is None else self._saved  # None: raises saved_tensors' error
        if self._saved_inputs is not None or self._output_versions is not None:
            self._check_versions()
        return saved

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
            return _wrap(np.asarray(value))
        if hasattr(value, "__array_namespace__") and not isinstance(value, Tensor):  # another library's array
            if id(value) in self._output_ids:
                return _wrap(value, requires_grad=True, grad_fn=self, output_nr=self._output_ids.index(id(value)))
            return _wrap(value)
        return value

    def track_output(self, index, versions):
        """Output `index` got a version counter (a view, a detach() or an in-place change of it was made):
        keep it, so that backward notices if that output was saved and has been changed since."""
        if self._output_versions is None:
            self._output_versions = {}
        self._output_versions[index] = versions

    def _check_versions(self):
        """Backward needs what forward saved: refuse if any of it was changed in place since."""
        for position, saved in enumerate(self._saved_inputs or ()):
            if saved is not None and saved[0]._version != saved[1]:
                tensor, version = saved
                self._refuse_changed(position, _describe(tensor), version, tensor._version)
        saved_ids = [id(value) for value in self._saved or ()]
        for index, versions in (self._output_versions or {}).items():
            output_id = self._output_ids[index] if index < len(self._output_ids) else None
            if versions[0] and output_id in saved_ids:  # outputs start at version 0
                self._refuse_changed(saved_ids.index(output_id), f"output {index} of this op", 0, versions[0])

    def _refuse_changed(self, position, described, then, now):
        raise RuntimeError(
            f"{self.name()}: one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: saved tensor {position} ({described}) was modified by an in-place operation "
            f"after the forward pass (version {then} -> {now}): an optimizer step, +=, t[...] =, t.data = , or a "
            "change through a view or detach() of it. Run backward before changing it, or change a clone()."
        )

    @property
    def needs_input_grad(self):
        """Per forward argument: whether its gradient is wanted (it is a tensor that requires grad)."""
        edges = self.edges
        if len(edges) == 2:  # the common case, spelled out: 3x faster than the general form
            return (edges[0] is not None, edges[1] is not None)
        return tuple([edge is not None for edge in edges])

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    # ---- what users see of a node ----------------------------------------------------
    def name(self):
        return self.op.name()

    @property
    def next_functions(self):
        """(node, output index) per tensor argument, (None, 0) for one that needs no gradient, as in PyTorch
        (a Python number counts where PyTorch makes it a tensor: the operands of + - * /)."""
        hidden = self._other_args & ~self.op.number_operands
        return tuple((edge.node, edge.index) if edge is not None else (None, 0)
                     for position, edge in enumerate(self.edges) if not hidden >> position & 1)

    def register_hook(self, hook):
        raise RuntimeError(f"{self.name()}: register hooks on tensors with Tensor.register_hook(fn)")

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


def _new_node(op, edges, other_args):
    """A Node with every slot set (a slot read before it is set would raise)."""
    node = _new(Node)
    node.op, node.edges, node._other_args = op, edges, other_args
    node._saved, node._saved_inputs, node._output_ids = (), None, ()
    node._output_versions, node._n_outputs, node._hooks, node._retained = None, 1, None, None
    return node


class AccumulateGrad:
    """The node at a leaf that requires grad: gradients arriving here are added into `variable.grad`."""

    edges = ()
    _n_outputs = 1
    _hooks = None
    _retained = None
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    @staticmethod
    def name():
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


def accumulator(leaf):
    """The leaf's AccumulateGrad node, shared by every graph that uses the leaf while one is alive."""
    node = leaf._accumulator() if leaf._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


# ---- the two kinds of op ------------------------------------------------------------------------
class Function:
    """Base class of custom ops, as in PyTorch: subclass it with static forward(ctx, ...) and
    backward(ctx, ...) on Tensors, and call it with apply(...). ctx is the Node that records the call."""

    on_arrays = False  # backward gets Tensors, whether or not its graph is recorded
    number_operands = 0  # bit i: argument i is an operand even when it is a number (next_functions shows it)

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward"

    @classmethod
    def apply(cls, *args):
        for a in args:
            if isinstance(a, Tensor) and a._base is not None and a._base.grad_fn is not a._base_grad_fn:
                _refresh_view(a)
        edges = tuple([edge_to(a) if isinstance(a, Tensor) and a.requires_grad else None for a in args])
        ctx = _new_node(cls, edges, sum(1 << i for i, a in enumerate(args) if not isinstance(a, Tensor)))
        with no_grad():
            outputs = cls.forward(ctx, *args)
        single = not isinstance(outputs, tuple)
        outputs = tuple(_fresh_output(out, args) for out in ((outputs,) if single else outputs))
        if anomaly.mode.enabled:
            ctx._created_at = anomaly.creation_site()
            anomaly.check(ctx, [out._data for out in outputs], "forward",
                          [a._data if isinstance(a, Tensor) else a for a in args])
        if _state.enabled and any(edges):
            _connect(ctx, outputs)
        return outputs[0] if single else outputs

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads) to be differentiated")


class Op(Function):
    """A built-in op: forward on arrays, backward on arrays or (create_graph) Tensors, through `namespace`."""

    on_arrays = True
    node_name = None  # PyTorch's name for the node, where it isn't <ClassName>Backward0
    array_api = False  # True: forward and backward use standard functions only (any library's arrays: CuPy, ...)

    @classmethod
    def name(cls):
        return cls.node_name or cls.__name__ + "Backward0"  # PyTorch's built-in nodes end in an overload number

    @classmethod
    def apply(cls, *args):
        """Run forward on the arguments' arrays and, if any argument requires grad, record a node.

        On plain arrays (a backward formula's other ops, without create_graph) an op is just its forward."""
        arrays, edges = [], []
        record = tensors = False
        enabled = _state.enabled
        other_args = 0  # bit i: argument i is not a Tensor
        for a in args:
            if isinstance(a, Tensor):
                tensors = True
                if a._base is not None and a._base.grad_fn is not a._base_grad_fn:
                    _refresh_view(a)
                data = a._data
                arrays.append(data)
                if type(data) is not _ndarray:
                    _check_library(cls, args)
                if enabled and a.requires_grad:
                    if a.grad_fn is None:
                        edges.append(edge_to(a))
                    else:  # edge_to(a), written out: this runs for every argument of every op
                        edge = _new(Edge)
                        edge.node = a.grad_fn
                        edge.index = a._output_nr
                        edge.shape = data.shape
                        edge.dtype = data.dtype
                        edges.append(edge)
                    record = True
                else:
                    edges.append(None)
            else:
                other_args |= 1 << len(arrays)
                arrays.append(a)
                edges.append(None)
        ctx = _new(Node)  # _new_node(cls, edges, other_args), written out: this runs for every op
        ctx.op, ctx.edges, ctx._other_args = cls, tuple(edges), other_args
        ctx._saved, ctx._saved_inputs, ctx._output_ids = (), None, ()
        ctx._output_versions, ctx._n_outputs, ctx._hooks, ctx._retained = None, 1, None, None
        try:
            raw = cls.forward(ctx, *arrays)
        except (ValueError, TypeError, IndexError) as err:
            raise _op_error(cls, args, err) from err
        if not tensors:
            return raw
        if anomaly.mode.enabled and not anomaly.mode.in_backward:
            ctx._created_at = anomaly.creation_site()
            anomaly.check(ctx, raw if type(raw) is tuple else (np.asarray(raw),), "forward", arrays)
        if type(raw) is not np.ndarray:  # several arrays out, or a NumPy scalar
            return _outputs(ctx, raw, record, args)
        if not record:
            return _wrap(raw)
        saved = ctx._saved
        if saved:
            ctx._output_ids = (id(raw),)
            for value in saved:  # any saved array but the output may be an input's: note their versions
                if type(value) is np.ndarray and value is not raw:
                    ctx._saved_inputs = _saved_inputs(saved, args)
                    break
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
        outputs = tuple(_wrap(r, True, ctx, i) if _device.is_floating(r.dtype) else _wrap(r)
                        for i, r in enumerate(results))
    else:
        outputs = tuple(_wrap(r) for r in results)
    return outputs if type(raw) is tuple else outputs[0]


def _connect(ctx, outputs):
    """Record ctx as the node that made `outputs` (a custom Function's Tensors)."""
    ctx._n_outputs = len(outputs)
    ctx._output_meta = [(out._data.shape, out._data.dtype) for out in outputs]
    if ctx._saved:  # kept like an Op's: arrays, plus the tensors they came from
        tensors = ctx._saved
        ctx._output_ids = tuple([id(out._data) for out in outputs])
        ctx._saved = tuple([v._data if isinstance(v, Tensor) else v for v in tensors])
        ctx._saved_inputs = tuple([
            (v, v._version) if isinstance(v, Tensor) and id(v._data) not in ctx._output_ids else None for v in tensors
        ])
    blocked = ctx._non_differentiable
    for index, out in enumerate(outputs):
        if _device.is_floating(out._data.dtype) and not any(out is b for b in blocked):
            out.requires_grad = True
            out.grad_fn = ctx
            out._output_nr = index


def _saved_inputs(saved, args):
    """Which arrays an Op saved are its input tensors' arrays: None if none is, else per saved value
    (that tensor, its version now), so backward can tell whether it was changed in place since."""
    found = None
    for position, value in enumerate(saved):
        if type(value) is np.ndarray or hasattr(value, "__array_namespace__"):  # any library's array
            for arg in args:
                if isinstance(arg, Tensor) and arg._data is value:
                    if found is None:
                        found = [None] * len(saved)
                    found[position] = (arg, arg._version)
                    break
    return found if found is None else tuple(found)


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
    arrays = tuple(r if isinstance(r, np.ndarray) or _foreign(r) else np.asarray(r) for r in results)
    if ctx._saved:
        ctx._saved = tuple(next((a for r, a in zip(results, arrays) if v is r), v) for v in ctx._saved)
    return arrays


def _foreign(value):
    """Whether value is another library's array (CuPy's, say): not NumPy's, not a number, not a Tensor."""
    return hasattr(value, "__array_namespace__") and not isinstance(value, (np.generic, Tensor))


def _describe(tensor):
    kind = "a parameter" if type(tensor).__name__ == "Parameter" else ("a leaf" if tensor.grad_fn is None else "an intermediate")
    return f"{kind} of shape {tuple(tensor.shape)} and dtype {tensor.dtype}"


def _op_error(cls, args, err):
    shapes = ", ".join(str(tuple(a.shape)) for a in args if isinstance(a, Tensor))
    name = cls.__name__.lower()
    # NumPy's own error subclasses take other constructor arguments: re-raise as the plain kind
    kind = OutOfRangeError if isinstance(err, IndexError) else ValueError if isinstance(err, ValueError) else TypeError
    return kind(f"{name}: {err} (input shapes: {shapes})")


_new = object.__new__
