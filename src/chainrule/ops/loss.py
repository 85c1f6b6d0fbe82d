"""Losses. cross_entropy is ONE fused op (log-softmax + negative log-likelihood): its gradient is
softmax(z) - y (times the class weights, / N for the mean), computed from the log-probabilities,
so logits of +-1000 stay finite and gradients of 1e-19 are not lost to cancellation.

Each loss returns per-element losses for reduction='none', their sum for 'sum', and their mean
for 'mean' (for class-index targets with class weights: divided by the weights of the targets used).
"""
import math
import numbers
import warnings

import numpy as np

from ..autograd.function import Op, namespace
from ..autograd.grad_mode import is_grad_enabled
from ..creation import tensor
from ..device import is_floating, library_of, move, to_host
from ..tensor import Tensor, _wrap
from .elementwise import abs, cast, exp, log, where
from .reduce import mean, sum
from .shape import permute, reshape

REDUCTIONS = ("mean", "sum", "none")


# ---- cross-entropy: one node from logits to loss ------------------------------------------------
class CrossEntropy(Op):
    """z: logits (N, C). target: class indices (N,) or class probabilities (N, C)."""


    def forward(ctx, z, target, class_weight, ignore_index, reduction, label_smoothing):
        ctx.standard = None
        if type(z) is not np.ndarray:
            return _cross_entropy_standard(ctx, z, target, class_weight, ignore_index, reduction, label_smoothing)
        with np.errstate(all="ignore"):  # -inf logits: nan where PyTorch's is nan (0 * -inf), silently
            logp, ctx.top, ctx.top_rest = _log_softmax_rows(z)
            if target.dtype.kind == "f":
                weights = _soft_target_weights(target, class_weight, label_smoothing)
                losses = -(weights * logp).sum(axis=1)
                denominator = len(z)
            elif class_weight is None and not label_smoothing and not (target == ignore_index).any():
                ctx.index = None  # one-hot targets, each sample weighing 1: the textbook -log p[target]
                losses, denominator = -logp[np.arange(len(z)), target], len(z)
            else:
                ctx.index = _index_weights(target, class_weight, ignore_index, logp.dtype)  # backward's too
                losses, denominator = _index_losses(logp, ctx.index, class_weight, label_smoothing)
        ctx.save_for_backward(z, target, logp)
        ctx.options = (class_weight, ignore_index, reduction, label_smoothing, denominator)
        return _reduce_array(losses, reduction, denominator, z.dtype)

    def backward(ctx, gy):
        """The exact gradient (sum_c w_c) p - w is computed on arrays; under create_graph it rides on the
        plain formula of z (and of the target), which carries the graph (see _with_graph)."""
        if ctx.standard is not None:  # another library's arrays
            return _cross_entropy_backward_standard(ctx, gy)
        z_array, target_array, logp_array = ctx.saved_arrays
        class_weight, ignore_index, reduction, smoothing, denominator = ctx.options
        need_z, need_target = ctx.needs_input_grad[:2]
        create_graph = is_grad_enabled()
        scale = _gradient_scale(gy, reduction, denominator)
        soft = target_array.dtype.kind == "f"
        if not soft and ctx.index is None and not create_graph:  # one-hot targets of weight 1, the usual case
            gz = _softmax_minus_one_hot(logp_array, target_array, ctx.top, ctx.top_rest)
            return scale * gz, None, None, None, None, None
        if soft:
            weights = _soft_target_weights(target_array, class_weight, smoothing)
        else:
            index = ctx.index or _index_weights(target_array, None, ignore_index, z_array.dtype)
            weights = _index_target_weights(index, class_weight, smoothing, z_array.shape, z_array.dtype)
        gz = gt = None
        if need_z:
            gz = _softmax_minus_target(logp_array, weights, ctx.top, ctx.top_rest)
            if create_graph:
                z, target, _ = ctx.saved_tensors
                graph_weights = _soft_target_weights(target, class_weight, smoothing) if soft else weights
                gz = _with_graph(gz, namespace(gy).log_softmax(z, 1), graph_weights)
            gz = scale * gz
        if need_target:
            z, _, logp = ctx.saved_tensors
            graph_logp = namespace(gy).log_softmax(z, 1) if create_graph else logp  # log p as a function of z
            gt = scale * graph_logp * (smoothing - 1)
            gt = gt if class_weight is None else gt * class_weight
        return gz, gt, None, None, None, None


def _cross_entropy_standard(ctx, z, target, class_weight, ignore_index, reduction, label_smoothing):
    """CrossEntropy's forward on another library's arrays, in standard functions, with every option. Where
    the NumPy path indexes [rows, target] a one-hot mask selects; the (N, C) matrix `weights` of how much each
    -log p[i, c] counts is made here once, for backward's (sum_c w_c) p - w. The mean's denominator stays
    on the device (a 0-d array), never read back."""
    xp = namespace(z)
    with np.errstate(all="ignore"):  # -inf logits: nan where PyTorch's is nan, as on NumPy
        logp, is_top, rest = _log_softmax_rows_standard(xp, z)
        soft = is_floating(target.dtype)
        if soft:
            weights = _soft_target_weights(target, class_weight, label_smoothing)
            losses, denominator = -xp.sum(weights * logp, 1), z.shape[0]
        else:
            keep, one_hot, sample_weight, weights = _index_weights_standard(
                xp, target, class_weight, ignore_index, label_smoothing, z.shape[1], z.dtype)
            losses = -(1 - label_smoothing) * sample_weight * xp.sum(xp.where(one_hot, logp, 0.0), 1)
            if label_smoothing:  # label smoothing spreads `smoothing` evenly over the C classes
                all_classes = logp if class_weight is None else logp * class_weight
                losses = losses - xp.where(keep, xp.sum(all_classes, 1), 0.0) * (label_smoothing / z.shape[1])
            losses, denominator = xp.where(keep, losses, 0.0), xp.sum(sample_weight)
        ctx.standard = (is_top, rest)
        ctx.save_for_backward(z, target, logp, weights, class_weight, _nonzero_denominator(xp, denominator))
        ctx.options = (soft, reduction, label_smoothing)
        return _reduce_standard(xp, losses, reduction, denominator)


def _cross_entropy_backward_standard(ctx, gy):
    """CrossEntropy's backward after _cross_entropy_standard: the exact (sum_c w_c) p - w on arrays; under
    create_graph it rides on the plain formula of z (and of the target), as on NumPy."""
    z, target, logp, weights, class_weight, denominator = ctx.saved_tensors  # Tensors under create_graph
    _, _, logp_array, weights_array, _, _ = ctx.saved_arrays
    soft, reduction, smoothing = ctx.options
    need_z, need_target = ctx.needs_input_grad[:2]
    create_graph = is_grad_enabled()
    xp = namespace(gy)
    scale = _standard_scale(gy, reduction, denominator)
    gz = gt = None
    if need_z:
        gz = _softmax_minus_target_standard(namespace(logp_array), logp_array, weights_array, *ctx.standard)
        if create_graph:
            graph_weights = _soft_target_weights(target, class_weight, smoothing) if soft else weights
            total = xp.sum(graph_weights, 1, keepdim=True)
            plain = total * xp.exp(xp.log_softmax(z, 1)) - graph_weights
            gz = plain + (_wrap(gz) - plain.detach())  # the constant only undoes plain's rounding
        gz = scale * gz
    if need_target:
        graph_logp = xp.log_softmax(z, 1) if create_graph else logp  # log p as a function of z
        gt = scale * graph_logp * (smoothing - 1)
        gt = gt if class_weight is None else gt * class_weight
    return gz, gt, None, None, None, None


def _log_softmax_rows_standard(xp, z):
    """_log_softmax_rows in standard functions: log p, a mask of each row's (first) largest logit, and each
    row's rest (the sum of the other classes' exp(z - max)), so that log(sum) = log1p(rest) stays exact."""
    if not (z.shape[0] and z.shape[1]):  # no rows (or no classes, then no rows): argmax has nothing to look at
        return xp.asarray(z, copy=True), xp.zeros(z.shape, dtype=xp.bool), xp.zeros(z.shape[:1], dtype=z.dtype)
    is_top = xp.arange(z.shape[1])[None, :] == xp.argmax(z, axis=1)[:, None]
    shifted = z - xp.max(z, axis=1, keepdims=True)
    rest = xp.sum(xp.where(is_top, 0.0, xp.exp(shifted)), 1)
    return shifted - xp.log1p(rest)[:, None], is_top, rest


def _softmax_minus_target_standard(xp, logp, weights, is_top, rest):
    """_softmax_minus_target in standard functions: (sum_c w_c) p - w, exact at the top class."""
    p = xp.exp(logp)
    total = xp.sum(weights, 1)
    p_top, w_top = xp.sum(xp.where(is_top, p, 0.0), 1), xp.sum(xp.where(is_top, weights, 0.0), 1)
    at_top = (total - w_top) * p_top - w_top * (rest / (1 + rest))
    return xp.where(is_top, at_top[:, None], total[:, None] * p - weights)


def _index_weights_standard(xp, target, class_weight, ignore_index, smoothing, n_classes, dtype):
    """For class-index targets, in standard functions: which samples count (not ignore_index), the one-hot
    mask of their classes, each sample's class weight, and the (N, C) matrix of how much each -log p counts."""
    keep = target != ignore_index
    safe = xp.where(keep, target, 0)
    one_hot = xp.arange(n_classes, dtype=target.dtype)[None, :] == safe[:, None]
    if class_weight is None:
        sample_weight = xp.astype(keep, dtype)
    else:
        sample_weight = xp.where(keep, xp.take(class_weight, safe), 0.0)
    weights = xp.where(one_hot, ((1 - smoothing) * sample_weight)[:, None], 0.0)
    if smoothing:
        spread = xp.astype(keep, dtype)[:, None] if class_weight is None else xp.where(keep[:, None], class_weight, 0.0)
        weights = weights + spread * (smoothing / n_classes)
    return keep, one_hot, sample_weight, weights


def _reduce_standard(xp, losses, reduction, denominator):
    """_reduce_array on another library: the mean's denominator (a number or a 0-d array) may be 0: nan."""
    if reduction == "none":
        return losses
    with np.errstate(all="ignore"):
        return xp.sum(losses) / (denominator if reduction == "mean" else 1)


def _nonzero_denominator(xp, denominator):
    """The mean's denominator for backward: where it is 0 (every target ignored), inf, so the gradient is 0."""
    if isinstance(denominator, numbers.Number):
        return denominator or math.inf
    return xp.where(denominator == 0, math.inf, denominator)


def _standard_scale(gy, reduction, denominator):
    """_gradient_scale without a test of the denominator (0 is given as inf): no sync on a device."""
    if reduction == "none":
        return namespace(gy).reshape(gy, (-1, 1))
    return gy / denominator if reduction == "mean" else gy


def _log_softmax_rows(z):
    """log softmax along dim 1, exact when one class dominates.

    The largest term of a row adds exactly 1 to its sum of exponentials, so log(sum) = log1p(rest),
    rest being the sum of the others: -log p of a dominant class stays e^-44, not 0. Returns log p,
    the index of each row's largest logit, and each row's rest (1 - p_top = rest / (1 + rest)).
    """
    if z.size == 0:  # no rows (or no classes, then no rows): argmax has nothing to look at
        return z.copy(), np.zeros(len(z), np.intp), np.zeros(len(z), z.dtype)
    rows, top = np.arange(len(z)), z.argmax(axis=1)
    shifted = z - z[rows, top][:, None]
    others = np.exp(shifted)
    others[rows, top] = 0
    rest = others.sum(axis=1)
    return shifted - np.log1p(rest)[:, None], top, rest


def _softmax_minus_target(logp, weights, top, rest):
    """d/dz of -sum_c w_c log p_c = (sum_c w_c) p - w, which is p - y for a one-hot y (arrays in, array out).

    At the most likely class p - 1 rounds to 0 when p = 1 - e^-44 (PyTorch's kernel returns that 0);
    there it is computed with 1 - p = rest / (1 + rest) instead, which keeps the e^-44.
    """
    rows = np.arange(len(logp))
    grad = np.exp(logp)
    total = weights.sum(axis=1)
    p_top, w_top = grad[rows, top], weights[rows, top]
    grad *= total[:, None]
    grad -= weights
    grad[rows, top] = (total - w_top) * p_top - w_top * (rest / (1 + rest))
    return grad


def _softmax_minus_one_hot(logp, target, top, rest):
    """_softmax_minus_target for one-hot targets of weight 1: p, less 1 at each row's target.

    p - 1 cancels only where the target is the most likely class (any other has p <= 1/2): there it is
    -(1 - p_top) = -rest / (1 + rest), exact.
    """
    rows = np.arange(len(logp))
    grad = np.exp(logp)
    grad[rows, target] = np.where(target == top, -rest / (1 + rest), grad[rows, target] - 1)
    return grad


def _with_graph(grad, logp, weights):
    """For create_graph: the same values, made differentiable. The plain formula carries the graph; the
    constant added to it only undoes its rounding at the top class, and a constant's derivative is 0."""
    total = namespace(weights).sum(weights, 1, keepdim=True)
    plain = total * namespace(logp).exp(logp) - weights
    return plain + (grad - plain.detach().numpy())


def _soft_target_weights(target, class_weight, smoothing):
    """How much each -log p[i, c] counts, for probability targets (arrays or Tensors alike)."""
    if smoothing:
        target = target * (1 - smoothing) + smoothing / target.shape[1]
    if class_weight is None:
        return target
    return target * class_weight


def _index_weights(target, class_weight, ignore_index, dtype):
    """Per sample: whether it counts (not ignore_index), a safe class index, and its class weight."""
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    if class_weight is None:
        return keep, safe, keep.astype(dtype)
    return keep, safe, np.where(keep, class_weight[safe], 0).astype(dtype, copy=False)


def _index_losses(logp, index, class_weight, smoothing):
    keep, safe, sample_weight = index
    picked = logp[np.arange(len(logp)), safe]
    losses = -(1 - smoothing) * sample_weight * picked
    if smoothing:  # label smoothing spreads `smoothing` evenly over the C classes
        all_classes = logp if class_weight is None else logp * class_weight
        losses = losses - np.where(keep, all_classes.sum(axis=1), 0) * (smoothing / logp.shape[1])
    return np.where(keep, losses, 0).astype(logp.dtype, copy=False), float(sample_weight.sum())


def _index_target_weights(index, class_weight, smoothing, shape, dtype):
    """The (N, C) matrix of how much each -log p[i, c] counts, for class-index targets."""
    keep, safe, sample_weight = index
    weights = np.zeros(shape, dtype=dtype)
    weights[np.arange(len(safe)), safe] = (1 - smoothing) * sample_weight
    if smoothing:
        spread = np.ones(shape[1], dtype=dtype) if class_weight is None else class_weight
        weights += keep[:, None] * spread * (smoothing / shape[1])
    return weights


# ---- negative log-likelihood of log-probabilities -----------------------------------------------
class NllLoss(Op):
    def forward(ctx, logp, target, class_weight, ignore_index, reduction):
        ctx.standard = type(logp) is not np.ndarray
        if ctx.standard:
            return _nll_loss_standard(ctx, logp, target, class_weight, ignore_index, reduction)
        ctx.index = keep, safe, sample_weight = _index_weights(target, class_weight, ignore_index, logp.dtype)
        losses = -sample_weight * logp[np.arange(len(logp)), safe]
        denominator = float(sample_weight.sum())
        ctx.options = (class_weight, reduction, denominator)
        ctx.shape = logp.shape
        return _reduce_array(np.where(keep, losses, 0).astype(logp.dtype, copy=False), reduction, denominator, logp.dtype)

    def backward(ctx, gy):
        class_weight, reduction, denominator = ctx.options
        if ctx.standard:  # another library's arrays: the weights were made by forward (Tensors under create_graph)
            weights, denominator = ctx.saved_tensors
            return -_standard_scale(gy, reduction, denominator) * weights, None, None, None, None
        weights = _index_target_weights(ctx.index, class_weight, 0.0, ctx.shape, gy.dtype)
        return -_gradient_scale(gy, reduction, denominator) * weights, None, None, None, None


def _nll_loss_standard(ctx, logp, target, class_weight, ignore_index, reduction):
    """NllLoss's forward in standard functions: a one-hot mask picks each sample's log p."""
    xp = namespace(logp)
    keep, one_hot, sample_weight, weights = _index_weights_standard(
        xp, target, class_weight, ignore_index, 0.0, logp.shape[1], logp.dtype)
    losses = xp.where(keep, -sample_weight * xp.sum(xp.where(one_hot, logp, 0.0), 1), 0.0)
    denominator = xp.sum(sample_weight)
    ctx.options = (class_weight, reduction, None)
    ctx.save_for_backward(weights, _nonzero_denominator(xp, denominator))
    return _reduce_standard(xp, losses, reduction, denominator)


def _reduce_array(losses, reduction, denominator, dtype):
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return np.asarray(total, dtype=dtype)
    if not denominator:  # every target ignored (or weighing 0): 0 / 0, nan as in PyTorch
        return np.asarray(np.nan, dtype=dtype)
    return np.asarray(total / denominator, dtype=dtype)


def _gradient_scale(gy, reduction, denominator):
    if reduction == "none":
        return namespace(gy).reshape(gy, (-1, 1))
    if reduction == "mean":
        return gy / denominator if denominator else gy * 0.0  # all ignored: no gradient, as in PyTorch
    return gy


# ---- binary cross-entropy of probabilities ------------------------------------------------------
_BCE_EPSILON = float(np.float32(1e-12))  # PyTorch stores its 1e-12 as a float32: 9.99999996e-13


class BinaryCrossEntropy(Op):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped to >= -100 as in PyTorch."""

    def forward(ctx, x, y, weight):
        ctx.save_for_backward(x, y)
        ctx.weight = weight
        xp = namespace(x)
        with np.errstate(divide="ignore"):
            loss = (y - 1) * xp.maximum(xp.log1p(-x), -100.0) - y * xp.maximum(xp.log(x), -100.0)
        return loss if weight is None else loss * weight

    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        xp = namespace(gy)
        if ctx.weight is not None:
            gy = gy * ctx.weight
        # PyTorch's formulas: the denominator is kept >= 1e-12 so x = 0 or 1 gives a finite gradient
        gx = gy * (x - y) / xp.clamp((1 - x) * x, min=_BCE_EPSILON) if need_x else None
        gt = -gy * xp.log(x / (1 - x)) if need_y else None
        return gx, gt, None


class BinaryCrossEntropyWithLogits(Op):
    """pos_weight * y * softplus(-x) + (1 - y) * softplus(x), times weight. softplus(-x) = -log sigmoid(x).

    Written this way both the loss and its gradient, (1 - y) sigmoid(x) - pos_weight * y * sigmoid(-x),
    stay exact at large |x| whichever the label: no 1 - sigmoid(x) cancels to 0.
    """

    def forward(ctx, x, y, weight, pos_weight):
        ctx.save_for_backward(x, y)
        ctx.weight, ctx.pos_weight = weight, pos_weight
        positive = y * _softplus(-x)
        if pos_weight is not None:
            positive = positive * pos_weight
        loss = positive + (1 - y) * _softplus(x)
        return loss if weight is None else loss * weight

    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        xp = namespace(gy)
        pos_weight = 1.0 if ctx.pos_weight is None else ctx.pos_weight
        if ctx.weight is not None:
            gy = gy * ctx.weight
        gx = gy * ((1 - y) * xp.sigmoid(x) - pos_weight * y * xp.sigmoid(-x)) if need_x else None
        gt = None
        if need_y:  # without pos_weight log sigmoid(-x) - log sigmoid(x) is -x: exact, where the difference cancels
            gt = -gy * x if ctx.pos_weight is None else gy * (xp.log_sigmoid(-x) - pos_weight * xp.log_sigmoid(x))
        return gx, gt, None, None


def _softplus(x):
    """log(1 + e^x) for an array, without overflow and exact for large |x|."""
    xp = namespace(x)
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))


# ---- the functions users call -------------------------------------------------------------------
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` (N, C), (C,) or (N, C, d1, ...) against class indices
    (int, shape without the class dim) or class probabilities (float, the input's shape)."""
    op = "cross_entropy"
    _check_input(input, op)
    check_reduction(reduction, op)
    if not isinstance(label_smoothing, numbers.Real):
        raise TypeError(f"{op}: label_smoothing must be a number, got {type(label_smoothing).__name__}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    target = _as_tensor(target, op)
    if target.dtype.kind == "f" and target.shape == input.shape:  # class probabilities
        input, target = _widened(input, target)
        target = class_rows(cast(target, input.dtype))
    else:
        target = _index_rows(input, target, ignore_index, op)
    class_weight = _class_weight(weight, input, op)
    losses = CrossEntropy.apply(class_rows(input), target, class_weight, ignore_index, reduction, label_smoothing)
    return _unflatten(losses, input, reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities `input` (N, C), (C,) or (N, C, d1, ...) for class indices."""
    op = "nll_loss"
    _check_input(input, op)
    check_reduction(reduction, op)
    target = _index_rows(input, _as_tensor(target, op), ignore_index, op)
    losses = NllLoss.apply(class_rows(input), target._data, _class_weight(weight, input, op), ignore_index, reduction)
    return _unflatten(losses, input, reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    op = "binary_cross_entropy"
    _check_input(input, op)
    check_reduction(reduction, op)
    target = _as_tensor(target, op)
    if target.dtype.kind == "f" and target.dtype != input.dtype:  # PyTorch refuses too
        raise TypeError(
            f"{op}: target ({target.dtype}) and input ({input.dtype}) must have the same dtype; "
            "convert the target (target.to(input.dtype))"
        )
    target = _same_shape_target(input, target, op)
    for name, t in (("input", input), ("target", target)):
        if bool(library_of(t._data).any((t._data < 0) | (t._data > 1))):
            raise ValueError(f"{op}: all elements of {name} should be between 0 and 1")
    weight = _elementwise_weight(weight, input, op)
    return reduce(BinaryCrossEntropy.apply(input, target, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """BCE of sigmoid(input), computed from the logits (see BinaryCrossEntropyWithLogits): exact for any |input|."""
    op = "binary_cross_entropy_with_logits"
    _check_input(input, op)
    check_reduction(reduction, op)
    input, target = _widened(input, _as_tensor(target, op))
    target = _same_shape_target(input, target, op)
    weight = _elementwise_weight(weight, input, op)
    pos_weight = _elementwise_weight(pos_weight, input, op, "pos_weight")
    return reduce(BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight), reduction)


def mse_loss(input, target, reduction="mean", weight=None):
    """Mean squared error. Shapes that differ are broadcast, with PyTorch's warning."""
    diff = _difference(input, target, reduction, "mse_loss")
    return _weighted_reduce(diff * diff, weight, input, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean", weight=None):
    """Mean absolute error; its gradient at input == target is 0, as in PyTorch."""
    diff = _difference(input, target, reduction, "l1_loss")
    return _weighted_reduce(abs(diff), weight, input, reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta: quadratic near 0, L1 beyond (beta = 0: plain L1)."""
    op = "smooth_l1_loss"
    beta = _nonnegative_number(beta, "beta", op)
    diff = _difference(input, target, reduction, op)
    size = abs(diff)
    if beta == 0:  # the quadratic branch would divide by 0 (and its masked-out gradient turn nan)
        return reduce(size, reduction)
    return reduce(where(size < beta, 0.5 * diff * diff / beta, size - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1_loss times delta (beta = delta).

    With a weight, 'mean' is the plain mean of the weighted losses, as in PyTorch (mse_loss and l1_loss
    divide by the sum of the weights instead)."""
    op = "huber_loss"
    if _nonnegative_number(delta, "delta", op) == 0:
        raise ValueError(f"{op}: delta must be positive, got {delta}")
    diff = _difference(input, target, reduction, op)
    size = abs(diff)
    losses = where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return reduce(losses if weight is None else losses * _sample_weight(weight, input, op), reduction)


def _difference(input, target, reduction, op):
    """input - target for the regression losses, after their checks. Shapes that differ are broadcast,
    with PyTorch's warning."""
    _check_input(input, op)
    check_reduction(reduction, op)
    target = _as_tensor(target, op)
    if target.shape != input.shape:
        warnings.warn(
            f"{op}: Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=4,
        )
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            shapes = f"{tuple(input.shape)} and target {tuple(target.shape)}"
            raise ValueError(f"{op}: the shapes of input {shapes} don't broadcast") from None
    return input - target


def _weighted_reduce(losses, weight, input, reduction, op):
    """reduction of weight * losses; a weighted 'mean' divides by the sum of the weights (mse_loss, l1_loss)."""
    if weight is None:
        return reduce(losses, reduction)
    weight = _sample_weight(weight, input, op)
    weighted = losses * weight
    return weighted if reduction == "none" else (sum(weighted) if reduction == "sum" else sum(weighted) / sum(weight))


def _sample_weight(weight, input, op):
    weight = _as_tensor(weight, op, "weight")
    if weight.shape != input.shape:
        raise ValueError(f"{op}: weight {tuple(weight.shape)} and input {tuple(input.shape)} must have the same size")
    return weight


def _nonnegative_number(value, name, op):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    if not value >= 0:  # also refuses nan
        raise ValueError(f"{op}: {name} must not be negative, got {value}")
    return float(value)


def kl_div(input, target, reduction="mean", log_target=False):
    """Pointwise Kullback-Leibler terms target * (log target - input), input holding log-probabilities
    (and target too when log_target). A zero target adds 0 (0 log 0 = 0). Composed of differentiable ops.

    reduction: 'none', 'sum', 'mean' (over every element) or 'batchmean' (the sum / input.shape[0]:
    the KL divergence per sample)."""
    op = "kl_div"
    _check_input(input, op)
    if reduction not in REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    target = _as_tensor(target, op)
    if log_target:
        losses = exp(target) * (target - input)
    else:
        nonzero = target != 0  # a bool tensor outside the graph; log(1) = 0 stands in where target is 0
        losses = where(nonzero, target * log(where(nonzero, target, 1)), 0) - target * input
    if reduction == "batchmean":
        return sum(losses) / input.shape[0] if input.ndim else sum(losses)
    return reduce(losses, reduction)


# ---- helpers ------------------------------------------------------------------------------------
def check_reduction(reduction, op):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduce(losses, reduction):
    if reduction == "mean":
        return mean(losses)
    return sum(losses) if reduction == "sum" else losses


def class_rows(t):
    """(C,) -> (1, C); (N, C) as is; (N, C, d1, ...) -> (N * d1 * ..., C): one row per prediction."""
    if t.ndim == 1:
        return reshape(t, (1, t.shape[0]))
    if t.ndim == 2:
        return t
    moved = permute(t, (0, *range(2, t.ndim), 1))
    return reshape(moved, (-1, t.shape[1]))


def _unflatten(losses, input, reduction):
    """Give reduction='none' losses the target's shape again: () for (C,) inputs, (N, d1, ...) otherwise."""
    if reduction != "none" or input.ndim == 2:
        return losses
    return reshape(losses, () if input.ndim == 1 else (input.shape[0], *input.shape[2:]))


def _index_rows(input, target, ignore_index, op):
    """Check class-index targets and flatten them to match class_rows(input)."""
    if not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"{op}: ignore_index must be an int, got {type(ignore_index).__name__}")
    expected = () if input.ndim == 1 else (input.shape[0], *input.shape[2:])
    if target.shape != expected:  # a shape error first, as in PyTorch, whatever the target's dtype
        if target.dtype.kind == "f" and op == "cross_entropy":
            raise ValueError(
                f"{op}: a float target (class probabilities) must have the input's shape {tuple(input.shape)}, "
                f"got target of shape {tuple(target.shape)} (class indices: an integer target of shape {expected})"
            )
        raise ValueError(
            f"{op}: for input of shape {tuple(input.shape)} the class indices must have shape {expected}, "
            f"got target of shape {tuple(target.shape)}"
        )
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: class indices must be an integer (int64) tensor, got {target.dtype} of shape {tuple(target.shape)}"
            + (f"; class probabilities must be a float tensor of the input's shape {tuple(input.shape)}"
               if op == "cross_entropy" else "")
        )
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    data = target._data
    if type(data) is np.ndarray:  # two reductions, then (if they find any) the exact test
        labels = data.reshape(-1)
        suspect = labels.size and (labels.min() < 0 or labels.max() >= n_classes)
    else:  # on its device: only the two reductions are read back (a sync), not the labels
        xp = library_of(data)
        labels = xp.reshape(data, (-1,))
        suspect = labels.shape[0] and bool((xp.min(labels) < 0) | (xp.max(labels) >= n_classes))
    if suspect:
        host = to_host(labels)
        bad = (host != ignore_index) & ((host < 0) | (host >= n_classes))
        if bad.any():
            raise ValueError(
                f"{op}: class label {int(host[bad][0])} is out of range for {n_classes} classes "
                f"(labels must be in [0, {n_classes - 1}], or ignore_index={ignore_index})"
            )
    return _wrap(move(labels, input.device))


def _class_weight(weight, input, op):
    """The per-class weight as an array of the input's dtype (a constant: no gradient flows to it)."""
    if weight is None:
        return None
    weight = _as_tensor(weight, op, "weight")
    n_classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if weight.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have shape ({n_classes},), one per class, got {tuple(weight.shape)}")
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: the loss is not differentiable with respect to weight; pass weight.detach()")
    return namespace(weight._data).astype(weight._data, input.dtype, copy=False)


def _elementwise_weight(weight, input, op, name="weight"):
    """A weight that broadcasts to the input, as an array of its dtype (a constant: no gradient flows to it)."""
    if weight is None:
        return None
    weight = _as_tensor(weight, op, name)
    if weight.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: the loss is not differentiable with respect to {name}; pass {name}.detach()")
    try:
        xp = namespace(weight._data)
        return xp.broadcast_to(xp.astype(weight._data, input.dtype, copy=False), input.shape)
    except ValueError:
        shapes = f"{name} of shape {tuple(weight.shape)}"
        raise ValueError(f"{op}: {shapes} does not broadcast to the input's shape {tuple(input.shape)}") from None


def _widened(input, target):
    """A float target wider than the input (float64 for float32) makes the loss float64, as in PyTorch:
    the input is cast up, and its gradient comes back in its own dtype."""
    if target.dtype.kind == "f" and target.dtype.itemsize > input.dtype.itemsize:
        return cast(input, target.dtype), target
    return input, target


def _same_shape_target(input, target, op):
    target = _as_tensor(target, op)
    if target.shape != input.shape:
        raise ValueError(
            f"{op}: Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    return cast(target, input.dtype) if target.dtype != input.dtype else target


def _check_input(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating-point tensor, got {input.dtype}")
    if input.ndim == 0 and op in ("cross_entropy", "nll_loss"):
        raise ValueError(f"{op}: input must have a class dim: (C,), (N, C) or (N, C, d1, ...); got a 0-d tensor")
    if op in ("cross_entropy", "nll_loss") and input.shape[0 if input.ndim == 1 else 1] == 0:
        predictions = 1 if input.ndim == 1 else input.shape[0] * int(np.prod(input.shape[2:]))
        if predictions:  # PyTorch takes 0 classes only when there is nothing to classify (N = 0)
            raise ValueError(f"{op}: input of shape {tuple(input.shape)} has no classes (its class dim is 0)")


def _as_tensor(value, op, name="target"):
    """A Tensor from a Tensor, an array or (nested) numbers; a TypeError naming the loss otherwise."""
    if isinstance(value, Tensor):
        return value
    try:
        return tensor(value)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}") from None


for _op in (CrossEntropy, NllLoss, BinaryCrossEntropy, BinaryCrossEntropyWithLogits):
    _op.array_api = True  # NumPy's fast path, and standard functions for any other library (the *_standard helpers)
