"""Diagonals: diagonal, diag, diag_embed and trace, composed of indexing (reading a diagonal gathers, writing one
is a recorded t[key] = v: each is the other's backward)."""
import numpy as np

from ..creation import zeros
from ..tensor import Tensor
from .index import getitem
from .layout import movedim
from .reduce import sum
from .shape import normalize_dim, permute


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The elements input[..., i, i + offset] of the matrices spanned by dims dim1 and dim2, as a new last dim
    (as in PyTorch, whose result is a view; this one is a copy)."""
    _check(input, "diagonal", 2)
    first, second = normalize_dim(dim1, input.ndim, "diagonal"), normalize_dim(dim2, input.ndim, "diagonal")
    if first == second:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {dim1} (input shape {tuple(input.shape)})")
    rest = tuple(d for d in range(input.ndim) if d not in (first, second))
    matrices = permute(input, rest + (first, second)) if rest + (first, second) != tuple(range(input.ndim)) else input
    rows, cols = _diagonal_positions(input.shape[first], input.shape[second], offset)
    return getitem(matrices, (Ellipsis, rows, cols))


def diag(input, diagonal=0):
    """A 1-D input becomes the matrix with it on diagonal `diagonal`; a 2-D input gives that diagonal."""
    _check(input, "diag", 1)
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    if input.ndim != 1:
        raise ValueError(f"diag: expected a 1-D or 2-D input, got shape {tuple(input.shape)}")
    return diag_embed(input, diagonal)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """The last dim of input on diagonal `offset` of new (dim1, dim2) planes of zeros."""
    _check(input, "diag_embed", 1)
    ndim = input.ndim + 1
    first, second = normalize_dim(dim1, ndim, "diag_embed"), normalize_dim(dim2, ndim, "diag_embed")
    if first == second:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, both are {dim1}")
    size = input.shape[-1] + abs(offset)
    planes = zeros(input.shape[:-1] + (size, size), dtype=input.dtype)
    rows, cols = _diagonal_positions(size, size, offset)
    planes[..., rows, cols] = input  # recorded in the graph when input requires grad
    if (first, second) == (ndim - 2, ndim - 1):
        return planes
    return movedim(planes, (-2, -1), (first, second))


def trace(input):
    """The sum of a matrix's main diagonal."""
    _check(input, "trace", 2)
    if input.ndim != 2:
        raise ValueError(f"trace: expected a matrix, got shape {tuple(input.shape)}")
    return sum(diagonal(input))


def _diagonal_positions(n_rows, n_cols, offset):
    length = max(0, min(n_rows, n_cols - offset) if offset >= 0 else min(n_rows + offset, n_cols))
    start = np.arange(length)
    return (start, start + offset) if offset >= 0 else (start - offset, start)


def _check(input, op, min_ndim):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim < min_ndim:
        raise ValueError(f"{op}: expected at least {min_ndim} dims, got shape {tuple(input.shape)}")
