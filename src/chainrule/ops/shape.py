"""Shape ops: they move or repeat values without changing them, so each backward moves the
gradient back the opposite way (reshape <-> reshape, permute <-> inverse permute,
broadcast_to <-> sum_to, cat <-> slicing)."""
import numbers

import numpy as np

from ..args import normalize_dim, shape_arg  # noqa: F401  (ops import them from here)
from ..autograd.arrays import sum_to as sum_to_array
from ..autograd.function import Op, namespace
from ..tensor import Tensor
from .elementwise import CATEGORY, cast, check_tensor


class Reshape(Op):

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def backward(ctx, gy):
        return gy.reshape(ctx.shape), None


class Permute(Op):
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    def backward(ctx, gy):
        return namespace(gy).permute(gy, tuple(np.argsort(ctx.axes))), None


class BroadcastTo(Op):
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(ctx, gy):
        return namespace(gy).sum_to(gy, ctx.shape), None


class SumTo(Op):
    """Sum x down to `shape`: the adjoint of broadcasting, used by the engine on every gradient."""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return sum_to_array(x, shape)

    def backward(ctx, gy):
        return namespace(gy).broadcast_to(gy, ctx.shape), None


class Cat(Op):
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return np.concatenate(xs, axis=axis)

    def backward(ctx, gy):
        grads, start = [None], 0
        for size, need in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            piece = (slice(None),) * ctx.axis + (slice(start, start + size),)
            grads.append(gy[piece] if need else None)
            start += size
        return tuple(grads)


# ---- the functions users call -------------------------------------------------------------------
def as_view(out, base):
    """out shares base's version counter when it shares base's memory: a view, as in PyTorch, so an
    in-place change through either is seen by backward."""
    if out is not base and np.may_share_memory(out._data, base._data):
        out._versions = base._shared_versions()
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
