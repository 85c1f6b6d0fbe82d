"""chainrule.utils: where PyTorch code looks for torch.utils.* (today: utils.data is chainrule.data)."""
from . import data  # noqa: F401
