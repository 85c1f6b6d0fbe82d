"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of gradients."""
import numpy as np

from .optimizer import Optimizer, add_product_, check_numbers, effective_grad, init_state


class Adadelta(Optimizer):
    """PyTorch's Adadelta. Per step, with g = grad (negated if maximize) + weight_decay * p:

        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False, **kernel):
        check_numbers("Adadelta", lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, rho, eps, weight_decay = (float(group[key]) for key in ("lr", "rho", "eps", "weight_decay"))
        for param, grad, state in self._params_with_grad(group):
            square_avg, acc_delta = init_state(state, param, "square_avg", "acc_delta")
            state["step"] += 1
            grad = effective_grad(param, grad, weight_decay, group["maximize"])

            work, delta = np.empty_like(param), np.empty_like(param)
            square_avg *= rho
            add_product_(square_avg, grad, grad, 1 - rho, work)
            std = np.add(square_avg, eps, out=work)
            np.sqrt(std, out=std)
            np.add(acc_delta, eps, out=delta)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= grad
            acc_delta *= rho
            add_product_(acc_delta, delta, delta, 1 - rho, work)
            delta *= lr
            param -= delta
