"""chainrule: neural networks on NumPy, built around backpropagation.

    import chainrule as cr
    x = cr.tensor([0.5], requires_grad=True)
    y = cr.exp(x ** 2) ** 2
    y.backward()
    x.grad  # tensor([3.2974])
"""
from . import accelerator, autograd, cuda, dtypes  # noqa: F401
from .autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from . import ops, tensor as _tensor_module
from .autograd.engine import backward as _backward
from .creation import (  # noqa: F401
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, is_tensor, linspace, numel,
    ones, ones_like, tensor, zeros, zeros_like,
)
from .dtypes import bfloat16  # noqa: F401
from .dtypes import (  # noqa: F401
    bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16, int32,
    int64, long, set_default_dtype, short, uint8,
)
from .ops import (  # noqa: F401
    abs, add, all, amax, amin, any, argmax, argmin, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, broadcast_to,
    cat, ceil, clamp, clone, cos, div, eq, exp, expm1, flatten, floor, frac, gather, ge, gt, le, log, log1p,
    log_softmax, logical_and, masked_fill, round, sgn, sign, trunc,
    logical_not, logical_or, logical_xor, logsumexp, lt, matmul, max, maximum, mean, min, minimum, mm, mul, ne,
    neg, permute, pow, relu, reshape, sigmoid, sin, softmax, sqrt, squeeze, stack, std, sub, sum, tanh, transpose,
    unsqueeze, var, where,
)
from .ops import (  # noqa: F401
    bmm, chunk, cumprod, cumsum, einsum, flip, narrow, norm, outer, prod, repeat_interleave, roll, split, tril, triu,
)
from .ops import (  # noqa: F401
    allclose, argsort, equal, floor_divide, fmod, isclose, isfinite, isinf, isnan, masked_select, nonzero, remainder,
    sort, topk, unique,
)
from .ops import (  # noqa: F401  (the in-place twins PyTorch has as functions, and the RNN cells)
    abs_, diag, diagonal, exp_, gru_cell, lstm_cell, relu_, rnn_relu_cell, rnn_tanh_cell, sigmoid_, sqrt_, tanh_,
    trace, unbind,
)
from .random import bernoulli, multinomial  # noqa: F401
from .ops import (  # noqa: F401  (ops/math.py)
    absolute, acos, addcdiv, addcmul, arccos, arcsin, arctan, arctan2, asin, atan, atan2, cosh, deg2rad, erf, erfc, erfinv,
    exp2, fmax, fmin, hypot, lerp, log10, log2, logaddexp, multiply, nan_to_num, negative, rad2deg, reciprocal, rsqrt,
    signbit, sinh, square, subtract, true_divide,
)
from .ops import (  # noqa: F401  (ops/scatter.py)
    argwhere, bincount, bucketize, count_nonzero, index_add, index_copy, index_fill, index_select, masked_scatter,
    scatter, scatter_add, searchsorted, take, take_along_dim,
)
from .ops import (  # noqa: F401  (ops/statistics.py)
    cdist, cummax, cummin, dist, kthvalue, logcumsumexp, median, nanmean, nansum, quantile, std_mean, var_mean,
)
from .ops import (  # noqa: F401  (ops/layout.py)
    addbmm, addmm, addmv, baddbmm, block_diag, cartesian_prod, column_stack, cross, diag_embed, dstack, fliplr, flipud,
    hsplit, hstack, kron, meshgrid, moveaxis, movedim, rot90, row_stack, swapaxes, swapdims, tensor_split, tile,
    unflatten, vsplit, vstack,
)
from .size import Size  # noqa: F401
from .printing import get_printoptions, set_printoptions  # noqa: F401
from .random import (  # noqa: F401
    Generator, default_generator, initial_seed, manual_seed, normal, rand, rand_like, randint, randn,
    randn_like, randperm,
)
from .device import device, get_default_device, set_default_device  # noqa: F401
from .threads import (  # noqa: F401
    are_deterministic_algorithms_enabled, get_num_threads, is_deterministic_algorithms_warn_only_enabled,
    set_num_threads, use_deterministic_algorithms,
)
from .tensor import Tensor  # noqa: F401

# Tensor's operators and methods call ops and the engine, which import Tensor: they are handed over here, once.
_tensor_module.connect(ops, _backward)
autograd.function.connect_views(ops.inplace.refresh_view)

# The layers above the core: they build on everything imported before them.
from . import data, manual, nn, optim, utils  # noqa: F401,E402
from . import viz  # noqa: F401,E402
from .serialization import load, save  # noqa: F401,E402
from .compiler import compile  # noqa: F401,E402
from . import amp, backends, distributed  # noqa: F401,E402
from .amp import autocast  # noqa: F401,E402

clip = clamp
concat = concatenate = cat
detach = Tensor.detach
__version__ = "0.1.0"
