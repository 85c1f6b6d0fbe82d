"""chainrule.nn.functional (import chainrule.nn.functional as F): layers and losses as plain functions,
with PyTorch's names, arguments and defaults. The math lives in chainrule.ops; this is the API face."""
import numbers
import warnings

import numpy as np

from .. import ops, random
from ..autograd.grad_mode import is_grad_enabled
from ..ops import activation as _activation
from ..ops import loss as _loss
from ..ops.conv import conv1d, conv2d  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.linear import linear  # noqa: F401  (one fused node: input @ weight.T + bias)
from ..ops.norm import batch_norm, layer_norm  # noqa: F401
from ..ops.pad import pad  # noqa: F401
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from ..tensor import Tensor, _wrap


# ---- activations --------------------------------------------------------------------------------
def relu(input, inplace=False):
    return _maybe_in_place(input, ops.relu(input), inplace)


def sigmoid(input):
    return ops.sigmoid(input)


def tanh(input):
    return ops.tanh(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, negative_slope * x elsewhere (the gradient at 0 is negative_slope, as in PyTorch)."""
    out = ops.where(input._data > 0, input, input * negative_slope)
    return _maybe_in_place(input, out, inplace)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi: the standard normal CDF); approximate='tanh' uses PyTorch's tanh formula."""
    return _activation.gelu(input, approximate)


def logsigmoid(input):
    return _activation.log_sigmoid(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, stable at any x; x itself where beta * x > threshold, as in PyTorch."""
    return _activation.softplus(input, beta, threshold)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return ops.softmax(_cast(input, dtype), _softmax_dim(input, dim, "softmax", _stacklevel))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return ops.log_softmax(_cast(input, dtype), _softmax_dim(input, dim, "log_softmax", _stacklevel))


def _softmax_dim(input, dim, name, stacklevel):
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if input.ndim in (0, 1, 3) else 1


def _cast(input, dtype):
    return input if dtype is None else ops.cast(input, dtype)


def _maybe_in_place(input, out, inplace):
    """inplace=True writes the result into input when input is outside the graph (like `t += x`);
    inside a recorded graph the result is a new tensor instead, since chainrule records no in-place ops."""
    if inplace and not (is_grad_enabled() and input.requires_grad):
        ops.inplace.write(input, "inplace activation", out._data)
        return input
    return out


# ---- dropout ------------------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted dropout), so
    nothing needs rescaling at eval time. Identity when not training. Uses chainrule's generator."""
    _check_probability(p)
    if not training or p == 0:
        return input
    keep = random.uniform_array(input.shape, input.dtype if input.dtype.kind == "f" else np.float32) >= p
    scale = np.asarray(0.0 if p == 1 else 1.0 / (1.0 - p), dtype=input.dtype)
    mask = keep.astype(input.dtype) * scale
    return _maybe_in_place(input, input * _wrap(mask), inplace)


def _check_probability(p):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


# ---- losses -------------------------------------------------------------------------------------
def _reduction_arg(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce flags, mapped to reduction (with its warning)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else ("sum" if reduce else "none")
    message = f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead."
    warnings.warn(message, stacklevel=3)
    return reduction


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    return _loss.mse_loss(input, target, _reduction_arg(size_average, reduce, reduction), weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    return _loss.l1_loss(input, target, _reduction_arg(size_average, reduce, reduction), weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    return _loss.smooth_l1_loss(input, target, _reduction_arg(size_average, reduce, reduction), beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    return _loss.huber_loss(input, target, reduction, delta, weight)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Softmax + negative log-likelihood as one fused, numerically stable op: d loss / d input = softmax - y.

    target: class indices (integer, the input's shape without the class dim) or class probabilities
    (float, the input's shape). input: (N, C), (C,) or (N, C, d1, ...).
    """
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _loss.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _loss.nll_loss(input, target, weight, ignore_index, _reduction_arg(size_average, reduce, reduction))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    return _loss.binary_cross_entropy(input, target, weight, _reduction_arg(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _loss.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)


# ---- encodings ----------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*tensor.shape, num_classes) with a 1 at each class index.
    num_classes=-1 means max(tensor) + 1."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        kind = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"one_hot is only applicable to index tensors (integer dtype), got {kind}")
    if not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"one_hot: num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be non-negative (or -1: inferred), got {num_classes}")
    labels = tensor._data
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(labels.min())}")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: can not infer the number of classes from an empty tensor; give num_classes")
        num_classes = int(labels.max()) + 1
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"one_hot: class value {int(labels.max())} must be smaller than num_classes={num_classes}")
    return _wrap((labels[..., None] == np.arange(num_classes)).astype(np.int64))
