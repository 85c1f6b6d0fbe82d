"""conv1d and conv2d on NumPy: im2col, then a matmul, over blocks of whole images.

Forward. Every receptive field of the zero-padded input is copied into a column of `cols`
(rows: the C * kh * kw values of one field, columns: the output positions), and
    y = weight as (O, C*kh*kw) @ cols
gives the outputs. Backward, for the output gradient gy:
    grad weight = gy as (O, positions) @ cols.T     (made as its transpose, cols @ gy.T: faster)
    grad input  = col2im(weight.T @ gy)             (a transposed convolution: each column of
                                                    weight.T @ gy is added back onto its field)
    grad bias   = gy summed over N and the positions
With groups, C and O split into G blocks and each matmul is batched over a leading G dim.

Blocks. The GEMMs are tiled over their columns: a block of a few whole images (BLOCK_BYTES of
cols, about 2 MB) at a time, with each block's cols, gy and results in buffers reused by every
block. These stay in cache, and no big working array is made: the fresh pages of one would cost
more to fault in than the copies themselves. Backward recomputes each block's cols from x rather
than keep them all; one loop makes both gradients, so each block's gy columns are copied once.

The grid. Padded images live channel-first, as (C, n, Hp, Wp). A strided convolution has one
column per output position (n, Ho, Wo). At stride 1 the columns cover the whole padded grid
(n, Hp, Wp) instead: the extra positions are garbage, dropped in forward and given a zero
gradient in backward. In exchange the taps of one channel are one long contiguous run of the
buffer, so the copies of im2col and the adds of col2im move whole slabs, not rows of Wo values:
about 2x faster for 28x28 images, for about 15% more matmul work. col2im goes tap by tap over
rows in (i, j, c) order, so that each add is a single run over all the channels.

conv1d is conv2d on a height-1 view of its arrays. The three ops (the convolution, its input
gradient and its weight gradient) are each other's backward, so any order of derivative works.

conv_transpose2d / conv_transpose1d ARE the input-gradient op: a transposed convolution of x with
weight (C_in, C_out / G, kh, kw) is the gradient of conv2d(output, weight) with respect to its input
`output`, taken at gy = x. So their forward is col2im(weight.T @ x), their input's gradient a conv2d
and their weight's gradient a correlation, all from the machinery above.

Other libraries' arrays (CuPy, array-api-strict) take _forward_standard / _backward_standard: the same
im2col and matmuls in the standard's functions, with each kernel tap's values one strided slice of the
padded input (xp.stack of kh * kw slices), and col2im as kh * kw strided-slice adds: exact, with no index
arrays, and no loop but the one over the taps (see _taps_standard).
"""
import numbers
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Op, namespace
from ..autograd.grad_mode import is_grad_enabled
from ..device import library_of, numpy_dtype
from ..tensor import Tensor
from .linear import check_layer_dtypes
from .reduce import sum as tensor_sum
from .pad import pad
from .shape import broadcast_to, reshape, squeeze, unsqueeze


class Geometry(NamedTuple):
    """How the kernel moves over the input, per spatial dim (height, width)."""

    stride: tuple
    padding: tuple  # ((top, bottom), (left, right))
    dilation: tuple
    groups: int


class _Plan:
    """Sizes of one convolution: input (N, C, H, W), weight (O, C/G, kh, kw), output (N, O, Ho, Wo)."""

    def __init__(self, x_shape, w_shape, geo, dtype):
        self.n, self.c, self.h, self.w = x_shape
        self.o, _, self.kh, self.kw = w_shape
        self.geo, self.dtype = geo, (np.dtype(dtype) if isinstance(dtype, type) else numpy_dtype(dtype))
        (self.top, bottom), (self.left, right) = geo.padding
        self.hp, self.wp = self.h + self.top + bottom, self.w + self.left + right
        (self.sh, self.sw), (self.dh, self.dw) = geo.stride, geo.dilation
        self.ho = (self.hp - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.wo = (self.wp - self.dw * (self.kw - 1) - 1) // self.sw + 1
        whole_grid = geo.stride == (1, 1)
        self.hg, self.wg = (self.hp, self.wp) if whole_grid else (self.ho, self.wo)  # column positions
        # how far past the buffer's end the last taps of the whole grid read
        self.tail = self.dh * (self.kh - 1) * self.wp + self.dw * (self.kw - 1) if whole_grid else 0
        self.rows = self.c * self.kh * self.kw  # rows of cols, over all groups
        column_bytes = self.rows * self.hg * self.wg * self.dtype.itemsize  # one image's columns
        self.block = max(1, min(self.n, BLOCK_BYTES // max(column_bytes, 1)))  # images per block

    def blocks(self):
        """(first, end) image ranges of the blocks."""
        return [(n0, min(n0 + self.block, self.n)) for n0 in range(0, self.n, self.block)]

    def interior(self, padded):
        """The unpadded images (C, n, H, W) inside a padded (C, n, Hp, Wp) buffer."""
        return padded[:, :, self.top:self.top + self.h, self.left:self.left + self.w]

    def taps(self, padded):
        """(G, C/G, kh, kw, n, Hg, Wg) view: the value each kernel tap meets at each column position."""
        sc, sn, sy, sx = padded.strides
        groups = self.geo.groups
        shape = (groups, self.c // groups, self.kh, self.kw, padded.shape[1], self.hg, self.wg)
        strides = (sc * (self.c // groups), sc, sy * self.dh, sx * self.dw, sn, sy * self.sh, sx * self.sw)
        return as_strided(padded, shape, strides)


BLOCK_BYTES = 2**21  # the size of one block of cols: small enough to stay in cache and to be reused by malloc


class _Scratch:
    """The working arrays of one call, made once per shape and reused by every block (the last block
    may be smaller: one more set). Only valid positions are ever written into the `zeros` ones, so
    their padding and garbage positions stay zero from block to block."""

    def __init__(self, plan):
        self.plan, self.arrays = plan, {}

    def empty(self, name, shape):
        return self._get(name, shape, np.empty)

    def zeros(self, name, shape):
        return self._get(name, shape, np.zeros)

    def padded(self, name, images):
        """Zeros of shape (C, images, Hp, Wp), with `tail` more zeros behind them: (that buffer, its
        interior, its taps), the views made once too."""
        key = (name, images)
        if key not in self.arrays:
            plan = self.plan
            size = plan.c * images * plan.hp * plan.wp
            padded = np.zeros(size + plan.tail, plan.dtype)[:size].reshape(plan.c, images, plan.hp, plan.wp)
            self.arrays[key] = padded, plan.interior(padded), plan.taps(padded)
        return self.arrays[key]

    def _get(self, name, shape, make):
        key = (name, shape)
        if key not in self.arrays:
            self.arrays[key] = make(shape, self.plan.dtype)
        return self.arrays[key]


# ---- array kernels: a loop over blocks of whole images, one matmul per block and result ----------
def _cols(x, n0, n1, scratch):
    """The im2col of images n0:n1 of x: (G, C/G * kh * kw, positions), row (c, i, j) holding tap (i, j)
    of channel c of the group. The images are first copied into a zero-padded (C, n, Hp, Wp) buffer."""
    plan = scratch.plan
    _, interior, taps = scratch.padded("x", n1 - n0)
    interior[...] = x[n0:n1].transpose(1, 0, 2, 3)
    cols = scratch.empty("cols", taps.shape)
    np.copyto(cols, taps)
    return cols.reshape(plan.geo.groups, plan.rows // plan.geo.groups, -1)  # a view


def _col2im(gcols, n0, n1, scratch, grad_input):
    """The adjoint of _cols for gcols with rows in (i, j, c) order (see _grouped): add each column back
    onto the positions it came from, in a padded buffer whose interior is the gradient of images n0:n1."""
    plan = scratch.plan
    padded, interior, taps = scratch.padded("gx", n1 - n0)
    padded.fill(0)
    groups = plan.geo.groups
    gcols = gcols.reshape(groups, plan.kh, plan.kw, plan.c // groups, n1 - n0, plan.hg, plan.wg)
    for i in range(plan.kh):  # a loop over the kernel taps only: at stride 1 each add is one run per group
        for j in range(plan.kw):
            tap = taps[:, :, i, j]
            tap += gcols[:, i, j]
    grad_input[n0:n1] = interior.transpose(1, 0, 2, 3)


def _gy_columns(gy, n0, n1, scratch):
    """gy of images n0:n1 as (G, O/G, positions), zero at the garbage positions of the whole grid."""
    plan = scratch.plan
    columns = scratch.zeros("gy", (plan.o, n1 - n0, plan.hg, plan.wg))
    columns[:, :, :plan.ho, :plan.wo] = gy[n0:n1].transpose(1, 0, 2, 3)
    return columns.reshape(plan.geo.groups, plan.o // plan.geo.groups, -1)


def _grouped(weight, groups, taps_first=False):
    """weight (O, C/G, kh, kw) as (G, O/G, C/G * kh * kw), columns in (c, i, j) order like the rows of
    cols, or in (i, j, c) order: then the rows of weight.T @ gy hold one tap of all channels in a run."""
    o, group_channels, kh, kw = weight.shape
    weight = weight.reshape(groups, o // groups, group_channels, kh, kw)
    return (weight.transpose(0, 1, 3, 4, 2) if taps_first else weight).reshape(groups, o // groups, -1)


def _forward(x, weight, bias, plan):
    if type(x) is not np.ndarray:
        return _forward_standard(x, weight, bias, plan)
    out = np.empty((plan.n, plan.o, plan.ho, plan.wo), plan.dtype)
    weight, scratch = _grouped(weight, plan.geo.groups), _Scratch(plan)
    for n0, n1 in plan.blocks():
        cols = _cols(x, n0, n1, scratch)
        y = np.matmul(weight, cols, out=scratch.empty("y", (*weight.shape[:2], cols.shape[2])))
        y = y.reshape(plan.o, n1 - n0, plan.hg, plan.wg)
        if bias is not None:
            y += bias.reshape(-1, 1, 1, 1)  # on the cached block: long runs, unlike the copy below
        out[n0:n1] = y[:, :, :plan.ho, :plan.wo].transpose(1, 0, 2, 3)
    return out


def _backward(gy, x, weight, plan, want_input, want_weight):
    """(grad input or None, grad weight or None) in one loop over the blocks, where each block's gy
    columns serve both. x is needed for the weight's gradient only, weight for the input's only."""
    if type(gy) is not np.ndarray:
        return _backward_standard(gy, x, weight, plan, want_input, want_weight)
    groups, scratch = plan.geo.groups, _Scratch(plan)
    if want_weight:  # made transposed, (G, C/G * kh * kw, O/G): the faster matmul here
        grad_weight_t = np.zeros((groups, plan.rows // groups, plan.o // groups), plan.dtype)
    if want_input:
        grad_input = np.empty((plan.n, plan.c, plan.h, plan.w), plan.dtype)
        weight_t = _grouped(weight, groups, taps_first=True).transpose(0, 2, 1)
    for n0, n1 in plan.blocks():
        gy_cols = _gy_columns(gy, n0, n1, scratch)
        if want_weight:
            cols = _cols(x, n0, n1, scratch)
            block_grad = scratch.empty("gw", grad_weight_t.shape)
            grad_weight_t += np.matmul(cols, gy_cols.transpose(0, 2, 1), out=block_grad)
        if want_input:
            gcols = scratch.empty("gcols", (groups, weight_t.shape[1], gy_cols.shape[2]))
            _col2im(np.matmul(weight_t, gy_cols, out=gcols), n0, n1, scratch, grad_input)
    return (grad_input if want_input else None,
            np.ascontiguousarray(grad_weight_t.transpose(0, 2, 1)) if want_weight else None)


# ---- the same kernels with the standard's functions, for other libraries' arrays ----------------------
def _tap_slices(plan, i, j):
    """Where kernel tap (i, j) meets the padded input at each output position: one strided slice per dim."""
    rows = slice(i * plan.dh, i * plan.dh + plan.sh * (plan.ho - 1) + 1, plan.sh)
    cols = slice(j * plan.dw, j * plan.dw + plan.sw * (plan.wo - 1) + 1, plan.sw)
    return (slice(None), slice(None), rows, cols)


def _taps_standard(x, plan):
    """im2col: (N, G, C/G * kh * kw, Ho * Wo), row (c, i, j) of a group holding tap (i, j) of channel c."""
    xp = library_of(x)
    padded = xp.zeros((plan.n, plan.c, plan.hp, plan.wp), dtype=x.dtype)
    padded[:, :, plan.top:plan.top + plan.h, plan.left:plan.left + plan.w] = x
    taps = xp.stack([padded[_tap_slices(plan, i, j)] for i in range(plan.kh) for j in range(plan.kw)], axis=2)
    return xp.reshape(taps, (plan.n, plan.geo.groups, plan.rows // plan.geo.groups, plan.ho * plan.wo))


def _forward_standard(x, weight, bias, plan):
    xp = library_of(x)
    weight = xp.reshape(weight, (plan.geo.groups, plan.o // plan.geo.groups, -1))
    y = xp.reshape(xp.matmul(weight, _taps_standard(x, plan)), (plan.n, plan.o, plan.ho, plan.wo))
    return y if bias is None else y + xp.reshape(bias, (-1, 1, 1))


def _backward_standard(gy, x, weight, plan, want_input, want_weight):
    """_backward's results from _taps_standard's columns; col2im adds each tap's gradient back with one
    strided-slice add (the taps of a position overlap, so they go one at a time: kh * kw adds)."""
    xp, groups = library_of(gy), plan.geo.groups
    gy_cols = xp.reshape(gy, (plan.n, groups, plan.o // groups, plan.ho * plan.wo))
    grad_input = grad_weight = None
    if want_weight:
        cols = _taps_standard(x, plan)
        grad_weight = xp.sum(xp.matmul(gy_cols, xp.permute_dims(cols, (0, 1, 3, 2))), axis=0)
        grad_weight = xp.reshape(grad_weight, (plan.o, plan.c // groups, plan.kh, plan.kw))
    if want_input:
        weight_t = xp.permute_dims(xp.reshape(weight, (groups, plan.o // groups, -1)), (0, 2, 1))
        gcols = xp.reshape(xp.matmul(weight_t, gy_cols), (plan.n, plan.c, plan.kh * plan.kw, plan.ho, plan.wo))
        padded = xp.zeros((plan.n, plan.c, plan.hp, plan.wp), dtype=gy.dtype)
        for i in range(plan.kh):
            for j in range(plan.kw):
                where = _tap_slices(plan, i, j)
                padded[where] = padded[where] + gcols[:, :, i * plan.kw + j, ...]
        grad_input = padded[:, :, plan.top:plan.top + plan.h, plan.left:plan.left + plan.w]
    return grad_input, grad_weight


# 1-d convolutions run as 2-d ones over a height-1 view of every array
def _as_4d(a):
    return a[:, :, None, :] if a.ndim == 3 else a


def _as_4d_shape(shape):
    return (shape[0], shape[1], 1, shape[2]) if len(shape) == 3 else shape


def _like(a, ndim):
    return a[:, :, 0, :] if ndim == 3 else a


# ---- the ops: each one's backward is made of the other two -----------------------------------------
class Convolution(Op):
    def forward(ctx, x, weight, bias, geo):
        plan = _Plan(_as_4d_shape(x.shape), _as_4d_shape(weight.shape), geo, x.dtype)
        ctx.geo = geo
        ctx.save_for_backward(x, weight)
        return _like(_forward(_as_4d(x), _as_4d(weight), bias, plan), x.ndim)

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        if need_x and need_weight and not is_grad_enabled():  # on arrays: one loop over the blocks makes both
            plan = _Plan(_as_4d_shape(x.shape), _as_4d_shape(weight.shape), ctx.geo, x.dtype)
            gx, gw = _backward(_as_4d(gy), _as_4d(x), _as_4d(weight), plan, True, True)
            gx, gw = _like(gx, x.ndim), namespace(gy).reshape(gw, weight.shape)
        else:
            gx = ConvolutionInputGrad.apply(gy, weight, x.shape, ctx.geo) if need_x else None
            gw = ConvolutionWeightGrad.apply(x, gy, weight.shape, ctx.geo) if need_weight else None
        gb = namespace(gy).sum(gy, (0, *range(2, gy.ndim))) if need_bias else None
        return gx, gw, gb, None


class ConvolutionInputGrad(Op):
    """The gradient of a convolution with respect to its input: a transposed convolution of gy."""

    def forward(ctx, gy, weight, x_shape, geo):
        ctx.geo = geo
        ctx.save_for_backward(gy, weight)
        plan = _Plan(_as_4d_shape(x_shape), _as_4d_shape(weight.shape), geo, gy.dtype)
        grad_input, _ = _backward(_as_4d(gy), None, _as_4d(weight), plan, True, False)
        return _like(grad_input, len(x_shape))

    def backward(ctx, ggx):
        gy, weight = ctx.saved_tensors
        need_gy, need_weight = ctx.needs_input_grad[:2]
        g_gy = Convolution.apply(ggx, weight, None, ctx.geo) if need_gy else None
        g_weight = ConvolutionWeightGrad.apply(ggx, gy, weight.shape, ctx.geo) if need_weight else None
        return g_gy, g_weight, None, None


class ConvolutionWeightGrad(Op):
    """The gradient of a convolution with respect to its weight."""

    def forward(ctx, x, gy, w_shape, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, gy)
        plan = _Plan(_as_4d_shape(x.shape), _as_4d_shape(w_shape), geo, x.dtype)
        _, grad_weight = _backward(_as_4d(gy), _as_4d(x), None, plan, False, True)
        return namespace(grad_weight).reshape(grad_weight, w_shape)

    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        need_x, need_gy = ctx.needs_input_grad[:2]
        g_x = ConvolutionInputGrad.apply(gy, ggw, x.shape, ctx.geo) if need_x else None
        g_gy = Convolution.apply(x, ggw, None, ctx.geo) if need_gy else None
        return g_x, g_gy, None, None


for _op in (Convolution, ConvolutionInputGrad, ConvolutionWeightGrad):
    _op.array_api = True  # NumPy arrays take the blocked kernels above, others _forward/_backward_standard


# ---- the functions users call --------------------------------------------------------------------
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as in PyTorch) of input (N, C, H, W) or (C, H, W) with
    weight (O, C / groups, kh, kw). padding: int, (ph, pw), 'valid' (none) or 'same' (stride 1 only)."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of input (N, C, L) or (C, L) with weight (O, C / groups, k)."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _convolution(op, dims, input, weight, bias, stride, padding, dilation, groups):
    _check_tensors(op, dims, input, weight, bias)
    unbatched = input.ndim == dims + 1
    given_shape = tuple(input.shape)
    if unbatched:
        input = unsqueeze(input, 0)
    _check_groups(op, input, weight, groups)
    if 0 in input.shape[2:] and input.shape[0] and input.shape[1]:  # as PyTorch: only an empty batch may be empty
        raise ValueError(f"{op}: only zero-batch or zero-channel inputs may have a 0 spatial size, got input of shape "
                         f"{given_shape}")
    kernel = weight.shape[2:]
    stride = ntuple(stride, dims, "stride", op)
    dilation = ntuple(dilation, dims, "dilation", op)
    pads = conv_padding(padding, kernel, stride, dilation, op)
    if dims == 1:  # run as 2-d over a height-1 view
        stride, dilation, pads = (1, *stride), (1, *dilation), ((0, 0), *pads)
    _check_output_size(op, input.shape[2:], kernel, pads[-dims:], dilation[-dims:])
    if input.shape[1] == 0:
        out = _channelless_output(input, weight, bias, kernel, stride[-dims:], pads[-dims:], dilation[-dims:])
    else:
        out = Convolution.apply(input, weight, bias, Geometry(stride, pads, dilation, groups))
    return squeeze(out, 0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-d convolution (the gradient of conv2d with respect to its input) of input (N, C_in, H, W)
    or (C_in, H, W) with weight (C_in, C_out / groups, kh, kw). Output size per spatial dim:
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1."""
    return _transposed("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-d convolution of input (N, C_in, L) or (C_in, L) with weight (C_in, C_out / groups, k)."""
    return _transposed("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def _transposed(op, dims, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_tensors(op, dims, input, weight, None, transposed=True)
    if 0 in weight.shape:  # as PyTorch
        raise ValueError(f"{op}: expected a non-empty weight, got weight of shape {tuple(weight.shape)}")
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    out_channels = weight.shape[1] * groups
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (out_channels,)):
        got = tuple(bias.shape) if isinstance(bias, Tensor) else type(bias).__name__
        raise ValueError(f"{op}: bias must have shape ({out_channels},), one per out channel "
                         f"(weight.shape[1] * groups), got {got}")
    check_layer_dtypes(op, input, weight, bias)
    unbatched = input.ndim == dims + 1
    given_shape = tuple(input.shape)
    if unbatched:
        input = unsqueeze(input, 0)
    if weight.shape[0] % groups or input.shape[1] != weight.shape[0]:
        raise ValueError(
            f"{op}: weight of shape {tuple(weight.shape)} expects input with {weight.shape[0]} channels (dim 1), "
            f"divisible by groups={groups}; got input of shape {given_shape}"
        )
    stride, dilation = ntuple(stride, dims, "stride", op), ntuple(dilation, dims, "dilation", op)
    padding, output_padding = ntuple(padding, dims, "padding", op), ntuple(output_padding, dims, "output_padding", op)
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either stride {stride} or "
                         f"dilation {dilation}, per dim")
    kernel = weight.shape[2:]
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                 for n, s, p, d, k, o in zip(input.shape[2:], stride, padding, dilation, kernel, output_padding))
    if any(n < 1 for n in size):
        raise ValueError(f"{op}: the output size {size} computed for input of shape {given_shape}, weight of shape "
                         f"{tuple(weight.shape)}, stride {stride}, padding {padding} is too small")
    # output_padding >= stride (allowed when below dilation) leaves whole rows no input reaches: the
    # convolution of the output has output_padding // stride more rows than the input, zeros here
    extra = [o // s for o, s in zip(output_padding, stride)]
    if any(extra):
        input = pad(input, [e for extra_rows in reversed(extra) for e in (0, extra_rows)])
    pads = tuple((p, p) for p in padding)
    if dims == 1:
        stride, dilation, pads = (1, *stride), (1, *dilation), ((0, 0), *pads)
    out_shape = (input.shape[0], out_channels, *size)
    out = ConvolutionInputGrad.apply(input, weight, out_shape, Geometry(stride, pads, dilation, groups))
    if bias is not None:
        out = out + reshape(bias, (out_channels,) + (1,) * dims)
    return squeeze(out, 0) if unbatched else out


def _channelless_output(input, weight, bias, kernel, stride, pads, dilation):
    """PyTorch's result for an input with 0 channels: an empty (N, 0, *output size) tensor (not the bias
    broadcast to (N, out_channels, ...)), whose gradients are zeros: empty ones for input and weight, and
    zeros of shape (out_channels,) for the bias. Made of plain ops, so the graph gives exactly those."""
    size = tuple((n + before + after - d * (k - 1) - 1) // s + 1
                 for n, k, s, (before, after), d in zip(input.shape[2:], kernel, stride, pads, dilation))
    anchor = tensor_sum(input) + tensor_sum(weight)  # sums of empty tensors: 0, and zero gradients of their shapes
    if bias is not None:
        anchor = anchor + tensor_sum(bias) * 0.0
    return broadcast_to(anchor, (input.shape[0], 0, *size))


def ntuple(value, n, name, op):
    """An int, or a sequence of n ints, as a tuple of n positive-or-zero ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(isinstance(v, numbers.Integral) for v in value):
        values = tuple(int(v) for v in value)
    else:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    low = 0 if name in ("padding", "output_padding") else 1
    if any(v < low for v in values):
        raise ValueError(f"{op}: {name} must be {'non-negative' if low == 0 else 'positive'}, got {value!r}")
    return values


def conv_padding(padding, kernel, stride, dilation, op):
    """((before, after), ...) per spatial dim, for an int, a tuple, 'valid' or 'same'.

    'same' pads d * (k - 1) in total per dim, the odd one on the end side (PyTorch's rule)."""
    dims = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((total // 2, total - total // 2) for total in totals)
    return tuple((p, p) for p in ntuple(padding, dims, "padding", op))


def _check_tensors(op, dims, input, weight, bias, transposed=False):
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != dims + 2:
        channels = "in_channels, out_channels / groups" if transposed else "out_channels, in_channels / groups"
        raise ValueError(
            f"{op}: weight must be {dims + 2}-D ({channels}, {'kh, kw' if dims == 2 else 'k'}), "
            f"got shape {tuple(weight.shape)}"
        )
    if input.ndim not in (dims + 1, dims + 2):
        layout = "(N, C, H, W) or (C, H, W)" if dims == 2 else "(N, C, L) or (C, L)"
        raise ValueError(
            f"{op}: expected {dims + 1}-D (unbatched) or {dims + 2}-D (batched) input {layout}, "
            f"got input of shape {tuple(input.shape)}"
        )
    if weight.shape[0] == 0:  # PyTorch's rule, for transposed convolutions too (there dim 0 is in channels)
        raise ValueError(
            f"{op}: weight of shape {tuple(weight.shape)} has no {'in' if transposed else 'out'} channels; "
            "expected at least 1 at dim 0"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"{op}: bias must have shape ({weight.shape[0]},), one per out channel, got {tuple(bias.shape)}")
    check_layer_dtypes(op, input, weight, bias)


def _check_groups(op, input, weight, groups):
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    out_channels, group_channels = weight.shape[:2]
    if out_channels % groups:
        raise ValueError(
            f"{op}: out_channels ({out_channels}, weight shape {tuple(weight.shape)}) must be divisible by groups={groups}"
        )
    if input.shape[1] != group_channels * groups:
        raise ValueError(
            f"{op}: given groups={groups}, weight of shape {tuple(weight.shape)} expects input with "
            f"{group_channels * groups} channels (dim 1), but got input of shape {tuple(input.shape)}"
        )


def _check_output_size(op, size, kernel, pads, dilation):
    padded = tuple(n + before + after for n, (before, after) in zip(size, pads))
    dilated = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(p < k for p, k in zip(padded, dilated)):
        raise ValueError(
            f"{op}: input spatial size {tuple(size)} (padded: {padded}) is smaller than the kernel {tuple(kernel)} "
            f"(dilated: {dilated})"
        )
