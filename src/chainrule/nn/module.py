"""Module: the base class of every layer and model, as in PyTorch.

A Module keeps its Parameters, buffers and submodules in three ordered dicts, filled by plain
attribute assignment (self.fc = Linear(2, 3)). Everything that walks the tree (parameters(),
state_dict(), train(), to()) visits modules in the same order as PyTorch: a module's own
entries first, then its children in registration order. Shared parameters and modules are
visited once. The walks use an explicit stack, not recursion.
"""
import collections
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..args import check_device as _check_device
from ..args import is_device as _is_device
from ..creation import zeros_like as _zeros_like
from ..device import CPU as _CPU
from ..device import get_default_device as _get_default_device
from ..device import move as _move_array
from ..device import of as _device_of
from ..tensor import Tensor, _wrap
from .parameter import Parameter


class StateDictError(RuntimeError, ValueError):
    """load_state_dict refused a state dict (missing, unexpected or mis-shaped entries)."""


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Subclass it, create layers in __init__ (after super().__init__()), and write forward()."""

    training = True

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- registration -------------------------------------------------------------------
    def register_parameter(self, name, param):
        self._check_name(name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(chainrule.nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        self._check_name(name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        self._check_name(name, "module", "_modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def _check_name(self, name, kind, home):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call (call super().__init__() first)")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")
        if hasattr(self, name) and name not in getattr(self, home):
            raise KeyError(f"attribute '{name}' already exists")

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=params)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (chainrule.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Drop `name` from wherever it was, so one name never lives in two places. `keep` (the dict the
        name is about to be stored in) is left alone: re-assigning a name there replaces the value in
        place, so the name keeps its position (as in PyTorch) and iterating that dict meanwhile is safe."""
        self.__dict__.pop(name, None)
        for home in (self._parameters, self._buffers, self._modules):
            if home is not keep:
                home.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):  # only called when normal lookup fails
        d = self.__dict__
        for home in ("_parameters", "_buffers", "_modules"):
            if home in d and name in d[home]:
                return d[home][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        if any(name in d.get(home, ()) for home in ("_parameters", "_buffers", "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    # ---- walking the tree ---------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first, parents before children."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(key, child) for key, child in module._modules.items() if child is not None]
            stack.extend((f"{name}.{key}" if name else key, child) for key, child in reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, home, prefix, recurse, remove_duplicate):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, home).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn(module) on every submodule, children before parents (as PyTorch), then return self."""
        order = []
        stack = [(self, False)]
        while stack:
            module, children_done = stack.pop()
            if children_done:
                order.append(module)
                continue
            stack.append((module, True))
            stack.extend((child, False) for child in reversed(list(module.children())))
        for module in order:
            fn(module)
        return self

    # ---- modes and gradients ------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {type(mode).__name__}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad = _zeros_like(param.grad)  # on the gradient's device

    # ---- dtype and device ---------------------------------------------------------------
    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(tensor): parameters and buffers move to the device
        and floating-point ones change dtype, in place (the same Parameter objects, as in PyTorch)."""
        dtype = kwargs.pop("dtype", None)
        device = _check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype, device = arg.dtype, arg.device
            elif _is_device(arg):
                device = _check_device(arg)
            else:
                dtype = arg
        if device is not None:
            self._move(device)
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
            self._convert(dtype)
        return self

    def _move(self, device):
        """Every parameter and buffer (and gradient) onto `device`, keeping the same tensor objects."""
        for module in self.modules():
            for home in (module._parameters, module._buffers):
                for t in home.values():
                    if t is not None and t.device != device:
                        t.data = _wrap(_move_array(t._data, device))
                        if t.grad is not None:
                            t.grad = _wrap(_move_array(t.grad._data, device))

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    def cpu(self):
        return self.to("cpu")

    def _convert(self, dtype):
        for module in self.modules():
            for home in (module._parameters, module._buffers):
                for t in home.values():
                    if t is not None and t.dtype.kind == "f" and t.dtype != dtype:
                        t.data = t.detach().to(dtype)  # on the tensor's device
                        if t.grad is not None:
                            t.grad = t.grad.detach().to(dtype)

    def double(self):
        return self.to(dtypes.float64)

    def float(self):
        return self.to(dtypes.float32)

    def half(self):
        return self.to(dtypes.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    # ---- state dicts --------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict name -> tensor of every parameter and persistent buffer (PyTorch's order and
        names). The tensors share memory with the model but are detached (keep_vars=True: the Parameters)."""
        destination = OrderedDict() if destination is None else destination
        for key, t in self._state_entries(prefix):
            destination[key] = t if keep_vars else t.detach()
        return destination

    def _state_entries(self, prefix=""):
        """(key, tensor) for every parameter and persistent buffer; a shared one under each of its names."""
        for module_prefix, module in self.named_modules(prefix=prefix, remove_duplicate=False):
            dot = module_prefix + "." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    yield dot + name, param
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    yield dot + name, buffer

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of state_dict (chainrule tensors, NumPy arrays, or anything np.asarray takes, such
        as torch tensors) into this model's parameters and buffers: the same objects, cast to their dtype.
        Everything is checked before anything is copied: a refused state dict leaves the model unchanged.
        Returns (missing_keys, unexpected_keys)."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = OrderedDict(self._state_entries())
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        values, errors = {}, []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if isinstance(value, Tensor):
                value = value._data  # of any device: copied into the parameter's below
            elif hasattr(value, "__array__") and not hasattr(value, "__array_namespace__"):
                value = np.asarray(value)  # e.g. a torch tensor: a PyTorch state_dict loads directly
            if not (hasattr(value, "__array_namespace__") and hasattr(value, "shape")):
                errors.append(
                    f'While copying the parameter named "{key}", expected a Tensor or NumPy array from checkpoint '
                    f"but received {type(value).__name__}"
                )
            elif tuple(value.shape) != tuple(target.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(value.shape)} from checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
            else:
                values[key] = value
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise StateDictError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for key, value in values.items():
                own[key].copy_(_move_array(value, _device_of(own[key]._data)))  # copy_ casts to its dtype
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing -----------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr; layers override it."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [f"({key}): {_indent(repr(module), 2)}" for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        elif lines:
            text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"

    def __dir__(self):
        names = list(super().__dir__())
        return sorted(set(names + list(self._parameters) + list(self._buffers) + list(self._modules)))


def _indent(text, spaces):
    """Indent every line but the first (the first follows '(name): ')."""
    lines = text.split("\n")
    return lines[0] if len(lines) == 1 else lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def place(module, device):
    """A layer built for `device=` (default: the default device, as in PyTorch): it is built and initialised on
    the CPU (the same numbers as a CPU layer from the same seed), then moved there."""
    if device is not None or _get_default_device() != _CPU:
        module.to(_get_default_device() if device is None else device)
