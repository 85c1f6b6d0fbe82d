"""Linear, Bilinear and Identity layers."""
import math

import numpy as np

from .. import dtypes
from ..creation import count_arg
from ..ops.linear import linear
from ..args import check_layer_device as _check_device
from .module import place as _place
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features).

    Initialised as in PyTorch: weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)),
    drawn from chainrule's generator (cr.manual_seed makes it reproducible).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.in_features = count_arg(in_features, "Linear", "in_features")
        self.out_features = count_arg(out_features, "Linear", "out_features")
        _add_weight_and_bias(self, (self.out_features, self.in_features), bias, dtype)
        self.reset_parameters()
        _place(self, device)

    def reset_parameters(self):
        init._layer_default_(self.weight, self.bias)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (its arguments are accepted and ignored, as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Bilinear(Module):
    """y = x1^T A x2 + b per output feature: weight (out_features, in1_features, in2_features), bias (out_features,),
    both initialised U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as in PyTorch."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.in1_features = count_arg(in1_features, "Bilinear", "in1_features")
        self.in2_features = count_arg(in2_features, "Bilinear", "in2_features")
        self.out_features = count_arg(out_features, "Bilinear", "out_features")
        _add_weight_and_bias(self, (self.out_features, self.in1_features, self.in2_features), bias, dtype)
        self.reset_parameters()
        _place(self, device)

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


def _add_weight_and_bias(layer, weight_shape, bias, dtype):
    """Uninitialised parameters (reset_parameters() fills them): weight of weight_shape and bias, one per
    output feature (weight_shape[0]), or None."""
    layer.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        layer.bias = Parameter(np.empty(weight_shape[:1], dtype=dtype))
    else:
        layer.register_parameter("bias", None)
