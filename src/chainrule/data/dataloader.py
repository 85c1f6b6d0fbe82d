"""DataLoader: a dataset in batches, shuffled or not, as torch.utils.data.DataLoader, loading in-process.

The fast path: when the dataset is a TensorDataset (or Subsets of one) and batches use the default
collate, each batch is cut from the tensors with one integer-array index per tensor, with no
per-sample Python loop. It gives exactly what collating the samples one by one would.
"""
import itertools
import numbers

import numpy as np

from .collate import default_collate, default_convert
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`.

    shuffle=True draws a new order each epoch from `generator` (a chainrule.Generator) or the global
    generator, so chainrule.manual_seed makes the order reproducible. num_workers, pin_memory,
    timeout, worker_init_fn, prefetch_factor, persistent_workers and the other multiprocessing
    options are accepted so PyTorch code runs unchanged, and ignored: batches load in this process.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True):
        _check_types(dataset, shuffle, sampler, batch_sampler, num_workers, collate_fn, timeout)
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative (batches load in-process anyway)")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers, self.pin_memory, self.pin_memory_device = num_workers, pin_memory, pin_memory_device
        self.timeout, self.worker_init_fn, self.multiprocessing_context = timeout, worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers, self.in_order = prefetch_factor, persistent_workers, in_order
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        else:
            _check_not_empty(dataset)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None:
            BatchSampler(None, batch_size, drop_last)  # the same checks of batch_size and drop_last
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        batching = batch_sampler is not None or (self._iterable and batch_size is not None)
        self.collate_fn = collate_fn if collate_fn is not None else (default_collate if batching else default_convert)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self):
        if self._iterable:
            return self._stream_batches()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[index]) for index in self.sampler)
        batches = _index_batches(self.batch_sampler)  # a shuffled order is drawn here, at iter()
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is not None:
            return (_cut(source, indices) for indices in batches)
        return (self.collate_fn(self._fetch(indices)) for indices in batches)

    def _fetch(self, indices):
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(indices)
        return [self.dataset[index] for index in indices]

    def _stream_batches(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(sample) for sample in samples)
            return
        while True:
            batch = list(itertools.islice(samples, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)


def _check_types(dataset, shuffle, sampler, batch_sampler, num_workers, collate_fn, timeout):
    if not isinstance(dataset, IterableDataset) and not hasattr(dataset, "__getitem__"):
        raise TypeError(
            f"DataLoader: dataset must be a Dataset (indexable, with a length) or an IterableDataset, "
            f"got {type(dataset).__name__}"
        )
    if shuffle is not None and not isinstance(shuffle, (bool, np.bool_, numbers.Integral)):
        raise TypeError(f"DataLoader: shuffle must be True, False or None, got {type(shuffle).__name__}")
    for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value is not None and (isinstance(value, (str, bytes)) or not hasattr(value, "__iter__")):
            raise TypeError(f"DataLoader: {name} must be an iterable of indices (a Sampler), got {type(value).__name__}")
    for name, value in (("num_workers", num_workers), ("timeout", timeout)):
        if not isinstance(value, numbers.Real):
            raise TypeError(f"DataLoader: {name} must be a number, got {type(value).__name__}")
    if collate_fn is not None and not callable(collate_fn):
        raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")


def _check_not_empty(dataset):
    if not hasattr(dataset, "__len__"):
        return
    try:
        size = len(dataset)
    except TypeError as err:
        raise TypeError(f"DataLoader: the dataset has no length ({err})") from None
    if size == 0:
        raise ValueError("DataLoader: the dataset is empty (len(dataset) == 0); there is nothing to load")


def _check_iterable_options(shuffle, sampler, batch_sampler):
    if shuffle not in (False, None):
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
        )
    if sampler is not None:
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
        )
    if batch_sampler is not None:
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but got batch_sampler={batch_sampler}"
        )


def _index_batches(batch_sampler):
    if isinstance(batch_sampler, BatchSampler):
        return batch_sampler._index_batches()  # int arrays when the order is known up front
    return iter(batch_sampler)


def _plain(dataset, cls):
    """Is `dataset` a `cls` whose indexing is cls's own (a subclass may change what a sample is)?"""
    kind = type(dataset)
    return (
        isinstance(dataset, cls)
        and kind.__getitem__ is cls.__getitem__
        and getattr(kind, "__getitems__", None) is getattr(cls, "__getitems__", None)
    )


def _tensor_source(dataset):
    """(tensors, row map) when batches can be cut straight from a TensorDataset, else None.

    Subsets on top of it are folded into one array that maps loader indices to tensor rows.
    """
    rows = None
    while _plain(dataset, Subset):
        indices = np.asarray(dataset.indices, dtype=np.int64)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if _plain(dataset, TensorDataset):
        return dataset.tensors, rows
    return None


def _cut(source, indices):
    tensors, rows = source
    try:
        indices = np.asarray(indices, dtype=np.int64)
    except (TypeError, ValueError):
        raise TypeError(f"DataLoader: the sampler must give int indices, got {indices!r:.80}") from None
    if rows is not None:
        indices = rows[indices]
    return [t[indices] for t in tensors]
