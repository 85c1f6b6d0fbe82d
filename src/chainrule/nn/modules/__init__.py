"""chainrule.nn.modules: torch.nn.modules' spellings. `chainrule.nn.modules.linear.Linear` (or
`chainrule.nn.modules.Linear`) is chainrule.nn.Linear: each submodule is named after PyTorch's file and
resolves its names from chainrule.nn when first used (see _lazy.py), so code written against
torch.nn.modules.<file>.<Class> runs unchanged."""
from . import (  # noqa: F401
    activation, batchnorm, container, conv, dropout, flatten, linear, loss, module, normalization, pooling, rnn,
    sparse, transformer, upsampling,
)
from . import channelshuffle, distance, fold, padding, pixelshuffle  # noqa: F401
from ._lazy import reexport

_FILES = (activation, batchnorm, container, conv, dropout, flatten, linear, loss, module, normalization, pooling,
          rnn, sparse, transformer, upsampling, channelshuffle, distance, fold, padding, pixelshuffle)
__getattr__, _dir_names = reexport(__name__, [name for file in _FILES for name in file.NAMES])


def __dir__():
    return sorted(set(globals()) | set(_dir_names()))
