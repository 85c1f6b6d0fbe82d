"""Size: a tensor's sizes, a tuple of ints (torch.Size), as `Tensor.size()` and `Tensor.shape` give it."""
import math
import operator


class Size(tuple):
    """A tuple of ints that prints as `chainrule.Size([2, 3])` and knows its number of elements.

    It stays a Size when sliced, added to or repeated, as torch.Size does; it equals the plain tuple.
    """

    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for position, n in enumerate(sizes):
            try:
                operator.index(n)
            except TypeError:
                raise TypeError(
                    f"Size() takes an iterable of ints (item {position} is {type(n).__name__})"
                ) from None
        return tuple.__new__(cls, [operator.index(n) for n in sizes])

    def numel(self):
        """The number of elements a tensor of this size holds (1 for the size of a 0-d tensor)."""
        return math.prod(self)

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return tuple.__new__(Size, item) if isinstance(key, slice) else item

    def __add__(self, other):
        return tuple.__new__(Size, tuple.__add__(self, other))

    def __radd__(self, other):
        return tuple.__new__(Size, tuple.__add__(tuple(other), self))

    def __mul__(self, times):
        return tuple.__new__(Size, tuple.__mul__(self, times))

    __rmul__ = __mul__

    def __repr__(self):
        return f"chainrule.Size({list(self)})"

    __str__ = __repr__

    def __reduce__(self):
        return (Size, (tuple(self),))
