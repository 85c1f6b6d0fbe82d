"""ops/math.py against PyTorch: values, dtypes, gradients, second derivatives, in-place twins and errors."""
import numpy as np
import pytest
import torch
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr

X = random_array((3, 4), 0)
POSITIVE = random_array((3, 4), 1, 0.5, 3.0)
UNIT = random_array((3, 4), 2, -0.95, 0.95)
Y = random_array((4,), 3)

UNARY = {  # name: (fn, input)
    "rsqrt": (lambda m, x: m.rsqrt(x), POSITIVE),
    "square": (lambda m, x: m.square(x), X),
    "reciprocal": (lambda m, x: m.reciprocal(x), POSITIVE),
    "sinh": (lambda m, x: m.sinh(x), X),
    "cosh": (lambda m, x: x.cosh(), X),
    "asin": (lambda m, x: m.asin(x), UNIT),
    "acos": (lambda m, x: x.acos(), UNIT),
    "atan": (lambda m, x: m.atan(x), X),
    "arcsin": (lambda m, x: m.arcsin(x), UNIT),
    "log2": (lambda m, x: m.log2(x), POSITIVE),
    "log10": (lambda m, x: x.log10(), POSITIVE),
    "exp2": (lambda m, x: m.exp2(x), X),
    "erf": (lambda m, x: x.erf(), X),
    "erfinv": (lambda m, x: m.erfinv(x), UNIT),
    "erfc": (lambda m, x: m.erfc(x * 3), X),
    "deg2rad": (lambda m, x: m.deg2rad(x), X),
    "rad2deg": (lambda m, x: x.rad2deg(), X),
    "negative": (lambda m, x: m.negative(x), X),
    "absolute": (lambda m, x: x.absolute(), X),
    "nan_to_num": (lambda m, x: m.nan_to_num(x, nan=1.5), X),
    "clip": (lambda m, x: x.clip(-1, 1), X),
}

BINARY = {  # name: (fn, a, b)
    "atan2": (lambda m, a, b: m.atan2(a, b), X, Y),
    "arctan2": (lambda m, a, b: a.arctan2(b), X, Y),
    "hypot": (lambda m, a, b: m.hypot(a, b), X, Y),
    "logaddexp": (lambda m, a, b: a.logaddexp(b), X * 300, Y),
    "fmax": (lambda m, a, b: m.fmax(a, b), X, Y),
    "fmin": (lambda m, a, b: a.fmin(b), X, Y),
    "lerp_number": (lambda m, a, b: m.lerp(a, b, 0.3), X, Y),
    "true_divide": (lambda m, a, b: m.true_divide(a, b), X, POSITIVE),
    "multiply": (lambda m, a, b: a.multiply(b), X, Y),
    "subtract": (lambda m, a, b: m.subtract(a, b, alpha=2), X, Y),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients(name):
    fn, x = UNARY[name]
    check_op(fn, x)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_gradients(name):
    fn, a, b = BINARY[name]
    check_op(fn, a, b)


def test_three_input_ops():
    check_op(lambda m, a, b, w: m.lerp(a, b, w), X, Y, UNIT)
    check_op(lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), X, Y, UNIT)
    check_op(lambda m, a, b, c: a.addcdiv(b, c, value=-2), X, Y, POSITIVE)


@pytest.mark.parametrize("name", ["rsqrt", "reciprocal", "sinh", "cosh", "asin", "acos", "atan", "log2", "exp2", "erfinv", "erfc"])
def test_unary_second_derivatives(name):
    fn, x = UNARY[name]
    check_second_order(fn, x)


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp"])
def test_binary_second_derivatives(name):
    fn, a, b = BINARY[name]
    check_second_order(fn, a, b)


@pytest.mark.parametrize("name", ["sinh", "atan", "erfinv", "rsqrt", "exp2", "deg2rad"])
def test_float32_stays_float32(name):
    fn, x = UNARY[name]
    check_torch(fn, x.astype(np.float32))
    check_torch(lambda m, a, b: m.atan2(a, b), X.astype(np.float32), Y.astype(np.float32))


def test_special_values_match_torch():
    tails = np.array([-30.0, -3.0, 0.2, 0.5, 3.0, 6.0, 27.0, 30.0, np.inf, -np.inf, np.nan])
    check_torch(lambda m, x: m.erfc(x), tails)
    check_torch(lambda m, x: m.erfc(x), tails.astype(np.float32))
    edges = np.array([-1.0, 1.0, 1.5, -2.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 0.999999, -1 + 1e-12])
    for fn in (lambda m, x: m.erfinv(x), lambda m, x: m.rsqrt(x), lambda m, x: m.asin(x), lambda m, x: m.log2(x),
               lambda m, x: m.signbit(x), lambda m, x: m.nan_to_num(x), lambda m, x: m.nan_to_num(x, 0, 5.0, -5.0),
               lambda m, x: m.fmax(x, m.flip(x, [0])), lambda m, x: m.fmin(x, m.flip(x, [0]))):
        check_torch(fn, edges, grad=False)
        check_torch(fn, edges.astype(np.float32), grad=False)


def test_erfinv_is_accurate_across_its_range():
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), [1e-300, -1e-20, 0.5 - 1e-17]])
    np.testing.assert_allclose(cr.erfinv(cr.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-13, atol=0)


@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 2e-15, 0), (np.float32, 1e-6, 1e-42)])  # (float32's subnormals)
def test_erf_erfc_erfinv_in_standard_functions_match_torch(dtype, rtol, atol):
    """On array-api-strict's device (Cody's and Giles' approximations in standard functions only), whatever
    the default library of this run."""
    x = np.concatenate([np.linspace(-30, 30, 6001), [0.46875, 4.0, -np.inf, np.inf, np.nan]]).astype(dtype)
    y = np.concatenate([np.linspace(-1, 1, 2001), [1 - 1e-12, 1.5, np.nan]]).astype(dtype)
    for name, values in (("erf", x), ("erfc", x), ("erfinv", y)):
        mine = getattr(cr, name)(cr.tensor(values, device="array_api_strict")).cpu().numpy()
        assert mine.dtype == dtype
        np.testing.assert_allclose(mine, getattr(torch, name)(torch.tensor(values)).numpy(), rtol=rtol, atol=atol)


def test_nan_to_num_gradient_passes_where_finite():
    check_torch(lambda m, x: m.nan_to_num(x + m.tensor([0.0, np.inf, np.nan, -np.inf], dtype=x.dtype), posinf=3.0, neginf=-3.0), Y)


def test_integer_dtype_rules_match_torch():
    ints = np.array([1, 2, 3])
    for fn in (lambda m, x: m.square(x), lambda m, x: m.reciprocal(x), lambda m, x: m.deg2rad(x),
               lambda m, x: m.atan2(x, x), lambda m, x: m.exp2(x), lambda m, x: m.fmax(x, x.flip(0)),
               lambda m, x: m.nan_to_num(x), lambda m, x: m.addcmul(x, x, x, value=2), lambda m, x: m.signbit(x),
               lambda m, x: m.square(x > 1), lambda m, x: m.rsqrt(x), lambda m, x: m.erfinv(x)):
        check_torch(fn, ints)


def test_errors_like_torch():
    i = cr.tensor([1, 2])
    for fn in (lambda: cr.hypot(i, i), lambda: cr.logaddexp(i, i), lambda: cr.lerp(i, i, 0.5)):
        with pytest.raises(TypeError, match="float"):
            fn()
    with pytest.raises(RuntimeError, match="addcdiv"):
        cr.addcdiv(i, i, i)
    with pytest.raises(TypeError, match="Tensor"):
        cr.rsqrt([1.0, 2.0])
    with pytest.raises(TypeError, match="dtype"):
        cr.lerp(cr.tensor([1.0], dtype=cr.float64), cr.tensor([1.0], dtype=cr.float32), 0.5)


@pytest.mark.parametrize("name, args", [
    ("rsqrt_", ()), ("square_", ()), ("reciprocal_", ()), ("sinh_", ()), ("erf_", ()), ("erfinv_", ()),
    ("atan2_", (cr.tensor(Y),)), ("hypot_", (cr.tensor(Y),)), ("lerp_", (cr.tensor(Y), 0.25)),
    ("addcmul_", (cr.tensor(Y), cr.tensor(Y))), ("nan_to_num_", ()), ("deg2rad_", ()), ("subtract_", (cr.tensor(Y),)),
    ("clip_", (-0.5, 0.5)), ("arctan_", ()),
])
def test_in_place_twins_match_torch_values_and_gradients(name, args):
    start = np.abs(UNIT) if name in ("rsqrt_", "reciprocal_") else UNIT

    def fn(m, x):
        extra = [torch.tensor(a.numpy()) if m is torch and isinstance(a, cr.Tensor) else a for a in args]
        y = x * 1.0
        out = getattr(y, name)(*extra)
        assert out is y
        return y

    check_torch(fn, start)


def test_in_place_twin_is_recorded_in_the_graph():
    x = cr.tensor(UNIT, requires_grad=True)
    y = x * 2
    y.erfinv_()
    assert y.grad_fn.name() == "ErfinvBackward0"
    y.sum().backward()
    tx = torch.tensor(UNIT, requires_grad=True)
    ty = tx * 2
    ty.erfinv_()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9)
