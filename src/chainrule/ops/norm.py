"""batch_norm, layer_norm and group_norm: normalise x over some axes, then scale and shift.

Both are one fused op in training (batch statistics): with x_hat = (x - mean) / sqrt(var + eps),
the biased var, and g = gy * weight, the input's gradient is the classic

    dx = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + eps)       (means over the axes)

which counts that mean and var depend on x as well. The backward recomputes mean and var from x, so
under create_graph that dependence is recorded and differentiated again too.
batch_norm in eval mode (running statistics) is just x * scale + shift, per channel.
group_norm is the same op on a (N, G, C / G, spatial) view, with axes (2, 3) and per-channel weights.
"""
import math
import numbers

import numpy as np

from ..autograd.function import Op, namespace
from ..autograd.grad_mode import no_grad
from ..device import library_of
from ..tensor import Tensor, _wrap
from .shape import reshape


class Normalize(Op):
    """(x - mean) / sqrt(var + eps) * weight + bias. mean and var (biased, over `axes`, kept dims)
    arrive computed, since batch_norm also needs them for its running statistics."""

    def forward(ctx, x, weight, bias, axes, eps, batch_mean, batch_var):
        invstd = 1.0 / namespace(x).sqrt(batch_var + eps)
        y = x - batch_mean
        y *= invstd if weight is None else invstd * weight  # one pass over x for both factors
        if bias is not None:
            y += bias
        ctx.save_for_backward(x, weight)
        ctx.axes, ctx.eps = axes, eps
        return y

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        xp, axes = namespace(gy), ctx.axes
        centered = x - xp.mean(x, axes, keepdim=True)
        invstd = (xp.mean(centered * centered, axes, keepdim=True) + ctx.eps) ** -0.5
        x_hat = centered * invstd
        gx = None
        if need_x:
            g = gy if weight is None else gy * weight
            gx = invstd * (g - xp.mean(g, axes, keepdim=True) - x_hat * xp.mean(g * x_hat, axes, keepdim=True))
        gw = gy * x_hat if need_weight else None  # the engine sums these down to weight's and bias's shapes
        gb = gy if need_bias else None
        return gx, gw, gb, None, None, None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) of input (N, C, *) over the batch and the other dims.

    training=True: with the batch's mean and biased variance; running_mean and running_var (if
    given) are updated in place: r = (1 - momentum) * r + momentum * batch statistic, the variance
    entering unbiased (n / (n - 1)), as in PyTorch. training=False: with the running statistics."""
    op = "batch_norm"
    channels = _check_batch_norm(input, running_mean, running_var, weight, bias, op)
    axes = (0, *range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    weight = None if weight is None else reshape(weight, shape)
    bias = None if bias is None else reshape(bias, shape)
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{op}: running_mean and running_var must be given when training=False")
    if not training and channels:  # no channels: an empty output, the (empty) running statistics not read
        scale = (reshape(running_var, shape) + eps) ** -0.5
        if weight is not None:
            scale = scale * weight
        shift = -reshape(running_mean, shape) * scale
        if bias is not None:
            shift = shift + bias
        return input * scale + shift
    count = input.numel() // channels if channels else 0
    if count == 1:  # an empty batch is fine, as in PyTorch: an empty output, running statistics left alone
        raise ValueError(
            f"{op}: expected more than 1 value per channel when training, got input of shape {tuple(input.shape)}"
        )
    if count == 0:
        stats_shape = (1, channels) + (1,) * (input.ndim - 2)
        batch_mean, batch_var = _no_statistics(input._data, stats_shape)
        return Normalize.apply(input, weight, bias, axes, eps, batch_mean, batch_var)
    x = input._data
    batch_mean, batch_var = _statistics(x, axes)
    xp = library_of(x)
    with no_grad():
        if running_mean is not None:
            _update(running_mean, (1 - momentum) * running_mean._data + momentum * xp.reshape(batch_mean, (channels,)))
        if running_var is not None:
            unbiased = xp.reshape(batch_var, (channels,)) * (count / (count - 1))
            _update(running_var, (1 - momentum) * running_var._data + momentum * unbiased)
    return Normalize.apply(input, weight, bias, axes, eps, batch_mean, batch_var)


def _statistics(x, axes):
    """The mean and the biased variance over axes (kept), with x's own library (NumPy's: the methods)."""
    if type(x) is np.ndarray:
        return x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    xp = library_of(x)
    return xp.mean(x, axis=axes, keepdims=True), xp.var(x, axis=axes, keepdims=True)


def _no_statistics(x, shape):
    """Mean 0 and variance 1 where there is nothing to average (an empty batch), on x's device."""
    xp = library_of(x)
    return xp.zeros(shape, dtype=x.dtype), xp.ones(shape, dtype=x.dtype)


def _update(running, value):
    """running = value, in place (copy_) for NumPy; other libraries' tensors get the new array (their
    in-place ops are NumPy-only for now: a view of a running statistic would not see the change)."""
    if type(running._data) is np.ndarray:
        running.copy_(value)
    else:
        running.data = _wrap(namespace(value).astype(value, running.dtype))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims, then weight * x + bias (elementwise)."""
    op = "layer_norm"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}; use x.float()")
    shape = normalized_shape_arg(normalized_shape, op)
    if input.shape[input.ndim - len(shape):] != shape or input.ndim < len(shape):
        raise ValueError(
            f"{op}: given normalized_shape={shape}, expected input with shape (*, {', '.join(map(str, shape))}), "
            f"but got input of shape {tuple(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ValueError(f"{op}: {name} must have the normalized shape {shape}, got {tuple(t.shape)}")
    _check_dtypes(input, {"weight": weight, "bias": bias}, op)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    x = input._data
    if x.size == 0:  # nothing to normalise (an empty batch or an empty normalized_shape): no mean of nothing
        stats_shape = input.shape[:input.ndim - len(shape)] + (1,) * len(shape)
        batch_mean, batch_var = _no_statistics(x, stats_shape)
    else:
        batch_mean, batch_var = _statistics(x, axes)
    return Normalize.apply(input, weight, bias, axes, eps, batch_mean, batch_var)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) of input (N, C, *) into num_groups groups; normalise each group of each
    sample over its channels and the other dims, then weight * x + bias per channel."""
    op = "group_norm"
    _check_channels_input(input, op)
    n, channels = input.shape[:2]
    if not isinstance(num_groups, numbers.Integral) or num_groups <= 0 or channels % num_groups:
        raise ValueError(
            f"{op}: expected the number of channels of the input ({channels}, input of shape {tuple(input.shape)}) "
            f"to be divisible by num_groups, a positive int, but got num_groups={num_groups!r}"
        )
    spatial = math.prod(input.shape[2:])
    if n * channels // num_groups * spatial == 1:  # PyTorch's _verify_batch_size, on the grouped shape
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got input of shape "
                         f"{tuple(input.shape)} with num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or t.shape != (channels,)):
            got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"{op}: {name} must be a tensor of shape ({channels},), one per channel, got {got}")
    _check_dtypes(input, {"weight": weight, "bias": bias}, op)
    grouped = (n, num_groups, channels // num_groups, spatial)
    per_channel = (1, num_groups, channels // num_groups, 1)
    x = reshape(input, grouped)
    weight = None if weight is None else reshape(weight, per_channel)
    bias = None if bias is None else reshape(bias, per_channel)
    data = x._data
    if data.size == 0:  # an empty batch or no values per group: no mean of nothing
        batch_mean, batch_var = _no_statistics(data, (n, num_groups, 1, 1))
    else:
        batch_mean, batch_var = _statistics(data, (2, 3))
    y = Normalize.apply(x, weight, bias, (2, 3), eps, batch_mean, batch_var)
    return reshape(y, input.shape)


def normalized_shape_arg(normalized_shape, op):
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    if not shape or not all(isinstance(n, numbers.Integral) and n >= 0 for n in shape):  # 0: an empty dim, as torch
        raise ValueError(
            f"{op}: normalized_shape must be a non-negative int or a non-empty tuple of them, got {normalized_shape!r}"
        )
    return tuple(int(n) for n in shape)


def _check_channels_input(input, op):
    """input is a floating-point Tensor (N, C, *)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}; use x.float()")
    if input.ndim < 2:
        raise ValueError(f"{op}: expected input (N, C, *) with at least 2 dims, got input of shape {tuple(input.shape)}")


def _check_batch_norm(input, running_mean, running_var, weight, bias, op):
    _check_channels_input(input, op)
    channels = input.shape[1]
    if channels == 0 and (weight is not None or bias is not None):  # PyTorch's kernel fails too (an IndexError)
        raise ValueError(
            f"{op}: input of shape {tuple(input.shape)} has no channels (dim 1 is 0), which PyTorch takes only "
            "without weight and bias"
        )
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or t.shape != (channels,)):
            got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(
                f"{op}: {name} must be a tensor of shape ({channels},), one per channel of the input of shape "
                f"{tuple(input.shape)}; got {got}"
            )
    _check_dtypes(input, {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}, op)
    return channels


def _check_dtypes(input, others, op):
    for name, t in others.items():
        if t is not None and t.dtype != input.dtype:
            raise TypeError(
                f"{op}: {name} ({t.dtype}) must have the input's dtype ({input.dtype}); "
                "convert the input (x.float() / x.double()) or the model (model.double())"
            )


Normalize.array_api = True  # standard functions only
