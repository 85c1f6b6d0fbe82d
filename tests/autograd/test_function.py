"""User-defined ops in PyTorch's style (cr.autograd.Function), and graph nodes: one Node class for every op,
its name and edges, and what it keeps of the values its op saved (checked against in-place changes)."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd import Node
from chainrule.ops.elementwise import Mul


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


# ---- graph nodes ------------------------------------------------------------------------------------
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


def test_next_functions_and_grad_fn_names():
    w = cr.tensor([1.0], requires_grad=True)
    y = w * cr.tensor([2.0])
    (first, _), (second, _) = y.grad_fn.next_functions
    assert first.variable is w and second is None
    assert "Mul" in y.grad_fn.name()


def test_modified_saved_tensor_is_detected():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])
    y = (x * c).sum()
    c += 1
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


@pytest.mark.parametrize("change", ["optimizer step", "setitem", "data assignment", "add_ under no_grad"])
def test_every_in_place_change_of_a_saved_tensor_is_caught(change):
    layer = cr.nn.Linear(3, 2)
    loss = layer(cr.randn(4, 3)).sum()
    if change == "optimizer step":
        layer.weight.grad = cr.ones(2, 3)
        cr.optim.SGD(layer.parameters(), lr=0.1).step()
    elif change == "setitem":
        with cr.no_grad():
            layer.weight[0, 0] = 5.0
    elif change == "data assignment":
        layer.weight.data = cr.zeros(2, 3)
    else:
        with cr.no_grad():
            layer.weight.add_(1.0)
    with pytest.raises(RuntimeError, match="saved tensor 1 \\(a parameter of shape \\(2, 3\\)"):
        loss.backward()


# ---- one convention: backward formulas hold on arrays and on Tensors alike ----------------------------------
def _ops_with_backward():
    import inspect

    found, stack = [], [cr.autograd.Function]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "backward" in vars(cls) and inspect.getmodule(cls).__name__.startswith("chainrule."):
            found.append(cls)
    return found


def test_no_builtin_backward_tests_the_type_of_its_values():
    """Every built-in op's backward is one formula: it never asks whether it got arrays or Tensors."""
    import ast
    import inspect
    import textwrap

    classes = _ops_with_backward()
    assert len(classes) > 40  # the walk finds the ops (Mul, Tanh, Convolution, ...)
    offenders = []
    for cls in classes:
        tree = ast.parse(textwrap.dedent(inspect.getsource(vars(cls)["backward"])))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "type"):
                offenders.append(f"{cls.__module__}.{cls.__name__}")
            if isinstance(node, ast.Attribute) and node.attr == "_data":  # reaching into a Tensor is a type test too
                offenders.append(f"{cls.__module__}.{cls.__name__} (._data)")
    assert offenders == []


def test_every_builtin_op_gets_arrays_without_create_graph_and_tensors_with_it():
    seen = []

    class Spy(cr.autograd.function.Op):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            seen.append((type(gy).__name__, type(x).__name__))
            return gy * 2 * x

    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    Spy.apply(x).sum().backward()
    (g,) = cr.autograd.grad(Spy.apply(x).sum(), x, create_graph=True)
    assert seen == [("ndarray", "ndarray"), ("Tensor", "Tensor")]
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    g.sum().backward()  # the backward was recorded: it is differentiated again (d/dx of 2x is 2)
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 6.0])


def test_an_error_in_a_forward_keeps_its_cause():
    """The op's own failing line stays in the traceback: the error chainrule raises names the op, and its
    __cause__ is the original error (as `raise ... from err`)."""

    class Broken(cr.autograd.function.Op):
        def forward(ctx, x):
            return x.reshape(7)  # NumPy's ValueError: the bug to be found

        def backward(ctx, gy):
            return gy

    with pytest.raises(ValueError, match=r"^broken: cannot reshape .* \(input shapes: \(2,\)\)") as caught:
        Broken.apply(cr.tensor([1.0, 2.0]))
    assert isinstance(caught.value.__cause__, ValueError) and "cannot reshape" in str(caught.value.__cause__)
    assert caught.value.__suppress_context__  # from err: the cause is shown, not "during handling ..."


def test_next_functions_list_the_tensor_arguments_as_torch():
    """One entry per tensor argument ((None, 0) for one without grad), none for options such as dims and
    bounds; the numbers in x * 2, x + 1, where(c, x, 0.0) count, as PyTorch wraps them in tensors."""
    shapes = []
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        c = lib.tensor([5.0, 6.0])
        outs = [x.sum(), x.sum(0), x.clamp(0, 1), x * 2, 2 * x, x + 1, x / 2, x - c, lib.where(x > 1, x, 0.0),
                x.reshape(2, 1), x.permute(0), x * y, x**2, x.exp(), lib.cat([x, y]), x[0], x.unsqueeze(0)]
        shapes.append([[node is None for node, _ in out.grad_fn.next_functions] for out in outs])
    assert shapes[0] == shapes[1]
