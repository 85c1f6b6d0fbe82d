"""Indexing: t[key] and its adjoint, which scatters the gradient back into a zero tensor."""
import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor


class GetItem(Op):
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    def backward(ctx, gy):
        return IndexAdd.apply(gy, ctx.key, ctx.shape), None


class IndexAdd(Op):
    """zeros(shape)[key] += g. Integer-array keys may repeat an index, so those add with np.add.at."""

    def forward(ctx, g, key, shape):
        ctx.key = key
        out = np.zeros(shape, dtype=g.dtype)
        if _repeats_possible(key):
            np.add.at(out, key, g)
        else:
            out[key] = g
        return out

    def backward(ctx, ggx):
        return getitem(ggx, ctx.key), None, None


def _repeats_possible(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


def index_key(key):
    """Tensors and lists inside an index become NumPy arrays; everything else passes through."""
    if isinstance(key, tuple):
        return tuple(_index_part(k) for k in key)
    return _index_part(key)


def _index_part(part):
    if isinstance(part, Tensor):
        part = part._data
    elif isinstance(part, list):
        part = np.asarray(part)
    if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
        raise TypeError(f"index: tensors used as indices must be integer or bool, got {part.dtype}")
    return part


def getitem(x, key):
    return GetItem.apply(x, index_key(key))


def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] for dim 0 (torch.gather): an advanced index along `dim`."""
    from .shape import normalize_dim

    axis = normalize_dim(dim, x.ndim, "gather")
    index = index._data if isinstance(index, Tensor) else np.asarray(index)
    if index.ndim != x.ndim:
        raise ValueError(f"gather: index has {index.ndim} dims but the input has {x.ndim}")
    grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grid[axis] = index
    return getitem(x, tuple(grid))
