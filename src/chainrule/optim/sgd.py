"""SGD: stochastic gradient descent, with optional (Nesterov) momentum, dampening and weight decay."""
import numpy as np

from .optimizer import Optimizer, check_numbers, effective_grad, state_tensor
from .standard import updatable


class SGD(Optimizer):
    """PyTorch's SGD. Per step, with g = grad (negated if maximize) + weight_decay * p:

        b = g on the first step, else momentum * b + (1 - dampening) * g   (when momentum != 0)
        g = g + momentum * b if nesterov, else b
        p = p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, **kernel):
        check_numbers("SGD", lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults, **kernel)

    def _step_group(self, group):
        lr, momentum = float(group["lr"]), float(group["momentum"])
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
        for param, grad, state in self._params_with_grad(group):
            grad = effective_grad(param, grad, weight_decay, group["maximize"])
            work = np.empty_like(param)
            if momentum != 0:
                grad = _momentum(state, grad, momentum, dampening, group["nesterov"], work)
            np.multiply(grad, lr, out=work)
            param -= work


def _momentum(state, grad, momentum, dampening, nesterov, work):
    """Update the momentum buffer; return the direction to step along (the buffer, or work for Nesterov)."""
    saved = state.get("momentum_buffer")
    if saved is None:
        buffer = grad.copy()
        state["momentum_buffer"] = state_tensor(buffer)
    else:
        buffer = updatable(saved._data)
        buffer *= momentum
        if dampening == 0:
            buffer += grad
        else:
            np.multiply(grad, 1 - dampening, out=work)
            buffer += work
    if not nesterov:
        return buffer
    np.multiply(buffer, momentum, out=work)
    work += grad
    return work
