"""Activations beyond elementwise.py's basics: erf, gelu, log_sigmoid, softplus, silu and elu, each stable and exact.

Each backward is one formula on arrays or (create_graph) Tensors, through `xp = namespace(gy)`, so these
have second derivatives too.
"""
import math

import numpy as np

from ..autograd.function import Op, namespace
from .elementwise import _float_input

_SQRT1_2 = math.sqrt(0.5)
_PDF_SCALE = 1 / math.sqrt(2 * math.pi)  # the standard normal density is _PDF_SCALE * exp(-x**2 / 2)
_TANH_SCALE = math.sqrt(2 / math.pi)
_TANH_CUBIC = 0.044715


class Erf(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).erf(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (2 / math.sqrt(math.pi)) * namespace(gy).exp(-(x * x))


class Gelu(Op):
    """gelu(x) = x * Phi(x), Phi the standard normal CDF; 'tanh' uses PyTorch's tanh approximation of Phi."""

    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = _TANH_SCALE * (x + _TANH_CUBIC * x * x * x)
            return 0.5 * x * (1 + namespace(x).tanh(inner))
        return x * (0.5 * (1 + namespace(x).erf(x * _SQRT1_2)))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xp = namespace(gy)
        if ctx.approximate == "tanh":
            t = xp.tanh(_TANH_SCALE * (x + _TANH_CUBIC * x * x * x))
            d_inner = _TANH_SCALE * (1 + 3 * _TANH_CUBIC * x * x)
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner), None
        cdf = 0.5 * (1 + xp.erf(x * _SQRT1_2))
        pdf = _PDF_SCALE * xp.exp(-0.5 * (x * x))
        return gy * (cdf + x * pdf), None


class LogSigmoid(Op):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow, and exact for large |x|."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).log_sigmoid(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).sigmoid(-x)  # sigmoid(-x) = 1 - sigmoid(x), without the cancellation


class Softplus(Op):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's cut-off).

    Below the cut-off it is max(z, 0) + log1p(e^-|z|) for z = beta x: no overflow whatever the
    threshold, and exact for very negative z (log1p keeps e^-700, where log(1 + e^-700) is 0).
    """

    def forward(ctx, x, beta, threshold):
        z = x * beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        xp = namespace(x)
        with np.errstate(all="ignore"):  # beta = 0 gives nan, as in PyTorch
            smooth = (xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, smooth)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xp, z = namespace(gy), x * ctx.beta
        return xp.where(z > ctx.threshold, gy, gy * xp.sigmoid(z)), None, None


class Silu(Op):
    """silu(x) = x * sigmoid(x) (also called swish); silu'(x) = s + x s (1 - s) with s = sigmoid(x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * namespace(x).sigmoid(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        s = namespace(gy).sigmoid(x)
        return gy * (s * (1 + x * (1 - s)))


class Elu(Op):
    """elu(x) = x for x > 0, alpha * (e^x - 1) otherwise (expm1 keeps it exact near 0). The gradient
    at 0 is alpha, as in PyTorch."""

    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        xp = namespace(x)
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0.0)))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xp = namespace(gy)
        return xp.where(x > 0, gy, gy * (ctx.alpha * xp.exp(xp.minimum(x, 0)))), None


def erf(x):
    return Erf.apply(_float_input(x, "erf"))


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_float_input(x, "gelu"), approximate)


def log_sigmoid(x):
    return LogSigmoid.apply(_float_input(x, "logsigmoid"))


def softplus(x, beta=1.0, threshold=20.0):
    return Softplus.apply(_float_input(x, "softplus"), float(beta), float(threshold))


def silu(x):
    return Silu.apply(_float_input(x, "silu"))


def elu(x, alpha=1.0):
    return Elu.apply(_float_input(x, "elu"), float(alpha))


for _op in (Erf, Gelu, LogSigmoid, Softplus, Silu, Elu):
    _op.array_api = True  # standard functions only (erf: Cody's approximations in autograd/standard.py)
