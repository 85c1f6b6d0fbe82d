"""torch.nn.modules.flatten's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Flatten", "Unflatten")
__getattr__, __dir__ = reexport(__name__, NAMES)
