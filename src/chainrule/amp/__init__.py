"""cr.amp: PyTorch's mixed-precision API, so AMP training scripts run unchanged on the CPU.

autocast computes in the tensors' own dtype (chainrule has no lower-precision path); GradScaler
really scales the loss, unscales the gradients and skips steps with inf/NaN gradients, as torch's.
"""
from .autocast_mode import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled  # noqa: F401
from .grad_scaler import GradScaler, OptState  # noqa: F401
