"""Ordering by value: sort, argsort, topk and unique.

sort and topk find their indices on the array (a stable sort, so equal values keep their order) and take the
values at them: the gradient of a value goes back to the position it was taken from, as in PyTorch. NumPy
arrays take them with `gather`; other libraries' (CuPy's) sort and take on their device with standard
functions (TakeAlong, whose adjoint PutAlong goes back through the inverse permutation: no scatter needed).
"""
import collections
import math
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import library_of, place
from ..tensor import _wrap
from .index import gather
from .shape import check_tensor, normalize_dim

# torch.return_types.sort / .topk: unpack them, or read .values and .indices
sort_result = collections.namedtuple("sort", ["values", "indices"])
topk_result = collections.namedtuple("topk", ["values", "indices"])


def _order(data, axis, descending):
    """The indices that sort `data` along `axis`, stably: equal values keep their order, in both directions
    (descending: a stable ascending sort of the reversed data, reversed back). NaN counts as the largest."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    flipped = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - flipped, axis)


def _order_standard(data, axis, descending):
    """_order on any library's array, on its device: the standard's argsort is stable (its default, and
    CuPy's only kind); descending, as in _order, so that ties keep their order and NaN comes first."""
    xp = library_of(data)
    if xp.isdtype(data.dtype, "bool"):
        data = xp.astype(data, xp.uint8)  # the standard sorts numbers only
    if not descending:
        return xp.argsort(data, axis=axis)
    flipped = xp.argsort(xp.flip(data, axis=axis), axis=axis)
    return data.shape[axis] - 1 - xp.flip(flipped, axis=axis)


def _first(order, axis, k):
    """The first k indices of `order` along axis."""
    return order[(slice(None),) * axis + (slice(0, k), ...)]


def _sorted_standard(input, axis, descending, k, result):
    """(values, indices) of the first k of input ordered along axis, computed on input's device."""
    order = _order_standard(input._data, axis, descending)
    xp = library_of(order)
    indices = _wrap(xp.astype(_first(order, axis, k), xp.int64, copy=False))
    return result(TakeAlong.apply(input, order, axis, k), indices)


class TakeAlong(Op):
    """x's values at the first k indices of `order` (a permutation along axis): sort and topk's values on any
    library. Gradient: PutAlong."""

    def forward(ctx, x, order, axis, k):
        ctx.order, ctx.axis, ctx.k = order, axis, k
        return library_of(x).take_along_axis(x, _first(order, axis, k), axis=axis)

    def backward(ctx, gy):
        return PutAlong.apply(gy, ctx.order, ctx.axis, ctx.k), None, None, None


class PutAlong(Op):
    """Zeros with g's values put at the positions the first k indices of `order` name: TakeAlong's adjoint.
    In standard functions (no scatter): g padded with zeros to the whole axis, then taken at the inverse
    permutation (an argsort of `order`)."""

    def forward(ctx, g, order, axis, k):
        ctx.order, ctx.axis, ctx.k = order, axis, k
        xp = library_of(g)
        size = order.shape[axis]
        if k < size:
            rest = g.shape[:axis] + (size - k,) + g.shape[axis + 1:]
            g = xp.concat([g, xp.zeros(rest, dtype=g.dtype)], axis=axis)
        return xp.take_along_axis(g, xp.argsort(order, axis=axis), axis=axis)

    def backward(ctx, ggx):
        return TakeAlong.apply(ggx, ctx.order, ctx.axis, ctx.k), None, None, None


TakeAlong.array_api = PutAlong.array_api = True


def _check_sortable(x, op):
    check_tensor(x, op)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{op}: can't order values of dtype {x.dtype}")


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) of `input` sorted along `dim`; the values carry the gradient back to where they were."""
    _check_sortable(input, "sort")
    if input.ndim == 0:
        normalize_dim(dim, 0, "sort")
        zero = _wrap(place(np.zeros((), np.int64), input.device))
        return sort_result(gather(input, 0, zero), zero)
    axis = normalize_dim(dim, input.ndim, "sort")
    if type(input._data) is not np.ndarray:
        return _sorted_standard(input, axis, bool(descending), input.shape[axis], sort_result)
    order = _order(input._data, axis, bool(descending))
    indices = _wrap(place(order.astype(np.int64, copy=False), input.device))
    return sort_result(gather(input, axis, indices), indices)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort `input` along `dim` (sort(...).indices)."""
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (largest=False: smallest) values along `dim`, largest first.
    sorted=False may give them in any order, as in PyTorch; here they always come sorted."""
    _check_sortable(input, "topk")
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
    axis = normalize_dim(dim, input.ndim, "topk")
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise ValueError(f"topk: k={k} is out of range: dim {dim} has {size} values (k must be from 0 to {size})")
    if input.ndim == 0:
        return topk_result(*sort(input))
    if type(input._data) is not np.ndarray:
        return _sorted_standard(input, axis, bool(largest), k, topk_result)
    order = _order(input._data, axis, bool(largest))
    indices = _wrap(place(np.take(order, np.arange(k), axis=axis).astype(np.int64, copy=False), input.device))
    return topk_result(gather(input, axis, indices), indices)


class Unique(Op):
    """The distinct values, found by `unique` (handed in as `values`). Like PyTorch, they are recorded but
    have no derivative: backward through them raises."""

    node_name = "Unique2Backward0"
    array_api = True

    def forward(ctx, x, values):
        return values

    def backward(ctx, gy):
        raise RuntimeError("the derivative for 'unique' is not implemented (as in PyTorch)")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of `input` in ascending order (also for sorted=False, which PyTorch allows);
    with dim, the distinct slices along dim. Optionally also `inverse` (the index of each element's value
    in the result) and `counts`."""
    _check_sortable(input, "unique")
    axis = None if dim is None else normalize_dim(dim, input.ndim, "unique")
    if axis is not None and input.ndim == 0:
        raise ValueError("unique: dim is given but the tensor has no dims")
    data = input._data
    if type(data) is np.ndarray:
        # equal_nan=False: each nan is a value of its own, as in PyTorch
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
        inverse = inverse.reshape(data.shape if axis is None else (-1,)).astype(np.int64, copy=False)
    else:
        values, inverse, counts = _unique_standard(data, axis)
    values = Unique.apply(input, values)
    if not return_inverse and not return_counts:
        return values
    inverse, counts = _wrap(inverse), _wrap(counts.astype(np.int64, copy=False) if type(counts) is np.ndarray else counts)
    return (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())


def _unique_standard(data, axis):
    """np.unique(data, axis=axis)'s values, inverse and counts with standard functions, on data's device: the
    rows (slices along axis, flattened; single elements for axis None) sorted lexicographically by stable sorts
    from the last column to the first (one sort per column: one in all for axis None), then a new value
    starts wherever a row differs from the one before."""
    xp = library_of(data)
    rest = () if axis is None else data.shape[:axis] + data.shape[axis + 1:]
    rows = xp.reshape(xp.reshape(data, (-1,)) if axis is None else xp.moveaxis(data, axis, 0), (-1, math.prod(rest)))
    keys = xp.astype(rows, xp.uint8) if xp.isdtype(rows.dtype, "bool") else rows
    count = rows.shape[0]
    order = xp.arange(count, dtype=xp.int64)
    for column in reversed(range(rows.shape[1])):
        order = xp.take(order, xp.argsort(xp.take(keys[:, column], order)))
    ordered = xp.take(rows, order, axis=0)
    new = xp.concat([xp.ones(min(count, 1), dtype=xp.bool), xp.any(ordered[1:, :] != ordered[:-1, :], axis=1)])
    (starts,) = xp.nonzero(new)  # how many distinct values there are: a sync, as in PyTorch
    counts = xp.concat([starts[1:], xp.asarray([count], dtype=starts.dtype)]) - starts
    rank = xp.cumulative_sum(xp.astype(new, xp.int64)) - 1
    inverse = xp.take(rank, xp.argsort(order))
    values = xp.take(ordered, starts, axis=0)
    if axis is None:
        return xp.reshape(values, (-1,)), xp.reshape(inverse, data.shape), xp.astype(counts, xp.int64)
    values = xp.moveaxis(xp.reshape(values, (values.shape[0],) + rest), 0, axis)
    return values, inverse, xp.astype(counts, xp.int64)
