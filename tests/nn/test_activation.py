"""The activation modules: the same values as the functions, and PyTorch's reprs."""
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
