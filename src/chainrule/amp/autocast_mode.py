"""autocast: mixed precision as PyTorch spells it, for scripts that run on the CPU.

chainrule has no lower-precision compute path: it has no bfloat16 (NumPy lacks it) and does not cast
to float16 behind your back. So inside an enabled autocast region every op computes in its tensors'
own dtype, exactly as outside it; the context manager only records that the region is enabled.
As in PyTorch, autocast('cuda') warns and disables itself where CUDA is unavailable (no CuPy or no GPU),
and a dtype other than float16/bfloat16 warns and disables.
"""
import functools
import threading
import warnings

from .. import dtypes
from ..device import cuda_device_count

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hpu", "mtia", "maia", "xla", "ipu")
_DEFAULT_DTYPES = {"cpu": dtypes.bfloat16, "mps": dtypes.float16}  # others: float16, as torch
_state = threading.local()  # like torch, the autocast state is per thread


def is_autocast_available(device_type):
    """Whether autocast(device_type) is accepted (it never changes how chainrule computes)."""
    return device_type in _DEVICE_TYPES


def get_autocast_dtype(device_type):
    return _settings(device_type)[1]


def is_autocast_enabled(device_type="cuda"):
    return _settings(device_type)[0]


def _settings(device_type):
    table = getattr(_state, "settings", None)
    if table is None:
        table = _state.settings = {}
    return table.get(device_type, (False, _DEFAULT_DTYPES.get(device_type, dtypes.float16)))


class autocast:
    """autocast(device_type, dtype=None, enabled=True, cache_enabled=None): a context manager and a decorator.

        with cr.autocast("cpu"):          # runs, and computes in the tensors' own dtype (float32 stays float32)
            loss = loss_fn(model(x), y)
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'; "
                               f"use one of {', '.join(_DEVICE_TYPES)}")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        self._enabled = bool(enabled) and self._supported(stacklevel=3)
        self._previous = []

    def _supported(self, stacklevel):
        if self.device == "cuda" and cuda_device_count() == 0:
            warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=stacklevel + 1)
            return False
        if not (self.fast_dtype is dtypes.bfloat16 or self.fast_dtype == dtypes.float16):
            name = self.device.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                          f"{name} Autocast only supports dtypes of chainrule.bfloat16, chainrule.float16 currently.",
                          stacklevel=stacklevel + 1)
            return False
        return True

    def __enter__(self):
        _settings(self.device)  # makes sure the table exists
        self._previous.append(_state.settings.get(self.device))
        _state.settings[self.device] = (self._enabled, self.fast_dtype)
        return self

    def __exit__(self, *exc_info):
        previous = self._previous.pop()
        if previous is None:
            del _state.settings[self.device]
        else:
            _state.settings[self.device] = previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorated

    def __repr__(self):
        return f"autocast(device_type={self.device!r}, dtype={self.fast_dtype}, enabled={self._enabled})"
