"""nonzero, where(condition), masked_select, isclose/allclose/equal against PyTorch."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr

NONZERO_DATA = [
    np.array([[1.0, 0.0, 2.0], [0.0, 0.0, -3.0]]),
    np.array([0, 4, 0, 5]),
    np.array([[[True, False], [True, True]]]),
    np.zeros((2, 0)),
    np.array(3.0),
    np.array(0),
]


@pytest.mark.parametrize("data", NONZERO_DATA, ids=lambda a: f"{a.dtype}{a.shape}")
def test_nonzero_matches_torch(data):
    check_torch(lambda m, t: m.nonzero(t.detach()), data)
    check_torch(lambda m, t: t.detach().nonzero(), data)
    check_torch(lambda m, t: m.nonzero(t.detach(), as_tuple=True), data)
    check_torch(lambda m, t: m.where(t.detach() != 0), data)


def test_where_with_one_argument_indexes_like_nonzero():
    data = random_array((3, 4), 1)
    check_op(lambda m, t: t[m.where(t > 0)] * 2.0, data)
    check_op(lambda m, t: t[t.nonzero(as_tuple=True)] ** 2, data)


@pytest.mark.parametrize("shape, mask_shape", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)),
                                               ((), ()), ((4,), ())])
def test_masked_select_matches_torch(shape, mask_shape):
    mask = np.asarray(np.random.default_rng(2).uniform(size=mask_shape) > 0.4)
    check_op(lambda m, t, k: m.masked_select(t, k), random_array(shape, 3), mask)
    check_op(lambda m, t, k: t.masked_select(k) * 3.0, random_array(shape, 4), mask)


def test_masked_select_float32_and_second_order():
    mask = np.array([[True, False, True], [False, True, True]])
    out = check_torch(lambda m, t, k: m.masked_select(t, k), random_array((2, 3), 5).astype(np.float32), mask)
    assert out.dtype == cr.float32
    check_second_order(lambda m, t: m.masked_select(t, m.tensor(mask)) ** 3, random_array((2, 3), 6))


def test_masked_select_errors():
    with pytest.raises(RuntimeError, match="BoolTensor"):
        torch.masked_select(torch.ones(3), torch.tensor([1, 0, 1]))
    with pytest.raises(TypeError, match="masked_select"):
        cr.masked_select(cr.ones(3), cr.tensor([1, 0, 1]))
    with pytest.raises(ValueError, match="masked_select"):
        cr.masked_select(cr.ones(3), cr.tensor([True, False]))


@pytest.mark.parametrize("value", ["number", "0-d", "0-d float32", "0-d int"])
def test_masked_fill_matches_torch_with_a_number_or_a_0d_tensor(value):
    mask = np.array([[True, False, True], [False, False, True]])
    values = {"number": lambda m: -1.5, "0-d": lambda m: m.tensor(2.5, dtype=m.float64, requires_grad=True),
              "0-d float32": lambda m: m.tensor(2.5), "0-d int": lambda m: m.tensor(7)}
    check_op(lambda m, t, k: t.masked_fill(k, values[value](m)), random_array((2, 3), 7), mask)
    check_torch(lambda m, t, k: m.masked_fill(t, k, values[value](m)), random_array((3,), 8).astype(np.float32),
                mask[0])


def test_masked_fill_sends_the_value_its_gradient_like_torch():
    mask = [[True, False, True], [False, False, True]]
    grads = []
    for m in (cr, torch):
        x = m.tensor(random_array((2, 3), 9), requires_grad=True)
        value = m.tensor(0.5, dtype=m.float64, requires_grad=True)
        (x.masked_fill(m.tensor(mask), value) * m.tensor([1.0, 2.0, 3.0], dtype=m.float64)).sum().backward()
        grads.append((x.grad.numpy(), value.grad.item()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    assert grads[0][1] == grads[1][1] == 7.0


# ---- isclose, allclose, equal -------------------------------------------------------------------------
CLOSE_PAIRS = {
    "equal": ([1.0, 2.0], [1.0, 2.0]),
    "within_rtol": ([1.0, 2.0], [1.0, 2.0 + 1e-6]),
    "outside": ([1.0, 2.0], [1.0, 2.001]),
    "nan": ([1.0, np.nan], [1.0, np.nan]),
    "inf": ([np.inf, -np.inf], [np.inf, -np.inf]),
    "inf_signs": ([np.inf], [-np.inf]),
    "tiny": ([0.0], [1e-9]),
    "broadcast": ([[1.0], [2.0]], [1.0, 1.0 + 1e-9]),
}


@pytest.mark.parametrize("name", sorted(CLOSE_PAIRS))
@pytest.mark.parametrize("options", [{}, {"equal_nan": True}, {"rtol": 1e-3, "atol": 0.0}, {"atol": 1e-3}])
def test_isclose_and_allclose_match_torch(name, options):
    a, b = (np.array(v) for v in CLOSE_PAIRS[name])
    check_torch(lambda m, x, y: m.isclose(x.detach(), y.detach(), **options), a, b)
    mine = cr.allclose(cr.tensor(a), cr.tensor(b), **options)
    assert type(mine) is bool and mine == torch.allclose(torch.tensor(a), torch.tensor(b), **options)
    assert cr.tensor(a).allclose(cr.tensor(b), **options) == mine


def test_allclose_of_integers_and_its_errors():
    assert cr.allclose(cr.tensor([1, 2]), cr.tensor([1, 2])) is torch.allclose(torch.tensor([1, 2]), torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="did not match"):
        torch.allclose(torch.tensor([1.0]), torch.tensor([1]))
    with pytest.raises(TypeError, match="allclose|isclose"):
        cr.allclose(cr.tensor([1.0]), cr.tensor([1]))
    with pytest.raises(ValueError, match="isclose"):
        cr.allclose(cr.ones(2), cr.ones(3))


@pytest.mark.parametrize("a, b", [
    ([1.0, 2.0], [1.0, 2.0]), ([1.0, 2.0], [1.0, 3.0]), ([1.0], [1]), ([1.0, 1.0], [1.0]), ([np.nan], [np.nan]),
    ([[1, 2]], [1, 2]), ([True, False], [True, False]), (2.0, 2.0),
], ids=repr)
def test_equal_matches_torch(a, b):
    mine = cr.equal(cr.tensor(a), cr.tensor(b))
    assert type(mine) is bool and mine == torch.equal(torch.tensor(a), torch.tensor(b))
    assert cr.tensor(a).equal(cr.tensor(b)) == mine


@given(st.lists(st.floats(-3, 3) | st.just(0.0), min_size=1, max_size=6), st.data())
def test_random_masks_select_like_torch(values, data):
    mask = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    check_torch(lambda m, t, k: m.masked_select(t, k), np.array(values), np.array(mask))
    check_torch(lambda m, t: m.nonzero(t.detach()), np.array(values))
