"""PixelShuffle, PixelUnshuffle and ChannelShuffle layers against torch's: reprs, values, gradients."""
import torch
from nn_testing import rng, run_both

import chainrule.nn as nn


def test_shuffle_layers_match_torch():
    for ours, theirs, shape in [(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (2, 8, 2, 3)),
                                (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), (2, 2, 4, 6)),
                                (nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3), (2, 6, 2, 1))]:
        assert repr(ours) == repr(theirs)
        run_both(ours, theirs, [rng(1).normal(size=shape)])
    assert nn.modules.pixelshuffle.PixelShuffle is nn.PixelShuffle
    assert nn.modules.channelshuffle.ChannelShuffle is nn.ChannelShuffle
