"""clip_grad_norm_ and clip_grad_value_ against torch.nn.utils: the returned total norm, the clipped
gradients (float64 and float32), norm types, a single tensor, missing gradients and non-finite norms."""
import math

import numpy as np
import pytest
import torch
import torch.nn.utils as tutils

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.utils as utils


def params_with_grads(scale=1.0, dtype=np.float64, seed=0):
    """Three parameters (the middle one without a gradient) in chainrule and torch, with equal gradients."""
    r = np.random.default_rng(seed)
    shapes = [(3, 2), (4,), (2, 2)]
    ours, theirs = [], []
    for i, shape in enumerate(shapes):
        value, grad = r.normal(size=shape).astype(dtype), (scale * r.normal(size=shape)).astype(dtype)
        p, tp = nn.Parameter(cr.tensor(value)), torch.nn.Parameter(torch.tensor(value))
        if i != 1:
            p.grad, tp.grad = cr.tensor(grad), torch.tensor(grad)
        ours.append(p)
        theirs.append(tp)
    return ours, theirs


def assert_grads_equal(ours, theirs, rtol=1e-12):
    for p, tp in zip(ours, theirs):
        if tp.grad is None:
            assert p.grad is None
        else:
            assert p.grad.dtype == p.dtype
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = params_with_grads()
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = tutils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, cr.Tensor) and total.shape == () and total.dtype == cr.float64
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    assert_grads_equal(ours, theirs)


def test_clip_grad_norm_float32_single_tensor_and_generators():
    ours, theirs = params_with_grads(dtype=np.float32)
    total = utils.clip_grad_norm_((p for p in ours), 0.5)
    ttotal = tutils.clip_grad_norm_((p for p in theirs), 0.5)
    assert total.dtype == cr.float32
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
    assert_grads_equal(ours, theirs, rtol=1e-6)
    ours, theirs = params_with_grads(scale=10.0)
    total, ttotal = utils.clip_grad_norm_(ours[0], 1.0), tutils.clip_grad_norm_(theirs[0], 1.0)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    assert_grads_equal(ours, theirs)
    with pytest.warns(UserWarning, match="empty generator"):
        empty = utils.clip_grad_norm_((p for p in []), 1.0)
    assert empty.item() == tutils.clip_grad_norm_([], 1.0).item() == 0.0 and empty.dtype == cr.float32


def test_clip_grad_norm_non_finite():
    ours, theirs = params_with_grads()
    ours[0].grad.numpy()[0, 0] = theirs[0].grad[0, 0] = float("inf")
    with pytest.raises(RuntimeError, match="non-finite"):
        tutils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    total, ttotal = utils.clip_grad_norm_(ours, 1.0), tutils.clip_grad_norm_(theirs, 1.0)
    assert total.item() == ttotal.item() == math.inf
    for p, tp in zip(ours, theirs):
        if tp.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())  # nan and 0 where torch's are


def test_clip_grad_norm_in_a_training_step():
    model = nn.Linear(3, 2).double()
    tmodel = torch.nn.Linear(3, 2).double()
    model.load_state_dict(tmodel.state_dict())
    x = np.random.default_rng(1).normal(size=(5, 3))
    (model(cr.tensor(x)) ** 2).sum().backward()
    (tmodel(torch.tensor(x)) ** 2).sum().backward()
    total = utils.clip_grad_norm_(model.parameters(), 0.1)
    ttotal = tutils.clip_grad_norm_(tmodel.parameters(), 0.1)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    assert_grads_equal(list(model.parameters()), list(tmodel.parameters()))
    with pytest.warns(FutureWarning, match="deprecated"):
        utils.clip_grad_norm(model.parameters(), 0.1)


@pytest.mark.parametrize("clip_value", [0.3, 5])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = params_with_grads(dtype=np.float32)
    assert utils.clip_grad_value_(ours, clip_value) is None
    tutils.clip_grad_value_(theirs, clip_value)
    assert_grads_equal(ours, theirs)
    ours, theirs = params_with_grads()
    utils.clip_grad_value_(ours[2], clip_value)
    tutils.clip_grad_value_(theirs[2], clip_value)
    assert_grads_equal(ours, theirs)
