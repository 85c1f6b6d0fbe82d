"""In-place changes: t.add_(x), t.mul_(x), t.fill_(v), t[key] = v, t += x, ...

They write into the tensor's array and bump its version counter, which its views and its detach() share, so
backward notices when something an op saved was changed (see Node._check_versions). No graph is recorded: on a
leaf that requires grad they work under no_grad (an optimizer step), and `y += 1` on a recorded tensor rebinds
y to y + 1.
"""
import numbers

import numpy as np

from .. import random
from ..args import scalar_arg
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .elementwise import clamp
from .index import index_key, setitem_array


def write(t, name, new_values, cast=False, overlap_ok=False):
    """Write new_values into t's array. cast=False (arithmetic): a result of a wider kind (float into an
    int tensor) is an error, as in PyTorch; copy_ and fill_ cast. overlap_ok: one value for every element
    (fill_, zero_), which an expanded tensor may take, as in PyTorch."""
    if is_grad_enabled() and t.requires_grad:
        _refuse_recorded(t, name)
    if not cast and not np.can_cast(np.result_type(new_values), t._data.dtype, "same_kind"):
        raise RuntimeError(f"{name}: result type {np.result_type(new_values)} can't be cast to the tensor's dtype {t.dtype}")
    if not overlap_ok:
        _refuse_overlap(t._data, name)
    _make_writeable(t)
    try:
        t._data[...] = new_values
    except (ValueError, TypeError, OverflowError) as err:  # overflow: inf into an int tensor
        kind = TypeError if isinstance(err, TypeError) else ValueError
        raise kind(f"{name}: {err} (tensor shape {tuple(t.shape)})") from err
    t._bump_version()
    return t


def _refuse_recorded(t, name):
    if t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place operation; "
            "wrap the update in `with chainrule.no_grad():`"
        )
    raise RuntimeError(
        f"{name}: in-place ops are not recorded on tensors that require grad; write it out of place (y = y + 1) instead"
    )


def _refuse_overlap(region, name):
    """Writing several results into one memory location (an expanded tensor) is refused, as in PyTorch."""
    if region.size and any(stride == 0 and n > 1 for stride, n in zip(region.strides, region.shape)):
        raise RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor refers to a single "
            f"memory location (an expanded tensor of shape {tuple(region.shape)}). Please clone() the tensor "
            "before performing the operation."
        )


def _make_writeable(t):
    """NumPy makes broadcast (expanded) views read-only; PyTorch writes through them to their base. So the
    view is rebuilt, writable, on the memory of the array that owns it. Memory nobody may write (a file
    mapped read-only) is copied instead."""
    array = t._data
    if array.flags.writeable:
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
    """t = ufunc(t, other) in place (add_, mul_, ...), with the op's name on NumPy's errors."""
    other = other._data if isinstance(other, Tensor) else other
    if not isinstance(other, (numbers.Number, np.ndarray, np.generic)) or isinstance(other, complex):
        raise TypeError(f"{name}: expected a Tensor or a number, got {type(other).__name__}")
    try:
        result = ufunc(t._data, other)
    except (ValueError, TypeError) as err:
        kind = ValueError if isinstance(err, ValueError) else TypeError
        raise kind(f"{name}: {err} (tensor shape {tuple(t.shape)})") from err
    return write(t, name, result)


def _scaled(other, alpha):
    if alpha == 1:
        return other
    return (other._data if isinstance(other, Tensor) else other) * scalar_arg(alpha, "add_", "alpha")


def add_(t, other, alpha=1):
    return _arithmetic(t, "add_", np.add, _scaled(other, alpha))


def sub_(t, other, alpha=1):
    return _arithmetic(t, "sub_", np.subtract, _scaled(other, alpha))


def mul_(t, other):
    return _arithmetic(t, "mul_", np.multiply, other)


def div_(t, other):
    return _arithmetic(t, "div_", np.true_divide, other)


def zero_(t):
    return write(t, "zero_", 0, cast=True, overlap_ok=True)


def fill_(t, value):
    return write(t, "fill_", scalar_arg(value, "fill_", "value"), cast=True, overlap_ok=True)


def copy_(t, src):
    return write(t, "copy_", src._data if isinstance(src, Tensor) else src, cast=True)


def clamp_(t, min=None, max=None):
    return write(t, "clamp_", clamp(t.detach(), min, max)._data)


def normal_(t, mean=0.0, std=1.0, generator=None):
    mean, std = scalar_arg(mean, "normal_", "mean"), scalar_arg(std, "normal_", "std")
    return write(t, "normal_", random.normal_array(t.shape, t.dtype, generator) * std + mean, cast=True)


def uniform_(t, a=0.0, b=1.0, generator=None):
    a, b = scalar_arg(a, "uniform_", "from"), scalar_arg(b, "uniform_", "to")
    return write(t, "uniform_", random.uniform_array(t.shape, t.dtype, a, b, generator), cast=True)


def setitem(t, key, value):
    """t[key] = value."""
    if is_grad_enabled() and t.requires_grad:
        _refuse_recorded(t, "__setitem__")
    if 0 in t._data.strides:  # an expanded tensor, perhaps: then look at what this key writes
        _refuse_overlap(_written_region(t._data, key), "__setitem__")
    _make_writeable(t)
    setitem_array(t._data, key, value._data if isinstance(value, Tensor) else value)
    t._bump_version()


def _written_region(array, key):
    """What t[key] = v writes: the view t[key] for a basic key, the whole array otherwise (an index array
    makes a copy, which says nothing about overlap)."""
    try:
        region = array[index_key(key)]
    except (IndexError, ValueError, TypeError):
        return array  # setitem_array reports the bad key
    if type(region) is not np.ndarray:
        return np.empty(())  # one element: nothing can overlap
    return region if np.may_share_memory(region, array) else array


def in_place_or_new(t, name, op, other):
    """`t += x`: in place on tensors outside the graph (a leaf under no_grad stays the same object);
    a tensor inside a recorded graph gets a new tensor bound to the name, as y = y + x."""
    if is_grad_enabled() and t.requires_grad and t.grad_fn is not None:
        return op(t, other)
    return write(t, name, op(t.detach(), other)._data)
