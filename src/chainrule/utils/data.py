"""`chainrule.utils.data` is the module `chainrule.data` itself, so PyTorch code moves over by
changing one import: `from chainrule.utils.data import DataLoader, TensorDataset`."""
import sys

from .. import data as _data

sys.modules[__name__] = _data  # Python's import returns what sys.modules holds once this runs
