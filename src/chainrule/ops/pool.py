"""2-d pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d.

Max and average pooling loop over the kernel taps (4 for a 2x2 pool), never over pixels: for
tap (i, j), one strided view of the padded input holds the value that tap meets in EVERY window,
so each step is one NumPy operation on a whole (N, C, Ho, Wo) array.

max_pool2d keeps, per window, which tap won (the first of equal maxima, as PyTorch's CPU kernel;
NaN counts as the maximum). Its backward routes each gradient to that tap's input position; the
routing (a scatter) and its adjoint (a gather) are each other's backward, so higher derivatives work.
avg_pool2d is linear: its backward spreads gy / divisor over each window, and vice versa.

Other libraries' arrays take the same loops over the taps in the standard's functions (the *_standard
functions): a tap's values are a strided slice (a copy there, not a view), so adds back into the padded
buffer are written as slice assignments, and the running maximum is built with where.
"""
import numbers

import numpy as np

from ..autograd.function import Op
from ..device import constant, library_of, move, of, to_host
from ..tensor import Tensor, _wrap
from .conv import ntuple
from .linalg import matmul
from .shape import squeeze, unsqueeze


class Windows:
    """Where the pooling windows of an (N, C, H, W) input lie, per spatial dim (height, width)."""

    def __init__(self, shape, kernel, stride, padding, dilation, ceil_mode):
        self.shape = shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out = tuple(
            _out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation)
        )
        # the end side also covers the windows that ceil_mode lets hang over the padded input
        needed = [(o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(self.out, stride, dilation, kernel)]
        self.pads = tuple((p, max(p, need - n - p)) for p, need, n in zip(padding, needed, shape[2:]))
        self.padded_shape = shape[:2] + tuple(n + a + b for n, (a, b) in zip(shape[2:], self.pads))

    @property
    def is_padded(self):
        return self.padded_shape != self.shape

    @property
    def overlapping(self):
        """Whether an input position can fall in more than one window."""
        return any(s < d * (k - 1) + 1 for s, d, k in zip(self.stride, self.dilation, self.kernel))

    def interior(self, padded):
        (top, _), (left, _) = self.pads
        h, w = self.shape[2:]
        return padded[:, :, top:top + h, left:left + w]

    def padded(self, x, fill):
        if not self.is_padded:
            return x
        if type(x) is not np.ndarray:  # the standard's full, and a slice assignment
            (top, _), (left, _) = self.pads
            padded = library_of(x).full(self.padded_shape, fill, dtype=x.dtype)
            padded[:, :, top:top + self.shape[2], left:left + self.shape[3]] = x
            return padded
        padded = np.full(self.padded_shape, fill, x.dtype)
        self.interior(padded)[...] = x
        return padded

    def tap_keys(self):
        """For each kernel tap (i, j), in row-major order: the index of its (N, C, Ho, Wo) values."""
        (kh, kw), (sh, sw), (dh, dw), (ho, wo) = self.kernel, self.stride, self.dilation, self.out
        for i in range(kh):
            for j in range(kw):
                yield (slice(None), slice(None), slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                       slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))

    def taps(self, padded):
        """For each kernel tap (i, j), in row-major order: the (N, C, Ho, Wo) view of its values."""
        for key in self.tap_keys():
            yield padded[key]

    def spread(self, g, values_of_tap):
        """Standard functions: zeros of the padded shape with values_of_tap(index) added at each tap's
        positions (slice assignments: other libraries' slices are copies), the interior returned."""
        xp = library_of(g)
        padded = xp.zeros(self.padded_shape, dtype=g.dtype)
        for index, key in enumerate(self.tap_keys()):
            padded[key] = padded[key] + values_of_tap(index)
        return self.interior(padded)

    def first_valid_tap(self):
        """(Ho, Wo): the first tap of each window that lies on the input, not on the padding."""
        firsts = []
        for o, s, p, d in zip(self.out, self.stride, self.padding, self.dilation):
            start = np.arange(o) * s - p
            firsts.append(np.maximum(0, -(start // d)))  # ceil(-start / d) taps skip the padding
        return firsts[0][:, None] * self.kernel[1] + firsts[1][None, :]

    def flat_index(self, tap):
        """PyTorch's max-pool indices: h * W + w of each window's chosen tap in the unpadded input."""
        (kw, (sh, sw), (dh, dw), (ho, wo)) = self.kernel[1], self.stride, self.dilation, self.out
        (top, _), (left, _) = self.pads
        rows = (np.arange(ho) * sh - top)[:, None] + (tap // kw) * dh
        cols = (np.arange(wo) * sw - left) + (tap % kw) * dw
        return (rows * self.shape[3] + cols).astype(np.int64)


def _out_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's pooling output size (ceil_mode: the last window may start in the end padding only
    if it starts inside the input or the front padding)."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


# ---- max pooling ---------------------------------------------------------------------------------
class MaxPool2d(Op):
    """Outputs (values, tap): the maximum of each window and which kernel tap held it."""

    def forward(ctx, x, win):
        padded = win.padded(x, -np.inf)
        if type(x) is not np.ndarray:
            values, tap = _max_and_tap_standard(x, win, list(win.taps(padded)))
            ctx.win, ctx.tap = win, tap
            ctx.set_materialize_grads(False)
            return values, tap
        values, tap = _max_and_tap(list(win.taps(padded)))
        if win.is_padded and np.isneginf(values).any():
            # all-(-inf) windows: PyTorch points at the first tap on the input, not at the padding
            tap = np.where(np.isneginf(values), win.first_valid_tap(), tap).astype(tap.dtype)
        ctx.win, ctx.tap = win, tap
        ctx.set_materialize_grads(False)  # the tap output is an integer: it never gets a gradient
        return values, tap

    def backward(ctx, gy, _):
        return MaxPoolScatter.apply(gy, ctx.tap, ctx.win), None


def _max_and_tap(taps):
    """Running maximum over the taps, in order. Each strided tap is first copied into one reused
    contiguous buffer: NumPy's compares run several times faster on contiguous memory."""
    values = taps[0].copy()
    tap = np.zeros(values.shape, np.uint8 if len(taps) <= 256 else np.int64)
    view_copy, greater, winners = np.empty_like(values), np.empty(values.shape, bool), np.empty_like(tap)
    for index, view in enumerate(taps[1:], 1):
        np.copyto(view_copy, view)
        np.greater(view_copy, values, out=greater)  # strictly: on ties the FIRST equal tap stays
        np.maximum(view_copy, values, out=values)  # NaN propagates, as in PyTorch
        np.multiply(greater, tap.dtype.type(index), out=winners)
        np.maximum(tap, winners, out=tap)  # taps come in increasing order: the winner's index is the larger
    if np.isnan(values).any():  # PyTorch's kernel: a NaN always wins, so the last NaN is kept
        for index, view in enumerate(taps):
            tap[np.isnan(view)] = index
    return values, tap


def _max_and_tap_standard(x, win, taps):
    """_max_and_tap and the all-(-inf) rule of MaxPool2d.forward with the standard's functions: a tap wins
    where it is greater (the first of equal maxima stays) or NaN (the last NaN is kept, as PyTorch's)."""
    xp = library_of(x)
    values, tap = taps[0], xp.zeros(taps[0].shape, dtype=xp.int64)
    for index, view in enumerate(taps[1:], 1):
        wins = (view > values) | xp.isnan(view)
        values, tap = xp.where(wins, view, values), xp.where(wins, index, tap)
    if win.is_padded:
        empty = values == -np.inf
        tap = xp.where(empty, move(win.first_valid_tap().astype(np.int64), of(x)), tap)
    return values, tap


class MaxPoolScatter(Op):
    """Each window's gradient, added at the input position of the tap that won the window."""

    def forward(ctx, g, tap, win):
        ctx.tap, ctx.win = tap, win
        if type(g) is not np.ndarray:
            return win.spread(g, lambda index: library_of(g).where(tap == index, g, 0.0))
        padded = np.zeros(win.padded_shape, g.dtype)
        finite = np.isfinite(g).all()
        won = np.empty(tap.shape, bool)
        for index, view in enumerate(win.taps(padded)):
            np.equal(tap, index, out=won)
            if win.overlapping:
                view += _where_tap(won, g, finite)
            elif finite:  # every input position belongs to one window at most: writing is enough
                np.multiply(g, won, out=view)
            else:
                view[...] = np.where(won, g, 0)
        return np.ascontiguousarray(win.interior(padded))

    def backward(ctx, ggx):
        return MaxPoolGather.apply(ggx, ctx.tap, ctx.win), None, None


class MaxPoolGather(Op):
    """The adjoint of MaxPoolScatter: each window reads the value at its winning tap."""

    def forward(ctx, x, tap, win):
        ctx.tap, ctx.win = tap, win
        if type(x) is not np.ndarray:
            xp, views = library_of(x), win.taps(win.padded(x, 0.0))
            return sum(xp.where(tap == index, view, 0.0) for index, view in enumerate(views))
        out = np.zeros(tap.shape, x.dtype)
        padded = win.padded(x, 0)
        finite = np.isfinite(padded).all()
        for index, view in enumerate(win.taps(padded)):
            out += _where_tap(tap == index, view, finite)
        return out

    def backward(ctx, gy):
        return MaxPoolScatter.apply(gy, ctx.tap, ctx.win), None, None


def _where_tap(mask, values, finite):
    """values where mask, 0 elsewhere. A product is several times faster than np.where, but only
    right for finite values (inf * 0 is NaN), so np.where takes over when there are others."""
    return values * mask if finite else np.where(mask, values, 0)


# ---- average pooling -----------------------------------------------------------------------------
class AvgPool2d(Op):
    def forward(ctx, x, win, divisor):
        ctx.win, ctx.divisor = win, divisor
        if type(x) is not np.ndarray:
            return sum(win.taps(win.padded(x, 0.0))) / move(divisor, of(x))
        taps = win.taps(win.padded(x, 0))
        total = next(taps).copy()
        for view in taps:
            total += view
        return total / divisor

    def backward(ctx, gy):
        return AvgPoolSpread.apply(gy, ctx.win, ctx.divisor), None, None


class AvgPoolSpread(Op):
    """The adjoint of AvgPool2d: gy / divisor added onto every input position of its window."""

    def forward(ctx, g, win, divisor):
        ctx.win, ctx.divisor = win, divisor
        if type(g) is not np.ndarray:
            share = g / move(divisor, of(g))
            return win.spread(g, lambda index: share)
        share = g / divisor
        padded = np.zeros(win.padded_shape, g.dtype)
        for view in win.taps(padded):
            view += share
        return np.ascontiguousarray(win.interior(padded))

    def backward(ctx, ggx):
        return AvgPool2d.apply(ggx, ctx.win, ctx.divisor), None, None


def _avg_divisor(win, count_include_pad, divisor_override, dtype):
    """(Ho, Wo) divisors, PyTorch's: the window clipped to the padded input (count_include_pad) or
    to the input itself; windows hanging over the end (ceil_mode) never count the overhang."""
    if divisor_override is not None:
        return np.asarray(divisor_override, dtype)
    counts = []
    for n, o, k, s, p in zip(win.shape[2:], win.out, win.kernel, win.stride, win.padding):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)


for _op in (MaxPool2d, MaxPoolScatter, MaxPoolGather, AvgPool2d, AvgPoolSpread):
    _op.array_api = True


# ---- the functions users call --------------------------------------------------------------------
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each kernel_size window of input (N, C, H, W) or (C, H, W). stride defaults to
    kernel_size. return_indices=True also returns, per output, the flat index h * W + w of the
    maximum in its input plane (int64), as PyTorch."""
    op = "max_pool2d"
    x, unbatched = _batched(input, op, empty_channels=False)
    win = _windows(x, kernel_size, stride, padding, dilation, ceil_mode, op)
    values, tap = MaxPool2d.apply(x, win)
    if unbatched:
        values = squeeze(values, 0)
    if not return_indices:
        return values
    indices = win.flat_index(to_host(tap._data))  # made on the host, moved back to the tensors' device
    return values, _wrap(move(indices[0] if unbatched else indices, of(tap._data)))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each kernel_size window (zero padding counted when count_include_pad)."""
    op = "avg_pool2d"
    x, unbatched = _batched(input, op, empty_channels=False)
    out = _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, op)
    return squeeze(out, 0) if unbatched else out


def _avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None,
              op="avg_pool2d"):
    win = _windows(x, kernel_size, stride, padding, 1, ceil_mode, op)
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Real) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero number, got {divisor_override!r}")
    return AvgPool2d.apply(x, win, _avg_divisor(win, count_include_pad, divisor_override, x.dtype))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (Ho, Wo) (an int: square; None keeps that input size).
    Output row o averages input rows floor(o * H / Ho) to ceil((o + 1) * H / Ho), as PyTorch."""
    op = "adaptive_avg_pool2d"
    x, unbatched = _batched(input, op)
    h, w = x.shape[2:]
    sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair (Ho, Wo), got {output_size!r}")
    ho, wo = (n if s is None else s for s, n in zip(sizes, (h, w)))
    if not all(isinstance(s, numbers.Integral) and s > 0 for s in (ho, wo)):
        raise ValueError(f"{op}: output_size must hold positive ints (or None), got {output_size!r}")
    if h % ho == 0 and w % wo == 0:  # equal bins: a plain average pool
        out = _avg_pool(x, (h // ho, w // wo), op=op)
    else:  # bins of two sizes: average rows, then columns, each a matmul with a fixed averaging matrix
        rows, cols = (_wrap(constant(_bin_means(n, o, x.dtype), None, x._data)) for n, o in ((h, ho), (w, wo)))
        out = matmul(matmul(rows, x), cols.mT)
    return squeeze(out, 0) if unbatched else out


def _bin_means(size, out, dtype):
    """(out, size) matrix whose row o averages the inputs of adaptive bin o."""
    o = np.arange(out)[:, None]
    start, end = (o * size) // out, -((-(o + 1) * size) // out)
    inside = (np.arange(size) >= start) & (np.arange(size) < end)
    return (inside / (end - start)).astype(dtype)


def _batched(input, op, empty_channels=True):
    """(input as (N, C, H, W), whether it came unbatched), after the checks. As in PyTorch only the batch
    dim may be 0, and the channel dim too where empty_channels (adaptive_avg_pool2d)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got input of shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}; use x.float()")
    if 0 in input.shape[-2 if empty_channels else -3:]:
        rule = "the height and width must not be 0" if empty_channels else "only the batch dim may be 0"
        raise ValueError(f"{op}: {rule}, got input of shape {tuple(input.shape)}")
    return (unsqueeze(input, 0), True) if input.ndim == 3 else (input, False)


def _windows(x, kernel_size, stride, padding, dilation, ceil_mode, op):
    kernel = ntuple(kernel_size, 2, "kernel_size", op)
    stride = kernel if stride is None or stride == [] or stride == () else ntuple(stride, 2, "stride", op)
    padding = ntuple(padding, 2, "padding", op)
    dilation = ntuple(dilation, 2, "dilation", op)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(
            f"{op}: pad should be at most half of kernel size, but got padding={padding} and kernel_size={kernel}"
        )
    win = Windows(x.shape, kernel, stride, padding, dilation, ceil_mode)
    if min(win.out) < 1:
        raise ValueError(
            f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size={kernel}, stride={stride}, "
            f"padding={padding}, dilation={dilation}: the output would have size {win.out}"
        )
    return win
