"""Dataset, TensorDataset, Subset, ConcatDataset and random_split, checked against torch.utils.data."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule as cr
from chainrule.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split


def test_tensor_dataset_samples_are_rows_of_every_tensor():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6) % 3
    ours = TensorDataset(cr.tensor(x), cr.tensor(y))
    theirs = tud.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ours) == len(theirs) == 6
    for i in (0, 3, -1):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert a.dtype == np.dtype(str(b.dtype).removeprefix("torch."))
    rows = ours[[1, 4]]
    np.testing.assert_array_equal(rows[0].numpy(), x[[1, 4]])


def test_tensor_dataset_rejects_mismatched_and_non_tensors():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        TensorDataset(cr.zeros(3, 2), cr.zeros(4))
    with pytest.raises(TypeError, match="chainrule.tensor"):
        TensorDataset(np.zeros(3))
    with pytest.raises(ValueError):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(cr.tensor(1.0))


def test_subset_and_concat_index_like_torch():
    data = list(range(10, 20))
    ours, theirs = Subset(data, [3, 1, 4]), tud.Subset(data, [3, 1, 4])
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)] == [13, 11, 14]
    assert ours.__getitems__([0, 2]) == theirs.__getitems__([0, 2])

    class Squares(Dataset):
        def __init__(self, n):
            self.n = n

        def __getitem__(self, i):
            if not 0 <= i < self.n:
                raise IndexError(i)
            return i * i

        def __len__(self):
            return self.n

    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert [both[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert both[-1] == 1
    with pytest.raises(IndexError):
        both[5]
    with pytest.raises(ValueError):
        both[-6]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33]])
def test_random_split_sizes_match_torch_and_cover_everything(lengths):
    ours = random_split(range(10), lengths)
    theirs = tud.random_split(range(10), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    picked = sorted(i for subset in ours for i in (subset[j] for j in range(len(subset))))
    assert picked == list(range(10))


def test_random_split_is_reproducible_with_manual_seed_and_generator():
    cr.manual_seed(5)
    first = [s.indices for s in random_split(range(50), [0.8, 0.2])]
    cr.manual_seed(5)
    again = [s.indices for s in random_split(range(50), [0.8, 0.2])]
    assert first == again
    g1, g2 = cr.Generator().manual_seed(7), cr.Generator().manual_seed(7)
    assert [s.indices for s in random_split(range(50), [10, 40], generator=g1)] == \
        [s.indices for s in random_split(range(50), [10, 40], generator=g2)]
    cr.manual_seed(6)
    assert [s.indices for s in random_split(range(50), [0.8, 0.2])] != first


def test_random_split_errors():
    with pytest.raises(ValueError, match="sum of input lengths"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(range(2), [1.0, 0.0])
