"""torch.nn.modules.normalization's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("LocalResponseNorm", "CrossMapLRN2d", "LayerNorm", "GroupNorm", "RMSNorm")
__getattr__, __dir__ = reexport(__name__, NAMES)
