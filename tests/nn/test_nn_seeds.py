"""The seed notebooks' examples, with chainrule.nn: their printed numbers are the expected values."""
import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F


class Square(nn.Module):
    def forward(self, x):
        return x**2


def one_sgd_step(weights, biases, activation, lr=0.01):
    """seed 0: a fully-connected net with the given weights, one SGD step on MSELoss for input [1, 1], target [2, 3]."""
    layers = []
    for w, b in zip(weights, biases):
        layer = nn.Linear(len(w[0]), len(w)).double()
        layer.load_state_dict({"weight": np.array(w, dtype=float), "bias": np.array(b, dtype=float)})
        layers += [layer] + ([activation()] if activation else [])
    model = nn.Sequential(*layers)
    loss = nn.MSELoss()(model(cr.tensor([1.0, 1.0], dtype=cr.float64)), cr.tensor([2.0, 3.0], dtype=cr.float64))
    loss.backward()
    with cr.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [[round(float(v), 4) for v in m.weight.detach().numpy().ravel()] for m in linears], \
           [[round(float(v), 4) for v in m.bias.detach().numpy()] for m in linears]


def test_seed0_identity_activation():
    weights, biases = one_sgd_step([[[1, -2], [2, 4], [-3, 1]], [[1, 2, -3], [2, -1, 3]]], [[1, 2, 3], [2, 1]], None)
    assert weights == [[1.01, -1.99, 1.67, 3.67, -2.4, 1.6], [1.0, 0.96, -3.13, 2.0, -0.44, 3.07]]
    assert biases == [[1.01, 1.67, 3.6], [1.87, 1.07]]


def test_seed0_square_activation_module():
    weights, biases = one_sgd_step([[[1, -2], [1, 1]], [[1, -1], [2, -1]]], [[0, 0], [0, 0]], Square)
    assert weights == [[0.0, -3.0, -0.84, -0.84], [1.42, 0.68, 2.04, -0.84]]
    assert biases == [[-1.0, -1.84], [0.42, 0.04]]


def test_seed1_linear_softmax_cross_entropy_learns_the_six_images():
    images = np.array([[[56, 231], [24, 1]], [[120, 30], [24, 0]], [[20, 31], [240, 100]],
                       [[56, 201], [22, -10]], [[140, 27], [30, 10]], [[25, 30], [230, 110]]], dtype=float)
    labels = cr.tensor([0, 1, 2, 0, 1, 2])
    cr.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3, bias=False)).double()
    x = cr.tensor(images)
    for _ in range(100):
        logits = model(x)
        loss = F.cross_entropy(logits, labels)
        model.zero_grad()
        loss.backward()
        # the fused gradient is (softmax - one_hot) / N: the weight gradient is its product with the inputs
        p = F.softmax(logits, 1).detach().numpy()
        expected = (p - np.eye(3)[labels.numpy()]).T @ images.reshape(6, 4) / 6
        np.testing.assert_allclose(model[1].weight.grad.numpy(), expected, rtol=1e-9, atol=1e-12)
        with cr.no_grad():
            model[1].weight -= 0.0001 * 6 * model[1].weight.grad  # the notebook sums over the six images
    assert F.cross_entropy(model(x), labels).item() < 0.05
    assert (model(x).argmax(1).numpy() == labels.numpy()).all()


def test_seed3_saturated_softmax_gradients_of_1e_minus_19():
    # logits W1 relu(W0 I) = [-33, 11], label [0, 1]: p(wrong class) = e^-44, so d loss / d logits = [p, -p]
    I = np.array([4.0, 1.0])
    W0 = cr.tensor([[1.0, -2.0], [2.0, 5.0]], dtype=cr.float64, requires_grad=True)
    W1 = cr.tensor([[3.0, -3.0], [-1.0, 1.0]], dtype=cr.float64, requires_grad=True)
    hidden = cr.relu(cr.matmul(W0, cr.tensor(I)))
    logits = cr.matmul(W1, hidden)
    assert logits.tolist() == [-33.0, 11.0]
    F.cross_entropy(logits, cr.tensor([0.0, 1.0], dtype=cr.float64)).backward()
    p = np.exp(-44.0) / (1 + np.exp(-44.0))
    dlogits = np.array([p, -p])
    np.testing.assert_allclose(W1.grad.numpy(), np.outer(dlogits, hidden.detach().numpy()), rtol=1e-14, atol=0)
    dhidden = (W1.detach().numpy().T @ dlogits) * (hidden.detach().numpy() > 0)
    np.testing.assert_allclose(W0.grad.numpy(), np.outer(dhidden, I), rtol=1e-14, atol=0)
    # the notebook printed float32 gradients of a loss averaged over a stray axis of 2 (half the true ones)
    np.testing.assert_allclose(W1.grad.numpy(), 2 * np.array([[7.7811e-20, 5.0577e-19], [-7.7811e-20, -5.0577e-19]]), rtol=1e-4)
    np.testing.assert_allclose(W0.grad.numpy(), 2 * np.array([[6.2249e-19, 1.5562e-19], [-6.2249e-19, -1.5562e-19]]), rtol=1e-4)
    # torch's F.cross_entropy in float64 agrees on the wrong-class row (its fused kernel rounds the other to 0)
    tW1 = torch.tensor(W1.detach().numpy(), requires_grad=True)
    tlogits = tW1 @ torch.relu(torch.tensor(W0.detach().numpy()) @ torch.tensor(I))
    torch.nn.functional.cross_entropy(tlogits, torch.tensor([0.0, 1.0], dtype=torch.float64)).backward()
    np.testing.assert_allclose(W1.grad.numpy()[0], tW1.grad.numpy()[0], rtol=1e-9, atol=0)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_seed3_in_both_dtypes_keeps_the_tiny_gradient(dtype):
    z = cr.tensor([[-33.0, 11.0]], dtype=dtype, requires_grad=True)
    F.cross_entropy(z, cr.tensor([1])).backward()
    assert z.grad.dtype == dtype
    assert z.grad.numpy()[0, 0] == pytest.approx(np.exp(-44.0), rel=1e-5)
