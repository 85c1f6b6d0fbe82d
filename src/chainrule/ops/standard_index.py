"""NumPy's indexing on array libraries that have only the Python array API standard's (CuPy's own indexing
is NumPy's, but array-api-strict, the tests' stand-in, refuses the rest; writing these once in standard functions
keeps every library on one path):

- get(x, key): x[key] for any key NumPy takes: the basic part (ints, slices, None) as one view, then the index
  arrays (masks as their nonzero() arrays) combined into flat positions and read with one `take`;
- index_add(g, key, shape): zeros(shape)[key] += g, the gradient of get (the standard has no add.at);
- put(array, key, value): array[key] = value in place (the standard assigns only at basic keys).

Index arrays made on the host (all of getitem's) are checked there and moved to the data's device once.
"""
import math
import numbers

import numpy as np

from ..device import library_of, move, numpy_dtype, of


def get(x, key):
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
    advanced = has_arrays(parts)
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
        elif is_bool_scalar(p):  # NumPy: a new dim of size 1, indexed by [0] (True) or [] (False)
            arrays.append(np.zeros(int(bool(p)), np.int64))
            axes.append(len(view))
            places.append(place)
            view.append(None)
        elif is_int(p) and not advanced:
            view.append(int(p))
        elif is_int(p) or is_any_array(p):
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
    if part is None or part is Ellipsis or is_bool_scalar(part):
        return 0
    return part.ndim if is_any_array(part) and "bool" in str(part.dtype) else 1


def _clipped(part, size):
    """A slice with its start and stop inside the dim (the standard refuses others; NumPy clips them)."""
    start, stop, step = part.indices(size)
    if step < 0:  # indices() says 'before the first element' as -1, which a slice reads as the last one
        return slice(start if start >= 0 else None, stop if stop >= 0 else None, step)
    return slice(start, stop, step)


def _index_arrays(part, dims):
    """The integer arrays that stand for one part of a key: an int (a 0-d array), an integer array, or the
    nonzero() arrays of a bool mask over the next dims."""
    if is_int(part):  # checked even where the arrays broadcast to nothing, as NumPy does
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


def has_arrays(parts):
    """Whether a key has index arrays (a bool scalar is a 0-d mask); then NumPy counts its ints as arrays too."""
    return any(is_bool_scalar(p) or is_any_array(p) and p.ndim > 0 for p in parts)


def is_bool_scalar(part):
    return isinstance(part, (bool, np.bool_)) or is_any_array(part) and part.ndim == 0 and "bool" in str(part.dtype)


def is_any_array(part):
    """A NumPy array or any library's (internal callers may give index arrays already on the device)."""
    return hasattr(part, "__array_namespace__")


def index_add(g, key, shape):
    """zeros(shape)[key] += g with standard functions only (the standard has no add.at nor index assignment
    with arrays): the flat positions g goes to, sorted stably; the values of each run of equal positions summed
    (_run_sums: at the run's last entry); every cell gathers its run's sum, or 0. O(n log n), where add.at is O(n)
    (a CuPy path through cupyx.scatter_add would be a later step)."""
    xp = library_of(g)
    size = math.prod(shape)
    positions = xp.reshape(get(xp.reshape(xp.arange(size, dtype=xp.int64), shape), key), (-1,))
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


def put(array, parts, value):
    """array[key] = value in place on a standard library, with getitem's index order. A basic key goes to the
    library's own __setitem__ (which takes no None: a None dim has size 1, so the values are reshaped instead).
    A key with index arrays writes by a gather, as the standard has no index assignment with arrays: the flat
    positions p the key selects (the key applied to arange), sorted stably; every cell takes the value of the
    last write to it (NumPy's and PyTorch's CPU rule for repeated indices), or keeps its own."""
    xp = library_of(array)
    if not has_arrays(parts):
        view = _parse_key(parts, tuple(array.shape))[0]
        region = tuple(array[view].shape)
        without_none = tuple(v for v in view if v is not None)
        values = values_array(array, value, region)
        array[(*without_none, ...)] = xp.reshape(values, tuple(array[without_none].shape))
        return
    shape, size = tuple(array.shape), math.prod(array.shape)
    positions = get(xp.reshape(xp.arange(size, dtype=xp.int64), shape), parts)
    values = xp.reshape(values_array(array, value, tuple(positions.shape)), (-1,))
    positions = xp.reshape(positions, (-1,))
    if positions.shape[0] == 0:
        return
    order = xp.argsort(positions, stable=True)
    ordered, cells = xp.take(positions, order), xp.arange(size, dtype=xp.int64)
    last = xp.clip(xp.searchsorted(ordered, cells, side="right") - 1, min=0)  # the last write at or before each cell
    written = xp.take(ordered, last) == cells
    new = xp.where(written, xp.take(values, xp.take(order, last)), xp.reshape(array, (-1,)))
    array[...] = xp.reshape(new, shape)


def values_array(array, value, shape):
    """value as an array of array's dtype and library, broadcast to `shape` (leading 1s dropped, as in NumPy)."""
    xp = library_of(array)
    if is_any_array(value) and type(value) is not np.ndarray:
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


def is_int(part):
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, numbers.Integral) and not isinstance(part, (bool, np.bool_))
