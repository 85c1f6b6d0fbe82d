"""The first way to a gradient: central differences, f'(x) ~ (f(x + eps) - f(x - eps)) / 2eps.

It needs two evaluations of f per input element (backprop needs one backward pass for all of
them), which is why it is used to check gradients, not to train.
"""
import numpy as np

from ..tensor import Tensor, _wrap
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with the numerical one."""


def numerical_grad(fn, inputs, eps=1e-6):
    """Central-difference gradients of fn(*inputs).sum() with respect to every floating-point input.

    Works in float64 whatever the inputs' dtype. Returns a list with one NumPy array per input
    (None for inputs that are not floating point: indices, ints, flags).
    """
    inputs = _as_list(inputs)
    values = [_float64_copy(x) for x in inputs]

    def total():
        with no_grad():
            out = fn(*[_wrap(v) if isinstance(v, np.ndarray) else v for v in values])
        if not isinstance(out, Tensor):
            raise TypeError(f"numerical_grad: fn must return a Tensor, got {type(out).__name__}")
        return float(out._data.astype(np.float64).sum())

    grads = []
    for value in values:
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            grads.append(None)
            continue
        flat = value.reshape(-1)  # a view: changing it changes the input fn sees
        grad = np.zeros(flat.shape, dtype=np.float64)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = total()
            flat[k] = original - eps
            minus = total()
            flat[k] = original
            grad[k] = (plus - minus) / (2 * eps)
        grads.append(grad.reshape(value.shape))
    return grads


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check fn's backward against central differences, in float64.

    The output is weighted by a fixed random vector before summing, so a wrong gradient cannot
    hide behind a plain sum. Checks the inputs that require grad (all floating-point inputs if
    none does). Returns True, or raises GradcheckError naming the input, the element, and both values.
    """
    inputs = _as_list(inputs)
    chosen = [isinstance(x, Tensor) and x.requires_grad for x in inputs]
    if not any(chosen):
        chosen = [_is_float(x) for x in inputs]
    if not any(chosen):
        raise ValueError("gradcheck: no floating-point input to check")
    leaves = [_wrap(_float64_copy(x), requires_grad=True) if c else x for x, c in zip(inputs, chosen)]
    with no_grad():
        out_shape = fn(*leaves).shape
    weights = _wrap(np.random.default_rng(0).uniform(0.5, 1.5, size=out_shape))

    out = fn(*leaves)
    (out * weights).sum().backward()
    numerical = numerical_grad(lambda *xs: fn(*xs) * weights, leaves, eps)
    for index, (leaf, use, expected) in enumerate(zip(leaves, chosen, numerical)):
        if not use:
            continue
        analytic = leaf.grad._data if leaf.grad is not None else np.zeros(leaf.shape)
        bad = ~(np.abs(analytic - expected) <= atol + rtol * np.abs(expected))
        if bad.any():
            element = tuple(int(i) for i in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradcheck: the gradient of input {index} disagrees at element {element}: "
                f"analytic {analytic[element]!r}, numerical {expected[element]!r} "
                f"(atol={atol}, rtol={rtol}; {int(bad.sum())} of {bad.size} elements differ)"
            )
    return True


def _as_list(inputs):
    return [inputs] if isinstance(inputs, (Tensor, np.ndarray)) else list(inputs)


def _is_float(x):
    data = x._data if isinstance(x, Tensor) else x
    return isinstance(data, np.ndarray) and data.dtype.kind == "f"


def _float64_copy(x):
    data = x._data if isinstance(x, Tensor) else x
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        return data.astype(np.float64)  # always a fresh copy
    return x
