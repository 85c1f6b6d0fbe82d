"""F.linear: one fused node, values and gradients equal to torch's, only the gradients asked for."""
import pytest
import torch
import torch.nn.functional as TF
from nn_testing import assert_close, assert_grads_close, pair, rng

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.ops.linear import Linear as LinearOp


@pytest.mark.parametrize("x_shape", [(5, 4), (4,), (2, 3, 4), (2, 1, 3, 4), (0, 4)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_torch(x_shape, with_bias):
    r = rng(1)
    x, tx = pair(r.normal(size=x_shape))
    w, tw = pair(r.normal(size=(3, 4)))
    b, tb = pair(r.normal(size=(3,))) if with_bias else (None, None)
    y, ty = F.linear(x, w, b), TF.linear(tx, tw, tb)
    assert_close(y, ty)
    gy = r.normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x, w] + ([b] if with_bias else []), [tx, tw] + ([tb] if with_bias else []))


ZERO_SIZE_LINEAR = [  # (x shape, weight shape): empty batches, no input features, no output features
    ((0, 4), (3, 4)),
    ((2, 0, 4), (3, 4)),
    ((5, 0), (3, 0)),
    ((2, 3, 0), (3, 0)),
    ((5, 4), (0, 4)),
    ((0, 4), (0, 4)),
    ((0, 0), (3, 0)),
    ((4, 0), (0, 0)),
]


@pytest.mark.parametrize("x_shape, w_shape", ZERO_SIZE_LINEAR)
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_forward_with_zero_sizes_matches_torch(x_shape, w_shape, with_bias):
    """in_features = 0 gives the bias (zeros without one), out_features = 0 an empty last dim, as in torch."""
    r = rng(5)
    x, tx = pair(r.normal(size=x_shape))
    w, tw = pair(r.normal(size=w_shape))
    b, tb = pair(r.normal(size=w_shape[:1])) if with_bias else (None, None)
    y, ty = F.linear(x, w, b), TF.linear(tx, tw, tb)
    assert_close(y, ty)
    assert y.dtype == cr.float64 and y.requires_grad


@pytest.mark.parametrize("x_shape, w_shape", ZERO_SIZE_LINEAR)
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_backward_with_zero_sizes_matches_torch(x_shape, w_shape, with_bias):
    """Zero gradients of the right shapes: Linear.backward reshapes gy and x to (rows, features) with the
    rows counted, since NumPy can't infer a -1 next to a 0 feature dim."""
    r = rng(6)
    x, tx = pair(r.normal(size=x_shape))
    w, tw = pair(r.normal(size=w_shape))
    b, tb = pair(r.normal(size=w_shape[:1])) if with_bias else (None, None)
    y, ty = F.linear(x, w, b), TF.linear(tx, tw, tb)
    gy = r.normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x, w] + ([b] if with_bias else []), [tx, tw] + ([tb] if with_bias else []))


def test_linear_is_one_node_straight_to_the_leaves():
    x, w, b = cr.randn(2, 4, requires_grad=True), cr.randn(3, 4, requires_grad=True), cr.randn(3, requires_grad=True)
    y = F.linear(x, w, b)
    assert y.grad_fn.name() == "LinearBackward0"
    assert [node.name() for node, _ in y.grad_fn.next_functions] == ["AccumulateGrad"] * 3


def test_backward_computes_only_the_gradients_asked_for(monkeypatch):
    calls = []
    real_backward = LinearOp.backward

    def spy(ctx, gy):
        grads = real_backward(ctx, gy)
        calls.append(tuple(g is not None for g in grads))
        return grads

    monkeypatch.setattr(LinearOp, "backward", staticmethod(spy))
    x = cr.randn(2, 4, requires_grad=True)
    w, b = cr.randn(3, 4), cr.randn(3)
    F.linear(x, w, b).sum().backward()
    w.requires_grad_(True)
    F.linear(x.detach(), w, b).sum().backward()
    assert calls == [(True, False, False), (False, True, False)]
    assert w.grad is not None and b.grad is None


def test_float32_stays_float32():
    x = cr.randn(5, 4, requires_grad=True)
    w, b = cr.randn(3, 4, requires_grad=True), cr.randn(3, requires_grad=True)
    y = F.linear(x, w, b)
    y.sum().backward()
    assert y.dtype == cr.float32
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == cr.float32


def test_one_dimensional_weight_gives_no_feature_dim():
    r = rng(2)
    x, tx = pair(r.normal(size=(5, 4)))
    w, tw = pair(r.normal(size=(4,)))
    b, tb = pair(r.normal(size=()))
    y, ty = F.linear(x, w), TF.linear(tx, tw)
    assert_close(y, ty)
    y_biased, ty_biased = F.linear(x, w, b), tx @ tw + tb  # torch's F.linear refuses this bias; chainrule adds it
    assert_close(y_biased, ty_biased)
    (y + y_biased).sum().backward()
    (ty + ty_biased).sum().backward()
    assert_grads_close([x, w, b], [tx, tw, tb])


def test_second_derivatives_match_torch():
    r = rng(3)
    x, tx = pair(r.normal(size=(3, 4)))
    w, tw = pair(r.normal(size=(2, 4)))
    (gx,) = cr.autograd.grad((F.linear(x, w) ** 2).sum(), [x], create_graph=True)
    (tgx,) = torch.autograd.grad((TF.linear(tx, tw) ** 2).sum(), [tx], create_graph=True)
    gx.sum().backward()
    tgx.sum().backward()
    assert_grads_close([x, w], [tx, tw])


def test_gradcheck():
    r = rng(4)
    inputs = [cr.tensor(r.normal(size=s)) for s in [(2, 3, 4), (5, 4), (5,)]]
    assert cr.autograd.gradcheck(F.linear, inputs)


def test_errors_name_shapes_and_dtypes():
    x, w = cr.randn(5, 4), cr.randn(3, 5)
    with pytest.raises(ValueError, match=r"\(5, 4\).*\(3, 5\)"):
        F.linear(x, w)
    with pytest.raises(TypeError, match="float64.*float32"):
        F.linear(cr.randn(5, 4, dtype=cr.float64), cr.randn(3, 4))
    with pytest.raises(ValueError, match="bias"):
        F.linear(cr.randn(5, 4), cr.randn(3, 4), cr.randn(4))
    with pytest.raises(ValueError, match="weight"):
        F.linear(cr.randn(5, 4), cr.randn(3, 4, 1))
