"""Selecting by a condition: nonzero (where the true elements are), masked_select (the values there);
and whole-tensor tests: isclose, allclose, equal."""
import numpy as np

from ..device import library_dtype, library_of, place
from ..tensor import Tensor, _wrap
from .elementwise import where
from .index import getitem
from .shape import broadcast_to, check_tensor, reshape
from .sort import TakeAlong


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, one row per element in row-major order;
    as_tuple=True: one 1-d tensor per dim (what `x[nonzero(x, as_tuple=True)]` indexes with)."""
    check_tensor(input, "nonzero")
    if as_tuple:
        return where(input)
    data = input._data
    if type(data) is not np.ndarray:  # on data's device (how many there are decides the shape: a sync, as in PyTorch)
        xp = library_of(data)
        found = where(input)
        if data.ndim == 0:
            return _wrap(xp.zeros((found[0].shape[0], 0), dtype=xp.int64))
        return _wrap(xp.stack([p._data for p in found], axis=1))
    if data.ndim == 0:
        return _wrap(place(np.zeros((int(data != 0), 0), dtype=np.int64), input.device))
    return _wrap(place(np.argwhere(data).astype(np.int64, copy=False), input.device))


def masked_select(input, mask):
    """The elements of `input` where the bool `mask` is True, as a 1-d tensor; input and mask broadcast
    together. The gradient goes back to the selected elements."""
    check_tensor(input, "masked_select")
    if not isinstance(mask, Tensor) or mask.dtype != np.bool_:
        kind = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"masked_select: mask must be a bool Tensor, got {kind}")
    try:
        shape = np.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise ValueError(
            f"masked_select: input of shape {tuple(input.shape)} and mask of shape {tuple(mask.shape)} don't broadcast"
        ) from None
    values = broadcast_to(input, shape, "masked_select")
    if type(mask._data) is not np.ndarray:
        return _masked_select_standard(values, mask._data)
    mask = np.broadcast_to(mask._data, shape)
    return getitem(values, _wrap(mask)) if shape else getitem(values.reshape(1), _wrap(mask.reshape(1)))


def _masked_select_standard(values, mask):
    """masked_select with standard functions, on the tensors' device (the standard's mask indexing has no
    adjoint without a scatter): the flat positions in the order selected first, the others after (a stable
    argsort of the mask, negated), and the first `count` values taken along it (TakeAlong, whose gradient
    goes back through the inverse permutation)."""
    xp = library_of(mask)
    flat = xp.reshape(xp.broadcast_to(mask, values.shape), (-1,))
    order = xp.argsort(xp.astype(xp.logical_not(flat), xp.uint8))
    count = int(xp.sum(xp.astype(flat, xp.int64)))  # the result's size: a sync, as in PyTorch
    return TakeAlong.apply(reshape(values, (-1,)), order, 0, count)


# ---- testing values: whole-tensor answers as Python bools --------------------------------------------
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where |input - other| <= atol + rtol * |other| (equal infinities count as close): a bool tensor."""
    a, b = _same_dtype(input, other, "isclose")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"isclose: shapes {a.shape} and {b.shape} don't broadcast") from None
    if type(a) is np.ndarray:
        return _wrap(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))))
    return _wrap(_isclose_standard(a, b, float(rtol), float(atol), bool(equal_nan)))


def _isclose_standard(a, b, rtol, atol, equal_nan):
    """np.isclose with the standard's functions, on the arrays' device: an infinity is close only to itself."""
    xp = library_of(a)
    if not xp.isdtype(a.dtype, "real floating"):  # integers and bools compare as float64, as NumPy's
        a, b = xp.astype(a, xp.float64), xp.astype(b, xp.float64)
    with np.errstate(invalid="ignore"):  # inf - inf: nan, masked out by isfinite
        close = (a == b) | (xp.isfinite(a) & xp.isfinite(b) & (xp.abs(a - b) <= atol + rtol * xp.abs(b)))
    return close | (xp.isnan(a) & xp.isnan(b)) if equal_nan else close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of input is close to other's (see isclose): a Python bool."""
    close = isclose(input, other, rtol, atol, equal_nan)._data
    return bool(library_of(close).all(close))


def equal(input, other):
    """Whether input and other have the same shape and the same values (nan equals nothing): a Python bool."""
    check_tensor(input, "equal")
    check_tensor(other, "equal", "other")
    if input.shape != other.shape:
        return False
    a, b = input._data, other._data
    if type(a) is np.ndarray:
        return bool(np.array_equal(a, b))
    if input.dtype != other.dtype:  # the standard compares one dtype kind: both to their common dtype first
        common = library_dtype(library_of(a), np.result_type(input.dtype, other.dtype))
        a, b = library_of(a).astype(a, common), library_of(a).astype(b, common)
    return bool(library_of(a).all(a == b))


def _same_dtype(input, other, op):
    check_tensor(input, op)
    check_tensor(other, op, "other")
    if input.dtype != other.dtype:
        raise TypeError(f"{op}: input and other must have the same dtype, got {input.dtype} and {other.dtype}")
    return input._data, other._data
