"""Indexing along a dim and scattering, as in PyTorch: index_select, scatter, scatter_add, index_add, index_fill,
index_copy, take, take_along_dim, masked_scatter; and the counting and searching helpers argwhere, count_nonzero,
bincount, searchsorted and bucketize (integer results, outside the graph).

Every op is a composition: the positions an op reads or writes are worked out once, as a NumPy index `key`
(an index along `dim`, or one index array per dim), and the values move with getitem (the gradient scatters back)
and index.py's IndexAdd (zeros(shape)[key] += values: the gradient is gathered back), joined by `where`.
So scatter's gradient is torch's: to input, zero at the written positions; to src, the gradient there.
"""
import numbers

import numpy as np

from .. import dtypes
from ..args import normalize_dim, scalar_arg
from ..device import constant, library_dtype, library_of, to_host
from ..errors import OutOfRangeError
from ..tensor import Tensor, _wrap
from .elementwise import add, cast, check_tensor, mul, ne, where
from . import standard_index
from .index import IndexAdd, getitem, setitem_array
from .inplace import assign
from .reduce import sum
from .select import nonzero
from .shape import broadcast_to, reshape


# ---- where the values go --------------------------------------------------------------------------------
def _index(index, op, ndim=None):
    """An integer index as an int64 NumPy array (a list, a NumPy array or an integer Tensor). Keys are made on
    the host, as getitem's: GetItem and IndexAdd move their arrays to the data's device."""
    array = to_host(index._data) if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f"):
        raise TypeError(f"{op}: index must be an integer (int64) tensor, got {array.dtype}")
    if ndim is not None and array.ndim > ndim:
        raise ValueError(f"{op}: index must have at most {ndim} dims, got {array.ndim}")
    return array.astype(np.int64, copy=False)


def _check_bounds(index, size, dim, op, negative_ok=False):
    """Every index in [0, size) (negative_ok: in [-size, size), counting from the end too)."""
    if not index.size:
        return
    low, high = index.min(), index.max()
    if high >= size or low < (-size if negative_ok else 0):
        bad = high if high >= size else low
        raise OutOfRangeError(f"{op}: index {bad} is out of bounds for dim {dim} with size {size}")


def _along(x, dim, index, op):
    """The key that picks `index` (a 0-d or 1-d array) along `dim`: (:, ..., index)."""
    axis = normalize_dim(dim, x.ndim, op)
    index = _index(index, op, ndim=1).reshape(-1)
    _check_bounds(index, x.shape[axis], dim, op)
    return (slice(None),) * axis + (index,), axis


def _on_0d(function, input, dim, *args, **kwargs):
    """A 0-d input is worked on as a 1-element vector (dim 0 or -1), as PyTorch allows."""
    normalize_dim(dim, 0, function.__name__)
    args = [reshape(a, (-1,)) if isinstance(a, Tensor) and a.ndim == 0 else a for a in args]
    return reshape(function(reshape(input, (1,)), 0, *args, **kwargs), ())


def _elementwise_key(x, dim, index, op):
    """scatter's and gather's key: for every position p of `index`, the element of x at p with dim replaced
    by index[p] (index has x's number of dims and is no larger outside dim)."""
    axis = normalize_dim(dim, x.ndim, op)
    index = _index(index, op)
    if index.ndim != max(x.ndim, 1) and not (x.ndim == 0 and index.ndim <= 1):
        raise ValueError(f"{op}: index has {index.ndim} dims but the input has {x.ndim}")
    shape = x.shape or (1,)
    index = index.reshape(-1) if x.ndim == 0 else index
    if any(i != axis and n > size for i, (n, size) in enumerate(zip(index.shape, shape))):
        raise ValueError(f"{op}: index shape {index.shape} is larger than input shape {tuple(x.shape)} outside dim {dim}")
    _check_bounds(index, shape[axis], dim, op)
    grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grid[axis] = index
    return tuple(grid) if x.ndim else (index,)


def _mask(shape, key, like):
    """A bool array of `shape` on the device of the array `like`: True at the positions `key` picks."""
    if type(like) is np.ndarray:
        mask = np.zeros(shape, np.bool_)
        mask[key] = True
        return mask
    xp = library_of(like)
    mask = xp.zeros(shape, dtype=xp.bool)
    setitem_array(mask, key, True)  # the standard's way to write at index arrays (index.py)
    return mask


def _placed(values, key, shape):
    """zeros(shape) with `values` written at `key` (recorded: the gradient of values is gathered back)."""
    return IndexAdd.apply(values, key, tuple(shape))


def _values_like(x, source, op, name="src"):
    """source as a tensor of x's dtype: a tensor is cast (PyTorch requires the same dtype: refused otherwise),
    a number becomes a constant."""
    if isinstance(source, Tensor):
        if source.dtype != x.dtype:
            raise TypeError(f"{op}: expected {name} of the input's dtype {x.dtype}, got {source.dtype}")
        return source
    return _wrap(constant(scalar_arg(source, op, name), x.dtype, x._data))


def _reshape_array(array, shape):
    return array.reshape(shape) if type(array) is np.ndarray else library_of(array).reshape(array, shape)


def _flat(x):
    return reshape(x, (-1,)) if x.ndim != 1 else x


# ---- the functions users call ---------------------------------------------------------------------------
def index_select(input, dim, index):
    """The slices of input at `index` (a 1-d integer tensor) along dim."""
    if check_tensor(input, "index_select").ndim == 0:
        return _on_0d(index_select, input, dim, index)
    key, _ = _along(input, dim, index, "index_select")
    return getitem(input, key)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src[p] written at position p of index, along dim (src may be a number: `value`).
    The gradient to input is zero where something was written, to src it is the gradient there."""
    check_tensor(input, "scatter")
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use scatter_add for sums")
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    key = _elementwise_key(input, dim, index, "scatter")
    source = _values_like(input, value if src is None else src, "scatter")
    positions = np.broadcast_shapes(*(k.shape for k in key))
    if source.ndim:
        if source.ndim != input.ndim or any(n > s for n, s in zip(positions, source.shape)):
            raise ValueError(f"scatter: src of shape {tuple(source.shape)} is smaller than index of shape {positions}")
        source = getitem(source, tuple(slice(n) for n in positions))
    else:
        source = broadcast_to(source, positions)
    mask = _reshape_array(_mask(input.shape or (1,), key, input._data), input.shape)
    placed = reshape(_placed(reshape(source, positions), key, input.shape or (1,)), input.shape)
    return where(_wrap(mask), placed, input)


def scatter_add(input, dim, index, src):
    """input with src[p] added at position p of index along dim (repeated positions add up)."""
    check_tensor(input, "scatter_add")
    key = _elementwise_key(input, dim, index, "scatter_add")
    source = _values_like(input, check_tensor(src, "scatter_add", "src"), "scatter_add")
    positions = np.broadcast_shapes(*(k.shape for k in key))
    if source.ndim != max(input.ndim, 1) and input.ndim or any(n > s for n, s in zip(positions, source.shape or (1,))):
        raise ValueError(f"scatter_add: src of shape {tuple(source.shape)} is smaller than index of shape {positions}")
    source = getitem(reshape(source, source.shape or (1,)), tuple(slice(n) for n in positions))
    return add(input, reshape(_placed(source, key, input.shape or (1,)), input.shape))


def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source[i] added to slice index[i] along dim (repeated indices add up)."""
    if check_tensor(input, "index_add").ndim == 0:
        return _on_0d(index_add, input, dim, index, source, alpha=alpha)
    key, axis = _along(input, dim, index, "index_add")
    source = _values_like(input, check_tensor(source, "index_add", "source"), "index_add", "source")
    expected = input.shape[:axis] + (len(key[-1]),) + input.shape[axis + 1:]
    if source.shape != expected:
        raise ValueError(f"index_add: source of shape {tuple(source.shape)} should be {expected}")
    if alpha != 1:
        source = mul(source, scalar_arg(alpha, "index_add", "alpha"))
    return add(input, _placed(source, key, input.shape))


def index_fill(input, dim, index, value):
    """input with `value` (a number or a 0-d tensor, which gets the gradient of every filled place) in the
    slices index along dim."""
    if check_tensor(input, "index_fill").ndim == 0:
        return _on_0d(index_fill, input, dim, index, value)
    key, _ = _along(input, dim, index, "index_fill")
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
    value = cast(value, input.dtype) if isinstance(value, Tensor) else _values_like(input, value, "index_fill", "value")
    return where(_wrap(_mask(input.shape, key, input._data)), value, input)


def index_copy(input, dim, index, source):
    """input with slice i of source copied into slice index[i] along dim."""
    if check_tensor(input, "index_copy").ndim == 0:
        return _on_0d(index_copy, input, dim, index, source)
    key, axis = _along(input, dim, index, "index_copy")
    source = _values_like(input, check_tensor(source, "index_copy", "source"), "index_copy", "source")
    expected = input.shape[:axis] + (len(key[-1]),) + input.shape[axis + 1:]
    if source.shape != expected:
        raise ValueError(f"index_copy: source of shape {tuple(source.shape)} should be {expected}")
    return where(_wrap(_mask(input.shape, key, input._data)), _placed(source, key, input.shape), input)


def take(input, index):
    """The elements of input (read as 1-d) at `index`, in index's shape; negative indices count from the end."""
    check_tensor(input, "take")
    index = _index(index, "take")
    _check_bounds(index, input.numel(), 0, "take", negative_ok=True)
    return getitem(_flat(input), index)


def take_along_dim(input, indices, dim=None):
    """gather along dim, with input and indices broadcast against each other outside dim (dim=None: take
    from the flattened input)."""
    check_tensor(input, "take_along_dim")
    index = _index(indices, "take_along_dim")
    if dim is None:
        _check_bounds(index, input.numel(), 0, "take_along_dim", negative_ok=True)
        return getitem(_flat(input), index.reshape(-1))
    axis = normalize_dim(dim, input.ndim, "take_along_dim")
    if index.ndim != input.ndim:
        raise ValueError(f"take_along_dim: indices has {index.ndim} dims but the input has {input.ndim}")
    shape = list(np.broadcast_shapes(input.shape[:axis] + (1,) + input.shape[axis + 1:],
                                     index.shape[:axis] + (1,) + index.shape[axis + 1:]))
    input = broadcast_to(input, tuple(shape[:axis] + [input.shape[axis]] + shape[axis + 1:]))
    index = np.broadcast_to(index, tuple(shape[:axis] + [index.shape[axis]] + shape[axis + 1:]))
    return getitem(input, _elementwise_key(input, axis, index, "take_along_dim"))


def masked_scatter(input, mask, source):
    """input with the True places of mask (broadcast to input) filled with source's first values, in order."""
    check_tensor(input, "masked_scatter")
    if not isinstance(mask, Tensor) or mask.dtype != dtypes.bool:
        raise TypeError("masked_scatter: mask must be a bool tensor")
    source = _values_like(input, check_tensor(source, "masked_scatter", "source"), "masked_scatter", "source")
    try:
        shape = np.broadcast_shapes(mask.shape, input.shape)
    except ValueError:
        raise ValueError(f"masked_scatter: mask of shape {tuple(mask.shape)} doesn't broadcast to {tuple(input.shape)}") from None
    if shape != input.shape:
        raise ValueError(f"masked_scatter: mask of shape {tuple(mask.shape)} doesn't broadcast to {tuple(input.shape)}")
    if type(mask._data) is np.ndarray:
        where_true = np.broadcast_to(mask._data, shape)
        positions = np.flatnonzero(where_true)
        where_true = np.array(where_true)
    else:  # the positions stay on the device (their number is a sync, as in PyTorch)
        xp = library_of(mask._data)
        where_true = xp.broadcast_to(mask._data, shape)
        positions = xp.nonzero(xp.reshape(where_true, (-1,)))[0]
    count = int(positions.shape[0])
    if count > source.numel():
        raise ValueError(f"masked_scatter: mask has {count} True values but source only {source.numel()} elements")
    values = getitem(_flat(source), slice(0, count))
    placed = reshape(_placed(values, (positions,), (int(np.prod(shape)),)), shape)
    return where(_wrap(where_true), placed, input)


def argwhere(input):
    """The indices of the nonzero elements, one row each: nonzero(input)."""
    return nonzero(check_tensor(input, "argwhere"))


def count_nonzero(input, dim=None):
    """How many elements are not zero (over dim: an int or a tuple of ints), as int64."""
    return sum(ne(check_tensor(input, "count_nonzero"), 0), dim)


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in a 1-d tensor of non-negative integers (or the sum of their
    weights: float32 weights give float32, any other weights float64, as in PyTorch). No gradient."""
    data = check_tensor(input, "bincount")._data
    if type(data) is not np.ndarray:
        return _bincount_standard(data, weights, minlength)
    data = _index(input, "bincount")
    _check_bincount(data.ndim, int(data.min()) if data.size else 0, minlength)
    if weights is None:
        return _wrap(np.bincount(data, minlength=minlength).astype(np.int64))
    w = check_tensor(weights, "bincount", "weights").detach()._data
    if w.shape != data.shape:
        raise ValueError(f"bincount: weights of shape {w.shape} should match input of shape {data.shape}")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _wrap(np.bincount(data, w.astype(np.float64), minlength=minlength).astype(dtype))


def _bincount_standard(data, weights, minlength):
    """bincount on the device, in standard functions: index.py's sum at index arrays (sort, sums of runs)."""
    xp = library_of(data)
    if not xp.isdtype(data.dtype, "integral"):
        raise TypeError(f"bincount: index must be an integer (int64) tensor, got {data.dtype}")
    data = xp.astype(data, xp.int64)
    _check_bincount(data.ndim, int(xp.min(data)) if data.size else 0, minlength)
    length = max(minlength, int(xp.max(data)) + 1 if data.size else 0)  # the result's size: a sync, as in PyTorch
    if weights is None:
        return _wrap(standard_index.index_add(xp.ones(data.shape, dtype=xp.int64), (data,), (length,)))
    w = check_tensor(weights, "bincount", "weights").detach()._data
    if tuple(w.shape) != tuple(data.shape):
        raise ValueError(f"bincount: weights of shape {tuple(w.shape)} should match input of shape {tuple(data.shape)}")
    dtype = xp.float32 if w.dtype == xp.float32 else xp.float64
    return _wrap(standard_index.index_add(xp.astype(w, dtype), (data,), (length,)))


def _check_bincount(ndim, low, minlength):
    if ndim != 1:
        raise ValueError(f"bincount: input must be 1-d, got {ndim} dims")
    if low < 0:
        raise ValueError("bincount: input must hold non-negative integers")
    if not isinstance(minlength, numbers.Integral) or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, got {minlength!r}")


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of input would go in sorted_sequence (sorted along its last dim; a batch of sequences
    must match input's leading dims) to keep it sorted: the first such place, or the last with right=True."""
    seq = check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")._data
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: side='left' and right=True contradict each other")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = constant(scalar_arg(input, "searchsorted", "input"), None, seq) if scalar else input._data
    xp = library_of(seq)
    if sorter is not None:
        order = _index(sorter, "searchsorted") if xp is np else xp.astype(sorter._data, xp.int64)
        seq = xp.take_along_axis(seq, order, axis=-1)
    side = "right" if right else "left"
    if seq.ndim <= 1:
        out = xp.searchsorted(seq, values, side=side)
    else:
        if values.shape[:-1] != seq.shape[:-1]:
            raise ValueError(f"searchsorted: boundaries of shape {tuple(seq.shape)} and input of shape "
                             f"{tuple(values.shape)} must match in all dims but the last")
        flat_seq = xp.reshape(seq, (-1, seq.shape[-1]))
        flat_values = xp.reshape(values, (-1, values.shape[-1]))
        rows = [xp.searchsorted(flat_seq[i, ...], flat_values[i, ...], side=side) for i in range(flat_seq.shape[0])]
        out = xp.reshape(xp.stack(rows), values.shape)
    if xp is np:
        return _wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))
    return _wrap(xp.astype(out, library_dtype(xp, np.int32 if out_int32 else np.int64)))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among 1-d sorted boundaries: i with boundaries[i-1] < x <= boundaries[i]
    (right=True: boundaries[i-1] <= x < boundaries[i])."""
    check_tensor(boundaries, "bucketize", "boundaries")
    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-d, got {boundaries.ndim} dims")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ---- in-place twins: recorded in the graph, like ops/inplace.py's -----------------------------------------
def scatter_(input, dim, index, src=None, *, value=None, reduce=None):
    return assign(input, "scatter_", scatter(input, dim, index, src, value=value, reduce=reduce))


def scatter_add_(input, dim, index, src):
    return assign(input, "scatter_add_", scatter_add(input, dim, index, src))


def index_add_(input, dim, index, source, *, alpha=1):
    return assign(input, "index_add_", index_add(input, dim, index, source, alpha=alpha))


def index_fill_(input, dim, index, value):
    return assign(input, "index_fill_", index_fill(input, dim, index, value))


def index_copy_(input, dim, index, source):
    return assign(input, "index_copy_", index_copy(input, dim, index, source))


def masked_scatter_(input, mask, source):
    return assign(input, "masked_scatter_", masked_scatter(input, mask, source))
