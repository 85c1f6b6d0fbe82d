"""cross_entropy: one fused node whose gradient is softmax - y, equal to torch's in values and gradients."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_testing import assert_close, assert_grads_close, index_pair, pair, rng

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


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


def test_second_derivatives_match_torch():
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


def test_loss_module_matches_functional():
    r = rng(11)
    z = cr.tensor(r.normal(size=(4, 3)))
    labels = cr.tensor([0, 1, 2, 1])
    weight = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=1, reduction="sum", label_smoothing=0.1)
    expected = F.cross_entropy(z, labels, weight=weight, ignore_index=1, reduction="sum", label_smoothing=0.1)
    assert module(z, labels).item() == expected.item()
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


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
