"""The loss modules (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss,
CrossEntropyLoss, KLDivLoss) against torch's modules and the functions: values, gradients, reprs, legacy arguments."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
from nn_testing import assert_close, assert_grads_close, pair, rng

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def backward_both(loss, tloss, seed=0):
    gy = rng(seed).uniform(0.5, 1.5, size=tloss.shape)
    loss.backward(cr.tensor(gy))
    tloss.backward(torch.tensor(gy))


def test_mse_seed_example_numbers():
    # seed 0: prediction vs target [2, 3] with MSELoss's mean
    loss = nn.MSELoss()(cr.tensor([4.0, 1.0], dtype=cr.float64), cr.tensor([2.0, 3.0], dtype=cr.float64))
    assert loss.item() == 4.0


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


def test_loss_module_matches_functional():
    r = rng(11)
    z = cr.tensor(r.normal(size=(4, 3)))
    labels = cr.tensor([0, 1, 2, 1])
    weight = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=1, reduction="sum", label_smoothing=0.1)
    expected = F.cross_entropy(z, labels, weight=weight, ignore_index=1, reduction="sum", label_smoothing=0.1)
    assert module(z, labels).item() == expected.item()
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss_module_matches_torch(reduction, log_target):
    r = rng(21)
    x, tx = pair(np.log(r.dirichlet(np.ones(5), size=4)))
    target = r.dirichlet(np.ones(5), size=4)
    t, tt = pair(np.log(target) if log_target else target)
    ours = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    theirs = tnn.KLDivLoss(reduction=reduction, log_target=log_target)
    assert repr(ours) == repr(theirs) == "KLDivLoss()"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'mean' warns, as in torch (tested in test_functional)
        loss, tloss = ours(x, t), theirs(tx, tt)
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_grads_close([x, t], [tx, tt])
    assert ours.log_target == log_target and ours.reduction == reduction


def test_kl_div_loss_keeps_float32_and_legacy_arguments():
    x = cr.tensor([[-1.0, -0.5]], requires_grad=True)
    loss = nn.KLDivLoss(reduction="batchmean")(x, cr.tensor([[0.3, 0.7]]))
    loss.backward()
    assert loss.dtype == cr.float32 and x.grad.dtype == cr.float32
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.KLDivLoss(reduce=False).reduction == "none"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_and_likelihood_loss_modules_match_torch_modules(reduction):
    r = rng(9)
    x1, x2, x3 = (r.normal(size=(4, 3)) for _ in range(3))
    signs, labels = np.array([1.0, -1.0, -1.0, 1.0]), np.array([0, 2, 1, 1])
    multilabel = r.integers(0, 2, size=(4, 3)).astype(float)
    cases = [
        ("MarginRankingLoss", dict(margin=0.2), (x1[:, 0], x2[:, 0]), signs),
        ("HingeEmbeddingLoss", dict(margin=0.5), (x1,), np.sign(x2)),
        ("SoftMarginLoss", {}, (x1,), np.sign(x2)),
        ("MultiLabelSoftMarginLoss", {}, (x1,), multilabel),
        ("CosineEmbeddingLoss", dict(margin=0.1), (x1, x2), signs),
        ("MultiMarginLoss", dict(p=2, margin=0.7), (x1,), labels),
        ("TripletMarginLoss", dict(margin=0.5, p=1.0, swap=True), (x1, x2, x3), None),
        ("PoissonNLLLoss", dict(full=True), (x1,), np.abs(x2) * 3),
        ("GaussianNLLLoss", dict(full=True), (x1, x2), np.abs(x3[:, 0]) + 0.1),
    ]
    for name, options, inputs, last in cases:
        ours, theirs = getattr(nn, name)(reduction=reduction, **options), getattr(tnn, name)(reduction=reduction, **options)
        assert repr(ours) == repr(theirs)
        pairs = [pair(a) for a in inputs]
        if last is not None:
            pairs.append(pair(last, requires_grad=name == "GaussianNLLLoss") if last.dtype.kind == "f"
                         else (cr.tensor(last), torch.tensor(last)))
        loss, tloss = ours(*(p[0] for p in pairs)), theirs(*(p[1] for p in pairs))
        assert_close(loss, tloss)
        backward_both(loss, tloss)
        assert_grads_close([p[0] for p in pairs if p[0].requires_grad], [p[1] for p in pairs if p[1].requires_grad])


def test_weighted_margin_losses_keep_weight_as_a_buffer():
    w = np.array([0.5, 1.0, 2.0])
    ours, theirs = nn.MultiMarginLoss(weight=cr.tensor(w)), tnn.MultiMarginLoss(weight=torch.tensor(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x, tx = pair(rng(10).normal(size=(4, 3)))
    labels = np.array([0, 2, 1, 1])
    loss, tloss = ours(x, cr.tensor(labels)), theirs(tx, torch.tensor(labels))
    assert_close(loss, tloss)
    backward_both(loss, tloss)
    assert_close(x.grad, tx.grad)
    ours = nn.MultiLabelSoftMarginLoss(weight=cr.tensor(w), reduction="sum")
    theirs = tnn.MultiLabelSoftMarginLoss(weight=torch.tensor(w), reduction="sum")
    target = rng(11).integers(0, 2, size=(4, 3)).astype(float)
    assert_close(ours(x, cr.tensor(target)), theirs(tx, torch.tensor(target)))


def test_margin_loss_constructor_errors():
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.SoftMarginLoss(size_average=False).reduction == "sum"
