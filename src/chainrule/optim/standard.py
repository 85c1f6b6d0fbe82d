"""The optimizers' update rules on any array library, through NumPy's own calls.

An update rule is written once, for NumPy, in place: ufuncs with out= (`np.multiply(g, lr, out=work)`),
augmented assignments (`p -= work`) and scratch arrays (`np.empty_like(p)`). That is the fast path of every
training step, and it stays as it is. For a parameter of another library (CuPy, array-api-strict), the rule
gets StandardArrays instead: NumPy hands every such call to the StandardArray (NumPy's __array_ufunc__ and
__array_function__ protocols), which computes it with the standard's functions and writes the result back.
So the same rule, line by line, runs on a GPU.

Writing back: a StandardArray around a tensor's array (a parameter, a state tensor) writes into that array's
memory (`array[...] = result`), so the tensor sees the change; a scratch array (np.empty_like, a result)
just takes the new array.
"""
import operator

import numpy as np

from ..device import library_of

_OPERATORS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
              np.divide: operator.truediv, np.negative: operator.neg}
_FUNCTIONS = {np.sqrt: "sqrt", np.absolute: "abs", np.maximum: "maximum"}  # ufunc -> the standard's name
_LIKE = {np.empty_like: "empty_like", np.zeros_like: "zeros_like", np.full_like: "full_like"}


class StandardArray:
    """A standard array that takes the NumPy calls of an in-place update rule (see the module's docstring)."""

    __slots__ = ("array", "writes_through")

    def __init__(self, array, writes_through=True):
        self.array = array
        self.writes_through = writes_through

    def __repr__(self):
        return f"StandardArray({self.array!r})"

    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    def _store(self, result):
        if self.writes_through:
            self.array[...] = result
        else:
            self.array = result

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if method != "__call__" or kwargs or not (ufunc in _OPERATORS or ufunc in _FUNCTIONS):
            raise NotImplementedError(f"optimizer update on {type(self.array).__module__} arrays: "
                                      f"np.{ufunc.__name__}.{method} has no standard counterpart here")
        arrays = [unwrap(x) for x in inputs]
        if ufunc in _OPERATORS:
            result = _OPERATORS[ufunc](*arrays)
        else:
            result = getattr(library_of(self.array), _FUNCTIONS[ufunc])(*arrays)
        if out is None:
            return StandardArray(result, writes_through=False)
        out[0]._store(result)
        return out[0]

    def __array_function__(self, func, types, args, kwargs):
        if func not in _LIKE or kwargs:
            raise NotImplementedError(f"optimizer update on {type(self.array).__module__} arrays: "
                                      f"np.{func.__name__} has no standard counterpart here")
        like = getattr(library_of(self.array), _LIKE[func])
        return StandardArray(like(self.array, *args[1:]), writes_through=False)

    # augmented assignments: the standard's own in-place operators (CuPy and array-api-strict change the memory)
    def __iadd__(self, other):
        self.array += unwrap(other)
        return self

    def __isub__(self, other):
        self.array -= unwrap(other)
        return self

    def __imul__(self, other):
        self.array *= unwrap(other)
        return self

    def __itruediv__(self, other):
        self.array /= unwrap(other)
        return self

    def __float__(self):
        return float(self.array)

    def copy(self):
        return StandardArray(copy_of(self.array), writes_through=False)


def updatable(array):
    """The array itself (NumPy), or a StandardArray writing through to it (any other library)."""
    return array if type(array) is np.ndarray else StandardArray(array)


def copy_of(array):
    """A copy of an array of any library (the standard has no .copy())."""
    return array.copy() if type(array) is np.ndarray else library_of(array).asarray(array, copy=True)


def unwrap(value):
    """The library's own array of a StandardArray; anything else as it is."""
    return value.array if type(value) is StandardArray else value
