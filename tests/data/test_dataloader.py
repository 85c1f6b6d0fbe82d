"""DataLoader: batches, shuffling, drop_last, len, reproducibility, the TensorDataset fast path."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.data import (
    BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler, SequentialSampler, Subset,
    SubsetRandomSampler, TensorDataset, default_collate, random_split,
)


def numbered(n, features=3):
    """A TensorDataset whose sample i is (row i of an (n, features) float32 matrix, i)."""
    x = np.arange(n * features, dtype=np.float32).reshape(n, features)
    return TensorDataset(cr.tensor(x), cr.arange(n))


def arrays(batches):
    return [[t.numpy() for t in batch] for batch in batches]


def assert_same_batches(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert type(a) is list and len(a) == len(b)
        for x, y in zip(a, b):
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (4, False), (4, True), (10, False), (32, True), (32, False)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    ours = DataLoader(numbered(10), batch_size=batch_size, drop_last=drop_last)
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.arange(10)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert_same_batches(arrays(ours), [[t.numpy() for t in batch] for batch in theirs])
    assert ours.batch_size == batch_size and ours.drop_last == drop_last


def test_shuffle_visits_each_sample_once_per_epoch_in_a_new_order():
    loader = DataLoader(numbered(25), batch_size=4, shuffle=True)
    epochs = [np.concatenate([index.numpy() for _, index in loader]) for _ in range(2)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(25))
    assert epochs[0].tolist() != epochs[1].tolist()
    first_batch = next(iter(loader))
    np.testing.assert_array_equal(first_batch[0].numpy(), loader.dataset.tensors[0].numpy()[first_batch[1].numpy()])


def test_shuffle_is_reproducible_with_manual_seed_and_with_a_generator():
    loader = DataLoader(numbered(30), batch_size=7, shuffle=True)
    cr.manual_seed(123)
    first = arrays(loader)
    cr.manual_seed(123)
    assert_same_batches(arrays(loader), first)
    cr.manual_seed(124)
    assert arrays(loader)[0][1].tolist() != first[0][1].tolist()

    seeded = [DataLoader(numbered(30), batch_size=7, shuffle=True, generator=cr.Generator().manual_seed(9))
              for _ in range(2)]
    cr.manual_seed(1)
    a = arrays(seeded[0])
    cr.manual_seed(2)  # the global seed does not matter when a generator is given
    assert_same_batches(arrays(seeded[1]), a)


def test_len_and_attributes():
    dataset = numbered(10)
    assert len(DataLoader(dataset, batch_size=3)) == 4
    assert len(DataLoader(dataset, batch_size=3, drop_last=True)) == 3
    loader = DataLoader(dataset, batch_size=5, num_workers=4, pin_memory=True)
    assert loader.dataset is dataset and loader.num_workers == 4 and len(list(loader)) == 2
    assert isinstance(loader.sampler, SequentialSampler) and isinstance(loader.batch_sampler, BatchSampler)
    assert isinstance(DataLoader(dataset, shuffle=True).sampler, RandomSampler)


def test_errors():
    with pytest.raises(ValueError, match="empty"):
        DataLoader(TensorDataset(cr.zeros(0, 2)))
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(numbered(3), batch_size=bad)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(numbered(3), sampler=SequentialSampler(range(3)), shuffle=True)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(numbered(3), batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(numbered(3), num_workers=-1)


class PlainList(Dataset):
    """A map-style dataset of arbitrary samples (the slow path: one __getitem__ per sample)."""

    def __init__(self, samples):
        self.samples = samples

    def __getitem__(self, i):
        return self.samples[i]

    def __len__(self):
        return len(self.samples)


def test_slow_path_collates_numbers_dicts_and_tuples():
    samples = [{"x": np.full(2, i, np.float32), "y": i, "w": 0.5 * i} for i in range(5)]
    batches = list(DataLoader(PlainList(samples), batch_size=2))
    assert len(batches) == 3
    assert batches[0]["x"].dtype == cr.float32 and batches[0]["x"].shape == (2, 2)
    assert batches[0]["y"].dtype == cr.int64 and batches[0]["y"].tolist() == [0, 1]
    assert batches[2]["w"].dtype == cr.float64 and batches[2]["w"].tolist() == [2.0]
    pairs = list(DataLoader(PlainList([(i, float(i)) for i in range(4)]), batch_size=4))
    assert pairs[0][0].tolist() == [0, 1, 2, 3] and pairs[0][1].dtype == cr.float64


def test_custom_collate_fn_sampler_batch_sampler_and_no_batching():
    dataset = PlainList(list(range(6)))
    assert list(DataLoader(dataset, batch_size=4, collate_fn=list)) == [[0, 1, 2, 3], [4, 5]]
    assert [b.tolist() for b in DataLoader(dataset, batch_size=2, sampler=[5, 3, 1])] == [[5, 3], [1]]
    assert [b.tolist() for b in DataLoader(dataset, batch_sampler=[[0, 5], [2]])] == [[0, 5], [2]]
    unbatched = DataLoader(PlainList([np.ones(2), 3]), batch_size=None)
    first, second = list(unbatched)
    assert isinstance(first, cr.Tensor) and first.dtype == cr.float64 and second == 3
    assert len(unbatched) == 2
    loader = DataLoader(dataset, batch_size=2, sampler=SubsetRandomSampler([0, 2, 4]))
    assert sorted(i for b in loader for i in b.tolist()) == [0, 2, 4]


class Countdown(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n, 0, -1))

    def __len__(self):
        return self.n


def test_iterable_dataset_is_batched_in_stream_order():
    assert [b.tolist() for b in DataLoader(Countdown(5), batch_size=2)] == [[5, 4], [3, 2], [1]]
    assert [b.tolist() for b in DataLoader(Countdown(5), batch_size=2, drop_last=True)] == [[5, 4], [3, 2]]
    assert len(DataLoader(Countdown(5), batch_size=2)) == 3
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Countdown(5), shuffle=True)


def test_fast_path_indexes_each_tensor_once_per_batch(monkeypatch):
    calls = []
    original = cr.Tensor.__getitem__
    monkeypatch.setattr(cr.Tensor, "__getitem__", lambda self, key: calls.append(key) or original(self, key))
    batches = list(DataLoader(numbered(100), batch_size=25, shuffle=True))
    assert len(batches) == 4 and len(calls) == 4 * 2
    assert all(isinstance(key, np.ndarray) and key.shape == (25,) for key in calls)


def slow_twin(loader_kwargs, dataset):
    """The same loader forced onto the per-sample path (any collate_fn other than default_collate)."""
    return DataLoader(dataset, collate_fn=lambda batch: default_collate(batch), **loader_kwargs)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans(),
    split=st.booleans(), seed=st.integers(0, 2**31),
)
def test_fast_path_equals_slow_path(n, batch_size, shuffle, drop_last, split, seed):
    dataset = numbered(n)
    if split and n >= 2:  # Subsets of Subsets of a TensorDataset use the fast path too
        cr.manual_seed(seed)
        part, _ = random_split(dataset, [n // 2 + n % 2, n // 2])
        dataset = Subset(part, list(range(len(part)))[::-1])
    kwargs = dict(batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    if drop_last and len(dataset) < batch_size:
        assert len(DataLoader(dataset, **kwargs)) == 0
    cr.manual_seed(seed)
    fast = arrays(DataLoader(dataset, **kwargs))
    cr.manual_seed(seed)
    slow = arrays(slow_twin(kwargs, dataset))
    assert_same_batches(fast, slow)


def test_fast_path_keeps_the_graph():
    x = cr.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=2)))
    (xb * xb).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 2.0], [4.0, 6.0], [0.0, 0.0]])


def test_subclass_with_its_own_getitem_is_not_cut_from_the_tensors():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2, y

    (xb, yb), = list(DataLoader(Doubled(cr.ones(3, 1), cr.arange(3)), batch_size=3))
    assert xb.tolist() == [[2.0], [2.0], [2.0]]
