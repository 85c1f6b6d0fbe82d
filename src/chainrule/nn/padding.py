"""Padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad; 1d and 2d) over F.pad,
with PyTorch's padding tuples and reprs. padding: an int (every side) or (left, right[, top, bottom])."""
import numbers

from . import functional as F
from .module import Module


class _PadNd(Module):
    _sides = 2
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, numbers.Integral):
            padding = (int(padding),) * self._sides
        padding = tuple(padding)
        if len(padding) != self._sides:
            raise ValueError(f"{type(self).__name__}: padding must be an int or {self._sides} ints, got {padding}")
        self.padding = padding

    def forward(self, input):
        if input.ndim not in (self._sides // 2 + 1, self._sides // 2 + 2):
            dims = self._sides // 2
            raise ValueError(f"{type(self).__name__}: expected {dims + 1}D or {dims + 2}D input, "
                             f"got input of shape {tuple(input.shape)}")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    pass


class ConstantPad2d(_ConstantPadNd):
    _sides = 4


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    _sides = 4


class ReplicationPad1d(_PadNd):
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    _sides = 4


class CircularPad1d(_PadNd):
    _mode = "circular"


class CircularPad2d(CircularPad1d):
    _sides = 4
