"""max_pool2d, avg_pool2d and adaptive_avg_pool2d against PyTorch (float64 values, indices and gradients),
ties and NaN/-inf windows, finite differences, second derivatives, empty batches, errors."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_testing import pair, rng, run_both_with_indices
from torch_parity import check_gradcheck, check_second_order, check_torch, random_array

import chainrule as cr
import chainrule.nn.functional as F


WINDOWS = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 2)),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(3, 1), stride=1),
    dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
]
INPUTS = {
    "random": rng(0).normal(size=(2, 3, 7, 9)),
    "ties": rng(1).integers(0, 3, size=(3, 2, 6, 6)).astype(np.float64),  # equal maxima: the first wins
    "one": rng(2).normal(size=(1, 1, 5, 8)),
}


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("data", sorted(INPUTS))
def test_max_pool2d_matches_torch(window, data):
    run_both_with_indices(lambda x: F.max_pool2d(x, return_indices=True, **window),
             lambda x: TF.max_pool2d(x, return_indices=True, **window), INPUTS[data])


@pytest.mark.parametrize("window", [dict(kernel_size=3, dilation=2), dict(kernel_size=(2, 3), padding=1, dilation=(2, 1)),
                                    dict(kernel_size=2, stride=1, dilation=3, ceil_mode=True)])
def test_max_pool2d_dilation_matches_torch(window):
    run_both_with_indices(lambda x: F.max_pool2d(x, return_indices=True, **window),
             lambda x: TF.max_pool2d(x, return_indices=True, **window), INPUTS["ties"])


def test_max_pool2d_nan_and_minus_inf_windows_like_torch():
    x = rng(3).normal(size=(1, 2, 6, 6))
    x[0, 0, :3, :3] = -np.inf  # windows with only -inf (and padding): the first tap on the input
    x[0, 1, 0, 3] = x[0, 1, 1, 2] = np.nan  # NaN wins; with two, PyTorch's kernel keeps the last
    for window in (dict(kernel_size=2, padding=1), dict(kernel_size=3, stride=1, padding=1, dilation=2)):
        ours, theirs = F.max_pool2d(cr.tensor(x), return_indices=True, **window), TF.max_pool2d(
            torch.tensor(x), return_indices=True, **window)
        np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1, 5, 7), (2, 3, 6, 6), (1, 2, 9, 4)])
@pytest.mark.parametrize("kernel_size", [2, 3, (2, 3), (1, 2)])
def test_max_pool2d_tiling_windows_match_torch_exactly(dtype, shape, kernel_size):
    # stride == kernel (the CNN case), odd sizes drop the last rows/columns; ties, NaN (several per
    # window), -inf and -0.0 among the values; gradients with inf and NaN in gy; batch 1 and dtypes kept
    generator = rng(sum(shape))
    x = generator.integers(-1, 2, size=shape).astype(dtype)
    x[generator.random(shape) < 0.1] = np.nan
    x[generator.random(shape) < 0.1] = -np.inf
    x[generator.random(shape) < 0.1] = -0.0
    ours, theirs = pair(x, dtype=dtype)
    (y, index), (ty, tindex) = F.max_pool2d(ours, kernel_size, return_indices=True), TF.max_pool2d(
        theirs, kernel_size, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())  # NaN where torch has NaN
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())
    gy = generator.normal(size=ty.shape).astype(dtype)
    gy.reshape(-1)[:2] = [np.inf, np.nan]
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert y.dtype == ours.grad.dtype == dtype


def test_max_pool2d_with_over_256_taps_matches_torch():
    x = rng(6).integers(0, 4, size=(1, 2, 17, 18)).astype(np.float64)  # ties among 289 taps per window
    run_both_with_indices(lambda t: F.max_pool2d(t, 17, return_indices=True), lambda t: TF.max_pool2d(t, 17, return_indices=True), x)


@pytest.mark.parametrize("window", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)])
def test_max_pool2d_routes_nan_and_inf_gradients_only_to_the_maximum(window):
    x, tx = pair(INPUTS["random"])
    y, ty = F.max_pool2d(x, **window), TF.max_pool2d(tx, **window)
    gy = rng(4).normal(size=ty.shape)
    gy[0, 0, 0, :2] = [np.nan, np.inf]
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)  # NaN where torch has NaN


@pytest.mark.parametrize("window", [w for w in WINDOWS])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(window, count_include_pad):
    run_both_with_indices(lambda x: F.avg_pool2d(x, count_include_pad=count_include_pad, **window),
             lambda x: TF.avg_pool2d(x, count_include_pad=count_include_pad, **window), INPUTS["random"])


def test_avg_pool2d_divisor_override_matches_torch():
    run_both_with_indices(lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4), lambda x: TF.avg_pool2d(x, 3, 2, 1, divisor_override=4),
             INPUTS["random"])


@pytest.mark.parametrize("output_size", [1, (1, 1), (3, 4), (4, None), 5, (2, 3), (7, 9), (None, 2)])
def test_adaptive_avg_pool2d_matches_torch(output_size):
    run_both_with_indices(lambda x: F.adaptive_avg_pool2d(x, output_size), lambda x: TF.adaptive_avg_pool2d(x, output_size),
             INPUTS["random"])


@settings(max_examples=12, deadline=None)
@given(kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       padding=st.tuples(st.integers(0, 1), st.integers(0, 1)), ceil_mode=st.booleans(),
       size=st.tuples(st.integers(3, 8), st.integers(3, 8)), seed=st.integers(0, 100))
def test_pools_random_windows_match_torch(kernel, stride, padding, ceil_mode, size, seed):
    padding = tuple(min(p, k // 2) for p, k in zip(padding, kernel))
    window = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    x = rng(seed).integers(-2, 3, size=(2, 2, *size)).astype(np.float64)
    run_both_with_indices(lambda t: F.max_pool2d(t, return_indices=True, **window),
             lambda t: TF.max_pool2d(t, return_indices=True, **window), x)
    run_both_with_indices(lambda t: F.avg_pool2d(t, **window), lambda t: TF.avg_pool2d(t, **window), x)


def test_pools_take_unbatched_input():
    x = INPUTS["random"][0]
    run_both_with_indices(lambda t: F.max_pool2d(t, 2, return_indices=True), lambda t: TF.max_pool2d(t, 2, return_indices=True), x)
    run_both_with_indices(lambda t: F.avg_pool2d(t, 3, 1, 1), lambda t: TF.avg_pool2d(t, 3, 1, 1), x)
    run_both_with_indices(lambda t: F.adaptive_avg_pool2d(t, (2, 4)), lambda t: TF.adaptive_avg_pool2d(t, (2, 4)), x)


@pytest.mark.parametrize("pool", [
    lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1),
    lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, 1, 1, count_include_pad=False),
    lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (2, 3)),
])
def test_pools_finite_differences_and_second_derivatives(pool):
    x = random_array((2, 2, 5, 6), 4)  # continuous values: no ties for the max
    check_gradcheck(pool, x)
    check_second_order(lambda lib, t: pool(lib, t) ** 2, x)


def test_max_pool_double_backward_routes_like_torch():
    # the scatter and gather ops behind max-pooling's backward differentiate each other
    results = []
    for lib in (cr, torch):
        x = lib.tensor(INPUTS["ties"], requires_grad=True)
        y = lib.nn.functional.max_pool2d(x, 3, 2, 1)
        v = lib.tensor(rng(5).normal(size=tuple(y.shape)), requires_grad=True)
        (gx,) = lib.autograd.grad((y * v).sum(), x, create_graph=True)
        (gv,) = lib.autograd.grad((gx * x).sum(), v)
        results.append(gv.numpy())
    np.testing.assert_allclose(*results)


# ---- zero-size dims: an empty batch is fine; torch refuses empty channels (but adaptive) and images ------
EMPTY_POOLS = [
    ("max", (0, 3, 6, 5), lambda lib, x: lib.nn.functional.max_pool2d(x, 2)),
    ("max, indices", (0, 3, 6, 5), lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True)),
    ("avg", (0, 3, 6, 5), lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    ("adaptive", (0, 3, 6, 5), lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (2, 3))),
    ("adaptive, unequal bins", (0, 3, 6, 5), lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (4, 3))),
    ("adaptive, no channels", (2, 0, 6, 5), lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (2, 5))),
    ("adaptive, no channels, unbatched", (0, 6, 5), lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 4)),
    ("layers", (0, 2, 8, 8), lambda lib, x: lib.nn.Sequential(lib.nn.MaxPool2d(2), lib.nn.AvgPool2d(2),
                                                             lib.nn.AdaptiveAvgPool2d(1))(x)),
]


@pytest.mark.parametrize("name, shape, pool", EMPTY_POOLS, ids=[case[0] for case in EMPTY_POOLS])
def test_pools_of_empty_batches_match_torch(name, shape, pool):
    x = random_array(shape)
    if name != "adaptive, no channels":
        check_torch(pool, x)
        return
    # torch's forward takes 0 channels, its backward refuses them ("Expected grad_output to have non-zero size
    # for non-batch dimensions"); chainrule gives the empty gradient
    y = check_torch(pool, x, grad=False)
    tx = torch.tensor(x, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-zero size"):
        pool(torch, tx).sum().backward()
    ours = cr.tensor(x, requires_grad=True)
    pool(cr, ours).sum().backward()
    assert ours.grad.shape == shape and ours.grad.dtype == cr.float64
    assert y.shape == (2, 0, 2, 5)


@pytest.mark.parametrize("shape", [(2, 0, 4, 4), (0, 0, 4, 4), (0, 4, 4), (2, 3, 0, 4), (0, 3, 4, 0), (3, 4, 0)])
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pools_of_empty_channels_or_images_are_refused_like_torch(name, shape):
    x = random_array(shape)
    with pytest.raises(RuntimeError):
        getattr(TF, name)(torch.tensor(x), 2, padding=1)
    with pytest.raises(ValueError, match=rf"^{name}: .*{re.escape(str(shape))}"):
        getattr(F, name)(cr.tensor(x), 2, padding=1)


@pytest.mark.parametrize("shape", [(2, 3, 0, 4), (0, 3, 4, 0), (3, 0, 4)])
def test_adaptive_pool_of_empty_images_is_refused_like_torch(shape):
    x = random_array(shape)
    with pytest.raises(RuntimeError):
        TF.adaptive_avg_pool2d(torch.tensor(x), 2)
    with pytest.raises(ValueError, match=rf"^adaptive_avg_pool2d: .*{re.escape(str(shape))}"):
        F.adaptive_avg_pool2d(cr.tensor(x), 2)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.max_pool2d(x, 2, padding=2), "half of kernel size"),
    (lambda x: F.avg_pool2d(x, 9), "too small"),
    (lambda x: F.max_pool2d(x[0, 0], 2), "3-D"),
    (lambda x: F.max_pool2d(x, (2, 2, 2)), "kernel_size"),
    (lambda x: F.max_pool2d(x, 0), "positive"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "divisor_override"),
    (lambda x: F.adaptive_avg_pool2d(x, (2, 2, 2)), "output_size"),
    (lambda x: F.adaptive_avg_pool2d(x, 0), "positive"),
])
def test_pool_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(cr.randn(2, 3, 5, 5))
