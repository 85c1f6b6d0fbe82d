"""Optimizer: the parameters (in groups with their own options), their state, and the update loop.

Subclasses write `_step_group(group)`: read the group's options once, then update each parameter
that has a gradient IN PLACE on its array (`p._data`), so views of the parameter see the change
and no graph is recorded. Gradients are only read, never written: a `.grad` array may be shared.
The rules are written with NumPy's in-place calls; for a parameter of another array library (CuPy,
array-api-strict) they get StandardArrays (optim/standard.py) that run those same calls with the standard's
functions. State tensors live on their parameter's device.
"""
import copy
import numbers
from collections import defaultdict

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..device import is_floating, library_of, move, of as device_of
from ..tensor import Tensor, _wrap
from .standard import StandardArray, copy_of, unwrap


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()  # a default that every param group must set itself


class Optimizer:
    """Base class: `Optimizer(params, defaults)`.

    params: an iterable of tensors, of (name, tensor) pairs, or of dicts (param groups: {'params': [...],
    'lr': ...}); options a group leaves out come from `defaults`.
    """

    def __init__(self, params, defaults, **kernel):
        _check_kernel(type(self).__name__, kernel)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor) or not hasattr(params, "__iter__"):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {'a Tensor' if isinstance(params, Tensor) else type(params).__name__}; "
                "pass [tensor] or model.parameters()"
            )
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(k for k in group if k != "params"):
                text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---- parameters ---------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. unfreezing layers while fine-tuning)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = param_group  # kept as given, like PyTorch: the caller's dict is the live group
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        elif params is None:
            raise ValueError("a param group needs a 'params' entry (a list of tensors)")
        params, names = _split_names(list(params))
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for param in params:
            _check_param(param)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        for name, default in self.defaults.items():
            _check_option(type(self).__name__, name, default, group[name])
        self._check_unique(params, group)
        self.param_groups.append(group)

    def _check_unique(self, params, group):
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters; list each parameter once")
        for other in self.param_groups:
            if ids & {id(p) for p in other["params"]}:
                raise ValueError("some parameters appear in more than one parameter group")
            if ("param_names" in group) != ("param_names" in other):
                raise ValueError("all optimizer param groups should be with/without names")

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (default) or to zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                grad.requires_grad = False
                # a fresh array, not zeros written into the old one: that array may also be another tensor's grad
                grad._data = library_of(grad._data).zeros_like(grad._data)
                grad._bump_version()

    # ---- the update ---------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient. closure() re-evaluates the loss (with grad
        enabled) before the update; its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group):
        raise NotImplementedError(f"{type(self).__name__} must define step(closure) or _step_group(group)")

    def _params_with_grad(self, group):
        """(parameter array, gradient array, state dict) for each parameter of the group that has a gradient."""
        for param in group["params"]:
            if param.grad is None:
                continue
            array, grad = param._data, param.grad._data
            if type(array) is not np.ndarray:
                array, grad = _standard_pair(type(self).__name__, param)
            elif grad.shape != array.shape:
                raise ValueError(
                    f"{type(self).__name__}.step: a parameter of shape {array.shape} has a gradient of shape "
                    f"{grad.shape}; they must match"
                )
            elif grad.dtype != array.dtype or not isinstance(grad, np.ndarray):
                grad = np.asarray(grad, dtype=array.dtype)
            yield array, grad, self.state[param]
            param._bump_version()  # runs after the caller has updated `array` in place

    # ---- saving and resuming ------------------------------------------------------------
    def state_dict(self):
        """A snapshot {'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}.

        Parameters are numbered in group order; arrays are copies, so the snapshot does not move
        when training goes on.
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {key: _copy_value(value) for key, value in group.items() if key != "params"}
            packed["params"] = [index_of.setdefault(id(p), len(index_of)) for p in group["params"]]
            groups.append(packed)
        state = {
            index_of[id(param)]: {key: _copy_value(value) for key, value in values.items()}
            for param, values in self.state.items()
            if values and id(param) in index_of
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state_dict() (this optimizer's type, same groups and parameter shapes); arrays are copied
        into the parameters' dtypes."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("load_state_dict: expected a dict with 'state' and 'param_groups' (from state_dict())")
        saved_groups = [
            {key: _copy_value(value) for key, value in group.items()} for group in state_dict["param_groups"]
        ]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups but the optimizer has "
                f"{len(self.param_groups)}"
            )
        param_of = {}
        for index, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {index} has {len(saved['params'])} parameters "
                    f"but the optimizer's group {index} has {len(group['params'])}"
                )
            param_of.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {key!r}, which no parameter group lists")
            param = param_of[key]
            state[param] = {name: self._loaded_state_value(param, key, name, value) for name, value in values.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def _loaded_state_value(self, param, index, name, value):
        """One saved state entry made ready for `param`: the step as a float, arrays as copies in its dtype
        on its device (as PyTorch does)."""
        if name == "step":
            return float(value)
        if not (isinstance(value, Tensor) or hasattr(value, "__array__")):
            return _copy_value(value)
        if tuple(value.shape) != param.shape:
            raise ValueError(
                f"loaded state dict has '{name}' of shape {tuple(value.shape)} for parameter {index}, "
                f"which has shape {param.shape}"
            )
        return state_copy(value, param)


def state_copy(value, param):
    """A state tensor holding a copy of `value` (a tensor or array of any device) in the parameter's dtype,
    on the parameter's device."""
    array = value._data if isinstance(value, Tensor) else value
    if not isinstance(array, (np.ndarray, np.generic)) and not hasattr(array, "__array_namespace__"):
        array = np.asarray(array)  # a torch tensor, say
    moved = move(array, param.device)  # the same array if it is there already
    if type(moved) is not np.ndarray and not isinstance(moved, np.generic):
        return _wrap(library_of(moved).astype(moved, param._data.dtype, copy=True))
    return _wrap(np.array(moved, dtype=param.dtype))


def _copy_value(value):
    if isinstance(value, Tensor):
        return _wrap(copy_of(value._data))
    return copy.deepcopy(value)


def _split_names(items):
    """[(name, tensor), ...] (from named_parameters()) -> tensors, names; plain tensors -> tensors, None."""
    named = [isinstance(item, tuple) for item in items]
    if not any(named):
        return items, None
    if not all(named) or any(len(item) != 2 for item in items):
        raise ValueError("all optimizer params should be with/without names. Some param names are missing")
    return [item[1] for item in items], [item[0] for item in items]


def _check_kernel(optimizer, kernel):
    """PyTorch's optimizers take a choice of kernel: foreach and fused give the same numbers as the plain loop,
    so chainrule (one NumPy path) accepts them. capturable (CUDA graphs) and differentiable (a step autograd
    can differentiate) would change what a step is: only their default, False, is accepted."""
    for name, value in kernel.items():
        if name not in ("foreach", "fused", "capturable", "differentiable"):
            raise TypeError(f"{optimizer}.__init__() got an unexpected keyword argument '{name}'")
        if name in ("capturable", "differentiable") and value:
            raise ValueError(f"{optimizer}: {name}=True is not supported: chainrule's step runs outside autograd on the CPU")


def check_numbers(optimizer, **options):
    """Hyper-parameters are real numbers (or one-element tensors); anything else is a TypeError naming them."""
    for name, value in options.items():
        if not _is_number(value):
            raise TypeError(f"{optimizer}: {name} must be a number, got {type(value).__name__}")


def _is_number(value):
    return isinstance(value, numbers.Real) or (isinstance(value, Tensor) and value._data.size == 1)


def _check_option(optimizer, name, default, value):
    """A group's option has its default's kind: a number stays a number, a pair of numbers (betas) a pair."""
    if isinstance(default, bool) or default is required:
        return
    if _is_number(default):
        check_numbers(optimizer, **{name: value})
    elif isinstance(default, tuple) and all(_is_number(d) for d in default):
        if not isinstance(value, (tuple, list)) or len(value) != len(default) or not all(_is_number(v) for v in value):
            raise TypeError(f"{optimizer}: {name} must be {len(default)} numbers, got {value!r}")


def _check_param(param):
    if not isinstance(param, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}")
    if not is_floating(param._data.dtype):
        raise TypeError(f"optimizer can only optimize floating-point Tensors, but one of the params is {param.dtype}")
    if not (param.is_leaf or param.retains_grad):
        raise ValueError("can't optimize a non-leaf Tensor; optimize the leaves it was computed from")
    if type(param._data) is np.ndarray and not param._data.flags.writeable:
        raise ValueError(f"can't optimize a read-only array (shape {param.shape}); give the tensor its own copy first")


def _standard_pair(optimizer, param):
    """A parameter of another array library (CuPy, array-api-strict) and its gradient, as StandardArrays the
    update rules change in place (optim/standard.py); the gradient checked and cast like NumPy's."""
    array, grad = param._data, param.grad._data
    if device_of(grad) != param.device:
        raise RuntimeError(f"{optimizer}.step: a parameter on {param.device} has a gradient on {device_of(grad)}; "
                           "they must be on the same device (move the model with model.to(device) after "
                           "setting gradients, or set them on the parameter's device)")
    if grad.shape != array.shape:
        raise ValueError(f"{optimizer}.step: a parameter of shape {tuple(array.shape)} has a gradient of shape "
                         f"{tuple(grad.shape)}; they must match")
    if grad.dtype != array.dtype:
        grad = library_of(grad).astype(grad, array.dtype)
    return StandardArray(array), StandardArray(grad)


# ---- array helpers shared by the update rules ------------------------------------------------
def effective_grad(param, grad, weight_decay, maximize):
    """grad + weight_decay * param, negated first if maximizing. A new array whenever it differs from grad."""
    if weight_decay == 0:
        return np.negative(grad, out=np.empty_like(grad)) if maximize else grad
    result = np.multiply(param, weight_decay, out=np.empty_like(param))
    if maximize:
        result -= grad
    else:
        result += grad
    return result


def lerp_(start, end, weight, work):
    """start += weight * (end - start) in place, computed as torch.lerp does (its rounding near weight 1)."""
    np.subtract(end, start, out=work)
    if abs(weight) < 0.5:
        work *= weight
        start += work
    else:
        work *= 1 - weight
        np.subtract(end, work, out=start)


def add_product_(target, a, b, value, work):
    """target += value * a * b in place (torch's addcmul_)."""
    np.multiply(a, b, out=work)
    work *= value
    target += work


def zeros_state(param):
    """A state tensor of the parameter's shape and dtype, on its device (param: an array the rules update)."""
    return state_tensor(np.zeros_like(param))


def state_tensor(array):
    """A state tensor holding an array the update rule made (a NumPy array or a StandardArray)."""
    return _wrap(unwrap(array))


def init_state(state, param, *names):
    """On a parameter's first step: the step count at 0 and a zero state tensor (zeros_state) for each name.
    Returns the arrays of those tensors, to update in place (as updatable(tensor._data) would)."""
    if not state:
        state["step"] = 0.0
        for name in names:
            state[name] = zeros_state(param)
    arrays = []
    for name in names:  # a loop, not a comprehension: this runs for every parameter at every step
        arrays.append(state[name]._data)
    return arrays if type(param) is np.ndarray else [StandardArray(array) for array in arrays]


def host_state(values, param):
    """A state tensor holding `values` (a NumPy array), on the device of `param` (an array the rules update)."""
    return _wrap(move(values, device_of(unwrap(param))))
