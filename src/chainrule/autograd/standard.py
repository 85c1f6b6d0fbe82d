"""chainrule's op names on the arrays of any array API standard library (CuPy, array-api-strict, ...).

autograd/arrays.py gives NumPy's functions under chainrule's names; this gives every other library's: the
standard's functions where the names agree (exp, where, matmul, ...), and chainrule's own names
(sum(x, dim, keepdim), permute, clamp, cast, sigmoid, erf, sum_to, ...) written with standard functions only.
`namespace(array)` (autograd/function.py) hands an op's forward or backward one `Names` per library.
"""
import math

import numpy as np

from ..device import library_dtype
from .arrays import _1_SQRT_PI, _ERF_SMALL, _ERFC_MID, _ERFC_TAIL, _ratio


class Names:
    """The names a backward (or forward) calls as `xp.name`, for the standard namespace `xp`."""

    def __init__(self, xp):
        self.xp = xp

    def __getattr__(self, name):  # a standard name: the library's own function (looked up once)
        value = getattr(self.xp, name)
        setattr(self, name, value)
        return value

    def __repr__(self):
        return f"<chainrule names on {self.xp.__name__}>"

    # ---- chainrule's names, in standard functions ----------------------------------------------
    def sum(self, x, dim=None, keepdim=False):
        return self.xp.sum(x, axis=_axis(dim), keepdims=keepdim)

    def amax(self, x, dim=None, keepdim=False):
        return self.xp.max(x, axis=_axis(dim), keepdims=keepdim)

    def amin(self, x, dim=None, keepdim=False):
        return self.xp.min(x, axis=_axis(dim), keepdims=keepdim)

    def mean(self, x, dim=None, keepdim=False):
        """The sum over the count; over no values nan, as PyTorch (and arrays.mean)."""
        total = self.xp.sum(x, axis=_axis(dim), keepdims=keepdim)
        count = math.prod(x.shape) // math.prod(total.shape) if math.prod(total.shape) else 0
        return total / count if count else total * math.nan

    def permute(self, x, dims):
        return self.xp.permute_dims(x, tuple(dims))

    def clamp(self, x, min=None, max=None):
        return self.xp.clip(x, min, max)

    def cast(self, x, dtype):
        return self.xp.astype(x, library_dtype(self.xp, dtype), copy=False)

    def sigmoid(self, x):
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def log_sigmoid(self, x):
        xp = self.xp
        return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))

    def erf(self, x):
        """The standard has no erf: Cody's approximations (as arrays.erf), each branch computed everywhere and
        chosen with where (no boolean indexing; on NumPy arrays.erf's masks are faster)."""
        xp, y = self.xp, self.xp.abs(x)
        out = xp.where(y <= 0.46875, _erf_small(xp, y), 1 - _erfc_large(xp, y))
        return xp.copysign(out, x)

    def erfc(self, x):
        """1 - erf(x), to full relative precision where erf(x) is near 1 (as arrays.erfc)."""
        xp, y = self.xp, self.xp.abs(x)
        out = xp.where(y <= 0.46875, 1 - _erf_small(xp, y), _erfc_large(xp, y))
        return xp.where(x < 0, 2 - out, out)

    def mul(self, a, b):
        """a * b where either may be a bool mask: the standard has no bool * float, so the mask is cast first."""
        xp = self.xp
        if xp.isdtype(b.dtype, "bool"):
            b = xp.astype(b, a.dtype)
        elif xp.isdtype(a.dtype, "bool"):
            a = xp.astype(a, b.dtype)
        return xp.multiply(a, b)

    def astype(self, x, dtype, copy=True):
        return self.xp.astype(x, library_dtype(self.xp, dtype), copy=copy)

    def clone(self, x):
        return self.xp.asarray(x, copy=True)

    def clip(self, x, min=None, max=None):
        return self.xp.clip(x, min, max)

    def sum_to(self, x, shape):
        shape = tuple(shape)
        if len(shape) > x.ndim or np.broadcast_shapes(shape, x.shape) != tuple(x.shape):
            raise ValueError(f"sum_to: an array of shape {tuple(x.shape)} can't be summed to shape {shape}")
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        y = self.xp.sum(x, axis=axes, keepdims=True) if axes else x
        return self.xp.reshape(y, shape) if lead else y


def _erf_small(xp, y):
    """erf(y) for 0 <= y <= 0.46875 (other y give finite garbage, not used)."""
    s = xp.where(y <= 0.46875, y, 0.0)
    return s * _ratio(s * s, _ERF_SMALL)


def _erfc_large(xp, y):
    """erfc(y) for y > 0.46875, nan for nan: Cody's middle range up to 4, his asymptotic tail beyond
    (from 40 on, exp(-y^2) is 0 and so is erfc)."""
    middle = xp.clip(y, 0.46875, 4.0)
    t = xp.clip(y, 4.0, 40.0)
    s = 1 / (t * t)
    tail = _exp_minus_square(xp, t) * (_1_SQRT_PI - _ratio(s, _ERFC_TAIL) * s) / t
    return xp.where(y <= 4.0, _exp_minus_square(xp, middle) * _ratio(middle, _ERFC_MID), tail)


def _exp_minus_square(xp, y):
    """exp(-y^2) in two factors, as Cody does, to keep its last bits (arrays._exp_minus_square)."""
    rounded = xp.trunc(y * 16) / 16
    return xp.exp(-rounded * rounded) * xp.exp(-(y - rounded) * (y + rounded))


def _axis(dim):
    return tuple(dim) if isinstance(dim, list) else dim
