"""nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy(_with_logits) and the loss
modules against torch."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF
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


def test_mse_seed_example_numbers():
    # seed 0: prediction vs target [2, 3] with MSELoss's mean
    loss = nn.MSELoss()(cr.tensor([4.0, 1.0], dtype=cr.float64), cr.tensor([2.0, 3.0], dtype=cr.float64))
    assert loss.item() == 4.0


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


# ---- modules --------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_modules_match_torch_modules(reduction):
    r = rng(8)
    probs = r.uniform(0.05, 0.95, size=(4, 3))
    labels = np.array([0, 2, 1, 1])
    w = np.array([0.5, 1.0, 2.0])
    cases = [
        (nn.MSELoss(reduction=reduction), tnn.MSELoss(reduction=reduction), probs, r.normal(size=(4, 3))),
        (nn.L1Loss(reduction=reduction), tnn.L1Loss(reduction=reduction), probs, r.normal(size=(4, 3))),
        (nn.SmoothL1Loss(reduction=reduction, beta=0.7), tnn.SmoothL1Loss(reduction=reduction, beta=0.7), probs,
         r.normal(size=(4, 3))),
        (nn.HuberLoss(reduction=reduction, delta=0.4), tnn.HuberLoss(reduction=reduction, delta=0.4), probs,
         r.normal(size=(4, 3))),
        (nn.BCELoss(reduction=reduction), tnn.BCELoss(reduction=reduction), probs, r.uniform(size=(4, 3))),
        (nn.BCEWithLogitsLoss(pos_weight=cr.tensor(w), reduction=reduction),
         tnn.BCEWithLogitsLoss(pos_weight=torch.tensor(w), reduction=reduction), probs, r.uniform(size=(4, 3))),
        (nn.NLLLoss(weight=cr.tensor(w), reduction=reduction), tnn.NLLLoss(weight=torch.tensor(w), reduction=reduction),
         np.log(probs), labels),
        (nn.CrossEntropyLoss(weight=cr.tensor(w), reduction=reduction, label_smoothing=0.1),
         tnn.CrossEntropyLoss(weight=torch.tensor(w), reduction=reduction, label_smoothing=0.1), probs, labels),
    ]
    for ours, theirs, x_values, target in cases:
        x, tx = pair(x_values)
        t, tt = (cr.tensor(target), torch.tensor(target))
        loss, tloss = ours(x, t), theirs(tx, tt)
        assert_close(loss, tloss)
        backward_both(loss, tloss)
        assert_grads_close([x], [tx])
        assert repr(ours) == repr(theirs)


def test_legacy_size_average_and_reduce_map_to_reduction():
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.CrossEntropyLoss(reduce=False).reduction == "none"


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
