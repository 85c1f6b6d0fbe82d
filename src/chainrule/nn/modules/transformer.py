"""torch.nn.modules.transformer's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer")
__getattr__, __dir__ = reexport(__name__, NAMES)
