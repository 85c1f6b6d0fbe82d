"""The fused linear layer: y = x @ weight.T + bias as ONE graph node.

Written as matmul + add it would be two nodes and keep an intermediate alive; fused, the
backward hands each input exactly its gradient and skips those nobody asked for:
    dL/dx = gy @ weight,   dL/dweight = gy.T @ x,   dL/dbias = gy summed over the batch dims.
"""
import math

from ..autograd.function import Op, namespace
from ..tensor import Tensor
from .shape import reshape, squeeze, unsqueeze


class Linear(Op):

    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        if x.ndim > 2:  # one 2-D matmul over all the rows: NumPy's stacked matmul skips BLAS (10-30x slower)
            xp = namespace(x)
            rows = math.prod(x.shape[:-1])  # not -1: with no features -1 can't be worked out
            y = xp.reshape(xp.reshape(x, (rows, x.shape[-1])) @ weight.T, x.shape[:-1] + (weight.shape[0],))
        else:
            y = x @ weight.T
        if bias is not None:
            y += bias  # y is a fresh array: adding in place saves a copy
        return y

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        out_features, in_features = weight.shape
        # Every leading dim of x is a batch dim: flatten them so one matmul sums over all of them.
        xp = namespace(gy)
        rows = math.prod(gy.shape[:-1])  # not -1: with no rows or no features -1 can't be worked out
        gy_rows = xp.reshape(gy, (rows, out_features))
        gx = xp.reshape(gy_rows @ weight, gy.shape[:-1] + (in_features,)) if need_x else None
        gweight = gy_rows.T @ xp.reshape(x, (rows, in_features)) if need_weight else None
        gbias = xp.sum(gy_rows, 0) if need_bias else None
        return gx, gweight, gbias


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias, for input of shape (*, in_features) and weight (out_features, in_features).

    A 1-D weight of shape (in_features,) gives an output without the feature dim, as in PyTorch.
    """
    _check_linear(input, weight, bias)
    if weight.ndim == 1:
        out = Linear.apply(input, unsqueeze(weight, 0), None if bias is None else reshape(bias, (1,)))
        return squeeze(out, -1)
    return Linear.apply(input, weight, bias)


def _check_linear(input, weight, bias):
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    x, w = input._data, weight._data  # the arrays: every layer call runs these checks
    if w.ndim not in (1, 2):
        raise ValueError(f"linear: weight must be 1-D or 2-D (out_features, in_features), got shape {w.shape}")
    if x.ndim == 0:
        raise ValueError("linear: input must have at least 1 dimension (*, in_features), got a 0-d tensor")
    in_features = w.shape[-1]
    if x.shape[-1] != in_features:
        raise ValueError(
            f"linear: input of shape {x.shape} has {x.shape[-1]} features in its last dim, "
            f"but weight of shape {w.shape} expects {in_features}"
        )
    if bias is not None:
        b = bias._data
        out_shape = w.shape[:1] if w.ndim == 2 else ()
        if b.ndim > 1 or (b.shape != out_shape and b.size != 1):
            raise ValueError(f"linear: bias of shape {b.shape} does not match out_features {out_shape}")
    check_layer_dtypes("linear", input, weight, bias)


def check_layer_dtypes(op, input, weight, bias):
    """A layer's input, weight and bias must share one floating-point dtype (no silent casts)."""
    dtype = input.dtype
    if weight.dtype != dtype or (bias is not None and bias.dtype != dtype):
        raise TypeError(
            f"{op}: input ({input.dtype}), weight ({weight.dtype})"
            + (f" and bias ({bias.dtype})" if bias is not None else "")
            + " must have the same dtype; convert the input (x.float() / x.double()) or the model (model.double())"
        )
    if dtype.kind != "f":
        raise TypeError(f"{op}: expected floating-point tensors, got {input.dtype}; use x.float()")


Linear.array_api = True  # standard functions only
