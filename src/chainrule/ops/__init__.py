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
    abs_, add_, augmented, ceil_, clamp_, clamp_max_, clamp_min_, copy_, cos_, div_, exp_, expm1_, fill_, floor_,
    frac_, log1p_, log_, masked_fill_, mul_, neg_, normal_, pow_, relu_, round_, setitem, sgn_, sigmoid_, sign_,
    sin_, sqrt_, sub_, tanh_, trunc_, uniform_, zero_,
)
from .linalg import matmul, mm  # noqa: F401
from .reduce import all, amax, amin, any, argmax, argmin, max, mean, min, std, sum, var  # noqa: F401
from .shape import (  # noqa: F401
    broadcast_to, cat, expand, flatten, normalize_dim, permute, reshape, shape_arg, squeeze, stack,
    sum_to, transpose, unsqueeze,
)
from .softmax import log_softmax, logsumexp, softmax  # noqa: F401
from .einsum import einsum  # noqa: F401
from .linalg import bmm, outer  # noqa: F401
from .reduce import norm, prod  # noqa: F401
from .scan import cumprod, cumsum  # noqa: F401
from .shape import chunk, flip, narrow, repeat, repeat_interleave, roll, split, tril, triu  # noqa: F401
from ..creation import new_empty, new_full, new_ones, new_tensor, new_zeros  # noqa: F401
from .elementwise import floor_divide, fmod, isfinite, isinf, isnan, remainder  # noqa: F401
from .select import allclose, equal, isclose, masked_select, nonzero  # noqa: F401
from .sort import argsort, sort, topk, unique  # noqa: F401
from ..random import bernoulli, multinomial  # noqa: F401
from .rnn import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell, unbind  # noqa: F401
from .diagonal import diag, diag_embed, diagonal, trace  # noqa: F401
from .device import to_device  # noqa: F401
from .math import (  # noqa: F401
    absolute, absolute_, acos, acos_, addcdiv, addcdiv_, addcmul, addcmul_, arccos, arccos_, arcsin, arcsin_, arctan,
    arctan2, arctan2_, arctan_, asin, asin_, atan, atan2, atan2_, atan_, clip, clip_, cosh, cosh_, deg2rad, deg2rad_,
    erf_, erfc, erfc_, erfinv, erfinv_, exp2, exp2_, fmax, fmin, hypot, hypot_, lerp, lerp_, log10, log10_, log2, log2_, logaddexp,
    multiply, multiply_, nan_to_num, nan_to_num_, negative, negative_, rad2deg, rad2deg_, reciprocal, reciprocal_,
    rsqrt, rsqrt_, signbit, sinh, sinh_, square, square_, subtract, subtract_, true_divide, true_divide_,
)
from .scatter import (  # noqa: F401
    argwhere, bincount, bucketize, count_nonzero, index_add, index_add_, index_copy, index_copy_, index_fill,
    index_fill_, index_select, masked_scatter, masked_scatter_, scatter, scatter_, scatter_add, scatter_add_,
    searchsorted, take, take_along_dim,
)
from .statistics import (  # noqa: F401
    cdist, cummax, cummin, dist, kthvalue, logcumsumexp, median, nanmean, nansum, quantile, std_mean, var_mean,
)
from .layout import (  # noqa: F401
    addbmm, addmm, addmv, baddbmm, block_diag, cartesian_prod, column_stack, cross, dstack, fliplr, flipud,
    hsplit, hstack, kron, meshgrid, moveaxis, movedim, rot90, row_stack, swapaxes, swapdims, tensor_split, tile,
    unflatten, vsplit, vstack,
)
