"""Arranging tensors, as in PyTorch: movedim, swapdims, unflatten, tile, the *stack and *split families, meshgrid,
cartesian_prod, block_diag, rot90, fliplr/flipud, kron, cross, and the fused products addmm, addmv,
addbmm, baddbmm. All are compositions of recorded ops, so their gradients follow."""
import math
import numbers

import numpy as np

from ..args import normalize_dim, shape_arg
from ..device import constant
from ..tensor import Tensor, _wrap
from .elementwise import check_tensor, mul, where
from .index import getitem
from .linalg import bmm, matmul
from .shape import cat, expand, flip, permute, reshape, stack, transpose
from .reduce import sum


def movedim(input, source, destination):
    """The dims `source` (an int or a sequence) moved to `destination`, the others keeping their order."""
    check_tensor(input, "movedim")
    sources = [source] if isinstance(source, numbers.Integral) else list(source)
    targets = [destination] if isinstance(destination, numbers.Integral) else list(destination)
    if len(sources) != len(targets):
        raise ValueError(f"movedim: source and destination must have the same length, got {len(sources)} and {len(targets)}")
    sources = [normalize_dim(d, input.ndim, "movedim") for d in sources]
    targets = [normalize_dim(d, input.ndim, "movedim") for d in targets]
    if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        raise ValueError("movedim: repeated dim in source or destination")
    order = [None] * input.ndim
    for s, t in zip(sources, targets):
        order[t] = s
    rest = iter(d for d in range(input.ndim) if d not in sources)
    return permute(input, [d if d is not None else next(rest) for d in order])


moveaxis = movedim


def swapdims(input, dim0, dim1):
    return transpose(input, dim0, dim1)


swapaxes = swapdims


def unflatten(input, dim, sizes):
    """Dim `dim` split into `sizes` (one of them may be -1)."""
    check_tensor(input, "unflatten")
    axis = normalize_dim(dim, input.ndim, "unflatten")
    sizes = shape_arg((sizes,), "unflatten")
    known = math.prod(n for n in sizes if n != -1)
    if sizes.count(-1) > 1 or (-1 not in sizes and known != input.shape[axis]) or (known and input.shape[axis] % known):
        raise ValueError(f"unflatten: sizes {sizes} don't multiply to dim {dim}'s size {input.shape[axis]}")
    sizes = tuple(input.shape[axis] // known if n == -1 else n for n in sizes)
    return reshape(input, input.shape[:axis] + sizes + input.shape[axis + 1:])


def tile(input, dims):
    """input repeated dims[i] times along each dim (dims shorter than input.ndim are padded with 1s)."""
    check_tensor(input, "tile")
    dims = shape_arg((dims,), "tile")
    dims = (1,) * (input.ndim - len(dims)) + dims
    x = reshape(input, (1,) * (len(dims) - input.ndim) + input.shape)
    return x.repeat(*dims)


def _atleast(tensors, n, op):
    out = []
    for t in check_list(tensors, op):
        if t.ndim < n:
            shape = {0: (1,) * n, 1: (1, t.numel()) if n >= 2 else (t.numel(),), 2: t.shape + (1,)}[t.ndim]
            t = reshape(t, shape[:n] if t.ndim == 0 else shape)
        out.append(t)
    return out


def check_list(tensors, op):
    if not isinstance(tensors, (list, tuple)) or not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{op}: expected a non-empty list or tuple of Tensors")
    return list(tensors)


def hstack(tensors):
    tensors = _atleast(tensors, 1, "hstack")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat(_atleast(tensors, 2, "vstack"), 0)


def dstack(tensors):
    return cat(_atleast(tensors, 3, "dstack"), 2)


def column_stack(tensors):
    tensors = [reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in check_list(tensors, "column_stack")]
    return cat(tensors, 1)


row_stack = vstack


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal parts (the first size % n one longer), or at the given indices."""
    check_tensor(input, "tensor_split")
    axis = normalize_dim(dim, input.ndim, "tensor_split")
    size = input.shape[axis]
    if isinstance(indices_or_sections, numbers.Integral):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"tensor_split: the number of sections must be positive, got {n}")
        bounds = [i * (size // n) + min(i, size % n) for i in range(n + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [size]
    lead = (slice(None),) * axis
    return tuple(getitem(input, lead + (slice(min(a, size), max(min(b, size), min(a, size))),))
                 for a, b in zip(bounds[:-1], bounds[1:]))


def hsplit(input, indices_or_sections):
    return _even_split(input, indices_or_sections, 0 if input.ndim == 1 else 1, "hsplit")


def vsplit(input, indices_or_sections):
    if input.ndim < 2:
        raise ValueError(f"vsplit: needs at least 2 dims, got {input.ndim}")
    return _even_split(input, indices_or_sections, 0, "vsplit")


def _even_split(input, sections, dim, op):
    if isinstance(sections, numbers.Integral) and input.shape[dim] % sections:
        raise ValueError(f"{op}: dim {dim} of size {input.shape[dim]} can't be split into {sections} equal parts")
    return tensor_split(input, sections, dim)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids of 1-d tensors: 'ij' (matrix) or 'xy' (Cartesian: the first two dims swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    tensors = [reshape(t, (-1,)) for t in check_list(tensors, "meshgrid")]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t.shape[0] for t in tensors)
    grids = [expand(reshape(t, tuple(-1 if i == j else 1 for j in range(len(tensors)))), shape)
             for i, t in enumerate(tensors)]
    if swap:  # the grids of the first two, in their own order, over the swapped shape
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of the 1-d tensors' elements, one row each (a 1-d tensor stays as it is)."""
    if len(tensors) == 1:
        return check_list(tensors, "cartesian_prod")[0]
    return stack([reshape(g, (-1,)) for g in meshgrid(*tensors, indexing="ij")], 1)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d) along the diagonal of a zero matrix."""
    blocks = [reshape(t, (1, -1)) if t.ndim < 2 else t for t in check_list(tensors, "block_diag")]
    if any(b.ndim != 2 for b in blocks):
        raise ValueError("block_diag: the tensors must have at most 2 dims")
    width = sum_of(b.shape[1] for b in blocks)
    rows, start = [], 0
    for b in blocks:
        zeros = lambda n: _wrap(constant(np.zeros((b.shape[0], n), b.dtype), None, b._data))  # noqa: E731
        rows.append(cat([zeros(start), b, zeros(width - start - b.shape[1])], 1))
        start += b.shape[1]
    dtype = np.result_type(*[b.dtype for b in blocks])
    return cat([r.to(dtype) for r in rows], 0)


def sum_of(values):
    total = 0
    for v in values:
        total += v
    return total


def rot90(input, k=1, dims=(0, 1)):
    """Rotated by 90 degrees k times, from the first of `dims` towards the second."""
    check_tensor(input, "rot90")
    if len(dims) != 2 or input.ndim < 2:
        raise ValueError(f"rot90: expected two dims of a tensor with at least 2 dims, got {dims}")
    a, b = (normalize_dim(d, input.ndim, "rot90") for d in dims)
    if a == b:
        raise ValueError("rot90: the two dims must differ")
    k %= 4
    if k == 1:
        return transpose(flip(input, [b]), a, b)
    if k == 2:
        return flip(input, [a, b])
    if k == 3:
        return flip(transpose(input, a, b), [b])
    return input.clone()


def fliplr(input):
    if input.ndim < 2:
        raise ValueError(f"fliplr: needs at least 2 dims, got {input.ndim}")
    return flip(input, [1])


def flipud(input):
    if input.ndim < 1:
        raise ValueError("flipud: needs at least 1 dim")
    return flip(input, [0])


def kron(input, other):
    """The Kronecker product: every element of input times the whole of other, as blocks."""
    check_tensor(input, "kron")
    check_tensor(other, "kron", "other")
    n = max(input.ndim, other.ndim)
    a = reshape(input, (1,) * (n - input.ndim) + input.shape)
    b = reshape(other, (1,) * (n - other.ndim) + other.shape)
    ab = mul(reshape(a, tuple(s for d in a.shape for s in (d, 1))), reshape(b, tuple(s for d in b.shape for s in (1, d))))
    return reshape(ab, tuple(x * y for x, y in zip(a.shape, b.shape)))


def cross(input, other, dim=None):
    """The cross product of 3-vectors along dim (default: the first dim of size 3, as torch.cross)."""
    check_tensor(input, "cross")
    check_tensor(other, "cross", "other")
    shape = np.broadcast_shapes(input.shape, other.shape)
    input, other = expand(input, shape), expand(other, shape)
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dim of size 3 in shape {shape}")
    axis = normalize_dim(dim, len(shape), "cross")
    if shape[axis] != 3:
        raise ValueError(f"cross: dim {dim} must have size 3, got {shape[axis]}")
    a = [getitem(input, (slice(None),) * axis + (i,)) for i in range(3)]
    b = [getitem(other, (slice(None),) * axis + (i,)) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return stack(parts, axis)


def _scaled(input, product, beta, alpha):
    """beta * input + alpha * product; beta == 0 ignores input (nan and inf too), as PyTorch."""
    product = product if alpha == 1 else mul(product, alpha)
    if beta == 0:  # input still gets a gradient (0), as in PyTorch
        return product + where(_wrap(constant(np.zeros(input.shape, np.bool_), None, input._data)), input, 0.0)
    return (input if beta == 1 else mul(input, beta)) + product


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2)."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise ValueError(f"addmm: mat1 and mat2 must be matrices, got {mat1.ndim} and {mat2.ndim} dims")
    return _scaled(input, matmul(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise ValueError(f"addmv: expected a matrix and a vector, got {mat.ndim} and {vec.ndim} dims")
    return _scaled(input, matmul(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2), per batch."""
    return _scaled(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i]."""
    return _scaled(input, sum(bmm(batch1, batch2), 0), beta, alpha)
