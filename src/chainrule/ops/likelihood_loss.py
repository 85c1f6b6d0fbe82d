"""Negative log-likelihood losses of two distributions, composed from existing ops, with PyTorch's
formulas: poisson_nll_loss and gaussian_nll_loss."""
import math
import numbers

from ..creation import zeros_like
from .elementwise import _float_input, check_tensor, clamp, exp, log, masked_fill
from .loss import check_reduction, reduce
from .reduce import any
from .shape import unsqueeze


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """exp(input) - target * input (log_input=True: input is the log-rate), or input - target * log(input + eps);
    full=True adds Stirling's approximation of log(target!) where target > 1."""
    op = "poisson_nll_loss"
    check_reduction(reduction, op)
    input, target = _float_input(input, op), check_tensor(target, op, "target")
    if log_input:
        losses = exp(input) - target * input
    else:
        losses = input - target * log(input + eps)
    if full:
        stirling = target * log(target) - target + 0.5 * log(2 * math.pi * target)
        losses = losses + masked_fill(stirling, target <= 1, 0)
    return reduce(losses, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 * (log(var) + (input - target) ** 2 / var) (+ 0.5 * log(2 pi) with full=True). var has the input's
    shape, or one dim fewer (the last), or a size-1 dim where the input has more (shared), or is a number.
    var is raised to eps for the value only: its gradient is that of the unclamped var, as in PyTorch."""
    op = "gaussian_nll_loss"
    input = _float_input(input, op)
    if isinstance(var, numbers.Real) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = zeros_like(input) + var
    elif bool(any(check_tensor(var, op, "var") < 0)):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = unsqueeze(var, -1)
        elif not (var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError(f"var is of incorrect size: var {tuple(var.shape)} for input {tuple(input.shape)}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    value = var.detach()
    var = var + (clamp(value, min=eps) - value)
    losses = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce(losses, reduction)
