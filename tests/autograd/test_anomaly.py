"""Anomaly mode: the first op whose forward or backward makes a NaN or an inf is named, with where it was made."""
import numpy as np
import pytest

import chainrule as cr


def test_forward_inf_names_the_op_and_the_line():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as info:
            cr.log(x)  # log(0) = -inf
    message = str(info.value)
    assert "Log" in message and "inf" in message and "forward" in message
    assert "test_anomaly.py" in message and "cr.log(x)" in message


def test_backward_nan_names_the_backward_and_its_creation_site():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        y = cr.sqrt(x)  # finite forward; its gradient 1 / (2 sqrt(0)) is inf
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "SqrtBackward" in message and "backward" in message and "y = cr.sqrt(x)" in message


def test_nan_from_a_custom_function_backward():
    class BadGrad(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    x = cr.tensor([1.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        out = BadGrad.apply(x)
        with pytest.raises(RuntimeError, match="BadGradBackward produced nan"):
            out.sum().backward()


def test_off_by_default_and_set_detect_anomaly():
    assert not cr.autograd.is_anomaly_enabled()
    x = cr.tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        y = cr.log(x)  # no error when anomaly mode is off
    assert np.isneginf(y.detach().numpy()).all()
    cr.autograd.set_detect_anomaly(True)
    try:
        assert cr.autograd.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="anomaly"):
            cr.log(x)
    finally:
        cr.autograd.set_detect_anomaly(False)
    assert not cr.autograd.is_anomaly_enabled()


def test_finite_graph_passes_and_decorator_form():
    @cr.autograd.detect_anomaly()
    def step(w):
        loss = (cr.tanh(w) ** 2).sum()
        loss.backward()
        return loss

    w = cr.randn(3, requires_grad=True)
    step(w)
    assert np.isfinite(w.grad.numpy()).all()
    assert not cr.autograd.is_anomaly_enabled()


def test_nan_that_came_in_with_an_input_blames_the_input_not_the_op():
    x = cr.tensor([1.0, float("nan"), 2.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"the input 0 of Mul \(shape \(3,\)\) already holds nan; the op did not produce it") as info:
            x * 2
        assert "produced" not in str(info.value).split(";")[0] and "x * 2" in str(info.value)
        with pytest.raises(RuntimeError, match=r"the input 1 of Mul \(shape \(3,\)\) already holds nan"):
            cr.tensor([1.0, 2.0, 3.0]) * x
        with pytest.raises(RuntimeError, match=r"the input 1 of Mul \(the number nan\) already holds nan"):
            cr.tensor([1.0, 2.0]) * float("nan")
        with pytest.raises(RuntimeError, match=r"the input 0 of Add \(shape \(2,\)\) already holds inf"):
            cr.tensor([1.0, float("inf")]) + 1


def test_an_op_making_nan_from_finite_or_inf_inputs_is_still_named():
    with cr.autograd.detect_anomaly(), np.errstate(invalid="ignore", divide="ignore"):
        inf = cr.tensor([float("inf")])
        with pytest.raises(RuntimeError, match="Sub produced nan values in its forward"):
            inf - inf  # inf - inf: the inputs hold inf, not nan; the op made the nan
        with pytest.raises(RuntimeError, match="Log produced inf"):
            cr.log(cr.tensor([0.0, 1.0]))


def test_custom_function_input_nan_is_blamed_on_the_input():
    class Double(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return cr.from_numpy(x.detach().numpy() * 2)  # NumPy inside: no op of chainrule's to blame first

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = cr.tensor([float("nan")], requires_grad=True)
    with cr.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="the input 0 of Double .* already holds nan"):
            Double.apply(x)
