"""matmul for every rank PyTorch accepts (1-D and 2-D operands, batches that broadcast), and bmm, outer."""
from ..autograd.function import Op, namespace
from ..creation import tensor
from ..tensor import Tensor
from .elementwise import mul, write_out
from .shape import reshape


class MatMul(Op):

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # dot product: gy is a scalar
            return (gy * b if need_a else None), (gy * a if need_b else None)
        # Treat a vector as a one-row (a) or one-column (b) matrix, then undo that on its gradient.
        xp = namespace(gy)
        a2 = xp.reshape(a, (1, -1)) if a.ndim == 1 else a
        b2 = xp.reshape(b, (-1, 1)) if b.ndim == 1 else b
        gy2 = xp.reshape(gy, gy.shape[:-1] + (1, gy.shape[-1])) if a.ndim == 1 else gy
        gy2 = xp.reshape(gy2, gy2.shape + (1,)) if b.ndim == 1 else gy2
        ga = gb = None
        if need_a:
            ga = gy2 @ xp.permute(b2, _swap_last(b2.ndim))
            ga = xp.reshape(ga, ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga
        if need_b:
            gb = xp.permute(a2, _swap_last(a2.ndim)) @ gy2
            gb = xp.reshape(gb, gb.shape[:-1]) if b.ndim == 1 else gb
        return ga, gb  # batch dims that were broadcast are summed away by the engine


def _swap_last(ndim):
    """The axes of a transpose of the last two dims (a batch of matrices transposed)."""
    return (*range(ndim - 2), ndim - 1, ndim - 2)


def matmul(a, b, *, out=None):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        a, b = _as_tensors(a, b)
    _check_matmul(a.shape, b.shape)
    _check_same_dtype(a, b, "matmul")
    return write_out(out, MatMul.apply(a, b), "matmul")


def mm(a, b, *, out=None):
    for name, t in (("input", a), ("mat2", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"mm: {name} must be a Tensor, got {type(t).__name__}")
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: both arguments must be 2-D matrices, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"mm: shapes {tuple(a.shape)} and {tuple(b.shape)} can't be multiplied ({a.shape[1]} != {b.shape[0]})")
    _check_same_dtype(a, b, "mm")
    return matmul(a, b, out=out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p), without broadcasting, as torch.bmm."""
    for name, t in (("input", input), ("mat2", mat2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bmm: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim != 3:
            raise ValueError(f"bmm: {name} must be a 3-D tensor (batch, rows, cols), got shape {tuple(t.shape)}")
    (b, _, m), (b2, m2, _) = input.shape, mat2.shape
    if (b, m) != (b2, m2):
        raise ValueError(f"bmm: shapes {tuple(input.shape)} and {tuple(mat2.shape)} don't fit: mat2 must be ({b}, {m}, p)")
    _check_same_dtype(input, mat2, "bmm")
    return matmul(input, mat2, out=out)


def outer(input, vec2, *, out=None):
    """out[i, j] = input[i] * vec2[j], for two 1-D tensors (their dtypes promote, as in torch.outer)."""
    for name, t in (("input", input), ("vec2", vec2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"outer: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim != 1:
            raise ValueError(f"outer: {name} must be 1-D, got shape {tuple(t.shape)}")
    return write_out(out, mul(reshape(input, (-1, 1)), vec2), "outer")


def _check_same_dtype(a, b, op):
    if a.dtype != b.dtype:  # PyTorch refuses too: promoting would silently upcast float32
        raise TypeError(
            f"{op}: both operands must have the same dtype, got {a.dtype} {tuple(a.shape)} and {b.dtype} "
            f"{tuple(b.shape)}; convert one of them (x.float(), x.double(), x.to(y.dtype))"
        )


def _as_tensors(a, b):
    try:
        return (a if isinstance(a, Tensor) else tensor(a)), (b if isinstance(b, Tensor) else tensor(b))
    except (TypeError, ValueError) as err:
        raise TypeError(f"matmul: expected Tensors (or nested lists of numbers), got {type(a).__name__} and {type(b).__name__} ({err})") from None


def _check_matmul(sa, sb):
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}")
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} can't be multiplied: the last dim of the first ({inner_a}) "
            f"must equal the {'only' if len(sb) == 1 else 'second-to-last'} dim of the second ({inner_b})"
        )
    batch_a, batch_b = sa[:-2], sb[:-2]
    for x, y in zip(reversed(batch_a), reversed(batch_b)):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"matmul: the batch dims of shapes {sa} and {sb} don't broadcast")


MatMul.array_api = True  # standard functions only
