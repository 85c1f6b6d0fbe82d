"""Flatten and Unflatten: shapes, values and gradients against torch, reprs, argument errors."""
import pytest
import torch
import torch.nn as tnn
from nn_testing import assert_close, assert_grads_close, pair, rng

import chainrule as cr
import chainrule.nn as nn


def test_flatten_module():
    x = cr.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    nn.Flatten()(x).sum().backward()
    assert x.grad.shape == (2, 3, 4, 5)


@pytest.mark.parametrize("dim,sizes", [(1, (2, 3)), (-1, [5, 1]), (0, (2, 1)), (1, (-1, 3)), (2, (5,)), (-2, (3, -1))])
def test_unflatten_matches_torch(dim, sizes):
    x, tx = pair(rng(1).normal(size=(2, 6, 5)))
    layer, tlayer = nn.Unflatten(dim, sizes), tnn.Unflatten(dim, sizes)
    y, ty = layer(x), tlayer(tx)
    assert_close(y, ty)
    gy = rng(2).normal(size=tuple(ty.shape))
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x], [tx])
    assert repr(layer) == repr(tlayer)


def test_unflatten_keeps_float32_and_refuses_bad_sizes():
    x = cr.randn(4, 6, requires_grad=True)
    y = nn.Unflatten(1, (2, 3))(x)
    assert y.dtype == cr.float32 and y.shape == (4, 2, 3)
    y.sum().backward()
    assert x.grad.dtype == cr.float32
    for bad in [5, (2.0, 3)]:
        with pytest.raises(TypeError) as ours:
            nn.Unflatten(1, bad)
        with pytest.raises(TypeError) as theirs:
            tnn.Unflatten(1, bad)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="multiply up"):
        nn.Unflatten(1, (4, 2))(x)
    with pytest.raises(ValueError, match="one size"):
        nn.Unflatten(1, (-1, -1))(x)
    with pytest.raises(IndexError):
        nn.Unflatten(2, (2, 3))(x)
