"""Every differentiable op, grouped by family; each op class holds its forward and its backward.

This package is also the namespace a recorded backward computes in (a Tensor's `__array_namespace__`):
the names a backward formula calls as `xp.<name>` exist here and in autograd/arrays.py alike.
"""
from ..creation import tensor, zeros_like  # noqa: F401
from .activation import erf, gelu, log_sigmoid, softplus  # noqa: F401
from .elementwise import (  # noqa: F401
    abs, add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, cast, ceil, clamp, clone, cos, div, eq, exp, expm1,
    floor, frac, ge, gt, le, log, log1p, logical_and, logical_not, logical_or, logical_xor, lt, masked_fill, maximum,
    minimum, mul, ne, neg, pow, relu, round, sgn, sigmoid, sign, sin, sqrt, sub, tanh, trunc, where,
)
from .index import gather, getitem, index_key, setitem_array  # noqa: F401
from .inplace import (  # noqa: F401
    add_, clamp_, copy_, div_, fill_, in_place_or_new, mul_, normal_, setitem, sub_, uniform_, zero_,
)
from .linalg import matmul, mm  # noqa: F401
from .reduce import all, amax, amin, any, argmax, argmin, max, mean, min, std, sum, var  # noqa: F401
from .shape import (  # noqa: F401
    broadcast_to, cat, expand, flatten, normalize_dim, permute, reshape, shape_arg, squeeze, stack,
    sum_to, transpose, unsqueeze,
)
from .softmax import log_softmax, logsumexp, softmax  # noqa: F401
