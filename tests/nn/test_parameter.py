"""Parameter: a leaf that requires grad, sharing the tensor's memory, floating point only."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn


def test_parameter():
    t = cr.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, cr.Tensor) and p.requires_grad and p.is_leaf
    assert p._data is t._data  # shares the tensor's memory, like torch
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    assert type(p * 2) is cr.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(cr.tensor([1, 2]))
