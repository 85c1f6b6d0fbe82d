"""Activations, softmax, dropout and one_hot of chainrule.nn.functional against torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_testing import assert_close, assert_grads_close, pair, rng
from torch_parity import check_torch, random_array

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


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax(dim, name):
    x, tx = pair(rng(1).normal(size=(3, 4)) * 10)
    y, ty = getattr(F, name)(x, dim), getattr(TF, name)(tx, dim)
    assert_close(y, ty)
    gy = rng(2).normal(size=(3, 4))
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x], [tx])


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


# ---- activation modules ---------------------------------------------------------------------------
def test_activation_modules_equal_functions_and_print_like_torch():
    import torch.nn as tnn

    x = cr.tensor(rng(5).normal(size=(3, 4)))
    tx = torch.tensor(x.numpy())
    pairs = [(nn.ReLU(), tnn.ReLU()), (nn.Sigmoid(), tnn.Sigmoid()), (nn.Tanh(), tnn.Tanh()),
             (nn.Softmax(dim=1), tnn.Softmax(dim=1)), (nn.LogSoftmax(dim=0), tnn.LogSoftmax(dim=0)),
             (nn.LeakyReLU(0.1), tnn.LeakyReLU(0.1)), (nn.GELU(), tnn.GELU()), (nn.GELU("tanh"), tnn.GELU("tanh")),
             (nn.Identity(), tnn.Identity()), (nn.Flatten(0), tnn.Flatten(0)), (nn.Dropout(0.3), tnn.Dropout(0.3))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        ours.eval()
        theirs.eval()
        assert_close(ours(x), theirs(tx))


def test_flatten_module():
    x = cr.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    nn.Flatten()(x).sum().backward()
    assert x.grad.shape == (2, 3, 4, 5)


# ---- empty batches (N = 0) and empty feature dims ----------------------------------------------------
EMPTY_INPUT_CASES = [  # (name, fn(lib, x), input shape)
    ("relu", lambda lib, x: lib.nn.functional.relu(x), (0, 3)),
    ("tanh", lambda lib, x: lib.nn.functional.tanh(x), (0, 3)),
    ("sigmoid", lambda lib, x: lib.nn.functional.sigmoid(x), (0, 3)),
    ("gelu", lambda lib, x: lib.nn.functional.gelu(x), (0, 3)),
    ("gelu_tanh", lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), (0, 3)),
    ("ReLU, no features", lambda lib, x: lib.nn.ReLU()(x), (4, 0)),
    ("Tanh", lambda lib, x: lib.nn.Tanh()(x), (0, 2, 3)),
    ("Sigmoid", lambda lib, x: lib.nn.Sigmoid()(x), (0, 2, 3)),
    ("GELU", lambda lib, x: lib.nn.GELU()(x), (2, 0)),
    ("dropout", lambda lib, x: lib.nn.functional.dropout(x, 0.5, training=True), (0, 3)),
    ("dropout p=1", lambda lib, x: lib.nn.functional.dropout(x, 1.0, training=True), (0, 3)),
    ("Dropout", lambda lib, x: lib.nn.Dropout(0.3)(x), (0, 2, 3)),
    ("Dropout, eval", lambda lib, x: lib.nn.Dropout(0.3).eval()(x), (0, 2, 3)),
    ("Flatten", lambda lib, x: lib.nn.Flatten()(x), (0, 2, 3)),
    ("Flatten, all dims", lambda lib, x: lib.nn.Flatten(0)(x), (0, 2, 3)),
    ("Flatten, no channels", lambda lib, x: lib.nn.Flatten()(x), (2, 0, 3)),
    ("Flatten, middle dims", lambda lib, x: lib.nn.Flatten(1, 2)(x), (0, 0, 3, 2)),
]


@pytest.mark.parametrize("name, fn, shape", EMPTY_INPUT_CASES, ids=[case[0] for case in EMPTY_INPUT_CASES])
def test_layers_of_empty_inputs_match_torch(name, fn, shape):
    check_torch(fn, random_array(shape))


def small_cnn(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Conv2d(2, 4, 3, padding=1), nn_.BatchNorm2d(4), nn_.ReLU(), nn_.MaxPool2d(2),
                          nn_.Flatten(), nn_.Linear(4 * 3 * 3, 5), nn_.Dropout(0.2), nn_.GELU(), nn_.Linear(5, 3))


def small_mlp(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Linear(4, 6), nn_.Tanh(), nn_.LayerNorm(6), nn_.Linear(6, 6), nn_.Sigmoid(),
                          nn_.Linear(6, 3))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("make, shape", [(small_cnn, (0, 2, 6, 6)), (small_mlp, (0, 4)), (small_mlp, (2, 0, 4))])
def test_models_on_empty_batches_match_torch(make, shape, training):
    """A whole model and its loss on an empty batch: empty outputs, a nan mean loss, and zero gradients for
    every parameter, as torch's; in train mode BatchNorm's running statistics stay as they were."""
    ours, theirs = make(cr).double().train(training), make(torch).double().train(training)
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(random_array(shape))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    if y.ndim == 3:  # (2, 0, 3) logits: the classes to dim 1 for cross_entropy
        y, ty = y.permute(0, 2, 1), ty.permute(0, 2, 1)
    labels = np.zeros(ty.shape[:1] + ty.shape[2:], np.int64)
    loss = F.cross_entropy(y, cr.tensor(labels))
    tloss = TF.cross_entropy(ty, torch.tensor(labels))
    assert_close(loss, tloss)  # nan
    loss.backward()
    tloss.backward()
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)
