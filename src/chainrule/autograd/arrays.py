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


_erf_elements = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; math.erf is exact to the last bit


def erf(x):
    return np.asarray(_erf_elements(x), dtype=x.dtype)


def sum(x, dim=None, keepdim=False):
    return np.asarray(np.sum(x, axis=dim, keepdims=keepdim))  # asarray: NumPy makes a sum of everything a scalar


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
