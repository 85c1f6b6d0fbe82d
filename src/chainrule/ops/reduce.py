"""Reductions: sum, and the max family. mean, var, std and logsumexp are compositions."""
import collections
import math

import numpy as np

from .. import dtypes
from ..autograd.function import Op
from ..backend import array_module
from ..tensor import Tensor, _wrap
from .elementwise import cast, exp, log, mul, where
from .index import gather
from .shape import broadcast_to, normalize_dim, reshape, squeeze


class Sum(Op):
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.kept_shape = _kept_shape(x.shape, axes)
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(ctx, gy):
        return broadcast_to(reshape(gy, ctx.kept_shape), ctx.shape), None, None


class Amax(Op):
    """max over dims; tied maxima share the gradient evenly, as in PyTorch."""

    def forward(ctx, x, axes, keepdim):
        y = x.max(axis=axes, keepdims=True)
        ctx.shape, ctx.kept_shape = x.shape, y.shape
        ctx.share = _tie_share(x, y, axes)
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))

    def backward(ctx, gy):
        return broadcast_to(reshape(gy, ctx.kept_shape), ctx.shape) * _wrap(ctx.share), None, None


class Amin(Amax):
    def forward(ctx, x, axes, keepdim):
        y = x.min(axis=axes, keepdims=True)
        ctx.shape, ctx.kept_shape = x.shape, y.shape
        ctx.share = _tie_share(x, y, axes)
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))


class SqrtOfVar(Op):
    """std = sqrt(var); where all values are equal (std 0) the gradient is 0, not inf, as in PyTorch."""

    def forward(ctx, v):
        y = array_module(v).sqrt(v)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        zero = _wrap(y._data == 0)
        return where(zero, 0.0, gy / where(zero, 1.0, 2 * y))


def _tie_share(x, extreme, axes):
    hits = (x == extreme).astype(x.dtype)
    return hits / hits.sum(axis=axes, keepdims=True)


def _kept_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduced_shape(shape, axes):
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


# ---- the functions users call ---------------------------------------------------------------------
def axes_arg(dim, ndim, op):
    """dim=None or () (all, as in PyTorch), an int, or a tuple/list of ints -> None or a sorted tuple of axes."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if ndim == 0:
        for d in dims:
            normalize_dim(d, 0, op)
        return None
    axes = tuple(sorted({normalize_dim(d, ndim, op) for d in dims}))
    return axes


def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.kind in "bu" or x.dtype in (dtypes.int8, dtypes.int16, dtypes.int32):
        x = cast(x, dtypes.int64)  # PyTorch sums bools and small ints as int64
    return Sum.apply(x, axes_arg(dim, x.ndim, "sum"), keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"mean: the input must be a floating-point tensor, got {x.dtype}; use x.float().mean()")
    axes = axes_arg(dim, x.ndim, "mean")
    count = _count(x.shape, axes)
    return mul(sum(x, dim, keepdim), 1.0 / count if count else math.nan)


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if x.dtype.kind != "f":
        raise TypeError(f"var: the input must be a floating-point tensor, got {x.dtype}")
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    axes = axes_arg(dim, x.ndim, "var")
    centered = x - mean(x, dim, keepdim=True)
    dof = _count(x.shape, axes) - correction
    return mul(sum(centered * centered, dim, keepdim), 1.0 / dof if dof > 0 else math.inf)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return SqrtOfVar.apply(var(x, dim, unbiased, keepdim, correction=correction))


def _count(shape, axes):
    return int(np.prod(shape if axes is None else [shape[a] for a in axes]))


def amax(x, dim=None, keepdim=False):
    _check_not_empty(x, "amax")
    return Amax.apply(x, axes_arg(dim if dim != () else None, x.ndim, "amax"), keepdim)


def amin(x, dim=None, keepdim=False):
    _check_not_empty(x, "amin")
    return Amin.apply(x, axes_arg(dim if dim != () else None, x.ndim, "amin"), keepdim)


max_result = collections.namedtuple("max", ["values", "indices"])
min_result = collections.namedtuple("min", ["values", "indices"])


def max(x, dim=None, keepdim=False):
    """max(x) -> the largest value; max(x, dim) -> (values, indices); max(x, other) -> maximum."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum

        return maximum(x, dim)
    if dim is None:
        return amax(x)
    indices = argmax(x, dim, keepdim=True)
    return max_result(*_select(x, dim, indices, keepdim))


def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        from .elementwise import minimum

        return minimum(x, dim)
    if dim is None:
        return amin(x)
    indices = argmin(x, dim, keepdim=True)
    return min_result(*_select(x, dim, indices, keepdim))


def _select(x, dim, indices, keepdim):
    if x.ndim == 0:
        return x, _wrap(np.zeros((), dtype=np.int64))
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return values, indices


def argmax(x, dim=None, keepdim=False):
    return _arg_extreme(x, dim, keepdim, np.argmax, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg_extreme(x, dim, keepdim, np.argmin, "argmin")


def _arg_extreme(x, dim, keepdim, find, op):
    _check_not_empty(x, op)
    data = x._data
    if dim is None or data.ndim == 0:
        if dim is not None:
            normalize_dim(dim, 0, op)
        index = np.asarray(find(data.reshape(-1)), dtype=np.int64)
        return _wrap(index.reshape((1,) * data.ndim) if keepdim else index)
    axis = normalize_dim(dim, data.ndim, op)
    return _wrap(np.asarray(find(data, axis=axis, keepdims=keepdim), dtype=np.int64))


def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x))) without overflow: the max is taken out first (and is a constant for the gradient)."""
    shift = x.detach().amax(dim, keepdim=True)
    shift = _wrap(np.where(np.isfinite(shift._data), shift._data, 0).astype(x.dtype))
    result = log(sum(exp(x - shift), dim, keepdim=True)) + shift
    return result if keepdim else squeeze(result, dim)


def _check_not_empty(x, op):
    if x._data.size == 0:
        raise ValueError(f"{op}: the input is empty (shape {tuple(x.shape)}); there is no extreme value to take")
