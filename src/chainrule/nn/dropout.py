"""Dropout layers: inverted dropout while training, the identity in eval mode. Dropout zeroes single
elements; Dropout1d and Dropout2d zero whole channels (all of input[n, c] at once)."""
from . import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_probability(p)
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p and scale the survivors by 1 / (1 - p) in training mode;
    return the input unchanged after model.eval(). The mask comes from chainrule's generator."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Channel dropout for (N, C, L) or (C, L) inputs (e.g. after Conv1d)."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Channel dropout for (N, C, H, W) inputs (e.g. after Conv2d); 3-D inputs are taken as (N, C, L),
    with PyTorch's warning."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)
