"""chainrule.nn.functional (import chainrule.nn.functional as F): layers and losses as plain functions,
with PyTorch's names, arguments and defaults. The math lives in chainrule.ops; this is the API face."""
import numbers
import warnings

import numpy as np

from .. import ops, random
from ..autograd.grad_mode import is_grad_enabled
from ..ops import activation as _activation
from ..ops import loss as _loss
from ..ops.attention import scaled_dot_product_attention  # noqa: F401
from ..ops.conv import conv1d, conv2d  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.linear import linear  # noqa: F401  (one fused node: input @ weight.T + bias)
from ..ops.norm import batch_norm, layer_norm  # noqa: F401
from ..ops.pad import pad  # noqa: F401
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from ..ops.conv import conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.norm import group_norm  # noqa: F401
from ..ops.upsample import interpolate  # noqa: F401
from ..device import constant
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
    """inplace=True writes the result into input (recorded in the graph, as PyTorch's relu_ is)."""
    return ops.inplace.assign(input, "inplace activation", out) if inplace else out


# ---- dropout ------------------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted dropout), so
    nothing needs rescaling at eval time. Identity when not training. Uses chainrule's generator."""
    _check_probability(p)
    if not training or p == 0:
        return input
    keep = random.uniform_array(input.shape, input.dtype if input.dtype.kind == "f" else np.float32) >= p
    scale = np.asarray(0.0 if p == 1 else 1.0 / (1.0 - p), dtype=input.dtype)
    mask = constant(keep.astype(input.dtype) * scale, input.dtype, input._data)  # drawn on the host, moved
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
    num_classes=-1 means max(tensor) + 1. As in PyTorch, tensor must be int64."""
    if not isinstance(tensor, Tensor) or tensor.dtype != np.int64:
        kind = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"one_hot is only applicable to index tensors of integer type int64, got {kind}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"one_hot: num_classes must be an int, got {type(num_classes).__name__}")
    labels = tensor._data
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise ValueError("one_hot: can not infer the total number of classes from an empty tensor; "
                             "give a positive num_classes")
    elif int(tensor.min()) < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(tensor.min())}")
    elif num_classes == -1:
        num_classes = int(tensor.max()) + 1
    elif int(tensor.max()) >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}, "
                         f"got {int(tensor.max())}")
    classes = constant(np.arange(num_classes), np.int64, labels)  # on the labels' device
    return _wrap(labels[..., None] == classes).long()


# ---- channel dropout, SiLU / ELU, normalize, cosine_similarity, kl_div ---------------------------
def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _maybe_in_place(input, _activation.silu(input), inplace)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _maybe_in_place(input, _activation.elu(input, alpha), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input (N, C, L) or (C, L); each channel input[n, c] is kept with probability
    1 - p (then scaled by 1 / (1 - p)) or zeroed entirely."""
    _check_probability(p)
    if input.ndim not in (2, 3):
        raise ValueError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs)."
        )
    return _channel_dropout(input, p, training, inplace, input.ndim - 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, H, W) input. As in PyTorch, a 3-D input is taken as (N, C, L)
    (with a warning), and other ranks are accepted with a deprecation warning (dims 0 and 1 as N and C)."""
    _check_probability(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _channel_dropout(input, p, training, inplace, 2)


def _channel_dropout(input, p, training, inplace, channel_dims):
    """Dropout with one draw per channel: the mask has the input's first channel_dims sizes, then 1s."""
    if not training or p == 0:
        return input
    if input.ndim < 2:
        raise ValueError(f"Feature dropout requires at least 2 dimensions in the input, got shape {tuple(input.shape)}")
    mask_shape = tuple(input.shape[:channel_dims]) + (1,) * (input.ndim - channel_dims)
    keep = random.uniform_array(mask_shape, input.dtype if input.dtype.kind == "f" else np.float32) >= p
    scale = np.asarray(0.0 if p == 1 else 1.0 / (1.0 - p), dtype=input.dtype)
    mask = constant(keep.astype(input.dtype) * scale, input.dtype, input._data)
    return _maybe_in_place(input, input * _wrap(mask), inplace)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim: unit vectors (zero vectors stay zero)."""
    result = input / ops.clamp(_vector_norm(input, p, dim), min=eps)
    return result if out is None else ops.copy_(out, result)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim, after broadcasting x1 with x2,
    as in PyTorch 2.13. Like PyTorch, the eps clamp changes the norms' values but not their gradients."""
    dtype = np.result_type(x1.dtype, x2.dtype)
    if dtype.kind != "f":
        raise TypeError(f"cosine_similarity: expected common dtype to be floating point, yet common dtype is {dtype}")
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = (ops.broadcast_to(_cast(x, dtype if x.dtype.kind != "f" else None), shape) for x in (x1, x2))
    return ops.sum((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps)), dim)


def _clamped_norm(x, dim, eps):
    """||x||_2 with its value raised to eps but the gradient of the norm itself (PyTorch clamps under no_grad)."""
    norm = _vector_norm(x, 2, dim)
    value = norm.detach()
    return norm + (ops.clamp(value, min=eps) - value)


def _vector_norm(x, p, dim):
    """||x||_p along dim (keepdim), with PyTorch's gradient: 0 (not nan) for a zero vector."""
    if p == float("inf"):
        return ops.amax(ops.abs(x), dim, keepdim=True)
    if p == float("-inf"):
        return ops.amin(ops.abs(x), dim, keepdim=True)
    if p == 0:
        return ops.sum(ops.cast(x != 0, x.dtype), dim, keepdim=True)
    if p == 1:
        return ops.sum(ops.abs(x), dim, keepdim=True)
    powers = x * x if p == 2 else ops.abs(x) ** p
    total = ops.sum(powers, dim, keepdim=True)
    nonzero = total != 0  # the root's gradient is infinite at 0: mask it (outside the graph)
    return ops.where(nonzero, ops.where(nonzero, total, 1) ** (1.0 / p), 0)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence terms target * (log target - input) for log-probabilities input. reduction='batchmean'
    gives the KL divergence per sample; 'mean' (the default, as in PyTorch) averages over every element too."""
    if size_average is not None or reduce is not None:
        reduction = _reduction_arg(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    return _loss.kl_div(input, target, reduction, log_target)


# ---- more activations (ops/nonlinear.py) ---------------------------------------------------------
from ..ops.nonlinear import glu, hardshrink, prelu, softshrink, softsign, tanhshrink  # noqa: F401,E402
from ..ops import nonlinear as _nonlinear  # noqa: E402


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _maybe_in_place(input, _nonlinear.hardtanh(input, min_val, max_val), inplace)


def relu6(input, inplace=False):
    return _maybe_in_place(input, _nonlinear.relu6(input), inplace)


def hardswish(input, inplace=False):
    return _maybe_in_place(input, _nonlinear.hardswish(_saved_copy(input, inplace)), inplace)


def hardsigmoid(input, inplace=False):
    return _maybe_in_place(input, _nonlinear.hardsigmoid(input), inplace)


def threshold(input, threshold, value, inplace=False):
    return _maybe_in_place(input, _nonlinear.threshold(input, threshold, value), inplace)


def selu(input, inplace=False):
    return _maybe_in_place(input, _nonlinear.selu(_saved_copy(input, inplace)), inplace)


def celu(input, alpha=1.0, inplace=False):
    return _maybe_in_place(input, _nonlinear.celu(_saved_copy(input, inplace), alpha), inplace)


def mish(input, inplace=False):
    return _maybe_in_place(input, _nonlinear.mish(_saved_copy(input, inplace)), inplace)


def _saved_copy(input, inplace):
    """For in-place forms of composed activations: an inner op saves its input for backward, so it gets a copy."""
    return ops.clone(input) if inplace else input


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _nonlinear.softmin(_cast(input, dtype), _softmax_dim(input, dim, "softmin", _stacklevel))


# ---- distances and more losses (ops/margin_loss.py, ops/likelihood_loss.py) ---------------------
from ..ops.margin_loss import pairwise_distance  # noqa: F401,E402
from ..ops import likelihood_loss as _likelihood  # noqa: E402
from ..ops import margin_loss as _margin  # noqa: E402


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _margin.margin_ranking_loss(input1, input2, target, margin, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    return _margin.hinge_embedding_loss(input, target, margin, _reduction_arg(size_average, reduce, reduction))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _margin.soft_margin_loss(input, target, _reduction_arg(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _margin.multilabel_soft_margin_loss(input, target, weight, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _margin.cosine_embedding_loss(input1, input2, target, margin, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _margin.multi_margin_loss(input, target, p, margin, weight, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _margin.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _likelihood.poisson_nll_loss(input, target, log_input, full, eps, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    return _likelihood.gaussian_nll_loss(input, target, var, full, eps, reduction)


# ---- shuffles, fold/unfold, 1-d / adaptive max / lp pooling, instance and local response norm ----
from ..ops.shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: F401,E402
from ..ops.fold import fold, unfold  # noqa: F401,E402
from ..ops.pooling import (  # noqa: F401,E402
    adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, lp_pool1d, lp_pool2d, max_pool1d,
)
from ..ops.local_norm import instance_norm, local_response_norm  # noqa: F401,E402


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = input1[..., i] weight[o, i, j] input2[..., j] (+ bias[o])."""
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise ValueError(f"bilinear: weight (out, in1, in2) of shape {tuple(weight.shape)} does not fit input1 "
                         f"{tuple(input1.shape)} and input2 {tuple(input2.shape)} (last dims in1 and in2)")
    out = ops.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
from ..ops.pooling import max_unpool1d, max_unpool2d  # noqa: F401,E402
from ..ops.embedding_bag import embedding_bag  # noqa: F401,E402
