"""Ordering by value: sort, argsort, topk and unique.

sort and topk find their indices on the array (a stable sort, so equal values keep their order) and take the
values with `gather`: the gradient of a value goes back to the position it was taken from, as in PyTorch.
"""
import collections
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import place, to_host
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
    # the order is found on the host (a copy from a GPU), the values gathered on the input's device
    order = _order(to_host(input._data), axis, bool(descending))
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
    order = _order(to_host(input._data), axis, bool(largest))  # on the host, as sort's
    indices = _wrap(place(np.take(order, np.arange(k), axis=axis).astype(np.int64, copy=False), input.device))
    return topk_result(gather(input, axis, indices), indices)


class Unique(Op):
    """The distinct values, found by `unique` (handed in as `values`). Like PyTorch, they are recorded but
    have no derivative: backward through them raises."""

    node_name = "Unique2Backward0"

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
    values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=axis)
    values = Unique.apply(input, values)
    if not return_inverse and not return_counts:
        return values
    inverse = _wrap(inverse.reshape(data.shape if axis is None else (-1,)).astype(np.int64, copy=False))
    counts = _wrap(counts.astype(np.int64, copy=False))
    return (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
