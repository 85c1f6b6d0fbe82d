"""Graph nodes: one Node class for every op, and what a node keeps of the values its op saved."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd import Node
from chainrule.ops.elementwise import Mul


SAME_NAME_AS_TORCH = {  # ops recorded as one node of PyTorch's name (composed ones differ, and sum/mean over a
    # dim are PyTorch's overload 1: SumBackward1)
    "mul": lambda m, x: x * 2, "add": lambda m, x: x + 1, "sub": lambda m, x: x - 1, "div": lambda m, x: x / 2,
    "pow": lambda m, x: x ** 2, "neg": lambda m, x: -x, "exp": lambda m, x: x.exp(), "log": lambda m, x: x.log(),
    "sqrt": lambda m, x: x.sqrt(), "sin": lambda m, x: x.sin(), "cos": lambda m, x: x.cos(),
    "tanh": lambda m, x: x.tanh(), "sigmoid": lambda m, x: x.sigmoid(), "relu": lambda m, x: x.relu(),
    "abs": lambda m, x: x.abs(), "sum": lambda m, x: x.sum(), "mean": lambda m, x: x.mean(),
    "softmax": lambda m, x: m.softmax(x, 0),
    "log_softmax": lambda m, x: m.log_softmax(x, 0), "permute": lambda m, x: x.reshape(1, 2).permute(1, 0),
    "cat": lambda m, x: m.cat([x, x]), "where": lambda m, x: m.where(x > 1, x, x * 0),
    "maximum": lambda m, x: m.maximum(x, x * 0), "amax": lambda m, x: x.amax(0),
}


@pytest.mark.parametrize("name", sorted(SAME_NAME_AS_TORCH))
def test_node_names_and_reprs_are_torchs(name):
    make = SAME_NAME_AS_TORCH[name]
    ours = make(cr, cr.tensor([1.0, 2.0], requires_grad=True))
    theirs = make(torch, torch.tensor([1.0, 2.0], requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert repr(ours) == repr(theirs)


def test_a_custom_functions_node_is_named_like_torchs():
    def twice_in(lib):
        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        return Twice.apply(lib.ones(2, requires_grad=True))

    assert twice_in(cr).grad_fn.name() == twice_in(torch).grad_fn.name() == "TwiceBackward"


def test_every_recorded_op_makes_a_node_of_the_one_class():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tanh(x * 3.0).sum()
    nodes, node = [], y.grad_fn
    while node is not None and type(node) is Node:
        nodes.append(node)
        node = node.next_functions[0][0]
    assert [n.name() for n in nodes] == ["SumBackward0", "TanhBackward0", "MulBackward0"]
    assert nodes[-1].op is Mul
    assert node.name() == "AccumulateGrad"


def test_a_custom_functions_ctx_is_its_node():
    seen = []

    class Double(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(ctx)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = cr.tensor([1.0], requires_grad=True)
    y = Double.apply(x)
    assert y.grad_fn is seen[0] and type(y.grad_fn) is Node and y.grad_fn.op is Double
    assert y.grad_fn.name() == "DoubleBackward"


def make_saver(lib):
    """A custom Function that saves an input, its output and a tensor made inside forward."""

    class Saver(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            y = x * w
            scale = x * 0 + 3  # neither an input nor an output
            ctx.save_for_backward(x, w, y, scale)
            return y

        @staticmethod
        def backward(ctx, grad):
            x, w, y, scale = ctx.saved_tensors
            # d(x w)/dx = w, written with the saved output so that second derivatives go through it
            return grad * y / x * scale / 3, grad * x

    return Saver


def test_custom_function_saved_inputs_outputs_and_constants_match_torch_to_second_order():
    data, weight = np.array([0.5, -1.5, 2.0]), np.array([1.5, 0.25, -2.0])
    results = []
    for lib in (cr, torch):
        x = lib.tensor(data, requires_grad=True)
        w = lib.tensor(weight, requires_grad=True)
        y = make_saver(lib).apply(x, w)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        gx.sum().backward()
        results.append((gx.detach().numpy(), x.grad.numpy(), w.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_custom_function_sees_an_in_place_change_of_a_saved_input():
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    w = cr.tensor([2.0, 3.0])
    y = make_saver(cr).apply(x, w).sum()
    w.add_(1.0)
    with pytest.raises(RuntimeError, match="saved tensor 1 .*modified by an in-place operation"):
        y.backward()


def test_saved_values_are_freed_after_backward_and_reading_them_again_raises():
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    w = cr.tensor([2.0, 3.0], requires_grad=True)
    y = x * w
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        node.saved_tensors


@pytest.mark.parametrize("inputs", [(True, False), (False, True), (True, True)])
def test_needs_input_grad_per_argument(inputs):
    seen = []

    class Pair(cr.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, factor):
            seen.append(ctx.needs_input_grad)
            return a * b * factor

        @staticmethod
        def backward(ctx, grad):
            return grad, grad, None

    a = cr.tensor([1.0], requires_grad=inputs[0])
    b = cr.tensor([2.0], requires_grad=inputs[1])
    Pair.apply(a, b, 3.0)
    assert seen == [(*inputs, False)]


@pytest.mark.parametrize("inputs", [(True, False), (False, True), (True, True)])
def test_needs_input_grad_of_a_two_input_op(inputs):
    seen = []

    class Product(cr.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Product.apply(cr.tensor([1.0], requires_grad=inputs[0]), cr.tensor([2.0], requires_grad=inputs[1]))
    assert seen == [inputs]
