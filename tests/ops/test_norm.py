"""batch_norm / layer_norm against PyTorch: float64 values and gradients in train and eval mode, running
statistics, finite differences, second derivatives, empty batches, errors."""
import re

import pytest
import torch
import torch.nn.functional as TF
from nn_testing import assert_close, assert_grads_close, pair, rng
from torch_parity import check_gradcheck, check_second_order, check_torch, random_array

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn


def backward_both(y, ty, seed=8):
    gy = rng(seed).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 5), (2, 3, 1, 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_torch(shape, affine):
    r = rng(len(shape))
    x, tx = pair(r.normal(2.0, 3.0, size=shape))
    w, tw = pair(r.normal(size=3)) if affine else (None, None)
    b, tb = pair(r.normal(size=3)) if affine else (None, None)
    mean, tmean = pair(r.normal(size=3), requires_grad=False)
    var, tvar = pair(r.uniform(0.5, 2.0, size=3), requires_grad=False)
    y = F.batch_norm(x, mean, var, w, b, training=True, momentum=0.3, eps=1e-3)
    ty = TF.batch_norm(tx, tmean, tvar, tw, tb, training=True, momentum=0.3, eps=1e-3)
    assert_close(y, ty)
    assert_close(mean, tmean)
    assert_close(var, tvar)  # updated with the unbiased batch variance
    backward_both(y, ty)
    assert_grads_close([x] + ([w, b] if affine else []), [tx] + ([tw, tb] if affine else []))


@pytest.mark.parametrize("shape", [(6, 3), (3, 3, 4, 5)])
def test_batch_norm_eval_matches_torch(shape):
    r = rng(11)
    x, tx = pair(r.normal(size=shape))
    w, tw = pair(r.normal(size=3))
    b, tb = pair(r.normal(size=3))
    mean, tmean = pair(r.normal(size=3), requires_grad=False)
    var, tvar = pair(r.uniform(0.5, 2.0, size=3), requires_grad=False)
    y, ty = F.batch_norm(x, mean, var, w, b), TF.batch_norm(tx, tmean, tvar, tw, tb)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x, w, b], [tx, tw, tb])


def test_batch_norm_without_running_stats():
    x, tx = pair(rng(1).normal(size=(5, 2, 3)))
    y, ty = F.batch_norm(x, None, None, training=True), TF.batch_norm(tx, None, None, training=True)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x], [tx])


@pytest.mark.parametrize("normalized", [(5,), (4, 5), 5])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(normalized, affine):
    r = rng(2)
    shape = (normalized,) if isinstance(normalized, int) else normalized
    x, tx = pair(r.normal(1.0, 2.0, size=(3, 4, 5)))
    w, tw = pair(r.normal(size=shape)) if affine else (None, None)
    b, tb = pair(r.normal(size=shape)) if affine else (None, None)
    y, ty = F.layer_norm(x, normalized, w, b, eps=1e-4), TF.layer_norm(tx, shape, tw, tb, eps=1e-4)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x] + ([w, b] if affine else []), [tx] + ([tw, tb] if affine else []))


def test_norms_finite_differences():
    x, w, b = random_array((4, 3, 2), 1), random_array((3,), 2), random_array((3,), 3)
    check_gradcheck(lambda lib, *t: lib.nn.functional.batch_norm(t[0], None, None, t[1], t[2], training=True), x, w, b)
    check_gradcheck(lambda lib, *t: lib.nn.functional.layer_norm(t[0], (2,), t[1][:2], t[2][:2]), x, w, b)


def test_norms_second_derivatives_match_torch():
    # under create_graph the backward rebuilds the statistics from x, so they are differentiated again
    x, w = random_array((4, 3, 2), 1), random_array((3,), 2)
    check_second_order(lambda lib, a, b: lib.nn.functional.batch_norm(a, None, None, b, training=True) ** 2, x, w)
    check_second_order(lambda lib, a, b: lib.nn.functional.layer_norm(a, (2,), b[:2]) ** 2, x, w)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 2, 2), (2, 3, 0)])
def test_functional_batch_norm_of_empty_batches_matches_torch(shape):
    x, w, b = random_array(shape), random_array((3,), 1), random_array((3,), 2)
    for training in (True, False):
        check_torch(lambda lib, x, w, b: lib.nn.functional.batch_norm(
            x, lib.zeros(3, dtype=x.dtype), lib.ones(3, dtype=x.dtype), w, b, training=training), x, w, b)
    check_torch(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), x)


@pytest.mark.parametrize("shape", [(4, 0), (0, 0, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_no_channels_like_torch(shape, training):
    """torch normalises an input without channels (to an empty output), but its kernel fails (an IndexError)
    when there is a weight or bias: chainrule refuses those with a ValueError."""
    x = random_array(shape)
    check_torch(lambda lib, x: lib.nn.functional.batch_norm(x, lib.zeros(0, dtype=x.dtype), lib.ones(0, dtype=x.dtype),
                                                           training=training), x)
    if training:
        check_torch(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), x)
    for affine in (False, True):
        module = nn.BatchNorm1d(0, affine=affine).double().train(training)
        theirs = torch.nn.BatchNorm1d(0, affine=affine).double().train(training)
        if affine:
            with pytest.raises(IndexError):
                theirs(torch.tensor(x))
            with pytest.raises(ValueError, match=rf"^batch_norm: .*{re.escape(str(shape))}.*no channels"):
                module(cr.tensor(x))
        else:
            assert_close(module(cr.tensor(x)), theirs(torch.tensor(x)))


def test_functional_norm_errors():
    with pytest.raises(ValueError, match=r"normalized_shape=\(4,\).*\(2, 3\)"):
        F.layer_norm(cr.randn(2, 3), 4)
    with pytest.raises(ValueError, match="training=False"):
        F.batch_norm(cr.randn(3, 2), None, None)
    with pytest.raises(ValueError, match="running_mean"):
        F.batch_norm(cr.randn(3, 2), cr.zeros(3), cr.ones(2), training=True)
    with pytest.raises(TypeError, match="dtype"):
        F.batch_norm(cr.randn(3, 2).double(), cr.zeros(2), cr.ones(2))


# ---- group_norm ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, groups", [((3, 6), 3), ((2, 6, 5), 2), ((2, 4, 3, 5), 4), ((3, 6, 2, 3), 1),
                                           ((2, 4, 2, 2, 3), 2), ((1, 3, 4), 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(shape, groups, affine):
    r = rng(len(shape) + groups)
    arrays = [r.normal(1.0, 2.0, size=shape)] + ([r.normal(size=shape[1]), r.normal(size=shape[1])] if affine else [])
    check_torch(lambda lib, x, *wb: lib.nn.functional.group_norm(x, groups, *wb, eps=1e-3), *arrays)


def test_group_norm_weight_without_bias_and_float32_match_torch():
    r = rng(3)
    x, w = r.normal(size=(2, 6, 4)), r.normal(size=6)
    check_torch(lambda lib, x, w: lib.nn.functional.group_norm(x, 3, w), x, w)
    y = check_torch(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), x.astype("float32"),
                    w.astype("float32"), r.normal(size=6).astype("float32"))
    assert y.dtype == cr.float32


def test_group_norm_finite_differences_and_second_derivatives():
    x, w, b = random_array((2, 4, 3), 1), random_array((4,), 2), random_array((4,), 3)
    check_gradcheck(lambda lib, *t: lib.nn.functional.group_norm(t[0], 2, t[1], t[2]), x, w, b)
    check_second_order(lambda lib, a, b: lib.nn.functional.group_norm(a, 2, b) ** 2, x, w)


def test_group_norm_is_one_normalize_node():
    x = cr.randn(2, 4, 3, requires_grad=True)
    y = F.group_norm(x, 2, cr.ones(4, requires_grad=True), cr.zeros(4, requires_grad=True))
    assert y.grad_fn.next_functions[0][0].name() == "NormalizeBackward0"


def test_group_norm_of_empty_batch_matches_torch():
    check_torch(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), random_array((0, 4, 3)),
                random_array((4,), 1), random_array((4,), 2))


@pytest.mark.parametrize("shape, groups, message", [
    ((2, 6, 3), 4, r"channels.*\(2, 6, 3\).*num_groups=4"),
    ((1, 3), 3, "more than 1 value"),
    ((1, 4, 1, 1), 4, "more than 1 value"),
])
def test_group_norm_shape_errors_where_torch_raises(shape, groups, message):
    x = random_array(shape)
    with pytest.raises((RuntimeError, ValueError)):
        TF.group_norm(torch.tensor(x), groups)
    with pytest.raises(ValueError, match=message):
        F.group_norm(cr.tensor(x), groups)


def test_group_norm_argument_errors():
    with pytest.raises(ValueError, match=r"weight must be .*\(4,\)"):
        F.group_norm(cr.randn(2, 4, 3), 2, cr.ones(3))
    with pytest.raises(ValueError, match="at least 2 dims"):
        F.group_norm(cr.randn(4), 2)
    with pytest.raises(TypeError, match="dtype"):
        F.group_norm(cr.randn(2, 4, 3).double(), 2, cr.ones(4))
    with pytest.raises(TypeError, match="floating-point"):
        F.group_norm(cr.tensor([[1, 2], [3, 4]]), 1)
