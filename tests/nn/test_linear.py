"""The Linear layer: shapes, dtype, PyTorch's default initialisation (reproducible), zero features."""
import numpy as np
import pytest
import torch
from nn_testing import assert_close, pair, rng

import chainrule as cr
import chainrule.nn as nn


def test_linear_shapes_and_default_init_bounds():
    cr.manual_seed(0)
    layer = nn.Linear(16, 300)
    assert layer.weight.shape == (300, 16) and layer.bias.shape == (300,)
    assert layer.weight.dtype == cr.float32
    bound = 1 / np.sqrt(16)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound  # the whole interval is used
    assert abs(layer.weight.detach().numpy().std() - bound / np.sqrt(3)) < 0.01  # std of U(-b, b) = b / sqrt(3)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=cr.float64).weight.dtype == cr.float64


def test_linear_init_is_reproducible_with_manual_seed():
    cr.manual_seed(7)
    a = nn.Linear(3, 2)
    cr.manual_seed(7)
    b = nn.Linear(3, 2)
    c = nn.Linear(3, 2)
    assert (a.weight.detach().numpy() == b.weight.detach().numpy()).all()
    assert (a.bias.detach().numpy() == b.bias.detach().numpy()).all()
    assert not (b.weight.detach().numpy() == c.weight.detach().numpy()).all()


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # both warn, alike
@pytest.mark.parametrize("in_features, out_features", [(0, 3), (3, 0), (0, 0)])
def test_linear_layer_with_zero_features_is_made_like_torch(in_features, out_features):
    """Shapes, the bias bound 1/sqrt(0) taken as 0 (all zeros, as torch), and forward on an empty batch."""
    ours, theirs = nn.Linear(in_features, out_features).double(), torch.nn.Linear(in_features, out_features).double()
    shapes = [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [(n, p.shape) for n, p in ours.named_parameters()] == shapes
    assert_close(ours.bias, theirs.bias)  # zeros when in_features = 0, empty when out_features = 0
    assert repr(ours) == repr(theirs)
    for batch in (0, 2):
        x, tx = pair(rng(7).normal(size=(batch, in_features)))
        assert_close(ours(x), theirs(tx))
