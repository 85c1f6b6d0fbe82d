"""Shape ops: they move or repeat values without changing them, so each backward moves the
gradient back the opposite way (reshape <-> reshape, permute <-> inverse permute,
broadcast_to <-> sum_to, cat <-> slicing, narrow <-> padding with zeros, flip <-> flip,
roll <-> roll back, repeat_interleave <-> summing each run)."""
import numbers

import numpy as np

from ..args import normalize_dim, shape_arg  # noqa: F401  (ops import them from here)
from ..autograd.function import Op, namespace
from ..device import constant, library_of, shares_memory, to_host
from ..errors import OutOfRangeError
from ..tensor import Tensor, _wrap
from .elementwise import CATEGORY, cast, check_tensor, clone


class Reshape(Op):

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return namespace(x).reshape(x, shape)

    def backward(ctx, gy):
        return namespace(gy).reshape(gy, ctx.shape), None


class Permute(Op):
    def forward(ctx, x, axes):
        ctx.axes = axes
        return namespace(x).permute(x, axes)

    def backward(ctx, gy):
        return namespace(gy).permute(gy, tuple(np.argsort(ctx.axes))), None


class BroadcastTo(Op):
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return namespace(x).broadcast_to(x, shape)

    def backward(ctx, gy):
        return namespace(gy).sum_to(gy, ctx.shape), None


class SumTo(Op):
    """Sum x down to `shape`: the adjoint of broadcasting, used by the engine on every gradient."""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return namespace(x).sum_to(x, shape)

    def backward(ctx, gy):
        return namespace(gy).broadcast_to(gy, ctx.shape), None


class Cat(Op):
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return namespace(xs[0]).concat(xs, axis=axis)

    def backward(ctx, gy):
        grads, start = [None], 0
        for size, need in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            piece = (slice(None),) * ctx.axis + (slice(start, start + size), ...)  # ...: the standard wants it
            grads.append(gy[piece] if need else None)
            start += size
        return tuple(grads)


# ---- the functions users call -------------------------------------------------------------------
def as_view(out, base):
    """out is a view of base when it shares base's memory, as in PyTorch: it shares base's version counter,
    so an in-place change through either is seen by backward, and it knows its base (the first tensor of
    a chain of views), so an in-place change through it is recorded on the base."""
    if out is not base and shares_memory(out._data, base._data):
        out._versions = base._shared_versions()
        out._base = root = base if base._base is None else base._base
        out._base_grad_fn = root.grad_fn
    return out


def reshape(x, shape):
    check_tensor(x, "reshape")
    shape = shape_arg((shape,), "reshape") if not isinstance(shape, numbers.Integral) else (int(shape),)
    if shape == x.shape and not x.requires_grad:
        return x
    return as_view(Reshape.apply(x, shape), x)


def permute(x, dims):
    check_tensor(x, "permute")
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in shape_arg((dims,), "permute"))
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the {x.ndim} dims of shape {tuple(x.shape)}")
    return as_view(Permute.apply(x, axes), x)


def transpose(x, dim0, dim1):
    check_tensor(x, "transpose")
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    axes = list(range(x.ndim))
    a, b = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    axes[a], axes[b] = axes[b], axes[a]
    return as_view(Permute.apply(x, tuple(axes)), x)


def broadcast_to(x, shape, op="broadcast_to"):
    check_tensor(x, op)
    shape = shape_arg((shape,), op)
    if x.shape == shape:
        return x
    fits = len(shape) >= x.ndim and all(n in (1, s) for n, s in zip(x.shape[::-1], shape[::-1]))
    if not fits or any(s < 0 for s in shape):
        raise ValueError(
            f"{op}: the shape {tuple(x.shape)} can't be expanded to {shape} (only dims of size 1 expand; "
            "new dims go in front)"
        )
    return as_view(BroadcastTo.apply(x, shape), x)


def expand(x, sizes):
    check_tensor(x, "expand")
    sizes = shape_arg((sizes,), "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: the number of sizes ({len(sizes)}) must be at least the number of dims ({x.ndim})")
    if -1 in sizes[:lead]:
        raise ValueError(f"expand: -1 is not allowed in a new leading dim (sizes {sizes} for shape {tuple(x.shape)})")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape, "expand")


def sum_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if len(shape) > x.ndim or np.broadcast_shapes(shape, x.shape) != x.shape:
        raise ValueError(f"sum_to: a tensor of shape {tuple(x.shape)} can't be summed to shape {shape}")
    return SumTo.apply(x, shape)


def squeeze(x, dim=None):
    check_tensor(x, "squeeze")
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    dims = {normalize_dim(d, x.ndim, "squeeze") for d in dims}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def unsqueeze(x, dim):
    check_tensor(x, "unsqueeze")
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def flatten(x, start_dim=0, end_dim=-1):
    check_tensor(x, "flatten")
    if x.ndim == 0:
        return reshape(x, (1,))
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    size = int(np.prod(x.shape[start : end + 1]))
    return reshape(x, x.shape[:start] + (size,) + x.shape[end + 1 :])


def cat(tensors, dim=0):
    tensors = _tensor_list(tensors, "cat")
    axis = normalize_dim(dim, tensors[0].ndim, "cat")
    first = tensors[0].shape
    for t in tensors[1:]:
        if t.ndim != len(first) or any(a != b for i, (a, b) in enumerate(zip(t.shape, first)) if i != axis):
            raise ValueError(f"cat: shapes {tuple(first)} and {tuple(t.shape)} differ outside dim {dim}")
    if len({t.dtype for t in tensors}) > 1:  # PyTorch's promotion: the highest category, then the widest
        top = max(CATEGORY[t.dtype.kind] for t in tensors)
        dtype = np.result_type(*[t.dtype for t in tensors if CATEGORY[t.dtype.kind] == top])
        tensors = [cast(t, dtype) for t in tensors]
    return Cat.apply(axis, *tensors)


def stack(tensors, dim=0):
    tensors = _tensor_list(tensors, "stack")
    if len({t.shape for t in tensors}) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[tuple(t.shape) for t in tensors]}")
    dim = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected tensors, got {type(t).__name__}")
    return list(tensors)


# ---- pieces, triangles, flips, rolls and repeats ------------------------------------------------------
class Narrow(Op):
    """x[start:stop] along one axis (a view); the gradient goes back into the slice of a zero tensor."""

    def forward(ctx, x, axis, start, stop):
        ctx.shape, ctx.key = x.shape, (slice(None),) * axis + (slice(start, stop), ...)  # ...: the standard wants it
        return x[ctx.key]

    def backward(ctx, gy):
        return Unslice.apply(gy, ctx.key, ctx.shape), None, None, None


class Unslice(Op):
    """zeros(shape) with g written into [key]: Narrow's adjoint (and Narrow is its own)."""

    def forward(ctx, g, key, shape):
        ctx.key = key
        out = library_of(g).zeros(shape, dtype=g.dtype)
        out[key] = g
        return out

    def backward(ctx, ggx):
        return ggx[ctx.key], None, None


class Triangle(Op):
    """tril/triu: the values on one side of a diagonal kept, the others zeroed (their gradient too)."""

    def forward(ctx, x, keep):
        xp, lib = namespace(x), library_of(x)
        ctx.keep = keep = constant(keep, None, x)  # made with NumPy: to x's device
        return xp.where(keep, x, lib.zeros((), dtype=x.dtype))

    def backward(ctx, gy):
        return namespace(gy).where(ctx.keep, gy, 0.0), None  # a where: ops.where takes any library's mask


class Flip(Op):
    def forward(ctx, x, axes):
        ctx.axes = axes
        return namespace(x).clone(library_of(x).flip(x, axis=axes))  # a copy, as in PyTorch

    def backward(ctx, gy):
        return Flip.apply(gy, ctx.axes), None


class Roll(Op):
    def forward(ctx, x, shifts, axes):
        ctx.back, ctx.axes = (tuple(-s for s in shifts) if type(shifts) is tuple else -shifts), axes
        return library_of(x).roll(x, shift=shifts, axis=axes)

    def backward(ctx, gy):
        return Roll.apply(gy, ctx.back, ctx.axes), None, None  # rolled back the other way


class RepeatInterleave(Op):
    """Element i along `axis` repeated counts[i] times (counts: a NumPy array, or an int for all); the gradient
    sums each run back (SegmentSum)."""

    def forward(ctx, x, axis, counts):
        ctx.axis, ctx.counts, ctx.size = axis, counts, x.shape[axis]
        if type(x) is np.ndarray:
            return np.repeat(x, counts, axis=axis)
        return library_of(x).repeat(x, counts if type(counts) is int else constant(counts, None, x), axis=axis)

    def backward(ctx, gy):
        return SegmentSum.apply(gy, ctx.axis, ctx.counts, ctx.size), None, None


class SegmentSum(Op):
    """out[..., i, ...] = the sum of g's run i along axis (counts[i] values): RepeatInterleave's adjoint."""

    def forward(ctx, g, axis, counts, size):
        ctx.axis, ctx.counts = axis, counts
        xp = library_of(g)
        if type(counts) is int:  # runs of one length: a reshape and a sum
            return xp.sum(xp.reshape(g, g.shape[:axis] + (size, counts) + g.shape[axis + 1:]), axis=axis + 1)
        if xp is np:
            out = np.zeros(g.shape[:axis] + (size,) + g.shape[axis + 1:], dtype=g.dtype)
            np.add.at(out, (slice(None),) * axis + (np.repeat(np.arange(size), counts),), g)
            return out
        # the standard has no add.at: differences of the running sum at the runs' ends (rounds a little more)
        running = xp.cumulative_sum(g, axis=axis, include_initial=True)
        ends = np.cumsum(counts)
        at = lambda positions: xp.take(running, constant(positions, np.int64, g), axis=axis)  # noqa: E731
        return at(ends) - at(ends - counts)

    def backward(ctx, ggx):
        return RepeatInterleave.apply(ggx, ctx.axis, ctx.counts), None, None, None


def narrow(input, dim, start, length):
    check_tensor(input, "narrow")
    if input.ndim == 0:
        raise ValueError("narrow: the input must have at least 1 dimension, got a 0-d tensor")
    axis = normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[axis]
    start, length = _int_arg(start, "narrow", "start"), _int_arg(length, "narrow", "length")
    if not -size <= start <= size:
        raise OutOfRangeError(f"narrow: start {start} is out of range for dim {dim} of size {size} (expected [-{size}, {size}])")
    start %= size if size else 1
    if length < 0 or start + length > size:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds dim {dim} of size {size} (shape {tuple(input.shape)})")
    return as_view(Narrow.apply(input, axis, start, start + length), input)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of `split_size` along dim (the last may be smaller), or of the sizes listed: views."""
    check_tensor(tensor, "split")
    if tensor.ndim == 0:
        raise ValueError("split: the input must have at least 1 dimension, got a 0-d tensor")
    axis = normalize_dim(dim, tensor.ndim, "split")
    size = tensor.shape[axis]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_int_arg(s, "split", "split_sizes") for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != size:
            raise ValueError(f"split: split_sizes {sizes} must be non-negative and sum to {size}, the size of dim {dim} "
                             f"(shape {tuple(tensor.shape)})")
    else:
        step = _int_arg(split_size_or_sections, "split", "split_size")
        if step < 0 or (step == 0 and size):
            raise ValueError(f"split: split_size must be positive (0 only for an empty dim), got {step} for dim {dim} of size {size}")
        sizes = [min(step, size - start) for start in range(0, size, step)] if size else [0]
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(as_view(Narrow.apply(tensor, axis, int(a), int(a) + n), tensor) for a, n in zip(starts, sizes))


def chunk(input, chunks, dim=0):
    """At most `chunks` pieces of equal size (the last may be smaller), as torch.chunk."""
    check_tensor(input, "chunk")
    chunks = _int_arg(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be greater than 0, got {chunks}")
    if input.ndim == 0:
        raise ValueError("chunk: the input must have at least 1 dimension, got a 0-d tensor")
    size = input.shape[normalize_dim(dim, input.ndim, "chunk")]
    if size == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-size // chunks), dim)


def tril(input, diagonal=0):
    return _triangle(input, diagonal, "tril")


def triu(input, diagonal=0):
    return _triangle(input, diagonal, "triu")


def _triangle(x, diagonal, op):
    check_tensor(x, op)
    if x.ndim < 2:
        raise ValueError(f"{op}: the input must have at least 2 dimensions, got shape {tuple(x.shape)}")
    diagonal = _int_arg(diagonal, op, "diagonal")
    rows, cols = x.shape[-2:]
    below = np.tri(rows, cols, diagonal, dtype=bool)  # on or below the diagonal
    keep = below if op == "tril" else ~np.tri(rows, cols, diagonal - 1, dtype=bool)
    return Triangle.apply(x, keep)


def flip(input, dims):
    check_tensor(input, "flip")
    dims = shape_arg((dims,), "flip")
    axes = tuple(normalize_dim(d, input.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"flip: dims {dims} name a dim more than once (shape {tuple(input.shape)})")
    return Flip.apply(input, axes)


def roll(input, shifts, dims=None):
    check_tensor(input, "roll")
    many = isinstance(shifts, (tuple, list))
    shifts = tuple(_int_arg(s, "roll", "shifts") for s in shifts) if many else _int_arg(shifts, "roll", "shifts")
    if dims is None:
        if many and len(shifts) != 1:
            raise ValueError(f"roll: shifts and dims must align: {len(shifts)} shifts need as many dims, got dims=None")
        return Roll.apply(input, shifts[0] if many else shifts, None)
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    axes = tuple(normalize_dim(d, input.ndim, "roll") for d in dims)
    shifts = shifts if many else (shifts,)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shifts and dims must align: {len(shifts)} shifts, {len(axes)} dims")
    return Roll.apply(input, shifts, axes)


def repeat(input, *sizes):
    """x.repeat(2, 1, 3): the whole tensor tiled along each dim (new leading dims for extra sizes)."""
    check_tensor(input, "repeat")
    sizes = shape_arg(sizes, "repeat")
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise ValueError(f"repeat: the number of sizes ({len(sizes)}) can't be smaller than the number of dims "
                         f"({input.ndim}) of shape {tuple(input.shape)}")
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: sizes must be non-negative, got {sizes}")
    shape = (1,) * lead + tuple(input.shape)
    pairs = tuple(n for s in shape for n in (1, s))  # a size-1 dim in front of each dim, to tile along
    tiled = tuple(n for r, s in zip(sizes, shape) for n in (r, s))
    out = Reshape.apply(broadcast_to(Reshape.apply(input, pairs), tiled, "repeat"), tuple(r * s for r, s in zip(sizes, shape)))
    shares = shares_memory(out._data, input._data)
    return clone(out) if shares else out  # a copy, as in PyTorch


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated (repeats: an int, or a tensor of one count per element); dim=None flattens first.
    repeat_interleave(counts) alone gives the indices 0, 0, 1, ... (each i repeated counts[i] times)."""
    check_tensor(input, "repeat_interleave")
    if repeats is None:  # torch.repeat_interleave(repeats)
        counts = _repeat_counts(input, 0 if input.ndim == 0 else input.shape[0], 0)
        positions = constant(np.arange(counts.size, dtype=np.int64), None, input._data)
        return _wrap(library_of(positions).repeat(positions, constant(counts, None, positions), axis=0))
    if dim is None:
        input, axis = reshape(input, (-1,)), 0
    else:
        axis = normalize_dim(dim, input.ndim, "repeat_interleave")
        if input.ndim == 0:
            input = reshape(input, (1,))
    size = input.shape[axis]
    counts = _repeat_counts(repeats, size, axis)
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise ValueError(f"repeat_interleave: output_size {output_size} differs from the sum of repeats {total}")
    if isinstance(repeats, numbers.Integral) or size and (counts == counts[0]).all():
        counts = int(counts[0]) if size else 0  # one count for all: a plain repeat, and a reshape-sum back
    return RepeatInterleave.apply(input, axis, counts)


def _repeat_counts(repeats, size, dim):
    """The counts as a NumPy array. They decide the result's shape, so a tensor of counts on a GPU is read
    to the host here (a sync: PyTorch syncs too, unless output_size is given); the data stays on its device."""
    counts = to_host(repeats._data) if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu" and not isinstance(repeats, numbers.Integral):
        raise TypeError(f"repeat_interleave: repeats must be an int or an integer tensor, got {counts.dtype}")
    if counts.ndim > 1:
        raise ValueError(f"repeat_interleave: repeats must be 0-d or 1-d, got shape {counts.shape}")
    if counts.size == 1:
        counts = np.full(size, counts.reshape(()), dtype=np.int64)
    if counts.size != size:
        raise ValueError(f"repeat_interleave: repeats has {counts.size} values but the input has size {size} along dim {dim}")
    if (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    return counts.astype(np.int64)


def _int_arg(value, op, name):
    """An int from an int or a one-element integer tensor (PyTorch accepts both for start, sizes, shifts)."""
    if isinstance(value, Tensor) and value.numel() == 1 and value.dtype.kind in "iu":
        return int(value.item())
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
    return int(value)


for _op in (Reshape, Permute, BroadcastTo, SumTo, Cat, Narrow, Unslice, Triangle, Flip, Roll, RepeatInterleave,
            SegmentSum):
    _op.array_api = True  # standard functions only
