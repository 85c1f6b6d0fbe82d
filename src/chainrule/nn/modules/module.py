"""torch.nn.modules.module's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Module",)
__getattr__, __dir__ = reexport(__name__, NAMES)
