"""The activation modules: the same values as the functions, and PyTorch's reprs."""
import pytest
import torch
from nn_testing import assert_close, rng

import chainrule as cr
import chainrule.nn as nn


def test_activation_modules_equal_functions_and_print_like_torch():
    import torch.nn as tnn

    x = cr.tensor(rng(5).normal(size=(3, 4)))
    tx = torch.tensor(x.numpy())
    pairs = [(nn.ReLU(), tnn.ReLU()), (nn.Sigmoid(), tnn.Sigmoid()), (nn.Tanh(), tnn.Tanh()),
             (nn.Softmax(dim=1), tnn.Softmax(dim=1)), (nn.LogSoftmax(dim=0), tnn.LogSoftmax(dim=0)),
             (nn.LeakyReLU(0.1), tnn.LeakyReLU(0.1)), (nn.GELU(), tnn.GELU()), (nn.GELU("tanh"), tnn.GELU("tanh")),
             (nn.Identity(), tnn.Identity()), (nn.Flatten(0), tnn.Flatten(0)), (nn.Dropout(0.3), tnn.Dropout(0.3))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        ours.eval()
        theirs.eval()
        assert_close(ours(x), theirs(tx))


def test_silu_elu_softplus_modules_match_torch():
    import torch.nn as tnn

    x = cr.tensor(rng(6).normal(scale=3, size=(3, 4)), requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    pairs = [(nn.SiLU(), tnn.SiLU()), (nn.SiLU(inplace=True), tnn.SiLU(inplace=True)), (nn.ELU(), tnn.ELU()),
             (nn.ELU(alpha=0.5), tnn.ELU(alpha=0.5)), (nn.ELU(2.0, inplace=True), tnn.ELU(2.0, inplace=True)),
             (nn.Softplus(), tnn.Softplus()), (nn.Softplus(beta=2, threshold=3), tnn.Softplus(beta=2, threshold=3))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        y, ty = ours(x * 1), theirs(tx * 1)
        assert_close(y, ty)
        y.sum().backward()
        ty.sum().backward()
        assert_close(x.grad, tx.grad)
        x.grad, tx.grad = None, None


def test_more_activation_modules_match_torch_reprs_values_and_gradients():
    import torch.nn as tnn

    values = rng(7).normal(scale=3, size=(2, 4, 3, 2))
    values[0, 0, 0] = [0.0, 3.0]  # kinks
    cases = [
        ("ReLU6", ()), ("ReLU6", (True,)), ("Hardtanh", ()), ("Hardtanh", (-2.0, 0.5, True)), ("SELU", ()),
        ("SELU", (True,)), ("CELU", ()), ("CELU", (0.5, True)), ("Mish", ()), ("Mish", (True,)), ("Hardswish", ()),
        ("Hardsigmoid", (True,)), ("Softsign", ()), ("Tanhshrink", ()), ("Threshold", (0.1, 20.0)),
        ("Threshold", (0.1, 20.0, True)), ("GLU", ()), ("GLU", (1,)), ("Softmin", (1,)), ("Softmax2d", ()),
        ("Hardshrink", ()), ("Hardshrink", (1.2,)), ("Softshrink", ()), ("Softshrink", (0.2,)),
    ]
    for name, args in cases:
        ours, theirs = getattr(nn, name)(*args), getattr(tnn, name)(*args)
        assert repr(ours) == repr(theirs)
        x = cr.tensor(values, requires_grad=True)
        tx = torch.tensor(values, requires_grad=True)
        y, ty = ours(x * 1), theirs(tx * 1)
        assert_close(y, ty, rtol=1e-7 if name == "Hardsigmoid" else 1e-9)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        assert_close(x.grad, tx.grad, rtol=1e-7 if name == "Hardsigmoid" else 1e-9)


def test_prelu_parameter_init_state_dict_and_gradients():
    import torch.nn as tnn

    ours, theirs = nn.PReLU(3, init=0.1), tnn.PReLU(3, init=0.1, dtype=torch.float64)
    assert repr(ours) == repr(theirs) == "PReLU(num_parameters=3)"
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert_close(ours.weight, theirs.weight.float())
    assert ours.weight.dtype == cr.float32 and nn.PReLU(dtype=cr.float64).weight.dtype == cr.float64
    theirs.weight.data = torch.tensor([0.1, -0.3, 0.6], dtype=torch.float64)
    ours = nn.PReLU(3, dtype=cr.float64)
    ours.load_state_dict({"weight": cr.tensor(theirs.weight.detach().numpy())})
    values = rng(8).normal(size=(2, 3, 4))
    x, tx = cr.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)


def test_softmax2d_refuses_other_ranks():
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(cr.ones(2, 3))
