"""Adam and AdamW: adaptive moment estimation, with L2 (Adam) or decoupled (AdamW) weight decay."""
import numbers

import numpy as np

from .optimizer import Optimizer, add_product_, check_numbers, effective_grad, init_state, lerp_, zeros_state
from .standard import updatable


class Adam(Optimizer):
    """PyTorch's Adam. Per step t, with g = grad (negated if maximize) [+ weight_decay * p unless decoupled]:

        p = p * (1 - lr * weight_decay)                  (decoupled_weight_decay only: AdamW)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v) if amsgrad (v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False, **kernel):
        _check_adam_options(type(self).__name__, lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        decoupled = group["decoupled_weight_decay"]
        for param, grad, state in self._params_with_grad(group):
            exp_avg, exp_avg_sq = init_state(state, param, "exp_avg", "exp_avg_sq")
            if group["amsgrad"] and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = zeros_state(param)
            state["step"] += 1
            step = state["step"]
            grad = _decayed_grad(param, grad, lr, weight_decay, decoupled, group["maximize"])

            work = np.empty_like(param)
            _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2, work)
            if group["amsgrad"]:
                second_moment = updatable(state["max_exp_avg_sq"]._data)
                np.maximum(second_moment, exp_avg_sq, out=second_moment)
            else:
                second_moment = exp_avg_sq

            step_size = lr / (1 - beta1**step)
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            denom = np.sqrt(second_moment, out=work)
            denom /= bias_correction2_sqrt
            denom += eps
            np.divide(exp_avg, denom, out=work)
            work *= step_size
            param -= work


class AdamW(Adam):
    """PyTorch's AdamW: Adam whose weight decay shrinks the parameters directly (p *= 1 - lr * weight_decay)
    instead of entering the gradient's moments."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, **kernel):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, **kernel)


def _check_adam_options(optimizer, lr, betas, eps, weight_decay, **more_numbers):
    """The checks Adam and its variants share (PyTorch's messages); more_numbers: other options that must be numbers."""
    check_numbers(optimizer, lr=lr, eps=eps, weight_decay=weight_decay, **more_numbers)
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not isinstance(betas, (tuple, list)) or len(betas) != 2 or not all(isinstance(b, numbers.Real) for b in betas):
        raise ValueError(f"betas must be a pair of numbers (beta1, beta2), got {betas!r}")
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _decayed_grad(param, grad, lr, weight_decay, decoupled, maximize):
    """The gradient the moments see: weight decay enters it (L2), or shrinks the parameter instead (decoupled)."""
    if weight_decay != 0 and decoupled:
        param *= 1 - lr * weight_decay
    return effective_grad(param, grad, 0 if decoupled else weight_decay, maximize)


def _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2, work):
    """m = lerp(m, g, 1 - beta1) and v = beta2 * v + (1 - beta2) * g * g, in place."""
    lerp_(exp_avg, grad, 1 - beta1, work)
    exp_avg_sq *= beta2
    add_product_(exp_avg_sq, grad, grad, 1 - beta2, work)
