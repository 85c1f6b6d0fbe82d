"""torch.nn.modules.container's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Container", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")
__getattr__, __dir__ = reexport(__name__, NAMES)
