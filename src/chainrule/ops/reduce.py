"""Reductions: sum, the max family, and logsumexp. mean, var and std are compositions."""
import collections
import math
import numbers

import numpy as np

from .. import dtypes
from ..autograd.function import Op, namespace
from ..device import constant, is_floating, library_of
from ..tensor import Tensor, _wrap
from ..args import scalar_arg
from .elementwise import abs, cast, maximum, minimum, mul
from .index import gather
from .scan import cumprod
from .shape import check_tensor, narrow, normalize_dim, reshape, squeeze


class Sum(Op):
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.kept_shape = (1,) * x.ndim if axes is None else _kept_shape(x.shape, axes)
        if type(x) is np.ndarray:  # the usual case, NumPy's own calls (asarray: a sum of everything is a scalar)
            return np.asarray(x.sum(axis=axes, keepdims=keepdim))
        return namespace(x).sum(x, axes, keepdim)

    def backward(ctx, gy):
        xp = namespace(gy)
        return xp.broadcast_to(xp.reshape(gy, ctx.kept_shape), ctx.shape), None, None


class Mean(Sum):
    """The sum times 1 / count, as one node (PyTorch's MeanBackward0): each element gets gy / count."""

    def forward(ctx, x, axes, keepdim, scale):
        ctx.scale = scale
        return Sum.forward(ctx, x, axes, keepdim) * scale

    def backward(ctx, gy):
        return (*Sum.backward(ctx, gy * ctx.scale), None)


class Amax(Op):
    """max over dims; tied maxima share the gradient evenly, as in PyTorch."""

    def forward(ctx, x, axes, keepdim):
        xp = namespace(x)
        y = xp.amax(x, axes, True)
        ctx.shape, ctx.kept_shape = x.shape, y.shape
        ctx.save_for_backward(_tie_share(xp, x, y, axes))  # saved: a constant Tensor in a recorded backward
        return y if keepdim else xp.reshape(y, _reduced_shape(x.shape, axes))

    def backward(ctx, gy):
        xp, (share,) = namespace(gy), ctx.saved_tensors
        return xp.broadcast_to(xp.reshape(gy, ctx.kept_shape), ctx.shape) * share, None, None


class Amin(Amax):
    def forward(ctx, x, axes, keepdim):
        xp = namespace(x)
        y = xp.amin(x, axes, True)
        ctx.shape, ctx.kept_shape = x.shape, y.shape
        ctx.save_for_backward(_tie_share(xp, x, y, axes))  # saved: a constant Tensor in a recorded backward
        return y if keepdim else xp.reshape(y, _reduced_shape(x.shape, axes))


class SqrtOfVar(Op):
    """std = sqrt(var); where all values are equal (std 0) the gradient is 0, not inf, as in PyTorch."""

    def forward(ctx, v):
        y = namespace(v).sqrt(v)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        xp, zero = namespace(gy), y == 0
        return xp.where(zero, 0.0, gy / xp.where(zero, 1.0, 2 * y))


class Root(Op):
    """s ** (1 / p), the last step of a p-norm; where s is 0 the gradient is 0, as PyTorch's norm gives."""

    def forward(ctx, s, p):
        with np.errstate(all="ignore"):
            y = s ** (1.0 / p)
        ctx.p = p
        ctx.save_for_backward(s, y)
        return y

    def backward(ctx, gy):
        s, y = ctx.saved_tensors
        xp, zero = namespace(gy), s == 0
        return xp.where(zero, 0.0, gy * y / xp.where(zero, 1.0, ctx.p * s)), None


class NonzeroCount(Op):
    """The 0-"norm": how many values are not 0. Its gradient is none at all (PyTorch's grad stays None)."""

    def forward(ctx, x, axes, keepdim):
        xp = namespace(x)
        return xp.sum(xp.astype(x != 0, x.dtype), axes, keepdim)

    def backward(ctx, gy):
        return None, None, None


def _tie_share(xp, x, extreme, axes):
    """Each extreme's share of the gradient (ties split it); integers share in float64 (the standard has no int / int)."""
    hits = xp.astype(x == extreme, x.dtype if is_floating(x.dtype) else np.float64)
    return hits / xp.sum(hits, axes, True)


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
    check_tensor(x, "sum")
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.kind in "bu" or x.dtype in (dtypes.int8, dtypes.int16, dtypes.int32):
        x = cast(x, dtypes.int64)  # PyTorch sums bools and small ints as int64
    return Sum.apply(x, None if dim is None else axes_arg(dim, x.ndim, "sum"), keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    check_tensor(x, "mean")
    if dtype is not None:
        x = cast(x, dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"mean: the input must be a floating-point tensor, got {x.dtype}; use x.float().mean()")
    axes = axes_arg(dim, x.ndim, "mean")
    count = _count(x.shape, axes)
    return Mean.apply(x, axes, keepdim, 1.0 / count if count else math.nan)


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, _op="var"):
    check_tensor(x, _op)
    if x.dtype.kind != "f":
        raise TypeError(f"{_op}: the input must be a floating-point tensor, got {x.dtype}")
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    elif not isinstance(correction, numbers.Real):
        raise TypeError(f"{_op}: correction must be a number, got {type(correction).__name__}")
    axes = axes_arg(dim, x.ndim, _op)
    x = x - _wrap(_first_sample(x._data, axes))  # a constant: same var and gradient, see _first_sample
    centered = x - mean(x, dim, keepdim=True)
    dof = _count(x.shape, axes) - correction
    return mul(sum(centered * centered, dim, keepdim), 1.0 / dof if dof > 0 else math.inf)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return SqrtOfVar.apply(var(x, dim, unbiased, keepdim, correction=correction, _op="std"))


def _first_sample(data, axes):
    """The first value along the reduced axes (shape kept for broadcasting). var shifts by it first:
    equal values then become exact zeros, so a constant row has var and std exactly 0 (and std the
    gradient 0), where their rounded mean alone leaves var ~1e-17 and a std gradient of ~0.1."""
    first = tuple(slice(0, 1) if axes is None or i in axes else slice(None) for i in range(data.ndim))
    return data[first] if first else data


def _count(shape, axes):
    return int(np.prod(shape if axes is None else [shape[a] for a in axes]))


def amax(x, dim=None, keepdim=False):
    check_tensor(x, "amax")
    axes = axes_arg(dim, x.ndim, "amax")
    _check_not_empty(x, "amax", axes)
    return Amax.apply(x, axes, keepdim)


def amin(x, dim=None, keepdim=False):
    check_tensor(x, "amin")
    axes = axes_arg(dim, x.ndim, "amin")
    _check_not_empty(x, "amin", axes)
    return Amin.apply(x, axes, keepdim)


max_result = collections.namedtuple("max", ["values", "indices"])
min_result = collections.namedtuple("min", ["values", "indices"])


def max(x, dim=None, keepdim=False):
    """max(x) -> the largest value; max(x, dim) -> (values, indices); max(x, other) -> maximum."""
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    if dim is None:
        return amax(x)
    check_tensor(x, "max")
    indices = argmax(x, dim, keepdim=True)
    return max_result(*_select(x, dim, indices, keepdim))


def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    if dim is None:
        return amin(x)
    check_tensor(x, "min")
    indices = argmin(x, dim, keepdim=True)
    return min_result(*_select(x, dim, indices, keepdim))


def _select(x, dim, indices, keepdim):
    if x.ndim == 0:
        return x, _wrap(constant(0, np.int64, x._data))
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return values, indices


def argmax(x, dim=None, keepdim=False):
    return _arg_extreme(x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg_extreme(x, dim, keepdim, "argmin")


def _arg_extreme(x, dim, keepdim, op):
    check_tensor(x, op)
    data = x._data
    xp = library_of(data)
    find = getattr(xp, op)
    if dim is None or data.ndim == 0:
        if dim is not None:
            normalize_dim(dim, 0, op)
        _check_not_empty(x, op)
        index = _int64(xp, find(xp.reshape(data, (-1,))))
        return _wrap(xp.reshape(index, (1,) * data.ndim) if keepdim else index)
    axis = normalize_dim(dim, data.ndim, op)
    _check_not_empty(x, op, (axis,))
    return _wrap(_int64(xp, find(data, axis=axis, keepdims=keepdim)))


def _int64(xp, index):
    return np.asarray(index, dtype=np.int64) if xp is np else xp.astype(index, xp.int64)


def _check_not_empty(x, op, axes=None):
    """An extreme of no values does not exist: the reduced dims (all when axes is None) must not be empty."""
    if x.numel() == 0 and (axes is None or 0 in [x.shape[a] for a in axes]):
        raise ValueError(f"{op}: the input is empty (shape {tuple(x.shape)}); there is no extreme value to take")


def any(x, dim=None, keepdim=False):
    """Whether any element is true (nonzero), over dims: a bool tensor outside the graph."""
    check_tensor(x, "any")
    axes = axes_arg(dim, x.ndim, "any")
    xp = library_of(x._data)
    return _wrap(np.asarray(xp.any(x._data, axis=axes, keepdims=bool(keepdim))) if xp is np else
                 xp.any(x._data, axis=axes, keepdims=bool(keepdim)))


def all(x, dim=None, keepdim=False):
    """Whether every element is true (nonzero), over dims: a bool tensor outside the graph."""
    check_tensor(x, "all")
    axes = axes_arg(dim, x.ndim, "all")
    xp = library_of(x._data)
    return _wrap(np.asarray(xp.all(x._data, axis=axes, keepdims=bool(keepdim))) if xp is np else
                 xp.all(x._data, axis=axes, keepdims=bool(keepdim)))


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of all values, or along one dim: the last running product (cumprod), so the gradient is
    exact where values are 0 (one zero: the product of the others there; two or more: 0)."""
    check_tensor(input, "prod")
    if dim is None:
        return reshape(prod(reshape(input, (-1,)), 0, dtype=dtype), (1,) * input.ndim if keepdim else ())
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"prod: dim must be one int, got {type(dim).__name__}; take the product over one dim at a time")
    axis = normalize_dim(dim, input.ndim, "prod")
    running = cumprod(input, axis, dtype=dtype)
    if running.ndim == 0:
        return running
    size = running.shape[axis]
    if size == 0:  # the product of no values is 1
        return sum(running, axis, keepdim, dtype=running.dtype) + 1
    last = narrow(running, axis, size - 1, 1)
    return last if keepdim else squeeze(last, axis)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: the vector p-norm over dim (all dims by default); p="fro" is the 2-norm."""
    check_tensor(input, "norm")
    if out is not None:
        raise TypeError("norm: out= is not supported; assign the result instead")
    dims = (dim,) if isinstance(dim, numbers.Integral) else dim
    if isinstance(p, str):
        if p != "fro" or (dims is not None and len(dims) > 2):
            raise ValueError(f"norm: only vector norms and p='fro' over at most 2 dims are supported, got p={p!r}, dim={dim}")
        p = 2
    p = 2.0 if p is None else float(scalar_arg(p, "norm", "p"))
    x = input if dtype is None else cast(input, dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"norm: the input must be a floating-point tensor, got {x.dtype}; use x.float() or dtype=")
    axes_arg(dims, x.ndim, "norm")  # checks the dims
    dims = None if dims is None or len(dims) == 0 else tuple(dims)
    if p == math.inf:
        return amax(abs(x), dims, keepdim)
    if p == -math.inf:
        return amin(abs(x), dims, keepdim)
    if p == 0:
        return NonzeroCount.apply(x, axes_arg(dims, x.ndim, "norm"), keepdim)
    if p == 1:
        return sum(abs(x), dims, keepdim)
    powers = x * x if p == 2 else abs(x) ** p
    return Root.apply(sum(powers, dims, keepdim), p)


for _op in (Sum, Mean, Amax, Amin, SqrtOfVar, Root, NonzeroCount):
    _op.array_api = True  # standard functions only: they run on any array library
