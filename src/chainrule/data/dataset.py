"""Datasets, as in torch.utils.data: a map-style Dataset answers dataset[i] and len(dataset)."""
import bisect
import math
import warnings

import numpy as np

from ..errors import OutOfRangeError
from ..random import _rng
from ..tensor import Tensor


class Dataset:
    """A map-style dataset: subclass it and define __getitem__(index) -> sample and __len__()."""

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclass it and define __iter__. A DataLoader batches samples in the order
    the stream yields them, so it cannot shuffle them."""


class TensorDataset(Dataset):
    """Sample i is (tensors[0][i], tensors[1][i], ...): every tensor must have the same first dim."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(X, y)")
        for position, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {position} is a {type(t).__name__}, not a Tensor; "
                    "wrap arrays with chainrule.tensor(...) or chainrule.from_numpy(...)"
                )
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {position} is a 0-d tensor; samples are rows of dim 0")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims are {sizes}, they must be equal")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: subset[i] is dataset[indices[i]]."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # The DataLoader asks for a whole batch at once when a dataset offers __getitems__
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after another (also what dataset_a + dataset_b gives)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise OutOfRangeError(f"ConcatDataset: index {idx} is out of range for length {len(self)}")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise OutOfRangeError(f"ConcatDataset: index {idx} is out of range for length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping random Subsets of the given lengths, or of the given
    fractions of len(dataset) (e.g. [0.8, 0.2]: leftover samples go round-robin to the first splits).

    The permutation comes from `generator` (a chainrule.Generator) or the global one, so
    chainrule.manual_seed makes the split reproducible.
    """
    lengths = list(lengths)
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _fractions_to_lengths(lengths, total)
    if any(not float(n).is_integer() or n < 0 for n in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions summing to 1, got {lengths}")
    lengths = [int(n) for n in lengths]
    if sum(lengths) != total:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset ({total})"
        )
    order = _rng(generator).permutation(total).tolist()
    ends = np.cumsum(lengths).tolist()
    return [Subset(dataset, order[end - n:end]) for n, end in zip(lengths, ends)]


def _fractions_to_lengths(fractions, total):
    for i, fraction in enumerate(fractions):
        if fraction < 0 or fraction > 1:
            raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {fraction}")
    lengths = [math.floor(total * fraction) for fraction in fractions]
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, n in enumerate(lengths):
        if n == 0:
            warnings.warn(f"random_split: length of split at index {i} is 0; that split is an empty dataset", stacklevel=3)
    return lengths
