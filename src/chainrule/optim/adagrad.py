"""Adagrad: per-coordinate steps shrinking with the sum of all past squared gradients."""
import numpy as np

from .optimizer import Optimizer, check_numbers, effective_grad, state_tensor
from .standard import updatable


class Adagrad(Optimizer):
    """PyTorch's Adagrad. Per step t, with g = grad (negated if maximize) + weight_decay * p:

        s = s + g * g                      (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False, **kernel):
        check_numbers("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                      initial_accumulator_value=initial_accumulator_value, eps=eps)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults, **kernel)
        for group in self.param_groups:  # like PyTorch, the state exists from the start
            for param in group["params"]:
                _init_state(self.state[param], updatable(param._data), group["initial_accumulator_value"])

    def _step_group(self, group):
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
        for param, grad, state in self._params_with_grad(group):
            _init_state(state, param, group["initial_accumulator_value"])
            state["step"] += 1
            grad = effective_grad(param, grad, weight_decay, group["maximize"])
            clr = lr / (1 + (state["step"] - 1) * lr_decay)

            state_sum = updatable(state["sum"]._data)
            work = np.multiply(grad, grad, out=np.empty_like(param))
            state_sum += work
            std = np.sqrt(state_sum, out=work)
            std += eps
            np.divide(grad, std, out=work)
            work *= clr
            param -= work


def _init_state(state, param, initial_accumulator_value):
    if not state:
        state["step"] = 0.0
        state["sum"] = state_tensor(np.full_like(param, float(initial_accumulator_value)))
