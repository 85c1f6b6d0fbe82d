"""The padding layers (nn/padding.py) against torch's: reprs, values and gradients in float64, float32 kept."""
import numpy as np
import pytest
import torch
from nn_testing import rng, run_both

import chainrule as cr
import chainrule.nn as nn

CASES = [("ZeroPad1d", (2,)), ("ZeroPad2d", ((1, 2, 0, 3),)), ("ConstantPad1d", ((1, 2), 3.5)),
         ("ConstantPad2d", (1, -1.0)), ("ReflectionPad1d", (2,)), ("ReflectionPad2d", ((1, 2, 2, 0),)),
         ("ReplicationPad1d", ((3, 1),)), ("ReplicationPad2d", (2,)), ("CircularPad1d", (1,)),
         ("CircularPad2d", ((1, 0, 2, 1),))]


@pytest.mark.parametrize("name, args", CASES)
def test_padding_layers_match_torch(name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    for shape in ((2, 3, 4, 5), (3, 4, 5)) if name.endswith("2d") else ((2, 3, 5), (3, 5)):
        run_both(ours, theirs, [rng(1).normal(size=shape)])
    x32 = cr.tensor(np.ones(shape, np.float32))
    assert ours(x32).dtype == cr.float32


def test_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.ReflectionPad2d(1)(cr.ones(2, 3))
    with pytest.raises(ValueError, match="padding"):
        nn.ZeroPad2d((1, 2))
