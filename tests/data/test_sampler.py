"""The samplers (SequentialSampler, RandomSampler, BatchSampler) against torch's."""
import pytest
import torch.utils.data as tud

from chainrule.data import BatchSampler, RandomSampler, SequentialSampler


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
