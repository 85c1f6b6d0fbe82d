"""The first way to a gradient, on the manual network: central differences of the loss (NumPy only).

    dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps)      for every single weight and bias w

Two loss evaluations per number: a net with P parameters costs 2P forward passes, where the delta
rule and autodiff need one forward and one backward pass for all of them.
"""
import numpy as np


def numerical_gradients(net, x, target, eps=1e-6):
    """[('0.weight', dL/dW), ('0.bias', dL/db), ...] by central differences, in float64.

    Works on a float64 copy of net, so net itself (weights and recorded passes) is left as it was.
    """
    probe = net.copy(dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)

    def loss():
        return probe.loss_value(x, target)

    return [(name, _central_differences(loss, param, eps)) for name, param in probe.named_parameters()]


def _central_differences(loss, param, eps):
    flat = param.reshape(-1)  # a view: changing it changes the network's parameter
    grad = np.zeros(flat.shape, dtype=np.float64)
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        plus = loss()
        flat[k] = original - eps
        minus = loss()
        flat[k] = original
        grad[k] = (plus - minus) / (2 * eps)
    return grad.reshape(param.shape)
