"""NAdam: Adam with Nesterov momentum (the step looks ahead along the next momentum)."""
import numpy as np

from ..device import library_of
from ..dtypes import get_default_dtype
from ..tensor import _wrap
from .adam import _check_adam_options, _decayed_grad, _update_moments
from .optimizer import Optimizer, host_state, init_state, state_copy
from .standard import updatable


class NAdam(Optimizer):
    """PyTorch's NAdam. Per step t, with g = grad (negated if maximize) [+ weight_decay * p unless decoupled]:

        p = p * (1 - lr * weight_decay)                  (decoupled_weight_decay only)
        mu_t = beta1 * (1 - 0.96^(t * momentum_decay) / 2);  mu_product = mu_1 * ... * mu_t
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;  denom = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    As in PyTorch, state['mu_product'] is a 0-d tensor of the default dtype (float32 unless changed), so the
    product is rounded to it every step.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False, **kernel):
        _check_adam_options("NAdam", lr, betas, eps, weight_decay, momentum_decay=momentum_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        momentum_decay, decoupled = float(group["momentum_decay"]), group["decoupled_weight_decay"]
        for param, grad, state in self._params_with_grad(group):
            exp_avg, exp_avg_sq = init_state(state, param, "exp_avg", "exp_avg_sq")
            if "mu_product" not in state:
                state["mu_product"] = host_state(np.ones((), dtype=get_default_dtype()), param)
            state["step"] += 1
            step = state["step"]
            grad = _decayed_grad(param, grad, lr, weight_decay, decoupled, group["maximize"])

            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
            mu_product = updatable(state["mu_product"]._data)
            mu_product *= mu  # in its own dtype, as torch's tensor does
            mu_product, mu_product_next = float(mu_product), float(mu_product) * mu_next

            work = np.empty_like(param)
            _update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2, work)
            denom = np.divide(exp_avg_sq, 1 - beta2**step, out=np.empty_like(param))
            np.sqrt(denom, out=denom)
            denom += eps

            for direction, value in ((grad, -lr * (1.0 - mu) / (1.0 - mu_product)),
                                     (exp_avg, -lr * mu_next / (1.0 - mu_product_next))):
                np.multiply(direction, value, out=work)  # torch's addcdiv: value * direction / denom
                work /= denom
                param += work

    def _loaded_state_value(self, param, index, name, value):
        if name != "mu_product":
            return super()._loaded_state_value(param, index, name, value)
        array = state_copy(value, param)._data  # torch casts it like the moments
        return _wrap(library_of(array).reshape(array, ()))
