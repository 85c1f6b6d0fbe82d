"""More activations, composed from existing differentiable ops (no new backward to get wrong):
hardtanh, relu6, hardswish, hardsigmoid, hardshrink, softshrink, threshold, prelu, selu, celu, mish,
softsign, tanhshrink, glu, softmin.

The piecewise ones are nested `where`s: `where` passes the gradient only to the branch that was taken,
so each branch's comparisons are written exactly as PyTorch's kernels write them, and the gradient at
every kink (and at NaN) is PyTorch's.
"""
import numbers

from .activation import elu, softplus
from .elementwise import _float_input, abs, sigmoid, tanh, where
from .shape import chunk, normalize_dim
from .softmax import softmax

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _number(value, op, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return value


def hardtanh(input, min_val=-1.0, max_val=1.0):
    """min_val below min_val, max_val above max_val, x between; the gradient is 0 at both ends, as in PyTorch."""
    x = _float_input(input, "hardtanh")
    low, high = _number(min_val, "hardtanh", "min_val"), _number(max_val, "hardtanh", "max_val")
    if low > high:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return where(x <= low, low, where(x >= high, high, x))


def relu6(input):
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0)


def hardswish(input):
    """x * relu6(x + 3) / 6. PyTorch's gradient: 0 up to -3, x / 3 + 1/2 strictly between, 1 from 3 on."""
    x = _float_input(input, "hardswish")
    return where(x <= -3, 0.0, where(x < 3, x * (x + 3) / 6, x))


def hardsigmoid(input):
    """relu6(x + 3) / 6; the gradient is 1/6 strictly between -3 and 3, 0 elsewhere."""
    x = _float_input(input, "hardsigmoid")
    return where(x <= -3, 0.0, where(x >= 3, 1.0, x / 6 + 0.5))


def hardshrink(input, lambd=0.5):
    """0 where -lambd <= x <= lambd, x elsewhere."""
    x = _float_input(input, "hardshrink")
    lambd = _number(lambd, "hardshrink", "lambd")
    return where((x >= -lambd) & (x <= lambd), 0.0, x)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    x = _float_input(input, "softshrink")
    lambd = _number(lambd, "softshrink", "lambd")
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}.")
    return where(x > lambd, x - lambd, where(x < -lambd, x + lambd, x * 0))


def threshold(input, threshold, value):
    """x where x > threshold, value elsewhere."""
    _number(threshold, "threshold", "threshold")
    _number(value, "threshold", "value")
    return where(input > threshold, input, value)


def prelu(input, weight):
    """x where x > 0, weight * x elsewhere, with one weight (numel 1) or one per channel (dim 1)."""
    x = _float_input(input, "prelu")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.ndim > 1 or weight.numel() not in (1, channels):
        raise ValueError(
            f"prelu: mismatch of parameter numbers and input channel size: weight of shape {tuple(weight.shape)} "
            f"has {weight.numel()} values, the input of shape {tuple(x.shape)} has {channels} channels; "
            "give 1 weight or one per channel (dim 1)"
        )
    if weight.numel() != 1:
        weight = weight.reshape((-1,) + (1,) * (x.ndim - 2))
    return where(x > 0, x, weight * x)


def selu(input):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return elu(_float_input(input, "selu"), _SELU_ALPHA) * _SELU_SCALE


def celu(input, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)): alpha * elu(x / alpha)."""
    alpha = _number(alpha, "celu", "alpha")
    if alpha == 0:
        raise ValueError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    return elu(_float_input(input, "celu") / alpha, 1.0) * alpha


def mish(input):
    """x * tanh(softplus(x))."""
    x = _float_input(input, "mish")
    return x * tanh(softplus(x))


def softsign(input):
    """x / (1 + |x|)."""
    x = _float_input(input, "softsign")
    return x / (abs(x) + 1)


def tanhshrink(input):
    """x - tanh(x)."""
    x = _float_input(input, "tanhshrink")
    return x - tanh(x)


def glu(input, dim=-1):
    """a * sigmoid(b), a and b the two halves of input along dim."""
    x = _float_input(input, "glu")
    if x.ndim == 0:
        raise ValueError("glu does not support scalars because halving size must be even")
    axis = normalize_dim(dim, x.ndim, "glu")
    if x.shape[axis] % 2:
        raise ValueError(f"glu: Halving dimension must be even, but dimension {axis} is size {x.shape[axis]}")
    first, second = chunk(x, 2, axis)
    return first * sigmoid(second)


def softmin(input, dim):
    """softmax(-x) along dim."""
    return softmax(-input, dim)
