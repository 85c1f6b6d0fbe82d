"""The loss functions (nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy(_with_logits),
cross_entropy) against torch: values, gradients, options, target shapes and dtypes, empty batches, second
derivatives; cross_entropy as one fused node whose gradient is softmax - y."""
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_testing import assert_close, assert_grads_close, index_pair, pair, rng
from torch_parity import check_torch

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def backward_both(loss, tloss, seed=0):
    gy = rng(seed).uniform(0.5, 1.5, size=tloss.shape)
    loss.backward(cr.tensor(gy))
    tloss.backward(torch.tensor(gy))


# ---- nll_loss -------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 4, 3)])
def test_nll_loss(reduction, shape):
    r = rng(1)
    class_dim = 0 if len(shape) == 1 else 1
    z = r.normal(size=shape)
    x, tx = pair(z - np.log(np.exp(z).sum(axis=class_dim, keepdims=True)))  # log-probabilities
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    t, tt = index_pair(r.integers(0, 4, size=target_shape))
    w, tw = pair([0.5, 1.0, 2.0, 3.0], requires_grad=False)
    loss = F.nll_loss(x, t, weight=w, ignore_index=1, reduction=reduction)
    tloss = TF.nll_loss(tx, tt, weight=tw, ignore_index=1, reduction=reduction)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x], [tx])


def test_nll_loss_refuses_out_of_range_labels():
    with pytest.raises(ValueError, match=r"label 3 .*3 classes"):
        F.nll_loss(cr.randn(2, 3), cr.tensor([0, 3]))


def test_log_softmax_then_nll_equals_cross_entropy():
    z = cr.tensor(rng(2).normal(size=(4, 5)))
    t = cr.tensor([0, 4, 2, 2])
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(z, 1), t).item(), F.cross_entropy(z, t).item(), rtol=1e-12)


# ---- mse_loss -------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    r = rng(3)
    x, tx = pair(r.normal(size=(4, 3)))
    y, ty = pair(r.normal(size=(4, 3)))
    loss, tloss = F.mse_loss(x, y, reduction=reduction), TF.mse_loss(tx, ty, reduction=reduction)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_with_weight(reduction):
    r = rng(4)
    x, tx = pair(r.normal(size=(4, 3)))
    y, ty = pair(r.normal(size=(4, 3)))
    w, tw = pair(r.uniform(size=(4, 3)), requires_grad=False)
    loss, tloss = F.mse_loss(x, y, reduction=reduction, weight=w), TF.mse_loss(tx, ty, reduction=reduction, weight=tw)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


def test_mse_loss_broadcasts_with_a_warning_like_torch():
    r = rng(5)
    x, tx = pair(r.normal(size=(4, 1)))
    y, ty = pair(r.normal(size=(4,)))
    with pytest.warns(UserWarning, match="different to the input size"):
        loss = F.mse_loss(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tloss = TF.mse_loss(tx, ty)
    assert_close(loss, tloss)
    loss.backward()
    tloss.backward()
    assert_grads_close([x, y], [tx, ty])
    with pytest.raises(ValueError, match="broadcast"), pytest.warns(UserWarning):
        F.mse_loss(cr.randn(3), cr.randn(4))


# ---- l1_loss, smooth_l1_loss, huber_loss --------------------------------------------------------------
ROBUST = [  # (name, options): the losses that are L1 away from 0
    ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {}), ("huber_loss", {"delta": 0.3}), ("huber_loss", {"delta": 2.0}),
]


def robust_pair(seed):
    """Differences on both sides of 0.3, 0.5, 1 and 2 (the branch points), and exactly 0 (where L1 has a kink)."""
    r = rng(seed)
    x = r.normal(scale=1.5, size=(5, 4))
    y = x - r.choice([-3.0, -1.2, -0.7, -0.4, -0.1, 0.0, 0.2, 0.45, 0.8, 1.5, 2.5], size=(5, 4))
    return x, y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, options", ROBUST)
def test_robust_losses_match_torch(name, options, reduction):
    x_values, y_values = robust_pair(11)
    x, tx = pair(x_values)
    y, ty = pair(y_values)
    loss = getattr(F, name)(x, y, reduction=reduction, **options)
    tloss = getattr(TF, name)(tx, ty, reduction=reduction, **options)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "huber_loss"])
def test_robust_losses_with_weight(name, reduction):
    # l1_loss's weighted mean divides by the sum of the weights, huber_loss's by the number of elements (PyTorch's)
    x_values, y_values = robust_pair(12)
    x, tx = pair(x_values)
    y, ty = pair(y_values)
    w, tw = pair(rng(13).uniform(size=(5, 4)), requires_grad=False)
    loss = getattr(F, name)(x, y, reduction=reduction, weight=w)
    tloss = getattr(TF, name)(tx, ty, reduction=reduction, weight=tw)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


def test_robust_losses_refuse_bad_options_like_torch():
    x, y = cr.randn(3), cr.randn(3)
    for name, option in [("smooth_l1_loss", {"beta": -1.0}), ("huber_loss", {"delta": 0.0}),
                         ("huber_loss", {"delta": -1.0})]:
        with pytest.raises(RuntimeError):
            getattr(TF, name)(torch.tensor(x.numpy()), torch.tensor(y.numpy()), **option)
        with pytest.raises(ValueError, match="(beta|delta) must"):
            getattr(F, name)(x, y, **option)
    with pytest.raises(TypeError, match="beta must be a number"):
        F.smooth_l1_loss(x, y, beta="1")
    with pytest.raises(ValueError, match="weight .* must have the same size"):
        F.l1_loss(x, y, weight=cr.ones(2))


def test_robust_losses_broadcast_with_a_warning_like_torch():
    x, tx = pair(rng(14).normal(size=(4, 1)))
    y, ty = pair(rng(15).normal(size=(4,)))
    for name in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        with pytest.warns(UserWarning, match="different to the input size"):
            loss = getattr(F, name)(x, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tloss = getattr(TF, name)(tx, ty)
        assert_close(loss, tloss)


# ---- binary cross-entropy -------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True])
def test_binary_cross_entropy(reduction, with_weight):
    r = rng(6)
    x, tx = pair(r.uniform(0.01, 0.99, size=(5, 3)))
    y, ty = pair(r.uniform(size=(5, 3)))
    w, tw = pair(r.uniform(size=(3,)), requires_grad=False) if with_weight else (None, None)
    loss = F.binary_cross_entropy(x, y, weight=w, reduction=reduction)
    tloss = TF.binary_cross_entropy(tx, ty, weight=tw, reduction=reduction)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x, tx = pair([0.0, 1.0, 1e-50, 0.5])
    y, ty = pair([1.0, 0.0, 1.0, 1.0], requires_grad=False)
    loss, tloss = F.binary_cross_entropy(x, y, reduction="none"), TF.binary_cross_entropy(tx, ty, reduction="none")
    assert loss.detach().numpy()[:2].tolist() == [100.0, 100.0]
    assert_close(loss, tloss)
    loss.sum().backward()
    tloss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert_grads_close([x], [tx])


def test_binary_cross_entropy_refuses_values_outside_0_1():
    with pytest.raises(ValueError, match="input should be between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([1.5]), cr.tensor([1.0]))
    with pytest.raises(ValueError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([0.5]), cr.tensor([2.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy(cr.tensor([0.5, 0.5]), cr.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"pos_weight": [2.0, 0.5, 1.0]}, {"weight": [[0.1, 2.0, 1.0]]},
                                     {"pos_weight": [3.0, 1.0, 0.2], "weight": [1.0, 0.5, 2.0]}])
def test_binary_cross_entropy_with_logits(reduction, options):
    r = rng(7)
    x, tx = pair(r.normal(size=(4, 3)) * 5)
    y, ty = pair(r.uniform(size=(4, 3)))
    ours = {k: cr.tensor(v, dtype=cr.float64) for k, v in options.items()}
    theirs = {k: torch.tensor(v, dtype=torch.float64) for k, v in options.items()}
    loss = F.binary_cross_entropy_with_logits(x, y, reduction=reduction, **ours)
    tloss = TF.binary_cross_entropy_with_logits(tx, ty, reduction=reduction, **theirs)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


def test_binary_cross_entropy_with_logits_is_exact_for_large_logits():
    x, tx = pair([1000.0, -1000.0, 40.0, -40.0, 0.0])
    y, ty = pair([1.0, 0.0, 1.0, 0.0, 1.0], requires_grad=False)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    tloss = TF.binary_cross_entropy_with_logits(tx, ty, reduction="none")
    loss.sum().backward()
    tloss.sum().backward()
    # Right labels at |x| = 40 leave log(1 + e^-40) ~ 4e-18 of loss and a gradient of the same size: both
    # are kept, for either label (torch rounds one of each to 0, hence atol for the comparison with torch).
    tail = np.exp(-40.0)
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 0.0, np.log1p(tail), np.log1p(tail), np.log(2)], rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, -tail / (1 + tail), tail / (1 + tail), -0.5], rtol=1e-15)
    assert_close(loss, tloss, atol=1e-17)
    assert_grads_close([x], [tx], atol=1e-17)


def test_losses_keep_float32():
    x = cr.rand(4, 3, requires_grad=True)
    y = cr.rand(4, 3)
    for loss in [F.mse_loss(x, y), F.l1_loss(x, y), F.smooth_l1_loss(x, y), F.huber_loss(x, y),
                 F.binary_cross_entropy(x, y), F.binary_cross_entropy_with_logits(x, y),
                 F.nll_loss(x, cr.tensor([0, 1, 2, 0]))]:
        x.grad = None
        loss.backward()
        assert loss.dtype == cr.float32 and x.grad.dtype == cr.float32


MIXED_DTYPE_CASES = {  # float32 input with float64 targets or weights: the dtypes PyTorch gives, and its numbers
    "bce_with_logits, float64 target": lambda m, x, y, w: m.nn.functional.binary_cross_entropy_with_logits(x, y),
    "bce_with_logits, float64 weights": lambda m, x, y, w: m.nn.functional.binary_cross_entropy_with_logits(
        x, y.float(), weight=w, pos_weight=w),
    "bce, float64 weight": lambda m, x, y, w: m.nn.functional.binary_cross_entropy(x.sigmoid(), y.float(), weight=w.expand(3, 4)),
    "cross_entropy, float64 probabilities": lambda m, x, y, w: m.nn.functional.cross_entropy(x, y.softmax(1)),
    "cross_entropy, float64 probabilities and weight": lambda m, x, y, w: m.nn.functional.cross_entropy(
        x, y.softmax(1), weight=w),
    "mse_loss, float64 target": lambda m, x, y, w: m.nn.functional.mse_loss(x, y),
    "l1_loss, float64 weight": lambda m, x, y, w: m.nn.functional.l1_loss(x, y.float(), weight=w.expand(3, 4)),
}


@pytest.mark.parametrize("name", sorted(MIXED_DTYPE_CASES))
def test_mixed_dtypes_give_torchs_dtype(name):
    r = rng(16)
    x_values, y_values, w_values = r.normal(size=(3, 4)).astype(np.float32), r.uniform(size=(3, 4)), r.uniform(size=4)
    x, tx = cr.tensor(x_values, requires_grad=True), torch.tensor(x_values, requires_grad=True)
    loss = MIXED_DTYPE_CASES[name](cr, x, cr.tensor(y_values), cr.tensor(w_values))
    tloss = MIXED_DTYPE_CASES[name](torch, tx, torch.tensor(y_values), torch.tensor(w_values))
    assert str(loss.dtype) == str(tloss.dtype).replace("torch.", "")
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
    loss.backward()
    tloss.backward()
    assert x.grad.dtype == cr.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_bce_refuses_a_target_of_another_float_dtype_like_torch():
    p, y = cr.rand(3), cr.rand(3, dtype=cr.float64)
    with pytest.raises(RuntimeError, match="Double"):
        TF.binary_cross_entropy(torch.tensor(p.numpy()), torch.tensor(y.numpy()))
    with pytest.raises(TypeError, match=r"binary_cross_entropy: target \(float64\) and input \(float32\)"):
        F.binary_cross_entropy(p, y)


# ---- targets of another shape: broadcast with torch's warning, or refused, as torch does ------------
def functional(lib):
    return F if lib is cr else TF


TARGET_SHAPES = [(3,), (4, 1), (1, 3), (2, 4, 3), (4,), (3, 3), (12,), (4, 3, 1)]  # input: (4, 3)


@pytest.mark.parametrize("target_shape", TARGET_SHAPES)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits"])
def test_targets_of_another_shape_like_torch(name, target_shape):
    """The regression losses broadcast a target that broadcasts (with torch's warning) and refuse one that does
    not; the BCE losses refuse any other shape. Refusals are ValueErrors naming the loss and both shapes."""
    r = rng(17)
    x, tx = pair(r.uniform(0.05, 0.95, size=(4, 3)))
    y, ty = pair(r.uniform(0.05, 0.95, size=target_shape))
    with warnings.catch_warnings(record=True) as torch_warnings:
        warnings.simplefilter("always")
        try:
            tloss = getattr(TF, name)(tx, ty)
        except (RuntimeError, ValueError):
            tloss = None
    if tloss is None:
        with warnings.catch_warnings(), pytest.raises(ValueError) as error:
            warnings.simplefilter("ignore")
            getattr(F, name)(x, y)
        message = str(error.value)
        assert message.startswith(f"{name}:") and str((4, 3)) in message and str(target_shape) in message
        return
    with warnings.catch_warnings(record=True) as our_warnings:
        warnings.simplefilter("always")
        loss = getattr(F, name)(x, y)
    assert [(w.category, "different to the input size" in str(w.message)) for w in our_warnings] == [
        (w.category, "different to the input size" in str(w.message)) for w in torch_warnings]
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, y], [tx, ty])


@pytest.mark.parametrize("target", [np.zeros(3, np.int64), np.zeros((4, 1), np.int64), np.zeros((4, 3)),
                                    np.zeros(3), np.zeros(4)])
def test_nll_loss_targets_of_another_shape_or_dtype_like_torch(target):
    """torch refuses all of them: the shape first (ValueError naming the op and both shapes), then a float
    dtype where class indices belong (TypeError)."""
    x = rng(18).normal(size=(4, 3))
    with pytest.raises((RuntimeError, ValueError)):
        TF.nll_loss(torch.tensor(x), torch.tensor(target))
    kind = TypeError if target.shape == (4,) else ValueError
    with pytest.raises(kind) as error:
        F.nll_loss(cr.tensor(x), cr.tensor(target))
    assert str(error.value).startswith("nll_loss:") and str(target.shape) in str(error.value)
    if kind is ValueError:
        assert str((4, 3)) in str(error.value)


# ---- empty batches (N = 0) and other zero-size dims -------------------------------------------------
EMPTY_LOSS_CASES = {  # name: (fn(lib, input, target, reduction), input, target)
    "mse_loss": (lambda lib, x, y, red: functional(lib).mse_loss(x, y, reduction=red), (0, 3), "float"),
    "l1_loss": (lambda lib, x, y, red: functional(lib).l1_loss(x, y, reduction=red), (0, 3), "float"),
    "smooth_l1_loss": (lambda lib, x, y, red: functional(lib).smooth_l1_loss(x, y, reduction=red, beta=0.5),
                       (0, 3), "float"),
    "huber_loss": (lambda lib, x, y, red: functional(lib).huber_loss(x, y, reduction=red, delta=0.5), (0, 3), "float"),
    "binary_cross_entropy": (lambda lib, x, y, red: functional(lib).binary_cross_entropy(x, y, reduction=red),
                             (0, 3), "float"),
    "binary_cross_entropy_with_logits": (
        lambda lib, x, y, red: functional(lib).binary_cross_entropy_with_logits(
            x, y, reduction=red, pos_weight=lib.tensor([0.5, 1.0, 2.0], dtype=x.dtype)), (0, 3), "float"),
    "nll_loss": (lambda lib, x, y, red: functional(lib).nll_loss(x, y, reduction=red), (0, 3), "index"),
    "nll_loss, weight": (lambda lib, x, y, red: functional(lib).nll_loss(
        x, y, reduction=red, weight=lib.tensor([0.5, 1.0, 2.0], dtype=x.dtype)), (0, 3), "index"),
    "nll_loss, no classes": (lambda lib, x, y, red: functional(lib).nll_loss(x, y, reduction=red), (0, 0), "index"),
    "cross_entropy": (lambda lib, x, y, red: functional(lib).cross_entropy(x, y, reduction=red), (0, 3), "index"),
    "cross_entropy, options": (lambda lib, x, y, red: functional(lib).cross_entropy(
        x, y, reduction=red, weight=lib.tensor([0.5, 1.0, 2.0], dtype=x.dtype), label_smoothing=0.2), (0, 3), "index"),
    "cross_entropy, no classes": (lambda lib, x, y, red: functional(lib).cross_entropy(x, y, reduction=red),
                                  (0, 0), "index"),
    "cross_entropy, empty image": (lambda lib, x, y, red: functional(lib).cross_entropy(x, y, reduction=red),
                                   (2, 3, 0), "index"),
    "cross_entropy, empty batch of images": (
        lambda lib, x, y, red: functional(lib).cross_entropy(x, y, reduction=red), (0, 3, 4), "index"),
    "cross_entropy, probabilities": (lambda lib, x, y, red: functional(lib).cross_entropy(x, y, reduction=red),
                                     (0, 3), "float"),
    "cross_entropy, probabilities and smoothing": (lambda lib, x, y, red: functional(lib).cross_entropy(
        x, y, reduction=red, label_smoothing=0.1), (0, 3), "float"),
    "cross_entropy, probabilities, no classes": (
        lambda lib, x, y, red: functional(lib).cross_entropy(x, y, reduction=red), (0, 0), "float"),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(EMPTY_LOSS_CASES))
def test_losses_of_empty_batches_match_torch(name, reduction, dtype):
    """'mean' of nothing is nan, 'sum' 0, 'none' an empty tensor: values, dtypes, shapes and the (empty)
    gradients of the input and of a float target, as torch's."""
    fn, shape, target_kind = EMPTY_LOSS_CASES[name]
    x = rng(19).uniform(0.1, 0.9, size=shape).astype(dtype)
    target_shape = shape if target_kind == "float" else shape[:1] + shape[2:]
    y = np.zeros(target_shape, dtype if target_kind == "float" else np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about the empty mean either: torch gives none
        check_torch(lambda lib, x, y: fn(lib, x, y, reduction), x, y)


def test_weights_that_require_grad_are_refused_like_torch():
    with pytest.raises(RuntimeError, match="weight"):
        F.cross_entropy(cr.randn(2, 3), cr.tensor([0, 1]), weight=cr.ones(3, requires_grad=True))


# ---- gradcheck and second derivatives -------------------------------------------------------------
def test_gradcheck_of_every_loss():
    r = rng(9)
    probs = cr.tensor(r.uniform(0.1, 0.9, size=(3, 4)))
    targets = cr.tensor(r.uniform(size=(3, 4)))
    logits = cr.tensor(r.normal(size=(3, 4)))
    labels = cr.tensor([0, 3, 1])
    weight = cr.tensor(r.uniform(0.5, 2.0, size=4))
    for reduction in REDUCTIONS:
        assert cr.autograd.gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), [logits, targets])
        for name in ("l1_loss", "smooth_l1_loss", "huber_loss"):  # no difference near a kink at these points
            assert cr.autograd.gradcheck(lambda x, y: getattr(F, name)(x, y, reduction=reduction), [logits, targets])
        assert cr.autograd.gradcheck(lambda x, y: F.binary_cross_entropy(x, y, reduction=reduction), [probs, targets])
        assert cr.autograd.gradcheck(
            lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=weight, pos_weight=weight, reduction=reduction),
            [logits, targets])
        assert cr.autograd.gradcheck(lambda x: F.nll_loss(x, labels, weight=weight, reduction=reduction), [logits])


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "nll_loss",
                                  "smooth_l1_loss", "huber_loss"])
def test_second_derivatives_match_torch(name):
    r = rng(10)
    x, tx = pair(r.uniform(0.1, 0.9, size=(3, 4)))
    if name == "nll_loss":
        y, ty = cr.tensor([0, 3, 1]), torch.tensor([0, 3, 1])
    else:
        y, ty = pair(r.uniform(size=(3, 4)))
    (gx,) = cr.autograd.grad(getattr(F, name)(x, y), [x], create_graph=True)
    (tgx,) = torch.autograd.grad(getattr(TF, name)(tx, ty), [tx], create_graph=True)
    assert_close(gx, tgx)
    weights = r.normal(size=(3, 4))
    if name == "nll_loss":  # linear in its input: the gradient is a constant (torch: a zero second derivative)
        assert not gx.requires_grad
        return
    (gx * cr.tensor(weights)).sum().backward()
    (tgx * torch.tensor(weights)).sum().backward()
    assert_grads_close([x, y], [tx, ty])


# ---- cross_entropy: one fused node whose gradient is softmax - y, equal to torch's ------------------
def run_both(logits, target, target_is_index=True, target_grad=False, backward_seed=0, **options):
    """Loss and gradients from chainrule and torch for the same logits and target."""
    z, tz = pair(logits)
    if target_is_index:
        t, tt = index_pair(target)
    else:
        t, tt = pair(target, requires_grad=target_grad)
    weight = options.pop("weight", None)
    if weight is not None:
        options["weight"], tweight = pair(weight, requires_grad=False)
    loss = F.cross_entropy(z, t, **options)
    if weight is not None:
        options["weight"] = tweight
    tloss = TF.cross_entropy(tz, tt, **options)
    gy = np.ones(tloss.shape) if backward_seed is None else rng(backward_seed).uniform(0.5, 1.5, size=tloss.shape)
    loss.backward(cr.tensor(gy))
    tloss.backward(torch.tensor(gy))
    return (loss, [z, t]), (tloss, [tz, tt])


def assert_same(ours, theirs, **tolerance):
    (loss, inputs), (tloss, tinputs) = ours, theirs
    assert_close(loss, tloss, **tolerance)
    assert_grads_close([inputs[0]], [tinputs[0]], **tolerance)
    if tinputs[1].requires_grad:
        assert_grads_close([inputs[1]], [tinputs[1]], **tolerance)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [
    {},
    {"weight": [0.2, 1.0, 3.0, 0.5]},
    {"ignore_index": 2},
    {"weight": [0.2, 1.0, 3.0, 0.5], "ignore_index": 1},
    {"label_smoothing": 0.1},
    {"label_smoothing": 0.3, "weight": [0.2, 1.0, 3.0, 0.5], "ignore_index": 0},
])
def test_index_targets(reduction, options):
    logits = rng(1).normal(size=(6, 4)) * 3
    target = [0, 1, 2, 3, 2, 1]
    assert_same(*run_both(logits, target, reduction=reduction, **dict(options)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": [0.2, 1.0, 3.0, 0.5]}, {"label_smoothing": 0.2},
                                     {"label_smoothing": 0.2, "weight": [0.2, 1.0, 3.0, 0.5]}])
def test_probability_targets_with_target_gradient(reduction, options):
    r = rng(2)
    logits = r.normal(size=(5, 4)) * 3
    target = r.dirichlet(np.ones(4), size=5)
    assert_same(*run_both(logits, target, target_is_index=False, target_grad=True, reduction=reduction, **dict(options)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_one_hot_probabilities_equal_index_targets(reduction):
    logits = rng(3).normal(size=(4, 3))
    labels = [2, 0, 1, 1]
    by_index = F.cross_entropy(cr.tensor(logits), cr.tensor(labels), reduction=reduction)
    one_hot = F.one_hot(cr.tensor(labels), 3).double()
    by_probability = F.cross_entropy(cr.tensor(logits), one_hot, reduction=reduction)
    np.testing.assert_allclose(by_index.numpy(), by_probability.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("index", [True, False])
def test_unbatched_input(reduction, index):
    logits = rng(4).normal(size=(5,))
    target = 3 if index else rng(5).dirichlet(np.ones(5))
    assert_same(*run_both(logits, target, target_is_index=index, reduction=reduction, label_smoothing=0.1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("index", [True, False])
def test_spatial_dims(reduction, index):
    r = rng(6)
    logits = r.normal(size=(2, 3, 4, 5))
    target = r.integers(0, 3, size=(2, 4, 5)) if index else np.moveaxis(r.dirichlet(np.ones(3), size=(2, 4, 5)), -1, 1)
    options = {"weight": [0.5, 2.0, 1.0], "ignore_index": 1} if index else {"weight": [0.5, 2.0, 1.0]}
    assert_same(*run_both(logits, target, target_is_index=index, reduction=reduction, **options))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_extreme_logits_are_finite(reduction):
    logits = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [0.0, 0.0, -1000.0]]
    ours, theirs = run_both(logits, [1, 2, 2], reduction=reduction)
    assert np.isfinite(ours[0].detach().numpy()).all() and np.isfinite(ours[1][0].grad.numpy()).all()
    assert_same(ours, theirs)


def test_tiny_gradients_are_not_flushed_to_zero():
    # seed 3: logits [-33, 11] leave p = e^-44 / (1 + e^-44) ~ 7.8e-20 on the wrong class. The exact
    # gradient is p - y = [p, -p] and the exact loss log1p(e^-44): all three are kept.
    ours, theirs = run_both([[-33.0, 11.0], [11.0, -33.0]], [1, 1], backward_seed=None, reduction="sum")
    (loss, (z, _)), (tloss, (tz, _)) = ours, theirs
    tail = np.exp(-44.0)
    small = tail / (1 + tail)
    np.testing.assert_allclose(z.grad.numpy(), [[small, -small], [1 - small, -(1 - small)]], rtol=1e-15, atol=0)
    np.testing.assert_allclose(loss.item(), np.log1p(tail) + 44 + np.log1p(tail), rtol=1e-15)
    # torch's fused kernel agrees everywhere except where it rounds p - 1 = -7.8e-20 to 0
    np.testing.assert_allclose(z.grad.numpy()[:, 0], tz.grad.numpy()[:, 0], rtol=1e-9, atol=0)
    assert tz.grad[0, 1].item() == 0.0 and z.grad.numpy()[0, 1] == -small
    assert_close(loss, tloss)


def test_saturated_soft_targets_and_weights_keep_tiny_gradients():
    # the same exactness with class weights, label smoothing and probability targets (reference: float64
    # torch through softmax -> log, whose max-subtraction path happens to be exact here)
    z, tz = pair([[-33.0, 11.0, -40.0], [50.0, 0.0, 1.0]])
    target = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    weight = np.array([0.5, 2.0, 1.0])
    loss = F.cross_entropy(z, cr.tensor(target), weight=cr.tensor(weight))
    p = torch.exp(tz - tz.max(dim=1, keepdim=True)[0])
    p = p / p.sum(dim=1, keepdim=True)
    tloss = -(torch.tensor(target * weight) * torch.log(p)).sum() / 2
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(z.grad.numpy(), tz.grad.numpy(), rtol=1e-12, atol=0)


def test_gradient_is_softmax_minus_one_hot_over_n():
    # seed 1's fused gradient: dL/dz = (p - y) / N for the mean, p - y for the sum
    logits = rng(7).normal(size=(6, 3))
    labels = np.array([0, 1, 2, 0, 1, 2])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.eye(3)[labels]
    for reduction, expected in [("mean", (p - y) / 6), ("sum", p - y)]:
        z = cr.tensor(logits, requires_grad=True)
        F.cross_entropy(z, cr.tensor(labels), reduction=reduction).backward()
        np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_is_one_fused_node():
    z = cr.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(z, cr.tensor([0, 1, 2]))
    assert loss.grad_fn.name() == "CrossEntropyBackward0"
    assert [node.name() for node, _ in loss.grad_fn.next_functions if node is not None] == ["AccumulateGrad"]


@pytest.mark.parametrize("index", [True, False])
def test_float32_stays_float32(index):
    z = cr.randn(4, 3, requires_grad=True)
    target = cr.tensor([0, 2, 1, 1]) if index else cr.softmax(cr.randn(4, 3), 1)
    loss = F.cross_entropy(z, target, weight=cr.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == cr.float32 and z.grad.dtype == cr.float32
    expected = TF.cross_entropy(torch.tensor(z.detach().numpy()), torch.tensor(target.numpy()),
                                weight=torch.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1)
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-5)


def test_every_target_ignored_gives_nan_mean_and_zero_gradient():
    ours, theirs = run_both(rng(8).normal(size=(3, 4)), [-100, -100, -100])
    assert np.isnan(ours[0].item()) and np.isnan(theirs[0].item())
    assert_grads_close([ours[1][0]], [theirs[1][0]])


def test_cross_entropy_second_derivatives_match_torch():
    r = rng(9)
    z, tz = pair(r.normal(size=(3, 4)))
    t, tt = pair(r.dirichlet(np.ones(4), size=3))
    (gz,) = cr.autograd.grad(F.cross_entropy(z, t, label_smoothing=0.1), [z], create_graph=True)
    (tgz,) = torch.autograd.grad(TF.cross_entropy(tz, tt, label_smoothing=0.1), [tz], create_graph=True)
    weights = r.normal(size=(3, 4))
    (gz * cr.tensor(weights)).sum().backward()
    (tgz * torch.tensor(weights)).sum().backward()
    assert_grads_close([z, t], [tz, tt])


@pytest.mark.parametrize("options", [{}, {"ignore_index": 3}])
def test_second_derivatives_of_plain_index_targets_match_torch(options):
    # plain class indices take a shorter first-order path; with create_graph they must still give torch's
    r = rng(11)
    z, tz = pair(r.normal(size=(3, 4)))
    t, tt = index_pair([2, 0, 3])
    (gz,) = cr.autograd.grad(F.cross_entropy(z, t, **options), [z], create_graph=True)
    (tgz,) = torch.autograd.grad(TF.cross_entropy(tz, tt, **options), [tz], create_graph=True)
    assert_close(gz, tgz)
    weights = r.normal(size=(3, 4))
    (gz * cr.tensor(weights)).sum().backward()
    (tgz * torch.tensor(weights)).sum().backward()
    assert_grads_close([z], [tz])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck(reduction):
    r = rng(10)
    labels = cr.tensor([0, 2, 1, -100])
    weight = cr.tensor([0.3, 1.0, 2.0], dtype=cr.float64)

    def loss_of_indices(z):
        return F.cross_entropy(z, labels, weight=weight, reduction=reduction, label_smoothing=0.2)

    def loss_of_probabilities(z, p):
        return F.cross_entropy(z, p, reduction=reduction, label_smoothing=0.2)

    assert cr.autograd.gradcheck(loss_of_indices, [cr.tensor(r.normal(size=(4, 3)))])
    assert cr.autograd.gradcheck(loss_of_probabilities, [cr.tensor(r.normal(size=(4, 3))), cr.tensor(r.uniform(size=(4, 3)))])


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), c=st.integers(1, 6), scale=st.sampled_from([0.1, 1.0, 30.0]), seed=st.integers(0, 10**6),
       reduction=st.sampled_from(REDUCTIONS), smoothing=st.sampled_from([0.0, 0.25]))
def test_random_shapes_match_torch(n, c, scale, seed, reduction, smoothing):
    r = rng(seed)
    ours, theirs = run_both(r.normal(size=(n, c)) * scale, r.integers(0, c, size=n), reduction=reduction,
                            label_smoothing=smoothing)
    assert_same(ours, theirs)


# (input shape, float target shape): none of them is the input's shape, so none is a probability target
WRONG_FLOAT_TARGETS = [((4, 3), (4, 2)), ((4, 3), (3, 3)), ((4, 3), (1, 3)), ((4, 3), (4, 3, 1)), ((4, 3), (3,)),
                       ((3,), (2,)), ((2, 3, 5), (2, 3, 4)), ((2, 3, 5), (2, 3)), ((2, 3, 5), (3, 5)),
                       ((4, 3), (4,)), ((3,), ()), ((2, 3, 5), (2, 5))]


@pytest.mark.parametrize("input_shape, target_shape", WRONG_FLOAT_TARGETS)
def test_float_target_of_the_wrong_shape_is_refused_like_torch(input_shape, target_shape):
    """torch refuses each of them. A float target of the class-index shape is a wrong dtype (TypeError, as
    torch's 'expected target dtype to be Long'); any other shape fits neither kind of target: a ValueError
    naming the op and both shapes."""
    r = rng(12)
    x, target = r.normal(size=input_shape), r.uniform(size=target_shape)
    with pytest.raises((RuntimeError, ValueError)):
        TF.cross_entropy(torch.tensor(x), torch.tensor(target))
    index_shape = input_shape[:1] + input_shape[2:] if len(input_shape) > 1 else ()
    if target_shape == index_shape:
        with pytest.raises(TypeError, match=r"cross_entropy: class indices must be an integer"):
            F.cross_entropy(cr.tensor(x), cr.tensor(target))
        return
    with pytest.raises(ValueError) as error:
        F.cross_entropy(cr.tensor(x), cr.tensor(target))
    message = str(error.value)
    assert message.startswith("cross_entropy:")
    assert str(input_shape) in message and str(target_shape) in message
    with pytest.raises(ValueError, match=re.escape(str(target_shape))):  # the module too
        nn.CrossEntropyLoss()(cr.tensor(x), cr.tensor(target))


def test_bad_targets_are_refused():
    z = cr.randn(3, 4)
    with pytest.raises(ValueError, match=r"label 7 .*4 classes"):
        F.cross_entropy(z, cr.tensor([0, 7, 1]))
    with pytest.raises(ValueError, match=r"label -1 .*4 classes"):
        F.cross_entropy(z, cr.tensor([0, -1, 1]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        F.cross_entropy(z, cr.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer"):
        F.cross_entropy(z, cr.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(z, cr.tensor([0, 1, 2]), reduction="average")
    with pytest.raises(ValueError, match="weight"):
        F.cross_entropy(z, cr.tensor([0, 1, 2]), weight=cr.ones(3))


# ---- the seed notebooks' cross-entropy examples: their printed numbers are the expected values --------
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


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_loss_with_every_option_on_another_device(reduction):
    # the standard-function path (CuPy's too), whatever device the rest of this file runs on: values, gradients
    # and second derivatives equal torch's
    r = rng(12)
    logits, probabilities = r.normal(size=(5, 4)) * 3, r.dirichlet(np.ones(4), size=5)
    labels, weight = np.array([0, 3, -100, 1, 3]), np.array([0.2, 1.0, 3.0, 0.5])
    on = "array_api_strict"
    results = []
    for lib, make in ((cr, lambda a, **k: cr.tensor(a, **k).to(on)), (torch, torch.tensor)):
        functional = F if lib is cr else TF
        z = make(logits, requires_grad=True)
        p = make(probabilities, requires_grad=True)
        w, t = make(weight), make(labels)
        options = dict(weight=w, reduction=reduction)
        losses = [functional.cross_entropy(z, t, label_smoothing=0.2, **options),
                  functional.cross_entropy(z, p, label_smoothing=0.1, **options),
                  functional.nll_loss(functional.log_softmax(z, 1), t, **options)]
        total = sum((loss * (i + 1.5)).sum() for i, loss in enumerate(losses))
        gz, gp = lib.autograd.grad(total, [z, p], create_graph=True)
        ggz, ggp = lib.autograd.grad((gz * gz).sum() + (gp * gz).sum(), [z, p])
        assert lib is torch or {str(a.device) for a in [*losses, gz, gp, ggz, ggp]} == {on}
        results.append([a.detach().cpu().numpy() for a in [*losses, gz, gp, ggz, ggp]])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
