"""compare(): numerical differences, the delta rule and chainrule's autograd agree, on cr.nn models."""
import numpy as np
import pytest
import torch

from manual_testing import data, small_model

import chainrule as cr
from chainrule import nn
from chainrule.manual import Network, compare
from chainrule.manual.compare import PAIRS


class Square(nn.Module):
    def forward(self, x):
        return x ** 2


def torch_gradients(model, x, target, loss):
    """The same model's gradients from torch autograd: the independent reference."""
    torch_layers = []
    for module in model:
        if isinstance(module, nn.Linear):
            linear = torch.nn.Linear(module.in_features, module.out_features).double()
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(module.weight.detach().numpy()))
                linear.bias.copy_(torch.tensor(module.bias.detach().numpy()))
            torch_layers.append(linear)
        else:
            torch_layers.append({nn.ReLU: torch.nn.ReLU(), nn.Sigmoid: torch.nn.Sigmoid(), nn.Tanh: torch.nn.Tanh(),
                                 nn.Identity: torch.nn.Identity()}[type(module)])
    torch_model = torch.nn.Sequential(*torch_layers)
    out = torch_model(torch.tensor(x, dtype=torch.float64))
    t = torch.tensor(target)
    value = {"mse": torch.nn.functional.mse_loss, "half_mse": lambda o, t: 0.5 * torch.nn.functional.mse_loss(o, t),
             "cross_entropy": torch.nn.functional.cross_entropy}[loss](out, t)
    value.backward()
    return value.item(), {name: p.grad.numpy() for name, p in torch_model.named_parameters()}


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Identity])
@pytest.mark.parametrize("loss", ["mse", "half_mse", "cross_entropy"])
def test_three_ways_agree_and_match_torch(activation, loss):
    model = small_model(activation())
    x, target = data(loss)
    result = compare(model, x, target, loss=loss)
    assert [row.name for row in result.rows] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert result.max_discrepancy() < 1e-6
    assert result.max_discrepancy("delta_vs_autodiff") < 1e-12
    torch_loss, torch_grads = torch_gradients(model, x, target, loss)
    assert result.losses["delta"] == pytest.approx(torch_loss, rel=1e-12)
    assert result.losses["autodiff"] == pytest.approx(torch_loss, rel=1e-12)
    for name, ways in result.gradients.items():
        for way in ("delta", "autodiff"):
            np.testing.assert_allclose(ways[way], torch_grads[name], rtol=1e-10, atol=1e-14, err_msg=f"{name} {way}")
        np.testing.assert_allclose(ways["numerical"], torch_grads[name], rtol=1e-6, atol=1e-8, err_msg=name)


def test_a_custom_square_module_with_an_activation_mapping():
    model = small_model(Square(), last=nn.Sigmoid())
    x, target = data("mse")
    with pytest.raises(TypeError, match="activations="):
        compare(model, x, target)
    result = compare(model, x, target, activations={Square: "square"})
    assert result.max_discrepancy() < 1e-6


def test_the_cost_column_counts_the_loss_evaluations(monkeypatch):
    calls = []
    original = Network.loss_value
    monkeypatch.setattr(Network, "loss_value", lambda self, x, t: calls.append(1) or original(self, x, t))
    model = small_model(nn.Tanh())
    result = compare(model, *data("mse"))
    numels = {name: p.numel() for name, p in model.named_parameters()}
    assert [row.loss_evaluations for row in result.rows] == [2 * numels[row.name] for row in result.rows]
    assert result.loss_evaluations == len(calls) == 2 * (3 * 4 + 4 + 4 * 3 + 3)
    assert f"{len(calls)} loss evaluations" in str(result)


def test_the_model_is_left_as_it_was():
    model = small_model(nn.ReLU(), dtype=cr.float32)
    weight = model[0].weight
    array, values = weight._data, weight.detach().numpy().copy()
    model[2].bias.grad = cr.ones(3)
    result = compare(model, *data("mse"))
    assert model[0].weight is weight and weight._data is array and weight.dtype == cr.float32
    np.testing.assert_array_equal(weight.detach().numpy(), values)
    assert model[0].weight.grad is None
    np.testing.assert_array_equal(model[2].bias.grad.numpy(), np.ones(3, dtype=np.float32))
    assert result.max_discrepancy() < 1e-6  # float32 parameters, compared in float64


def test_tensors_and_a_single_example():
    model = small_model(nn.Sigmoid())
    result = compare(model, cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64), cr.tensor(2), loss="cross_entropy")
    assert result.max_discrepancy() < 1e-6
    batched = compare(model, [[0.5, -1.0, 2.0]], [2], loss="cross_entropy")
    for name in result.gradients:
        np.testing.assert_array_equal(result.gradients[name]["delta"], batched.gradients[name]["delta"])


def test_the_table_prints_aligned_and_the_accessors_work():
    result = compare(small_model(nn.Tanh()), *data("mse"))
    lines = str(result).splitlines()
    table = lines[:5]
    assert len({len(line) for line in table}) == 1
    assert table[0].startswith("parameter") and table[1].startswith("0.weight") and "4x3" in table[1]
    assert "loss (mse)" in lines[5] and "cost: numerical 62 loss evaluations" in lines[6]
    row = result.rows[0]
    assert row.numerical_vs_delta_rel == pytest.approx(
        np.abs(result.gradients["0.weight"]["numerical"] - result.gradients["0.weight"]["delta"]).max()
        / np.abs(result.gradients["0.weight"]["delta"]).max(), rel=1e-6)
    assert result.max_discrepancy(kind="abs") == max(getattr(r, f"{p}_abs") for r in result.rows for p in PAIRS)
    assert "max relative difference" in repr(result)
    with pytest.raises(ValueError, match="pair must be"):
        result.max_discrepancy("numerical_vs_nothing")
    with pytest.raises(ValueError, match="loss must be one of"):
        compare(small_model(nn.Tanh()), *data("mse"), loss="hinge")
