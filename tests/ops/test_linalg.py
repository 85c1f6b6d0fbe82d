"""matmul for every rank PyTorch accepts, and mm, against PyTorch and finite differences."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch_parity import check_op, check_second_order, check_torch, np_dtype, random_array

import chainrule as cr

MATMUL_SHAPES = [
    ((3,), (3,)),  # 1-D . 1-D: a scalar
    ((3,), (3, 4)),  # 1-D . 2-D
    ((2, 3), (3,)),  # 2-D . 1-D
    ((2, 3), (3, 4)),
    ((1, 3), (3, 1)),
    ((2, 2, 3), (2, 3, 4)),  # batched
    ((2, 1, 3, 4), (5, 4, 2)),  # batch dims broadcast
    ((3, 4), (2, 4, 5)),  # matrix with a batch
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 5)),  # 1-D @ batched
    ((2, 3, 4), (4,)),  # batched @ 1-D
    ((1, 2, 3), (3, 2, 3, 1)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    a, b = random_array(shapes[0], 1), random_array(shapes[1], 2)
    check_op(lambda m, x, y: x @ y, a, b)
    check_torch(lambda m, x, y: m.matmul(x, y), a, b)
    check_torch(lambda m, x, y: x.matmul(y) * 2.0, a, b)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_float32(shapes):
    a, b = random_array(shapes[0], 3, dtype=np.float32), random_array(shapes[1], 4, dtype=np.float32)
    assert check_torch(lambda m, x, y: x @ y, a, b).dtype == cr.float32


@st.composite
def matmul_shapes(draw):
    """Shapes of every rank combination matmul takes, batch dims broadcasting."""
    n, k, p = (draw(st.integers(1, 3)) for _ in range(3))
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    batch_a = tuple(draw(st.sampled_from([s, 1])) for s in batch)[draw(st.integers(0, len(batch))):]
    batch_b = tuple(draw(st.sampled_from([s, 1])) for s in batch)[draw(st.integers(0, len(batch))):]
    a = (k,) if draw(st.booleans()) else batch_a + (n, k)
    b = (k,) if draw(st.booleans()) else batch_b + (k, p)
    return a, b


@given(shapes=matmul_shapes(), seed=st.integers(0, 100))
def test_random_matmul_matches_torch(shapes, seed):
    check_torch(lambda m, x, y: x @ y, random_array(shapes[0], seed), random_array(shapes[1], seed + 1))


def test_matmul_with_one_side_constant():
    a, b = random_array((2, 3), 5), random_array((3, 2), 6)
    check_op(lambda m, x: x @ m.tensor(b), a)
    check_op(lambda m, y: m.tensor(a) @ y, b)


@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.int64, np.float32), (np.float64, np.int32)])
def test_matmul_refuses_mixed_dtypes_as_torch_does(dtypes):
    # no silent float32 -> float64 upcast: torch refuses float32 @ float64, and so does chainrule
    a, b = random_array((2, 3), 7).astype(dtypes[0]), random_array((3,), 8).astype(dtypes[1])
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.tensor(a) @ torch.tensor(b)
    for call in (lambda x, y: x @ y, lambda x, y: cr.matmul(x, y), lambda x, y: cr.mm(x, y.reshape(3, 1))):
        with pytest.raises(TypeError, match=r"(matmul|mm): both operands must have the same dtype.*convert one"):
            call(cr.tensor(a), cr.tensor(b))


def test_matmul_of_int_tensors():
    a, b = np.array([[1, 2], [3, 4]]), np.array([5, 6])
    mine, theirs = cr.tensor(a) @ cr.tensor(b), torch.tensor(a) @ torch.tensor(b)
    assert mine.dtype == np_dtype(theirs.dtype) and mine.tolist() == theirs.tolist()


def test_mm():
    a, b = random_array((2, 3), 9), random_array((3, 4), 10)
    check_op(lambda m, x, y: m.mm(x, y), a, b)
    check_op(lambda m, x, y: x.mm(y), a, b)


def test_mm_needs_matrices():
    with pytest.raises(ValueError, match="mm"):
        cr.mm(cr.ones(3), cr.ones(3, 2))
    with pytest.raises(ValueError, match="mm"):
        cr.ones(2, 3).mm(cr.ones(1, 3, 2))


@pytest.mark.parametrize("sa, sb", [((2, 3), (2, 3)), ((3,), (4,)), ((2, 3), (4,)), ((5,), (2, 4, 3)),
                                    ((2, 3, 4), (3, 4, 5)), ((2, 4), (3, 2, 5))], ids=str)
def test_matmul_mismatch_names_op_and_shapes(sa, sb):
    with pytest.raises(ValueError) as info:
        cr.ones(*sa) @ cr.ones(*sb)
    message = str(info.value)
    assert "matmul" in message and str(sa) in message and str(sb) in message


def test_matmul_of_a_scalar_is_an_error():
    with pytest.raises(ValueError, match="matmul"):
        cr.tensor(2.0) @ cr.ones(2)


@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3,), (3,)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2))], ids=str)
def test_second_derivatives_match_torch(shapes):
    check_second_order(lambda m, x, y: (x @ y) ** 2, random_array(shapes[0], 11), random_array(shapes[1], 12))


# ---- bmm and outer ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 4, 5)), ((1, 1, 3), (1, 3, 1)), ((3, 2, 0), (3, 0, 2))], ids=str)
def test_bmm(shapes):
    a, b = (random_array(s, i) for i, s in enumerate(shapes))
    check_op(lambda m, x, y: m.bmm(x, y), a, b)
    check_op(lambda m, x, y: x.bmm(y) * 2.0, a, b)
    check_torch(lambda m, x, y: m.bmm(x, y), a.astype(np.float32), b.astype(np.float32))


def test_bmm_errors_as_torch():
    a = cr.ones(2, 3, 4)
    for other in (cr.ones(3, 4, 5), cr.ones(2, 3, 5)):
        with pytest.raises(ValueError, match="bmm"):
            cr.bmm(a, other)
    for x, y in ((cr.ones(3, 4), cr.ones(4, 5)), (a, cr.ones(4, 5)), (cr.ones(1, 2, 3, 4), a)):
        with pytest.raises(ValueError, match="3-D"):
            cr.bmm(x, y)
    with pytest.raises(TypeError, match="bmm"):
        cr.bmm(a, cr.ones(2, 4, 5, dtype=cr.float64))
    with pytest.raises(TypeError, match="bmm"):
        cr.bmm(a, [[1.0]])


def test_outer():
    a, b = random_array((3,), 1), random_array((4,), 2)
    check_op(lambda m, x, y: m.outer(x, y), a, b)
    check_op(lambda m, x, y: x.outer(y) * 2.0, a, b)
    check_torch(lambda m, x, y: m.outer(x, y), a.astype(np.float32), b.astype(np.float32))
    check_torch(lambda m, x, y: m.outer(x, y), a.astype(np.float32), b)  # mixed dtypes promote, as in torch
    check_torch(lambda m, x, y: m.outer(x, y), np.arange(3), np.arange(2))
    for x, y in ((cr.ones(2, 2), cr.ones(2)), (cr.ones(2), cr.tensor(1.0))):
        with pytest.raises(ValueError, match="outer"):
            cr.outer(x, y)


def test_bmm_outer_second_derivatives_match_torch():
    check_second_order(lambda m, x, y: m.bmm(x, y) ** 2, random_array((2, 3, 4), 3), random_array((2, 4, 2), 4))
    check_second_order(lambda m, x, y: m.outer(x, y) ** 2, random_array((3,), 5), random_array((2,), 6))
