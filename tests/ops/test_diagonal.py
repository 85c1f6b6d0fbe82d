"""diagonal, diag and trace against PyTorch and finite differences."""
import numpy as np
import pytest
import torch
from torch_parity import check_op, check_second_order, random_array

import chainrule as cr


@pytest.mark.parametrize("shape, args", [
    ((4, 4), ()), ((3, 5), (1,)), ((5, 3), (-2,)), ((3, 4, 5), (1, 0, 2)), ((3, 4, 5), (-1, 2, 0)),
    ((2, 3, 4, 5), (0, -1, -3)), ((3, 3), (7,)), ((3, 3), (-7,)),
])
def test_diagonal_matches_torch(shape, args):
    check_op(lambda m, t: t.diagonal(*args), random_array(shape))
    check_op(lambda m, t: m.diagonal(t, *args), random_array(shape, seed=1))


@pytest.mark.parametrize("shape, k", [((3,), 0), ((3,), 2), ((4,), -1), ((3, 4), 0), ((3, 4), 2), ((4, 3), -1)])
def test_diag_matches_torch(shape, k):
    check_op(lambda m, t: m.diag(t, k), random_array(shape))
    check_op(lambda m, t: t.diag(k), random_array(shape, seed=2))


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_trace_matches_torch(shape):
    check_op(lambda m, t: m.trace(t), random_array(shape))


def test_diagonals_differentiate_twice_as_in_torch():
    check_second_order(lambda m, t: (t.diagonal() ** 3).sum() + m.diag(t.diagonal() ** 2).sum(), random_array((3, 3)))


def test_float32_and_ints_keep_their_dtype():
    assert cr.ones(3, 3).diagonal().dtype == cr.float32
    assert cr.diag(cr.tensor([1, 2])).dtype == cr.int64 == cr.diag(cr.tensor([1, 2])).dtype
    assert cr.trace(cr.ones(2, 2, dtype=cr.float32)).dtype == cr.float32


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="diagonal"):
        cr.ones(3).diagonal()
    with pytest.raises(ValueError, match="dim1 and dim2"):
        cr.ones(3, 3).diagonal(0, 1, 1)
    with pytest.raises(ValueError, match="diag"):
        cr.diag(cr.ones(2, 2, 2))
    with pytest.raises(ValueError, match="trace"):
        cr.trace(cr.ones(2, 2, 2))
    with pytest.raises(TypeError, match="diagonal"):
        cr.diagonal(np.ones((2, 2)))
    with pytest.raises((RuntimeError, IndexError)):  # PyTorch refuses a 1-D diagonal() too
        torch.ones(3).diagonal()
