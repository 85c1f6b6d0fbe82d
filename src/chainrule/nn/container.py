"""Containers: Sequential (runs its modules in order) and ModuleList (holds modules, runs nothing)."""
import numbers
from collections import OrderedDict

from ..errors import OutOfRangeError
from .module import Module, _indent


def _position(index, length, container):
    """A valid non-negative position for an int index (negative ones count from the end)."""
    if not isinstance(index, numbers.Integral):
        raise TypeError(f"{container} indices must be integers or slices, not {type(index).__name__}")
    if not -length <= index < length:
        raise OutOfRangeError(f"index {index} is out of range for {container} of length {length}")
    return index % length


def _insert_position(index, length, container):
    """list.insert's position, but out-of-range indices are errors, as in PyTorch."""
    if not isinstance(index, numbers.Integral):
        raise TypeError(f"{container}.insert: index must be an integer, not {type(index).__name__}")
    if not -length <= index <= length:
        raise OutOfRangeError(f"{container}.insert: index {index} is out of range for length {length}")
    return index + length if index < 0 else index


def _renumber(container, modules):
    """Keys become 0..n-1 again after a delete or insert, as in PyTorch."""
    container._modules.clear()
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


class Sequential(Module):
    """Sequential(m1, m2, ...) or Sequential(OrderedDict(name=module, ...)): forward feeds each
    module's output to the next. Indexable (ints, negative ints, slices), iterable, appendable."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input):
        for module in self:
            input = module(input)
        return input

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(items[index]))
        return items[_position(index, len(items), "Sequential")][1]

    def __setitem__(self, index, module):
        key = list(self._modules)[_position(index, len(self), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position(index, len(modules), "Sequential")]
        _renumber(self, modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(_insert_position(index, len(modules), "Sequential"), module)
        _renumber(self, modules)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees. It has no forward: loop over it."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(_position(index, len(self), "ModuleList"))]

    def __setitem__(self, index, module):
        setattr(self, str(_position(index, len(self), "ModuleList")), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position(index, len(modules), "ModuleList")]
        _renumber(self, modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(f"ModuleList.extend should be called with an iterable of modules, got {type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(_insert_position(index, len(modules), "ModuleList"), module)
        _renumber(self, modules)

    def __repr__(self):
        """Runs of identical modules print once, as '(0-2): 3 x Linear(...)', like PyTorch."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        blocks = []  # [first index, last index, repr]
        for index, text in enumerate(reprs):
            if blocks and blocks[-1][2] == text:
                blocks[-1][1] = index
            else:
                blocks.append([index, index, text])
        lines = [
            _indent(f"({first}): {text}" if first == last else f"({first}-{last}): {last - first + 1} x {text}", 2)
            for first, last, text in blocks
        ]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"
