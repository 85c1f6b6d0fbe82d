"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""
import numpy as np

from .adam import _check_adam_options
from .optimizer import Optimizer, effective_grad, init_state, lerp_


class Adamax(Optimizer):
    """PyTorch's Adamax. Per step t, with g = grad (negated if maximize) + weight_decay * p:

        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False, **kernel):
        _check_adam_options("Adamax", lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        for param, grad, state in self._params_with_grad(group):
            exp_avg, exp_inf = init_state(state, param, "exp_avg", "exp_inf")
            state["step"] += 1
            grad = effective_grad(param, grad, weight_decay, group["maximize"])

            work = np.empty_like(param)
            lerp_(exp_avg, grad, 1 - beta1, work)
            exp_inf *= beta2
            np.abs(grad, out=work)
            work += eps
            np.maximum(exp_inf, work, out=exp_inf)

            step_size = lr / (1 - beta1 ** state["step"])
            np.multiply(exp_avg, -step_size, out=work)  # torch's addcdiv: value * m / u
            work /= exp_inf
            param += work
