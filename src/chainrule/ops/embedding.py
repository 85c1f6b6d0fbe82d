"""embedding: rows of a table looked up by index. The gradient of the table adds each output
row's gradient into the row it came from; lookup and scatter are each other's backward."""
import math
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import library_of, move, of, to_host
from ..autograd.grad_mode import no_grad
from ..errors import OutOfRangeError
from ..tensor import Tensor
from . import standard_index


class EmbeddingLookup(Op):
    """weight[indices]. row_scale (or None): a factor per table row for its gradient."""

    def forward(ctx, weight, indices, row_scale):
        ctx.indices, ctx.rows, ctx.row_scale = indices, weight.shape[0], row_scale
        if type(weight) is not np.ndarray:  # the standard's take, with the (host) indices moved to the device
            rows = library_of(weight).take(weight, move(indices.reshape(-1), of(weight)), axis=0)
            return library_of(weight).reshape(rows, indices.shape + (weight.shape[1],))
        return weight[indices]

    def backward(ctx, gy):
        return EmbeddingScatter.apply(gy, ctx.indices, ctx.rows, ctx.row_scale), None, None


class EmbeddingScatter(Op):
    """A (rows, dim) table of zeros with each row of g added into row indices[i], times row_scale."""

    def forward(ctx, g, indices, rows, row_scale):
        if type(g) is not np.ndarray:  # sorted running sums, the standard's scatter-add (see ops/index.py)
            row_scale = None if row_scale is None else move(row_scale, of(g))
            ctx.indices, ctx.row_scale = indices, row_scale
            dim = g.shape[-1]
            g_rows = library_of(g).reshape(g, (indices.size, dim))
            table = standard_index.index_add(g_rows, (indices.reshape(-1),), (rows, dim))
            return table if row_scale is None else table * row_scale[:, None]
        ctx.indices, ctx.row_scale = indices, row_scale
        dim = g.shape[-1]
        table = np.zeros((rows, dim), g.dtype)
        np.add.at(table, indices.reshape(-1), g.reshape(indices.size, dim))  # repeated indices add up
        if row_scale is not None:
            table *= row_scale[:, None]
        return table

    def backward(ctx, ggw):
        scaled = ggw if ctx.row_scale is None else ggw * ctx.row_scale[:, None]
        return EmbeddingLookup.apply(scaled, ctx.indices, None), None, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of weight (num_embeddings, embedding_dim) for the integer indices in input: output shape
    input.shape + (embedding_dim,). padding_idx: that row gets no gradient. max_norm: the rows looked
    up are first rescaled IN PLACE to norm <= max_norm (norm_type-norm), as PyTorch. scale_grad_by_freq:
    each row's gradient is divided by how often its index occurs in input. sparse is accepted for
    PyTorch compatibility; the gradient is always a dense tensor."""
    op = "embedding"
    indices = _indices(input, op)
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{op}: weight must be a 2-D tensor (num_embeddings, embedding_dim), got {shape}")
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = int(indices.min() if indices.min() < 0 else indices.max())
        raise OutOfRangeError(f"{op}: index {bad} is out of range for a table of {rows} rows (num_embeddings)")
    padding_idx = _padding_index(padding_idx, rows, op)
    if max_norm is not None:
        renorm = _renorm_rows if type(weight._data) is np.ndarray else _renorm_rows_standard
        renorm(weight, np.unique(indices), max_norm, norm_type)
    row_scale = None
    if scale_grad_by_freq or padding_idx is not None:
        row_scale = np.ones(rows, weight.dtype)
        if scale_grad_by_freq:
            counts = np.bincount(indices.reshape(-1), minlength=rows)
            row_scale /= np.maximum(counts, 1)
        if padding_idx is not None:
            row_scale[padding_idx] = 0
    return EmbeddingLookup.apply(weight, indices, row_scale)


def _indices(input, op):
    array = to_host(input._data) if isinstance(input, Tensor) else np.asarray(input)  # host indices, checked there
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer (int64) tensor, got {array.dtype}")
    return array


def _padding_index(padding_idx, rows, op):
    if padding_idx is None:
        return None
    if not isinstance(padding_idx, numbers.Integral) or not -rows <= padding_idx < rows:
        raise ValueError(f"{op}: padding_idx must be within num_embeddings ({rows}), got {padding_idx!r}")
    return padding_idx % rows


def _renorm_rows(weight, rows, max_norm, norm_type):
    """Rescale the given rows of weight, in place, to a norm of at most max_norm (PyTorch's embedding_renorm_)."""
    with no_grad():
        table = weight._data
        norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
        too_long = norms > max_norm
        if too_long.any():
            scale = (max_norm / (norms[too_long] + 1e-7)).astype(table.dtype)
            weight[rows[too_long]] = table[rows[too_long]] * scale[:, None]


def _renorm_rows_standard(weight, rows, max_norm, norm_type):
    """_renorm_rows on another library, in standard functions: its setitem takes no index arrays, so the whole
    table is written again in place (the same memory), with the new values only in the rows to rescale."""
    table = weight._data
    if not rows.size or not table.shape[1]:
        return
    xp = library_of(table)
    looked_up = np.zeros(table.shape[0], bool)
    looked_up[rows] = True
    norms = _row_norms_standard(xp, table, norm_type)
    too_long = move(looked_up, of(table)) & (norms > max_norm)
    scale = max_norm / (norms + 1e-7)
    table[...] = xp.where(too_long[:, None], table * scale[:, None], table)
    weight._bump_version()  # an in-place change: a backward that saved the table must notice


def _row_norms_standard(xp, table, p):
    """np.linalg.norm(table, ord=p, axis=1), in standard functions (the same formula for each ord)."""
    size = xp.abs(table)
    if p == math.inf:
        return xp.max(size, axis=1)
    if p == -math.inf:
        return xp.min(size, axis=1)
    if p == 0:
        return xp.sum(xp.astype(table != 0, table.dtype), axis=1)
    if p == 1:
        return xp.sum(size, axis=1)
    if p == 2:
        return xp.sqrt(xp.sum(table * table, axis=1))
    return xp.sum(size ** p, axis=1) ** (1 / p)


for _op in (EmbeddingLookup, EmbeddingScatter):
    _op.array_api = True  # the standard's take, and sorted running sums for the scatter
