"""softmax, log_softmax and logsumexp along dims, each one op so they stay exact at extreme logits.

A row of only -inf has no max to subtract (-inf - -inf): its result is nan, as in PyTorch, without
NumPy's RuntimeWarning.
"""
import numpy as np

from ..autograd.function import Op, namespace
from ..device import library_of
from .elementwise import _float_input
from .reduce import _reduced_shape, axes_arg
from .shape import normalize_dim


class Softmax(Op):
    def forward(ctx, x, axis):
        xp = namespace(x)
        with np.errstate(all="ignore"):
            e = xp.exp(x - _max(x, axis))
            y = e / xp.sum(e, axis, True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return y * (gy - namespace(gy).sum(gy * y, ctx.axis, keepdim=True)), None


class LogSoftmax(Op):
    def forward(ctx, x, axis):
        xp = namespace(x)
        with np.errstate(all="ignore"):
            shifted = x - _max(x, axis)
            y = shifted - xp.log(xp.sum(xp.exp(shifted), axis, True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        xp = namespace(gy)
        return gy - xp.exp(y) * xp.sum(gy, ctx.axis, keepdim=True), None


class LogSumExp(Op):
    """log(sum(exp(x))) over axes. The (finite) max is taken out first, so nothing overflows; a row of
    only -inf gives -inf, as in PyTorch. The gradient is softmax(x) over the axes, computed from x itself
    (not exp(x - result), whose rounded result costs float32 ~1e-4 at |x| ~ 1e4)."""

    def forward(ctx, x, axes, keepdim):
        xp = namespace(x)
        shift = _max(x, axes)
        shift = xp.astype(xp.where(xp.isfinite(shift), shift, 0.0), x.dtype, copy=False)  # no inf - inf
        with np.errstate(all="ignore"):  # log(0) = -inf for a row of only -inf
            y = xp.log(xp.sum(xp.exp(x - shift), axes, True)) + shift
        ctx.axes, ctx.kept_shape = axes, y.shape
        ctx.save_for_backward(x)
        return y if keepdim else xp.reshape(y, _reduced_shape(x.shape, axes))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return namespace(gy).reshape(gy, ctx.kept_shape) * Softmax.apply(x, ctx.axes), None, None


def _max(x, axes):
    """The max over axes, kept; NumPy's reduces no values to -inf (initial=), other libraries' refuse an empty input."""
    if type(x) is np.ndarray:
        return x.max(axis=axes, keepdims=True, initial=-np.inf)
    return library_of(x).max(x, axis=axes, keepdims=True)


def softmax(x, dim):
    x = _float(x, "softmax")
    return Softmax.apply(x, normalize_dim(dim, x.ndim, "softmax"))


def log_softmax(x, dim):
    x = _float(x, "log_softmax")
    return LogSoftmax.apply(x, normalize_dim(dim, x.ndim, "log_softmax"))


def _float(x, op):
    return _float_input(x, op)


def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x))) over dim without overflow (see LogSumExp)."""
    x = _float_input(x, "logsumexp")
    return LogSumExp.apply(x, axes_arg(dim, x.ndim, "logsumexp"), keepdim)


for _op in (Softmax, LogSoftmax, LogSumExp):
    _op.array_api = True  # standard functions only (an empty input: NumPy only)
