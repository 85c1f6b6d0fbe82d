"""Flatten merges dims start_dim..end_dim into one (by default all but the batch dim); Unflatten
splits one dim into several (the inverse)."""
import numbers

import numpy as np

from .. import ops
from ..args import normalize_dim
from .module import Module


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Unflatten(1, (2, 5)) turns an (N, 10, ...) input into (N, 2, 5, ...); one size may be -1 (inferred)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        _check_sizes(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _check_sizes(sizes):
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(sizes).__name__}")
    for index, size in enumerate(sizes):
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                            f"{type(size).__name__} at pos {index}")


def unflatten(input, dim, sizes):
    """input reshaped so that dim becomes the dims `sizes` (Tensor.unflatten's semantics)."""
    axis = normalize_dim(dim, input.ndim, "unflatten")
    sizes = [int(size) for size in sizes]
    if not sizes:
        raise ValueError("unflatten: sizes must be non-empty")
    length = input.shape[axis]
    if sizes.count(-1) > 1:
        raise ValueError(f"unflatten: only one size can be -1 (inferred), got {sizes}")
    known = int(np.prod([size for size in sizes if size != -1]))
    if -1 in sizes:
        if known == 0 or length % known:
            raise ValueError(f"unflatten: can not infer the -1 in sizes {sizes} for dim {dim} of size {length}")
        sizes[sizes.index(-1)] = length // known
    elif known != length:
        raise ValueError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({length}) "
                         "in the input tensor")
    return ops.reshape(input, input.shape[:axis] + tuple(sizes) + input.shape[axis + 1:])
