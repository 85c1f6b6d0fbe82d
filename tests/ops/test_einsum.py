"""einsum against PyTorch and finite differences: explicit and implicit outputs, "...", diagonals, broadcasting."""
import numpy as np
import pytest
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr

CASES = {  # equation: operand shapes
    "ij,jk->ik": [(2, 3), (3, 4)],
    "ij,jk": [(2, 3), (3, 4)],
    "bij,bjk->bik": [(2, 2, 3), (2, 3, 4)],
    "ii->i": [(3, 3)],
    "ii": [(3, 3)],
    "...ij,...jk->...ik": [(2, 2, 3), (3, 4)],
    "...ij,...jk": [(2, 1, 2, 3), (3, 3, 4)],
    "i,i->": [(3,), (3,)],
    "i,j->ij": [(3,), (2,)],
    "i,j": [(3,), (2,)],
    "ij->": [(2, 3)],
    "ij->i": [(2, 3)],
    "ij->ji": [(2, 3)],
    "ba": [(2, 3)],
    "iij->j": [(2, 2, 3)],
    "ij,ij->ij": [(2, 1), (2, 3)],
    "ij, jk, kl -> il": [(2, 3), (3, 4), (4, 2)],
    "bn,anm,bm->ba": [(2, 3), (4, 3, 2), (2, 2)],
    "i...->...": [(2, 3, 4)],
    "...->...": [()],
}


def _operands(shapes, seed=1, dtype=np.float64):
    return [random_array(shape, seed + i, dtype=dtype) for i, shape in enumerate(shapes)]


@pytest.mark.parametrize("equation", sorted(CASES))
def test_einsum_matches_torch(equation):
    arrays = _operands(CASES[equation])
    check_op(lambda m, *ts: m.einsum(equation, *ts), *arrays)
    check_torch(lambda m, *ts: m.einsum(equation, list(ts)) * 2.0, *arrays)  # operands as a list


@pytest.mark.parametrize("equation", ["ij,jk->ik", "ii->i", "...ij,...jk->...ik", "i,i->"])
def test_einsum_keeps_float32(equation):
    out = check_torch(lambda m, *ts: m.einsum(equation, *ts), *_operands(CASES[equation], 2, np.float32))
    assert out.dtype == cr.float32


def test_einsum_of_integers_and_with_a_constant_operand():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    check_torch(lambda m, x, y: m.einsum("ij,jk->ik", x, y), a, b)
    check_torch(lambda m, x: m.einsum("ij,jk->ik", x, m.ones(3, 4, dtype=m.float64)), random_array((2, 3), 3))


def test_einsum_diagonal_result_is_a_copy():
    x = cr.tensor(random_array((3, 3), 4))
    d = cr.einsum("ii->i", x)
    d[0] = 100.0
    assert x[0, 0].item() != 100.0


@pytest.mark.parametrize("equation", ["ij,jk->ik", "bij,bjk->bik", "ii->i", "i,i->", "ij->i", "...ij,...jk->...ik"])
def test_second_derivatives_match_torch(equation):
    arrays = _operands(CASES[equation], 5)
    check_second_order(lambda m, *ts: m.einsum(equation, *ts) ** 2, *arrays)


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (2, 3)]),  # j: 3 and 2
    ("ij,jk", [(2, 3)]),  # two operands named, one given
    ("ijk->ij", [(2, 3)]),  # three labels for two dims
    ("ij->k", [(2, 3)]),  # k is in no operand
    ("ij->ii", [(2, 3)]),  # an output label twice
    ("ii->i", [(2, 3)]),  # a diagonal of a non-square
    ("i1->i", [(2, 3)]),  # not a letter
    ("......->", [(2, 3)]),
])
def test_einsum_errors_are_value_errors_naming_einsum(equation, shapes):
    with pytest.raises(ValueError, match="einsum"):
        cr.einsum(equation, *[cr.ones(*s) for s in shapes])


def test_einsum_type_errors():
    with pytest.raises(TypeError, match="einsum"):
        cr.einsum("ij,jk->ik", cr.ones(2, 3), cr.ones(3, 4, dtype=cr.float64))  # torch refuses mixed dtypes too
    with pytest.raises(TypeError, match="einsum"):
        cr.einsum("i->i", [1.0, 2.0])
    with pytest.raises(TypeError, match="einsum"):
        cr.einsum(cr.ones(2), "i->i")
