"""torch.nn.modules.upsampling's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d")
__getattr__, __dir__ = reexport(__name__, NAMES)
