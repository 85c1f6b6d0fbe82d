"""In-place changes: t.add_(x), t.exp_(), t.fill_(v), t[key] = v, t += x, ...

They write into the tensor's memory and bump its version counter, which its views and its detach() share, so
backward notices when something an op saved was changed (see Node._check_versions).

Outside the graph (no_grad, an optimizer step, tensors that need no gradient) that is all. In the graph they are
recorded as in PyTorch: `t.exp_()` computes exp(t) as a recorded op, writes the values into t's memory, and t
takes the result's place in the graph (its grad_fn becomes ExpBackward0). Through a view (`t[0].mul_(2)`,
`t[:, :2] = v`) the view's base is rewired too: its new node, CopySlices, sends the gradient of the written
positions to the new values and the rest to the base's old node. A leaf that requires grad (or a view of one)
is refused, as in PyTorch: change it under `with chainrule.no_grad():`.
"""
import numbers

import numpy as np

from .. import random
from ..args import scalar_arg
from ..autograd.function import Op, namespace
from ..autograd.grad_mode import is_grad_enabled
from ..device import constant, layout, library_of, move, numpy_dtype, of, shares_memory
from ..creation import tensor
from ..tensor import Tensor, _wrap
from . import elementwise
from .elementwise import clamp
from .index import GetItem, getitem, index_key, setitem_array
from .standard_index import values_array
from .shape import broadcast_to, reshape


def write(t, name, new_values, cast=False, overlap_ok=False):
    """Write new_values into t's array, outside the graph. cast=False (arithmetic): a result of a wider kind
    (float into an int tensor) is an error, as in PyTorch; copy_ and fill_ cast. overlap_ok: one value for
    every element (fill_, zero_), which an expanded tensor may take, as in PyTorch."""
    if is_grad_enabled() and t.requires_grad:
        _refuse_leaf(t, name)
    return _write(t, name, new_values, cast, overlap_ok)


def _write(t, name, new_values, cast=False, overlap_ok=False):
    kind = numpy_dtype(new_values.dtype) if hasattr(new_values, "dtype") else np.result_type(new_values)
    if not cast and not np.can_cast(kind, t.dtype, "same_kind"):
        raise RuntimeError(f"{name}: result type {kind} can't be cast to the tensor's dtype {t.dtype}")
    if not overlap_ok:
        _refuse_overlap(t._data, name)
    _make_writeable(t)
    try:
        if type(t._data) is np.ndarray:
            t._data[...] = new_values
        elif not _write_through_base(t, Ellipsis, new_values):
            t._data[...] = values_array(t._data, new_values, tuple(t._data.shape))  # the standard's setitem: one library, one dtype
    except (ValueError, TypeError, OverflowError) as err:  # overflow: inf into an int tensor
        kind = TypeError if isinstance(err, TypeError) else ValueError
        raise kind(f"{name}: {err} (tensor shape {tuple(t.shape)})") from err
    t._bump_version()
    return t


def _write_through_base(t, key, values):
    """t[key] = values written into t's base, when t is a read-only view of another library (array-api-strict
    keeps NumPy's read-only expanded views; NumPy's own are made writable by _make_writeable). False: t may
    be written itself."""
    if t._base is None or not layout(t._data).read_only:
        return False
    base = t._base._data
    where = positions_in(base, t._data)[index_key(key)]
    setitem_array(base, np.unravel_index(where, base.shape), values)
    return True


# ---- recording an in-place change in the graph ------------------------------------------------
def assign(t, name, result, cast=False, overlap_ok=False):
    """t's values become result's, in t's own memory (t.exp_() is assign(t, "exp_", exp(t))). In the graph,
    t also takes result's place there, and a view's base is rewired around the written positions."""
    if not (is_grad_enabled() and (t.requires_grad or result.requires_grad)):
        return _write(t, name, result._data, cast, overlap_ok)  # outside the graph: a plain write
    _refuse_leaf(t, name)
    base = t._base
    written = None if base is None else positions_in(base._data, t._data)
    if result.grad_fn is not None:
        _keep_old_values(result.grad_fn, t._data)
    t._shared_versions()  # the node that made t notes its counter before the change: it may have saved t
    _write(t, name, result._data, cast, overlap_ok)
    t.grad_fn, t._output_nr, t.requires_grad = result.grad_fn, result._output_nr, result.requires_grad
    if base is not None:
        _copy_slices(base, result, written)
        t._base_grad_fn = base.grad_fn
    return t


def refresh_view(view):
    """The view's base was changed in place through the graph (through another view, or base[key] = v) since
    the view's grad_fn was made: the view shows the base's new values, so its grad_fn becomes a gather from
    the base's new node, as PyTorch regenerates it. (Under no_grad nothing is recorded: it is refreshed later.)"""
    base = view._base
    if not is_grad_enabled():
        return
    view._base_grad_fn = base.grad_fn
    if base.requires_grad:
        fresh = AsStrided.apply(reshape(base, (-1,)), positions_in(base._data, view._data))
        view.grad_fn, view._output_nr, view.requires_grad = fresh.grad_fn, 0, True


class AsStrided(GetItem):
    """A view's place in its base, as flat positions: the grad_fn of a refreshed view."""

    node_name = "AsStridedBackward0"


def _keep_old_values(node, memory):
    """The in-place op saved values it is about to overwrite (t.mul_(w) needs the old t for w's gradient):
    it keeps a copy instead, as PyTorch does, standing in for the old tensor in the graph."""
    saved = node._saved
    if not saved or not any(_is_array(v) and shares_memory(v, memory) for v in saved):
        return
    saved, inputs = list(saved), list(node._saved_inputs or [None] * len(saved))
    for position, value in enumerate(saved):
        if _is_array(value) and shares_memory(value, memory):
            saved[position] = library_of(value).asarray(value, copy=True)
            if inputs[position] is not None:
                old = inputs[position][0]
                inputs[position] = (_wrap(saved[position], old.requires_grad, old.grad_fn, old._output_nr), 0)
    node._saved, node._saved_inputs = tuple(saved), tuple(inputs)


def _is_array(value):
    return hasattr(value, "__array_namespace__") and not isinstance(value, Tensor)


def _refuse_leaf(t, name):
    """A leaf that requires grad (or a view of one) can't change in the graph: its .grad would lose its meaning."""
    base = t._base
    if (t.requires_grad and t.grad_fn is None) or (base is not None and base.requires_grad and base.grad_fn is None):
        what = "a leaf Variable" if base is None else "a view of a leaf Variable"
        raise RuntimeError(
            f"{name}: {what} that requires grad is being used in an in-place operation; "
            "wrap the update in `with chainrule.no_grad():`"
        )


class CopySlices(Op):
    """The record of `values` written in place into the flat positions `written` of a tensor (through a view,
    or t[key] = v): the written positions' gradient goes to values, the others' to the tensor's old node."""

    node_name = "CopySlices"
    array_api = True

    def forward(ctx, base, values, written):
        kept = np.ones(base.shape, dtype=bool)
        kept.reshape(-1)[written] = False
        ctx.written, ctx.kept = move(written, of(base)), move(kept, of(base))  # made on the host: positions
        return base  # it already holds the new values: they were written in place

    def backward(ctx, gy):
        need_base, need_values = ctx.needs_input_grad[:2]
        g_values = namespace(gy).reshape(gy, (-1,))[ctx.written] if need_values else None
        return namespace(gy).where(ctx.kept, gy, 0.0) if need_base else None, g_values, None


def _copy_slices(base, values, written):
    """Record on base (whose positions `written` now hold values) the node that routes its gradient."""
    out = CopySlices.apply(base, values, written)
    base._shared_versions()
    base.grad_fn, base._output_nr, base.requires_grad = out.grad_fn, 0, True


def positions_in(base, view):
    """Where each element of the array `view` sits in `base`, whose memory it shows: flat (C order) positions,
    a NumPy array (found from the two arrays' layouts, on any library)."""
    base, view = layout(base), layout(view)
    base_offsets = _byte_offsets(base).reshape(-1)
    order = np.argsort(base_offsets, kind="stable")
    return order[np.searchsorted(base_offsets, _byte_offsets(view) + (view.address - base.address), sorter=order)]


def _byte_offsets(place):
    offsets = np.zeros(place.shape, dtype=np.int64)
    for axis, (n, stride) in enumerate(zip(place.shape, place.strides)):
        offsets += (np.arange(n, dtype=np.int64) * stride).reshape((n,) + (1,) * (len(place.shape) - axis - 1))
    return offsets


def _refuse_overlap(region, name):
    """Writing several results into one memory location (an expanded tensor) is refused, as in PyTorch."""
    if any(stride == 0 and n > 1 for stride, n in zip(_strides(region), region.shape)) and 0 not in region.shape:
        raise RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor refers to a single "
            f"memory location (an expanded tensor of shape {tuple(region.shape)}). Please clone() the tensor "
            "before performing the operation."
        )


def _strides(array):
    return array.strides if type(array) is np.ndarray else layout(array).strides


def _make_writeable(t):
    """NumPy makes broadcast (expanded) views read-only; PyTorch writes through them to their base. So the
    view is rebuilt, writable, on the memory of the array that owns it. Memory nobody may write (a file
    mapped read-only) is copied instead. (CuPy's arrays are always writable.)"""
    array = t._data
    if type(array) is not np.ndarray or array.flags.writeable:
        return
    owner = array
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    if not owner.flags.writeable:
        t._data = np.array(array)
        return
    offset = array.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    t._data = np.ndarray(array.shape, array.dtype, buffer=owner, offset=offset, strides=array.strides)


def _arithmetic(t, name, ufunc, other):
    """t = ufunc(t, other) in place, outside the graph (add_, mul_, ...), with the op's name on NumPy's errors.
    Another library computes with its function of the ufunc's name (the standard's names are NumPy's)."""
    other = other._data if isinstance(other, Tensor) else other
    if not (isinstance(other, (numbers.Number, np.generic)) or hasattr(other, "__array_namespace__")) \
            or isinstance(other, complex):
        raise TypeError(f"{name}: expected a Tensor or a number, got {type(other).__name__}")
    if type(t._data) is not np.ndarray:
        ufunc = getattr(library_of(t._data), ufunc.__name__)
    try:
        result = ufunc(t._data, other)
    except (ValueError, TypeError) as err:
        kind = ValueError if isinstance(err, ValueError) else TypeError
        raise kind(f"{name}: {err} (tensor shape {tuple(t.shape)})") from err
    return write(t, name, result)


def _recorded(t, other=None):
    """Whether an in-place change of t (with other) belongs in the graph."""
    return is_grad_enabled() and (t.requires_grad or isinstance(other, Tensor) and other.requires_grad)


def _scaled(other, alpha):
    if alpha == 1:
        return other
    alpha = scalar_arg(alpha, "add_", "alpha")
    return elementwise.mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def add_(t, other, alpha=1):
    if _recorded(t, other):
        return assign(t, "add_", elementwise.add(t, _scaled(other, alpha)))
    return _arithmetic(t, "add_", np.add, _scaled(other, alpha))


def sub_(t, other, alpha=1):
    if _recorded(t, other):
        return assign(t, "sub_", elementwise.sub(t, _scaled(other, alpha)))
    return _arithmetic(t, "sub_", np.subtract, _scaled(other, alpha))


def mul_(t, other):
    if _recorded(t, other):
        return assign(t, "mul_", elementwise.mul(t, other))
    return _arithmetic(t, "mul_", np.multiply, other)


def div_(t, other):
    if _recorded(t, other):
        return assign(t, "div_", elementwise.div(t, other))
    return _arithmetic(t, "div_", np.true_divide, other)


class Overwrite(Op):
    """t.copy_(src) in the graph: every element gets a new value; the old values get a zero gradient."""

    node_name = "CopyBackwards"
    array_api = True

    def forward(ctx, old, values):
        xp = namespace(old)
        values = values if hasattr(values, "shape") else constant(values, numpy_dtype(old.dtype), old)  # fill_(2.0)
        return xp.astype(xp.broadcast_to(values, old.shape), old.dtype)

    def backward(ctx, gy):
        old = namespace(gy).zeros_like(gy) if ctx.needs_input_grad[0] else None
        return old, gy  # the engine sums gy to the shape of the values (a number: no gradient)


class Fill(Overwrite):
    node_name = "FillBackward0"


class Zero(Overwrite):
    node_name = "ZeroBackward0"


class Normal(Overwrite):
    node_name = "NormalBackward0"


class Uniform(Overwrite):
    node_name = "UniformBackward0"


def _source(t, values, name):
    """The values an in-place copy writes into t, checked: a Tensor, or an array of t's dtype, that broadcasts to t."""
    try:
        array = values._data if isinstance(values, Tensor) else np.asarray(values, dtype=t.dtype)
        np.broadcast_shapes(array.shape, t.shape)
    except (ValueError, TypeError) as err:
        kind = ValueError if isinstance(err, ValueError) else TypeError
        raise kind(f"{name}: {err} (tensor shape {tuple(t.shape)}, values {type(values).__name__})") from err
    return values if isinstance(values, Tensor) else move(array, of(t._data))


def zero_(t):
    if _recorded(t):
        return assign(t, "zero_", Zero.apply(t, 0), overlap_ok=True)
    return write(t, "zero_", 0, cast=True, overlap_ok=True)


def fill_(t, value):
    value = value if isinstance(value, Tensor) else scalar_arg(value, "fill_", "value")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"fill_: only supports a 0-dimension value tensor, but got one with {value.ndim} dimension(s)")
    if _recorded(t, value):
        return assign(t, "fill_", Fill.apply(t, value), overlap_ok=True)
    return write(t, "fill_", value._data if isinstance(value, Tensor) else value, cast=True, overlap_ok=True)


def copy_(t, src):
    if _recorded(t, src):
        return assign(t, "copy_", Overwrite.apply(t, _source(t, src, "copy_")))
    return write(t, "copy_", src._data if isinstance(src, Tensor) else src, cast=True)


def normal_(t, mean=0.0, std=1.0, generator=None):
    mean, std = scalar_arg(mean, "normal_", "mean"), scalar_arg(std, "normal_", "std")
    values = move(random.normal_array(t.shape, t.dtype, generator) * std + mean, of(t._data))
    return assign(t, "normal_", Normal.apply(t, values)) if _recorded(t) else write(t, "normal_", values, cast=True)


def uniform_(t, a=0.0, b=1.0, generator=None):
    a, b = scalar_arg(a, "uniform_", "from"), scalar_arg(b, "uniform_", "to")
    values = move(random.uniform_array(t.shape, t.dtype, a, b, generator), of(t._data))
    return assign(t, "uniform_", Uniform.apply(t, values)) if _recorded(t) else write(t, "uniform_", values, cast=True)


def in_place_version(function, name):
    """t.<name>(*args): function(t, *args) written into t (t.exp_() for exp), recorded in the graph as PyTorch does."""
    def change_in_place(t, *args, **kwargs):
        return assign(t, name, function(t, *args, **kwargs))

    change_in_place.__name__ = change_in_place.__qualname__ = name
    return change_in_place


# The in-place twins of elementwise functions: x.exp_() is x = exp(x), in x's memory.
abs_, neg_, exp_, log_, log1p_, expm1_, sqrt_, sin_, cos_, tanh_, sigmoid_, relu_, pow_, clamp_, floor_, ceil_, \
    round_, trunc_, frac_, sign_, sgn_, masked_fill_ = [
        in_place_version(function, function.__name__ + "_") for function in (
            elementwise.abs, elementwise.neg, elementwise.exp, elementwise.log, elementwise.log1p,
            elementwise.expm1, elementwise.sqrt, elementwise.sin, elementwise.cos, elementwise.tanh,
            elementwise.sigmoid, elementwise.relu, elementwise.pow, clamp, elementwise.floor, elementwise.ceil,
            elementwise.round, elementwise.trunc, elementwise.frac, elementwise.sign, elementwise.sgn,
            elementwise.masked_fill,
        )
    ]
clamp_min_ = in_place_version(lambda t, min: clamp(t, min=min), "clamp_min_")
clamp_max_ = in_place_version(lambda t, max: clamp(t, max=max), "clamp_max_")


def augmented(t, name, op, other):
    """`t += x` (and -=, *=, /=): in place, as t.add_(x) is; recorded in the graph like the other in-place ops."""
    return assign(t, name, op(t, other))


# ---- t[key] = value ---------------------------------------------------------------------------------
def setitem(t, key, value):
    """t[key] = value."""
    if _recorded(t, value):
        return _record_setitem(t, key, value)
    _setitem(t, key, value)


def _setitem(t, key, value):
    if 0 in _strides(t._data):  # an expanded tensor, perhaps: then look at what this key writes
        _refuse_overlap(_written_region(t._data, key), "__setitem__")
    _make_writeable(t)
    value = value._data if isinstance(value, Tensor) else value
    if type(t._data) is np.ndarray or not _write_through_base(t, key, value):
        setitem_array(t._data, key, value)
    t._bump_version()


def _record_setitem(t, key, value):
    """t[key] = value in the graph: the tensor that owns the memory (t, or t's base) gets a CopySlices node."""
    _refuse_leaf(t, "__setitem__")
    owner = t if t._base is None else t._base
    in_owner = np.arange(owner._data.size).reshape(owner.shape) if owner is t else positions_in(owner._data, t._data)
    written = getitem(_wrap(in_owner), key)._data
    values = _values_for(value, t.dtype, written.shape)
    owner._shared_versions()  # the nodes that made t and its base note the counter before the change
    t._shared_versions()
    _setitem(t, key, value)
    _copy_slices(owner, values, written)
    if owner is not t:  # t now shows part of the owner's new values
        refresh_view(t)
    return None


def _values_for(value, dtype, shape):
    """value as a tensor of dtype broadcast to the written positions' shape (leading 1s dropped, as PyTorch does)."""
    values = value if isinstance(value, Tensor) else tensor(value, dtype=dtype)
    values = elementwise.cast(values, dtype)
    while values.ndim > len(shape) and values.shape[0] == 1:
        values = reshape(values, values.shape[1:])
    try:
        return broadcast_to(values, shape)
    except (ValueError, RuntimeError) as err:
        raise ValueError(f"setitem: shape mismatch: value of shape {tuple(np.shape(value._data if isinstance(value, Tensor) else value))} can't be broadcast to the indexing result of shape {shape}") from err


def _written_region(array, key):
    """What t[key] = v writes: the view t[key] for a basic key, the whole array otherwise (an index array
    makes a copy, which says nothing about overlap)."""
    key = index_key(key)
    try:
        region = array[(*key, ...) if isinstance(key, tuple) else (key, ...)]  # the standard's spelling of a partial key
    except (IndexError, ValueError, TypeError):
        return array  # setitem_array reports the bad key
    if not hasattr(region, "shape") or not region.shape:
        return np.empty(())  # one element: nothing can overlap
    return region if shares_memory(region, array) else array
