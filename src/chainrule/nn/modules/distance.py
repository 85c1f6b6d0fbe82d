"""torch.nn.modules.distance's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("PairwiseDistance", "CosineSimilarity",)
__getattr__, __dir__ = reexport(__name__, NAMES)
