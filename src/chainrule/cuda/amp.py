"""cr.cuda.amp: torch.cuda.amp's deprecated spellings of cr.amp.autocast('cuda') and cr.amp.GradScaler('cuda').

Like torch's they warn that they are deprecated; without CUDA they then disable themselves (a
second warning), so autocast does nothing and GradScaler passes everything through.
"""
import warnings

from .. import dtypes
from ..amp import autocast_mode, grad_scaler


class autocast(autocast_mode.autocast):
    """autocast(enabled=True, dtype=chainrule.float16, cache_enabled=True): autocast('cuda', ...)."""

    def __init__(self, enabled=True, dtype=dtypes.float16, cache_enabled=True):
        warnings.warn("`chainrule.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`chainrule.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(grad_scaler.GradScaler):
    """GradScaler(init_scale=2.**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True):
    GradScaler('cuda', ...)."""

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`chainrule.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`chainrule.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)
