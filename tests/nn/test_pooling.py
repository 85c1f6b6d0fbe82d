"""The MaxPool2d / AvgPool2d / AdaptiveAvgPool2d layers against PyTorch: reprs, values, indices and gradients,
errors naming the layer, float32."""
import numpy as np
import pytest
import torch
from nn_testing import rng, run_both_with_indices

import chainrule as cr
from chainrule import nn


INPUTS = {
    "random": rng(0).normal(size=(2, 3, 7, 9)),
    "ties": rng(1).integers(0, 3, size=(3, 2, 6, 6)).astype(np.float64),  # equal maxima: the first wins
    "one": rng(2).normal(size=(1, 1, 5, 8)),
}


def test_pools_float32_stays_float32():
    x = cr.randn(2, 3, 6, 6, requires_grad=True)
    for pool in (nn.MaxPool2d(2), nn.AvgPool2d(3, 1, 1), nn.AdaptiveAvgPool2d((4, 5))):
        y = pool(x)
        y.sum().backward()
        assert y.dtype == x.grad.dtype == cr.float32


LAYERS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool2d", ((2, 3),), dict(stride=1, ceil_mode=True, divisor_override=5)),
    ("AdaptiveAvgPool2d", ((3, None),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS)
def test_layers_match_torch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    run_both_with_indices(ours, theirs, INPUTS["random"])


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(2)])
def test_pool_layer_input_errors_name_the_layer(layer):
    with pytest.raises(ValueError, match=rf"{type(layer).__name__}\(.*\(4, 4\)"):
        layer(cr.randn(4, 4))


def test_max_pool_layer_return_indices():
    run_both_with_indices(nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True), INPUTS["random"])


def test_more_pooling_modules_match_torch_reprs_values_indices_and_gradients():
    x = rng(12).normal(size=(2, 3, 6, 7))
    cases = [
        ("MaxPool1d", (3,), dict(stride=2, padding=1, return_indices=True), x[:, :, 0]),
        ("MaxPool1d", (2,), {}, x[0, :, 0]),
        ("AvgPool1d", (3,), dict(stride=1, padding=1, count_include_pad=False), x[:, :, 0]),
        ("AdaptiveAvgPool1d", (4,), {}, x[:, :, 0]),
        ("AdaptiveMaxPool1d", (4,), dict(return_indices=True), x[:, :, 0]),
        ("AdaptiveMaxPool2d", ((4, None),), dict(return_indices=True), x),
        ("AdaptiveMaxPool2d", (3,), {}, x[0]),
        ("LPPool2d", (2, (2, 3)), dict(stride=2), np.abs(x)),
        ("LPPool1d", (3, 2), dict(ceil_mode=True), np.abs(x[:, :, 0])),
        ("MaxPool2d", (2,), dict(return_indices=True), x),
    ]
    for name, args, options, values in cases:
        ours, theirs = getattr(nn, name)(*args, **options), getattr(torch.nn, name)(*args, **options)
        assert repr(ours) == repr(theirs)
        run_both_with_indices(ours, theirs, values)


def test_max_unpool_modules_match_torch():
    x = rng(13).normal(size=(2, 3, 6, 5))
    for dims, values in ((2, x), (1, x[:, :, 0])):
        pool, tpool = getattr(nn, f"MaxPool{dims}d")(2, return_indices=True), getattr(torch.nn, f"MaxPool{dims}d")(2, return_indices=True)
        ours, theirs = getattr(nn, f"MaxUnpool{dims}d")(2), getattr(torch.nn, f"MaxUnpool{dims}d")(2)
        assert repr(ours) == repr(theirs)
        size = values.shape[-dims:]
        run_both_with_indices(lambda t: ours(*pool(t), output_size=size), lambda t: theirs(*tpool(t), output_size=size),
                              values)
