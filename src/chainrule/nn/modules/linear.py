"""torch.nn.modules.linear's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Bilinear", "Identity", "Linear")
__getattr__, __dir__ = reexport(__name__, NAMES)
