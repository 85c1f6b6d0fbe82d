"""The Conv1d / Conv2d layers against PyTorch: reprs, state dicts, padding modes, values and every gradient,
attributes, initialisation, zero-size dims, errors naming the layer, float32."""
import math

import numpy as np
import pytest
import torch
from nn_testing import assert_close, assert_grads_close, pair, rng

import chainrule as cr
from chainrule import nn


def test_conv_float32_stays_float32():
    x = cr.randn(2, 3, 6, 6, requires_grad=True)
    conv = nn.Conv2d(3, 4, 3, padding=1)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == conv.weight.grad.dtype == conv.bias.grad.dtype == cr.float32
    y1 = nn.Conv1d(3, 2, 2)(cr.randn(2, 3, 5))
    assert y1.dtype == cr.float32


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # both warn, alike
@pytest.mark.parametrize("in_channels, x_shape", [(2, (0, 2, 6, 5)), (0, (2, 0, 6, 5))])
def test_conv_layers_with_zero_sizes_match_torch(in_channels, x_shape):
    ours = nn.Conv2d(in_channels, 3, 3, padding=1).double()
    theirs = torch.nn.Conv2d(in_channels, 3, 3, padding=1).double()
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(rng(13).normal(size=x_shape))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


LAYERS = [
    ("Conv2d", (1, 32, 3, 1), {}),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding=1, dilation=(2, 1), groups=2, bias=False)),
    ("Conv2d", (3, 4, 3), dict(padding="same", padding_mode="reflect")),
    ("Conv2d", (3, 4, 2), dict(padding=(1, 2), padding_mode="circular")),
    ("Conv2d", (3, 4, 3), dict(padding=1, padding_mode="replicate", stride=(1, 2))),
    ("Conv2d", (2, 2, 4), dict(padding="same", dilation=2)),
    ("Conv1d", (3, 6, 3), dict(padding="same", padding_mode="reflect", groups=3)),
    ("Conv1d", (3, 2, 2), dict(stride=2, padding=1)),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS)
def test_layers_match_torch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs).double(), getattr(torch.nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    size = (2, args[0], 9, 8) if name == "Conv2d" else (2, args[0], 11)
    x, tx = pair(rng(2).normal(size=size))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    gy = rng(3).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


def test_conv2d_attributes_and_shapes_as_torch():
    ours, theirs = nn.Conv2d(4, 6, (3, 2), stride=2, groups=2), torch.nn.Conv2d(4, 6, (3, 2), stride=2, groups=2)
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "padding_mode", "output_padding", "transposed", "_reversed_padding_repeated_twice"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
    assert len(list(nn.Conv2d(1, 2, 3, bias=False).parameters())) == 1


def test_conv_default_init_bounds_and_seed():
    cr.manual_seed(0)
    conv = nn.Conv2d(8, 64, 3, groups=2)
    fan_in = 8 // 2 * 9
    bound = 1 / math.sqrt(fan_in)
    weight = conv.weight.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(conv.bias.detach().numpy()).max() <= bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.05 * bound  # U(-b, b) has std b / sqrt(3)
    cr.manual_seed(0)
    assert np.array_equal(nn.Conv2d(8, 64, 3, groups=2).weight.detach().numpy(), weight)


def test_conv_layer_input_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Conv2d\(1, 32.*\(64, 3, 28, 28\)"):
        nn.Conv2d(1, 32, 3, 1)(cr.randn(64, 3, 28, 28))
    with pytest.raises(ValueError, match=r"Conv1d.*\(2, 3\)"):
        nn.Conv1d(3, 2, 2)(cr.randn(2, 3))


@pytest.mark.parametrize("kwargs, message", [
    (dict(groups=0), "groups"), (dict(groups=2), "in_channels"), (dict(padding_mode="mirror"), "padding_mode"),
    (dict(padding="same", stride=2), "strided"), (dict(padding="middle"), "padding string"),
])
def test_conv_layer_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(3, 4, 3, **kwargs)


# ---- ConvTranspose1d / ConvTranspose2d -----------------------------------------------------------
TRANSPOSED = [
    ("ConvTranspose2d", (3, 4, 3), {}),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=2, padding=1, output_padding=1, groups=2, bias=False)),
    ("ConvTranspose2d", (2, 3, 2), dict(stride=(1, 2), dilation=2, output_padding=(1, 0))),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, padding=1)),
    ("ConvTranspose1d", (4, 4, 2), dict(groups=4, dilation=3)),
]


@pytest.mark.parametrize("name, args, kwargs", TRANSPOSED)
def test_conv_transpose_layers_match_torch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs).double(), getattr(torch.nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "padding_mode", "output_padding", "transposed", "_reversed_padding_repeated_twice"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.weight.shape == tuple(theirs.weight.shape)
    ours.load_state_dict(theirs.state_dict())
    for size in ((2, args[0], 5, 4) if name == "ConvTranspose2d" else (2, args[0], 6), None):
        size = size or (args[0], *([5, 4] if name == "ConvTranspose2d" else [6]))  # then unbatched
        x, tx = pair(rng(2).normal(size=size))
        y, ty = ours(x), theirs(tx)
        assert_close(y, ty)
        gy = rng(3).normal(size=ty.shape)
        y.backward(cr.tensor(gy))
        ty.backward(torch.tensor(gy))
        assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])
        ours.zero_grad()
        theirs.zero_grad()


@pytest.mark.parametrize("output_size", [(9, 10), [10, 9], (2, 3, 10, 10)])
def test_conv_transpose2d_output_size_matches_torch(output_size):
    ours, theirs = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1).double(), torch.nn.ConvTranspose2d(
        3, 2, 3, stride=2, padding=1).double()
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(rng(4).normal(size=(2, 3, 5, 5)))
    y, ty = ours(x, output_size), theirs(tx, output_size)
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


@pytest.mark.parametrize("output_size", [(8, 10), (11, 9), (9,), (1, 9, 9)])
def test_conv_transpose2d_bad_output_size_errors_as_torch(output_size):
    ours, theirs = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    with pytest.raises(ValueError) as error:
        theirs(torch.zeros(2, 3, 5, 5), output_size)
    with pytest.raises(ValueError, match=str(error.value)[:28]):
        ours(cr.zeros(2, 3, 5, 5), output_size)


def test_conv_transpose_default_init_uses_the_transposed_fan_in():
    cr.manual_seed(0)
    conv = nn.ConvTranspose2d(64, 8, 3, groups=2)
    bound = 1 / math.sqrt(8 // 2 * 9)  # fan_in = weight.shape[1] * kh * kw, as PyTorch computes it
    weight = conv.weight.detach().numpy()
    assert weight.shape == (64, 4, 3, 3)
    assert np.abs(weight).max() <= bound and np.abs(conv.bias.detach().numpy()).max() <= bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.05 * bound
    y = nn.ConvTranspose1d(3, 2, 2)(cr.randn(2, 3, 5))
    assert y.dtype == cr.float32


@pytest.mark.parametrize("kwargs, message", [
    (dict(padding_mode="reflect"), '"zeros" padding mode'), (dict(groups=2), "in_channels"),
    (dict(padding="same"), "padding"),
])
def test_conv_transpose_layer_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.ConvTranspose2d(3, 4, 3, **kwargs)


def test_conv_transpose_layer_input_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(3, 4.*\(2, 5, 6, 6\)"):
        nn.ConvTranspose2d(3, 4, 3)(cr.randn(2, 5, 6, 6))
