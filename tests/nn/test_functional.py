"""chainrule.nn.functional against torch: activations, softmax's implicit dim and dtype, inplace, dropout, one_hot,
normalize, cosine_similarity, kl_div."""
import warnings

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
    ("silu", lambda f, x: f.silu(x)),
    ("elu", lambda f, x: f.elu(x)),
    ("elu_alpha", lambda f, x: f.elu(x, alpha=0.3)),
    ("softplus", lambda f, x: f.softplus(x)),
    ("softplus_beta_threshold", lambda f, x: f.softplus(x, beta=2.0, threshold=5.0)),
    ("softplus_small_beta", lambda f, x: f.softplus(x, beta=0.5, threshold=1.2)),
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


@pytest.mark.parametrize("labels,num_classes", [
    ([0, 3], 3), ([0, -1], 3), ([0, -1], -1), ([], -1), ([], 0), ([], 2), ([0], -2), ([0], 0), ([[1, 0]], 4), (2, -1),
])
def test_one_hot_accepts_and_refuses_what_torch_does(labels, num_classes):
    try:
        theirs = TF.one_hot(torch.tensor(labels, dtype=torch.int64), num_classes)
    except RuntimeError:
        with pytest.raises(ValueError):
            F.one_hot(cr.tensor(labels, dtype=cr.int64), num_classes)
        return
    ours = F.one_hot(cr.tensor(labels, dtype=cr.int64), num_classes)
    assert ours.dtype == cr.int64 and ours.shape == tuple(theirs.shape)
    assert (ours.numpy() == theirs.numpy()).all()


def test_one_hot_wants_int64_like_torch():
    with pytest.raises(RuntimeError):
        TF.one_hot(torch.tensor([0, 1], dtype=torch.int32))
    with pytest.raises(TypeError, match="int64"):
        F.one_hot(cr.tensor([0, 1], dtype=cr.int32))


# ---- silu, elu modules and inplace -----------------------------------------------------------------
def test_silu_elu_inplace_outside_the_graph():
    for fn, tfn in [(F.silu, TF.silu), (F.elu, TF.elu)]:
        x, tx = pair([-2.0, -0.5, 0.0, 1.5], requires_grad=False)
        assert fn(x, inplace=True) is x
        tfn(tx, inplace=True)
        assert_close(x, tx)
    leaf = cr.tensor([-1.0, 2.0], requires_grad=True)
    F.elu(leaf * 1, alpha=2.0, inplace=True).sum().backward()  # inside the graph: a new tensor
    np.testing.assert_allclose(leaf.grad.numpy(), [2.0 * np.exp(-1.0), 1.0], rtol=1e-6)


# ---- normalize, cosine_similarity --------------------------------------------------------------
NORMALIZE_CASES = [
    dict(), dict(p=1.0), dict(p=3.0), dict(p=float("inf")), dict(dim=0), dict(dim=-1, p=2.5), dict(eps=0.5),
]


@pytest.mark.parametrize("options", NORMALIZE_CASES, ids=[str(o) for o in NORMALIZE_CASES])
def test_normalize_matches_torch(options):
    values = rng(4).normal(size=(3, 4, 2))
    values[1, :, 0] = 0.0  # a zero vector along dim 1: stays zero, with a finite gradient
    values[0, :, 1] = [1e-7, -2e-7, 0.0, 1e-7]  # a tiny one, under eps=0.5
    x, tx = pair(values)
    y, ty = F.normalize(x, **options), TF.normalize(tx, **options)
    assert_close(y, ty)
    gy = rng(5).normal(size=values.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x], [tx], atol=1e-9)


COSINE_CASES = [((4, 3), (4, 3), dict()), ((4, 3), (1, 3), dict()), ((2, 1, 5), (3, 5), dict(dim=-1)),
                ((3, 4), (3, 4), dict(dim=0)), ((5, 3), (5, 3), dict(eps=0.7)), ((3,), (3,), dict(dim=0))]


@pytest.mark.parametrize("shape1,shape2,options", COSINE_CASES, ids=[str(c) for c in COSINE_CASES])
def test_cosine_similarity_matches_torch(shape1, shape2, options):
    a = rng(6).normal(size=shape1)
    b = rng(7).normal(size=shape2)
    if options.get("eps"):
        a[0] *= 0.1  # a norm below eps: torch clamps the value, not the gradient
        b[0] *= 0.1
    (x1, tx1), (x2, tx2) = pair(a), pair(b)
    y, ty = F.cosine_similarity(x1, x2, **options), TF.cosine_similarity(tx1, tx2, **options)
    assert_close(y, ty)
    gy = rng(8).normal(size=tuple(ty.shape))
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x1, x2], [tx1, tx2])


def test_cosine_similarity_zero_vector_float32_and_gradcheck():
    x1, tx1 = pair([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    x2, tx2 = pair([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    y, ty = F.cosine_similarity(x1, x2), TF.cosine_similarity(tx1, tx2)
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_grads_close([x1, x2], [tx1, tx2])
    a, b = cr.randn(3, 4, requires_grad=True), cr.randn(3, 4)
    out = F.cosine_similarity(a, b)
    out.sum().backward()
    assert out.dtype == cr.float32 and a.grad.dtype == cr.float32 and F.normalize(a).dtype == cr.float32
    np.testing.assert_allclose(out.detach().numpy(), TF.cosine_similarity(torch.tensor(a.detach().numpy()),
                                                                          torch.tensor(b.numpy())).numpy(), rtol=1e-5)
    c, d = cr.tensor(rng(9).normal(size=(2, 3)), requires_grad=True), cr.tensor(rng(10).normal(size=(2, 3)))
    assert cr.autograd.gradcheck(lambda t: F.cosine_similarity(t, d), [c])
    assert cr.autograd.gradcheck(lambda t: F.normalize(t, p=3.0), [c])
    with pytest.raises(TypeError, match="floating point"):
        F.cosine_similarity(cr.tensor([1, 2]), cr.tensor([3, 4]), dim=0)


# ---- kl_div ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    r = rng(12)
    log_probs = np.log(r.dirichlet(np.ones(4), size=3))
    target = r.dirichlet(np.ones(4), size=3)
    target = np.log(target) if log_target else target
    (x, tx), (t, tt) = pair(log_probs), pair(target)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        y = F.kl_div(x, t, reduction=reduction, log_target=log_target)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        ty = TF.kl_div(tx, tt, reduction=reduction, log_target=log_target)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert len(ours) == (reduction == "mean")
    assert_close(y, ty)
    gy = r.uniform(0.5, 1.5, size=tuple(ty.shape))
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x, t], [tx, tt])


def test_kl_div_zero_targets_broadcasting_dtypes_and_errors():
    x, tx = pair([[-1.0, -2.0, -0.5], [-0.3, -3.0, -1.0]])
    t, tt = pair([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], requires_grad=False)
    assert_close(F.kl_div(x, t, reduction="sum"), TF.kl_div(tx, tt, reduction="sum"))  # 0 log 0 = 0
    row, trow = pair([0.2, 0.3, 0.5], requires_grad=False)
    assert_close(F.kl_div(x, row, reduction="none"), TF.kl_div(tx, trow, reduction="none"))
    assert_close(F.kl_div(x[0, 0], row[0], reduction="batchmean"), TF.kl_div(tx[0, 0], trow[0], reduction="batchmean"))
    x32 = cr.tensor([[-1.0, -2.0]], requires_grad=True)
    assert F.kl_div(x32, cr.tensor([[0.5, 0.5]]), reduction="batchmean").dtype == cr.float32
    assert F.kl_div(x32, cr.tensor([[0.5, 0.5]], dtype=cr.float64), reduction="sum").dtype == cr.float64
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.kl_div(x, t, reduction="avg")
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert_close(F.kl_div(x, t, size_average=False), TF.kl_div(tx, tt, reduction="sum"))
    c = cr.tensor(rng(13).uniform(-2, -0.1, size=(2, 3)), requires_grad=True)
    d = cr.tensor(rng(14).uniform(0.1, 1, size=(2, 3)), requires_grad=True)
    assert cr.autograd.gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"), [c, d])
