"""PixelShuffle, PixelUnshuffle and ChannelShuffle layers against torch's: reprs, values, gradients."""
import torch
from nn_testing import assert_close, pair, rng

import chainrule as cr
import chainrule.nn as nn


def test_shuffle_layers_match_torch():
    for ours, theirs, shape in [(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (2, 8, 2, 3)),
                                (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), (2, 2, 4, 6)),
                                (nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3), (2, 6, 2, 1))]:
        assert repr(ours) == repr(theirs)
        x, tx = pair(rng(1).normal(size=shape))
        y, ty = ours(x), theirs(tx)
        assert_close(y, ty)
        gy = rng(2).normal(size=ty.shape)
        y.backward(cr.tensor(gy))
        ty.backward(torch.tensor(gy))
        assert_close(x.grad, tx.grad)
    assert nn.modules.pixelshuffle.PixelShuffle is nn.PixelShuffle
    assert nn.modules.channelshuffle.ChannelShuffle is nn.ChannelShuffle
