"""Seed 4: d/dx (exp(x^2))^2 = 4x exp(2x^2); at 0.5 the notebook prints 3.297442541400256."""
import numpy as np
import pytest

import chainrule as cr

SEED_VALUE = 3.297442541400256  # printed by the seed 4 notebook (manual and automatic backprop)


def f(x):
    return cr.exp(x**2) ** 2


def exact(x):
    return 4 * x * np.exp(2 * x**2)


@pytest.mark.parametrize(
    "values",
    [0.5, [0.5, 1.0, 2.0], [[0.5, 1.0, 2.0], [2.1, 2.5, 3.0]]],
    ids=["scalar", "vector", "matrix"],
)
def test_square_exp_square_matches_seed_and_calculus(values):
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    f(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), exact(np.asarray(values)), rtol=1e-13)
    assert x.grad.numpy().reshape(-1)[0] == pytest.approx(SEED_VALUE, rel=1e-15)


def test_numerical_derivative_of_seed_function():
    x = cr.tensor([0.5, 1.0], dtype=cr.float64)
    (numerical,) = cr.autograd.numerical_grad(f, [x])
    assert numerical[0] == pytest.approx(SEED_VALUE, rel=1e-8)
    np.testing.assert_allclose(numerical, exact(np.array([0.5, 1.0])), rtol=1e-7)


def test_float32_keeps_float32():
    x = cr.tensor(0.5, requires_grad=True)
    y = f(x)
    y.backward()
    assert y.dtype == cr.float32 and x.grad.dtype == cr.float32
    assert x.grad.item() == pytest.approx(SEED_VALUE, rel=1e-6)
