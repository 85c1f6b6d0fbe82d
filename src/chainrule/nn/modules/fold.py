"""torch.nn.modules.fold's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Fold", "Unfold",)
__getattr__, __dir__ = reexport(__name__, NAMES)
