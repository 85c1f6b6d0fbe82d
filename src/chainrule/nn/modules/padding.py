"""torch.nn.modules.padding's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = (
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
    "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
)
__getattr__, __dir__ = reexport(__name__, NAMES)
