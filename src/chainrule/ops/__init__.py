"""Every differentiable op, grouped by family; each op class holds its forward and its backward."""
from .elementwise import (  # noqa: F401
    abs, add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, cast, clamp, clone, cos, div, eq, exp, expm1, ge,
    gt, le, log, log1p, logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum, mul, ne, neg, pow,
    relu, sigmoid, sin, sqrt, sub, tanh, where,
)
from .index import gather, getitem, index_key, setitem_array  # noqa: F401
from .linalg import matmul, mm  # noqa: F401
from .reduce import (  # noqa: F401
    amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var,
)
from .shape import (  # noqa: F401
    broadcast_to, cat, expand, flatten, normalize_dim, permute, reshape, shape_arg, squeeze, stack,
    sum_to, transpose, unsqueeze,
)
from .softmax import log_softmax, softmax  # noqa: F401
