"""The samplers (SequentialSampler, RandomSampler, BatchSampler, DistributedSampler) against torch's."""
import pytest
import torch
import torch.utils.data as tud

import chainrule as cr
from chainrule.data import BatchSampler, DistributedSampler, RandomSampler, SequentialSampler


def test_samplers_match_torch_lengths_and_batches():
    assert list(BatchSampler(SequentialSampler(range(7)), 3, False)) == \
        list(tud.BatchSampler(tud.SequentialSampler(range(7)), 3, False))
    assert len(BatchSampler(range(7), 3, True)) == len(tud.BatchSampler(range(7), 3, True)) == 2
    draws = list(RandomSampler(range(4), replacement=True, num_samples=9))
    assert len(draws) == 9 and set(draws) <= set(range(4))
    many = list(RandomSampler(range(4), num_samples=10))
    assert sorted(many[:4]) == sorted(many[4:8]) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        RandomSampler(range(0))


SHARDINGS = [(n, replicas, drop_last) for n in (0, 1, 2, 7, 10, 12) for replicas in (1, 2, 3, 5)
             for drop_last in (False, True)]


@pytest.mark.parametrize("n, replicas, drop_last", SHARDINGS)
def test_distributed_sampler_shards_as_torchs(n, replicas, drop_last):
    """Unshuffled, and shuffled with torch given our permutation: the same shards, lengths and total size."""
    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = tud.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (2, 5, False), (12, 4, False)])
def test_distributed_sampler_shuffled_like_torch_given_the_same_permutation(n, replicas, drop_last, monkeypatch):
    whole = DistributedSampler(range(n), num_replicas=1, rank=0, seed=5)
    whole.set_epoch(2)
    permutation = list(whole)  # one replica: the permutation itself
    assert sorted(permutation) == list(range(n))
    monkeypatch.setattr(torch, "randperm", lambda count, generator=None: torch.tensor(permutation))
    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=5, drop_last=drop_last)
        theirs = tud.DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=5, drop_last=drop_last)
        ours.set_epoch(2)
        theirs.set_epoch(2)
        assert list(ours) == list(theirs)


def test_distributed_sampler_shuffles_per_epoch_and_partitions():
    shards = [DistributedSampler(range(12), num_replicas=3, rank=rank, seed=7) for rank in range(3)]
    first = [list(s) for s in shards]
    assert sorted(sum(first, [])) == list(range(12))  # a partition of the dataset
    assert first == [list(s) for s in shards]  # the same epoch: the same order
    for s in shards:
        s.set_epoch(1)
    second = [list(s) for s in shards]
    assert second != first and sorted(sum(second, [])) == list(range(12))
    again = DistributedSampler(range(12), num_replicas=3, rank=0, seed=7)
    again.set_epoch(1)
    assert list(again) == second[0]  # seed + epoch alone decide: every process draws the same permutation
    batches = list(cr.data.DataLoader(cr.data.TensorDataset(cr.arange(12)), batch_size=2, sampler=shards[0]))
    assert [b[0].tolist() for b in batches] == [second[0][:2], second[0][2:]]


def test_distributed_sampler_errors_as_torchs():
    for rank in (3, -1):
        with pytest.raises(ValueError) as theirs:
            tud.DistributedSampler(range(4), num_replicas=3, rank=rank)
        with pytest.raises(ValueError) as ours:
            DistributedSampler(range(4), num_replicas=3, rank=rank)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))
