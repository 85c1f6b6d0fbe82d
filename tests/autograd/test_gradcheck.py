"""numerical_grad and gradcheck: the first of the three ways to a gradient; localize: which op is wrong."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.autograd import anomaly
from chainrule.autograd.function import Op, namespace


def test_numerical_grad_of_known_function():
    x = cr.tensor([0.3, -1.1, 2.0], dtype=cr.float64)
    (g,) = cr.autograd.numerical_grad(lambda t: t**3, [x])
    np.testing.assert_allclose(g, 3 * x.detach().numpy() ** 2, rtol=1e-8)
    assert g.dtype == np.float64


def test_numerical_grad_works_in_float64_for_float32_inputs():
    x = cr.tensor([0.5, 1.5])  # float32
    (g,) = cr.autograd.numerical_grad(lambda t: t.sin(), [x], eps=1e-6)
    np.testing.assert_allclose(g, np.cos(x.detach().numpy().astype(np.float64)), rtol=1e-8)


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


# ---- localize: name the op whose backward is wrong ---------------------------------------------------
def line_of(marker):
    """The line number, in this file, of the line that carries `marker` in a comment."""
    with open(__file__) as source:
        lines = [number for number, text in enumerate(source, 1) if f"# {marker}" in text]
    assert len(lines) == 1, marker
    return lines[0]


def wrong_exp_grad(lib, x, g):
    return g * lib.exp(x) * x  # the mistake: exp(x) is its own derivative, without the factor x


def broken_exp(lib):
    """exp with the wrong backward, as a Function of lib (chainrule or torch), named BrokenExp in both."""
    class BrokenExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return wrong_exp_grad(lib, x, grad)

    return BrokenExp


BrokenExp, TorchBrokenExp = broken_exp(cr), broken_exp(torch)


def broken_chain(a, b, c):
    h = cr.tanh(a @ b)
    e = BrokenExp.apply(h)  # BrokenExp applied here
    return (e @ c).sum()


def chain_inputs():
    rng = np.random.default_rng(1)
    return [cr.tensor(rng.normal(size=shape) * 0.5, requires_grad=True) for shape in [(3, 4), (4, 2), (2, 3)]]


def worst_of(analytic, numerical, atol=1e-5, rtol=1e-3):
    """The element gradcheck's tolerance finds worst, as localize defines it."""
    ratio = np.abs(analytic - numerical) / (atol + rtol * np.abs(numerical))
    return tuple(int(i) for i in np.unravel_index(np.argmax(ratio), ratio.shape))


def test_localize_names_a_broken_custom_function_in_a_chain():
    a, b, c = chain_inputs()
    with pytest.raises(cr.autograd.GradcheckError) as info:
        cr.autograd.gradcheck(broken_chain, [a, b, c], localize=True)
    error = info.value
    torch_node = TorchBrokenExp.apply(torch.zeros(1, requires_grad=True)).grad_fn
    assert error.node_name == type(torch_node).__name__ == "BrokenExpBackward"
    assert error.created_at.startswith(f"{__file__}:{line_of('BrokenExp applied here')} in broken_chain")
    assert (error.node.filename, error.node.lineno) == (__file__, line_of("BrokenExp applied here"))
    assert "BrokenExpBackward" in str(error) and error.created_at in str(error)
    assert error.node.argument == 0 and "made by TanhBackward0" in error.node.concerns
    # reference: torch at the node's own input h = tanh(a @ b), with the cotangent localize used
    h = torch.tanh(torch.tensor(a.detach().numpy()) @ torch.tensor(b.detach().numpy())).requires_grad_()
    (cotangent,) = error.node.cotangents
    (numerical,) = torch.autograd.grad(torch.exp(h), h, torch.tensor(cotangent))
    (analytic,) = torch.autograd.grad(TorchBrokenExp.apply(h), h, torch.tensor(cotangent))
    assert error.node.index == worst_of(analytic.detach().numpy(), numerical.detach().numpy())
    assert error.node.analytic == pytest.approx(analytic[error.node.index].item(), rel=1e-9)
    assert error.node.numerical == pytest.approx(numerical[error.node.index].item(), rel=1e-6, abs=1e-7)
    assert error.node.bad == error.node.size == 6
    # the other ops are right: only the broken one fails
    assert [check.ok for check in error.report] == [check.name != "BrokenExpBackward" for check in error.report]


def test_torch_gradcheck_agrees_that_the_function_is_broken():
    x = torch.tensor([[0.3, -0.2], [0.5, 0.1]], dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(lambda t: TorchBrokenExp.apply(torch.tanh(t)), [x], raise_exception=False)
    assert torch.autograd.gradcheck(lambda t: torch.exp(torch.tanh(t)), [x])


def test_gradcheck_without_localize_is_unchanged_and_can_return_false():
    a, b, c = chain_inputs()
    with pytest.raises(cr.autograd.GradcheckError) as info:
        cr.autograd.gradcheck(broken_chain, [a, b, c])
    assert info.value.node_name is None and info.value.report is None
    assert "localize" not in str(info.value) and info.value.input_index == 0
    assert cr.autograd.gradcheck(broken_chain, [a, b, c], raise_exception=False) is False
    assert cr.autograd.gradcheck(broken_chain, [a, b, c], localize=True, raise_exception=False) is False


class BrokenSin(Op):
    """A built-in-style op with a wrong backward: the derivative of sin is cos, not 2 cos."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).cos(x) * 2


def test_localize_names_a_broken_builtin_style_op_among_non_tensor_args_and_index_tensors():
    index = cr.tensor([4, 0, 4, 1])

    def fn(x):
        y = (x**2).reshape(6)  # pow with a number, reshape with a shape
        z = BrokenSin.apply(y)  # BrokenSin applied here
        return z[index].sum()

    x = cr.tensor(np.random.default_rng(2).uniform(-1, 1, size=(2, 3)), requires_grad=True)
    with pytest.raises(cr.autograd.GradcheckError) as info:
        cr.autograd.gradcheck(fn, [x], localize=True)
    error = info.value
    assert error.node_name == "BrokenSinBackward0"
    assert (error.node.filename, error.node.lineno) == (__file__, line_of("BrokenSin applied here"))
    names = [check.name for check in error.report]
    assert names.index("PowBackward0") < names.index("ReshapeBackward0") < names.index("BrokenSinBackward0")
    assert [c.ok for c in error.report if c.name != "BrokenSinBackward0"] == [True] * (len(names) - 1)
    y = torch.tensor(x.detach().numpy()).reshape(6) ** 2  # reference: torch's sin and the wrong 2 cos
    (cotangent,) = error.node.cotangents
    numerical = (torch.cos(y) * torch.tensor(cotangent)).numpy()
    analytic = 2 * numerical
    assert error.node.index == worst_of(analytic, numerical)
    assert error.node.numerical == pytest.approx(numerical[error.node.index], rel=1e-6, abs=1e-7)
    assert error.node.analytic == pytest.approx(analytic[error.node.index], rel=1e-9)


def test_localize_of_a_correct_chain_reports_every_op_ok():
    def fn(lib, a, b, c):
        return (lib.exp(lib.tanh(a @ b)) @ c).softmax(1).sum()

    a, b, c = chain_inputs()
    assert cr.autograd.gradcheck(lambda *ts: fn(cr, *ts), [a, b, c], localize=True)
    report = cr.autograd.localize(lambda *ts: fn(cr, *ts), [a, b, c])
    assert report.ok and report.first_failure is None and report.checked == len(report) > 0
    assert all(check.max_error < 1e-6 for check in report)
    # the ops checked are the graph's nodes, as torch records the same computation (matmul's names differ)
    ta, tb, tc = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (a, b, c))
    mine = sorted(check.name.replace("MatMul", "Mm") for check in report)
    assert mine == sorted(_torch_node_names(fn(torch, ta, tb, tc)))


def _torch_node_names(out):
    seen, todo = {}, [out.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen or type(node).__name__ == "AccumulateGrad":
            continue
        seen[id(node)] = type(node).__name__
        todo.extend(n for n, _ in node.next_functions)
    return list(seen.values())


def test_localize_report_prints_a_table():
    a, b, c = chain_inputs()
    report = cr.autograd.localize(broken_chain, [a, b, c])
    text = str(report)
    assert text == repr(report)
    lines = text.splitlines()
    assert "1 disagree" in lines[0] and lines[1].split()[:2] == ["#", "node"]
    failing = [line for line in lines if "BrokenExpBackward" in line]
    assert len(failing) == 1 and "FAIL" in failing[0]
    assert f"test_gradcheck.py:{line_of('BrokenExp applied here')}" in failing[0]
    assert len(lines) == 2 + len(report)


class TwoOutputs(cr.autograd.Function):
    """(exp(x), x * x), with the second output's backward wrong (x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.exp(), x * x

    @staticmethod
    def backward(ctx, g_exp, g_square):
        (x,) = ctx.saved_tensors
        return g_exp * x.exp() + g_square * x


def test_localize_with_multi_output_ops():
    x = cr.tensor(np.random.default_rng(3).normal(size=(3, 5)), requires_grad=True)

    def fine(x):
        values, _ = cr.max(x, dim=1)
        pooled = cr.nn.functional.max_pool2d(x.reshape(1, 1, 3, 5), 2)  # (values, int taps) inside
        rows = cr.unbind(x)
        return values.sum() + cr.topk(x, 2, dim=1).values.sum() + pooled.sum() + (rows[0] * rows[2]).sum()

    report = cr.autograd.localize(fine, [x])
    assert report.ok and report.checked == len(report)
    outputs = {c.name: len(c.cotangents) for c in report}  # one cotangent per differentiable output
    assert outputs["UnbindBackward0"] == 3 and outputs["MaxPool2dBackward0"] == 1  # its int taps get none

    def broken(x):
        e, square = TwoOutputs.apply(x)
        return e.sum() + square.sum()

    failure = cr.autograd.localize(broken, [x]).first_failure
    assert failure.name == "TwoOutputsBackward" and len(failure.cotangents) == 2
    assert failure.concerns == "shape (3, 5), float64, input 0 of fn"
    value = x.detach().numpy()[failure.index]
    expected = 2 * value * failure.cotangents[1][failure.index] + np.exp(value) * failure.cotangents[0][failure.index]
    assert failure.numerical == pytest.approx(expected, rel=1e-6, abs=1e-7)


def test_localize_computes_in_float64_for_float32_and_mixed_inputs():
    w = cr.tensor(np.random.default_rng(4).uniform(-1, 1, size=3).astype(np.float32), requires_grad=True)
    x = cr.tensor(np.random.default_rng(5).uniform(-1, 1, size=3), requires_grad=True)  # float64

    def fn(x):
        return (BrokenExp.apply(w * 1.5) * x).sum()  # BrokenExp's input is float32

    assert cr.autograd.localize(lambda x: (cr.exp(w * 1.5) * x).sum(), [x]).ok
    failure = cr.autograd.localize(fn, [x]).first_failure
    assert failure.name == "BrokenExpBackward" and "float32" in failure.concerns
    u = w.detach().numpy().astype(np.float64) * 1.5  # reference: float64 exp, which float32 differences would miss
    expected = np.exp(u[failure.index]) * failure.cotangents[0][failure.index]
    assert failure.numerical.dtype == np.float64 and failure.numerical == pytest.approx(expected, rel=1e-8)


def test_localize_blames_the_wiring_when_every_op_is_right():
    def fn(x):
        return x * cr.tensor(x.detach().numpy())  # the second factor is cut off from the graph

    x = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64, requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    assert not torch.autograd.gradcheck(lambda t: t * t.detach(), [tx], raise_exception=False)
    with pytest.raises(cr.autograd.GradcheckError) as info:
        cr.autograd.gradcheck(fn, [x], localize=True)
    assert info.value.node is None and info.value.report.ok
    assert "how they are connected" in str(info.value)


def test_localize_skips_ops_it_cannot_rerun_and_leaves_modes_off():
    def fn(x):
        y = x * 1.0
        y[0] = x[1] * 3.0  # recorded as CopySlices: its forward only hands back what was written
        return y.sum()

    x = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64, requires_grad=True)
    report = cr.autograd.localize(fn, [x])
    skipped = [c for c in report if c.skipped]
    assert [c.name for c in skipped] == ["CopySlices"] and report.ok
    assert anomaly.mode.enabled is False and anomaly.mode.recorder is None and anomaly.mode.check_nan
    with pytest.raises(ZeroDivisionError):
        cr.autograd.localize(lambda t: t * (1 / 0), [x])
    assert anomaly.mode.enabled is False and anomaly.mode.recorder is None


def test_localize_inside_anomaly_mode_keeps_checking_nan():
    x = cr.tensor([1.0, -1.0], dtype=cr.float64, requires_grad=True)
    (check,) = cr.autograd.localize(lambda t: t.log(), [x])  # outside anomaly mode: recorded only
    assert check.ok is None and "nan" in check.skipped
    with cr.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="LogBackward0|nan"):
            cr.autograd.localize(lambda t: t.log(), [x])
        assert anomaly.mode.enabled and anomaly.mode.recorder is None


class BrokenStandardSin(Op):
    """BrokenSin in standard functions: it runs on any library's arrays (array-api-strict here)."""

    array_api = True

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).sin(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).cos(x) * 2


def test_gradcheck_and_localize_on_another_device():
    # the inputs are perturbed in a NumPy copy moved to their device: fn runs there, its inputs stay there
    r = np.random.default_rng(3)
    a, b = (cr.tensor(r.normal(size=s)).to("array_api_strict").requires_grad_() for s in ((2, 3), (3, 4)))
    devices = []

    def fn(x, y):
        devices.append((str(x.device), str(y.device)))
        return (x @ y).tanh()

    assert cr.autograd.gradcheck(fn, [a, b])
    assert set(devices) == {("array_api_strict", "array_api_strict")}
    assert cr.autograd.localize(lambda x, y: fn(x, y).sum(), [a, b]).ok
    with pytest.raises(cr.autograd.GradcheckError) as info:
        cr.autograd.gradcheck(lambda x: BrokenStandardSin.apply(x.exp()), [a], localize=True)
    assert info.value.node_name == "BrokenStandardSinBackward0"
    expected = torch.cos(torch.tensor(a.detach().cpu().numpy()).exp()) * torch.tensor(info.value.node.cotangents[0])
    assert info.value.node.numerical == pytest.approx(expected.numpy()[info.value.node.index], rel=1e-6)
