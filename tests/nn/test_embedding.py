"""The Embedding layer against PyTorch: lookups and gradients, zero sizes, initialisation, reprs, state dicts,
from_pretrained, float32."""
import numpy as np
import pytest
import torch
from nn_testing import assert_close, assert_grads_close, index_pair, rng

import chainrule as cr
from chainrule import nn


@pytest.mark.parametrize("num, dim, indices", [(6, 3, np.zeros((0, 4), np.int64)),
                                               (6, 0, np.array([[0, 5], [3, 3]])),
                                               (0, 3, np.zeros(0, np.int64))])
def test_embedding_layer_with_zero_sizes_matches_torch(num, dim, indices):
    ours, theirs = nn.Embedding(num, dim).double(), torch.nn.Embedding(num, dim).double()
    ours.load_state_dict(theirs.state_dict())
    i, ti = index_pair(indices)
    y, ty = ours(i), theirs(ti)
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_grads_close([ours.weight], [theirs.weight])


def test_embedding_layer_init_repr_and_state_dict():
    cr.manual_seed(0)
    layer = nn.Embedding(1000, 50, padding_idx=-3)
    assert layer.padding_idx == 997
    weight = layer.weight.detach().numpy()
    assert np.array_equal(weight[997], np.zeros(50))
    assert abs(weight.mean()) < 0.01 and abs(weight.std() - 1) < 0.01  # N(0, 1)
    assert weight.dtype == np.float32
    cr.manual_seed(0)
    assert np.array_equal(nn.Embedding(1000, 50, padding_idx=-3).weight.detach().numpy(), weight)
    for kwargs in ({}, dict(padding_idx=2, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True, sparse=True)):
        ours, theirs = nn.Embedding(10, 4, **kwargs), torch.nn.Embedding(10, 4, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]


def test_embedding_layer_matches_torch():
    ours, theirs = nn.Embedding(6, 3, padding_idx=0).double(), torch.nn.Embedding(6, 3, padding_idx=0).double()
    ours.load_state_dict(theirs.state_dict())
    i, ti = index_pair([[0, 1, 5], [5, 5, 2]])
    y, ty = ours(i), theirs(ti)
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_grads_close([ours.weight], [theirs.weight])
    assert np.array_equal(ours.weight.grad.numpy()[0], np.zeros(3))


def test_from_pretrained_shares_and_freezes():
    table = cr.tensor(rng(3).normal(size=(5, 2)))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.weight.shape == (5, 2)
    assert np.array_equal(frozen(cr.tensor([4, 0])).numpy(), table.numpy()[[4, 0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_float32_stays_float32():
    layer = nn.Embedding(5, 3, scale_grad_by_freq=True)
    y = layer(cr.tensor([1, 1, 4]))
    y.sum().backward()
    assert y.dtype == layer.weight.grad.dtype == cr.float32


def test_the_layer_has_torchs_repr_state_dict_and_outputs():
    ours, theirs = cr.nn.EmbeddingBag(10, 3, mode="max", padding_idx=0), torch.nn.EmbeddingBag(10, 3, mode="max",
                                                                                                padding_idx=0)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight[0].abs().sum().item() == 0  # the padding row starts at zero, as in torch
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    inputs = np.array([[1, 0, 3], [4, 5, 0]])
    np.testing.assert_allclose(ours(cr.tensor(inputs)).detach().numpy(), theirs(torch.tensor(inputs)).detach().numpy(),
                               rtol=1e-6)
    pretrained = cr.nn.EmbeddingBag.from_pretrained(cr.tensor(np.random.default_rng(0).normal(size=(10, 3))), mode="sum")
    assert not pretrained.weight.requires_grad
