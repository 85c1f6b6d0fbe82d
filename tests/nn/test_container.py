"""Sequential and ModuleList: indexing, slicing, growth, deletion, names, reprs."""
from collections import OrderedDict

import numpy as np
import pytest
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn


def test_sequential_indexing_and_growth():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b)
    assert model.append(c) is model
    assert len(model) == 3 and list(model) == [a, b, c]
    assert model[0] is a and model[-1] is c and model[-3] is a
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    assert list(model[::-1]) == [c, b, a]
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    x = cr.randn(4, 2)
    np.testing.assert_allclose(model(x).detach().numpy(), c(b(a(x))).detach().numpy())
    del model[1]
    assert list(model) == [a, c] and list(model._modules) == ["0", "1"]


def test_sequential_from_ordered_dict():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    tmodel = tnn.Sequential(OrderedDict([("fc", tnn.Linear(2, 3)), ("act", tnn.ReLU())]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert repr(model) == repr(tmodel)
    assert model.fc is model[0]


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 2)).extend([nn.ReLU(), nn.Linear(2, 1)])
    assert len(layers) == 4 and isinstance(layers[-1], nn.Linear) and isinstance(layers[2], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh) and len(layers) == 5
    with pytest.raises(IndexError):
        layers[5]
    with pytest.raises(NotImplementedError):
        layers(cr.zeros(2))
