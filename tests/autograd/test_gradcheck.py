"""numerical_grad and gradcheck: the first of the three ways to a gradient."""
import numpy as np
import pytest

import chainrule as cr


def test_numerical_grad_of_known_function():
    x = cr.tensor([0.3, -1.1, 2.0], dtype=cr.float64)
    (g,) = cr.autograd.numerical_grad(lambda t: t**3, [x])
    np.testing.assert_allclose(g, 3 * x.numpy() ** 2, rtol=1e-8)
    assert g.dtype == np.float64


def test_numerical_grad_works_in_float64_for_float32_inputs():
    x = cr.tensor([0.5, 1.5])  # float32
    (g,) = cr.autograd.numerical_grad(lambda t: t.sin(), [x], eps=1e-6)
    np.testing.assert_allclose(g, np.cos(x.numpy().astype(np.float64)), rtol=1e-8)


def test_numerical_grad_skips_integer_inputs_and_takes_eps():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64)
    idx = cr.tensor([1, 1, 0])
    gx, gi = cr.autograd.numerical_grad(lambda t, i: t[i] * 2, [x, idx], eps=1e-4)
    assert gi is None
    np.testing.assert_allclose(gx, [2.0, 4.0], rtol=1e-9)


def test_gradcheck_passes_on_correct_ops():
    rng = np.random.default_rng(0)
    a = cr.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    b = cr.tensor(rng.normal(size=(4, 2)), requires_grad=True)
    assert cr.autograd.gradcheck(lambda a, b: cr.tanh(a @ b).softmax(1), [a, b])


def test_gradcheck_names_input_element_and_values():
    class WrongSquare(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        cr.autograd.gradcheck(lambda t: WrongSquare.apply(t), [x])
    message = str(info.value)
    assert "input 0" in message and "element (0,)" in message
    assert "analytic" in message and "numerical" in message
    assert isinstance(info.value, cr.autograd.GradcheckError)


def test_gradcheck_catches_errors_hidden_by_a_plain_sum():
    class SwapGrad(cr.autograd.Function):  # right values, gradients sent to the wrong elements
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return cr.stack([grad[1] * 2 * x[1], grad[0] * 2 * x[0]])

    x = cr.tensor([1.0, 1.0], dtype=cr.float64, requires_grad=True)
    with pytest.raises(cr.autograd.GradcheckError):
        cr.autograd.gradcheck(lambda t: SwapGrad.apply(t) * cr.tensor([1.0, 3.0], dtype=cr.float64), [x])


# ---- seed 4: d/dx (exp(x^2))^2 = 4x exp(2x^2); at 0.5 the notebook prints 3.297442541400256 -------------
SEED_VALUE = 3.297442541400256  # printed by the seed 4 notebook (manual and automatic backprop)


def f(x):
    return cr.exp(x**2) ** 2


def exact(x):
    return 4 * x * np.exp(2 * x**2)


def test_numerical_derivative_of_seed_function():
    x = cr.tensor([0.5, 1.0], dtype=cr.float64)
    (numerical,) = cr.autograd.numerical_grad(f, [x])
    assert numerical[0] == pytest.approx(SEED_VALUE, rel=1e-8)
    np.testing.assert_allclose(numerical, exact(np.array([0.5, 1.0])), rtol=1e-7)
