"""Order statistics, nan-aware sums, running extremes and distances, as in PyTorch: median, kthvalue, quantile,
nansum, nanmean, var_mean, std_mean, cummax, cummin, logcumsumexp, cdist and dist.

Order statistics sort, then pick: the picked values are gathered (sort.py), so the gradient goes back to the
places they came from. Everything but logcumsumexp is such a composition.
"""
import collections
import math
import numbers

import numpy as np

from ..autograd.function import Op, namespace
from ..device import library_of, place, to_host
from ..tensor import Tensor, _wrap
from .elementwise import _float_input, check_tensor, isnan, where
from .index import gather
from .reduce import mean, norm, std, sum, var
from .scan import reverse_cumsum
from .shape import Flip, flatten, normalize_dim, reshape, squeeze, stack, unsqueeze
from .sort import sort

median_result = collections.namedtuple("median", ["values", "indices"])
kthvalue_result = collections.namedtuple("kthvalue", ["values", "indices"])
cummax_result = collections.namedtuple("cummax", ["values", "indices"])
cummin_result = collections.namedtuple("cummin", ["values", "indices"])


# ---- order statistics ------------------------------------------------------------------------------------
def _kth(input, k, dim, keepdim, op):
    """The k-th smallest (from 0) along dim, with its index, by a stable sort."""
    values, indices = sort(input, dim)
    axis = normalize_dim(dim, input.ndim, op)
    position = _wrap(np.full(indices.shape[:axis] + (1,) + indices.shape[axis + 1:], k, np.int64))
    index = gather(indices, axis, position) if input.ndim else indices
    value = gather(values, axis, position) if input.ndim else values
    if not keepdim and input.ndim:
        value, index = squeeze(value, axis), squeeze(index, axis)
    return value, index


def median(input, dim=None, keepdim=False):
    """The lower median (of an even count, the smaller middle value, as in PyTorch): of all values,
    or (values, indices) along dim."""
    check_tensor(input, "median")
    if dim is None:
        if input.numel() == 0:
            return _wrap(place(np.asarray(np.nan, input.dtype), input.device))
        return _kth(flatten(input), (input.numel() - 1) // 2, 0, False, "median")[0]
    size = input.shape[normalize_dim(dim, input.ndim, "median")] if input.ndim else 1
    return median_result(*_kth(input, (size - 1) // 2, dim, keepdim, "median"))


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest value (k from 1) along dim."""
    check_tensor(input, "kthvalue")
    size = input.shape[normalize_dim(dim, input.ndim, "kthvalue")] if input.ndim else 1
    if not isinstance(k, numbers.Integral) or not 1 <= k <= size:
        raise ValueError(f"kthvalue: k={k!r} is out of range: dim {dim} has {size} values (k from 1 to {size})")
    return kthvalue_result(*_kth(input, k - 1, dim, keepdim, "kthvalue"))


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles (q a number or a 1-d tensor in [0, 1]) of all values or along dim, between the two
    nearest sorted values by `interpolation`: 'linear', 'lower', 'higher', 'nearest' or 'midpoint'.
    A tensor q puts its dim first in the result."""
    check_tensor(input, "quantile")
    if input.dtype.kind != "f":
        raise TypeError(f"quantile: input must be a floating-point tensor, got {input.dtype}")
    if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise ValueError(f"quantile: interpolation must be linear, lower, higher, nearest or midpoint, got {interpolation!r}")
    qs = np.asarray(to_host(q._data) if isinstance(q, Tensor) else q, dtype=np.float64)  # an argument: read on the host
    if qs.ndim > 1:
        raise ValueError(f"quantile: q must be a number or a 1-d tensor, got {qs.ndim} dims")
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("quantile: q values must be in the range [0, 1]")
    if dim is None:
        x, axis = flatten(input), 0
    else:
        axis = normalize_dim(dim, input.ndim, "quantile")
        x = input if input.ndim else reshape(input, (1,))
    values = sort(x, axis).values
    n = x.shape[axis]
    results = [_interpolate(values, axis, float(p) * (n - 1), interpolation) for p in qs.reshape(-1)]
    results = [_keep(r, input, dim, keepdim, axis) for r in results]
    return stack(results) if qs.ndim else results[0]


def _interpolate(values, axis, position, interpolation):
    low, high = math.floor(position), math.ceil(position)
    if interpolation == "nearest":
        low = high = round(position)  # half to even, as torch
    pick = lambda i: _take(values, axis, i)  # noqa: E731
    if interpolation == "lower" or low == high:
        return pick(low)
    if interpolation == "higher":
        return pick(high)
    weight = 0.5 if interpolation == "midpoint" else position - low
    return pick(low) + (pick(high) - pick(low)) * weight


def _take(values, axis, i):
    return squeeze(gather(values, axis, _wrap(np.full(values.shape[:axis] + (1,) + values.shape[axis + 1:], i))), axis)


def _keep(result, input, dim, keepdim, axis):
    if not keepdim:
        return result if input.ndim or dim is None else reshape(result, ())
    if dim is None:
        return reshape(result, (1,) * input.ndim)
    return unsqueeze(result, axis) if input.ndim else reshape(result, ())


# ---- nan-aware reductions, and pairs -------------------------------------------------------------------
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum, counting nan as 0 (the gradient at a nan is 0)."""
    check_tensor(input, "nansum")
    if input.dtype.kind == "f":
        input = where(isnan(input), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the values that are not nan."""
    x = _float_input(input, "nanmean") if dtype is None else check_tensor(input, "nanmean").to(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"nanmean: input must be a floating-point tensor, got {x.dtype}")
    count = sum(~isnan(x), dim, keepdim)
    return nansum(x, dim, keepdim) / count.to(x.dtype)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim, as var(...) and mean(...)."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim, as std(...) and mean(...)."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# ---- running extremes and sums ------------------------------------------------------------------------------
def cummax(input, dim):
    """(values, indices): the largest value so far along dim, and where it is (the latest of equal ones)."""
    return cummax_result(*_running_extreme(input, dim, np.maximum, "cummax"))


def cummin(input, dim):
    """(values, indices): the smallest value so far along dim, and where it is (the latest of equal ones)."""
    return cummin_result(*_running_extreme(input, dim, np.minimum, "cummin"))


def _running_extreme(input, dim, ufunc, op):
    check_tensor(input, op)
    axis = normalize_dim(dim, input.ndim, op)
    data = input._data
    if input.ndim == 0:
        return input.clone(), _wrap(library_of(data).zeros((), dtype=library_of(data).int64))
    if type(data) is not np.ndarray:
        return _running_extreme_standard(input, axis, ufunc.__name__)
    extreme = ufunc.accumulate(data, axis=axis)
    shape = [1] * data.ndim
    shape[axis] = data.shape[axis]
    positions = np.arange(data.shape[axis]).reshape(shape)
    reached = (data == extreme) | (data != data)  # where the extreme is (re)reached; nan stays the extreme
    indices = np.maximum.accumulate(np.where(reached, positions, 0), axis=axis)
    return gather(input, axis, _wrap(indices)), _wrap(indices.astype(np.int64))


def _running_extreme_standard(input, axis, name):
    """_running_extreme's values and indices with standard functions: the running extreme and the running
    latest index where it is reached, each an inclusive scan."""
    data = input._data
    xp, n = library_of(data), data.shape[axis]
    if xp.isdtype(data.dtype, "bool"):  # the standard's maximum and minimum take numbers only
        name = {"maximum": "logical_or", "minimum": "logical_and"}[name]
    extreme = _scan(data, axis, getattr(xp, name))
    positions = xp.reshape(xp.arange(n, dtype=xp.int64), tuple(n if d == axis else 1 for d in range(data.ndim)))
    reached = (data == extreme) | (data != data)
    indices = _scan(xp.where(reached, positions, 0), axis, xp.maximum)
    return gather(input, axis, _wrap(indices)), _wrap(indices)


def _scan(x, axis, combine):
    """The inclusive scan of x along axis by an associative combine(later, earlier), with standard functions:
    Hillis and Steele's, log2(n) whole-array steps (after the step of shift d each entry combines the 2d
    entries up to it)."""
    xp, n, shift = library_of(x), x.shape[axis], 1
    before = (slice(None),) * axis
    while shift < n:
        head, later, earlier = (x[before + (part, ...)] for part in
                                (slice(0, shift), slice(shift, n), slice(0, n - shift)))
        x = xp.concat([head, combine(later, earlier)], axis=axis)
        shift *= 2
    return x


class Logcumsumexp(Op):
    """log(cumsum(exp(x))) along an axis, without overflow (np.logaddexp.accumulate). Its gradient is
    sum over i >= j of gy_i * exp(x_j - y_i):
    - around c = max(x) (exp(x - c) * reverse_cumsum(gy * exp(c - y))) while the x lie within 600 of each other,
      where no exp() can overflow (and second derivatives stay finite);
    - in log space beyond that, as PyTorch does: the positive and negative parts of gy each as
      exp(x_j + log sum_{i >= j} exp(log|gy_i| - y_i)), a logcumsumexp from the end, whose exponents are at most
      log sum |gy| (y_i >= x_j) however far apart the x are.
    Other libraries than NumPy have no logaddexp.accumulate: _logcumsumexp_standard scans with xp.logaddexp."""

    array_api = True

    def forward(ctx, x, axis):
        if type(x) is np.ndarray:
            y = np.logaddexp.accumulate(x, axis=axis)
            finite = x[np.isfinite(x)]
            ctx.far_apart = bool(finite.size and np.ptp(finite) > 600)
        else:
            y, ctx.far_apart = _logcumsumexp_standard(x, axis)
        ctx.axis = axis
        c = library_of(x).max(x, axis=axis, keepdims=True) if math.prod(x.shape) else x
        ctx.save_for_backward(x, y, c)  # c: a constant (a Tensor of its device under create_graph)
        return y

    def backward(ctx, gy):
        x, y, c = ctx.saved_tensors
        xp = namespace(gy)
        with np.errstate(all="ignore"):  # log(0) = -inf: no positive (or negative) part there, and exp(-inf) = 0
            if not ctx.far_apart:
                return xp.exp(x - c) * reverse_cumsum(gy * xp.exp(c - y), ctx.axis), None
            positive = _reverse_logcumsumexp(xp.log(xp.maximum(gy, 0.0)) - y, ctx.axis)
            negative = _reverse_logcumsumexp(xp.log(xp.maximum(-gy, 0.0)) - y, ctx.axis)
            return xp.exp(x + positive) - xp.exp(x + negative), None


def _logcumsumexp_standard(x, axis):
    """Logcumsumexp's forward in standard functions: a scan by logaddexp; and whether the finite x lie more
    than 600 apart (one bool read from the device)."""
    xp = library_of(x)
    y = _scan(x, axis, xp.logaddexp)
    if not math.prod(x.shape):
        return y, False
    finite = xp.isfinite(x)
    spread = xp.max(xp.where(finite, x, -math.inf)) - xp.min(xp.where(finite, x, math.inf))  # -inf if none
    return y, bool(spread > 600)


def _reverse_logcumsumexp(v, axis):
    """log(sum over i >= j of exp(v_i)) along the axis: logcumsumexp from the end."""
    return Flip.apply(Logcumsumexp.apply(Flip.apply(v, (axis,)), axis), (axis,))


def logcumsumexp(input, dim):
    x = _float_input(input, "logcumsumexp")
    if x.ndim == 0:
        normalize_dim(dim, 0, "logcumsumexp")
        return x.clone()
    return Logcumsumexp.apply(x, normalize_dim(dim, x.ndim, "logcumsumexp"))


# ---- distances -------------------------------------------------------------------------------------------
def cdist(x1, x2, p=2.0, compute_mode=None):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R)."""
    check_tensor(x1, "cdist", "x1")
    check_tensor(x2, "cdist", "x2")
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M), got {tuple(x1.shape)} and {tuple(x2.shape)}")
    if p < 0:
        raise ValueError(f"cdist: p must be non-negative, got {p}")
    return norm(unsqueeze(x1, -2) - unsqueeze(x2, -3), p, dim=-1)


def dist(input, other, p=2):
    """The p-norm of input - other."""
    return norm(check_tensor(input, "dist") - other, p)
