"""torch.nn.modules.batchnorm's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")
__getattr__, __dir__ = reexport(__name__, NAMES)
