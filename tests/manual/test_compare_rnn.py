"""compare_rnn(): numerical differences, BPTT by hand and chainrule's autograd agree, and match torch."""
import numpy as np
import pytest
import torch

from chainrule.manual import ManualRNN, compare_rnn
from chainrule.manual.compare_rnn import autograd_gradients


def torch_unrolled(rnn, xs, targets):
    """The same unrolled RNN in torch: (loss, {name: gradient})."""
    p = {name: torch.tensor(value, requires_grad=True) for name, value in rnn.named_parameters()}
    h = torch.zeros(xs.shape[1], p["W_hh"].shape[0], dtype=torch.float64)
    outputs = []
    for x in torch.tensor(xs):
        h = torch.tanh(x @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"])
        outputs.append(h @ p["W_hy"].T + p["b_y"])
    output = torch.cat(outputs) if rnn.outputs == "every" else outputs[-1]
    if rnn.loss_name == "cross_entropy":
        value = torch.nn.functional.cross_entropy(output, torch.tensor(targets).reshape(-1))
    else:
        value = torch.nn.functional.mse_loss(output, torch.tensor(targets).reshape(output.shape))
    value.backward()
    return value.item(), {name: t.grad.numpy() for name, t in p.items()}


@pytest.mark.parametrize("outputs", ["last", "every"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_three_ways_agree_and_match_torch(loss, outputs):
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(5, 2, 3))
    shape = (2,) if outputs == "last" else (5, 2)
    targets = rng.integers(0, 2, size=shape) if loss == "cross_entropy" else rng.normal(size=shape + (2,))
    rnn = ManualRNN(3, 4, 2, seed=1, loss=loss, outputs=outputs)
    result = compare_rnn(rnn, xs, targets)
    assert [row.name for row in result.rows] == ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
    assert result.max_discrepancy() < 1e-6
    assert result.max_discrepancy("delta_vs_autodiff") < 1e-12
    torch_loss, torch_grads = torch_unrolled(rnn, xs, targets)
    assert result.losses["autodiff"] == pytest.approx(torch_loss, rel=1e-12)
    assert result.losses["delta"] == pytest.approx(torch_loss, rel=1e-12)
    for name, ways in result.gradients.items():
        np.testing.assert_allclose(ways["autodiff"], torch_grads[name], rtol=1e-10, atol=1e-14, err_msg=name)
        np.testing.assert_allclose(ways["numerical"], torch_grads[name], rtol=1e-6, atol=1e-8, err_msg=name)
    assert "W_hh" in str(result) and f"{result.losses['delta']:.10g}" in str(result)


def test_autograd_way_on_a_single_sequence_and_bad_losses():
    rnn = ManualRNN(3, 4, 2, seed=2)
    xs, target = np.random.default_rng(1).normal(size=(4, 3)), np.array([[0.5, -0.5]])
    value, grads = autograd_gradients(rnn, xs, target)
    torch_value, torch_grads = torch_unrolled(rnn, xs[:, None, :], target)
    assert value == pytest.approx(torch_value, rel=1e-12)
    np.testing.assert_allclose(grads["W_hh"], torch_grads["W_hh"], rtol=1e-10)
    rnn.loss_name = "custom"
    with pytest.raises(ValueError, match="loss must be one of"):
        compare_rnn(rnn, xs, target)
