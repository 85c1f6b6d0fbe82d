"""Scans: running sums and products along one dim (cumsum, cumprod).

cumsum's gradient is the running sum taken the other way (from the end). cumprod's is
sum over j >= k of gy_j * y_j / x_k, which needs care where x has zeros: see Cumprod.backward.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import Op, namespace
from ..device import library_of
from .elementwise import cast
from .shape import Flip, check_tensor, normalize_dim, reshape


class Cumsum(Op):
    def forward(ctx, x, axis):
        ctx.axis = axis
        if type(x) is np.ndarray:
            return np.cumsum(x, axis=axis)
        return library_of(x).cumulative_sum(x, axis=axis)

    def backward(ctx, gy):
        return reverse_cumsum(gy, ctx.axis), None


class Cumprod(Op):
    """y_j = x_0 ... x_j, with d(sum gy * y)/dx_k = sum over j >= k of gy_j * (y_j without its factor x_k).

    Before the first zero of a slice that is (sum over j >= k of gy_j y_j) / x_k. From the first zero z on,
    the products without x_k are those of x with x_z taken as 1, times x_z itself for k > z (0, but its
    derivative is not): the same gradient, one zero fewer, so the formula recurs once per zero. Every step
    is an identity of polynomials, so the gradient is exact with zeros and differentiates again (PyTorch's)."""

    def forward(ctx, x, axis):
        ctx.axis = axis
        ctx.zero = x == 0
        ctx.save_for_backward(x)
        if type(x) is np.ndarray:
            ctx.zeros_so_far = np.cumsum(ctx.zero, axis=axis)
            return np.cumprod(x, axis=axis)
        xp = library_of(x)
        ctx.zeros_so_far = xp.cumulative_sum(xp.astype(ctx.zero, xp.int64), axis=axis)
        return xp.cumulative_prod(x, axis=axis)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return _cumprod_grad(ctx, gy, x, x, 0), None


def _cumprod_grad(ctx, gy, x, x_level, level):
    """The gradient of cumprod at x_level: x with the first `level` zeros of each slice taken as 1."""
    xp, axis, count = namespace(gy), ctx.axis, ctx.zeros_so_far
    y = Cumprod.apply(x_level, axis)
    if not library_of(count).any(count > level):  # no zero left: the plain formula
        return reverse_cumsum(gy * y, axis) / x_level
    before = count <= level
    first = ctx.zero & (count == level + 1)
    after = (count > level) & ~first
    plain = reverse_cumsum(gy * y, axis) / xp.where(before, x_level, 1.0)
    without_zero = _cumprod_grad(ctx, gy, x, xp.where(first, 1.0, x_level), level + 1)
    zero_value = xp.sum(xp.where(first, x, 0.0), axis, keepdim=True)  # x_z: 0, but it carries the derivative
    return xp.where(before, plain, without_zero * xp.where(after, zero_value, 1.0))


def reverse_cumsum(g, axis):
    """Running sums from the end: the adjoint of cumsum."""
    return Flip.apply(Cumsum.apply(Flip.apply(g, (axis,)), axis), (axis,))


for _op in (Cumsum, Cumprod):
    _op.array_api = True  # the standard's cumulative_sum / cumulative_prod (NumPy's own calls on NumPy arrays)


# ---- the functions users call ---------------------------------------------------------------------
def cumsum(input, dim, *, dtype=None):
    x, axis = _scan_input(input, dim, dtype, "cumsum")
    return reshape(Cumsum.apply(x, axis), input.shape)


def cumprod(input, dim, *, dtype=None):
    x, axis = _scan_input(input, dim, dtype, "cumprod")
    return reshape(Cumprod.apply(x, axis), input.shape)


def _scan_input(x, dim, dtype, op):
    """The input as a tensor of at least 1 dim in the result dtype (bools and ints widen to int64, as
    PyTorch), and the axis to scan."""
    check_tensor(x, op)
    axis = normalize_dim(dim, x.ndim, op)
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.kind in "bu" or x.dtype in (dtypes.int8, dtypes.int16, dtypes.int32):
        x = cast(x, dtypes.int64)
    return (reshape(x, (1,)) if x.ndim == 0 else x), axis
