"""torch.nn.modules.dropout's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
__getattr__, __dir__ = reexport(__name__, NAMES)
