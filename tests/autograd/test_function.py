"""User-defined ops in PyTorch's style: cr.autograd.Function."""
import numpy as np
import pytest
import torch

import chainrule as cr


def make_exp_function(lib):
    class MyExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    return MyExp


def make_scaled_function(lib):
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, factor):
            ctx.save_for_backward(x, w)
            ctx.factor = factor
            return x * w * factor

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            gx = grad * w * ctx.factor if ctx.needs_input_grad[0] else None
            gw = grad * x * ctx.factor if ctx.needs_input_grad[1] else None
            return gx, gw, None

    return Scale


def test_custom_function_matches_torch_including_second_order():
    data = np.array([0.2, -0.7, 1.1])
    results = []
    for lib in (cr, torch):
        x = lib.tensor(data, requires_grad=True)
        y = make_exp_function(lib).apply(x * 2)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        results.append((y.detach().numpy(), g.detach().numpy(), gg.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_custom_function_with_non_tensor_argument_and_broadcast():
    rng = np.random.default_rng(1)
    xd, wd = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    grads = []
    for lib in (cr, torch):
        x = lib.tensor(xd, requires_grad=True)
        w = lib.tensor(wd, requires_grad=True)
        make_scaled_function(lib).apply(x, w, 2.5).sum().backward()
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_custom_function_gradcheck():
    x = cr.tensor(np.random.default_rng(2).normal(size=(2, 3)), requires_grad=True)
    assert cr.autograd.gradcheck(lambda t: make_exp_function(cr).apply(t), [x])


def test_wrong_number_of_gradients_raises():
    class Bad(cr.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a = cr.tensor([1.0], requires_grad=True)
    b = cr.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="gradients"):
        Bad.apply(a, b).sum().backward()


def test_function_output_has_grad_fn_and_no_cycle():
    x = cr.tensor([1.0], requires_grad=True)
    y = make_exp_function(cr).apply(x)
    assert y.grad_fn is not None and "MyExp" in y.grad_fn.name()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0]), rtol=1e-6)
