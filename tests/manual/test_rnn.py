"""ManualRNN: BPTT by hand equals torch's autograd through nn.RNN / nn.RNNCell on the same weights, and the
gradient per step vanishes for a contractive W_hh."""
import numpy as np
import pytest
import torch

from chainrule.manual import ManualRNN
from chainrule.manual.numerical import numerical_gradients

T, N, I, H, O = 6, 3, 4, 5, 2


def data(loss, outputs, seed=0, steps=T):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(steps, N, I))
    shape = (N,) if outputs == "last" else (steps, N)
    if loss == "cross_entropy":
        return xs, rng.integers(0, O, size=shape)
    return xs, rng.normal(size=shape + (O,))


def torch_twin(rnn):
    """torch's nn.RNN + nn.Linear holding rnn's weights (b_h goes to bias_ih, bias_hh is zero)."""
    p = {name: torch.tensor(value) for name, value in rnn.named_parameters()}
    cell = torch.nn.RNN(I, H, nonlinearity="tanh").double()
    head = torch.nn.Linear(H, O).double()
    with torch.no_grad():
        cell.weight_ih_l0.copy_(p["W_xh"]), cell.weight_hh_l0.copy_(p["W_hh"])
        cell.bias_ih_l0.copy_(p["b_h"]), cell.bias_hh_l0.zero_()
        head.weight.copy_(p["W_hy"]), head.bias.copy_(p["b_y"])
    return cell, head


def torch_loss(loss, output, targets):
    output = output.reshape(-1, O)
    if loss == "cross_entropy":
        return torch.nn.functional.cross_entropy(output, torch.tensor(targets).reshape(-1))
    value = torch.nn.functional.mse_loss(output, torch.tensor(targets).reshape(-1, O))
    return 0.5 * value if loss == "half_mse" else value


@pytest.mark.parametrize("outputs", ["last", "every"])
@pytest.mark.parametrize("loss", ["mse", "half_mse", "cross_entropy"])
def test_bptt_matches_torch_nn_rnn(loss, outputs):
    rnn = ManualRNN(I, H, O, seed=1, loss=loss, outputs=outputs)
    xs, targets = data(loss, outputs)
    ours, our_loss = rnn.forward(xs, targets)
    rnn.backward()
    cell, head = torch_twin(rnn)
    hidden, h_T = cell(torch.tensor(xs))
    output = head(hidden if outputs == "every" else h_T[0])
    value = torch_loss(loss, output, targets)
    value.backward()
    np.testing.assert_allclose(ours, output.detach().numpy(), rtol=1e-13, atol=1e-15)
    assert our_loss == pytest.approx(value.item(), rel=1e-13)
    expected = {"W_xh": cell.weight_ih_l0.grad, "W_hh": cell.weight_hh_l0.grad, "b_h": cell.bias_ih_l0.grad,
                "W_hy": head.weight.grad, "b_y": head.bias.grad}
    for name, grad in rnn.named_gradients():
        np.testing.assert_allclose(grad, expected[name].numpy(), rtol=1e-11, atol=1e-14, err_msg=name)
    np.testing.assert_allclose(rnn.grads["b_h"], cell.bias_hh_l0.grad.numpy(), rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("outputs", ["last", "every"])
def test_bptt_matches_numerical_differences(outputs):
    rnn = ManualRNN(I, H, O, seed=2, loss="mse", outputs=outputs)
    xs, targets = data("mse", outputs, seed=3)
    rnn.forward(xs, targets)
    rnn.backward()
    for (name, numerical), (_, by_hand) in zip(numerical_gradients(rnn, xs, targets), rnn.named_gradients()):
        np.testing.assert_allclose(by_hand, numerical, rtol=1e-6, atol=1e-9, err_msg=name)


def torch_hidden_gradients(rnn, xs, targets, loss, h0):
    """dL/dh_t for t = 0..T from torch, unrolled with nn.RNNCell and retain_grad on every h_t."""
    cell, head = torch_twin(rnn)
    step = torch.nn.RNNCell(I, H).double()
    step.load_state_dict({name.removesuffix("_l0"): value for name, value in cell.state_dict().items()})
    hs = [torch.tensor(h0, requires_grad=True)]
    for x in torch.tensor(xs):
        hs.append(step(x, hs[-1]))
        hs[-1].retain_grad()
    torch_loss(loss, head(hs[-1]), targets).backward()
    return [h.grad.numpy() for h in hs]


def test_hidden_state_gradients_and_deltas_match_torch():
    rnn = ManualRNN(I, H, O, seed=4, loss="cross_entropy")
    xs, targets = data("cross_entropy", "last", seed=5)
    h0 = np.random.default_rng(6).normal(size=(N, H)) * 0.1
    rnn.forward(xs, targets, h0=h0)
    rnn.backward()
    expected = torch_hidden_gradients(rnn, xs, targets, "cross_entropy", h0)
    assert len(rnn.dL_dh) == T + 1 and len(rnn.deltas) == T
    for t in range(T + 1):
        np.testing.assert_allclose(rnn.dL_dh[t], expected[t], rtol=1e-11, atol=1e-15, err_msg=f"t={t}")
    for t in range(1, T + 1):  # delta_t = dL/dh_t * tanh'(z_t)
        np.testing.assert_allclose(rnn.deltas[t - 1], expected[t] * (1 - rnn.hs[t] ** 2), rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(rnn.gradient_norms(), [np.linalg.norm(g) for g in expected[1:]], rtol=1e-11)


def test_the_gradient_vanishes_for_a_contractive_recurrent_matrix():
    steps, rho = 30, 0.5
    rnn = ManualRNN(I, H, O, seed=0, loss="mse", recurrent_scale=rho)
    assert np.linalg.norm(rnn.params["W_hh"], 2) == pytest.approx(rho, rel=1e-12)
    xs, targets = data("mse", "last", seed=7, steps=steps)
    rnn.forward(xs, targets)
    rnn.backward()
    norms = rnn.gradient_norms()
    # dL/dh_(t-1) = (dL/dh_t * tanh') @ W_hh, |tanh'| <= 1: each step back shrinks the norm by rho at least
    assert np.all(norms[:-1] <= rho * norms[1:] * (1 + 1e-12))
    assert norms[0] / norms[-1] < rho ** (steps - 1)
    torch_norms = [np.linalg.norm(g) for g in torch_hidden_gradients(rnn, xs, targets, "mse", np.zeros((N, H)))[1:]]
    np.testing.assert_allclose(norms, torch_norms, rtol=1e-10)
    table = rnn.gradient_norm_table().splitlines()
    assert len(table) == steps + 1 and "||dL/dh_t||" in table[0]
    assert table[1].split()[:2] == ["1", f"{norms[0]:.4e}"] and table[-1].split()[-1] == f"{1:.4e}"


def test_from_weights_copies_and_checks_shapes():
    rnn = ManualRNN(I, H, O, seed=8)
    twin = ManualRNN.from_weights(**rnn.params)
    twin.params["W_hh"][0, 0] += 1
    assert rnn.params["W_hh"][0, 0] != twin.params["W_hh"][0, 0]
    weights = dict(rnn.params, b_h=np.zeros(H + 1))
    with pytest.raises(ValueError, match=r"b_h must have shape \(5,\)"):
        ManualRNN.from_weights(**weights)
    with pytest.raises(ValueError, match="outputs must be"):
        ManualRNN(I, H, O, outputs="all")
    with pytest.raises(RuntimeError, match="forward"):
        ManualRNN(I, H, O).backward(np.zeros((1, O)))
    with pytest.raises(ValueError, match=r"\(T, N, 4\)"):
        rnn.forward(np.zeros((T, N, I + 1)))


def test_torch_initialisation_range_and_a_single_sequence():
    rnn = ManualRNN(I, H, O, seed=9)
    bound = 1 / np.sqrt(H)  # nn.RNN's and nn.Linear(H, O)'s init bound
    torch_rnn = torch.nn.RNN(I, H)
    assert all(np.abs(value).max() <= bound for value in rnn.params.values())
    assert all(np.abs(p.detach().numpy()).max() <= bound for p in torch_rnn.parameters())
    xs = np.random.default_rng(10).normal(size=(T, I))
    np.testing.assert_array_equal(rnn.forward(xs), rnn.forward(xs[:, None, :]))
