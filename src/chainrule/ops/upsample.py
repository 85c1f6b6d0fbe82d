"""interpolate: resize the spatial dims of input (N, C, *spatial), by nearest or (bi, tri)linear interpolation.

Every mode is separable, so the input is resized one spatial dim at a time. Along one dim, output row j is

    out[..., j, ...] = sum over terms t of weight_t[j] * x[..., index_t[j], ...]

with one term for 'nearest' (weight 1) and two for the linear modes (the rows below and above the source
position, weights 1 - lambda and lambda). Forward is a gather (np.take); backward is its adjoint, a
scatter-add of gy's rows back onto the rows they were taken from. Every index_t is non-decreasing, so the
rows that go to one input row are a run, and np.add.reduceat sums each run in one vectorised call.
Gather and scatter-add are each other's backward, so any order of derivative works. On other libraries'
arrays the same steps are written with the standard's take and cumulative_sum (see _resample_adjoint_standard).

The source positions follow PyTorch's kernels (ATen's UpSample.h), including their float32 arithmetic
where PyTorch computes in float32, so that the same input rows are picked:
- nearest:        index = min(floor(j * scale), in - 1), scale = 1 / scale_factor or in / out
- nearest-exact:  index = min(floor((j + 0.5) * scale), in - 1)
- linear, align_corners=True:   source = j * (in - 1) / (out - 1)
- linear, align_corners=False:  source = max(scale * (j + 0.5) - 0.5, 0)
"""
import math
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import library_of, move, of
from ..tensor import Tensor

MODES = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "linear": (3,), "bilinear": (4,), "trilinear": (5,)}
_LINEAR = ("linear", "bilinear", "trilinear")


class Resample(Op):
    """Along `axis`: out = sum over terms of weight * x.take(index); terms as made by _terms."""

    def forward(ctx, x, axis, terms, in_size):
        ctx.axis, ctx.terms, ctx.in_size = axis, terms, in_size
        if type(x) is not np.ndarray:
            return _resample_standard(x, axis, terms)
        out = None
        for index, weight, _, _ in terms:
            part = np.take(x, index, axis=axis)
            if weight is not None:
                part *= weight
            out = part if out is None else np.add(out, part, out=out)
        return out

    def backward(ctx, gy):
        return ResampleAdjoint.apply(gy, ctx.axis, ctx.terms, ctx.in_size), None, None, None


class ResampleAdjoint(Op):
    """The adjoint of Resample: add each row of gy (times its weight) onto the input row it was taken from."""

    def forward(ctx, gy, axis, terms, in_size):
        ctx.axis, ctx.terms, ctx.in_size = axis, terms, in_size
        if type(gy) is not np.ndarray:
            return _resample_adjoint_standard(gy, axis, terms, in_size)
        shape = list(gy.shape)
        shape[axis] = in_size
        gx = np.zeros(shape, gy.dtype)
        at = (slice(None),) * axis
        for index, weight, starts, targets in terms:
            g = gy if weight is None else gy * weight
            gx[at + (targets,)] += np.add.reduceat(g, starts, axis=axis)  # targets are distinct: a plain +=
        return gx

    def backward(ctx, ggx):
        return Resample.apply(ggx, ctx.axis, ctx.terms, ctx.in_size), None, None, None


for _op in (Resample, ResampleAdjoint):
    _op.array_api = True


def _resample_standard(x, axis, terms):
    """Resample's forward with the standard's functions: the index and weights (NumPy) moved to x's device."""
    xp, device, out = library_of(x), of(x), None
    for index, weight, _, _ in terms:
        part = xp.take(x, move(index, device), axis=axis)
        if weight is not None:
            part = part * move(weight, device)
        out = part if out is None else out + part
    return out


def _resample_adjoint_standard(gy, axis, terms, in_size):
    """ResampleAdjoint's forward with the standard's functions: each run's sum is a difference of running sums
    (cumulative_sum), and the input rows take their run's sum (a zero row for rows no output row came from)."""
    xp, device, gx = library_of(gy), of(gy), None
    for index, weight, starts, targets in terms:
        g = gy if weight is None else gy * move(weight, device)
        running = xp.cumulative_sum(g, axis=axis, include_initial=True)
        ends = np.append(starts[1:], len(index))
        sums = xp.take(running, move(ends, device), axis=axis) - xp.take(running, move(starts, device), axis=axis)
        zero_shape = list(gy.shape)
        zero_shape[axis] = 1
        sums = xp.concat([sums, xp.zeros(zero_shape, dtype=gy.dtype)], axis=axis)
        run_of_row = np.full(in_size, len(starts))  # the zero row, unless a run goes to that input row
        run_of_row[targets] = np.arange(len(starts))
        part = xp.take(sums, move(run_of_row, device), axis=axis)
        gx = part if gx is None else gx + part
    return gx


def _terms(indices_and_weights, ndim, axis, dtype):
    """(index, weight shaped to broadcast along axis or None, run starts, run targets) per term."""
    terms = []
    for index, weight in indices_and_weights:
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        if weight is not None:
            shape = [1] * ndim
            shape[axis] = len(weight)
            weight = weight.astype(dtype, copy=False).reshape(shape)
        terms.append((index, weight, starts, index[starts]))
    return tuple(terms)


# ---- source positions, as PyTorch computes them ------------------------------------------------------
def _scale(in_size, out_size, scale_factor, real):
    """PyTorch's compute_scales_value: 1 / scale_factor when one is passed on, else in / out."""
    if scale_factor is not None and scale_factor > 0:
        return real(1.0 / scale_factor)
    return real(in_size) / real(out_size)


def _nearest(in_size, out_size, scale_factor, exact):
    """Input row of each output row: [(index, None)]."""
    j = np.arange(out_size)
    if not exact and out_size == in_size:
        index = j
    elif not exact and out_size == 2 * in_size:
        index = j >> 1
    else:
        scale = _scale(in_size, out_size, scale_factor, np.float32)  # PyTorch computes these in float
        source = (j + 0.5) * np.float64(scale) if exact else j.astype(np.float32) * scale
        index = np.minimum(np.floor(source.astype(np.float32)).astype(np.int64), in_size - 1)
    return [(index, None)]


def _linear(in_size, out_size, scale_factor, align_corners, dtype):
    """The rows below and above each source position, with their weights: [(index0, 1 - l), (index1, l)]."""
    j = np.arange(out_size)
    if out_size == in_size:
        return [(j, None)]
    real = dtype.type  # PyTorch computes in the input's dtype (float for float32, double for double)
    if align_corners:
        scale = real(in_size - 1) / real(out_size - 1) if out_size > 1 else real(0)
        source = scale * j.astype(dtype)
    else:
        scale = _scale(in_size, out_size, scale_factor, real)
        source = np.maximum((np.float64(scale) * (j + 0.5) - 0.5).astype(dtype), 0)
    index0 = np.minimum(np.floor(source.astype(np.float32)).astype(np.int64), in_size - 1)
    lambda1 = np.clip(source - index0.astype(dtype), 0, 1).astype(dtype)
    index1 = index0 + (index0 < in_size - 1)
    return [(index0, (1 - lambda1).astype(dtype)), (index1, lambda1)]


# ---- the function users call ---------------------------------------------------------------------
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize input (N, C, L), (N, C, H, W) or (N, C, D, H, W) to `size` or by `scale_factor` (one per
    spatial dim, or one for all). mode: 'nearest' | 'nearest-exact' (any of those ranks), 'linear' (3-D),
    'bilinear' (4-D), 'trilinear' (5-D); align_corners for the linear modes only (default False)."""
    op = "interpolate"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    align_corners = _align_corners_arg(mode, align_corners)
    dims = input.ndim - 2
    out_size, scales = _output_size(input, dims, size, scale_factor, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    _check_mode(input, mode, antialias)
    if input.dtype.kind != "f" and mode in _LINEAR:
        raise TypeError(f"{op}: mode={mode!r} needs a floating-point input, got {input.dtype}; use x.float()")
    in_size = input.shape[2:]
    if any(n <= 0 for n in in_size) or any(n <= 0 for n in out_size):
        raise ValueError(f"{op}: input and output sizes should be greater than 0, but got input size {tuple(in_size)} "
                         f"and output size {tuple(out_size)}")
    steps = []
    for d, (n_in, n_out, scale) in enumerate(zip(in_size, out_size, scales)):
        if mode in _LINEAR:
            pairs = _linear(n_in, n_out, scale, align_corners, input.dtype)
        else:
            pairs = _nearest(n_in, n_out, scale, mode == "nearest-exact")
        if not (len(pairs) == 1 and n_in == n_out and np.array_equal(pairs[0][0], np.arange(n_in))):
            steps.append((2 + d, pairs, n_in))  # dims that keep their size and rows are left alone
    if not steps:  # a copy all the same, as PyTorch returns a new tensor
        steps.append((2, [(np.arange(in_size[0]), None)], in_size[0]))
    out = input
    for axis, pairs, n_in in steps:
        out = Resample.apply(out, axis, _terms(pairs, input.ndim, axis, input.dtype), n_in)
    return out


def _align_corners_arg(mode, align_corners):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
        return None
    return False if align_corners is None else bool(align_corners)


def _output_size(input, dims, size, scale_factor, recompute_scale_factor):
    """(output size, scale factor passed on to the kernel or None) per spatial dim, as PyTorch."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = list(input.shape[2:])
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (list, tuple)):
            if len(size) != dims:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {spatial} and output size of {size}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
                )
            if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(n) for n in size]}")
            return [int(n) for n in size], [None] * dims
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {size!r}")
        return [int(size)] * dims, [None] * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dims:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {spatial} and scale_factor of shape {scale_factor}. Please provide input tensor in "
                "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
            )
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dims
    out_size = [math.floor(n * s) for n, s in zip(spatial, scales)]
    return out_size, ([None] * dims if recompute_scale_factor else scales)


def _check_mode(input, mode, antialias):
    ranks = MODES.get(mode)
    if ranks is not None and input.ndim in ranks:
        if antialias:
            raise NotImplementedError("interpolate: antialias=True is not implemented in chainrule")
        return
    if mode in _LINEAR and input.ndim in (3, 4, 5):
        needs = {"linear": 3, "bilinear": 4, "trilinear": 5}[mode]
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {needs}D input")
    if mode in ("area", "bicubic", "lanczos") and input.ndim in (3, 4, 5):
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented in chainrule; use 'nearest', "
                                  "'nearest-exact', 'linear', 'bilinear' or 'trilinear'")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: nearest | linear "
        f"| bilinear | bicubic | trilinear | area | nearest-exact (got {mode})"
    )
