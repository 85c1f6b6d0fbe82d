"""The BatchNorm1d / BatchNorm2d / LayerNorm layers against PyTorch: values and gradients over several steps,
running statistics, buffers and state dicts, reprs, empty batches, errors naming the layer, float32."""
import numpy as np
import pytest
import torch
from nn_testing import assert_close, assert_grads_close, pair, rng
from torch_parity import random_array

import chainrule as cr
from chainrule import nn


def backward_both(y, ty, seed=8):
    gy = rng(seed).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))


BATCH_NORMS = [
    ("BatchNorm1d", (3,), {}, (8, 3)),
    ("BatchNorm1d", (3,), dict(momentum=None, eps=1e-3), (4, 3, 5)),
    ("BatchNorm2d", (3,), dict(momentum=0.5), (4, 3, 3, 2)),
    ("BatchNorm2d", (3,), dict(affine=False), (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), dict(bias=False, momentum=None), (2, 3, 4, 4)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", BATCH_NORMS)
def test_batch_norm_layers_match_torch_over_steps(name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs).double(), getattr(torch.nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    r = rng(4)
    for step in range(4):
        x, tx = pair(r.normal(step, 1 + step, size=shape))
        y, ty = ours(x), theirs(tx)
        assert_close(y, ty)
        backward_both(y, ty, seed=step)
        assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)  # running_mean, running_var, num_batches_tracked
    ours.eval()
    theirs.eval()
    x, tx = pair(r.normal(size=shape))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


def test_batch_norm_buffers_and_state_dict_interchange_with_torch():
    ours, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [name for name, _ in ours.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in ours.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert ours.num_batches_tracked.dtype == cr.int64 and ours.num_batches_tracked.shape == ()
    theirs(torch.randn(3, 4, 2, 2))
    ours.load_state_dict(theirs.state_dict())  # torch -> chainrule
    assert ours.num_batches_tracked.item() == 1
    assert_close(ours.running_var, theirs.running_var, rtol=1e-6)
    fresh = torch.nn.BatchNorm2d(4)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})  # and back
    assert fresh.num_batches_tracked.item() == 1
    ours.double()
    assert ours.running_mean.dtype == cr.float64 and ours.num_batches_tracked.dtype == cr.int64


def test_batch_norm_without_tracking_uses_batch_stats_in_eval():
    ours, theirs = nn.BatchNorm1d(3, track_running_stats=False).double(), torch.nn.BatchNorm1d(
        3, track_running_stats=False).double()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert repr(ours) == repr(theirs)
    ours.eval()
    theirs.eval()
    x, tx = pair(rng(6).normal(size=(5, 3)))
    assert_close(ours(x), theirs(tx))


def test_batch_norm_reset_and_defaults():
    bn = nn.BatchNorm1d(3)
    assert np.array_equal(bn.weight.detach().numpy(), np.ones(3)) and np.array_equal(bn.bias.detach().numpy(), np.zeros(3))
    bn(cr.randn(4, 3) * 5 + 2)
    bn.reset_running_stats()
    assert np.array_equal(bn.running_mean.numpy(), np.zeros(3)) and np.array_equal(bn.running_var.numpy(), np.ones(3))
    assert bn.num_batches_tracked.item() == 0


# ---- zero-size dims ------------------------------------------------------------------------------
EMPTY_BATCH_NORMS = [("BatchNorm1d", (0, 3)), ("BatchNorm1d", (0, 3, 5)), ("BatchNorm1d", (4, 3, 0)),
                     ("BatchNorm2d", (0, 3, 4, 4)), ("BatchNorm2d", (2, 3, 0, 4))]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name, shape", EMPTY_BATCH_NORMS)
def test_batch_norm_layers_on_empty_batches_match_torch(name, shape, momentum):
    """Train mode takes an empty batch as torch does: an empty output, the running statistics left as they
    were (num_batches_tracked still counts it), zero gradients for weight and bias. Eval mode too."""
    ours = getattr(nn, name)(3, momentum=momentum).double()
    theirs = getattr(torch.nn, name)(3, momentum=momentum).double()
    r = rng(14)
    state = {"weight": r.normal(size=3), "bias": r.normal(size=3), "running_mean": r.normal(size=3),
             "running_var": r.uniform(0.5, 2.0, size=3), "num_batches_tracked": np.array(2)}
    ours.load_state_dict(state)
    theirs.load_state_dict({key: torch.tensor(value) for key, value in state.items()})
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        x, tx = pair(r.normal(size=shape))
        y, ty = ours(x), theirs(tx)
        assert_close(y, ty)
        assert y.dtype == cr.float64 and y.requires_grad
        backward_both(y, ty)
        assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])
        for key, value in theirs.state_dict().items():
            assert_close(ours.state_dict()[key], value)


@pytest.mark.parametrize("normalized, shape, affine", [
    (normalized, shape, affine)
    for normalized, shape in [(3, (0, 3)), ((4, 3), (2, 0, 4, 3)), (0, (4, 0)), ((2, 0), (3, 2, 0)),
                              ((0,), (0,)), ((0, 2), (0, 2))]
    for affine in (True, False)])
def test_layer_norm_with_zero_sizes_matches_torch(normalized, shape, affine):
    """Empty batches and empty normalized shapes (LayerNorm(0)), which torch takes; weights get empty or zero
    gradients."""
    ours = nn.LayerNorm(normalized, elementwise_affine=affine).double()
    theirs = torch.nn.LayerNorm(normalized, elementwise_affine=affine).double()
    assert repr(ours) == repr(theirs)
    if affine:
        r = rng(15)
        state = {key: r.normal(size=tuple(value.shape)) for key, value in theirs.state_dict().items()}
        ours.load_state_dict(state)
        theirs.load_state_dict({key: torch.tensor(value) for key, value in state.items()})
    x, tx = pair(random_array(shape))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


@pytest.mark.parametrize("layer, x, message", [
    (nn.BatchNorm2d(3), cr.randn(2, 3, 4), r"BatchNorm2d\(3.*\(2, 3, 4\)"),
    (nn.BatchNorm2d(3), cr.randn(2, 4, 4, 4), r"BatchNorm2d\(3.*\(2, 4, 4, 4\)"),
    (nn.BatchNorm1d(3), cr.randn(2, 3, 4, 4), r"BatchNorm1d\(3.*\(2, 3, 4, 4\)"),
    (nn.BatchNorm1d(3), cr.randn(1, 3), "more than 1 value per channel"),
    (nn.LayerNorm(4), cr.randn(2, 3), r"LayerNorm\(\(4,\).*\(\*, 4\).*\(2, 3\)"),
])
def test_norm_layer_input_errors(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer(x)


@pytest.mark.parametrize("args, kwargs", [((10,), {}), ((3, 4), dict(elementwise_affine=False)), ([4], dict(bias=False))])
def test_layer_norm_layer_matches_torch(args, kwargs):
    shape = args if len(args) > 1 else tuple(args[0]) if isinstance(args[0], list) else args
    ours, theirs = nn.LayerNorm(shape, **kwargs).double(), torch.nn.LayerNorm(shape, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():  # non-trivial affine parameters
        for param in theirs.parameters():
            param.uniform_(-2, 2)
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(rng(3).normal(size=(2, 5) + tuple(ours.normalized_shape)))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


def test_norms_float32_stays_float32():
    x = cr.randn(4, 3, 2, 2, requires_grad=True)
    for layer in (nn.BatchNorm2d(3), nn.LayerNorm((2, 2))):
        y = layer(x)
        y.sum().backward()
        assert y.dtype == x.grad.dtype == layer.weight.grad.dtype == cr.float32
    bn = nn.BatchNorm2d(3)
    bn(x)
    assert bn.running_mean.dtype == bn.running_var.dtype == cr.float32
    bn.eval()
    assert bn(x).dtype == cr.float32


def test_batch_norm_float32_is_close_to_torch():
    x = rng(2).normal(3.0, 2.0, size=(16, 4, 5, 5)).astype(np.float32)
    ours, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    assert_close(ours(cr.tensor(x)), theirs(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    assert_close(ours.running_var, theirs.running_var, rtol=1e-5)


# ---- GroupNorm -----------------------------------------------------------------------------------
@pytest.mark.parametrize("args, kwargs, shape", [
    ((2, 6), {}, (3, 6, 4)), ((3, 6), dict(eps=1e-3), (2, 6, 3, 2)), ((1, 4), dict(affine=False), (2, 4)),
    ((2, 4), dict(bias=False), (2, 4, 5)), ((4, 4), {}, (2, 4, 2, 2, 2)),
])
def test_group_norm_layer_matches_torch(args, kwargs, shape):
    ours, theirs = nn.GroupNorm(*args, **kwargs).double(), torch.nn.GroupNorm(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    r = rng(5)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(r.normal(size=tuple(p.shape))))
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(r.normal(1.0, 2.0, size=shape))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    backward_both(y, ty)
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])


def test_group_norm_layer_attributes_init_and_float32():
    ours, theirs = nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)
    for attr in ("num_groups", "num_channels", "eps", "affine"):
        assert getattr(ours, attr) == getattr(theirs, attr)
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)  # weight ones, bias zeros
    assert not list(ours.buffers())
    y = ours(cr.randn(3, 4, 5))
    y.sum().backward()
    assert y.dtype == ours.weight.grad.dtype == cr.float32


def test_group_norm_layer_errors():
    with pytest.raises(ValueError) as theirs:
        torch.nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=str(theirs.value).replace("(", r"\(").replace(")", r"\)")):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 4.*\(2, 6, 3\)"):
        nn.GroupNorm(2, 4)(cr.randn(2, 6, 3))


@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                         ("InstanceNorm2d", (2, 3, 4, 3)), ("InstanceNorm2d", (3, 4, 3)),
                                         ("BatchNorm3d", (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("affine, track", [(False, False), (True, True)])
def test_instance_norm_and_batchnorm3d_match_torch_in_train_and_eval(name, shape, affine, track):
    if name == "BatchNorm3d" and not affine:
        return
    options = dict(affine=affine, track_running_stats=track) if name != "BatchNorm3d" else {}
    theirs = getattr(torch.nn, name)(3, momentum=0.2, **options).double()
    if affine:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-0.5, 0.5)
    ours = getattr(nn, name)(3, momentum=0.2, dtype=cr.float64, **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        x, tx = pair(random_array(shape, 1 + training))
        y, ty = ours(x), theirs(tx)
        assert_close(y, ty)
        gy = rng(3).normal(size=shape)
        y.backward(cr.tensor(gy))
        ty.backward(torch.tensor(gy))
        assert_close(x.grad, tx.grad)
        params = [p for p in ours.parameters()], [p for p in theirs.parameters()]
        assert_grads_close(*params)
        for key, value in theirs.state_dict().items():
            assert_close(ours.state_dict()[key], value)


def test_instance_norm_float32_and_local_response_norm_module():
    x = random_array((2, 4, 3), 5, dtype=np.float32)
    y = nn.InstanceNorm1d(4)(cr.tensor(x))
    assert y.dtype == cr.float32
    np.testing.assert_allclose(y.numpy(), torch.nn.InstanceNorm1d(4)(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    ours, theirs = nn.LocalResponseNorm(3, alpha=0.2, beta=0.5, k=2.0), torch.nn.LocalResponseNorm(3, 0.2, 0.5, 2.0)
    assert repr(ours) == repr(theirs)
    x, tx = pair(random_array((2, 5, 3, 2), 6))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(x.grad, tx.grad)
    with pytest.raises(ValueError, match="2D"):
        nn.InstanceNorm1d(3)(cr.ones(3))
