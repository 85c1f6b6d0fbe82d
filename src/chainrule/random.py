"""Random numbers: one global generator, seeded by manual_seed, as in PyTorch."""
import numbers

import numpy as np

from . import dtypes
from .args import count_arg, size_arg
from .args import scalar_arg as _scalar_arg
from .device import place, to_host
from .tensor import Tensor, _wrap

_DEFAULT_SEED = 67280421310721  # PyTorch's default, so a fresh process is reproducible too


class Generator:
    """A seeded source of random numbers (wraps NumPy's PCG64)."""

    def __init__(self, device="cpu"):
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        self._seed = _seed_arg(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


SEED_RANGE = _SEED_MIN, _SEED_MAX = -0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF  # what torch.manual_seed takes


def _seed_arg(seed):
    """A seed as torch.manual_seed takes it: an int from -2**63 to 2**64 - 1 (a float holding a whole
    number too), kept as its 64-bit two's complement (-1 -> 2**64 - 1), so initial_seed() matches torch's.

    Stricter than torch on types: torch truncates 1.5 to 1 and parses "3"; here those are TypeErrors.
    """
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"manual_seed: the seed must be an int from {_SEED_MIN} to {_SEED_MAX}, got {type(seed).__name__} {seed!r}"
        )
    seed = int(seed)
    if not _SEED_MIN <= seed <= _SEED_MAX:
        raise ValueError(f"manual_seed: the seed must be from {_SEED_MIN} to {_SEED_MAX} (-2**63 to 2**64 - 1), got {seed}")
    return seed % 2**64


default_generator = Generator()


def manual_seed(seed):
    """Seed the global generator: init, dropout, shuffling and randn become reproducible."""
    return default_generator.manual_seed(seed)


def initial_seed():
    return default_generator.initial_seed()


def _rng(generator):
    return (generator or default_generator).rng


def normal_array(shape, dtype, generator=None):
    dtype = dtypes.as_dtype(dtype)
    if dtype in (dtypes.float32, dtypes.float64):
        return _rng(generator).standard_normal(shape, dtype=dtype)
    return _rng(generator).standard_normal(shape).astype(dtype)


def uniform_array(shape, dtype, low=0.0, high=1.0, generator=None):
    dtype = dtypes.as_dtype(dtype)
    if dtype in (dtypes.float32, dtypes.float64):
        values = _rng(generator).random(shape, dtype=dtype)
    else:
        values = _rng(generator).random(shape).astype(dtype)
    if low != 0.0 or high != 1.0:
        values = (values * (high - low) + low).astype(dtype, copy=False)
    return values


def _float_dtype(dtype, op):
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: random floats need a floating-point dtype, got {dtype}")
    return dtype


def _int_arg(value, op, name):
    """An int (a float holding a whole number, as torch accepts, included)."""
    value = _scalar_arg(value, op, name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, numbers.Integral):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    return int(value)


def _make(array, requires_grad, device):
    t = _wrap(place(array, device))  # made with NumPy on the host, then moved
    return t.requires_grad_(True) if requires_grad else t


def randn(*size, dtype=None, requires_grad=False, generator=None, device=None):
    """Standard normal samples of the given size (float32 unless dtype says otherwise)."""
    return _make(normal_array(size_arg(size, "randn"), _float_dtype(dtype, "randn"), generator), requires_grad, device)


def rand(*size, dtype=None, requires_grad=False, generator=None, device=None):
    """Uniform samples in [0, 1)."""
    return _make(uniform_array(size_arg(size, "rand"), _float_dtype(dtype, "rand"), generator=generator), requires_grad, device)


def randint(low=0, high=None, size=None, dtype=None, generator=None, device=None):
    """Ints from [low, high): randint(high, size) or randint(low, high, size); int64 unless dtype says otherwise."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: give size as a tuple, e.g. randint(10, (3,)) or randint(0, 10, (3,))")
    low, high = _int_arg(low, "randint", "low"), _int_arg(high, "randint", "high")
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low}, high={high}")
    try:
        values = _rng(generator).integers(low, high, size=size_arg((size,), "randint"))
    except ValueError as err:  # bounds beyond int64
        raise ValueError(f"randint: {err} (low={low}, high={high})") from None
    return _make(values.astype(dtypes.as_dtype(dtype or dtypes.int64)), False, device)


def randperm(n, dtype=None, generator=None, device=None):
    return _make(_rng(generator).permutation(count_arg(n, "randperm", "n")).astype(dtypes.as_dtype(dtype or dtypes.int64)), False, device)


def randn_like(t, dtype=None, requires_grad=False, device=None):
    return randn(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=device or t.device)


def rand_like(t, dtype=None, requires_grad=False, device=None):
    return rand(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, device=device or t.device)


def normal(mean, std, size, generator=None, dtype=None, requires_grad=False):
    mean, std = _scalar_arg(mean, "normal", "mean"), _scalar_arg(std, "normal", "std")
    values = normal_array(size_arg((size,), "normal"), _float_dtype(dtype, "normal"), generator) * std + mean
    return _make(values.astype(_float_dtype(dtype, "normal"), copy=False), requires_grad, None)


# ---- sampling from given probabilities -------------------------------------------------------------------
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples category indices per row of `input` (1-d, or 2-d with one distribution per row), each drawn
    with probability proportional to its weight; without replacement no index repeats within a row.

    The draws are not PyTorch's numbers (another generator): their distribution is the same.
    """
    weights = _distributions(input, "multinomial")
    count = count_arg(num_samples, "multinomial", "num_samples")
    categories = weights.shape[-1]
    if count == 0:
        raise ValueError("multinomial: num_samples must be positive, got 0")
    if not replacement and count > categories:
        raise ValueError(f"multinomial: can't draw {count} samples without replacement from {categories} categories")
    rows = weights.reshape(-1, categories)
    rng = _rng(generator)
    drawn = _with_replacement(rows, count, rng) if replacement else _without_replacement(rows, count, rng)
    return _wrap(place(drawn.reshape(weights.shape[:-1] + (count,)), input.device))  # drawn on the host


def _distributions(input, op):
    """The weights as float64 rows, checked as PyTorch checks them: finite, non-negative, a positive sum per row."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    data = to_host(input._data)  # read on the host, where the generator is (a copy from a GPU)
    if data.dtype.kind != "f":
        raise TypeError(f"{op}: the probabilities must be a floating-point tensor, got {data.dtype}")
    if data.ndim not in (1, 2):
        raise ValueError(f"{op}: the probabilities must be 1-d or 2-d (one distribution per row), got {data.ndim}-d")
    weights = data.astype(np.float64)
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(f"{op}: the probabilities contain inf, nan or a negative value")
    if (weights.sum(axis=-1) <= 0).any():
        raise ValueError(f"{op}: every row of probabilities needs a positive sum (a row is all zeros)")
    return weights


def _with_replacement(rows, count, rng):
    """Inverse-CDF sampling: uniform numbers placed among each row's cumulative weights."""
    drawn = np.empty((len(rows), count), dtype=np.int64)
    for i, row in enumerate(rows):
        cumulative = np.cumsum(row)
        index = np.searchsorted(cumulative, rng.random(count) * cumulative[-1], side="right")
        drawn[i] = np.minimum(index, np.flatnonzero(row)[-1])  # rounding at the top: the last positive weight
    return drawn


def _without_replacement(rows, count, rng):
    """The count largest weight / Exponential(1) keys of each row (PyTorch's method): each draw takes a
    category with probability proportional to its weight among those not yet drawn."""
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = rows / rng.exponential(size=rows.shape)
    order = np.argsort(-keys, axis=-1, kind="stable")
    return order[:, :count].astype(np.int64, copy=False)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability p and 0 otherwise, per element: p is `input` itself (values in [0, 1]), or the number
    p for every element. The result has input's shape and dtype; unlike PyTorch's it is a constant (no
    graph), so a loss through it leaves input.grad None where PyTorch gives zeros."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    data = to_host(input._data)  # read on the host, where the generator is (a copy from a GPU)
    if p is None:
        if data.dtype.kind != "f":
            raise TypeError(f"bernoulli: the probabilities must be a floating-point tensor, got {data.dtype}")
        if not ((data >= 0) & (data <= 1)).all():
            raise ValueError("bernoulli: every probability must be in [0, 1] (nan is not)")
        p = data
    else:
        p = _scalar_arg(p, "bernoulli", "p")
        if not 0 <= p <= 1:
            raise ValueError(f"bernoulli: p must be in [0, 1], got {p}")
    return _wrap(place(np.asarray(_rng(generator).random(data.shape) < p).astype(data.dtype), input.device))
