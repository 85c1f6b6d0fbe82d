"""torch.nn.modules.conv's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
__getattr__, __dir__ = reexport(__name__, NAMES)
