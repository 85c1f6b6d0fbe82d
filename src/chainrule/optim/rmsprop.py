"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
import numpy as np

from .optimizer import Optimizer, add_product_, check_numbers, effective_grad, lerp_, zeros_state
from .standard import updatable


class RMSprop(Optimizer):
    """PyTorch's RMSprop. Per step, with g = grad (negated if maximize) + weight_decay * p:

        v = alpha * v + (1 - alpha) * g * g
        centered:  m = lerp(m, g, 1 - alpha);  avg = sqrt(v - m * m) + eps   (else avg = sqrt(v) + eps)
        momentum > 0:  b = momentum * b + g / avg;  p = p - lr * b           (else p = p - lr * g / avg)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False, **kernel):
        check_numbers("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        for param, grad, state in self._params_with_grad(group):
            _init_state(state, param, momentum, group["centered"])
            state["step"] += 1
            grad = effective_grad(param, grad, weight_decay, group["maximize"])

            square_avg = updatable(state["square_avg"]._data)
            work = np.empty_like(param)
            square_avg *= alpha
            add_product_(square_avg, grad, grad, 1 - alpha, work)
            if group["centered"]:
                grad_avg = updatable(state["grad_avg"]._data)
                lerp_(grad_avg, grad, 1 - alpha, work)
                np.multiply(grad_avg, grad_avg, out=work)
                avg = np.subtract(square_avg, work, out=work)
                np.sqrt(avg, out=avg)
            else:
                avg = np.sqrt(square_avg, out=work)
            avg += eps

            np.divide(grad, avg, out=work)
            if momentum > 0:
                buffer = updatable(state["momentum_buffer"]._data)
                buffer *= momentum
                buffer += work
                np.multiply(buffer, lr, out=work)
            else:
                work *= lr
            param -= work


def _init_state(state, param, momentum, centered):
    if not state:
        state["step"] = 0.0
        state["square_avg"] = zeros_state(param)
    if momentum > 0 and "momentum_buffer" not in state:
        state["momentum_buffer"] = zeros_state(param)
    if centered and "grad_avg" not in state:
        state["grad_avg"] = zeros_state(param)
