"""gelu and logsigmoid (chainrule.ops.activation): finite differences and argument checks."""
import pytest
from nn_testing import rng

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F


def test_gradcheck_of_gelu_and_logsigmoid():
    x = cr.tensor(rng(4).normal(size=(5,)) * 3)
    assert cr.autograd.gradcheck(lambda t: F.gelu(t), [x])
    assert cr.autograd.gradcheck(lambda t: F.gelu(t, approximate="tanh"), [x])
    assert cr.autograd.gradcheck(F.logsigmoid, [x])


def test_gelu_refuses_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(cr.randn(2), approximate="fast")
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
