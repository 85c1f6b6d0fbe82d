"""The Dropout layer: reproducible with manual_seed."""
import chainrule as cr
import chainrule.nn as nn


def test_dropout_is_reproducible_with_manual_seed():
    layer = nn.Dropout(0.5)
    x = cr.ones(10, 10)
    cr.manual_seed(42)
    first = layer(x).numpy().copy()
    cr.manual_seed(42)
    second = layer(x).numpy()
    third = layer(x).numpy()
    assert (first == second).all()
    assert not (second == third).all()
