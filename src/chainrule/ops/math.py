"""More elementwise math, as in PyTorch: rsqrt, reciprocal, the hyperbolic and inverse trigonometric functions,
log2/log10/exp2, atan2, hypot, logaddexp, erfinv, and compositions (lerp, addcmul, addcdiv, nan_to_num, fmax, ...).

Ops with a formula of their own compute their forward with `xp = namespace(x)` and their backward as one
formula on arrays or (create_graph) Tensors, so they have second derivatives; the rest are compositions of
recorded ops, whose gradients follow. Integer inputs of the float functions become the default float dtype.
The in-place twins (x.rsqrt_(), ...) are recorded in the graph like ops/inplace.py's.
"""
import math

import numpy as np

from .. import dtypes
from ..args import scalar_arg
from ..autograd.function import Op, namespace
from ..device import library_of
from ..tensor import Tensor, _wrap
from .activation import erf
from .elementwise import (
    _float_input, _tensor_operands, abs, add, cast, check_tensor, clamp, div, isfinite, isnan, mul, neg,
    sub, where,
)
from .inplace import in_place_version

_LN2, _LN10 = math.log(2.0), math.log(10.0)


# ---- unary functions --------------------------------------------------------------------------------------
class Rsqrt(Op):
    def forward(ctx, x):
        with np.errstate(all="ignore"):  # rsqrt(0) = inf, rsqrt(-1) = nan
            y = 1 / namespace(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return -0.5 * gy * y * y * y


class Reciprocal(Op):
    def forward(ctx, x):
        with np.errstate(all="ignore"):
            y = 1 / x
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return -gy * y * y


class Sinh(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).sinh(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).cosh(x)


class Cosh(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).cosh(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * namespace(gy).sinh(x)


class Asin(Op):
    """d/dx asin(x) = 1 / sqrt(1 - x^2): inf at +-1, nan outside [-1, 1], as in PyTorch."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).asin(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / namespace(gy).sqrt(1 - x * x)


class Acos(Asin):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).acos(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy / namespace(gy).sqrt(1 - x * x)


class Atan(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).atan(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (1 + x * x)


class Log2(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).log2(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x * _LN2)


class Log10(Op):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            return namespace(x).log10(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x * _LN10)


class Exp2(Op):
    def forward(ctx, x):
        with np.errstate(all="ignore"):
            y = 2.0**x  # a Python float keeps x's dtype
        ctx.save_for_backward(y)
        return y

    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * _LN2


class Erfinv(Op):
    """The inverse of erf on (-1, 1); +-inf at +-1 and nan outside. Giles' single-precision approximation
    ("Approximating the erfinv function", 2010), then four Newton steps on erf(x) = y in float64, with
    erf and erfc from namespace(y) (arrays.erf on NumPy, the standard's Names.erf elsewhere).
    d/dy erfinv(y) = sqrt(pi) / 2 * exp(erfinv(y)^2)."""

    def forward(ctx, y):
        xp = library_of(y)
        x = xp.astype(_erfinv(xp.astype(y, xp.float64), xp, namespace(y)), y.dtype, copy=False)
        ctx.save_for_backward(x)
        return x

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (math.sqrt(math.pi) / 2) * namespace(gy).exp(x * x)


class Erfc(Op):
    """1 - erf(x), exact where erf(x) is near 1: d/dx = -2 / sqrt(pi) * exp(-x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return namespace(x).erfc(x)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (-2 / math.sqrt(math.pi)) * namespace(gy).exp(-(x * x))


def _erfinv(y, xp, names):
    """erfinv of float64 y with the library xp's standard functions and names.erf / names.erfc."""
    inside = xp.abs(y) < 1
    t = xp.where(inside, xp.abs(y), 0.0)
    with np.errstate(all="ignore"):
        w = -xp.log((1 - t) * (1 + t))
        central, tail = w - 2.5, xp.sqrt(w) - 3
    x = t * xp.where(w < 5, _horner(central, _GILES_CENTRAL), _horner(tail, _GILES_TAIL))
    near_one = t > 0.5  # there erf(x) - t would cancel: solve log(erfc(x)) = log(1 - t) (1 - t is exact)
    with np.errstate(all="ignore"):
        for _ in range(4):
            slope = 2 / math.sqrt(math.pi) * xp.exp(-x * x)
            tail = names.erfc(xp.where(near_one, x, 1.0))
            x = xp.where(near_one, x + xp.log(tail / (1 - t)) * tail / slope, x - (names.erf(x) - t) / slope)
    edge = xp.where(xp.abs(y) == 1, math.inf, xp.full_like(y, math.nan))  # nan stays nan
    return xp.copysign(xp.where(inside, x, edge), y)


def _horner(w, coefficients):
    p = coefficients[0]
    for c in coefficients[1:]:
        p = c + p * w
    return p


_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
               0.00943887047, 1.00167406, 2.83297682)


# ---- binary functions ----------------------------------------------------------------------------------
class Atan2(Op):
    """atan2(a, b), the angle of the point (b, a): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)."""

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return namespace(a).atan2(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        scale = gy / (a * a + b * b)
        need_a, need_b = ctx.needs_input_grad
        return (scale * b if need_a else None), (-scale * a if need_b else None)


class Hypot(Op):
    """sqrt(a^2 + b^2) without overflow: d/da = a / hypot, d/db = b / hypot."""

    def forward(ctx, a, b):
        y = namespace(a).hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        scale = gy / y
        need_a, need_b = ctx.needs_input_grad
        return (scale * a if need_a else None), (scale * b if need_b else None)


class Logaddexp(Op):
    """log(exp(a) + exp(b)) without overflow: d/da = exp(a - y), d/db = exp(b - y)."""

    def forward(ctx, a, b):
        y = namespace(a).logaddexp(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        xp = namespace(gy)
        need_a, need_b = ctx.needs_input_grad
        return (gy * xp.exp(a - y) if need_a else None), (gy * xp.exp(b - y) if need_b else None)


# ---- the functions users call ------------------------------------------------------------------------------
def rsqrt(input):
    return Rsqrt.apply(_float_input(input, "rsqrt"))


def square(input):
    """input * input; integers and bools stay integer (int64 for bool), as in PyTorch."""
    check_tensor(input, "square")
    if input.dtype.kind == "b":
        input = cast(input, dtypes.int64)
    return mul(input, input)


def reciprocal(input):
    return Reciprocal.apply(_float_input(input, "reciprocal"))


def sinh(input):
    return Sinh.apply(_float_input(input, "sinh"))


def cosh(input):
    return Cosh.apply(_float_input(input, "cosh"))


def asin(input):
    return Asin.apply(_float_input(input, "asin"))


def acos(input):
    return Acos.apply(_float_input(input, "acos"))


def atan(input):
    return Atan.apply(_float_input(input, "atan"))


def log2(input):
    return Log2.apply(_float_input(input, "log2"))


def log10(input):
    return Log10.apply(_float_input(input, "log10"))


def exp2(input):
    return Exp2.apply(_float_input(input, "exp2"))


def erfinv(input):
    return Erfinv.apply(_float_input(input, "erfinv"))


def erfc(input):
    return Erfc.apply(_float_input(input, "erfc"))


def atan2(input, other):
    return Atan2.apply(*_float_pair(input, other, "atan2"))


def hypot(input, other):
    return Hypot.apply(*_float_pair(input, other, "hypot", floats_only=True))


def logaddexp(input, other):
    return Logaddexp.apply(*_float_pair(input, other, "logaddexp", floats_only=True))


def _float_pair(a, b, op, floats_only=False):
    """Two tensors of one floating dtype, by PyTorch's promotion (integers become the default float)."""
    check_tensor(a, op)
    check_tensor(b, op, "other")
    a, b = _tensor_operands(a, b, op)
    if a.dtype.kind != "f":
        if floats_only:
            raise TypeError(f"{op}: not implemented for {a.dtype} tensors, as in PyTorch; convert first (x.float())")
        a, b = cast(a, dtypes.get_default_dtype()), cast(b, dtypes.get_default_dtype())
    return a, b


def lerp(input, end, weight):
    """input + weight * (end - input); weight a number or a tensor. Floating tensors only, as in PyTorch."""
    check_tensor(input, "lerp")
    check_tensor(end, "lerp", "end")
    for t in (input, end) + ((weight,) if isinstance(weight, Tensor) else ()):
        if t.dtype.kind != "f":
            raise TypeError(f"lerp: only floating-point tensors, got {t.dtype}")
    if input.dtype != end.dtype:
        raise TypeError(f"lerp: expected input and end of one dtype, got {input.dtype} and {end.dtype}")
    if not isinstance(weight, Tensor):
        weight = scalar_arg(weight, "lerp", "weight")
    return add(input, mul(weight, sub(end, input)))


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    check_tensor(input, "addcmul")
    return add(input, mul(mul(tensor1, tensor2), scalar_arg(value, "addcmul", "value")))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2; integer tensor1 and tensor2 are refused, as in PyTorch."""
    check_tensor(input, "addcdiv")
    if all(isinstance(t, Tensor) and t.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError("addcdiv: integer division with addcdiv is not supported (as in PyTorch); "
                           "use addcmul(input, tensor1, 1 / tensor2) or floating-point tensors")
    return add(input, mul(div(tensor1, tensor2), scalar_arg(value, "addcdiv", "value")))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, inf and -inf replaced by `nan`, `posinf` and `neginf` (by default the dtype's largest and smallest
    finite values); the gradient passes where the input was finite."""
    check_tensor(input, "nan_to_num")
    if input.dtype.kind != "f":
        return input.clone()
    data = input._data
    info = np.finfo(input.dtype)
    posinf = info.max if posinf is None else scalar_arg(posinf, "nan_to_num", "posinf")
    neginf = info.min if neginf is None else scalar_arg(neginf, "nan_to_num", "neginf")
    nan = scalar_arg(nan, "nan_to_num", "nan")
    xp = library_of(data)
    with np.errstate(over="ignore"):  # (the standard's where takes one Python scalar at most)
        filled = xp.where(data != data, float(nan), xp.where(data > 0, xp.full_like(data, float(posinf)), float(neginf)))
    filled = xp.astype(filled, data.dtype, copy=False)
    return where(isfinite(input), input, _wrap(filled))


def fmax(input, other):
    """The larger of each pair, ignoring nan (nan only where both are); ties send the gradient to input, as in PyTorch."""
    a, b = _tensor_operands(check_tensor(input, "fmax"), other, "fmax")
    return where((a >= b) | isnan(b), a, b)


def fmin(input, other):
    """The smaller of each pair, ignoring nan (nan only where both are)."""
    a, b = _tensor_operands(check_tensor(input, "fmin"), other, "fmin")
    return where((a <= b) | isnan(b), a, b)


def signbit(input):
    """Whether the sign bit is set (True for -0.0 too): a bool tensor, outside the graph."""
    data, xp = check_tensor(input, "signbit")._data, library_of(input._data)
    if input.dtype.kind != "f":  # the standard's signbit takes floats only; an integer's sign bit is x < 0
        return _wrap(xp.asarray(data < 0) if input.dtype.kind != "b" else xp.zeros_like(data))
    return _wrap(xp.asarray(xp.signbit(data)))


def deg2rad(input):
    return mul(_float_input(input, "deg2rad"), math.pi / 180)


def rad2deg(input):
    return mul(_float_input(input, "rad2deg"), 180 / math.pi)


def subtract(input, other, *, alpha=1):
    """input - alpha * other (torch.subtract, sub's other name)."""
    return sub(input, other if alpha == 1 else mul(other, alpha))


true_divide, multiply, negative, absolute, clip = div, mul, neg, abs, clamp
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2


# ---- in-place twins: x.rsqrt_() is x = rsqrt(x) in x's memory, recorded in the graph ----------------------------
rsqrt_, square_, reciprocal_, sinh_, cosh_, asin_, acos_, atan_, log2_, log10_, exp2_, erf_, erfinv_, erfc_, atan2_, \
    hypot_, lerp_, addcmul_, addcdiv_, nan_to_num_, deg2rad_, rad2deg_, true_divide_, multiply_, subtract_, \
    negative_, absolute_, clip_, arcsin_, arccos_, arctan_, arctan2_ = [
        in_place_version(function, name + "_") for name, function in (
            ("rsqrt", rsqrt), ("square", square), ("reciprocal", reciprocal), ("sinh", sinh), ("cosh", cosh),
            ("asin", asin), ("acos", acos), ("atan", atan), ("log2", log2), ("log10", log10), ("exp2", exp2),
            ("erf", erf), ("erfinv", erfinv), ("erfc", erfc), ("atan2", atan2), ("hypot", hypot), ("lerp", lerp),
            ("addcmul", addcmul), ("addcdiv", addcdiv), ("nan_to_num", nan_to_num), ("deg2rad", deg2rad),
            ("rad2deg", rad2deg), ("true_divide", true_divide), ("multiply", multiply), ("subtract", subtract),
            ("negative", negative), ("absolute", absolute), ("clip", clip), ("arcsin", arcsin),
            ("arccos", arccos), ("arctan", arctan), ("arctan2", arctan2),
        )
    ]

for _op in (Rsqrt, Reciprocal, Sinh, Cosh, Asin, Acos, Atan, Log2, Log10, Exp2, Atan2, Hypot, Logaddexp, Erfinv, Erfc):
    _op.array_api = True  # standard functions only
