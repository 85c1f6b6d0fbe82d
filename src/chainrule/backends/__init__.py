"""cr.backends: the switches PyTorch scripts set for GPU backends, with torch's defaults.

None of them changes how chainrule computes (NumPy on the CPU); they exist so device-aware
scripts run unchanged: `if cr.backends.mps.is_available(): ...`, `cr.backends.cudnn.benchmark = True`.
"""
from . import cuda, cudnn, mps  # noqa: F401
