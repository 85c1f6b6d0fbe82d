"""poisson_nll_loss and gaussian_nll_loss (ops/likelihood_loss.py, through nn.functional) against PyTorch:
float64 values and gradients (input, target and var), every reduction, float32 kept, var's shapes, errors."""
import numpy as np
import pytest
from torch_parity import check_op, check_torch, random_array

import chainrule as cr

REDUCTIONS = ("mean", "sum", "none")


@pytest.mark.parametrize("log_input, full", [(True, False), (False, False), (True, True), (False, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_loss(log_input, full, reduction):
    x = random_array((2, 3), 1, 0.1, 2.0)
    target = np.array([[0.0, 1.0, 2.0], [3.5, 0.5, 4.0]])
    check_op(lambda lib, t: lib.nn.functional.poisson_nll_loss(t, lib.tensor(target), log_input, full,
                                                                reduction=reduction), x)


@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3)])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_loss_with_each_var_shape(var_shape, full, reduction):
    x, target, var = random_array((4, 3), 2), random_array((4, 3), 3), random_array(var_shape, 4, 0.2, 2.0)
    check_op(lambda lib, a, b, v: lib.nn.functional.gaussian_nll_loss(a, b, v, full, reduction=reduction), x, target, var)


def test_gaussian_nll_loss_clamps_var_for_the_value_only_and_takes_a_number():
    x, target = random_array((3, 2), 5), random_array((3, 2), 6)
    var = np.array([[1e-8, 0.5], [0.0, 2.0], [1.0, 1e-3]])
    check_torch(lambda lib, a, b, v: lib.nn.functional.gaussian_nll_loss(a, b, v, eps=1e-4), x, target, var)
    check_torch(lambda lib, a, b: lib.nn.functional.gaussian_nll_loss(a, b, 0.7), x, target)


def test_float32_stays_float32():
    x, target = random_array((3, 2), 7, 0.1, 2, np.float32), random_array((3, 2), 8, 0.1, 2, np.float32)
    check_torch(lambda lib, a, b: lib.nn.functional.poisson_nll_loss(a, b, False, True), x, target)
    check_torch(lambda lib, a, b, v: lib.nn.functional.gaussian_nll_loss(a, b, v), x, target, target[:, 0])


def test_errors():
    F = cr.nn.functional
    x = cr.tensor(random_array((4, 3), 9))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(x, x, -x.abs())
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(x, x, cr.ones(2, 2))
    with pytest.raises(ValueError, match="not valid"):
        F.gaussian_nll_loss(x, x, 1.0, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        F.poisson_nll_loss(x, x, reduction="avg")
