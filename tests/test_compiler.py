"""cr.compile: PyTorch's compiler has no NumPy counterpart; the model comes back as it is, so scripts run unchanged."""
import numpy as np
import pytest

import chainrule as cr


def test_compile_returns_the_model_itself_and_it_computes_as_before():
    model = cr.nn.Linear(3, 2)
    x = cr.randn(4, 3)
    compiled = cr.compile(model, mode="reduce-overhead", fullgraph=True)
    assert compiled is model
    np.testing.assert_array_equal(compiled(x).detach().numpy(), model(x).detach().numpy())


def test_compile_as_a_decorator_with_and_without_options():
    @cr.compile
    def double(t):
        return t * 2

    @cr.compile(dynamic=True)
    def triple(t):
        return t * 3

    assert double(cr.tensor([1.0])).item() == 2.0 and triple(cr.tensor([1.0])).item() == 3.0


def test_compile_refuses_what_is_not_callable():
    with pytest.raises(TypeError, match="compile"):
        cr.compile(3)
