"""sort, argsort, topk and unique against PyTorch (values, indices, gradients) and finite differences."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr
from chainrule.errors import OutOfRangeError

_X = random_array((3, 4, 5), 0)  # distinct values: the order is the same whatever the sort's stability


@pytest.mark.parametrize("dim", [-1, 0, 1, 2])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(dim, descending):
    check_op(lambda m, t: m.sort(t, dim, descending), _X.copy())
    check_op(lambda m, t: t.sort(dim=dim, descending=descending, stable=True).values * 2.0, _X.copy())


@pytest.mark.parametrize("dim", [-1, 0, 1])
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_matches_torch(dim, descending):
    check_torch(lambda m, t: m.argsort(t, dim, descending), _X.copy())
    check_torch(lambda m, t: t.argsort(dim=dim, descending=descending), _X.copy())


@pytest.mark.parametrize("k, dim, largest", [(1, -1, True), (3, -1, True), (5, 2, False), (2, 0, False),
                                             (0, 1, True), (4, 1, True)])
def test_topk_matches_torch(k, dim, largest):
    check_op(lambda m, t: m.topk(t, k, dim, largest), _X.copy())
    check_op(lambda m, t: t.topk(k, dim=dim, largest=largest, sorted=True).values ** 2, _X.copy())


def test_results_unpack_and_name_their_fields():
    x = cr.tensor([3.0, 1.0, 2.0])
    values, indices = cr.topk(x, 2)
    result = x.topk(2)
    assert result.values is result[0] and result.indices is result[1]
    assert values.tolist() == result.values.tolist() == torch.tensor([3.0, 1.0, 2.0]).topk(2).values.tolist()
    assert indices.tolist() == [0, 2] and indices.dtype == cr.int64
    ordered = x.sort(descending=True)
    assert ordered.values.tolist() == [3.0, 2.0, 1.0] and ordered.indices.tolist() == [0, 2, 1]


def test_float32_stays_float32_and_ints_sort():
    out = check_torch(lambda m, t: m.sort(t, 1), _X.astype(np.float32))
    assert out.values.dtype == cr.float32
    check_torch(lambda m, t: m.topk(t, 2), _X.astype(np.float32))
    ints = np.array([[5, -2, 7, 0], [1, 2, -9, 4]])
    check_torch(lambda m, t: m.sort(t, descending=True, stable=True), ints)
    check_torch(lambda m, t: m.topk(t, 3, largest=False), ints)
    check_torch(lambda m, t: m.sort(t, stable=True), np.array([True, False, True, False]))


def test_stable_sort_keeps_equal_values_in_order_like_torch():
    ties = np.array([[2.0, 1.0, 2.0, 1.0, 3.0, 2.0], [0.0, 0.0, 0.0, 1.0, 1.0, 0.0]])
    check_torch(lambda m, t: m.sort(t, stable=True), ties)
    check_torch(lambda m, t: m.sort(t, descending=True, stable=True), ties)


def test_nan_sorts_last_like_torch():
    data = np.array([1.0, np.nan, -2.0, 0.5])
    check_torch(lambda m, t: m.sort(t), data, grad=False)
    check_torch(lambda m, t: m.sort(t, descending=True), data, grad=False)


def test_zero_dim_tensors():
    check_op(lambda m, t: m.sort(t), np.array(1.5))
    check_op(lambda m, t: m.topk(t, 1), np.array(1.5))


@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=8, unique=True), st.data())
def test_random_topk_matches_torch(values, data):
    k = data.draw(st.integers(0, len(values)))
    largest = data.draw(st.booleans())
    check_torch(lambda m, t: m.topk(t, k, largest=largest), np.array(values))


def test_gradient_goes_back_to_the_chosen_positions():
    x = cr.tensor([0.5, 3.0, -1.0, 2.0], requires_grad=True)
    (cr.topk(x, 2).values * cr.tensor([10.0, 1.0])).sum().backward()
    expected = torch.tensor([0.5, 3.0, -1.0, 2.0], requires_grad=True)
    (torch.topk(expected, 2).values * torch.tensor([10.0, 1.0])).sum().backward()
    assert x.grad.tolist() == expected.grad.tolist()


def test_second_derivatives_match_torch():
    check_second_order(lambda m, t: m.sort(t, 1).values ** 3, _X.copy())
    check_second_order(lambda m, t: m.topk(t, 2, 0).values ** 3, _X.copy())


def test_errors():
    x = cr.ones(2, 3)
    with pytest.raises(ValueError, match="topk"):
        cr.topk(x, 4)
    with pytest.raises(ValueError, match="topk"):
        cr.topk(x, -1)
    with pytest.raises(TypeError, match="topk"):
        cr.topk(x, 1.0)
    with pytest.raises(OutOfRangeError):
        cr.sort(x, 2)
    with pytest.raises(OutOfRangeError):
        cr.topk(x, 1, dim=-3)
    with pytest.raises(TypeError, match="sort"):
        cr.sort([1.0, 2.0])
    with pytest.raises(RuntimeError):  # torch says the same: k out of range
        torch.topk(torch.ones(2, 3), 4)


# ---- unique -------------------------------------------------------------------------------------------
UNIQUE_DATA = [
    np.array([3, 1, 2, 3, 1, 0]),
    np.array([[2.5, -1.0, 2.5], [0.0, -1.0, 7.0]]),
    np.array([True, False, True]),
    np.array(4),
]


@pytest.mark.parametrize("data", UNIQUE_DATA, ids=lambda a: f"{a.dtype}{a.shape}")
@pytest.mark.parametrize("inverse, counts", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_matches_torch(data, inverse, counts):
    def fn(m, t):
        return m.unique(t, sorted=True, return_inverse=inverse, return_counts=counts)
    check_torch(fn, data.copy(), grad=False)
    check_torch(lambda m, t: t.unique(return_inverse=inverse, return_counts=counts), data.copy(), grad=False)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_along_a_dim_matches_torch(dim):
    rows = np.array([[1, 2, 1], [0, 3, 0], [1, 2, 1], [0, 3, 0], [5, 5, 5]])
    check_torch(lambda m, t: m.unique(t, return_inverse=True, return_counts=True, dim=dim), rows)
    check_torch(lambda m, t: m.unique(t, dim=dim), rows.astype(np.float64), grad=False)


def test_unique_of_floats_is_recorded_without_a_derivative_like_torch():
    out = check_torch(lambda m, t: m.unique(t), np.array([2.0, 1.0, 2.0]), grad=False)
    assert out.requires_grad and out.dtype == cr.float64
    with pytest.raises(RuntimeError, match="unique"):
        out.sum().backward()
    assert cr.unique(cr.tensor([2.0, 2.0], dtype=cr.float32)).dtype == cr.float32


def test_unique_keeps_each_nan_apart_like_torch():
    data = np.array([np.nan, 1.0, np.nan, -0.5, 1.0])
    check_torch(lambda m, t: m.unique(t.detach(), return_inverse=True, return_counts=True), data)
    rows = np.array([[np.nan, 1.0], [2.0, 0.0], [np.nan, 1.0], [2.0, 0.0]])
    check_torch(lambda m, t: m.unique(t.detach(), return_counts=True, dim=0), rows)


def test_unique_of_slices_of_bools_and_of_many_columns_matches_torch():
    rows = np.random.default_rng(3).integers(0, 2, size=(9, 4)).astype(bool)
    for dim in (0, 1):
        check_torch(lambda m, t: m.unique(t, return_inverse=True, return_counts=True, dim=dim), rows)


def test_sort_and_topk_of_ties_nan_and_infinities_match_torch():
    data = np.array([[1.0, np.nan, -np.inf, 1.0, np.inf, np.nan, 0.0, -0.0, 1.0]])
    for descending in (False, True):
        check_torch(lambda m, t: m.sort(t, stable=True, dim=-1, descending=descending), data, grad=False)
    for k, largest in ((3, True), (5, False), (6, True)):  # no ties: PyTorch's topk may order them either way
        check_torch(lambda m, t: m.topk(t, k, largest=largest), np.array([1.0, np.nan, -np.inf, 2.0, np.inf, 0.0]),
                    grad=False)
    check_torch(lambda m, t: m.argsort(t, stable=True, dim=0, descending=True),
                np.array([[2, 1], [2, 3], [5, 1], [2, 1]], dtype=np.int32))


def test_dim_of_sorted_values_gradient_goes_back_through_a_topk_of_every_dim():
    data = random_array((4, 3, 2), 5)
    for dim in range(3):
        check_op(lambda m, t: m.topk(t, 2, dim, largest=False).values * m.arange(2.0).reshape([2 if d == dim else 1 for d in range(3)]), data)
    check_second_order(lambda m, t: m.sort(t, 0, descending=True).values ** 2 * t, data)


def test_unique_dim_of_a_0d_tensor_is_an_error():
    with pytest.raises(IndexError):
        torch.unique(torch.tensor(3), dim=0)
    with pytest.raises((ValueError, IndexError), match="unique"):
        cr.unique(cr.tensor(3), dim=0)
