"""Elementwise ops against PyTorch (values, gradients, dtypes) and finite differences."""
import weakref

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_parity import (
    broadcast_pair, check_gradcheck, check_op, check_second_order, check_torch, float_arrays, np_dtype,
    random_array, seeded_pair,
)

import chainrule as cr

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "add_fn": lambda m, a, b: m.add(a, b),
    "sub_fn": lambda m, a, b: m.sub(a, b),
    "mul_fn": lambda m, a, b: m.mul(a, b),
    "div_fn": lambda m, a, b: m.div(a, b),
}
# The divisor stays away from 0 (values in [0.5, 3]); other ops take any sign.
SAFE_RANGE = {"div": (0.5, 3.0), "div_fn": (0.5, 3.0)}

BROADCAST_SHAPES = [
    ((), (3, 4)), ((3, 4), ()), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((4,), (2, 3, 4)),
    ((2, 1, 4), (3, 1)), ((1,), (2, 2)), ((5,), (5,)),
]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_broadcasting(name, shapes):
    low, high = SAFE_RANGE.get(name, (-2.0, 2.0))
    a, b = (random_array(s, seed, low, high) for seed, s in enumerate(shapes))
    check_op(BINARY[name], a, b)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_random_shapes_match_torch(name, data):
    low, high = SAFE_RANGE.get(name, (-3.0, 3.0))
    a, b = data.draw(broadcast_pair(low=low, high=high))
    check_torch(BINARY[name], a, b)


@pytest.mark.parametrize("name", ["add", "mul", "div", "maximum"])
@given(pair=seeded_pair(low=0.5, high=2.0))
def test_binary_random_shapes_gradcheck(name, pair):
    check_gradcheck(BINARY[name], *pair)


def test_maximum_minimum_ties_split_the_gradient():
    a = np.array([1.0, 2.0, 3.0, 2.0])
    b = np.array([1.0, 1.0, 3.0, 5.0])
    check_torch(lambda m, x, y: m.maximum(x, y), a, b)
    check_torch(lambda m, x, y: m.minimum(x, y), a, b)


# ---- powers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_tensor_pow_tensor(shapes):
    base = random_array(shapes[0], 0, 0.5, 2.0)
    exponent = random_array(shapes[1], 1, -2.0, 2.0)
    check_op(lambda m, a, b: a**b, base, exponent)
    check_torch(lambda m, a, b: m.pow(a, b), base, exponent)
    check_torch(lambda m, a, b: a.pow(b), base, exponent)


@pytest.mark.parametrize("exponent", [2, 3, 0, 1, -1, 0.5, -1.5, 2.0])
def test_tensor_pow_scalar(exponent):
    x = random_array((3, 4), 2, 0.5, 2.0)
    check_op(lambda m, a: a**exponent, x)
    check_torch(lambda m, a: m.pow(a, exponent), x)


@pytest.mark.parametrize("base", [2.0, 0.5, 3, np.e])
def test_scalar_pow_tensor(base):
    check_op(lambda m, a: base**a, random_array((2, 3), 3))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns about 0 ** -1 and log(0); the values are right
def test_pow_at_zero_follows_torch():
    x = np.array([0.0, 1.0, 2.0, 0.0])
    check_torch(lambda m, a: a**2, x)
    check_torch(lambda m, a: a**0, x)
    check_torch(lambda m, a, b: a**b, x, np.array([0.0, 0.0, 1.0, 2.0]))
    check_torch(lambda m, a: 0.0**a, np.array([0.0, 1.0, 2.0]))


@given(pair=broadcast_pair(low=0.25, high=2.0))
def test_pow_random_shapes_match_torch(pair):
    check_torch(lambda m, a, b: a**b, *pair)


# ---- Python scalars on either side ----------------------------------------------------------------
SCALAR_FORMS = {
    "t+2": lambda m, t: t + 2.0, "2+t": lambda m, t: 2.0 + t, "t+int": lambda m, t: t + 3,
    "t-2": lambda m, t: t - 2.0, "2-t": lambda m, t: 2.0 - t, "int-t": lambda m, t: 5 - t,
    "t*2.5": lambda m, t: t * 2.5, "2.5*t": lambda m, t: 2.5 * t, "int*t": lambda m, t: 3 * t,
    "t/4": lambda m, t: t / 4.0, "10/t": lambda m, t: 10.0 / t, "int/t": lambda m, t: 7 / t,
    "t/int": lambda m, t: t / 3, "-t": lambda m, t: -t, "+t": lambda m, t: +t * 1.0,
    "neg": lambda m, t: m.neg(t), "t**2": lambda m, t: t**2, "2**t": lambda m, t: 2**t,
    "max_num": lambda m, t: m.maximum(t, m.tensor(1.0, dtype=t.dtype)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_FORMS))
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)], ids=str)
def test_python_scalar_operands(name, shape):
    check_op(SCALAR_FORMS[name], random_array(shape, 4, 0.5, 2.0))


# ---- unary functions ------------------------------------------------------------------------------
UNARY = {
    "neg": (lambda m, t: -t, (-2.0, 2.0)),
    "abs": (lambda m, t: t.abs(), (-2.0, 2.0)),
    "abs_fn": (lambda m, t: m.abs(t), (-2.0, 2.0)),
    "exp": (lambda m, t: m.exp(t), (-3.0, 3.0)),
    "log": (lambda m, t: m.log(t), (0.2, 3.0)),
    "sqrt": (lambda m, t: m.sqrt(t), (0.2, 3.0)),
    "sin": (lambda m, t: m.sin(t), (-3.0, 3.0)),
    "cos": (lambda m, t: m.cos(t), (-3.0, 3.0)),
    "tanh": (lambda m, t: m.tanh(t), (-3.0, 3.0)),
    "sigmoid": (lambda m, t: m.sigmoid(t), (-5.0, 5.0)),
    "relu": (lambda m, t: m.relu(t), (-2.0, 2.0)),
    "methods": (lambda m, t: t.exp().log().sqrt().sin().cos().tanh().sigmoid().relu(), (0.2, 3.0)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 2)], ids=str)
def test_unary(name, shape):
    fn, (low, high) = UNARY[name]
    check_op(fn, random_array(shape, 5, low, high))


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_hypothesis_matches_torch(name, data):
    fn, (low, high) = UNARY[name]
    shape = data.draw(st.sampled_from([(), (3,), (2, 3)]))
    check_torch(fn, data.draw(float_arrays(shape, low, high)))


def test_abs_and_relu_at_zero_have_torch_gradient():
    x = np.array([-1.0, 0.0, 0.0, 2.0])
    check_torch(lambda m, t: t.abs(), x)
    check_torch(lambda m, t: t.relu(), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_tanh_exp_at_extreme_values(dtype):
    x = np.array([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], dtype=dtype)
    check_torch(lambda m, t: m.sigmoid(t), x)
    check_torch(lambda m, t: m.tanh(t), x)
    check_torch(lambda m, t: m.exp(t.clamp(max=50.0)), x)


# ---- clamp and where ------------------------------------------------------------------------------
CLAMPS = {
    "min": lambda m, t: t.clamp(min=-0.5),
    "max": lambda m, t: t.clamp(max=0.5),
    "both": lambda m, t: t.clamp(-0.5, 0.5),
    "fn": lambda m, t: m.clamp(t, min=-1, max=1),
    "clip": lambda m, t: t.clip(-0.5, 0.5),
}


@pytest.mark.parametrize("name", sorted(CLAMPS))
def test_clamp(name):
    # grid values avoid the kinks, so finite differences apply; hypothesis below hits them
    x = np.array([[-1.7, -0.6, -0.3, 0.1], [0.4, 0.6, 1.2, -2.0]])
    check_op(CLAMPS[name], x)


@pytest.mark.parametrize("name", sorted(CLAMPS))
@given(x=float_arrays((2, 3), -1.0, 1.0))
def test_clamp_hypothesis_matches_torch_at_bounds(name, x):
    x = np.round(x * 2) / 2  # many values exactly on the bounds
    check_torch(CLAMPS[name], x)


def test_clamp_with_tensor_bounds_matches_torch():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 0.5])
    low = np.array([-1.0, -1.0, -1.0, -1.0, -1.0, 0.5])
    high = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5])
    check_torch(lambda m, t, lo, hi: m.clamp(t, lo, hi), x, low, high)
    check_torch(lambda m, t, lo: m.clamp(t, min=lo), x, low)
    check_torch(lambda m, t, hi: t.clamp(max=hi), x, high)


@given(x=float_arrays((2, 3), -1.0, 1.0), low=float_arrays((3,), -1.0, 1.0), high=float_arrays((2, 1), -1.0, 1.0))
def test_clamp_with_tensor_bounds_hypothesis(x, low, high):
    x, low, high = (np.round(v * 2) / 2 for v in (x, low, high))  # ties, and min > max sometimes
    check_torch(lambda m, t, lo, hi: m.clamp(t, lo, hi), x, low, high)
    check_torch(lambda m, t, lo: t.clamp(min=lo), x, low)
    check_torch(lambda m, t, hi: t.clamp(max=hi), x, high)


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp"):
        cr.tensor([1.0]).clamp()


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), seed=st.integers(0, 1000))
def test_where_matches_torch(shapes, seed):
    # the condition may broadcast the values too: (3, 1) values under a (2, 3, 4) condition
    condition_shape, a_shape, b_shape = shapes.input_shapes
    condition = np.asarray(np.random.default_rng(seed).random(condition_shape) > 0.5)
    a, b = random_array(a_shape, seed + 1), random_array(b_shape, seed + 2)
    check_op(lambda m, c, x, y: m.where(c, x, y), condition, a, b)


def test_where_with_scalars():
    x = random_array((2, 3), 6)
    condition = x > 0
    check_op(lambda m, c, t: m.where(c, t, 0.0), condition, x)
    check_op(lambda m, c, t: m.where(c, 1.5, t), condition, x)
    check_op(lambda m, t: t.masked_fill(m.tensor(condition), -1.0), x)


# ---- comparisons ----------------------------------------------------------------------------------
COMPARISONS = {
    "eq": lambda m, a, b: m.eq(a, b), "ne": lambda m, a, b: m.ne(a, b),
    "lt": lambda m, a, b: m.lt(a, b), "le": lambda m, a, b: m.le(a, b),
    "gt": lambda m, a, b: m.gt(a, b), "ge": lambda m, a, b: m.ge(a, b),
    "==": lambda m, a, b: a == b, "!=": lambda m, a, b: a != b,
    "<": lambda m, a, b: a < b, "<=": lambda m, a, b: a <= b,
    ">": lambda m, a, b: a > b, ">=": lambda m, a, b: a >= b,
    "eq_method": lambda m, a, b: a.eq(b), "ne_method": lambda m, a, b: a.ne(b),
    "with_scalar": lambda m, a, b: a < 0.5, "reflected": lambda m, a, b: 0.5 < b,
}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@given(pair=broadcast_pair())
def test_comparisons_give_bool_without_grad(name, pair):
    rounded = (np.asarray(np.round(x)) for x in pair)  # rounding makes equal elements common
    for a, b in (pair, rounded):
        out = check_torch(COMPARISONS[name], a, b)
        assert out.dtype == cr.bool and not out.requires_grad and out.grad_fn is None


def test_logical_ops_on_bool_tensors():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    check_torch(lambda m, x, y: ~x, a, b)
    check_torch(lambda m, x, y: x & y, a, b)
    check_torch(lambda m, x, y: x | y, a, b)
    check_torch(lambda m, x, y: x ^ y, a, b)


OPERAND_PAIRS = [  # bitwise ops take integers and bools, with PyTorch's promotion between them
    (np.array([6, -3, 0, 12]), np.array([3, 5, -1, 10])),
    (np.array([6, -3, 0, 12], np.int32), np.array([3, 5, -1, 10], np.int64)),
    (np.array([6, 3, 0, 255], np.uint8), np.array([True, False, True, True])),
    (np.array([[6], [-3]]), 3),
    (5, np.array([6, -3, 0, 12], np.int16)),
    (np.array([True, False, True]), True),
]


@pytest.mark.parametrize("left, right", OPERAND_PAIRS)
@pytest.mark.parametrize("op", ["&", "|", "^"])
def test_bitwise_operators_match_torch(left, right, op):
    # 6 & 3 is 2, not True: PyTorch's & | ^ are bitwise on integers
    apply = {"&": lambda x, y: x & y, "|": lambda x, y: x | y, "^": lambda x, y: x ^ y}[op]
    check_torch(lambda m, x, y: apply(x, y), left, right)
    name = {"&": "bitwise_and", "|": "bitwise_or", "^": "bitwise_xor"}[op]
    check_torch(lambda m, x, y: getattr(m, name)(x, y), left, right)


@pytest.mark.parametrize("array", [np.array([6, -3, 0]), np.array([0, 255], np.uint8), np.array([True, False])])
def test_bitwise_not_matches_torch(array):
    check_torch(lambda m, x: ~x, array)
    check_torch(lambda m, x: m.bitwise_not(x), array)
    check_torch(lambda m, x: x.bitwise_not(), array)


def test_logical_functions_take_any_dtype_and_give_bool():
    a = np.array([0.0, 2.5, -0.0, np.nan, 1.0])
    b = np.array([1, 0, 3, 0, 7])
    for name in ("logical_and", "logical_or", "logical_xor"):
        check_torch(lambda m, x, y: getattr(m, name)(x, y), a, b, grad=False)
        check_torch(lambda m, x, y: getattr(x, name)(y), b, b[::-1].copy(), grad=False)
    check_torch(lambda m, x: m.logical_not(x), a, grad=False)
    check_torch(lambda m, x: x.logical_not(), b, grad=False)


@pytest.mark.parametrize("call", [
    lambda x: x & 1, lambda x: 2 | x, lambda x: x ^ x, lambda x: ~x, lambda x: cr.bitwise_and(x, x),
    lambda x: x.int() & 1.5,  # an integer tensor with a float number: a float operation, refused as in PyTorch
])
def test_bitwise_ops_refuse_floats(call):
    with pytest.raises(TypeError, match="bitwise_.*integer and bool"):
        call(cr.tensor([1.0, 2.0]))


# ---- dtypes as in PyTorch -------------------------------------------------------------------------
DTYPE_CASES = [
    # (left, right): NumPy arrays become tensors of their dtype; Python numbers stay numbers
    (np.array([1.0, 2.0], np.float32), 2.0),
    (np.array([1.0, 2.0], np.float32), 3),
    (2.0, np.array([1.0, 2.0], np.float32)),
    (np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float64)),
    (np.array([1.0, 2.0], np.float32), np.array(3.0, np.float64)),
    (np.array(3.0, np.float64), np.array([1.0, 2.0], np.float32)),
    (np.array([1, 2], np.int64), 2),
    (np.array([1, 2], np.int64), 2.5),
    (3, np.array([1, 2], np.int64)),
    (np.array([1, 2], np.int64), np.array([0.5, 1.5], np.float32)),
    (np.array([1, 2], np.int32), np.array([3, 4], np.int64)),
    (np.array([1, 2], np.int64), np.array(2.5, np.float64)),
    (np.array([True, False]), 2),
    (np.array([1.0, 2.0], np.float64), np.array([1, 2], np.int64)),
]
DTYPE_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}


def _as_lib_value(m, value):
    return m.tensor(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
@pytest.mark.parametrize("case", range(len(DTYPE_CASES)))
def test_binary_result_dtype_matches_torch(op, case):
    left, right = DTYPE_CASES[case]
    fn = DTYPE_OPS[op]
    if op == "-" and any(isinstance(v, np.ndarray) and v.dtype == bool for v in (left, right)):
        return  # torch refuses bool subtraction
    mine = fn(_as_lib_value(cr, left), _as_lib_value(cr, right))
    theirs = fn(_as_lib_value(torch, left), _as_lib_value(torch, right))
    assert mine.dtype == np_dtype(theirs.dtype)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("case", range(len(DTYPE_CASES)))
def test_maximum_and_pow_result_dtype_match_torch(case):
    left, right = DTYPE_CASES[case]
    if isinstance(left, np.ndarray) and isinstance(right, np.ndarray):
        mine = cr.maximum(cr.tensor(left), cr.tensor(right))
        theirs = torch.maximum(torch.tensor(left), torch.tensor(right))
        assert mine.dtype == np_dtype(theirs.dtype)
    if isinstance(right, (int, float)) and isinstance(left, np.ndarray) and left.dtype != bool:
        mine, theirs = cr.tensor(left) ** right, torch.tensor(left) ** right
        assert mine.dtype == np_dtype(theirs.dtype)
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


FLOAT32_FNS = {**SCALAR_FORMS, **{k: v[0] for k, v in UNARY.items()}, **CLAMPS}


@pytest.mark.parametrize("name", sorted(FLOAT32_FNS))
def test_float32_stays_float32_in_values_and_gradients(name):
    x = random_array((2, 3), 7, 0.5, 2.0, dtype=np.float32)
    out = check_torch(FLOAT32_FNS[name], x)
    assert out.dtype == cr.float32


@pytest.mark.parametrize("name", sorted(BINARY))
def test_float32_binary_gradients_stay_float32(name):
    a = random_array((3, 1), 8, 0.5, 2.0, dtype=np.float32)
    b = random_array((4,), 9, 0.5, 2.0, dtype=np.float32)
    check_torch(BINARY[name], a, b)
    check_torch(lambda m, x, y: x**y, a, b)


def test_mixed_float_dtypes_give_each_input_its_own_gradient_dtype():
    a = random_array((2, 3), 10, dtype=np.float32)
    b = random_array((3,), 11, dtype=np.float64)
    out = check_torch(lambda m, x, y: x * y + x, a, b)
    assert out.dtype == cr.float64


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("left, right", [
    (((2, 3), np.float32), ((), np.float64)),  # a 0-d float64 does not widen a float32 tensor
    (((), np.float64), ((3,), np.float32)),
    (((3,), np.int64), ((3,), np.float32)),
    (((2, 1), np.float32), ((3,), np.int32)),
], ids=str)
def test_mixed_dtype_values_and_gradients_match_torch(name, left, right):
    a = random_array(left[0], 12, 0.5, 2.0).astype(left[1]) if left[1] != np.int64 else np.array([1, 2, 3])
    b = random_array(right[0], 13, 0.5, 2.0).astype(right[1]) if right[1] != np.int32 else np.array([1, 2, 3], np.int32)
    # float32 arithmetic feeds the float64 0-d input's gradient: float32 tolerance
    check_torch(BINARY[name], a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"])
def test_float_functions_of_int_tensors_give_float32(name):
    values = np.array([1, 2, 3])
    mine = getattr(cr, name)(cr.tensor(values))
    theirs = getattr(torch, name)(torch.tensor(values))
    assert mine.dtype == np_dtype(theirs.dtype)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


def test_int_ops_stay_int():
    for fn in (lambda m: m.tensor([1, -2]).abs(), lambda m: m.tensor([1, -2]).relu(), lambda m: -m.tensor([1, 2])):
        mine, theirs = fn(cr), fn(torch)
        assert mine.dtype == np_dtype(theirs.dtype)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


# ---- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_broadcast_mismatch_names_op_and_shapes(name):
    a, b = cr.ones(2, 3), cr.ones(4)
    with pytest.raises(ValueError) as info:
        BINARY[name](cr, a, b)
    message = str(info.value)
    assert name in message and "(2, 3)" in message and "(4,)" in message


def test_unsupported_operand_is_a_type_error():
    with pytest.raises(TypeError):
        cr.ones(2) + "a"
    with pytest.raises(TypeError):
        cr.ones(2) * object()


def test_where_needs_a_bool_condition():
    with pytest.raises(TypeError, match="where"):
        cr.where(cr.tensor([1.0, 0.0]), cr.ones(2), cr.zeros(2))


# ---- second derivatives (create_graph=True) -------------------------------------------------------
SECOND_ORDER = {
    "mul": lambda m, a, b: a * b * a, "div": lambda m, a, b: a / b, "pow": lambda m, a, b: a**b,
    "pow_scalar": lambda m, a, b: a**3 + 2.0**b, "exp_log": lambda m, a, b: a.exp() + b.log(),
    "sqrt_sin_cos": lambda m, a, b: a.sqrt() * b.sin() + a.cos(), "tanh_sigmoid": lambda m, a, b: a.tanh() * b.sigmoid(),
    "maximum": lambda m, a, b: m.maximum(a, b) ** 2, "clamp": lambda m, a, b: a.clamp(0.7, 1.5) ** 2 * b.clamp(max=1.2),
    "clamp_tensor": lambda m, a, b: m.clamp(a, min=b) ** 2, "where": lambda m, a, b: m.where(a > 1, a, b) ** 2,
    "abs_relu": lambda m, a, b: (a - 1).abs() ** 2 + (b - 1).relu() ** 3,
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives_match_torch(name):
    check_second_order(SECOND_ORDER[name], random_array((3, 4), 1, 0.5, 2.0), random_array((4,), 2, 0.5, 2.0))


# ---- piecewise-constant ops: recorded in the graph, with torch's (zero) gradients -----------------------
# torch records sign, floor, ceil, round, trunc (gradient 0) and frac (gradient 1) on a tensor that requires
# grad: the result requires grad and has a grad_fn such as SignBackward0; so must chainrule.
PIECEWISE = ["sign", "floor", "ceil", "round", "trunc", "frac", "sgn"]
PIECEWISE_CALLS = {
    **{f"{name}_fn": (lambda name: lambda m, x: getattr(m, name)(x))(name) for name in PIECEWISE},
    **{f"{name}_method": (lambda name: lambda m, x: getattr(x, name)())(name) for name in PIECEWISE},
    **{f"round_decimals_{d}": (lambda d: lambda m, x: m.round(x, decimals=d))(d) for d in (0, 1, 2, -1)},
    **{f"round_decimals_{d}_method": (lambda d: lambda m, x: x.round(decimals=d))(d) for d in (0, 2, -1)},
}
# Halves of both signs (round half to even), signed zeros, nan, infinities, values near .5, big values.
SPECIAL_VALUES = [
    -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5, -0.0, 0.0, 1.7, -1.7, 3.2, -0.3, 0.49999997, -0.49999997,
    1.25, -2.35, 0.125, 15.0, -25.0, 125.0, 1e20, -1e20, 2.0**52 + 0.5, float("nan"), float("inf"), -float("inf"),
]


def _dtype_name(dtype):
    return str(dtype).removeprefix("torch.")


def _same_values(mine, theirs):
    assert _dtype_name(mine.dtype) == _dtype_name(theirs.dtype), f"dtype {mine.dtype}, torch gives {theirs.dtype}"
    expected = theirs.detach().numpy()
    got = mine.detach().numpy()
    np.testing.assert_array_equal(got, expected)  # exactly, nan where torch has nan
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected), err_msg="signs of zeros differ from torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("call", sorted(PIECEWISE_CALLS))
def test_piecewise_constant_values_grad_fn_and_gradient_match_torch(call, dtype):
    data = np.array(SPECIAL_VALUES, dtype=dtype)
    fn = PIECEWISE_CALLS[call]
    x, tx = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = fn(cr, x), fn(torch, tx)
    _same_values(y, ty)
    assert y.requires_grad and ty.requires_grad and not y.is_leaf
    assert y.grad_fn is not None and y.grad_fn.name() == ty.grad_fn.name()
    y.sum().backward()
    ty.sum().backward()
    if call.startswith("sgn"):  # torch's SgnBackward0 gives a zero gradient it does not fill in: compare via a product
        x.grad, tx.grad = None, None
        (fn(cr, x) * x).sum().backward()
        (fn(torch, tx) * tx).sum().backward()
    assert x.grad is not None and _dtype_name(x.grad.dtype) == dtype
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


# sgn is left out: torch's gradient of sgn is a ZeroTensor, which .numpy() refuses
@pytest.mark.parametrize("call", sorted(c for c in PIECEWISE_CALLS if not c.startswith("sgn")))
def test_piecewise_constant_matches_torch_through_check_torch(call):
    """Random values plus ties at halves; weighted-sum gradients compared with torch."""
    data = np.concatenate([random_array((3, 4), 5, -4.0, 4.0).ravel(), np.arange(-3.5, 4.0, 0.5)])
    check_torch(PIECEWISE_CALLS[call], data.reshape(3, 9))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc", "sgn"])
def test_piecewise_constant_of_integer_tensors_follows_torch(name, dtype):
    data = np.array([0, 3, 1, 2, 200] if dtype == "uint8" else [-3, 0, 4, -1, 7] if dtype != "bool" else [True, False])
    data = data.astype(dtype)
    theirs_error = None
    try:
        theirs = getattr(torch, name)(torch.tensor(data))
    except (RuntimeError, NotImplementedError) as error:
        theirs_error = error
    x = cr.tensor(data)
    assert not x.requires_grad
    if theirs_error is not None:  # torch: floor/ceil/round/trunc not implemented for bool
        with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
            getattr(cr, name)(x)
        return
    for mine in (getattr(cr, name)(x), getattr(x, name)()):
        assert _dtype_name(mine.dtype) == _dtype_name(theirs.dtype), (
            f"{name} of {dtype}: dtype {mine.dtype}, torch gives {theirs.dtype}"
        )
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
        assert not mine.requires_grad and mine.grad_fn is None


def test_frac_of_integers_is_refused_as_in_torch():
    for dtype in ("int64", "int32"):
        with pytest.raises((RuntimeError, NotImplementedError)):
            torch.frac(torch.tensor(np.array([1, 2], dtype=dtype)))
        with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
            cr.frac(cr.tensor(np.array([1, 2], dtype=dtype)))


def test_an_integer_tensor_cannot_require_grad_as_in_torch():
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="floating point"):
            lib.tensor([1, 2]).requires_grad_()
        x = lib.tensor([1.5, -2.5], requires_grad=True)
        assert not x.long().requires_grad and not x.long().floor().requires_grad
        with lib.no_grad():
            assert not lib.floor(x).requires_grad and lib.floor(x).grad_fn is None


SECOND_ORDER_PIECEWISE = {name: (lambda name: lambda m, a: getattr(m, name)(a) * a * a)(name) for name in PIECEWISE}
SECOND_ORDER_PIECEWISE["round_decimals_1"] = lambda m, a: m.round(a, decimals=1) * a.exp()
SECOND_ORDER_PIECEWISE["frac_squared"] = lambda m, a: m.frac(a) ** 2
SECOND_ORDER_PIECEWISE["floor_of_square"] = lambda m, a: m.floor(a * a) * a + m.frac(a * a) * a


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_PIECEWISE))
def test_piecewise_constant_second_derivatives_match_torch(name):
    check_second_order(SECOND_ORDER_PIECEWISE[name], random_array((3, 4), 7, -3.0, 3.0))


@pytest.mark.parametrize("name", [name for name in PIECEWISE if name != "sgn"])
def test_create_graph_gradient_of_a_piecewise_constant_op_follows_torch(name):
    """The first derivative of sign(x).sum() is constant: whether it requires grad, and its value, as torch."""
    data = random_array((5,), 8, -3.0, 3.0)
    results = []
    for lib in (cr, torch):
        x = lib.tensor(data, requires_grad=True)
        y = getattr(lib, name)(x)
        (g,) = lib.autograd.grad((y * lib.tensor(data)).sum(), x, create_graph=True)
        results.append((g.detach().numpy().copy(), g.requires_grad))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_a_product_with_a_number_keeps_no_operand():
    """Like PyTorch's mul by a Scalar: the gradient of h * 2 needs only the 2, so h is not kept."""
    x = cr.tensor(np.ones(10), requires_grad=True)
    h = cr.exp(x)
    ref = weakref.ref(h)
    loss = (h * 2).sum() + (h / 4).sum()
    del h
    assert ref() is None
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(1.0) * (2 + 1 / 4))


# ---- floor_divide, remainder, fmod: //, % -------------------------------------------------------------
ROUNDED_DIVISION = {
    "floordiv_op": lambda m, a, b: a // b,
    "mod_op": lambda m, a, b: a % b,
    "floor_divide": lambda m, a, b: m.floor_divide(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "remainder_method": lambda m, a, b: a.remainder(b),
    "fmod_method": lambda m, a, b: a.fmod(b),
    "floor_divide_method": lambda m, a, b: a.floor_divide(b),
}
_DIVIDENDS = np.array([[7.5, -7.5, 3.0, -3.0, 0.25], [5.0, -5.0, 0.0, 2.5, -0.75]])
_DIVISORS = np.array([2.0, 2.0, -2.0, -2.0, 0.5])


@pytest.mark.parametrize("name", sorted(ROUNDED_DIVISION))
def test_rounded_division_matches_torch(name):
    fn = ROUNDED_DIVISION[name]
    if "floor" in name:  # recorded without a derivative in both: values and requires_grad only
        check_torch(fn, _DIVIDENDS.copy(), _DIVISORS.copy(), grad=False)
    else:
        check_torch(fn, _DIVIDENDS.copy(), _DIVISORS.copy())
    ints = np.array([[7, -7, 3, -3, 0], [5, -5, 9, 2, -1]])
    check_torch(fn, ints, np.array([2, 2, -2, -2, 3]))
    check_torch(fn, _DIVIDENDS.astype(np.float32), _DIVISORS.astype(np.float32), grad="floor" not in name)


@given(seeded_pair(low=-4.0, high=4.0))
def test_remainder_and_fmod_gradients_match_torch_and_finite_differences(pair):
    a, b = pair
    b = np.asarray(np.where(np.abs(b) < 0.3, 1.3, b))  # no division by ~0
    a = np.asarray(a + 0.123)  # keep a / b away from whole numbers, where the remainder jumps
    for fn in (ROUNDED_DIVISION["remainder"], ROUNDED_DIVISION["fmod"]):
        check_op(fn, a, b)


@pytest.mark.parametrize("other", [2, -2, 2.5, -0.75])
def test_rounded_division_by_numbers_and_of_numbers(other):
    for fn in (lambda m, a: a // other, lambda m, a: a % other, lambda m, a: m.fmod(a, other),
               lambda m, a: other // a.detach(), lambda m, a: other % a, lambda m, a: m.remainder(other, a)):
        check_torch(fn, _DIVIDENDS + 0.5, grad=False)
    check_op(lambda m, a: a % other + m.fmod(a, other) * 2.0, _DIVIDENDS + 0.13)
    # number % tensor: torch has no derivative for it (backward raises); here it is -floor(number / tensor)
    check_gradcheck(lambda m, a: other % a, _DIVIDENDS + 0.13)
    with pytest.raises(RuntimeError, match="not implemented"):
        (other % torch.tensor(_DIVIDENDS + 0.1, requires_grad=True)).sum().backward()
    check_torch(lambda m, a: a % other, np.array([7, -7, 0, 3]), grad=False)
    check_torch(lambda m, a: a // other, np.array([7, -7, 0, 3], dtype=np.int32), grad=False)


def test_rounded_division_special_values_match_torch():
    a = np.array([5.0, -5.0, 0.0, np.inf, np.nan, 5.0, -5.0])
    b = np.array([0.0, 0.0, 0.0, 2.0, 2.0, np.inf, np.inf])
    for name in ("floor_divide", "remainder", "fmod"):
        check_torch(ROUNDED_DIVISION[name], a, b, grad=False)


def test_integer_division_by_zero_is_refused_like_torch():
    for fn in (lambda m: m.tensor([5, 6]) // m.tensor([1, 0]), lambda m: m.tensor([5]) % 0,
               lambda m: m.fmod(m.tensor([5]), 0), lambda m: 3 % m.tensor([0])):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(torch)
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(cr)


def test_floor_divide_is_recorded_without_a_derivative_like_torch():
    for m in (cr, torch):
        x = m.tensor([5.5, -4.5], requires_grad=True)
        out = x // 2
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="derivative for .*floor_divide is not implemented"):
            out.sum().backward()


def test_rounded_division_errors():
    with pytest.raises(TypeError, match="remainder"):
        cr.tensor([True]) % cr.tensor([True])
    with pytest.raises(TypeError, match="fmod"):
        cr.fmod(3, cr.tensor([2.0]))
    with pytest.raises(TypeError):
        torch.fmod(3, torch.tensor([2.0]))


def test_remainder_second_order_matches_torch():
    check_second_order(lambda m, a, b: m.remainder(a, b) ** 2 * b, _DIVIDENDS + 0.1, _DIVISORS + 0.3)
    check_second_order(lambda m, a, b: m.fmod(a, b) ** 2 * b, _DIVIDENDS + 0.1, _DIVISORS + 0.3)


def _same_bits(mine, theirs):
    """Values equal as PyTorch's, the sign of zeros included (and nan where PyTorch has nan, of any sign bit)."""
    expected, actual = theirs.numpy(), mine.numpy()
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)
    numbers = ~np.isnan(expected) if expected.dtype.kind == "f" else np.ones(expected.shape, bool)
    np.testing.assert_array_equal(np.signbit(actual)[numbers], np.signbit(expected)[numbers])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fmod_of_signed_zeros_infinities_and_tiny_values_matches_torch(dtype):
    a = np.array([-4.0, 4.0, -0.0, 0.0, -1e30, 1e-30, 7.0, -7.0, np.inf, 3.0, np.nan, -5.5], dtype)
    b = np.array([2.0, -2.0, 3.0, -3.0, 3.0, -7.0, np.inf, -np.inf, np.inf, -0.0, 1.0, 0.0], dtype)
    for other in (lambda m: m.tensor(b), lambda m: -2.5, lambda m: 0.0):
        _same_bits(cr.fmod(cr.tensor(a), other(cr)), torch.fmod(torch.tensor(a), other(torch)))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16])
def test_integer_fmod_at_the_dtype_limits_matches_torch(dtype):
    low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    a = np.array([low, high, -7, 7, -1, 0, low, high, low + 1], dtype)
    b = np.array([3, -3, -2, 2, low, -5, -1, high, low], dtype)
    _same_bits(cr.fmod(cr.tensor(a), cr.tensor(b)), torch.fmod(torch.tensor(a), torch.tensor(b)))
    for number in (3, -4, 1):
        _same_bits(cr.fmod(cr.tensor(a), number), torch.fmod(torch.tensor(a), number))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("decimals", [-3, -1, 0, 1, 2, 4])
def test_round_to_decimals_gives_torchs_values_exactly(dtype, decimals):
    data = np.random.default_rng(decimals + 10).uniform(-2000.0, 2000.0, 200).astype(dtype)
    data[:6] = [0.125, -0.125, 2.5, -2.5, 1234.5678, 0.0]
    _same_bits(cr.round(cr.tensor(data), decimals=decimals), torch.round(torch.tensor(data), decimals=decimals))


@pytest.mark.parametrize("other", ["bool_tensor", True, False, 2, 2.5])
@pytest.mark.parametrize("op", ["+", "*"])
def test_bool_arithmetic_matches_torch(op, other):
    left = np.array([True, False, True, False])
    right = np.array([True, True, False, False])

    def fn(m):
        b = m.tensor(right) if other == "bool_tensor" else other
        return DTYPE_OPS[op](m.tensor(left), b), DTYPE_OPS[op](b, m.tensor(left))
    for mine, theirs in zip(fn(cr), fn(torch)):
        _same_bits(mine, theirs)


# ---- isnan, isinf, isfinite -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_value_tests_match_torch(name):
    data = np.array([[1.0, np.nan, np.inf], [-np.inf, 0.0, -2.5]])
    check_torch(lambda m, t: getattr(m, name)(t.detach()), data)
    check_torch(lambda m, t: getattr(t.detach(), name)(), data.astype(np.float32))
    check_torch(lambda m, t: getattr(m, name)(t), np.array([1, -2, 0]))
    check_torch(lambda m, t: getattr(m, name)(t), np.array([True, False]))
    check_torch(lambda m, t: getattr(m, name)(t.detach()), np.array(np.nan))
