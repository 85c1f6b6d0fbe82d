"""Indexing: t[key] and its adjoint, which scatters the gradient back into a zero tensor."""
import math
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import library_of, move, numpy_dtype, of, to_host
from ..errors import OutOfRangeError
from ..tensor import Tensor
from .shape import as_view, check_tensor, normalize_dim, reshape


class GetItem(Op):
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        if type(x) is not np.ndarray:
            return _get_standard(x, key)
        y = x[key]
        if isinstance(y, np.generic):  # NumPy gives one element as a scalar; PyTorch gives a 0-d view
            y = x[(*key, ...) if type(key) is tuple else (key, ...)]
        return y

    def backward(ctx, gy):
        return IndexAdd.apply(gy, ctx.key, ctx.shape), None


class IndexAdd(Op):
    """zeros(shape)[key] += g. Integer-array keys may repeat an index, so those add with np.add.at."""

    def forward(ctx, g, key, shape):
        ctx.key = key
        if type(g) is not np.ndarray:
            return _index_add_standard(g, key, shape)
        out = np.zeros(shape, dtype=g.dtype)
        if _repeats_possible(key):
            np.add.at(out, key, g)
        else:
            out[key] = g
        return out

    def backward(ctx, ggx):
        return GetItem.apply(ggx, ctx.key), None, None


def _get_standard(x, key):
    """x[key] by NumPy's rules, in standard functions: the basic part of the key (ints, slices, None) as a
    view, then every integer array (a bool mask: its nonzero() arrays; an int among arrays: a 0-d array)
    broadcast together and combined into flat positions over the dims they index, taken with one xp.take.
    The arrays' dims replace the indexed dims where these were adjacent in the key, else go first."""
    view, arrays, axes, adjacent = _parse_key(key if type(key) is tuple else (key,), tuple(x.shape))
    y = x[(*view, ...)]  # the Ellipsis (for no dims) makes one element a 0-d view, not a copy, as in PyTorch
    if not arrays:
        return y
    xp = library_of(x)
    sizes = [y.shape[a] for a in axes]
    flat = _flat_positions(arrays, sizes, of(x))
    if not adjacent:  # NumPy puts the arrays' dims first
        rest = [a for a in range(y.ndim) if a not in axes]
        y = xp.permute_dims(y, (*axes, *rest))
        axes = list(range(len(axes)))
    first, after = axes[0], axes[-1] + 1
    merged = y if len(axes) == 1 else xp.reshape(y, (*y.shape[:first], math.prod(sizes), *y.shape[after:]))
    out = xp.take(merged, xp.reshape(flat, (-1,)), axis=first)
    return xp.reshape(out, (*y.shape[:first], *flat.shape, *y.shape[after:]))


def _parse_key(parts, shape):
    """The key split in two: `view`, a basic key of x (every dim named: slices clipped to the dim, as the
    standard requires; a dim an array indexes kept whole; a bool scalar a new dim of size 1), and the index
    arrays with the axes of x[view] they index, and whether they were adjacent in the key."""
    if sum(p is Ellipsis for p in parts) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    advanced = _has_arrays(parts)
    taken = sum(_dims_indexed(p) for p in parts)
    if taken > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, but {taken} were indexed")
    view, arrays, axes, places = [], [], [], []
    for place, p in enumerate(parts):
        dim = sum(1 for v in view if v is not None)  # the dim of x this part starts at
        if p is None:
            view.append(None)
        elif p is Ellipsis:
            view.extend([slice(None)] * (len(shape) - taken))
        elif isinstance(p, slice):
            view.append(_clipped(p, shape[dim]))
        elif _is_bool_scalar(p):  # NumPy: a new dim of size 1, indexed by [0] (True) or [] (False)
            arrays.append(np.zeros(int(bool(p)), np.int64))
            axes.append(len(view))
            places.append(place)
            view.append(None)
        elif _is_int(p) and not advanced:
            view.append(int(p))
        elif _is_int(p) or _is_any_array(p):
            for index in _index_arrays(p, shape[dim:]):
                arrays.append(index)
                axes.append(len(view))
                places.append(place)
                view.append(slice(None))
        else:
            raise TypeError(f"index: {type(p).__name__} is not a valid index part")
    view.extend([slice(None)] * (len(shape) - sum(1 for v in view if v is not None)))
    distinct = sorted(set(places))
    return tuple(view), arrays, axes, not places or distinct[-1] - distinct[0] + 1 == len(distinct)


def _dims_indexed(part):
    """How many dims of x a part of a key indexes: a mask all of its dims; None, Ellipsis, a bool scalar none."""
    if part is None or part is Ellipsis or _is_bool_scalar(part):
        return 0
    return part.ndim if _is_any_array(part) and "bool" in str(part.dtype) else 1


def _clipped(part, size):
    """A slice with its start and stop inside the dim (the standard refuses others; NumPy clips them)."""
    start, stop, step = part.indices(size)
    if step < 0:  # indices() says 'before the first element' as -1, which a slice reads as the last one
        return slice(start if start >= 0 else None, stop if stop >= 0 else None, step)
    return slice(start, stop, step)


def _index_arrays(part, dims):
    """The integer arrays that stand for one part of a key: an int (a 0-d array), an integer array, or the
    nonzero() arrays of a bool mask over the next dims."""
    if _is_int(part):  # checked even where the arrays broadcast to nothing, as NumPy does
        if not -dims[0] <= int(part) < dims[0]:
            raise IndexError(f"index {int(part)} is out of bounds for a dim with size {dims[0]}")
        return [np.asarray(int(part), np.int64)]
    if "bool" not in str(part.dtype):
        return [part]
    if tuple(part.shape) != tuple(dims[:part.ndim]):
        raise IndexError(f"the mask of shape {tuple(part.shape)} does not match the indexed dims {tuple(dims[:part.ndim])}")
    return list(library_of(part).nonzero(part))  # a NumPy mask on the host; a device mask: a sync, as in PyTorch


def _flat_positions(arrays, sizes, device):
    """The index arrays broadcast together and combined into positions in the flattened indexed dims (row
    major), on `device`. Arrays made on the host (all of getitem's) are checked and combined there."""
    on_host = all(type(a) is np.ndarray for a in arrays)
    xp = np if on_host else library_of(next(a for a in arrays if type(a) is not np.ndarray))
    arrays = [a if on_host else move(a, device) for a in arrays]
    try:
        arrays = xp.broadcast_arrays(*arrays)
    except ValueError:
        shapes = " ".join(str(tuple(a.shape)) for a in arrays)
        raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together with shapes {shapes}") from None
    if on_host:  # (as NumPy, nothing to check when the broadcast arrays are empty)
        for a, n in zip(arrays, sizes):
            if a.size and (a.min() < -n or a.max() >= n):
                bad = a.min() if a.min() < -n else a.max()
                raise IndexError(f"index {bad} is out of bounds for a dim with size {n}")
    flat, stride = 0, 1
    for a, n in zip(reversed(arrays), reversed(sizes)):
        a = xp.astype(a, xp.int64)
        flat = flat + xp.where(a < 0, a + n, a) * stride
        stride *= n
    return move(np.asarray(flat), device) if on_host else flat  # NumPy makes 0-d results scalars


def _has_arrays(parts):
    """Whether a key has index arrays (a bool scalar is a 0-d mask); then NumPy counts its ints as arrays too."""
    return any(_is_bool_scalar(p) or _is_any_array(p) and p.ndim > 0 for p in parts)


def _is_bool_scalar(part):
    return isinstance(part, (bool, np.bool_)) or _is_any_array(part) and part.ndim == 0 and "bool" in str(part.dtype)


def _is_any_array(part):
    """A NumPy array or any library's (internal callers may give index arrays already on the device)."""
    return hasattr(part, "__array_namespace__")


def _index_add_standard(g, key, shape):
    """zeros(shape)[key] += g with standard functions only (the standard has no add.at nor index assignment
    with arrays): the flat positions g goes to, sorted stably; the values of each run of equal positions summed
    (_run_sums: at the run's last entry); every cell gathers its run's sum, or 0. O(n log n), where add.at is O(n)
    (a CuPy path through cupyx.scatter_add would be a later step)."""
    xp = library_of(g)
    size = math.prod(shape)
    positions = xp.reshape(_get_standard(xp.reshape(xp.arange(size, dtype=xp.int64), shape), key), (-1,))
    if positions.shape[0] == 0 or size == 0:
        return xp.zeros(shape, dtype=g.dtype)
    order = xp.argsort(positions, stable=True)
    ordered = xp.take(positions, order)
    values = xp.take(xp.reshape(g, (-1,)), order)
    sums = _run_sums(xp, ordered, values)
    cells = xp.arange(size, dtype=xp.int64)
    last = xp.clip(xp.searchsorted(ordered, cells, side="right") - 1, min=0)  # each cell's run ends there
    written = xp.take(ordered, last) == cells
    return xp.reshape(xp.where(written, xp.take(sums, last), xp.zeros((), dtype=g.dtype)), shape)


def _run_sums(xp, ordered, values):
    """Running sums of `values` within each run of equal entries of `ordered` (sorted), so each run's total is
    at its last entry: log2(longest run) steps of adding the value `step` places back where it is in the same
    run (Hillis and Steele's scan). No value crosses into another run: a nan or an inf stays in its own cell,
    and a small sum does not lose its digits to a large running total (as differences of a cumulative sum do)."""
    n = values.shape[0]
    longest = int(xp.max(xp.searchsorted(ordered, ordered, side="right") - xp.searchsorted(ordered, ordered, side="left")))
    step = 1
    while step < longest:
        same = ordered[step:] == ordered[:-step]
        earlier = xp.where(same, values[:n - step], xp.zeros((), dtype=values.dtype))
        values = xp.concat((values[:step], values[step:] + earlier))
        step *= 2
    return values


def _repeats_possible(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


def index_key(key):
    """Tensors, lists and ranges inside an index become NumPy arrays; everything else passes through."""
    if isinstance(key, tuple):
        return tuple(_index_part(k) for k in key)
    return _index_part(key)


def _index_part(part):
    if isinstance(part, Tensor):
        part = part._data
    if hasattr(part, "__array_namespace__"):
        part = to_host(part)  # index arrays are made on the host; GetItem moves them to the data's device
    elif isinstance(part, (list, tuple, range)):  # t[range(n), target] as t[[0, 1, ...], target]
        part = _list_index(part)
    if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
        raise TypeError(f"index: tensors used as indices must be integer or bool, got {part.dtype}")
    if isinstance(part, np.ndarray) and part.ndim == 0 and part.dtype.kind in "iu":
        part = int(part)  # a 0-d integer tensor indexes like an int (a view), as in PyTorch
    if not isinstance(part, _INDEX_PARTS):
        raise TypeError(
            f"index: only ints, slices, None, ..., and integer or bool tensors/lists are valid indices, "
            f"got {type(part).__name__}"
        )
    return part


def _list_index(part):
    try:
        array = np.asarray(part)
    except ValueError:
        raise ValueError(f"index: the list {part!r} is ragged; give a list of ints or bools") from None
    return array.astype(np.int64) if array.size == 0 else array  # [] is an empty integer index


_INDEX_PARTS = (numbers.Integral, slice, type(None), type(Ellipsis), np.ndarray, np.integer, np.bool_)


def getitem(x, key):
    parts = key = _index_parts(index_key(key), x.ndim)
    if _mixes_ints_and_arrays(parts):
        x = GetItem.apply(x, _ints_step(parts))
        key = _arrays_step(parts)
    return as_view(GetItem.apply(x, key), x)


def setitem_array(array, key, value):
    """array[key] = value in place, with the same PyTorch index order as getitem."""
    parts = key = _index_parts(index_key(key), array.ndim)
    try:
        if type(array) is not np.ndarray:
            return _set_standard(array, parts, value)
        if _mixes_ints_and_arrays(parts):
            array = array[_ints_step(parts)]  # ints, slices and None only: a view, so writes reach `array`
            key = _arrays_step(parts)
        array[key] = value
    except IndexError as err:
        raise OutOfRangeError(f"setitem: {err} (tensor shape {array.shape})") from None
    except (ValueError, TypeError) as err:
        kind = ValueError if isinstance(err, ValueError) else TypeError
        raise kind(f"setitem: {err} (tensor shape {array.shape})") from None


def _set_standard(array, parts, value):
    """array[key] = value in place on a standard library, with getitem's index order. A basic key goes to the
    library's own __setitem__ (which takes no None: a None dim has size 1, so the values are reshaped instead).
    A key with index arrays writes by a gather, as the standard has no index assignment with arrays: the flat
    positions p the key selects (the key applied to arange), sorted stably; every cell takes the value of the
    last write to it (NumPy's and PyTorch's CPU rule for repeated indices), or keeps its own."""
    xp = library_of(array)
    if not _has_arrays(parts):
        view = _parse_key(parts, tuple(array.shape))[0]
        region = tuple(array[view].shape)
        without_none = tuple(v for v in view if v is not None)
        values = _values_array(array, value, region)
        array[(*without_none, ...)] = xp.reshape(values, tuple(array[without_none].shape))
        return
    shape, size = tuple(array.shape), math.prod(array.shape)
    positions = xp.reshape(xp.arange(size, dtype=xp.int64), shape)
    if _mixes_ints_and_arrays(parts):
        positions, parts = _get_standard(positions, _ints_step(parts)), _arrays_step(parts)
    positions = _get_standard(positions, parts)
    values = xp.reshape(_values_array(array, value, tuple(positions.shape)), (-1,))
    positions = xp.reshape(positions, (-1,))
    if positions.shape[0] == 0:
        return
    order = xp.argsort(positions, stable=True)
    ordered, cells = xp.take(positions, order), xp.arange(size, dtype=xp.int64)
    last = xp.clip(xp.searchsorted(ordered, cells, side="right") - 1, min=0)  # the last write at or before each cell
    written = xp.take(ordered, last) == cells
    new = xp.where(written, xp.take(values, xp.take(order, last)), xp.reshape(array, (-1,)))
    array[...] = xp.reshape(new, shape)


def _values_array(array, value, shape):
    """value as an array of array's dtype and library, broadcast to `shape` (leading 1s dropped, as in NumPy)."""
    xp = library_of(array)
    if _is_any_array(value) and type(value) is not np.ndarray:
        values = value if value.dtype == array.dtype else xp.astype(value, array.dtype)
    else:
        values = move(np.asarray(value).astype(numpy_dtype(array.dtype)), of(array))
    while values.ndim > len(shape) and values.shape[0] == 1:
        values = xp.reshape(values, values.shape[1:])
    try:
        return xp.broadcast_to(values, shape)
    except (ValueError, RuntimeError):
        raise ValueError(f"shape mismatch: value array of shape {tuple(values.shape)} could not be broadcast to "
                         f"indexing result of shape {shape}") from None


def _index_parts(key, ndim):
    """The key as a tuple of parts, without an Ellipsis that stands for no dims: for NumPy even an
    empty Ellipsis keeps two array indices apart (their dims then go first), for PyTorch it does not
    (t[:, [0], ..., [0]] of a 3-d t: (2, 1) in PyTorch, (1, 2) in NumPy)."""
    parts = key if isinstance(key, tuple) else (key,)
    if any(p is Ellipsis for p in parts) and _dims_taken(parts) == ndim:
        parts = tuple(p for p in parts if p is not Ellipsis)
    return parts


def _dims_taken(parts):
    """How many dims of the tensor the parts of a key index (None, Ellipsis and a bool scalar: none)."""
    taken = 0
    for p in parts:
        if p is None or p is Ellipsis or isinstance(p, (bool, np.bool_)):
            continue
        taken += p.ndim if isinstance(p, np.ndarray) and p.dtype == np.bool_ else 1
    return taken


def _mixes_ints_and_arrays(parts):
    # PyTorch applies plain ints first (as selections), then the arrays; NumPy counts an int as an
    # array index, which moves dims elsewhere (t[0, None, :, [0]]: (1, 3, 1) in PyTorch, (1, 1, 3) in NumPy).
    return any(_is_int(p) for p in parts) and any(_is_array_index(p) for p in parts)


def _is_array_index(part):
    """An index array, or a bool scalar (a 0-d mask, which PyTorch applies with the arrays too)."""
    if isinstance(part, np.ndarray):
        return part.ndim > 0 or part.dtype == np.bool_
    return isinstance(part, (bool, np.bool_))


def _is_int(part):
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, numbers.Integral) and not isinstance(part, (bool, np.bool_))


def _is_array(part):
    return isinstance(part, np.ndarray) and part.ndim > 0


def _ints_step(parts):
    """The key with the ints, slices and None applied, and every dim an array indexes kept whole.
    Only basic indexing (0-d arrays become ints), so the result is a view."""
    step = []
    for p in parts:
        if _is_array(p):
            step.extend([slice(None)] * (p.ndim if p.dtype == np.bool_ else 1))
        elif _is_bool_scalar(p):  # a bool scalar is a 0-d mask (a new dim): it goes with the arrays
            continue
        else:
            step.append(int(p) if _is_int(p) else p)
    return tuple(step)


def _arrays_step(parts):
    """The arrays of the key, for the result of _ints_step; every other remaining dim kept whole."""
    return tuple(p if p is Ellipsis or _is_array(p) or _is_bool_scalar(p) else slice(None) for p in parts if not _is_int(p))


def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] for dim 0 (torch.gather): an advanced index along `dim`."""
    check_tensor(x, "gather")
    axis = normalize_dim(dim, x.ndim, "gather")
    index = to_host(index._data) if isinstance(index, Tensor) else np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer (int64) tensor, got {index.dtype}")
    if x.ndim == 0 and index.ndim == 0:  # a 0-d tensor gathers like a 1-element vector
        return reshape(gather(reshape(x, (1,)), 0, index.reshape(1)), ())
    if index.ndim != x.ndim:
        raise ValueError(f"gather: index has {index.ndim} dims but the input has {x.ndim}")
    if any(i != axis and n > size for i, (n, size) in enumerate(zip(index.shape, x.shape))):
        raise ValueError(f"gather: index shape {index.shape} is larger than input shape {tuple(x.shape)} outside dim {dim}")
    if index.size and (index.min() < 0 or index.max() >= x.shape[axis]):
        bad = index.min() if index.min() < 0 else index.max()
        raise OutOfRangeError(f"gather: index {bad} is out of bounds for dim {dim} with size {x.shape[axis]}")
    grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grid[axis] = index
    return getitem(x, tuple(grid))


for _op in (GetItem, IndexAdd):
    _op.array_api = True  # standard indexing (integer arrays, bool masks) and sorting only
