"""Samplers: the order in which a DataLoader visits a dataset's indices, as in torch.utils.data.

Samplers that know their whole order up front give it as one NumPy array (`_order()`), so a
BatchSampler can cut batches as array slices instead of collecting indices one by one.
"""
import numpy as np

from .. import distributed as dist
from ..random import Generator, _rng


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


class DistributedSampler(Sampler):
    """Each of num_replicas processes its own shard of the dataset: process `rank` takes every num_replicas-th
    index of one order, as torch's does. shuffle: a permutation from chainrule.random seeded with seed + epoch
    (call set_epoch(epoch) each epoch; every process must use the same seed). Unless drop_last, the order is
    padded with its own first indices to a multiple of num_replicas, so every shard has the same length."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = dist.get_world_size()
        if rank is None:
            rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        if drop_last and len(dataset) % num_replicas:
            self.num_samples = -(-(len(dataset) - num_replicas) // num_replicas)
        else:
            self.num_samples = -(-len(dataset) // num_replicas)
        self.total_size = self.num_samples * num_replicas

    def _order(self):
        n = len(self.dataset)
        order = Generator().manual_seed(self.seed + self.epoch).rng.permutation(n) if self.shuffle else np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        else:
            order = np.resize(order, self.total_size)  # repeats the order from its start, as torch pads
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch the next iteration shuffles for: seed + epoch seeds the permutation."""
        self.epoch = epoch
