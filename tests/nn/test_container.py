"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: indexing, growth, deletion, names, reprs."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
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


# ---- ModuleDict, ParameterList, ParameterDict ------------------------------------------------------
def torch_module_like(module):
    """A torch module with the same structure names, for comparing state-dict keys."""
    return {name: tuple(value.shape) for name, value in module.state_dict().items()}


def test_module_dict_api_and_state_dict_match_torch():
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    theirs = tnn.ModuleDict({"enc": tnn.Linear(2, 3), "act": tnn.ReLU()})
    ours["dec"], theirs["dec"] = nn.Linear(3, 1), tnn.Linear(3, 1)
    ours.update([("norm", nn.LayerNorm(3))])
    theirs.update([("norm", tnn.LayerNorm(3))])
    assert list(ours) == list(theirs) == ["enc", "act", "dec", "norm"]  # insertion order
    assert list(ours.keys()) == list(theirs.keys())
    assert [type(m).__name__ for m in ours.values()] == [type(m).__name__ for m in theirs.values()]
    assert [k for k, _ in ours.items()] == list(theirs)
    assert len(ours) == 4 and "dec" in ours and "nope" not in ours
    assert torch_module_like(ours) == torch_module_like(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    copy = nn.ModuleDict(ours)
    assert list(copy) == list(ours) and copy["enc"] is ours["enc"]
    assert isinstance(ours.pop("act"), nn.ReLU) and "act" not in ours
    ours["enc"] = nn.Linear(2, 5)  # replacing keeps the position
    assert list(ours) == ["enc", "dec", "norm"] and ours["enc"].out_features == 5
    del ours["dec"]
    assert list(ours) == ["enc", "norm"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []
    with pytest.raises(NotImplementedError):
        nn.ModuleDict()(cr.zeros(1))


def test_module_dict_load_torch_state_dict_and_errors():
    theirs = tnn.ModuleDict({"b": tnn.Linear(2, 2), "a": tnn.Linear(2, 1)}).double()
    ours = nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.Linear(2, 1)}).double()
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).normal(size=(3, 2))
    np.testing.assert_allclose(ours["a"](ours["b"](cr.tensor(x))).detach().numpy(),
                               theirs["a"](theirs["b"](torch.tensor(x))).detach().numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match="iterable"):
        nn.ModuleDict(5)
    with pytest.raises(ValueError, match="length 3"):
        nn.ModuleDict([("a", nn.ReLU(), 1)])
    with pytest.raises(TypeError):
        nn.ModuleDict({"a": 3})


def test_parameter_list_matches_torch():
    values = [np.ones((2, 3)), np.zeros(4)]
    ours = nn.ParameterList([nn.Parameter(cr.tensor(v)) for v in values])
    theirs = tnn.ParameterList([tnn.Parameter(torch.tensor(v)) for v in values])
    ours.append(cr.tensor([1.0, 2.0], dtype=cr.float64))  # a plain tensor becomes a Parameter
    theirs.append(torch.tensor([1.0, 2.0], dtype=torch.float64))
    ours.extend([nn.Parameter(cr.zeros(1, dtype=cr.float64))])
    theirs.extend([tnn.Parameter(torch.zeros(1, dtype=torch.float64))])
    assert len(ours) == len(theirs) == 4
    assert isinstance(ours[2], nn.Parameter) and ours[2].requires_grad
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2", "3"]
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    assert ours[-1] is ours[3] and ours[1:3][0] is ours[1] and len(ours[::2]) == 2
    assert repr(ours) == repr(theirs).replace("torch.", "chainrule.")
    ours[0] = cr.ones(5, dtype=cr.float64)
    assert isinstance(ours[0], nn.Parameter) and ours[0].shape == (5,)
    with pytest.raises(IndexError, match="out of range"):
        ours[4]
    with pytest.raises(TypeError, match="iterable"):
        ours.extend(cr.ones(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        ours(cr.ones(1))


def test_parameter_list_in_a_model_trains_like_torch():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([nn.Parameter(cr.tensor([1.0, -2.0], dtype=cr.float64)) for _ in range(2)])

        def forward(self, x):
            for w in self.weights:
                x = x * w
            return x.sum()

    model = Model()
    assert [n for n, _ in model.named_parameters()] == ["weights.0", "weights.1"]
    model(cr.tensor([3.0, 4.0], dtype=cr.float64)).backward()
    tw = [torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True) for _ in range(2)]
    (torch.tensor([3.0, 4.0], dtype=torch.float64) * tw[0] * tw[1]).sum().backward()
    for ours, theirs in zip(model.weights, tw):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_parameter_dict_matches_torch():
    ours = nn.ParameterDict({"b": cr.ones(2, dtype=cr.float64), "a": nn.Parameter(cr.zeros(3))})
    theirs = tnn.ParameterDict({"b": torch.ones(2, dtype=torch.float64), "a": tnn.Parameter(torch.zeros(3))})
    assert list(ours) == list(theirs) == ["a", "b"]  # a plain dict is added in sorted key order, as in torch
    ours.update([("z", cr.ones(1)), ("c", cr.ones(1))])
    theirs.update([("z", torch.ones(1)), ("c", torch.ones(1))])
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "b", "z", "c"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours["b"], nn.Parameter) and ours["b"].dtype == cr.float64
    typenames = {"torch.DoubleTensor": "chainrule.float64", "torch.FloatTensor": "chainrule.float32"}
    expected = repr(theirs)
    for old, new in typenames.items():
        expected = expected.replace(old, new)
    assert repr(ours) == expected
    assert ours.get("nope", 7) == 7 and "z" in ours
    assert ours.setdefault("c") is ours["c"]
    key, value = ours.popitem()
    assert key == "c" and value.shape == (1,)
    assert isinstance(ours.pop("z"), nn.Parameter) and list(ours) == ["a", "b"]
    merged = ours | nn.ParameterDict(OrderedDict([("y", cr.ones(1))]))
    assert list(merged) == ["a", "b", "y"] and merged["a"] is ours["a"]
    assert list(reversed(ours)) == ["b", "a"]
    del ours["a"]
    assert list(ours.state_dict()) == ["b"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []
    with pytest.raises(TypeError, match="not a string"):
        ours[1] = cr.ones(1)
    with pytest.raises(RuntimeError, match="should not be called"):
        ours(cr.ones(1))
