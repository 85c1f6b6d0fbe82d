"""embedding_bag: each bag of indices becomes one vector, the sum, mean or max of its rows of the table.

Composed of differentiable ops: the rows are looked up with `embedding`, weighted (per_sample_weights), then
added into their bag with `index_add` (whose backward gathers), or reduced bag by bag with `amax` for 'max'."""
import numpy as np

from ..creation import tensor, zeros
from ..device import to_host
from ..tensor import Tensor
from .embedding import embedding
from .layout import vstack
from .reduce import amax
from .scatter import index_add
from .shape import reshape, unsqueeze

MODES = ("sum", "mean", "max")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """PyTorch's F.embedding_bag: input (B, N) is B bags of N indices; a 1-D input is cut into bags at `offsets`
    (B starts, or B + 1 boundaries with include_last_offset). Indices equal to padding_idx are left out of their
    bag; an empty bag gives zeros."""
    if mode not in MODES:
        raise ValueError(f"embedding_bag: mode must be one of {MODES}, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"embedding_bag: per_sample_weights is only supported for mode='sum' (got mode={mode!r})")
    indices, bag_of, bags = _bags(input, offsets, include_last_offset)
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: per_sample_weights of shape {tuple(per_sample_weights.shape)} must have "
                         f"the input's shape {tuple(input.shape)}")
    kept = np.ones(indices.shape, dtype=bool) if padding_idx is None else indices != padding_idx % weight.shape[0]
    device = weight.device  # the bags are worked out on the host (index arrays); the rows stay on the device
    rows = embedding(tensor(indices[kept], device=device), weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    if per_sample_weights is not None:
        rows = rows * unsqueeze(reshape(per_sample_weights, (-1,))[np.flatnonzero(kept)], 1)
    bag_of = bag_of[kept]
    if mode == "max":
        dim = weight.shape[1]
        return vstack([amax(rows[np.flatnonzero(bag_of == b)], 0, keepdim=True) if np.any(bag_of == b)
                       else zeros(1, dim, dtype=weight.dtype, device=device) for b in range(bags)])
    out = index_add(zeros(bags, weight.shape[1], dtype=weight.dtype, device=device), 0, bag_of, rows)
    if mode == "mean":
        counts = np.bincount(bag_of, minlength=bags).astype(weight.dtype)
        out = out / tensor(np.maximum(counts, 1)[:, None], device=device)
    return out


def _bags(input, offsets, include_last_offset):
    """(the indices, flat; which bag each belongs to; how many bags)."""
    if not isinstance(input, Tensor) or input.dtype.kind not in "iu":
        raise TypeError("embedding_bag: input must be a tensor of integer indices")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as input is treated as a "
                             "mini-batch of fixed length sequences")
        bags, length = input.shape
        return to_host(input._data).reshape(-1), np.repeat(np.arange(bags), length), bags
    if input.ndim != 1:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D, got shape {tuple(input.shape)}")
    if offsets is None or offsets.ndim != 1:
        raise ValueError("embedding_bag: a 1D input needs 1D offsets (where each bag starts)")
    starts = to_host(offsets._data).astype(np.int64)
    if starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > input.shape[0]):
        raise ValueError(f"embedding_bag: offsets must start at 0, not decrease and stay within the input's "
                         f"{input.shape[0]} indices, got {starts.tolist()}")
    if include_last_offset:
        starts = starts[:-1]
    bag_of = np.searchsorted(starts, np.arange(input.shape[0]), side="right") - 1
    return to_host(input._data), bag_of, starts.size
