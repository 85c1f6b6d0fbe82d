"""chainrule.nn.functional against torch: activations, softmax's implicit dim and dtype, inplace, dropout, one_hot."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_testing import assert_close, assert_grads_close, pair, rng

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

VALUES = [-1000.0, -40.0, -8.0, -3.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 3.0, 8.0, 40.0, 1000.0]

ACTIVATIONS = [
    ("relu", lambda f, x: f.relu(x)),
    ("sigmoid", lambda f, x: f.sigmoid(x)),
    ("tanh", lambda f, x: f.tanh(x)),
    ("leaky_relu", lambda f, x: f.leaky_relu(x)),
    ("leaky_relu_0.2", lambda f, x: f.leaky_relu(x, 0.2)),
    ("gelu", lambda f, x: f.gelu(x)),
    ("gelu_tanh", lambda f, x: f.gelu(x, approximate="tanh")),
    ("logsigmoid", lambda f, x: f.logsigmoid(x)),
]


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_values_and_gradients(name, fn):
    x, tx = pair(VALUES)
    y, ty = fn(F, x), fn(TF, tx)
    assert_close(y, ty, atol=1e-15)
    gy = rng(0).uniform(0.5, 1.5, size=len(VALUES))
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x], [tx], atol=1e-15)


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_second_derivatives(name, fn):
    x, tx = pair([-3.0, -0.5, 0.3, 2.0])
    (gx,) = cr.autograd.grad(fn(F, x).sum(), [x], create_graph=True)
    (tgx,) = torch.autograd.grad(fn(TF, tx).sum(), [tx], create_graph=True)
    assert_close(gx, tgx)
    tgx.sum().backward()
    if gx.requires_grad:
        gx.sum().backward()
        assert_grads_close([x], [tx], atol=1e-15)
    else:  # piecewise-linear (relu, leaky_relu): chainrule's gradient is a constant, torch's second derivative 0
        assert (tx.grad.numpy() == 0).all()


@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_keeps_float32(name, fn):
    x = cr.randn(3, 4, requires_grad=True)
    y = fn(F, x)
    y.sum().backward()
    assert y.dtype == cr.float32 and x.grad.dtype == cr.float32
    np.testing.assert_allclose(y.detach().numpy(), fn(TF, torch.tensor(x.detach().numpy())).numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_implicit_dim_warns_and_picks_torchs_dim():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x, tx = pair(rng(3).normal(size=shape), requires_grad=False)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            y = F.softmax(x)
        with pytest.warns(UserWarning):
            ty = TF.softmax(tx)
        assert_close(y, ty)


def test_softmax_dtype_argument():
    x = cr.randn(2, 3)
    assert F.softmax(x, 1, dtype=cr.float64).dtype == cr.float64
    assert F.log_softmax(x, 1).dtype == cr.float32


def test_relu_inplace_outside_the_graph_writes_the_input():
    x = cr.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x
    assert x.tolist() == [0.0, 2.0]
    leaf = cr.tensor([-1.0, 2.0], requires_grad=True)
    y = nn.ReLU(inplace=True)(leaf * 1)  # inside the graph: a new tensor, gradients still flow
    y.sum().backward()
    assert leaf.grad.tolist() == [0.0, 1.0]


# ---- dropout --------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics(p):
    cr.manual_seed(0)
    x = cr.ones(200, 500, dtype=cr.float64)
    y = F.dropout(x, p).numpy()
    dropped = (y == 0).mean()
    assert abs(dropped - p) < 4 * np.sqrt(p * (1 - p) / y.size)  # within 4 standard errors
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-15)  # survivors scaled: the mean is kept
    assert abs(y.mean() - 1) < 0.02


def test_dropout_gradient_is_the_same_mask():
    cr.manual_seed(1)
    x = cr.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    mask = (y.detach().numpy() != 0)
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.7, rtol=1e-6)
    assert y.dtype == cr.float32 and x.grad.dtype == cr.float32


def test_dropout_edge_probabilities_and_eval():
    x = cr.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)


# ---- one_hot --------------------------------------------------------------------------------------
def test_one_hot_matches_torch():
    labels = np.array([[0, 2], [1, 3]])
    for num_classes in [-1, 5]:
        ours = F.one_hot(cr.tensor(labels), num_classes)
        theirs = TF.one_hot(torch.tensor(labels), num_classes)
        assert ours.dtype == cr.int64
        assert (ours.numpy() == theirs.numpy()).all() and ours.shape == tuple(theirs.shape)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="num_classes"):
        F.one_hot(cr.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(cr.tensor([0, -1]), 3)
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(cr.tensor([0.0, 1.0]), 3)
