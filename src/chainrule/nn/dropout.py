"""Dropout: inverted dropout while training, the identity in eval mode."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability p and scale the survivors by 1 / (1 - p) in training mode;
    return the input unchanged after model.eval(). The mask comes from chainrule's generator."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_probability(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
