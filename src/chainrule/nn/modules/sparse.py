"""torch.nn.modules.sparse's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Embedding", "EmbeddingBag")
__getattr__, __dir__ = reexport(__name__, NAMES)
