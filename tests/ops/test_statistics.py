"""ops/statistics.py against PyTorch: values, indices, gradients (and finite differences), float32, errors."""
import numpy as np
import pytest
import torch
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr

X = random_array((3, 5), 0)  # distinct values: the order statistics' indices are then unique
EVEN = random_array((4, 6), 1)

OPS = {
    "median_all": lambda m, x: m.median(x),
    "median_all_even": lambda m, x: x[:, :4].median(),
    "median_dim": lambda m, x: m.median(x, 1),
    "median_dim_even": lambda m, x: x[:, :4].median(dim=1, keepdim=True),
    "kthvalue": lambda m, x: m.kthvalue(x, 2, 0),
    "kthvalue_keepdim": lambda m, x: x.kthvalue(5, keepdim=True),
    "nansum": lambda m, x: m.nansum(x, 1),
    "nanmean": lambda m, x: m.nanmean(x, 0, keepdim=True),
    "var_mean": lambda m, x: m.var_mean(x, 1),
    "var_mean_correction": lambda m, x: m.var_mean(x, (0, 1), correction=0, keepdim=True),
    "std_mean": lambda m, x: m.std_mean(x, 0, correction=2),
    "std_mean_all": lambda m, x: m.std_mean(x),
    "cummax": lambda m, x: m.cummax(x, 1),
    "cummin": lambda m, x: x.cummin(0),
    "logcumsumexp": lambda m, x: m.logcumsumexp(x * 100, 1),
    "logcumsumexp_0": lambda m, x: x.logcumsumexp(0),
    "quantile_number": lambda m, x: m.quantile(x, 0.3),
    "quantile_dim": lambda m, x: m.quantile(x, 0.7, dim=1, keepdim=True),
    "quantile_tensor": lambda m, x: x.quantile(m.tensor([0.0, 0.25, 0.9, 1.0], dtype=x.dtype), dim=0),
    "quantile_tensor_keepdim": lambda m, x: m.quantile(x, m.tensor([0.1, 0.5], dtype=x.dtype), keepdim=True),
    "cdist": lambda m, x: m.cdist(x[:2], x[1:]),
    "cdist_p1": lambda m, x: m.cdist(x[:2, None], x[None, 1:], p=1.0),
    "cdist_p3": lambda m, x: m.cdist(x[:2], x, p=3),
    "dist": lambda m, x: m.dist(x[0], x[2]),
    "dist_p1": lambda m, x: x[0].dist(x[1], 1),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_values_indices_and_gradients(name):
    check_op(OPS[name], X)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_quantile_interpolations(interpolation):
    check_op(lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 0.625, 1.0], dtype=x.dtype), dim=1,
                                     interpolation=interpolation), EVEN)


@pytest.mark.parametrize("name", ["logcumsumexp_0", "median_dim", "nanmean", "dist", "std_mean_all"])
def test_second_derivatives(name):
    def first_cubed(m, x):
        out = OPS[name](m, x)
        return (out[0] if isinstance(out, tuple) else out) ** 3

    check_second_order(first_cubed, X)


@pytest.mark.parametrize("name", ["median_dim", "cummax", "logcumsumexp", "quantile_dim", "cdist", "nanmean"])
def test_float32_is_kept(name):
    check_torch(OPS[name], X.astype(np.float32))


def test_nan_handling():
    values = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    check_torch(lambda m, x: m.nansum(x), values)
    check_torch(lambda m, x: m.nanmean(x, 1), values)
    check_torch(lambda m, x: m.cummax(x, 1), values, grad=False)
    check_torch(lambda m, x: m.cummin(x, 1), values, grad=False)


def test_ties_and_integers():
    ties = np.array([[1.0, 3.0, 3.0, 0.0, 3.0]])
    check_torch(lambda m, x: m.cummax(x, 1), ties)
    check_torch(lambda m, x: m.cummin(x, 1), ties)
    ints = np.array([[4, 1, 3], [2, 2, 9]])
    check_torch(lambda m, x: m.median(x), ints)
    check_torch(lambda m, x: m.cummax(x, 1), ints)
    check_torch(lambda m, x: m.nansum(x, 0), ints)
    check_torch(lambda m, x: m.logcumsumexp(x.double(), 1), ints)
    bools = np.array([[False, True, False, True], [True, True, False, True]])
    check_torch(lambda m, x: m.cummax(x, 1), bools)
    check_torch(lambda m, x: m.cummin(x, 1), bools)


def test_extreme_values_of_logcumsumexp():
    check_torch(lambda m, x: m.logcumsumexp(x, 0), np.array([-300.0, 300.0, 0.0, -200.0, 299.0]))


def test_errors():
    x = cr.tensor(X)
    with pytest.raises(ValueError, match="out of range"):
        cr.kthvalue(x, 6, 1)
    with pytest.raises(ValueError, match="range"):
        cr.quantile(x, 1.5)
    with pytest.raises(ValueError, match="interpolation"):
        cr.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(TypeError, match="floating"):
        cr.quantile(cr.tensor([1, 2]), 0.5)
    with pytest.raises(ValueError, match="x1"):
        cr.cdist(x, cr.tensor(X[:, :2]))
    with pytest.raises(IndexError, match="dim"):
        cr.median(x, 2)


def test_logcumsumexp_gradient_stays_finite_however_far_apart_the_values_are_as_in_torch():
    """The gradient is taken in log space (positive and negative parts apart), so values 1,700 apart, where
    exp() of their difference overflows, still give torch's finite gradient."""
    for values in ([-800.0, 0.0, 900.0, 1.0], [1000.0, -1000.0, 1000.0, 3.0]):
        grads = []
        for lib in (cr, torch):
            x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
            (lib.logcumsumexp(x, 0) * lib.tensor([1.0, -2.0, 0.5, 3.0], dtype=lib.float64)).sum().backward()
            grads.append(x.grad.numpy())
        assert np.all(np.isfinite(grads[0]))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
