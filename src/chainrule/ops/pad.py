"""pad (PyTorch's F.pad): the pad tuple lists (before, after) pairs from the LAST dim backwards,
so pad=(1, 1, 2, 0) pads the last dim by 1 on each side and the one before by 2 at its start.

'constant' is one op (a filled array with the input copied in; its backward slices the inside
out again); a negative pad crops. 'reflect', 'replicate' and 'circular' read the input through an
index array per padded dim, so their backward adds each gradient back where it was read.
"""
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import library_of
from ..tensor import Tensor
from .index import getitem

MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Op):
    def forward(ctx, x, widths, value):
        ctx.inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        shape = tuple(n + before + after for (before, after), n in zip(widths, x.shape))
        out = library_of(x).full(shape, value, dtype=x.dtype)  # the standard's full, NumPy's on NumPy arrays
        out[ctx.inside] = x
        return out

    def backward(ctx, gy):
        return gy[ctx.inside], None, None


ConstantPad.array_api = True  # the other modes are getitem with one index array: the standard's take


def pad(input, pad, mode="constant", value=None):
    op = "pad"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {MODES}, got {mode!r}")
    widths = _widths(pad, input.ndim, op)
    if mode == "constant":
        return _constant(input, widths, 0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"{op}: padding mode {mode!r} doesn't take in a value argument")
    for axis, (before, after) in enumerate(widths):
        if before or after:
            input = getitem(input, (slice(None),) * axis + (_source_index(input.shape[axis], before, after, mode, op),))
    return input


def _widths(pad, ndim, op):
    """PyTorch's flat pad tuple as ((before, after), ...) for every dim, first dim first."""
    pad = tuple(pad)
    if len(pad) % 2 or not all(isinstance(p, numbers.Integral) for p in pad):
        raise ValueError(f"{op}: pad must be an even number of ints (before, after pairs, last dim first), got {pad}")
    if len(pad) // 2 > ndim:
        raise ValueError(f"{op}: pad {pad} has {len(pad) // 2} (before, after) pairs but the input has only {ndim} dims")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)][::-1]
    return [(0, 0)] * (ndim - len(pairs)) + pairs


def _constant(input, widths, value):
    if any(before < 0 or after < 0 for before, after in widths):  # negative pads crop first
        crop = tuple(slice(max(-before, 0), n - max(-after, 0)) for (before, after), n in zip(widths, input.shape))
        if any(s.stop < s.start for s in crop):
            raise ValueError(f"pad: the negative pads {widths} crop more than the input's shape {tuple(input.shape)}")
        input = getitem(input, crop)
        widths = [(max(before, 0), max(after, 0)) for before, after in widths]
    return ConstantPad.apply(input, tuple(widths), value)


def _source_index(size, before, after, mode, op):
    """For each position of the padded dim, the input position it copies."""
    if before < 0 or after < 0:
        raise ValueError(
            f"{op}: negative padding is supported in 'constant' mode only, got ({before}, {after}) with {mode!r}"
        )
    limit = size - 1 if mode == "reflect" else size  # reflect does not repeat the edge value
    if mode != "replicate" and max(before, after) > limit:
        rule = "less than" if mode == "reflect" else "at most"
        raise ValueError(f"{op}: {mode} padding ({before}, {after}) must be {rule} the dim's size {size}")
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        return np.abs(size - 1 - np.abs(positions - (size - 1)))  # mirror at 0 and at size - 1
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    return positions % size  # circular
