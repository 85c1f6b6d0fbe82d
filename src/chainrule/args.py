"""Argument checks shared by every layer: dims, sizes, numbers and devices, each with an error that names the op."""
import numbers
import operator

import numpy as np

from . import device as _device
from .errors import OutOfRangeError


def normalize_dim(dim, ndim, op="op"):
    """A dim in [-ndim, ndim) as a non-negative int (0-d tensors accept 0 and -1, like PyTorch)."""
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise OutOfRangeError(f"{op}: dim {dim} is out of range for a {ndim}-d tensor (expected [-{bound}, {bound - 1}])")
    return dim % bound


def shape_arg(args, op="size"):
    """Sizes given as f(2, 3) or f((2, 3)) or f([2, 3]) -> a tuple of ints (floats are refused, as in PyTorch)."""
    if len(args) == 1 and not isinstance(args[0], (numbers.Number, str, bytes)) and hasattr(args[0], "__len__"):
        args = args[0]  # a tuple, list, array or 1-d tensor of sizes
    try:
        return tuple(operator.index(a) for a in args)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: sizes must be ints, got {args!r}") from None


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


def scalar_arg(value, op, name):
    """A Python number from a number or a one-element tensor; a TypeError naming op and argument otherwise."""
    if hasattr(value, "_data") and value._data.size == 1:  # a one-element Tensor
        value = value._data.reshape(()).item()
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, numbers.Number) or isinstance(value, complex):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return value


def is_device(value):
    return isinstance(value, (str, _device.device))


def check_device(device):
    """None, or the device (a chainrule.device) if it is available; else a RuntimeError that says why not."""
    if device is None:
        return None
    return _device.check(device)


def check_layer_device(device):
    """A layer's `device=` argument, checked before the layer is built (it is built on the CPU, then moved:
    nn.module.place)."""
    return check_device(device)
