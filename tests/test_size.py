"""Size (torch.Size): a tuple of ints with PyTorch's repr, slicing and numel(); Tensor.size() returns one."""
import pickle

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("sizes", [[2, 3], [], [4], [0, 5], [1, 1, 1]], ids=repr)
def test_size_behaves_like_torch_size(sizes):
    mine, theirs = cr.Size(sizes), torch.Size(sizes)
    assert repr(mine) == repr(theirs).replace("torch", "chainrule") == str(mine)
    assert mine == tuple(theirs) and hash(mine) == hash(theirs) and isinstance(mine, tuple)
    assert mine.numel() == theirs.numel()
    for result, expected in ((mine[1:], theirs[1:]), (mine + (7,), theirs + (7,)), ((7,) + mine, (7,) + theirs),
                             (mine * 2, theirs * 2)):
        assert type(result) is cr.Size and tuple(result) == tuple(expected) and isinstance(expected, torch.Size)
    assert pickle.loads(pickle.dumps(mine)) == mine and type(pickle.loads(pickle.dumps(mine))) is cr.Size


def test_tensor_size_is_a_size_and_shape_equals_it():
    x = cr.zeros(2, 3)
    assert type(x.size()) is cr.Size and x.size() == (2, 3) == x.shape
    assert repr(x.size()) == "chainrule.Size([2, 3])" and x.size().numel() == x.numel() == torch.zeros(2, 3).numel()
    assert x.size(1) == 3 and x.size(-2) == 2 and x.size()[0] == 2
    assert cr.zeros(()).size() == () and cr.zeros(()).size().numel() == 1
    assert cr.zeros(x.size()).shape == (2, 3)


def test_size_takes_ints_only():
    with pytest.raises(TypeError):
        torch.Size([2.5])
    with pytest.raises(TypeError, match="Size"):
        cr.Size([2.5])
    assert cr.Size([cr.tensor(3)]) == torch.Size([torch.tensor(3)]) == (3,)
