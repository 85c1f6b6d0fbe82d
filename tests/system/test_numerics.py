"""Numerics at extreme inputs: values AND gradients against PyTorch, in float32 and float64.

Inputs reach |x| = 1e4: exp overflows past 88.7 (float32) and 709.8 (float64), and e^-x underflows
to subnormals, then 0. Wherever torch's result is finite chainrule's is too, and equal within RTOL
(1e-6 float32, 1e-12 float64); infs and nans must sit where torch has them. The atol, and why:
- TINY, the dtype's smallest normal number: below it values are subnormal, with few significant
  bits (torch's float32 sigmoid(-100) is 0 where NumPy keeps the subnormal 3.8e-44).
- cancellation_atol(dtype, terms), only where a result is a short sum that cancels towards 0 (a
  softmax gradient, log(1 + tiny)): its error is eps times the size of the terms, not of the result.
Where chainrule is more exact than torch, it is compared with an exact reference instead (and
with torch within torch's own rounding): the same math in NumPy's 80-bit long double, with log1p /
expm1 where 1 + tiny would round (exact fractions for var). Those places: cross-entropy and
BCE-with-logits at a dominant class, expm1's gradient, logsumexp's gradient at |x| ~ 1e4, softplus
with a huge threshold, var/std of rows with a tiny spread (or none) next to a large mean.

chainrule's ops must not leak NumPy RuntimeWarnings for IEEE results (log(0) = -inf, 1/0 = inf,
sqrt(-1) = nan, exp(1000) = inf): torch is silent. Left as NumPy has them, on purpose (hot ops
without np.errstate): a nan made by inf * 0 inside mul, and a float32 sum that overflows.
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_parity import check_gradcheck, check_second_order

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

FUNCTIONAL = {cr: F, torch: TF}
DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-6, np.float64: 1e-12}
EXTREMES = np.array([0.0, 1, -1, 20, -20, 88, -88, 100, -100, 700, -700, 1000, -1000, 1e4, -1e4])
NEAR_ZERO = np.array([1e-30, -1e-30, 1e-10, -1e-10, 1e-5, -0.5, 0.5, 0.999, -0.999, 19.9, 20.1, -30.0])
LD = np.longdouble  # the exact references' precision: 64-bit mantissa, exponent range to 1e4932


def tiny(dtype):
    return float(np.finfo(dtype).tiny)


def cancellation_atol(dtype, terms, count=1):
    """Error bound of a sum of `count` terms of size |terms| that cancels: (count + 2) eps |terms|."""
    return (count + 2) * float(np.finfo(dtype).eps) * np.abs(np.asarray(terms, dtype=np.float64))


def assert_close(mine, expected, dtype, atol=None, rtol=None):
    """|mine - expected| <= atol + rtol |expected| elementwise (atol may be an array); infs and nans
    where expected has them. Finite wherever expected is finite, so an overflow cannot hide."""
    mine = np.asarray(mine, dtype=np.float64)
    with np.errstate(over="ignore"):  # an exact reference rounded to the dtype: 1e43 is inf in float32
        expected = np.asarray(expected).astype(dtype).astype(np.float64)
    assert mine.shape == expected.shape, f"shape {mine.shape}, expected {expected.shape}"
    np.testing.assert_array_equal(np.isnan(mine), np.isnan(expected), err_msg="nans differ")
    special = ~np.isfinite(expected)
    np.testing.assert_array_equal(mine[special], expected[special], err_msg="infs differ")
    finite = ~special
    atol = tiny(dtype) if atol is None else np.broadcast_to(atol, expected.shape)[finite] + tiny(dtype)
    rtol = RTOL[dtype] if rtol is None else np.broadcast_to(rtol, expected.shape)[finite]
    error = np.abs(mine[finite] - expected[finite])
    bound = atol + rtol * np.abs(expected[finite])
    worst = np.argmax(error - bound) if error.size else 0
    assert np.all(error <= bound), (
        f"{dtype.__name__}: {mine[finite][worst]!r} vs {expected[finite][worst]!r} (error {error[worst]:.3g} > "
        f"bound {bound[worst]:.3g}); {np.sum(error > bound)} of {error.size} off"
    )


def run(lib, fn, arrays, dtype, upstream_seed=0):
    """fn(lib, functional, *tensors) and the gradients of its float inputs for an upstream gradient
    uniform(0.5, 1.5) (no summing: inf + -inf in a sum would make nans of its own)."""
    tensors = [
        lib.tensor(a.astype(dtype), requires_grad=True) if a.dtype.kind == "f" else lib.tensor(a) for a in arrays
    ]
    out = fn(lib, FUNCTIONAL[lib], *tensors)
    upstream = np.random.default_rng(upstream_seed).uniform(0.5, 1.5, size=tuple(out.shape)).astype(dtype)
    out.backward(lib.tensor(upstream))
    grads = [t.grad.numpy() for t in tensors if t.requires_grad]
    return out.detach().numpy(), grads, upstream


def run_both(fn, *arrays, dtype, quiet=True):
    """chainrule's and torch's (value, gradients, upstream). quiet: chainrule may not warn, except
    where mul (a hot op, without np.errstate) multiplies finite numbers past the dtype's largest.
    Not quiet: the cases that pass inf * 0 through mul, or overflow a float32 sum (NumPy warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error" if quiet else "ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", "overflow encountered in multiply", RuntimeWarning)
        ours = run(cr, fn, arrays, dtype)
    return ours, run(torch, fn, arrays, dtype)


def assert_matches_torch(fn, *arrays, dtype, quiet=True, atol=None, grad_atol=None):
    (value, grads, _), (t_value, t_grads, _) = run_both(fn, *arrays, dtype=dtype, quiet=quiet)
    assert value.dtype == dtype and all(g.dtype == dtype for g in grads)
    assert_close(value, t_value, dtype, atol)
    for grad, t_grad in zip(grads, t_grads):
        assert_close(grad, t_grad, dtype, grad_atol)


def random_mix(shape, seed):
    """Extremes of both signs scaled by uniform(0.5, 1.5): every regime in one tensor."""
    rng = np.random.default_rng(seed)
    return rng.choice(EXTREMES, size=shape) * rng.uniform(0.5, 1.5, size=shape)


# ---- elementwise ------------------------------------------------------------------------------------
def at_scale_of_one(x, dtype):
    """Gradients with a difference that cancels at the scale of 1, in chainrule and torch alike:
    1 - y * y (tanh'), 1 - y (sigmoid'), 1 + erf (gelu'), times the upstream (<= 1.5)."""
    return cancellation_atol(dtype, np.full(x.shape, 1.5))


def gelu_value_atol(x, dtype):
    """gelu(x) = x (1 + erf(x / sqrt 2)) / 2: 1 + erf cancels at the scale of 1 for x < 0."""
    return cancellation_atol(dtype, x)


def gelu_tanh_grad_atol(x, dtype):
    """tanh-gelu' = (1 + t) / 2 + x (1 - t^2) u' / 2, t = tanh(u): one ulp of t (torch's tanh and
    NumPy's differ by that) moves it by eps |x u'|. Where t is +-1 exactly (|x| > 10) nothing moves."""
    inner_slope = np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x * x)
    scale = np.where(np.abs(x) < 10, 0.5 + np.abs(x) * inner_slope, 1.0)
    return cancellation_atol(dtype, 1.5 * scale)


UNARY = {
    "exp": lambda m, f, t: m.exp(t),
    "log": lambda m, f, t: m.log(t),  # log(0) = -inf with gradient inf, log(x < 0) = nan
    "log1p": lambda m, f, t: m.log1p(t),  # log1p(-1) = -inf
    "expm1": lambda m, f, t: m.expm1(t),
    "log1p_method": lambda m, f, t: t.log1p(),
    "expm1_method": lambda m, f, t: t.expm1(),
    "sqrt": lambda m, f, t: m.sqrt(t),  # sqrt(0) has gradient inf
    "reciprocal": lambda m, f, t: 1 / t,  # 1/0 = inf, gradient -inf
    "div_by_self_times_0": lambda m, f, t: t / (t * 0),  # 0/0 = nan, x/0 = +-inf
    "pow_minus_one": lambda m, f, t: t**-1.0,
    "pow_half": lambda m, f, t: t**0.5,
    "pow_three": lambda m, f, t: t**3,  # (1.5e4) ** 3 = 3.4e12: finite in float32
    "sigmoid": lambda m, f, t: m.sigmoid(t),
    "tanh": lambda m, f, t: m.tanh(t),
    "logsigmoid": lambda m, f, t: f.logsigmoid(t),
    "softplus": lambda m, f, t: f.softplus(t),
    "softplus_beta2": lambda m, f, t: f.softplus(t, beta=2.0, threshold=10.0),
    "softplus_beta_half": lambda m, f, t: f.softplus(t, 0.5, 30),
    "gelu": lambda m, f, t: f.gelu(t),
    "gelu_tanh": lambda m, f, t: f.gelu(t, approximate="tanh"),
    "leaky_relu": lambda m, f, t: f.leaky_relu(t, 0.1),
}


VALUE_ATOL = {"gelu": gelu_value_atol, "gelu_tanh": gelu_value_atol}
GRAD_ATOL = {"tanh": at_scale_of_one, "sigmoid": at_scale_of_one, "gelu": at_scale_of_one,
             "gelu_tanh": gelu_tanh_grad_atol}


def check_unary(name, x, dtype):
    x = x.astype(dtype)
    value_atol = VALUE_ATOL[name](x, dtype) if name in VALUE_ATOL else None
    grad_atol = GRAD_ATOL[name](x, dtype) if name in GRAD_ATOL else None
    quiet = name != "div_by_self_times_0"  # its backward multiplies inf by 0 in mul (nan, as in torch)
    if not name.startswith("expm1"):
        assert_matches_torch(UNARY[name], x, dtype=dtype, quiet=quiet, atol=value_atol, grad_atol=grad_atol)
        return
    # expm1's gradient is exp(x), exact; torch's result + 1 cancels at the scale of 1 for x < 0
    (value, (grad,), up), (t_value, (t_grad,), _) = run_both(UNARY[name], x, dtype=dtype)
    assert_close(value, t_value, dtype)
    with np.errstate(over="ignore"):  # the derivative e^x, rounded to the dtype: inf past 88.7 in float32
        assert_close(grad, up * np.exp(x.astype(LD)).astype(dtype), dtype)
    assert_close(grad, t_grad, dtype, atol=at_scale_of_one(x, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_at_extremes(name, dtype):
    check_unary(name, np.concatenate([EXTREMES, NEAR_ZERO, [-1.0, -2.0]]), dtype)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=6)
@given(seed=st.integers(0, 2**16))
def test_unary_on_random_mixes(name, seed):
    for dtype in DTYPES:
        check_unary(name, random_mix((4, 5), seed), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_division_at_extremes(dtype):
    # d(a/b)/db = -(a / b) / b, as torch: a / (b * b) would overflow (b = 1e30) or go subnormal (1e-20)
    values = np.array([0.0, 1e-30, -1e-20, 1e-5, 1.0, -3.0, 1e4, 1e20, -1e30, 1e38])
    a, b = np.meshgrid(values, values)
    assert_matches_torch(lambda m, f, x, y: x / y, a.ravel(), b.ravel(), dtype=dtype, quiet=False)
    (value, (ga, gb), _), _ = run_both(lambda m, f, x, y: x / y, np.array([1e30, 1e-20]), np.array([1e30, 1e-20]),
                                       dtype=dtype)
    assert_close(gb, -ga, dtype)  # a = b: d/db = -1 / b


ROUND_TRIPS = {
    "log_exp": lambda m, f, t: m.log(m.exp(t)),  # x while exp(x) is finite, then inf
    "exp_log": lambda m, f, t: m.exp(m.log(t.abs())),  # |x|, 0 at 0 (gradient nan: 0 * inf)
    "expm1_log1p": lambda m, f, t: m.expm1(m.log1p(t)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_round_trips(name, dtype):
    x = np.concatenate([EXTREMES, NEAR_ZERO])
    # the backward of a chain multiplies inf by 0 at some points (mul warns there: a hot op)
    assert_matches_torch(ROUND_TRIPS[name], x, dtype=dtype, quiet=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trips_are_identities_where_finite(dtype):
    limit = 88.0 if dtype == np.float32 else 709.0  # exp(x) finite
    x = cr.tensor(np.concatenate([EXTREMES[np.abs(EXTREMES) < limit], NEAR_ZERO]), dtype=dtype)
    assert_close(cr.log(cr.exp(x)).numpy(), x.numpy(), dtype, atol=cancellation_atol(dtype, 1.0))
    x = x[x > -15.0]  # expm1(x) > -1 (below, it rounds to -1 in float32 and log1p gives -inf)
    assert_close(cr.log1p(cr.expm1(x)).numpy(), x.numpy(), dtype, rtol=4 * RTOL[dtype])
    small = np.array([1e-30, -1e-12, 3e-8, -1e-5]).astype(dtype)  # exp(x) - 1 and log(1 + x) round here
    assert_close(cr.expm1(cr.tensor(small)).numpy(), np.expm1(small.astype(LD)), dtype)
    assert_close(cr.log1p(cr.tensor(small)).numpy(), np.log1p(small.astype(LD)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ieee_results_without_warnings(dtype):
    x = cr.tensor([0.0, -1.0, 1e4], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logs = cr.log(x)
        divided = 1.0 / x
        roots = cr.sqrt(x)
        powers = x**-1.0
        exps = cr.exp(x)
        grad = cr.autograd.grad(logs.sum(), x)[0]
    np.testing.assert_array_equal(logs.detach().numpy()[:2], [-np.inf, np.nan])
    np.testing.assert_array_equal(divided.detach().numpy()[:2], [np.inf, -1.0])
    np.testing.assert_array_equal(roots.detach().numpy()[:2], [0.0, np.nan])
    np.testing.assert_array_equal(powers.detach().numpy()[:2], [np.inf, -1.0])
    assert exps.detach().numpy()[2] == np.inf
    assert grad.numpy()[0] == np.inf  # d/dx log x at 0, as in torch
    assert cr.tensor(0.0).log().item() == -np.inf


@pytest.mark.parametrize("dtype", DTYPES)
def test_softplus_with_a_huge_threshold_stays_finite(dtype):
    # torch evaluates log1p(exp(x)) up to the threshold: exp overflows to inf past 88 (float32) / 709.
    # chainrule's max(x, 0) + log1p(exp(-|x|)) stays exact: softplus(x) = x there, gradient 1.
    x = np.array([100.0, 700.0, 1000.0, 1e4, -1e4, 0.0, 5.0])
    (value, (grad,), up), (t_value, _, _) = run_both(lambda m, f, t: f.softplus(t, 1.0, 1e6), x, dtype=dtype)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    exact = np.logaddexp(LD(0), x.astype(LD))
    assert_close(value, exact, dtype)
    assert_close(grad, up / (1 + np.exp(-x.astype(LD))), dtype)
    torch_finite = np.isfinite(t_value)
    assert_close(value[torch_finite], t_value[torch_finite], dtype)


# ---- softmax, log_softmax, logsumexp -----------------------------------------------------------------
def logit_rows(seed=0):
    """Rows of 5 logits: extremes, all equal (huge, hugely negative, 0), -inf entries, a dominant class."""
    rows = [
        [1000.0, 0.0, -1000.0, 1e4, -1e4],
        [1e4] * 5,
        [-1e4] * 5,
        [0.0] * 5,
        [50.0, 50.0, -np.inf, 3.0, -np.inf],
        [-33.0, 11.0, 11.5, -700.0, 20.0],
        [88.0, 89.0, 90.0, -88.0, 100.0],
        [-np.inf, -np.inf, -np.inf, -np.inf, 7.0],
    ]
    return np.concatenate([np.array(rows), random_mix((4, 5), seed)])


def softmax_reference(x, axis):
    """softmax in long double: exp(x - max) / sum, exact to float64's precision for any finite max."""
    x = x.astype(LD)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0])
def test_softmax_at_extremes(dim, dtype):
    x = logit_rows()
    (value, (grad,), up), (t_value, (t_grad,), _) = run_both(lambda m, f, t: m.softmax(t, dim), x, dtype=dtype)
    assert_close(value, t_value, dtype)
    # y * (g - sum(g * y)): the bracket cancels to ~0 at the scale of g
    count = x.shape[dim]
    assert_close(grad, t_grad, dtype, atol=cancellation_atol(dtype, t_value * up.max(), count))
    assert_close(value, softmax_reference(x.astype(dtype), dim), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0])
def test_log_softmax_at_extremes(dim, dtype):
    x = logit_rows(1)
    (value, (grad,), up), (t_value, (t_grad,), _) = run_both(lambda m, f, t: m.log_softmax(t, dim), x, dtype=dtype)
    count = x.shape[dim]
    # log(sum of exps) of a sum near 1 is ~0 with an absolute error of eps per term
    assert_close(value, t_value, dtype, atol=cancellation_atol(dtype, 1.0, count))
    # g - p * sum(g): cancels at the scale of p * sum(g)
    scale = np.exp(t_value) * up.sum(axis=dim, keepdims=True)
    assert_close(grad, t_grad, dtype, atol=cancellation_atol(dtype, scale, count))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0, (0, 1)])
def test_logsumexp_at_extremes(dim, dtype):
    x = logit_rows(2)
    (value, (grad,), up), (t_value, (t_grad,), _) = run_both(lambda m, f, t: m.logsumexp(t, dim), x, dtype=dtype)
    count = x.size // value.size
    assert_close(value, t_value, dtype, atol=cancellation_atol(dtype, 1.0, count))
    # chainrule's gradient is softmax(x) itself; torch's exp(x - result) carries result's rounding,
    # eps * |result| relative (1e-3 in float32 at |x| ~ 1e4): compare with the exact softmax.
    axes = dim if isinstance(dim, tuple) else (dim,)
    exact = softmax_reference(x.astype(dtype), axes) * np.expand_dims(up, axes)
    assert_close(grad, exact, dtype)
    torch_rounding = 2 * np.finfo(dtype).eps * np.maximum(np.abs(np.expand_dims(t_value, axes)), 1.0)
    assert_close(grad, t_grad, dtype, rtol=RTOL[dtype] + torch_rounding.max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_rows_of_only_minus_inf(dtype):
    # no max to take out (-inf - -inf): softmax is nan, logsumexp -inf, as in torch, silently
    x = np.array([[-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, -np.inf]])
    for fn in (lambda m, f, t: m.softmax(t, 1), lambda m, f, t: m.log_softmax(t, 1), lambda m, f, t: m.logsumexp(t, 1)):
        assert_matches_torch(fn, x, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_equal_logits_give_uniform_probabilities(dtype):
    for value in (0.0, 1e4, -1e4, 88.0, -700.0):
        x = cr.full((2, 4), value, dtype=dtype)
        np.testing.assert_array_equal(cr.softmax(x, 1).numpy(), 0.25)
        assert_close(cr.log_softmax(x, 1).numpy(), np.full((2, 4), -np.log(4.0)), dtype)
        assert_close(cr.logsumexp(x, 1).numpy(), np.full(2, value + np.log(LD(4))), dtype)


# ---- cross-entropy, nll ------------------------------------------------------------------------------
def cross_entropy_reference(logits, target, weight=None, label_smoothing=0.0, reduction="mean", upstream=1.0):
    """In long double: the loss, d loss / d logits, the size of the gradient's two terms as torch
    (total * p - w) and chainrule (at the top class: (total - w) p - w (1 - p)) compute it, the
    weights reduced like the loss, and each row's gradient scale (upstream, / the mean's denominator).
    Where a soft target is close to p, the two terms cancel in any formula: the error is absolute.
    log p = (z - max) - log1p(sum of the other exps), and at each row's top class
    p - 1 = expm1(log p): the two places where 1 + tiny would round."""
    z = logits.astype(LD)
    rows, classes = np.arange(len(z)), z.shape[1]
    top = z.argmax(axis=1)
    shifted = z - z[rows, top][:, None]
    others = np.exp(shifted)
    others[rows, top] = 0
    logp = shifted - np.log1p(others.sum(axis=1, keepdims=True))
    class_weight = np.ones(classes, dtype=LD) if weight is None else weight.astype(LD)
    if target.dtype.kind == "f":
        w = (target.astype(LD) * (1 - label_smoothing) + label_smoothing / classes) * class_weight
        denominator = len(z)
    else:
        w = np.zeros_like(z)
        w[rows, target] = (1 - label_smoothing) * class_weight[target]
        w += label_smoothing / classes * class_weight
        denominator = class_weight[target].sum()
    losses = -(w * logp).sum(axis=1)
    total = w.sum(axis=1)
    grad = total[:, None] * np.exp(logp) - w  # d/dz of -sum_c w_c log p_c
    grad[rows, top] = total * np.expm1(logp[rows, top]) + (total - w[rows, top])
    torch_terms = np.maximum(total[:, None] * np.exp(logp), w)
    terms = torch_terms.copy()
    w_top = w[rows, top]
    terms[rows, top] = np.maximum((total - w_top) * np.exp(logp[rows, top]), -w_top * np.expm1(logp[rows, top]))
    if reduction == "none":
        scale = np.asarray(upstream, dtype=LD)[:, None]
        return losses, grad * scale, (terms * scale, torch_terms * scale), total, scale
    per_row = 1 / denominator if reduction == "mean" else LD(1)
    scale = LD(upstream) * per_row
    return losses.sum() * per_row, grad * scale, (terms * scale, torch_terms * scale), total.sum() * per_row, scale


def ce_logits(seed):
    """Finite extremes only (the reference is for finite logits), dominant classes, all-equal rows."""
    rows = [
        [1000.0, 0.0, -1000.0, 1e4, -1e4],
        [1e4] * 5,
        [-1e4] * 5,
        [-33.0, 11.0, 11.5, -700.0, 20.0],
        [88.0, 89.0, 90.0, -88.0, 100.0],
        [0.0, 30.0, 0.0, -30.0, 0.0],
    ]
    return np.concatenate([np.array(rows), random_mix((4, 5), seed)])


CE_CASES = {
    "index": dict(target="index"),
    "index_smoothing": dict(target="index", label_smoothing=0.1),
    "index_weight": dict(target="index", weight=True),
    "index_weight_smoothing": dict(target="index", weight=True, label_smoothing=0.2),
    "one_hot": dict(target="one_hot"),  # probabilities with zeros
    "probabilities": dict(target="probabilities"),
    "probabilities_smoothing_weight": dict(target="probabilities", weight=True, label_smoothing=0.3),
}


def ce_inputs(case, seed):
    rng = np.random.default_rng(seed)
    logits = ce_logits(seed)
    labels = rng.integers(0, 5, size=len(logits))
    labels[0] = 3  # the 1e4 logit: p = 1 - e^-1e4, loss 0 in any precision
    labels[3] = 4  # the dominant class at 20: loss log1p(e^-8.5 + ...) and gradient -e^-8.5
    labels[5] = 1  # 30 against 0, 0, 0, -30: gradient -3e^-30 at the target, which torch rounds
    kind = CE_CASES[case]["target"]
    target = {"index": labels, "one_hot": np.eye(5)[labels], "probabilities": rng.dirichlet(np.ones(5), len(logits))}
    weight = rng.uniform(0.5, 2.0, size=5) if CE_CASES[case].get("weight") else None
    return logits, target[kind], weight, CE_CASES[case].get("label_smoothing", 0.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_at_extremes(case, reduction, dtype):
    logits, target, weight, smoothing = ce_inputs(case, seed=7)

    def loss(m, f, z, *rest):
        y = rest[0] if target.dtype.kind == "f" else m.tensor(target)
        w = None if weight is None else m.tensor(weight.astype(dtype))
        return f.cross_entropy(z, y, weight=w, reduction=reduction, label_smoothing=smoothing)

    arrays = (logits, target) if target.dtype.kind == "f" else (logits,)
    (value, grads, up), (t_value, t_grads, _) = run_both(loss, *arrays, dtype=dtype)
    cast = None if target.dtype.kind != "f" else target.astype(dtype)
    exact_value, exact_grad, (terms, torch_terms), weight_total, scale = cross_entropy_reference(
        logits.astype(dtype), target if cast is None else cast, None if weight is None else weight.astype(dtype),
        smoothing, reduction, up,
    )
    assert np.isfinite(value).all() and np.isfinite(grads[0]).all()
    # more exact than torch: its fused kernel rounds log(1 + e^-44) and p - 1 at the scale of the
    # row's weights. Against the exact reference the only error left is that of p = exp(z - max):
    # z - max rounds by eps |z - max|, which becomes p's relative error.
    z = logits.astype(dtype)
    p_rtol = RTOL[dtype] + 2 * np.finfo(dtype).eps * np.abs(z - z.max(axis=1, keepdims=True))
    assert_close(value, exact_value, dtype)
    assert_close(grads[0], exact_grad, dtype, rtol=p_rtol, atol=cancellation_atol(dtype, terms))
    assert_close(value, t_value, dtype, atol=cancellation_atol(dtype, weight_total, 5))
    assert_close(grads[0], t_grads[0], dtype, atol=cancellation_atol(dtype, torch_terms, 5), rtol=p_rtol)
    if len(grads) > 1:  # probability targets: d loss / d target = -(1 - smoothing) class_weight log p
        class_weight = np.ones(5) if weight is None else weight
        assert_close(grads[1], t_grads[1], dtype, atol=cancellation_atol(dtype, class_weight * scale, 5))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_minus_inf_logits(dtype):
    # a -inf logit off the target is p = 0 (finite loss); on the target the loss is inf; a zero
    # probability on a -inf logit is 0 * -inf = nan in torch's formula, and in chainrule's
    logits = np.array([[0.0, -np.inf, 3.0], [-np.inf, 1e4, -np.inf], [2.0, -np.inf, -1.0]])
    for labels in ([0, 1, 2], [1, 1, 0]):
        fn = lambda m, f, z: f.cross_entropy(z, m.tensor(labels), reduction="none")  # noqa: E731
        assert_matches_torch(fn, logits, dtype=dtype)
    one_hot = np.eye(3).astype(dtype)
    fn = lambda m, f, z: f.cross_entropy(z, m.tensor(one_hot), reduction="none")  # noqa: E731
    assert_matches_torch(fn, logits, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_of_extreme_log_probabilities(reduction, dtype):
    logits = logit_rows(3)[:, :4]
    logits[4] = [-np.inf, 0.0, 1e4, -1e4]
    labels = np.array([0, 1, 2, 3, 1, 0, 2, 3, 0, 1, 2, 3])  # row 7 targets its -inf: loss inf
    fn = lambda m, f, z: f.nll_loss(m.log_softmax(z, 1), m.tensor(labels), reduction=reduction)  # noqa: E731
    (value, (grad,), up), (t_value, (t_grad,), _) = run_both(fn, logits, dtype=dtype)
    assert_close(value, t_value, dtype, atol=cancellation_atol(dtype, 1.0, 4))  # log_softmax's log(1 + tiny)
    assert_close(grad, t_grad, dtype)


# ---- binary cross-entropy ---------------------------------------------------------------------------
def bce_logits_reference(x, y, weight, pos_weight, upstream):
    """d/dx of w (pw y softplus(-x) + (1 - y) softplus(x)) in long double: w ((1 - y) s(x) - pw y s(-x)).
    Also returns the size of the two terms: where they cancel (s(x) ~ y), float rounding is absolute."""
    x, y = x.astype(LD), y.astype(LD)
    with np.errstate(over="ignore"):  # exp(1.5e4) overflows long double: the sigmoid is then 0, rightly
        sigmoid_x, sigmoid_minus_x = 1 / (1 + np.exp(-x)), 1 / (1 + np.exp(x))
    scale = weight.astype(LD) * upstream
    negative, positive = (1 - y) * sigmoid_x * scale, pos_weight.astype(LD) * y * sigmoid_minus_x * scale
    return negative - positive, np.maximum(negative, positive)


def bce_logits_loss_reference(x, y, weight, pos_weight):
    x, y = x.astype(LD), y.astype(LD)
    softplus = lambda v: np.maximum(v, 0) + np.log1p(np.exp(-np.abs(v)))  # noqa: E731
    return weight.astype(LD) * (pos_weight.astype(LD) * y * softplus(-x) + (1 - y) * softplus(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_bce_with_logits_at_extremes(with_pos_weight, dtype):
    x = np.concatenate([EXTREMES, NEAR_ZERO, random_mix(12, 4)])
    y = np.resize([0.0, 1.0, 0.3, 1.0, 0.0, 0.9], x.shape)  # hard labels and probabilities
    weight = np.random.default_rng(5).uniform(0.5, 2.0, size=x.shape).astype(dtype)
    pos_weight = np.resize([3.0, 0.5, 1.0], x.shape).astype(dtype)

    def loss(m, f, logits, target):
        pw = m.tensor(pos_weight) if with_pos_weight else None
        return f.binary_cross_entropy_with_logits(logits, target, m.tensor(weight), reduction="none", pos_weight=pw)

    (value, (gx, gy), up), (t_value, (t_gx, t_gy), _) = run_both(loss, x, y, dtype=dtype)
    pw = pos_weight if with_pos_weight else np.ones_like(pos_weight)
    # torch rounds log(1 + e^-20) at the scale of 1 (0 in float32); chainrule's log1p keeps it
    assert_close(value, bce_logits_loss_reference(x.astype(dtype), y.astype(dtype), weight, pw), dtype)
    assert_close(value, t_value, dtype, atol=cancellation_atol(dtype, weight * (1 + pw)))
    assert_close(gy, t_gy, dtype)
    # torch's sigmoid(x) - y is 0 where sigmoid(x) rounds to 1: chainrule keeps the e^-x (reference)
    exact, terms = bce_logits_reference(x.astype(dtype), y.astype(dtype), weight, pw, up)
    assert_close(gx, exact, dtype, atol=cancellation_atol(dtype, terms))
    assert_close(gx, t_gx, dtype, atol=cancellation_atol(dtype, weight * pw * up))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_with_logits_of_huge_logits_is_finite(reduction, dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4, 1000.0, -1000.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.5])  # right with certainty, wrong with certainty, unsure
    fn = lambda m, f, z, t: f.binary_cross_entropy_with_logits(z, t, reduction=reduction)  # noqa: E731
    (value, grads, _), (t_value, t_grads, _) = run_both(fn, x, y, dtype=dtype)
    assert np.isfinite(value).all() and all(np.isfinite(g).all() for g in grads)
    assert_close(value, t_value, dtype)
    for grad, t_grad in zip(grads, t_grads):
        assert_close(grad, t_grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_at_0_and_1(dtype):
    # PyTorch clamps each log at -100 and each gradient's denominator at 1e-12: finite at 0 and 1
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30, 1 - 1e-7, 1e-7, 0.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.3, 0.7])
    fn = lambda m, f, p, t: f.binary_cross_entropy(p, t, reduction="none")  # noqa: E731
    (value, (gx, gy), _), (t_value, (t_gx, t_gy), _) = run_both(fn, x, y, dtype=dtype)
    assert np.isfinite(value).all() and np.isfinite(gx).all()
    assert_close(value, t_value, dtype)
    assert_close(gx, t_gx, dtype)
    assert_close(gy, t_gy, dtype)  # -log(p / (1 - p)): +-inf at 0 and 1, as in torch


# ---- var, std, mean ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, None])
def test_var_and_std_of_constant_rows_are_exactly_0(dim, dtype):
    # the rounded mean of n equal values need not equal them; torch's Welford reduction (over a dim)
    # gives 0, its full reduction a ~1e-17 std with a ~0.1 gradient. Exact: 0, and std's gradient 0.
    for value in (0.1, 1e4, -1e4, 3e38 if dtype == np.float32 else 1e300, 1e-30):
        x = cr.full((3, 7), value, dtype=dtype, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            variance, deviation = x.var(dim), x.std(dim)
            (grad,) = cr.autograd.grad(deviation.sum(), x)
            (var_grad,) = cr.autograd.grad(variance.sum(), x)
        assert (variance.detach().numpy() == 0).all() and (deviation.detach().numpy() == 0).all()
        assert (grad.numpy() == 0).all() and (var_grad.numpy() == 0).all()


def var_reference(x, dim, correction):
    """var and the centred values x - mean, exactly (in fractions), as long doubles. Long double alone
    is not enough: its mean of values near 1e4 is off by 1e-15, the spread of a float64 row is 1e-3."""
    rows = np.moveaxis(x, dim, -1)
    centered, variance = np.empty(rows.shape, dtype=LD), np.empty(rows.shape[:-1], dtype=LD)
    for index in np.ndindex(rows.shape[:-1]):
        values = [Fraction(float(v)) for v in rows[index]]
        mean = sum(values) / len(values)
        centered[index] = [float(v - mean) for v in values]
        variance[index] = float(sum((v - mean) ** 2 for v in values) / (len(values) - correction))
    return variance, np.moveaxis(centered, -1, dim)


def var_error_bounds(name, centred_error, exact_var, n, dim, upstream):
    """(rtol, atol) from an absolute error d in the centred values c: var = sum c^2 / (n - 1) is off by
    ~2 d sum|c| / (n - 1) <= 4 d / std relative (std half that); var's gradient 2 c / (n - 1) by
    2 d / (n - 1); std's gradient c / ((n - 1) std) by d / ((n - 1) std) plus std's relative error."""
    std = np.expand_dims(np.sqrt(exact_var.astype(np.float64)), dim)
    relative = 4 * centred_error / std
    if name == "var":
        return relative, 2 * centred_error / (n - 1) * upstream
    return relative, centred_error / ((n - 1) * std) * upstream


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0])
def test_var_and_std_at_extremes(dim, dtype):
    spread = np.random.default_rng(6).uniform(-1, 1, size=(4, 6))
    x = np.concatenate([1e4 + spread, -1e4 + 1e-3 * spread, random_mix((4, 6), 6), np.full((1, 6), 0.1)])
    x[-1, 0] = 0.1 + 1e-6  # an almost constant row
    x = x if dim == 1 else x.T
    exact_var, centered = var_reference(x.astype(dtype), dim, 1)
    for name, fn in (("var", lambda m, f, t: t.var(dim)), ("std", lambda m, f, t: t.std(dim))):
        (value, (grad,), up), (t_value, (t_grad,), _) = run_both(fn, x, dtype=dtype)
        up = np.expand_dims(up, dim)
        n = x.shape[dim]
        if name == "var":
            exact_value, exact_grad = exact_var, 2 * centered / (n - 1) * up
        else:
            exact_value = np.sqrt(exact_var)
            exact_grad = centered / ((n - 1) * np.expand_dims(exact_value, dim)) * up
        # chainrule centres on a sample first, so rows near +-1e4 with a spread of 1e-3 keep their
        # digits: its centred values are off by ~eps |x - x[0]|; torch's by ~eps |x| (its rounded mean)
        xd = x.astype(dtype).astype(np.float64)
        ours = 2 * np.finfo(dtype).eps * np.abs(xd - np.take(xd, [0], axis=dim)).max(axis=dim, keepdims=True)
        theirs = 2 * np.finfo(dtype).eps * np.abs(xd).max(axis=dim, keepdims=True)
        for (v, g), (expected_value, expected_grad), centred_error in (
            ((value, grad), (exact_value, exact_grad), ours),
            ((value, grad), (t_value, t_grad), theirs),
        ):
            rtol, atol = var_error_bounds(name, centred_error, exact_var, n, dim, up)
            assert_close(v, expected_value, dtype, rtol=RTOL[dtype] + np.squeeze(rtol, dim))
            assert_close(g, expected_grad, dtype, rtol=RTOL[dtype] + rtol, atol=atol)


@pytest.mark.parametrize("dim", [None, 1])
def test_mean_and_sum_of_huge_float32_values_overflow_like_torch(dim):
    rows = np.array([[1e38] * 4, [3e38, -3e38, 3e38, -3e38], [3e38, 3e38, -1e38, -1e38], [1e38, 1e38, 1.0, 0.0]])
    for fn in (lambda m, f, t: t.mean(dim), lambda m, f, t: t.sum(dim)):
        # NumPy warns when a float32 sum overflows (sum is a hot op, kept without np.errstate)
        assert_matches_torch(fn, rows, dtype=np.float32, quiet=False)


# ---- the new ops: API, second order, finite differences ---------------------------------------------
def test_exports_and_modules():
    x = cr.tensor([-0.5, 0.5, 30.0])
    np.testing.assert_allclose(cr.log1p(x).numpy(), np.log1p(x.numpy()), rtol=1e-6)
    np.testing.assert_allclose(cr.expm1(x).numpy(), np.expm1(x.numpy()), rtol=1e-6)
    assert cr.log1p(cr.tensor([1, 2])).dtype == cr.float32 and cr.expm1(cr.tensor([1])).dtype == cr.float32
    np.testing.assert_array_equal(nn.Softplus(beta=2.0, threshold=5.0)(x).numpy(), F.softplus(x, 2.0, 5.0).numpy())
    np.testing.assert_array_equal(nn.LogSigmoid()(x).numpy(), F.logsigmoid(x).numpy())
    assert repr(nn.Softplus()) == repr(torch.nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.LogSigmoid()) == "LogSigmoid()"
    assert F.softplus(cr.tensor([1.0], dtype=cr.float32), beta=np.float64(2)).dtype == cr.float32


SMOOTH = {
    "log1p": lambda m, t: m.log1p(t * t),
    "expm1": lambda m, t: m.expm1(t),
    "softplus": lambda m, t: FUNCTIONAL[m].softplus(t * 4, beta=1.5, threshold=4.0),
    "logsigmoid": lambda m, t: FUNCTIONAL[m].logsigmoid(t * 3),
    "logsumexp": lambda m, t: m.logsumexp(t * 5, 1),
    "logsumexp_dims": lambda m, t: m.logsumexp(t * 5, (0, 1)),
    "var_shifted": lambda m, t: (t + 1e3).var(1),
    "div": lambda m, t: t / (t * t + 0.5),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_second_order_and_finite_differences(name):
    x = np.random.default_rng(8).uniform(-2, 2, size=(3, 4))
    check_second_order(SMOOTH[name], x)
    check_gradcheck(SMOOTH[name], x)
