"""Gradient clipping, applied between loss.backward() and optimizer.step(): clip_grad_norm_ rescales
all gradients together so their joint norm is at most max_norm; clip_grad_value_ clamps each entry.
Gradients on another array library's device (CuPy, array-api-strict) are clipped there, with standard functions."""
import math
import types
import warnings

import numpy as np

from ...autograd.grad_mode import no_grad
from ...creation import tensor
from ...device import library_dtype, library_of, same_device_error
from ...tensor import Tensor, _wrap


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of `parameters` (an iterable of tensors, or one tensor) in place by
    max_norm / (total_norm + 1e-6) when that is below 1. The total norm is the norm_type-norm of the
    gradients' own norms (= of all gradient entries together); it is returned as a tensor, measured
    before clipping. norm_type may be inf. foreach is accepted for PyTorch compatibility."""
    parameters = _tensor_list(parameters, warn_empty_generator=True)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = _total_norm(grads, float(norm_type))
    if error_if_nonfinite and not math.isfinite(total_norm.item()):
        raise RuntimeError(
            f"The total norm of order {float(norm_type)} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
            "set `error_if_nonfinite=False`"
        )
    if grads:
        with np.errstate(all="ignore"), no_grad():  # a non-finite norm scales by nan or 0, as in PyTorch
            coefficient = min(float(float(max_norm) / (total_norm._data + 1e-6)), 1.0)  # in the norm's dtype; nan stays
            for grad in grads:
                _scale_(grad, coefficient)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated spelling of clip_grad_norm_ (with PyTorch's FutureWarning)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning, stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for param in _tensor_list(parameters):
            grad = param.grad
            if grad is None:
                continue
            if type(grad._data) is np.ndarray:
                grad.clamp_(-clip_value, clip_value)
            else:
                _write_(grad, library_of(grad._data).clip(grad._data, -clip_value, clip_value))


def _scale_(grad, coefficient):
    """grad *= coefficient, in its memory (on any device)."""
    if type(grad._data) is np.ndarray:
        grad.mul_(coefficient)
    else:
        _write_(grad, grad._data * coefficient)


def _write_(tensor, values):
    """New values written into a tensor of another library (its in-place ops are NumPy-only for now)."""
    tensor._data[...] = values
    tensor._bump_version()


def _tensor_list(parameters, warn_empty_generator=False):
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = list(parameters)
    if warn_empty_generator and is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    return parameters


def _total_norm(grads, norm_type):
    """The norm of the per-gradient norms, in the gradients' (promoted) dtype; tensor(0.) without gradients."""
    if not grads:
        return tensor(0.0)
    dtype = np.result_type(*(g.dtype for g in grads))
    if type(grads[0]._data) is np.ndarray and all(type(g._data) is np.ndarray for g in grads):
        norms = np.array([_norm(g._data, norm_type) for g in grads], dtype=dtype)
        return _wrap(np.asarray(_norm(norms, norm_type), dtype=dtype))
    for g in grads:
        if g.device != grads[0].device:
            raise same_device_error("clip_grad_norm_", grads[0].device, g.device)
    xp = library_of(grads[0]._data)
    norms = xp.stack([xp.astype(_standard_norm(xp, g._data, norm_type), library_dtype(xp, dtype)) for g in grads])
    return _wrap(_standard_norm(xp, norms, norm_type))


def _norm(array, norm_type):
    flat = array.reshape(-1)
    if flat.size == 0:
        return 0.0
    return np.linalg.norm(flat, ord=norm_type)


def _standard_norm(xp, array, norm_type):
    """_norm with the standard's functions: a 0-d array on the array's device."""
    flat = xp.reshape(array, (-1,))
    if flat.shape[0] == 0:
        return xp.zeros((), dtype=flat.dtype)
    return xp.linalg.vector_norm(flat, ord=norm_type)
