"""Reductions against PyTorch and finite differences: dims, keepdim, tuple dims, ties."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_parity import check_gradcheck, check_op, check_second_order, check_torch, float_arrays, np_dtype, random_array

import chainrule as cr
from chainrule.errors import OutOfRangeError

SMOOTH = {  # differentiable everywhere on tie-free data: finite differences apply
    "sum": lambda m, t, dim, keep: t.sum(dim, keepdim=keep),
    "mean": lambda m, t, dim, keep: t.mean(dim, keepdim=keep),
    "var": lambda m, t, dim, keep: t.var(dim, keepdim=keep),
    "var_biased": lambda m, t, dim, keep: t.var(dim, unbiased=False, keepdim=keep),
    "var_correction0": lambda m, t, dim, keep: m.var(t, dim, keepdim=keep, correction=0),
    "std": lambda m, t, dim, keep: t.std(dim, keepdim=keep),
    "std_fn": lambda m, t, dim, keep: m.std(t, dim, keepdim=keep, unbiased=False),
    "logsumexp": lambda m, t, dim, keep: t.logsumexp(dim, keepdim=keep),
    "sum_fn": lambda m, t, dim, keep: m.sum(t, dim, keepdim=keep),
    "mean_fn": lambda m, t, dim, keep: m.mean(t, dim, keepdim=keep),
    "logsumexp_fn": lambda m, t, dim, keep: m.logsumexp(t, dim, keepdim=keep),
}
EXTREMES = {
    "amax": lambda m, t, dim, keep: t.amax(dim, keepdim=keep),
    "amin": lambda m, t, dim, keep: t.amin(dim, keepdim=keep),
    "amax_fn": lambda m, t, dim, keep: m.amax(t, dim, keepdim=keep),
    "amin_fn": lambda m, t, dim, keep: m.amin(t, dim, keepdim=keep),
    "max_dim": lambda m, t, dim, keep: t.max(dim, keepdim=keep),
    "min_dim": lambda m, t, dim, keep: t.min(dim, keepdim=keep),
    "max_fn": lambda m, t, dim, keep: m.max(t, dim, keepdim=keep),
    "min_fn": lambda m, t, dim, keep: m.min(t, dim, keepdim=keep),
    "argmax": lambda m, t, dim, keep: t.argmax(dim, keepdim=keep),
    "argmin": lambda m, t, dim, keep: m.argmin(t, dim, keepdim=keep),
}
INT_DIM_ONLY = {"max_dim", "min_dim", "max_fn", "min_fn", "argmax", "argmin"}  # torch takes one int dim here

DIM_CASES = [((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0, 1)),
             ((2, 3, 4), [1]), ((5,), 0), ((), 0), ((), -1), ((2, 1, 3), 1)]


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("shape, dim", DIM_CASES, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_smooth_reductions(name, shape, dim, keepdim):
    if name.startswith(("var", "std")) and _count(shape, dim) < 2:
        return  # one element: torch and chainrule give nan/inf, checked in test_var_of_one_element
    check_op(lambda m, t: SMOOTH[name](m, t, dim, keepdim), random_array(shape, 1))


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std"])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 2)], ids=str)
def test_full_reductions(name, shape):
    if name in ("var", "std") and int(np.prod(shape)) < 2:
        return
    check_op(lambda m, t: getattr(t, name)(), random_array(shape, 2))
    check_op(lambda m, t: getattr(m, name)(t), random_array(shape, 3))


@pytest.mark.parametrize("name", ["sum", "mean", "var", "var_biased", "std", "amax", "amin"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_empty_dim_tuple_reduces_everything(name, keepdim):
    fn = {**SMOOTH, **EXTREMES}[name]
    x = random_array((2, 3), 8)
    if name.startswith(("var", "std")):
        # torch 2.13's var/std backward treats dim=() as "no dims" (infinite or wrong gradients): values only
        check_torch(lambda m, t: fn(m, t, (), keepdim), x, grad=False)
        check_gradcheck(lambda m, t: fn(m, t, (), keepdim), x)
        check_torch(lambda m, t: fn(m, t, None, keepdim), x)  # the same reduction, spelled without ()
    else:
        check_op(lambda m, t: fn(m, t, (), keepdim), x)


@pytest.mark.parametrize("name", sorted(EXTREMES))
@pytest.mark.parametrize("shape, dim", DIM_CASES, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_extremes_without_ties(name, shape, dim, keepdim):
    if name in INT_DIM_ONLY and not isinstance(dim, int):
        return
    check_op(lambda m, t: EXTREMES[name](m, t, dim, keepdim), random_array(shape, 4))


@st.composite
def array_and_dims(draw, int_dim=False):
    """An array (rounded, so ties are common) and a dim or tuple of dims of it."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    x = np.asarray(np.round(draw(float_arrays(shape, -2.0, 2.0))))
    ndim = max(len(shape), 1)
    if int_dim:
        dim = draw(st.integers(-ndim, ndim - 1))
    else:
        dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        dim = tuple(d - ndim if draw(st.booleans()) else d for d in dims)
    return x, dim, draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp", "amax", "amin"])
@given(case=array_and_dims())
def test_tuple_dims_with_ties_match_torch(name, case):
    x, dim, keepdim = case
    fn = {**SMOOTH, **EXTREMES}[name]
    check_torch(lambda m, t: fn(m, t, dim, keepdim), x)


@pytest.mark.parametrize("name", ["var", "std"])
@given(case=array_and_dims())
def test_var_std_with_ties_match_torch(name, case):
    x, dim, keepdim = case
    if _count(x.shape, dim) < 2:
        return
    # std of equal values has an infinite slope: torch and chainrule both give nan there
    check_torch(lambda m, t: SMOOTH[name](m, t, dim, keepdim), x)


@pytest.mark.parametrize("name", sorted(INT_DIM_ONLY))
@given(case=array_and_dims(int_dim=True))
def test_max_dim_with_ties_sends_gradient_to_returned_index(name, case):
    x, dim, keepdim = case
    check_torch(lambda m, t: EXTREMES[name](m, t, dim, keepdim), x)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "argmax", "argmin"])
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=st.sampled_from([-1.0, 2.0])))
def test_full_extremes_spread_ties_evenly(name, x):
    check_torch(lambda m, t: getattr(t, name)(), x)
    check_torch(lambda m, t: getattr(m, name)(t), x)


def test_max_with_dim_returns_named_values_and_indices():
    x = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    result = check_torch(lambda m, t: t.max(1), x)
    assert result.values.shape == (2,) and result.indices.dtype == cr.int64
    values, indices = cr.min(cr.tensor(x), dim=0, keepdim=True)
    assert values.shape == (1, 3) and indices.tolist() == [[0, 1, 0]]


def test_max_of_two_tensors_is_maximum():
    a, b = random_array((2, 3), 5), random_array((3,), 6)
    check_op(lambda m, x, y: m.max(x, y), a, b)
    check_op(lambda m, x, y: m.min(x, y), a, b)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on log(0) for the all -inf row; -inf is right
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_is_stable_at_extremes(dtype):
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]], dtype=dtype)
    # torch's float32 gradient is exp(x - result) with result rounded near 1000 (ulp 6e-5): it is off by ~3e-5
    rtol = 1e-4 if dtype == np.float32 else None
    check_torch(lambda m, t: t.logsumexp(1), x, rtol=rtol)
    check_torch(lambda m, t: t.logsumexp(0, keepdim=True), x, rtol=rtol)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "logsumexp"])
def test_float32_reductions_stay_float32(name):
    x = random_array((3, 4), 7, dtype=np.float32)
    out = check_torch(lambda m, t: getattr(t, name)(1), x)
    assert out.dtype == cr.float32


@pytest.mark.parametrize(
    "values", [[1, 2, 3], [True, False, True], np.array([1, 2], np.int32), np.array([1, 2], np.uint8)], ids=str
)
def test_integer_and_bool_sums_are_int64(values):
    mine, theirs = cr.tensor(values).sum(), torch.tensor(values).sum()
    assert mine.dtype == np_dtype(theirs.dtype) and mine.item() == theirs.item()


def test_sum_with_dtype_argument():
    mine = cr.tensor([1, 2, 3]).sum(dtype=cr.float64)
    assert mine.dtype == cr.float64 and mine.item() == 6.0


def test_argmax_argmin_of_int_tensors_and_keepdim():
    x = np.array([[3, 1, 3], [0, 9, 9]])
    for fn in (lambda m, t: t.argmax(), lambda m, t: t.argmin(1), lambda m, t: t.argmax(0, keepdim=True),
               lambda m, t: m.argmax(t, dim=1, keepdim=True), lambda m, t: t.argmin(keepdim=True)):
        mine, theirs = fn(cr, cr.tensor(x)), fn(torch, torch.tensor(x))
        assert mine.dtype == cr.int64 and mine.shape == tuple(theirs.shape)
        assert mine.tolist() == theirs.tolist()


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")  # both libraries warn: 0 degrees of freedom
def test_var_of_one_element_matches_torch():
    for fn in (lambda m, t: t.var(), lambda m, t: t.std(0), lambda m, t: t.var(unbiased=False)):
        check_torch(fn, np.array([1.5]), grad=False)


def test_mean_of_int_tensor_is_an_error():
    with pytest.raises(TypeError, match="mean"):
        cr.tensor([1, 2]).mean()


@pytest.mark.parametrize("fn", [
    lambda t: t.sum(2), lambda t: t.mean(-3), lambda t: t.amax((0, 5)), lambda t: t.max(2),
    lambda t: t.argmax(3), lambda t: t.logsumexp(2), lambda t: t.var(2),
])
def test_out_of_range_dim_is_index_and_value_error(fn):
    with pytest.raises(OutOfRangeError) as info:
        fn(cr.ones(2, 3))
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)


def test_extremes_of_empty_tensor_are_value_errors():
    for fn in (lambda t: t.max(), lambda t: t.amin(), lambda t: t.argmax()):
        with pytest.raises(ValueError):
            fn(cr.zeros(0))


def _count(shape, dim):
    if not shape:
        return 1
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return int(np.prod([shape[d] for d in dims]))


@pytest.mark.parametrize("fn", [
    lambda m, t: t.var(1), lambda m, t: t.std(0), lambda m, t: t.logsumexp(1), lambda m, t: t.amax(1) ** 2,
    lambda m, t: t.max(1)[0] ** 2, lambda m, t: t.mean(0) ** 2, lambda m, t: t.sum() ** 2,
], ids=["var", "std", "logsumexp", "amax", "max_dim", "mean", "sum"])
def test_second_derivatives_match_torch(fn):
    check_second_order(fn, random_array((3, 4), 9))


def test_max_min_with_dim_give_named_values_and_indices():
    t = cr.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    for fn, expected_values, expected_indices in (
        (lambda: cr.max(t, 1), [5.0, 7.0], [1, 0]), (lambda: t.max(dim=0), [7.0, 5.0, 3.0], [1, 0, 1]),
        (lambda: cr.min(t, 1), [1.0, 0.0], [0, 1]), (lambda: t.min(0, keepdim=True), [[1.0, 0.0, 2.0]], [[0, 1, 0]]),
    ):
        result = fn()
        values, indices = result
        assert result.values.tolist() == values.tolist() == expected_values
        assert result.indices.tolist() == indices.tolist() == expected_indices and indices.dtype == cr.int64


# ---- prod and norm ----------------------------------------------------------------------------------------
PROD_CASES = [((3, 4), None, False), ((3, 4), 0, False), ((3, 4), 1, True), ((2, 3, 4), -2, False), ((), None, False),
              ((), 0, True), ((5,), 0, True), ((2, 0, 3), 1, False), ((2, 0), None, False)]


@pytest.mark.parametrize("shape, dim, keepdim", PROD_CASES, ids=str)
def test_prod_matches_torch(shape, dim, keepdim):
    x = np.asarray(random_array(shape, 31, 0.5, 1.5) * np.where(random_array(shape, 32) > 0, 1, -1))
    if dim is None:
        check_op(lambda m, t: t.prod(), x)
        check_op(lambda m, t: m.prod(t) * 2.0, x)
    else:
        check_op(lambda m, t: t.prod(dim, keepdim=keepdim), x)
        check_op(lambda m, t: m.prod(t, dim, keepdim), x)


@pytest.mark.parametrize("zeros", [[(0, 1)], [(1, 0), (1, 2)], [(0, 0), (1, 1), (2, 2)], [(2, 3)]], ids=str)
def test_prod_gradient_with_zeros_is_torchs(zeros):
    x = random_array((3, 4), 33)
    for at in zeros:
        x[at] = 0.0
    for fn in (lambda m, t: t.prod(), lambda m, t: t.prod(1), lambda m, t: t.prod(0, keepdim=True)):
        check_op(fn, x)
        check_second_order(fn, x)


def test_prod_dtypes():
    check_torch(lambda m, t: t.prod(1), random_array((2, 3), 34, dtype=np.float32))
    for dtype in (np.bool_, np.int8, np.int32, np.int64):
        values = (random_array((2, 3), 35) > -1).astype(dtype)
        check_torch(lambda m, t: t.prod(), values if dtype == np.bool_ else values * dtype(2))
    check_torch(lambda m, t: m.prod(t, 0, dtype=m.float64), random_array((3,), 36, dtype=np.float32))
    check_torch(lambda m, t: t.prod(dtype=m.float32), np.arange(1, 5))


NORMS = [2, "fro", None, 1, float("inf"), -float("inf"), 3, 0.5, 1.5, -1.0]
NORM_DIMS = [(None, False), (1, False), (-1, True), ((0, 1), False), ((0, 2), True), ([1], False)]


@pytest.mark.parametrize("p", NORMS, ids=str)
@pytest.mark.parametrize("dim, keepdim", NORM_DIMS, ids=str)
def test_norm_matches_torch(p, dim, keepdim):
    x = random_array((2, 3, 2), 37)
    if dim is None:
        check_op(lambda m, t: t.norm(p), x)
    else:
        check_op(lambda m, t: m.norm(t, p, dim, keepdim), x)
        check_op(lambda m, t: t.norm(p=p, dim=dim, keepdim=keepdim), x)


def test_norm_of_zero_counts_nonzeros_with_no_gradient():
    x = random_array((3, 4), 38)
    x[0, 1] = x[2, 2] = 0.0
    check_torch(lambda m, t: t.norm(0), x)
    check_torch(lambda m, t: m.norm(t, 0, dim=1, keepdim=True), x)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, float("inf")], ids=str)
def test_norm_gradient_at_a_zero_vector_is_torchs(p):
    check_torch(lambda m, t: t.norm(p), np.zeros(3))
    x = random_array((2, 3), 39)
    x[1] = 0.0
    check_torch(lambda m, t: t.norm(p, dim=1), x)


def test_norm_ties_share_the_gradient_as_torch():
    check_torch(lambda m, t: t.norm(float("inf")), np.array([1.0, -2.0, 2.0, 0.5]))
    check_torch(lambda m, t: t.norm(-float("inf"), dim=0), np.array([[1.0, -1.0], [-1.0, 2.0]]))


def test_norm_dtypes():
    for p in (2, 1, 3, float("inf")):
        out = check_torch(lambda m, t: t.norm(p, dim=1), random_array((3, 4), 40, dtype=np.float32))
        assert out.dtype == cr.float32
    check_torch(lambda m, t: m.norm(t, dtype=m.float64), random_array((3,), 41, dtype=np.float32))


@pytest.mark.parametrize("fn", [
    lambda m, t: t.prod(1) ** 2, lambda m, t: t.prod(), lambda m, t: t.norm(), lambda m, t: t.norm(dim=1),
    lambda m, t: t.norm(3, dim=0),
])
def test_prod_norm_second_derivatives_match_torch(fn):
    check_second_order(fn, random_array((3, 4), 42))


def test_prod_norm_errors():
    t = cr.ones(2, 3)
    for fn in (lambda: t.prod(2), lambda: t.norm(dim=3), lambda: cr.norm(t, 1, (0, -3))):
        with pytest.raises(OutOfRangeError):
            fn()
    with pytest.raises(TypeError, match="prod"):
        t.prod((0, 1))  # torch takes one int dim
    with pytest.raises(TypeError, match="norm"):
        cr.norm(cr.tensor([1, 2]))  # integers: torch refuses too
    for p, dim in (("nuc", None), ("fro", (0, 1, 2))):
        with pytest.raises(ValueError, match="norm"):
            cr.ones(2, 2, 2).norm(p, dim)
