"""Samplers: the order in which a DataLoader visits a dataset's indices, as in torch.utils.data.

Samplers that know their whole order up front give it as one NumPy array (`_order()`), so a
BatchSampler can cut batches as array slices instead of collecting indices one by one.
"""
import numpy as np

from ..random import _rng


class Sampler:
    """Base class: an iterable of dataset indices. Subclasses define __iter__ (and __len__ if known)."""


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _order(self):
        return np.arange(len(self.data_source))

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, fresh each epoch (or num_samples draws with replacement).

    Randomness comes from `generator` or chainrule's global generator, so manual_seed makes it repeat.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        count = self.num_samples
        if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, got num_samples={count}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self):
        rng, n = _rng(self.generator), len(self.data_source)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples)
        # more samples than the dataset holds: whole permutations one after another, as torch does
        rounds = -(-self.num_samples // n)
        return np.concatenate([rng.permutation(n) for _ in range(rounds)])[: self.num_samples]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, fresh each epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _order(self):
        return np.asarray(self.indices)[_rng(self.generator).permutation(len(self.indices))]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        return (batch if isinstance(batch, list) else batch.tolist() for batch in self._index_batches())

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)

    def _index_batches(self):
        """The batches as int arrays when the sampler knows its order (drawn now), else as lists."""
        if callable(getattr(self.sampler, "_order", None)):
            return self._slices(self.sampler._order())
        return self._collect(iter(self.sampler))

    def _slices(self, order):
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def _collect(self, indices):
        batch = []
        for index in indices:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch
