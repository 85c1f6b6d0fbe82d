"""unfold (im2col) and fold (col2im), PyTorch's F.unfold / F.fold: each is the other's backward.

unfold lays every kernel_size block of a padded (N, C, H, W) input out as one column:
(N, C * kh * kw, L), L the number of block positions, channels first then kernel rows then columns.
fold adds the columns back into place (overlapping blocks add up). Both loop over the kh * kw kernel
taps, each one strided view of the whole padded image, never over pixels.

NumPy arrays take np.pad and in-place view adds; other libraries' arrays (CuPy, array-api-strict) the
same loop in the standard's functions: the padded image made by a slice assignment into zeros, and each
tap's columns added back with one strided-slice assignment (no index arrays).
"""
from typing import NamedTuple

import numpy as np

from ..autograd.function import Op
from ..device import library_of
from ..tensor import Tensor
from .conv import ntuple
from .shape import squeeze, unsqueeze


class Blocks(NamedTuple):
    size: tuple  # (H, W) of the image, unpadded
    kernel: tuple
    dilation: tuple
    padding: tuple
    stride: tuple
    out: tuple  # (Ho, Wo) block positions

    def where(self):
        """For each kernel tap (i, j), row-major: the key of the padded image's values it meets."""
        (kh, kw), (dh, dw), (sh, sw), (ho, wo) = self.kernel, self.dilation, self.stride, self.out
        for i in range(kh):
            for j in range(kw):
                yield (slice(None), slice(None), slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                       slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))

    def taps(self, padded):
        """For each kernel tap (i, j), row-major: the (N, C, Ho, Wo) view of the values it meets."""
        for key in self.where():
            yield padded[key]

    def interior(self):
        """The key of the unpadded image in the padded one."""
        (h, w), (ph, pw) = self.size, self.padding
        return (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w))

    def padded_zeros(self, xp, n, c, dtype):
        (h, w), (ph, pw) = self.size, self.padding
        return xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dtype)


class Unfold(Op):
    array_api = True  # NumPy's arrays take the forward below, others _unfold_standard

    def forward(ctx, x, blocks):
        ctx.blocks = blocks
        if type(x) is not np.ndarray:
            return _unfold_standard(x, blocks)
        (ph, pw), n = blocks.padding, x.shape[0]
        padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        columns = np.stack(list(blocks.taps(padded)), axis=2)  # (N, C, K, Ho, Wo)
        return columns.reshape(n, -1, blocks.out[0] * blocks.out[1])

    def backward(ctx, gy):
        return Fold.apply(gy, ctx.blocks), None


class Fold(Op):
    array_api = True

    def forward(ctx, columns, blocks):
        ctx.blocks = blocks
        if type(columns) is not np.ndarray:
            return _fold_standard(columns, blocks)
        (h, w), (ph, pw), (kh, kw) = blocks.size, blocks.padding, blocks.kernel
        n = columns.shape[0]
        parts = columns.reshape(n, -1, kh * kw, *blocks.out)
        padded = np.zeros((n, parts.shape[1], h + 2 * ph, w + 2 * pw), columns.dtype)
        for index, view in enumerate(blocks.taps(padded)):
            view += parts[:, :, index]
        return np.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + w])

    def backward(ctx, gy):
        return Unfold.apply(gy, ctx.blocks), None


def _unfold_standard(x, blocks):
    xp, n = library_of(x), x.shape[0]
    padded = blocks.padded_zeros(xp, n, x.shape[1], x.dtype)
    padded[blocks.interior()] = x
    columns = xp.stack(list(blocks.taps(padded)), axis=2)  # (N, C, K, Ho, Wo)
    return xp.reshape(columns, (n, -1, blocks.out[0] * blocks.out[1]))


def _fold_standard(columns, blocks):
    """Each tap's columns added onto its strided slice, one tap at a time (the taps of a pixel overlap)."""
    xp, n, (kh, kw) = library_of(columns), columns.shape[0], blocks.kernel
    parts = xp.reshape(columns, (n, -1, kh * kw, *blocks.out))
    padded = blocks.padded_zeros(xp, n, parts.shape[1], columns.dtype)
    for index, key in enumerate(blocks.where()):
        padded[key] = padded[key] + parts[:, :, index, ...]
    return padded[blocks.interior()]


def _blocks(size, kernel_size, dilation, padding, stride, op):
    kernel, dilation = ntuple(kernel_size, 2, "kernel_size", op), ntuple(dilation, 2, "dilation", op)
    padding, stride = ntuple(padding, 2, "padding", op), ntuple(stride, 2, "stride", op)
    if min(kernel) < 1 or min(dilation) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: kernel_size, dilation and stride must be positive and padding non-negative, got "
                         f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}")
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))
    if min(out) < 1:
        raise ValueError(f"{op}: the spatial size {size} with padding={padding} is smaller than the kernel "
                         f"{kernel} with dilation={dilation}: no block fits")
    return Blocks(tuple(size), kernel, dilation, padding, stride, out)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) or (C, H, W) -> (N, C * kh * kw, L) (or (C * kh * kw, L)): each block as a column."""
    op = "unfold"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input tensor, got {got}")
    x = unsqueeze(input, 0) if input.ndim == 3 else input
    out = Unfold.apply(x, _blocks(x.shape[2:], kernel_size, dilation, padding, stride, op))
    return squeeze(out, 0) if input.ndim == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C * kh * kw, L) or (C * kh * kw, L) -> (N, C, H, W) (or (C, H, W)), output_size = (H, W): the
    columns added back into place, overlaps summed."""
    op = "fold"
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{op}: expected a 2-D (C * kh * kw, L) or 3-D (N, C * kh * kw, L) input tensor, got {got}")
    x = unsqueeze(input, 0) if input.ndim == 2 else input
    blocks = _blocks(ntuple(output_size, 2, "output_size", op), kernel_size, dilation, padding, stride, op)
    taps = blocks.kernel[0] * blocks.kernel[1]
    if x.shape[1] % taps or x.shape[2] != blocks.out[0] * blocks.out[1]:
        raise ValueError(
            f"{op}: input of shape {tuple(input.shape)} must have a multiple of kernel_size's {taps} taps in its "
            f"channels dim and {blocks.out[0] * blocks.out[1]} blocks (for output_size {blocks.size}) in its last dim"
        )
    out = Fold.apply(x, blocks)
    return squeeze(out, 0) if input.ndim == 2 else out
