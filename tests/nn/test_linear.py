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


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch_with_copied_weights(bias):
    theirs = torch.nn.Bilinear(3, 2, 4, bias=bias).double()
    ours = nn.Bilinear(3, 2, 4, bias=bias, dtype=cr.float64)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape)
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    (a, ta), (b, tb) = pair(rng(1).normal(size=(5, 3))), pair(rng(2).normal(size=(5, 2)))
    y, ty = ours(a, b), theirs(ta, tb)
    assert_close(y, ty)
    gy = rng(3).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    for mine, other in [(a, ta), (b, tb)] + list(zip(ours.parameters(), theirs.parameters())):
        assert_close(mine.grad, other.grad)


def test_bilinear_init_bounds_and_float32():
    layer = nn.Bilinear(4, 9, 300)
    bound = 1 / np.sqrt(4)
    for p in (layer.weight, layer.bias):
        assert p.dtype == cr.float32
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound and values.max() > 0.9 * bound
    y = layer(cr.ones(2, 4), cr.ones(2, 9))
    assert y.dtype == cr.float32 and y.shape == (2, 300)
    with pytest.raises(ValueError, match="bilinear"):
        layer(cr.ones(2, 3), cr.ones(2, 9))


LAYERS_WITH_DEVICE = {  # name -> a layer built with device=..., and an input for it
    "Linear": (lambda d: cr.nn.Linear(2, 3, device=d), (4, 2)),
    "Conv2d": (lambda d: cr.nn.Conv2d(1, 2, 3, device=d), (1, 1, 5, 5)),
    "ConvTranspose1d": (lambda d: cr.nn.ConvTranspose1d(2, 3, 3, device=d), (1, 2, 4)),
    "LSTM": (lambda d: cr.nn.LSTM(2, 3, num_layers=2, device=d), (5, 1, 2)),
    "GRUCell": (lambda d: cr.nn.GRUCell(2, 3, device=d), (4, 2)),
    "PReLU": (lambda d: cr.nn.PReLU(device=d), (4, 2)),
    "BatchNorm1d": (lambda d: cr.nn.BatchNorm1d(2, device=d), (4, 2)),
    "LayerNorm": (lambda d: cr.nn.LayerNorm(2, device=d), (4, 2)),
    "TransformerEncoderLayer": (lambda d: cr.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, device=d), (3, 2, 4)),
}


@pytest.mark.parametrize("name", LAYERS_WITH_DEVICE)
def test_a_layer_built_with_device_is_the_cpu_layer_moved_there(name):
    """As in PyTorch, device= puts every parameter and buffer on that device; chainrule initialises on the CPU
    and moves, so the same seed gives the same numbers on any device."""
    make, shape = LAYERS_WITH_DEVICE[name]
    cr.manual_seed(0)
    on_cpu = make("cpu")
    cr.manual_seed(0)
    there = make("array_api_strict")
    for (key, ours), (_, theirs) in zip(there.state_dict().items(), on_cpu.state_dict().items()):
        assert ours.device == cr.device("array_api_strict"), key
        np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    y, y_cpu = there(cr.tensor(x, device="array_api_strict")), on_cpu(cr.tensor(x, device="cpu"))
    y, y_cpu = (y[0], y_cpu[0]) if isinstance(y, tuple) else (y, y_cpu)
    np.testing.assert_allclose(y.detach().cpu().numpy(), y_cpu.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert cr.nn.Linear(2, 3, device="cpu").weight.device == cr.device("cpu")
