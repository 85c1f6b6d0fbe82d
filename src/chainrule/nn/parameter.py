"""Parameter: a leaf Tensor that a Module registers as something to train."""
import numpy as np

from .. import dtypes
from ..creation import tensor
from ..tensor import Tensor, _init


class Parameter(Tensor):
    """A Tensor that requires grad by default and is found by Module.parameters().

    Parameter(t) shares t's array (like PyTorch); lists, numbers and NumPy arrays are copied.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=dtypes.get_default_dtype())
        elif isinstance(data, Tensor):
            array = data._data
        else:
            array = tensor(data)._data
        _init(self, array, False, None, 0)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
