"""Elementwise ops: each forward (on arrays) beside its backward (on Tensors).

Each backward is one formula, on NumPy arrays or (create_graph) on Tensors: operators mean the same on both,
and functions come from `xp = namespace(gy)`. Gradients are returned at the broadcast shape; the engine sums
them back to each input's shape (and casts them to its dtype) in one place, so no op here un-broadcasts.

Ops that can meet IEEE special cases (log(0) = -inf, 1/0 = inf, 0/0 = nan, exp(1000) = inf) compute
them under np.errstate(all="ignore"): the results are NumPy's and PyTorch's, without NumPy's
RuntimeWarnings (PyTorch is silent). The hot ops (add, mul, relu, ...) are left without it (~1 us).
"""
import numbers

import numpy as np

from .. import dtypes
from ..args import scalar_arg
from ..device import constant, library_of, to_host
from ..autograd.function import Op, namespace
from ..creation import tensor
from ..tensor import Tensor, _wrap


# ---- arithmetic -------------------------------------------------------------------------------
class Add(Op):
    number_operands = 0b11  # x * 2: PyTorch makes the 2 a tensor, so next_functions shows it

    def forward(ctx, a, b):
        try:
            return a + b
        except TypeError:  # the standard has no bool + bool: PyTorch's is logical or
            if not _both_bool(a, b):
                raise
            return library_of(b if type(a) is bool else a).logical_or(a, b)

    def backward(ctx, gy):
        return gy, gy


class Sub(Op):
    number_operands = 0b11  # x * 2: PyTorch makes the 2 a tensor, so next_functions shows it

    def forward(ctx, a, b):
        return a - b

    def backward(ctx, gy):
        return gy, (-gy if ctx.needs_input_grad[1] else None)


class Mul(Op):
    number_operands = 0b11  # x * 2: PyTorch makes the 2 a tensor, so next_functions shows it

    def forward(ctx, a, b):
        # each operand is saved for the other's gradient: a is not kept when b is a Python number
        ctx.save_for_backward(a if type(b) not in _NUMBERS else None, b if type(a) not in _NUMBERS else None)
        try:
            return a * b
        except TypeError:  # the standard has no bool * bool: PyTorch's is logical and
            if not _both_bool(a, b):
                raise
            return library_of(b if type(a) is bool else a).logical_and(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (gy * b if need_a else None), (gy * a if need_b else None)


class Div(Op):
    number_operands = 0b11  # x * 2: PyTorch makes the 2 a tensor, so next_functions shows it

    def forward(ctx, a, b):
        ctx.save_for_backward(a if type(b) not in _NUMBERS else None, b)  # a only serves b's gradient
        with np.errstate(all="ignore"):
            return a / b

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gy / b if need_a else None
        gb = -gy * (a / b / b) if need_b else None  # not a / (b * b): b * b over/underflows first
        return ga, gb


_NUMBERS = frozenset((int, float, bool))  # a Python number operand: no array to save for the other's gradient


def _both_bool(a, b):
    """Whether a and b are both bools (arrays or Python bools): the standard's operators refuse bool + bool and
    bool * bool, which PyTorch (and NumPy) compute as logical or and logical and."""
    return all(type(v) is bool or hasattr(v, "dtype") and _dtype_name(v) == "bool" for v in (a, b))


class Neg(Op):

    def forward(ctx, a):
        return -a

    def backward(ctx, gy):
        return -gy


class Pow(Op):
    """a ** b with b a Python number: d/da = b a^(b-1), and 0 for b == 0."""

    def forward(ctx, a, b):
        with np.errstate(all="ignore"):  # 0 ** -1 = inf, (-1) ** 0.5 = nan
            y = a**b
        ctx.save_for_backward(a)
        ctx.exponent = b
        return y

    def backward(ctx, gy):
        (a,) = ctx.saved_tensors
        b = ctx.exponent
        return (gy * 0.0 if b == 0 else gy * b * a ** (b - 1)), None


class PowTensor(Op):
    """a ** b with b a tensor: d/da = b a^(b-1) (0 where b == 0, PyTorch's convention) and
    d/db = a^b log a (0 where a == 0 and b >= 0)."""

    node_name = "PowBackward1"

    def forward(ctx, a, b):
        with np.errstate(all="ignore"):
            y = a**b
        ctx.save_for_backward(a, b, y)
        return y

    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = namespace(gy)
        ga = xp.where(b == 0, 0.0, gy * b * a ** (b - 1)) if need_a else None
        gb = xp.where((a == 0) & (b >= 0), 0.0, gy * y * xp.log(a)) if need_b else None
        return ga, gb


# ---- unary functions ------------------------------------------------------------------------
class Exp(Op):

    def forward(ctx, x):
        with np.errstate(all="ignore"):  # exp(1000) = inf
            y = namespace(x).exp(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class Expm1(Op):
    """exp(x) - 1, exact for small |x| (where exp(x) - 1 would cancel)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).expm1(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).exp(x)  # not y + 1 (PyTorch's): at x = -10, y + 1 keeps only 3 digits in float32


class Log(Op):
    """log(0) = -inf and log(-1) = nan, as in NumPy and PyTorch; the gradient at 0 is inf."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).log(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Log1p(Op):
    """log(1 + x), exact for small |x| (where 1 + x would round)."""

    node_name = "Log1PBackward0"  # PyTorch's spelling

    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).log1p(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x + 1)


class Sqrt(Op):

    def forward(ctx, x):
        with np.errstate(all="ignore"):  # sqrt(-1) = nan
            y = namespace(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy / (2 * y)


class Abs(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).abs(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).sign(x)


class Sin(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).sin(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).cos(x)


class Cos(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).cos(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * namespace(gy).sin(x)


class Tanh(Op):

    def forward(ctx, x):
        y = namespace(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1.0 - y * y)  # 1.0, not 1: NumPy takes a Python float faster than an int


class Sigmoid(Op):

    def forward(ctx, x):
        # exp(-|x|) never overflows, and the two branches keep tiny results exact (no 1 - 1 cancellation)
        xp = namespace(x)
        e = xp.exp(-xp.abs(x))
        y = xp.astype(xp.where(x >= 0, 1 / (1 + e), e / (1 + e)), x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * (1 - y)


class Relu(Op):

    def forward(ctx, x):
        y = namespace(x).maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return namespace(gy).mul(gy, y > 0)  # float * bool: one pass (np.where is ~10x slower)


# ---- two-input selections ---------------------------------------------------------------------
class Maximum(Op):
    """Where a == b the gradient is split evenly between them, as in PyTorch."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return namespace(a).maximum(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return _split_by(gy, a > b, a == b)


class Minimum(Op):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return namespace(a).minimum(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return _split_by(gy, a < b, a == b)


def _split_by(gy, a_wins, tie):
    xp = namespace(gy)
    weight_a = xp.cast(a_wins, gy.dtype) + xp.cast(tie, gy.dtype) * 0.5
    return gy * weight_a, gy * (1 - weight_a)


class Clamp(Op):
    """Gradient passes where low <= x <= high (bounds included), as in PyTorch."""

    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low = -np.inf if low is None else low
        ctx.high = np.inf if high is None else high
        return namespace(x).clip(x, low, high)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return namespace(gy).mul(gy, (x >= ctx.low) & (x <= ctx.high)), None, None


class ClampByTensors(Op):
    """clamp with tensor bounds. Each element's gradient goes to the one of x, min, max it came from,
    with PyTorch's masks at ties: x where min <= x <= max, min where x < min < max, max where x > max or min > max."""

    def forward(ctx, x, low, high):
        xp = namespace(x)
        ctx.save_for_backward(x, low, high)
        y = x if low is None else xp.maximum(x, low)
        return y if high is None else xp.minimum(y, high)

    def backward(ctx, gy):
        x, low, high = ctx.saved_tensors  # low or high may be None
        x_mask = low_mask = high_mask = None
        if low is not None:
            x_mask = x >= low
            low_mask = (x < low) if high is None else (x < low) & (low < high)
        if high is not None:
            x_mask = (x <= high) if x_mask is None else x_mask & (x <= high)
            high_mask = (x > high) if low is None else (x > high) | (low > high)
        need_x, need_low, need_high = ctx.needs_input_grad
        xp = namespace(gy)
        return tuple(
            xp.mul(gy, mask) if need and mask is not None else None
            for mask, need in ((x_mask, need_x), (low_mask, need_low), (high_mask, need_high))
        )


class Where(Op):
    number_operands = 0b110  # where(c, x, 0.0): PyTorch makes the 0.0 a tensor
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        return namespace(condition).where(condition, a, b)

    def backward(ctx, gy):
        need_a, need_b = ctx.needs_input_grad[1:]
        xp = namespace(gy)
        ga = xp.where(ctx.condition, gy, 0.0) if need_a else None
        gb = xp.where(ctx.condition, 0.0, gy) if need_b else None
        return None, ga, gb


# ---- piecewise constant: recorded, with a zero gradient, as in PyTorch ------------------------------
class Sign(Op):
    """-1, 0 or 1; 0 for nan too, as in PyTorch."""

    def forward(ctx, x):
        xp = namespace(x)
        return xp.astype(x > 0, x.dtype) - xp.astype(x < 0, x.dtype)

    def backward(ctx, gy):
        return namespace(gy).zeros_like(gy)


class Floor(Sign):
    def forward(ctx, x):
        return namespace(x).floor(x)


class Ceil(Sign):
    def forward(ctx, x):
        return namespace(x).ceil(x)


class Trunc(Sign):
    def forward(ctx, x):
        return namespace(x).trunc(x)


class Round(Sign):
    """Halves round to even, as in NumPy and PyTorch."""

    def forward(ctx, x):
        return namespace(x).round(x)


class RoundDecimals(Op):
    node_name = "RoundBackward1"  # PyTorch's overload with decimals=

    def forward(ctx, x, decimals):
        if type(x) is np.ndarray:
            return np.round(x, decimals)
        # PyTorch's formula (and NumPy's), in x's dtype: the scale 10 ** |decimals| multiplies or divides
        xp, scale = namespace(x), 10.0 ** (decimals if decimals >= 0 else -decimals)
        return xp.round(x * scale) / scale if decimals >= 0 else xp.round(x / scale) * scale

    def backward(ctx, gy):
        return namespace(gy).zeros_like(gy), None


class Sgn(Sign):
    """sign, under PyTorch's other name (and node name, SgnBackward0)."""


class Frac(Op):
    """x - trunc(x): the gradient passes unchanged."""

    def forward(ctx, x):
        with np.errstate(invalid="ignore"):  # frac(inf) = inf - inf = nan, as in PyTorch
            return x - namespace(x).trunc(x)

    def backward(ctx, gy):
        return gy


# ---- division with rounding: a // b, a % b, fmod -------------------------------------------------------
class FloorDivide(Op):
    """a // b, rounded down (Python's //). PyTorch records it, with no derivative: backward raises."""

    node_name = "NotImplemented"

    def forward(ctx, a, b):
        with np.errstate(all="ignore"):  # 1 // 0 = inf for floats, as in PyTorch
            return namespace(a).floor_divide(a, b)

    def backward(ctx, gy):
        raise RuntimeError("derivative for floor_divide is not implemented (as in PyTorch); "
                           "use floor(a / b) for a zero gradient")


class Remainder(Op):
    """a % b = a - floor(a / b) * b: the sign of the divisor (Python's %). d/da = 1, d/db = -floor(a / b)."""

    node_name = "RemainderBackward1"  # PyTorch's overload with a tensor divisor
    def forward(ctx, a, b):
        xp = namespace(a)
        with np.errstate(all="ignore"):  # x % 0 = nan for floats
            if ctx.needs_input_grad[1]:  # the rounded quotient, a constant of the backward
                ctx.save_for_backward(ctx.op.rounded(xp, a, b))
            return ctx.op.compute(xp, a, b)

    rounded = staticmethod(lambda xp, a, b: xp.floor_divide(a, b))
    compute = staticmethod(lambda xp, a, b: xp.remainder(a, b))

    def backward(ctx, gy):
        need_a, need_b = ctx.needs_input_grad
        quotient = ctx.saved_tensors[0] if need_b else None
        return (gy if need_a else None), (-gy * quotient if need_b else None)


class RemainderByNumber(Remainder):
    node_name = "RemainderBackward0"


class Fmod(Remainder):
    """fmod(a, b) = a - trunc(a / b) * b: the sign of the dividend (C's fmod). d/db = -trunc(a / b)."""

    node_name = "FmodBackward1"
    rounded = staticmethod(lambda xp, a, b: xp.trunc(a / b))
    compute = staticmethod(lambda xp, a, b: np.fmod(a, b) if type(a) is np.ndarray else _standard_fmod(xp, a, b))


class FmodByNumber(Fmod):
    node_name = "FmodBackward0"


def _standard_fmod(xp, a, b):
    """fmod with standard functions (the standard has no fmod). Floats: remainder(|a|, |b|) is exact (no
    rounding: both are non-negative), with a's sign put back by copysign (so -0.0, inf, nan and b = 0 come out
    as C's fmod). Integers: Python's remainder r (the sign of b) minus b where r's sign differs from a's,
    which never overflows (r and b have the same sign)."""
    number = type(b) in _NUMBERS
    if xp.isdtype(a.dtype, "real floating"):
        return xp.copysign(xp.remainder(xp.abs(a), (-b if b < 0 else b) if number else xp.abs(b)), a)
    r = xp.remainder(a, b)
    return xp.where((r != 0) & ((r < 0) != (a < 0)), r - b, r)


# ---- dtype and copies ---------------------------------------------------------------------------
class Cast(Op):

    def forward(ctx, x, dtype):
        return namespace(x).astype(x, dtype)

    def backward(ctx, gy):
        return gy, None  # the engine casts every gradient to its input's dtype


class Clone(Op):

    def forward(ctx, x):
        return namespace(x).clone(x)

    def backward(ctx, gy):
        return gy


# ---- the functions users call ---------------------------------------------------------------------
def _operands(a, b, op):
    """Bring a and b to what a binary op takes, with PyTorch's dtype rules.

    Python numbers stay numbers (NumPy keeps the tensor's dtype for them, so float32 stays
    float32); an integer tensor meeting a float becomes the float's dtype instead of float64.
    """
    if isinstance(a, Tensor):  # the common cases first: they run for every op, backward included
        if isinstance(b, Tensor):  # `is`: NumPy's dtypes are shared objects (others go the long way, same result)
            return (a, b) if a._data.dtype is b._data.dtype else _promote(a, b)
        if type(b) is int and (type(a._data) is np.ndarray or a.dtype.kind != "b") or type(b) is float and (
                a._data.dtype.kind == "f" if type(a._data) is np.ndarray else a.dtype.kind == "f"):
            return a, b  # (the array's dtype first: Tensor.dtype is one call more, on every op)
    if isinstance(b, np.generic):
        b = b.item()
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return (a, b) if a.dtype == b.dtype else _promote(a, b)
    if isinstance(a, Tensor):
        return _with_number(a, b, op)
    if isinstance(b, Tensor):
        b, a = _with_number(b, a, op)
        return a, b
    raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")


def _with_number(t, value, op):
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        if isinstance(value, float) and t.dtype.kind != "f":
            t = cast(t, dtypes.get_default_dtype())
        elif type(t._data) is not np.ndarray and type(value) is not bool and t.dtype.kind == "b":
            t = cast(t, dtypes.int64)  # bool tensor and int: int64 in PyTorch (and NumPy); the standard refuses the pair
        return t, value
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            other = _wrap(value) if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" else tensor(value)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: unsupported operand: a {type(value).__name__} that does not hold numbers") from None
        return _promote(t, other)
    raise TypeError(f"{op}: unsupported operand types Tensor and {type(value).__name__}")


CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # PyTorch's dtype categories: bool < integer < floating point


def _promote(a, b):
    """PyTorch's promotion: floats beat ints beat bools, wider beats narrower, and a 0-d tensor does not
    widen a dimensioned tensor of the same kind (float32 tensor * float64 scalar tensor stays float32)."""
    da, db = a.dtype, b.dtype
    ca, cb = CATEGORY[da.kind], CATEGORY[db.kind]
    if ca != cb:
        if min(ca, cb) == CATEGORY["b"] and type(a._data) is np.ndarray:
            return a, b  # NumPy gives bools the other side's dtype in one pass, as PyTorch does; no cast
        return (a, cast(b, da)) if ca > cb else (cast(a, db), b)
    if (a.ndim == 0) != (b.ndim == 0):
        return (cast(a, db), b) if a.ndim == 0 else (a, cast(b, da))
    return a, b  # same kind: NumPy widens exactly as PyTorch does


def add(a, b, *, out=None):
    result = Add.apply(*_operands(a, b, "add"))
    return result if out is None else write_out(out, result, "add")


def sub(a, b, *, out=None):
    result = Sub.apply(*_operands(a, b, "sub"))
    return result if out is None else write_out(out, result, "sub")


def mul(a, b, *, out=None):
    result = Mul.apply(*_operands(a, b, "mul"))
    return result if out is None else write_out(out, result, "mul")


def div(a, b, *, out=None):
    a, b = _operands(a, b, "div")
    if not _is_float(a) and not _is_float(b):  # true division of integers gives the default float
        a, b = (cast(v, dtypes.get_default_dtype()) if isinstance(v, Tensor) else v for v in (a, b))
    return write_out(out, Div.apply(a, b), "div")


def floor_divide(input, other, *, out=None):
    """input // other, rounded down: 7 // 2 = 3, -7 // 2 = -4 (floats too: -7.5 // 2 = -4.0)."""
    a, b = _rounded_division_operands(input, other, "floor_divide")
    return write_out(out, FloorDivide.apply(a, b), "floor_divide")


def remainder(input, other, *, out=None):
    """input % other with the sign of other, as Python's %: -7 % 2 = 1. Gradients: 1 and -floor(input / other)."""
    a, b = _rounded_division_operands(input, other, "remainder")
    return write_out(out, (Remainder if isinstance(b, Tensor) else RemainderByNumber).apply(a, b), "remainder")


def fmod(input, other, *, out=None):
    """The remainder with the sign of input, as C's fmod: fmod(-7, 2) = -1. Gradients: 1 and -trunc(input / other)."""
    check_tensor(input, "fmod")
    a, b = _rounded_division_operands(input, other, "fmod")
    return write_out(out, (Fmod if isinstance(b, Tensor) else FmodByNumber).apply(a, b), "fmod")


def _rounded_division_operands(a, b, op):
    """The operands with PyTorch's promotion; integer division by zero is refused, as PyTorch does."""
    a, b = _operands(a, b, op)
    kinds = [x.dtype.kind if isinstance(x, Tensor) else "f" if isinstance(x, float) else "i" for x in (a, b)]
    if kinds == ["b", "b"]:
        raise TypeError(f"{op}: not defined for two bool tensors, as in PyTorch; convert first (x.long())")
    if "f" not in kinds:
        divisor = to_host(b._data) if isinstance(b, Tensor) else b
        if np.any(divisor == 0):
            raise RuntimeError(f"ZeroDivisionError: {op}: integer division by zero")
    if not isinstance(a, Tensor):  # a number divided by a tensor: the number becomes a constant of b's dtype
        a = _wrap(constant(a, b.dtype, b._data))
    return a, b


def write_out(out, result, op):
    """PyTorch's `out=` argument: copy the result into the tensor `out` (resized if needed) and return it."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): out must be a Tensor, got {type(out).__name__}")
    if result.requires_grad:
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, but one of "
            "the arguments requires grad; call it under chainrule.no_grad() or drop out="
        )
    if not np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise TypeError(f"{op}(): result type {result.dtype} can't be cast to the desired output type {out.dtype}")
    if out.shape != result.shape:
        out._data = constant(np.empty(result.shape, out.dtype), None, out._data)
    return out.copy_(result)


def neg(x):
    return Neg.apply(check_tensor(x, "neg"))


def pow(a, b):
    a, b = _operands(a, b, "pow")
    if not isinstance(a, Tensor):  # number ** tensor: the base becomes a constant array
        a = _wrap(constant(a, b.dtype if _is_float(b) else None, b._data))
    if isinstance(b, Tensor) and b.ndim == 0 and not b.requires_grad and b.dtype == a.dtype:
        b = b.item()  # a constant exponent is a number: simpler backward, no dtype surprises
    return PowTensor.apply(a, b) if isinstance(b, Tensor) else Pow.apply(a, b)


def _floating(t):
    """t.dtype.kind == "f", without Tensor.dtype's call for a NumPy array (this runs for every op)."""
    data = t._data
    return data.dtype.kind == "f" if type(data) is np.ndarray else t.dtype.kind == "f"


def _is_float(x):
    return x.dtype.kind == "f" if isinstance(x, Tensor) else isinstance(x, float)


def exp(x):
    return Exp.apply(_float_input(x, "exp"))


def log(x):
    return Log.apply(_float_input(x, "log"))


def log1p(x):
    return Log1p.apply(_float_input(x, "log1p"))


def expm1(x):
    return Expm1.apply(_float_input(x, "expm1"))


def sqrt(x):
    return Sqrt.apply(_float_input(x, "sqrt"))


def abs(x):
    return Abs.apply(check_tensor(x, "abs"))


def sin(x):
    return Sin.apply(_float_input(x, "sin"))


def cos(x):
    return Cos.apply(_float_input(x, "cos"))


def tanh(x):
    return Tanh.apply(_float_input(x, "tanh"))


def sigmoid(x):
    return Sigmoid.apply(_float_input(x, "sigmoid"))


def relu(x):
    return Relu.apply(check_tensor(x, "relu"))


def maximum(a, b):
    return Maximum.apply(*_tensor_operands(a, b, "maximum"))


def minimum(a, b):
    return Minimum.apply(*_tensor_operands(a, b, "minimum"))


def _tensor_operands(a, b, op):
    """_operands, with a number made a 0-d constant tensor (maximum/minimum's backward reads both arrays)."""
    a, b = _operands(a, b, op)
    if not isinstance(a, Tensor):
        a = _wrap(constant(a, np.result_type(b.dtype, a), b._data))
    if not isinstance(b, Tensor):
        b = _wrap(constant(b, np.result_type(a.dtype, b), a._data))
    return a, b


def clamp(x, min=None, max=None):
    check_tensor(x, "clamp")
    for bound in (min, max):
        if bound is not None and not isinstance(bound, (Tensor, numbers.Real)):
            raise TypeError(f"clamp: min and max must be numbers, Tensors or None, got {type(bound).__name__}")
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    dtype = _clamp_dtype(x, (min, max))
    x = cast(x, dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        min, max = (cast(b, dtype) if isinstance(b, Tensor) else b for b in (min, max))
        return ClampByTensors.apply(x, min, max)
    return Clamp.apply(x, min, max)


def _clamp_dtype(x, bounds):
    """The dtype PyTorch's promotion gives x and its bounds together: a float beats an int (an int tensor
    with a float bound becomes float), within one kind the wider dtype wins."""
    dtype = x.dtype
    for bound in bounds:
        if bound is not None:
            a, b = _operands(x, bound, "clamp")
            pair = np.result_type(a.dtype, b.dtype if isinstance(b, Tensor) else b)
            if (pair.kind == "f") == (dtype.kind == "f"):
                dtype = np.promote_types(dtype, pair)
            elif pair.kind == "f":
                dtype = pair
    return dtype


def where(condition, input=None, other=None):
    """input where condition is True, other elsewhere; where(condition) alone is nonzero(condition, as_tuple=True)."""
    if isinstance(condition, Tensor):
        condition = condition._data
    elif not hasattr(condition, "__array_namespace__"):  # another library's array stays where it is
        condition = np.asarray(condition)
    if input is None and other is None:
        if type(condition) is np.ndarray:
            return tuple(_wrap(p.astype(np.int64, copy=False)) for p in np.nonzero(np.atleast_1d(condition)))
        xp = library_of(condition)  # on condition's device (how many decides the shapes: a sync, as in PyTorch)
        found = xp.nonzero(xp.reshape(condition, (1,)) if condition.ndim == 0 else condition)
        return tuple(_wrap(xp.astype(p, xp.int64, copy=False)) for p in found)
    a, b = input, other
    if _dtype_name(condition) != "bool":
        raise TypeError(f"where: condition must be a bool tensor, got {condition.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        if not isinstance(a, numbers.Real):
            raise TypeError(f"where: input and other must be Tensors or numbers, got {type(a).__name__}")
        a = tensor(a)
    a, b = _operands(a, b, "where")
    return Where.apply(condition, a, b)


def _dtype_name(array):
    return array.dtype.name if type(array) is np.ndarray else str(array.dtype).rpartition(".")[2]


def cast(x, dtype):
    dtype = dtypes.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return Cast.apply(x, dtype)


def clone(x):
    return Clone.apply(check_tensor(x, "clone"))


def sign(x):
    """-1, 0 or 1 per element (0 for nan); a bool tensor comes back as a copy, as in PyTorch."""
    x = check_tensor(x, "sign")
    return Sign.apply(x) if x.dtype.kind != "b" else Clone.apply(x)


def sgn(x):
    return sign(x) if not isinstance(x, Tensor) or x.dtype.kind == "b" else Sgn.apply(x)


def floor(x):
    return _rounding(Floor, x, "floor")


def ceil(x):
    return _rounding(Ceil, x, "ceil")


def trunc(x):
    return _rounding(Trunc, x, "trunc")


def round(x, decimals=None):
    """Round to whole numbers, or to `decimals` decimal places."""
    if decimals is None:
        return _rounding(Round, x, "round")
    if not isinstance(decimals, numbers.Integral):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    x = check_tensor(x, "round")
    _check_not_bool(x, "round")
    return RoundDecimals.apply(x, int(decimals)) if x.dtype.kind == "f" else Clone.apply(x)


def frac(x):
    x = check_tensor(x, "frac")
    if x.dtype.kind != "f":
        raise TypeError(f"frac: only floating-point tensors, got {x.dtype}")
    return Frac.apply(x)


def _rounding(op, x, name):
    """floor, ceil and trunc: an integer or bool tensor is already whole, and comes back as a copy."""
    x = check_tensor(x, name)
    _check_not_bool(x, name)
    return op.apply(x) if x.dtype.kind == "f" else Clone.apply(x)


def _check_not_bool(x, name):
    if x.dtype.kind == "b":
        raise TypeError(f"{name}: not defined for bool tensors, as in PyTorch; convert first (x.float())")


def masked_fill(x, mask, value):
    """x with value where mask is True; the result keeps x's dtype, as in PyTorch."""
    check_tensor(x, "masked_fill")
    if not isinstance(mask, Tensor) or mask.dtype != dtypes.bool:
        kind = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"masked_fill: mask must be a bool Tensor, got {kind}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
    if isinstance(value, Tensor):
        value = cast(value, x.dtype)
    else:
        value = _wrap(constant(scalar_arg(value, "masked_fill", "value"), x.dtype, x._data))
    try:
        np.broadcast_shapes(mask.shape, x.shape)
    except ValueError:
        raise ValueError(f"masked_fill: mask of shape {tuple(mask.shape)} and tensor of shape {tuple(x.shape)} don't broadcast") from None
    return where(mask, value, x)


def check_tensor(x, op, name="input"):
    """x itself if it is a Tensor; a TypeError naming the op otherwise."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def _float_input(x, op="op"):
    if isinstance(x, Tensor) and (x._data.dtype.kind == "f" if type(x._data) is np.ndarray else _floating(x)):
        return x  # the common case, first
    return cast(check_tensor(x, op), dtypes.get_default_dtype())


# ---- comparisons and logic: results are bool tensors outside the graph -----------------------------
def _compare(a, b, function, name):
    return _without_grad(*_operands(a, b, name), function, name)


def _without_grad(a, b, function, name):
    """The standard function named `function` on the operands' arrays (already brought together by
    _operands), from their library (NumPy's ufunc of that name for NumPy arrays), as a tensor with no graph."""
    a_data = a._data if isinstance(a, Tensor) else a
    b_data = b._data if isinstance(b, Tensor) else b
    xp = library_of(a_data if isinstance(a, Tensor) else b_data)
    try:
        result = getattr(xp, function)(a_data, b_data)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None
    return _wrap(np.asarray(result) if xp is np else result)


def _unary(x, function, name):
    data = check_tensor(x, name)._data
    xp = library_of(data)
    if xp is not np and function in _VALUE_TESTS and x.dtype.kind in "biu":  # the standard wants floats there
        return _wrap(xp.full(data.shape, function == "isfinite", dtype=xp.bool))
    result = getattr(xp, function)(data)
    return _wrap(np.asarray(result) if xp is np else result)


_VALUE_TESTS = ("isnan", "isinf", "isfinite")


def _truth(x):
    """x as bools (nonzero is True) for the logical ops, which take any dtype as in PyTorch."""
    return x if not isinstance(x, Tensor) or x.dtype.kind == "b" else ne(x, 0)


def isnan(input):
    """Where the values are nan: a bool tensor (all False for integers and bools)."""
    return _unary(input, "isnan", "isnan")


def isinf(input):
    return _unary(input, "isinf", "isinf")


def isfinite(input):
    """Where the values are neither inf nor nan."""
    return _unary(input, "isfinite", "isfinite")


def eq(a, b):
    return _compare(a, b, "equal", "eq")


def ne(a, b):
    return _compare(a, b, "not_equal", "ne")


def lt(a, b):
    return _compare(a, b, "less", "lt")


def le(a, b):
    return _compare(a, b, "less_equal", "le")


def gt(a, b):
    return _compare(a, b, "greater", "gt")


def ge(a, b):
    return _compare(a, b, "greater_equal", "ge")


# ---- logical (any dtype -> bool) and bitwise (integers and bools) ops: no gradient, as in PyTorch ---------
def logical_not(x):
    return _unary(_truth(check_tensor(x, "logical_not")), "logical_not", "logical_not")


def logical_and(a, b):
    return _compare(_truth(a), _truth(b), "logical_and", "logical_and")


def logical_or(a, b):
    return _compare(_truth(a), _truth(b), "logical_or", "logical_or")


def logical_xor(a, b):
    return _compare(_truth(a), _truth(b), "logical_xor", "logical_xor")


def bitwise_not(x):
    """~x: each bit flipped for integers, not for bools."""
    _check_bitwise(check_tensor(x, "bitwise_not"), "bitwise_not")
    xp = library_of(x._data)
    return _wrap(np.invert(x._data) if xp is np else xp.bitwise_invert(x._data))


def bitwise_and(a, b):
    """a & b, bit by bit for integers (6 & 3 is 2), logical for bools."""
    return _bitwise(a, b, "bitwise_and")


def bitwise_or(a, b):
    return _bitwise(a, b, "bitwise_or")


def bitwise_xor(a, b):
    return _bitwise(a, b, "bitwise_xor")


def _bitwise(a, b, function):
    a, b = _operands(a, b, function)
    for operand in (a, b):
        _check_bitwise(operand, function)
    return _without_grad(a, b, function, function)


def _check_bitwise(operand, name):
    kind = operand.dtype.kind if isinstance(operand, Tensor) else ("f" if isinstance(operand, float) else "i")
    if kind not in "biu":
        dtype = operand.dtype if isinstance(operand, Tensor) else type(operand).__name__
        raise TypeError(f"{name}: only integer and bool operands, got {dtype}; use {name.replace('bitwise', 'logical')} for a truth test")


for _op in (Add, Sub, Mul, Div, Neg, Pow, PowTensor, Exp, Expm1, Log, Log1p, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu,
            Maximum, Minimum, Clamp, ClampByTensors, Where, Sign, Floor, Ceil, Trunc, Round, Sgn, Frac, FloorDivide,
            Remainder, RemainderByNumber, Fmod, FmodByNumber, RoundDecimals, Cast, Clone):
    _op.array_api = True  # standard functions only: they run on any array library
