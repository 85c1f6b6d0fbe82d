"""Pooling beyond pool.py's 2-d kernels, composed from it and from indexing: the 1-d forms (pool.py's
2-d ops on a height-1 view), lp_pool1d/2d, and adaptive max pooling with PyTorch's bins and indices."""
import numbers

import numpy as np

from ..device import library_of, move, of, to_host
from ..tensor import Tensor, _wrap
from .elementwise import abs, relu, sign
from .index import IndexAdd
from .pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .conv import ntuple
from .reduce import max
from .shape import permute, reshape, squeeze, unsqueeze


def _check_1d(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected 2-D (C, L) or 3-D (N, C, L) input, got input of shape {tuple(input.shape)}")
    return unsqueeze(input, -2)


def _one(value, name, op):
    return ntuple(value, 1, name, op)[0]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each kernel_size window of input (N, C, L) or (C, L); indices are positions in L."""
    op = "max_pool1d"
    x = _check_1d(input, op)
    stride = kernel_size if stride is None or stride == [] or stride == () else stride
    out = max_pool2d(x, (1, _one(kernel_size, "kernel_size", op)), (1, _one(stride, "stride", op)),
                     (0, _one(padding, "padding", op)), (1, _one(dilation, "dilation", op)), ceil_mode, return_indices)
    if return_indices:
        return squeeze(out[0], -2), squeeze(out[1], -2)
    return squeeze(out, -2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each kernel_size window of input (N, C, L) or (C, L)."""
    op = "avg_pool1d"
    x = _check_1d(input, op)
    stride = kernel_size if stride is None or stride == [] or stride == () else stride
    out = avg_pool2d(x, (1, _one(kernel_size, "kernel_size", op)), (1, _one(stride, "stride", op)),
                     (0, _one(padding, "padding", op)), ceil_mode, count_include_pad)
    return squeeze(out, -2)


def adaptive_avg_pool1d(input, output_size):
    op = "adaptive_avg_pool1d"
    return squeeze(adaptive_avg_pool2d(_check_1d(input, op), (1, _one(output_size, "output_size", op))), -2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x ** p) ** (1 / p), PyTorch's formula: an average pool times the window size."""
    kh, kw = ntuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    pooled = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (sign(pooled) * relu(abs(pooled)) * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    k = _one(kernel_size, "kernel_size", "lp_pool1d")
    pooled = avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return (sign(pooled) * relu(abs(pooled)) * k) ** (1.0 / norm_type)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive bins: output row o covers input rows floor(o * H / Ho) to
    ceil((o + 1) * H / Ho). Indices are h * W + w in each input plane (the first maximum, as PyTorch)."""
    op = "adaptive_max_pool2d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4) or 0 in input.shape[-2:]:
        raise ValueError(f"{op}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input with non-empty H and W, "
                         f"got input of shape {tuple(input.shape)}")
    h, w = input.shape[-2:]
    sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) else tuple(output_size)
    if len(sizes) != 2 or not all(s is None or (isinstance(s, numbers.Integral) and s > 0) for s in sizes):
        raise ValueError(f"{op}: output_size must be a positive int or a pair of them (or None), got {output_size!r}")
    ho, wo = (n if s is None else int(s) for s, n in zip(sizes, (h, w)))
    rows, cols = _bin_taps(h, ho), _bin_taps(w, wo)  # (Ho, kh), (Wo, kw)
    x = input[..., rows[:, :, None, None], cols[None, None, :, :]]  # (*, Ho, kh, Wo, kw)
    lead = x.ndim - 4
    x = permute(x, (*range(lead), lead, lead + 2, lead + 1, lead + 3))
    values, tap = max(reshape(x, (*x.shape[:-2], -1)), -1)
    if not return_indices:
        return values
    kw = cols.shape[1]
    tap = to_host(tap._data)  # the window offsets, turned into input positions with the host's index tables
    flat = rows[np.arange(ho)[:, None], tap // kw] * w + cols[np.arange(wo)[None, :], tap % kw]
    return values, _wrap(move(flat.astype(np.int64), of(values._data)))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    op = "adaptive_max_pool1d"
    out = adaptive_max_pool2d(_check_1d(input, op), (1, _one(output_size, "output_size", op)), return_indices)
    if return_indices:
        return squeeze(out[0], -2), squeeze(out[1], -2)
    return squeeze(out, -2)


def _bin_taps(size, out):
    """(out, widest bin) input positions of each adaptive bin; short bins repeat their last position
    (a repeat never wins: the maximum's first position is taken)."""
    o = np.arange(out)[:, None]
    start, end = (o * size) // out, -((-(o + 1) * size) // out)
    return np.minimum(start + np.arange(int((end - start).max())), end - 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d: each value goes to its index h * W + w in a zero (N, C, H, W) output
    (H, W from output_size, or (in - 1) * stride - 2 * padding + kernel). Its gradient reads those positions.
    Where an index repeats (overlapping pooling windows) the values are added; PyTorch keeps one of them."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")


def _unpool(input, indices, kernel_size, stride, padding, output_size, dims, op):
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor) or indices.shape != input.shape:
        raise ValueError(f"{op}: input and indices must be tensors of the same shape")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected {dims + 1}-D or {dims + 2}-D input, got input of shape {tuple(input.shape)}")
    kernel = ntuple(kernel_size, dims, "kernel_size", op)
    stride = kernel if stride is None else ntuple(stride, dims, "stride", op)
    padding = ntuple(padding, dims, "padding", op)
    if output_size is None:
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(input.shape[-dims:], stride, padding, kernel))
    else:
        size = tuple(output_size)[-dims:]
    lead = input.shape[:-dims]
    xp = library_of(indices._data)  # the indices stay on their device: the key's last array
    flat = xp.reshape(indices._data, (*lead, -1))
    plane = int(np.prod(size))
    if flat.size and (int(xp.min(flat)) < 0 or int(xp.max(flat)) >= plane):
        raise ValueError(f"{op}: found an index outside the output size {size} (indices must lie in [0, {plane}))")
    key = tuple(np.indices(flat.shape, sparse=True)[:-1]) + (flat,)
    out = IndexAdd.apply(reshape(input, flat.shape), key, (*lead, plane))
    return reshape(out, (*lead, *size))
