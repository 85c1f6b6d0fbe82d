"""Indexing: t[key] and its adjoint, which scatters the gradient back into a zero tensor."""
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import to_host
from ..errors import OutOfRangeError
from ..tensor import Tensor
from . import standard_index
from .shape import as_view, check_tensor, normalize_dim, reshape
from .standard_index import is_bool_scalar, is_int


class GetItem(Op):
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        if type(x) is not np.ndarray:
            return standard_index.get(x, key)
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
            return standard_index.index_add(g, key, shape)
        out = np.zeros(shape, dtype=g.dtype)
        if _repeats_possible(key):
            np.add.at(out, key, g)
        else:
            out[key] = g
        return out

    def backward(ctx, ggx):
        return GetItem.apply(ggx, ctx.key), None, None


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
    numpy = type(array) is np.ndarray
    try:
        if _mixes_ints_and_arrays(parts):
            ints = _ints_step(parts)  # ints, slices and None only: a view, so writes reach `array`
            array = array[ints] if numpy else standard_index.get(array, ints)
            key = _arrays_step(parts)
        if numpy:
            array[key] = value
        else:
            standard_index.put(array, key, value)
    except IndexError as err:
        raise OutOfRangeError(f"setitem: {err} (tensor shape {array.shape})") from None
    except (ValueError, TypeError) as err:
        kind = ValueError if isinstance(err, ValueError) else TypeError
        raise kind(f"setitem: {err} (tensor shape {array.shape})") from None


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
    return any(is_int(p) for p in parts) and any(_is_array_index(p) for p in parts)


def _is_array_index(part):
    """An index array, or a bool scalar (a 0-d mask, which PyTorch applies with the arrays too)."""
    if isinstance(part, np.ndarray):
        return part.ndim > 0 or part.dtype == np.bool_
    return isinstance(part, (bool, np.bool_))


def _is_array(part):
    return isinstance(part, np.ndarray) and part.ndim > 0


def _ints_step(parts):
    """The key with the ints, slices and None applied, and every dim an array indexes kept whole.
    Only basic indexing (0-d arrays become ints), so the result is a view."""
    step = []
    for p in parts:
        if _is_array(p):
            step.extend([slice(None)] * (p.ndim if p.dtype == np.bool_ else 1))
        elif is_bool_scalar(p):  # a bool scalar is a 0-d mask (a new dim): it goes with the arrays
            continue
        else:
            step.append(int(p) if is_int(p) else p)
    return tuple(step)


def _arrays_step(parts):
    """The arrays of the key, for the result of _ints_step; every other remaining dim kept whole."""
    return tuple(p if p is Ellipsis or _is_array(p) or is_bool_scalar(p) else slice(None) for p in parts if not is_int(p))


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
