"""More activations (ops/nonlinear.py, through nn.functional): values and gradients against PyTorch in
float64 (kinks included), float32 kept, finite differences, in-place forms and errors."""
import numpy as np
import pytest
import torch
from torch_parity import check_op, check_torch, random_array

import chainrule as cr

# each (name, extra arguments); x holds every kink these functions have
CASES = [
    ("relu6", ()), ("hardtanh", ()), ("hardtanh", (-2.0, 0.5)), ("selu", ()), ("celu", ()), ("celu", (0.5,)),  # 1/alpha exact in float32: see test_celu_gradient
    ("mish", ()), ("hardswish", ()), ("hardsigmoid", ()), ("softsign", ()), ("tanhshrink", ()),
    ("threshold", (0.5, -3.0)), ("hardshrink", ()), ("hardshrink", (1.0,)), ("softshrink", ()),
    ("softshrink", (1.5,)), ("glu", ()), ("glu", (0,)), ("softmin", (1,)),
]
KINKS = np.array([-3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 3.0, 6.0, 7.0, 0.3, -0.7, 2.5, -4.0])


@pytest.mark.parametrize("name, args", CASES)
def test_activation_matches_torch_at_kinks_and_random_points(name, args):
    # PyTorch's hardsigmoid backward multiplies by the float32 constant 1/6 even in float64; ours by 1/6
    rtol = 1e-7 if name == "hardsigmoid" else None
    for x in (KINKS.reshape(4, 4), random_array((2, 4), seed=3, low=-7, high=7)):
        check_torch(lambda lib, t: getattr(lib.nn.functional, name)(t, *args), x, rtol=rtol)
    check_op(lambda lib, t: getattr(lib.nn.functional, name)(t, *args), random_array((2, 4), seed=4, low=-5, high=5),
             rtol=rtol)


@pytest.mark.parametrize("name, args", CASES)
def test_float32_stays_float32(name, args):
    check_torch(lambda lib, t: getattr(lib.nn.functional, name)(t, *args), KINKS.reshape(4, 4).astype(np.float32))


@pytest.mark.parametrize("name, args", [c for c in CASES if c[0] in
                                        ("relu6", "hardtanh", "selu", "celu", "mish", "hardswish", "hardsigmoid",
                                         "threshold")])
def test_inplace_forms_write_into_the_input(name, args):
    def fn(lib, t):
        y = t * 1
        out = getattr(lib.nn.functional, name)(y, *args, inplace=True)
        assert out is y
        return y
    check_torch(fn, KINKS.reshape(4, 4), rtol=1e-7 if name == "hardsigmoid" else None)


def test_prelu_one_weight_and_one_per_channel():
    x = random_array((2, 3, 4), seed=5)
    check_op(lambda lib, t, w: lib.nn.functional.prelu(t, w), x, np.array([0.25]))
    check_op(lambda lib, t, w: lib.nn.functional.prelu(t, w), x, np.array([0.1, -0.2, 0.3]))
    x[0, 0, :2] = 0.0  # the kink: PyTorch's gradient there is the weight's
    check_torch(lambda lib, t, w: lib.nn.functional.prelu(t, w), x, np.array([0.1, -0.2, 0.3]))
    check_torch(lambda lib, t, w: lib.nn.functional.prelu(t, w), x[0, 0], np.array([0.3]))
    with pytest.raises(ValueError, match="channel"):
        cr.nn.functional.prelu(cr.tensor(x), cr.tensor([0.1, 0.2]))


def test_errors():
    F = cr.nn.functional
    x = cr.tensor([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="Halving dimension must be even"):
        F.glu(x)
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="lambda"):
        F.softshrink(x, -1.0)
    with pytest.raises(TypeError, match="lambd"):
        F.hardshrink(x, "a")
    with pytest.raises(ValueError, match="alpha"):
        F.celu(x, 0.0)


def test_softmin_without_dim_warns_like_softmax():
    with pytest.warns(UserWarning, match="softmin"):
        y = cr.nn.functional.softmin(cr.tensor([1.0, 2.0]))
    np.testing.assert_allclose(y.numpy(), torch.softmax(-torch.tensor([1.0, 2.0], dtype=torch.float64), 0).numpy())


def test_celu_gradient_is_exact_where_torch_rounds_one_over_alpha_to_float32():
    """PyTorch's celu backward uses float(1 / alpha) (derivatives.yaml: 1.0/alpha.toFloat()), so for alpha = 0.7
    its float64 gradient is off by ~1e-7; ours is the exact derivative, checked by finite differences."""
    x = random_array((2, 3), seed=8, low=-3, high=3)
    check_op(lambda lib, t: lib.nn.functional.celu(t, 0.7), x, rtol=1e-6)
