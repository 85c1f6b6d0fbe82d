"""torch.nn.modules.rnn's names for chainrule.nn's classes (resolved on first access)."""
from ._lazy import reexport

NAMES = ("RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell")
__getattr__, __dir__ = reexport(__name__, NAMES)
