"""The Flatten layer: shapes and gradients."""
import chainrule as cr
import chainrule.nn as nn


def test_flatten_module():
    x = cr.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    nn.Flatten()(x).sum().backward()
    assert x.grad.shape == (2, 3, 4, 5)
