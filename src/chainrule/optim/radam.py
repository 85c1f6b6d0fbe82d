"""RAdam: Adam whose adaptive step is switched on gradually, once the second moment's variance is tractable."""
import numpy as np

from .adam import _check_adam_options, _decayed_grad, _update_moments
from .optimizer import Optimizer, init_state


class RAdam(Optimizer):
    """PyTorch's RAdam. Per step t, with g = grad (negated if maximize) [+ weight_decay * p unless decoupled]:

        p = p * (1 - lr * weight_decay)                  (decoupled_weight_decay only)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        rho_t > 5:  p = p - lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t, with the rectification
                    r_t = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
        else:       p = p - lr * m / (1 - beta1^t)           (plain momentum SGD while the variance is unreliable)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, maximize=False, **kernel):
        _check_adam_options("RAdam", lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        decoupled = group["decoupled_weight_decay"]
        for param, grad, state in self._params_with_grad(group):
            exp_avg, exp_avg_sq = init_state(state, param, "exp_avg", "exp_avg_sq")
            state["step"] += 1
            step = state["step"]
            grad = _decayed_grad(param, grad, lr, weight_decay, decoupled, group["maximize"])

            work = np.empty_like(param)
            _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2, work)

            bias_correction2 = 1 - beta2**step
            update = np.divide(exp_avg, 1 - beta1**step, out=work)
            update *= lr
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
            if rho_t > 5.0:
                adaptive = np.sqrt(exp_avg_sq, out=np.empty_like(param))
                adaptive += eps
                np.divide(bias_correction2**0.5, adaptive, out=adaptive)
                update *= adaptive
                update *= _rectification(rho_t, rho_inf)
            param -= update


def _rectification(rho_t, rho_inf):
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
