"""Tensors made from sizes and values: zeros, ones, full, arange, linspace, eye, ..."""
import math
import numbers
import operator

import numpy as np

from . import dtypes
from .ops.shape import shape_arg
from .tensor import Tensor, _check_device, _scalar_arg, _wrap, tensor


def _make(array, requires_grad=False, device=None):
    _check_device(device)
    t = _wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _dtype(dtype, default=None):
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return default if default is not None else dtypes.get_default_dtype()


def size_arg(size, op):
    """The sizes of a new tensor (f(2, 3), f((2, 3)) or f([2, 3])): ints, none negative."""
    shape = shape_arg(size, op)
    if any(n < 0 for n in shape):
        raise ValueError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def count_arg(value, op, name):
    """A non-negative int argument (n, steps, ...)."""
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__}") from None
    if value < 0:
        raise ValueError(f"{op}: {name} must be non-negative, got {value}")
    return value


def zeros(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.zeros(size_arg(size, "zeros"), dtype=_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.ones(size_arg(size, "ones"), dtype=_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.zeros(size_arg(size, "empty"), dtype=_dtype(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    """A tensor of `size` filled with fill_value; its dtype follows the value (float -> float32, int -> int64)."""
    fill_value = _scalar_arg(fill_value, "full", "fill_value")
    return _make(np.full(size_arg((size,), "full"), fill_value, dtype=_dtype(dtype, _value_dtype(fill_value))), requires_grad, device)


def _like(t, dtype, op):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")
    return t.shape, (dtypes.as_dtype(dtype) if dtype is not None else t.dtype)


def zeros_like(t, dtype=None, requires_grad=False, device=None):
    shape, dtype = _like(t, dtype, "zeros_like")
    return _make(np.zeros(shape, dtype=dtype), requires_grad, device)


def ones_like(t, dtype=None, requires_grad=False, device=None):
    shape, dtype = _like(t, dtype, "ones_like")
    return _make(np.ones(shape, dtype=dtype), requires_grad, device)


def empty_like(t, dtype=None, requires_grad=False, device=None):
    return zeros_like(t, dtype, requires_grad, device)


def full_like(t, fill_value, dtype=None, requires_grad=False, device=None):
    shape, dtype = _like(t, dtype, "full_like")
    return _make(np.full(shape, _scalar_arg(fill_value, "full_like", "fill_value"), dtype=dtype), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    """[start, end) in steps: int64 when every argument is an int, the default float dtype otherwise."""
    if end is None:
        start, end = 0, start
    start, end, step = (_scalar_arg(v, "arange", name) for v, name in ((start, "start"), (end, "end"), (step, "step")))
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise ValueError(f"arange: start, end and step must be finite, got {start}, {end}, {step}")
    try:
        values = np.arange(start, end, step)
    except (ValueError, MemoryError) as err:  # more values than fit in memory
        raise ValueError(f"arange: too many values from {start} to {end} in steps of {step} ({err})") from None
    return _make(values.astype(_dtype(dtype, dtypes.int64 if ints else None)), requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    start, end = _scalar_arg(start, "linspace", "start"), _scalar_arg(end, "linspace", "end")
    steps = count_arg(steps, "linspace", "steps")
    return _make(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    n, m = count_arg(n, "eye", "n"), (None if m is None else count_arg(m, "eye", "m"))
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, device)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (no copy, dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return _wrap(array)


def as_tensor(data, dtype=None, device=None):
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return _wrap(data)
    return tensor(data, dtype=dtype)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(t):
    return t.numel()


def _value_dtype(value):
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool
    if isinstance(value, numbers.Integral):
        return dtypes.int64
    return dtypes.get_default_dtype()
