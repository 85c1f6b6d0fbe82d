"""The Upsample / UpsamplingNearest2d / UpsamplingBilinear2d layers against PyTorch: attributes, reprs,
values and gradients, no parameters or buffers."""
import pytest
import torch
from nn_testing import run_both
from torch_parity import random_array

import chainrule as cr
from chainrule import nn

LAYERS = [
    ("Upsample", dict(scale_factor=2)),
    ("Upsample", dict(size=(5, 7), mode="bilinear")),
    ("Upsample", dict(scale_factor=(1.5, 2), mode="bilinear", align_corners=True)),
    ("Upsample", dict(scale_factor=0.6, mode="nearest-exact", recompute_scale_factor=True)),
    ("UpsamplingNearest2d", dict(size=6)),
    ("UpsamplingBilinear2d", dict(scale_factor=2)),
]


@pytest.mark.parametrize("name, kwargs", LAYERS)
def test_upsampling_layers_match_torch(name, kwargs):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    for attr in ("name", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert not list(ours.parameters()) and not ours.state_dict()
    run_both(ours, theirs, [random_array((2, 3, 4, 5))])


def test_upsample_other_ranks_match_torch():
    run_both(nn.Upsample(scale_factor=3, mode="linear"), torch.nn.Upsample(scale_factor=3, mode="linear"),
             [random_array((2, 3, 4))])
    run_both(nn.Upsample(size=(3, 2, 5)), torch.nn.Upsample(size=(3, 2, 5)), [random_array((1, 2, 2, 3, 4))])


def test_upsample_errors_as_torch():
    x = random_array((1, 1, 4, 4))
    with pytest.raises(ValueError, match="align_corners"):
        nn.Upsample(scale_factor=2, align_corners=True)(cr.tensor(x))
    with pytest.raises(ValueError, match="align_corners"):
        torch.nn.Upsample(scale_factor=2, align_corners=True)(torch.tensor(x))
