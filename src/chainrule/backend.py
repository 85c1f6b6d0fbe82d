"""Which array library an array belongs to. NumPy is the only backend today; ops ask this
function instead of naming `numpy`, so a CuPy backend needs no change to them."""
import importlib

import numpy as np


def array_module(array):
    """numpy for NumPy arrays and scalars; the array's own module (e.g. cupy) otherwise."""
    if type(array) is np.ndarray or isinstance(array, (np.ndarray, np.generic)):  # the first test: the usual case, fast
        return np
    module = type(array).__module__.split(".")[0]
    return importlib.import_module(module) if module not in ("builtins", "numpy") else np
