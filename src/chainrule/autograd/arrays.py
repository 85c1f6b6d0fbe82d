"""chainrule's op names on NumPy arrays: the namespace of a NumPy array, `xp = namespace(gy)` (autograd/function.py).

An op's backward is written once. Without create_graph the engine hands it NumPy arrays, and `xp` is this
module: NumPy's functions under chainrule's names, so each step of the formula is one NumPy call and nothing
is recorded. With create_graph it is handed Tensors, and `xp` is `chainrule.ops` (a Tensor's
`__array_namespace__`), so every step is recorded and can be differentiated again. Operators (`gy * y`,
`a @ b`, `x > 0`, `gy[key]`) need no namespace: they mean the same on both.
"""
import math

import numpy as np


# ---- the same names as chainrule.ops, on arrays -------------------------------------------------------
exp, log, sin, cos, tanh, sign, sqrt = np.exp, np.log, np.sin, np.cos, np.tanh, np.sign, np.sqrt
where, reshape, broadcast_to, matmul, abs = np.where, np.reshape, np.broadcast_to, np.matmul, np.abs
expm1, log1p, clip, isfinite = np.expm1, np.log1p, np.clip, np.isfinite
zeros_like, maximum, minimum = np.zeros_like, np.maximum, np.minimum


def erf(x):
    """NumPy has no erf: W. J. Cody's rational approximations (Math. Comp. 1969, netlib's CALERF), vectorised:
    in float64 within 4 ulp of math.erf, 2x faster than calling math.erf per element (float32 computes in
    float32, twice as fast again)."""
    y = np.abs(x).astype(np.float32 if x.dtype.itemsize <= 4 else np.float64)
    out = np.empty_like(y)
    small = y <= 0.46875
    out[small] = y[small] * _ratio(y[small] ** 2, _ERF_SMALL)
    middle = ~small & (y <= 4.0)
    out[middle] = 1 - _exp_minus_square(y[middle]) * _ratio(y[middle], _ERFC_MID)
    tail = ~(small | middle)  # nan too
    y = np.minimum(y[tail], 27.0)  # erfc(27) underflows: erf is 1 from there on
    with np.errstate(all="ignore"):
        out[tail] = 1 - _exp_minus_square(y) * (_1_SQRT_PI - _ratio(1 / (y * y), _ERFC_TAIL) / (y * y)) / y
    return np.copysign(out, x).astype(x.dtype, copy=False)


def _ratio(t, coefficients):
    """p(t) / q(t) for Cody's coefficient lists (numerator's leading term last)."""
    p, q = coefficients
    numerator, denominator = p[-1] * t, t
    for a, b in zip(p[:-2], q[:-1]):
        numerator, denominator = (numerator + a) * t, (denominator + b) * t
    return (numerator + p[-2]) / (denominator + q[-1])


_1_SQRT_PI = 1 / math.sqrt(math.pi)
_ERF_SMALL = (  # erf(y) = y * ratio(y^2) for |y| <= 0.46875
    (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
     1.85777706184603153e-1),
    (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03))
_ERFC_MID = (  # erfc(y) = exp(-y^2) * ratio(y) for 0.46875 < y <= 4
    (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
     8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
     2.15311535474403846e-8),
    (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
     3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03))
_ERFC_TAIL = (  # erfc(y) = exp(-y^2) / y * (1/sqrt(pi) - ratio(1/y^2) / y^2) for y > 4
    (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
     6.58749161529837803e-4, 1.63153871373020978e-2),
    (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
     2.33520497626869185e-3))


def sum(x, dim=None, keepdim=False):
    return np.asarray(x.sum(axis=dim, keepdims=keepdim))  # asarray: NumPy makes a sum of everything a scalar


def amax(x, dim=None, keepdim=False):
    return np.asarray(x.max(axis=dim, keepdims=keepdim))


def amin(x, dim=None, keepdim=False):
    return np.asarray(x.min(axis=dim, keepdims=keepdim))


def mean(x, dim=None, keepdim=False):
    """The sum over the count; over no values nan, without np.mean's warning (PyTorch is silent)."""
    total = np.sum(x, axis=dim, keepdims=keepdim)
    count = x.size // total.size if total.size else 0
    return total / count if count else total * np.nan


def permute(x, dims):
    return np.transpose(x, dims)


def clamp(x, min=None, max=None):
    return np.clip(x, min, max)


def cast(x, dtype):
    return x.astype(dtype, copy=False)


def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp(-|x|) is at most 1, and each branch keeps tiny results exact."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def log_sigmoid(x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow, and exact for large |x|."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def sum_to(x, shape):
    """Sum x down to `shape`, the shape it was broadcast from: the adjoint of broadcasting."""
    if len(shape) > x.ndim or np.broadcast_shapes(shape, x.shape) != x.shape:
        raise ValueError(f"sum_to: an array of shape {x.shape} can't be summed to shape {tuple(shape)}")
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    y = x.sum(axis=axes, keepdims=True) if axes else x
    return y.reshape(shape) if lead else y


# ---- the standard's names NumPy spells otherwise, for forwards written with `namespace(x)` ----------------
floor, ceil, trunc, round, floor_divide, remainder = np.floor, np.ceil, np.trunc, np.round, np.floor_divide, np.remainder
mul = np.multiply  # mul(gy, mask): a gradient times a bool mask (the standard has no bool * float: see standard.py)


def astype(x, dtype, copy=True):
    return x.astype(dtype, copy=copy)


def clone(x):
    return x.copy()


# ---- ops/math.py's names (the standard's; NumPy < 2 spells asin arcsin, ...) ----------------------------------
sinh, cosh, asin, acos, atan, atan2 = np.sinh, np.cosh, np.arcsin, np.arccos, np.arctan, np.arctan2
log2, log10 = np.log2, np.log10
hypot, logaddexp = np.hypot, np.logaddexp


def erfc(x):
    """1 - erf(x), to full relative precision where erf(x) is near 1 (Cody's approximations, as in erf)."""
    y = np.abs(x).astype(np.float32 if x.dtype.itemsize <= 4 else np.float64)
    out = np.empty_like(y)
    small = y <= 0.46875
    out[small] = 1 - y[small] * _ratio(y[small] ** 2, _ERF_SMALL)
    middle = ~small & (y <= 4.0)
    out[middle] = _exp_minus_square(y[middle]) * _ratio(y[middle], _ERFC_MID)
    tail = ~(small | middle)  # nan too
    with np.errstate(all="ignore"):
        t = y[tail]
        out[tail] = _exp_minus_square(t) * (_1_SQRT_PI - _ratio(1 / (t * t), _ERFC_TAIL) / (t * t)) / t
        out[tail & (y == np.inf)] = 0.0
    out = np.where(x < 0, 2 - out, out)
    return out.astype(x.dtype, copy=False)


def _exp_minus_square(y):
    """exp(-y^2) in two factors, as Cody does, to keep its last bits."""
    rounded = np.trunc(y * 16) / 16
    return np.exp(-rounded * rounded) * np.exp(-(y - rounded) * (y + rounded))
concat, fmod = np.concatenate, np.fmod
