"""New tensors: from data (tensor, as_tensor, from_numpy) and from sizes and values (zeros, ones, full, arange, ...)."""
import math
import numbers

import numpy as np

from . import device as _device
from . import dtypes
from .args import check_device as _check_device
from .args import count_arg, size_arg  # noqa: F401  (creation's own argument checks, used by random too)
from .args import scalar_arg as _scalar_arg
from .device import place
from .tensor import Tensor, _wrap


def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new leaf tensor holding a copy of `data` (scalar, nested list, NumPy array or Tensor).

    dtypes follow PyTorch: Python floats become the default dtype (float32), Python ints int64,
    bools bool; NumPy arrays keep theirs unless `dtype` is given.
    """
    if device is None and isinstance(data, Tensor):
        device = data.device  # as torch.tensor(t): a copy on t's device
    array = _to_array(data, dtypes.as_dtype(dtype) if dtype is not None else None)
    if isinstance(data, np.ndarray) and array is data:
        array = array.copy()
    t = _wrap(place(array, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        array = np.array(_device.to_host(data._data))
    elif hasattr(data, "__array_namespace__") and not isinstance(data, np.ndarray):  # a CuPy array, say
        array = np.array(_device.to_host(data))
    elif isinstance(data, np.ndarray):
        array = data
        if array.dtype.kind not in "biuf":
            raise TypeError(f"tensor(): can't make a tensor from an array of {array.dtype}; only numbers and bools")
    elif isinstance(data, (str, bytes, dict, set)) or data is None:
        raise TypeError(f"tensor(): can't make a tensor from {type(data).__name__}; give a number, a (nested) list or an array")
    else:
        array = _from_python(data, dtype)
    if dtype is not None and array.dtype != dtype:
        array = _cast_values(array, dtype)
    return array


def _cast_values(array, dtype):
    """array.astype(dtype), refusing values an integer dtype can't hold (nan, inf, too large), as PyTorch does."""
    if dtype.kind in "iu" and array.dtype.kind in "fiu" and array.size:
        limits = np.iinfo(dtype)
        with np.errstate(invalid="ignore"):
            fits = bool(np.isfinite(array).all() and array.min() >= limits.min and array.max() <= limits.max)
        if not fits:
            raise ValueError(f"tensor(): values from {array.min()} to {array.max()} can't be converted to {dtype}")
    return array.astype(dtype)


def _from_python(data, dtype=None):
    try:
        array = np.array(data)
    except ValueError as err:
        raise ValueError(f"tensor(): the nested lists are ragged (every row must have the same length): {err}") from None
    if array.dtype == object or array.dtype.kind == "u" or (
            array.dtype.kind == "f" and array.size and np.abs(array).max() >= _INT64_END):
        array = _from_big_ints(data, array, dtype)  # ints beyond int64 (rare: only then is the data walked)
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"tensor(): the data must hold numbers only, got {type(data).__name__} of {array.dtype.kind!r} values")
    if dtype is not None:
        return _cast_values(array, dtype)
    if array.dtype.kind == "f" and not _holds_numpy_floats(data):
        array = array.astype(dtypes.get_default_dtype())
    elif array.dtype.kind in "iu" and array.dtype != np.int64 and not _holds_numpy_floats(data):
        array = _cast_values(array, np.dtype(np.int64))  # NumPy made uint64 of ints beyond int64: refused
    return array


_INT64_START, _INT64_END = -2**63, 2**63


def _from_big_ints(data, array, dtype):
    """NumPy's array for data holding Python ints outside int64, made the way PyTorch does it.

    All-integer data is an int64 tensor, so an int outside int64 is refused (PyTorch: "Overflow when
    unpacking long long"); with a float among the values, or a float dtype asked for, the ints become floats.
    """
    has_float, big = _scan_numbers(data)
    if has_float is None:  # not numbers only: left to the caller's TypeError
        return array
    floats = has_float or (dtype is not None and dtype.kind == "f")
    if big is not None and not floats:
        raise ValueError(
            f"tensor(): the integer {big} is out of int64's range "
            f"[{_INT64_START}, {_INT64_END - 1}]; an int tensor can't hold it"
        )
    return np.array(data, dtype=np.float64) if floats and array.dtype == object else array


def _scan_numbers(data):
    """(whether a float is among the nested values, the first int outside int64 or None); (None, None)
    if anything other than Python or NumPy numbers and bools is in there."""
    has_float, big, stack = False, None, [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, (bool, np.bool_)):
            continue
        elif isinstance(item, numbers.Integral):
            if big is None and not _INT64_START <= int(item) < _INT64_END:
                big = int(item)
        elif isinstance(item, numbers.Real):
            has_float = True
        else:
            return None, None
    return has_float, big


def _holds_numpy_floats(data):
    # np.float64(1.0) and arrays inside lists keep their own dtype, like torch.tensor does
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (np.generic, np.ndarray, Tensor))


def _make(array, requires_grad=False, device=None):
    t = _wrap(place(array, device))
    return t.requires_grad_(True) if requires_grad else t


def _dtype(dtype, default=None):
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return default if default is not None else dtypes.get_default_dtype()


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
    return _make(np.zeros(shape, dtype=dtype), requires_grad, device or t.device)


def ones_like(t, dtype=None, requires_grad=False, device=None):
    shape, dtype = _like(t, dtype, "ones_like")
    return _make(np.ones(shape, dtype=dtype), requires_grad, device or t.device)


def empty_like(t, dtype=None, requires_grad=False, device=None):
    return zeros_like(t, dtype, requires_grad, device)


def full_like(t, fill_value, dtype=None, requires_grad=False, device=None):
    shape, dtype = _like(t, dtype, "full_like")
    return _make(np.full(shape, _scalar_arg(fill_value, "full_like", "fill_value"), dtype=dtype), requires_grad,
                 device or t.device)


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
    device = _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return data if device is None else data.to(device)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return _wrap(place(data, device))
    return tensor(data, dtype=dtype, device=device)


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


# ---- new tensors like an existing one: x.new_zeros(2, 3) has x's dtype unless dtype= says otherwise ----------
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    _, dtype = _like(self, dtype, "new_full")
    fill_value = _scalar_arg(fill_value, "new_full", "fill_value")
    return _make(np.full(size_arg((size,), "new_full"), fill_value, dtype=dtype), requires_grad, device or self.device)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return new_full(self, size_arg(size, "new_zeros"), 0, dtype=dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return new_full(self, size_arg(size, "new_ones"), 1, dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """Like torch's, uninitialised in principle; here it holds zeros."""
    return new_full(self, size_arg(size, "new_empty"), 0, dtype=dtype, device=device, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A new leaf holding a copy of data, with self's dtype (not the data's) unless dtype is given."""
    _, dtype = _like(self, dtype, "new_tensor")
    return tensor(data, dtype=dtype, requires_grad=requires_grad, device=device or self.device)
