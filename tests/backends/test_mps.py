"""cr.backends.mps: neither available nor built, as torch on a machine without Metal."""
import torch

import chainrule as cr


def test_mps_is_neither_available_nor_built():
    assert cr.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert cr.backends.mps.is_built() is False
