"""chainrule.nn: Module and Parameter, layers, losses, init and the functional API, as in PyTorch."""
from . import functional, init  # noqa: F401
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh  # noqa: F401
from .container import ModuleList, Sequential  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .flatten import Flatten  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss  # noqa: F401
from .module import Module, StateDictError  # noqa: F401
from .parameter import Parameter  # noqa: F401
