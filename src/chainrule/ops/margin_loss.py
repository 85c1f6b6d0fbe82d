"""Margin and embedding losses, composed from existing differentiable ops: margin_ranking_loss,
hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss, cosine_embedding_loss,
multi_margin_loss, triplet_margin_loss, and the pairwise_distance they use.

Each follows PyTorch's formula step by step (the same clamps and `where`s), so values and the gradients
at the hinges are PyTorch's. `reduction` is 'mean', 'sum' or 'none', as in every loss.
"""
import numpy as np

from ..device import constant
from .activation import log_sigmoid, softplus
from .elementwise import _float_input, check_tensor, clamp, minimum, sqrt, where
from .index import gather
from .loss import check_reduction, reduce
from .reduce import norm, sum
from .shape import squeeze, unsqueeze

_COSINE_EPSILON = 1e-12  # PyTorch's cosine_embedding_loss adds this to each squared magnitude


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (of the wider input), as PyTorch."""
    op = "pairwise_distance"
    x1, x2 = check_tensor(x1, op, "x1"), check_tensor(x2, op, "x2")
    last = max(x1.ndim, x2.ndim) - 1
    if last < 0:
        raise ValueError(f"{op}: expected inputs with at least 1 dim, got shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    return norm(x1 - x2 + eps, p, last, keepdim)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin): target 1 wants input1 ranked higher, -1 input2."""
    op = "margin_ranking_loss"
    check_reduction(reduction, op)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(
            f"{op}: All input tensors should have same dimension but got sizes: input1: {tuple(input1.shape)}, "
            f"input2: {tuple(input2.shape)}, target: {tuple(target.shape)}"
        )
    return reduce(clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    check_reduction(reduction, "hinge_embedding_loss")
    margin_part = where(target != 1, clamp(margin - input, min=0), 0.0)
    return reduce(margin_part + where(target != -1, input, 0.0), reduction)


def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(-target * input)), the two-class logistic loss."""
    check_reduction(reduction, "soft_margin_loss")
    _same_shape(input, target, "soft_margin_loss")
    return reduce(softplus(-input * target), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """Per class a logistic loss -(y log sigmoid(x) + (1 - y) log sigmoid(-x)), (weighted,) averaged over
    the classes (the last dim)."""
    op = "multilabel_soft_margin_loss"
    check_reduction(reduction, op)
    input = _float_input(input, op)
    losses = -(target * log_sigmoid(input) + (1 - target) * log_sigmoid(-input))
    if weight is not None:
        losses = losses * weight
    last = input.ndim - 1
    return reduce(sum(losses, last) / input.shape[last], reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where target is -1."""
    op = "cosine_embedding_loss"
    check_reduction(reduction, op)
    if input1.ndim != input2.ndim or input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise ValueError(
            f"{op}: expected inputs (N, D) with target (N,), or inputs (D,) with a 0-D target; got input1 "
            f"{tuple(input1.shape)}, input2 {tuple(input2.shape)}, target {tuple(target.shape)}"
        )
    dim = input1.ndim - 1
    product = sum(input1 * input2, dim)
    magnitudes = (sum(input1 * input1, dim) + _COSINE_EPSILON) * (sum(input2 * input2, dim) + _COSINE_EPSILON)
    cos = product / sqrt(magnitudes)
    losses = where(target == 1, 1 - cos, 0.0) + where(target == -1, clamp(cos - margin, min=0), 0.0)
    return reduce(losses, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """Per sample, sum over classes j != y of max(0, margin - x[y] + x[j]) ** p (times weight[y]),
    divided by the number of classes."""
    op = "multi_margin_loss"
    check_reduction(reduction, op)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    input = _float_input(input, op)
    if input.ndim not in (1, 2) or target.ndim != input.ndim - 1 or target.dtype.kind not in "iu":
        raise ValueError(
            f"{op}: expected input (N, C) with integer target (N,), or input (C,) with a 0-D target; got input "
            f"{tuple(input.shape)}, target {tuple(target.shape)} of dtype {target.dtype}"
        )
    rows = input if input.ndim == 2 else unsqueeze(input, 0)
    labels = unsqueeze(target if target.ndim == 1 else unsqueeze(target, 0), 1)
    classes = rows.shape[1]
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise IndexError(f"{op}: target values must lie in [0, {classes}), got {target.tolist()}")
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
        raise ValueError(f"{op}: weight must be a 1-D tensor of {classes} values, got shape {tuple(weight.shape)}")
    z = margin - gather(rows, 1, labels) + rows
    hinge = where(z > 0, z, 0.0)  # PyTorch's kernel adds only where z > 0
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[labels]
    others = labels._data != constant(np.arange(classes), np.int64, labels._data)
    losses = sum(where(others, hinge, 0.0), 1) / classes
    return reduce(losses if input.ndim == 2 else squeeze(losses, 0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with d the pairwise p-distance;
    swap=True uses min(d(a, n), d(p, n)) as the negative distance."""
    op = "triplet_margin_loss"
    check_reduction(reduction, op)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(
            f"{op}: The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs"
        )
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = minimum(to_negative, pairwise_distance(positive, negative, p, eps))
    return reduce(clamp(margin + to_positive - to_negative, min=0), reduction)


def _same_shape(input, target, op):
    if input.shape != target.shape:
        raise ValueError(f"{op}: target of shape {tuple(target.shape)} must have the input's shape {tuple(input.shape)}")
