"""softmax and log_softmax along a dim, each one op so they stay exact at extreme logits.

A row of only -inf has no max to subtract (-inf - -inf): its result is nan, as in PyTorch, without
NumPy's RuntimeWarning.
"""
import numpy as np

from ..autograd.function import Op
from ..backend import array_module
from .elementwise import exp
from .reduce import sum
from .shape import normalize_dim


class Softmax(Op):
    def forward(ctx, x, axis):
        xp = array_module(x)
        with np.errstate(all="ignore"):
            e = xp.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))  # initial: empty inputs work
            y = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return y * (gy - sum(gy * y, ctx.axis, keepdim=True)), None


class LogSoftmax(Op):
    def forward(ctx, x, axis):
        xp = array_module(x)
        with np.errstate(all="ignore"):
            shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)
            y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy - exp(y) * sum(gy, ctx.axis, keepdim=True), None


def softmax(x, dim):
    x = _float(x, "softmax")
    return Softmax.apply(x, normalize_dim(dim, x.ndim, "softmax"))


def log_softmax(x, dim):
    x = _float(x, "log_softmax")
    return LogSoftmax.apply(x, normalize_dim(dim, x.ndim, "log_softmax"))


def _float(x, op):
    from .elementwise import _float_input

    return _float_input(x, op)
