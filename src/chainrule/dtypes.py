"""dtypes: chainrule uses NumPy's dtype objects under PyTorch's names."""
import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)


class _NamedDtype:
    """A dtype torch has and NumPy lacks: it can be named and compared, never computed in.

    Every tensor is a NumPy array, so creating a tensor of this dtype (cr.zeros(2, dtype=cr.bfloat16),
    x.to(cr.bfloat16), x.bfloat16()) raises a TypeError that says so.
    """

    is_floating_point, is_complex, is_signed = True, False, True

    def __init__(self, name, itemsize):
        self.name, self.itemsize = name, itemsize

    def unsupported(self):
        return TypeError(f"{self.name}: NumPy has no {self.name} dtype, so chainrule tensors can't be "
                         f"{self.name}; use chainrule.float32 (or float16 for half precision)")

    def __repr__(self):
        return f"chainrule.{self.name}"

    def __reduce__(self):
        return self.name  # the module-level name: pickling and copying give back the one object


bfloat16 = _NamedDtype("bfloat16", 2)

_default_float = float32


def get_default_dtype():
    """The dtype Python floats become (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype):
    """Make Python floats become `dtype` (float32 or float64), as torch.set_default_dtype does."""
    global _default_float
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {dtype}")
    _default_float = dtype


def as_dtype(dtype):
    """Turn anything NumPy understands as a dtype (cr.float32, np.float64, 'int64') into a np.dtype."""
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return dtype
    if isinstance(dtype, _NamedDtype):
        raise dtype.unsupported()
    if str(dtype) in ("bfloat16", "torch.bfloat16"):
        raise bfloat16.unsupported()
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result.kind not in "biuf":  # no strings, objects or complex numbers
        raise TypeError(f"{dtype!r} is not a dtype; use e.g. chainrule.float32 or chainrule.int64")
    return result


def is_floating(dtype):
    return dtype.kind == "f"
