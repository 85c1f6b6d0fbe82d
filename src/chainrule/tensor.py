"""Tensor: an array, its gradient, and the node that made it. Every computation is an op in `ops/`."""
import numbers

import numpy as np

from . import device as _device
from . import dtypes
from .autograd.grad_mode import is_grad_enabled
from .errors import OutOfRangeError


class Tensor:
    """An n-dimensional array that can record the ops applied to it and be differentiated.

    `_data` holds the NumPy array; `.data` gives it back as a Tensor outside the graph, like PyTorch.
    """

    __slots__ = (
        "_data", "grad", "requires_grad", "grad_fn", "_output_nr", "_version",
        "_hooks", "_accumulator", "__weakref__",
    )
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operators

    def __init__(self, *args, dtype=None, requires_grad=False, device=None):
        # The legacy constructor: cr.Tensor([1, 2]) is float, cr.Tensor(2, 3) is a 2x3 tensor of zeros.
        _check_device(device)
        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            array = _to_array(args[0], dtype or dtypes.get_default_dtype())
        elif all(isinstance(a, numbers.Integral) for a in args):
            array = np.zeros(args, dtype=dtype or dtypes.get_default_dtype())
        else:
            raise TypeError(f"Tensor(): expected data or integer sizes, got {args!r}")
        _init(self, array, False, None, 0)
        if requires_grad:
            self.requires_grad_(True)

    # ---- attributes ---------------------------------------------------------------------
    @property
    def data(self):
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        array = value._data if isinstance(value, Tensor) else _to_array(value, None)
        self._data = array
        self._version += 1

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    is_leaf = property(lambda self: self.grad_fn is None)
    device = property(lambda self: _cpu_device())
    is_cuda = False
    T = property(lambda self: _ops.permute(self, tuple(range(self.ndim))[::-1]))
    mT = property(lambda self: _ops.transpose(self, -2, -1) if self.ndim >= 2 else _not_a_matrix(self, "mT"))

    def size(self, dim=None):
        if dim is None:
            return self.shape
        if self.ndim == 0:
            raise OutOfRangeError(f"size: dim {dim} is out of range: a 0-d tensor has no dims")
        return self.shape[_ops.normalize_dim(dim, self.ndim, "size")]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    # ---- leaving the graph / the array ---------------------------------------------------
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted to a Python scalar, got shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def detach(self):
        return _wrap(self._data)

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self):
        return _ops.clone(self)

    def contiguous(self):
        return self

    def to(self, *args, dtype=None, copy=False, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other_tensor): only the CPU exists."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif _is_device(a):
                _check_device(a)
            else:
                dtype = a
        _check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
        if dtype is None or dtypes.as_dtype(dtype) == self.dtype:
            return self.clone() if copy else self
        return _ops.cast(self, dtypes.as_dtype(dtype))

    def type(self, dtype=None):
        if dtype is None:
            return f"chainrule.{self.dtype}"
        return self.to(dtype)

    def cpu(self):
        return self

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool)

    # ---- autograd -----------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import engine

        _check_backward_args(retain_graph, create_graph, inputs)
        engine.backward((self,), (_gradient_arg(gradient),), retain_graph, create_graph, inputs)

    def requires_grad_(self, requires_grad=True):
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad_: expected True or False, got {type(requires_grad).__name__}")
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) works on leaves only; use detach() on a computed tensor")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in .grad after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            import weakref

            node = self.grad_fn
            if node._retained is None:
                node._retained = {}
            node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        return node is not None and node._retained is not None and self._output_nr in node._retained

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces the gradient."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._hooks is None:
                node._hooks = {}
            hooks = node._hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    # ---- in place (no graph is recorded: under no_grad or on tensors outside the graph) ---
    def _in_place(self, name, new_values, cast=False):
        """Write new_values into this tensor. cast=False (arithmetic): a result of a wider kind (float into
        an int tensor) is an error, as in PyTorch; copy_/fill_ cast."""
        if is_grad_enabled() and self.requires_grad:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{name}: a leaf Variable that requires grad is being used in an in-place operation; "
                    "wrap the update in `with chainrule.no_grad():`"
                )
            raise RuntimeError(
                f"{name}: in-place ops are not recorded on tensors that require grad; "
                "write it out of place (y = y + 1) instead"
            )
        if not cast and not np.can_cast(np.result_type(new_values), self._data.dtype, "same_kind"):
            raise RuntimeError(
                f"{name}: result type {np.result_type(new_values)} can't be cast to the tensor's dtype {self.dtype}"
            )
        if not self._data.flags.writeable:
            self._data = np.array(self._data)
        try:
            self._data[...] = new_values
        except (ValueError, TypeError, OverflowError) as err:  # overflow: inf into an int tensor
            kind = TypeError if isinstance(err, TypeError) else ValueError
            raise kind(f"{name}: {err} (tensor shape {tuple(self.shape)})") from None
        self._version += 1
        return self

    def _arithmetic_(self, name, ufunc, other):
        """self = ufunc(self, other) in place (add_, mul_, ...), with the op's name on NumPy's errors."""
        other = _operand_array(other)
        if not isinstance(other, (numbers.Number, np.ndarray, np.generic)) or isinstance(other, complex):
            raise TypeError(f"{name}: expected a Tensor or a number, got {type(other).__name__}")
        try:
            result = ufunc(self._data, other)
        except (ValueError, TypeError) as err:
            kind = ValueError if isinstance(err, ValueError) else TypeError
            raise kind(f"{name}: {err} (tensor shape {tuple(self.shape)})") from None
        return self._in_place(name, result)

    def add_(self, other, alpha=1):
        return self._arithmetic_("add_", np.add, other if alpha == 1 else _ops.mul(other, alpha))

    def sub_(self, other, alpha=1):
        return self._arithmetic_("sub_", np.subtract, other if alpha == 1 else _ops.mul(other, alpha))

    def mul_(self, other):
        return self._arithmetic_("mul_", np.multiply, other)

    def div_(self, other):
        return self._arithmetic_("div_", np.true_divide, other)

    def zero_(self):
        return self._in_place("zero_", 0, cast=True)

    def fill_(self, value):
        return self._in_place("fill_", _scalar_arg(value, "fill_", "value"), cast=True)

    def copy_(self, src):
        return self._in_place("copy_", _operand_array(src), cast=True)

    def clamp_(self, min=None, max=None):
        return self._in_place("clamp_", _ops.clamp(self.detach(), min, max)._data)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from . import random

        mean, std = _scalar_arg(mean, "normal_", "mean"), _scalar_arg(std, "normal_", "std")
        values = random.normal_array(self.shape, self.dtype, generator) * std + mean
        return self._in_place("normal_", values, cast=True)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from . import random

        a, b = _scalar_arg(a, "uniform_", "from"), _scalar_arg(b, "uniform_", "to")
        return self._in_place("uniform_", random.uniform_array(self.shape, self.dtype, a, b, generator), cast=True)

    def __setitem__(self, key, value):
        if is_grad_enabled() and self.requires_grad:
            self._in_place("__setitem__", self._data)  # raises the right error
        if not self._data.flags.writeable:
            self._data = np.array(self._data)
        _ops.setitem_array(self._data, key, _operand_array(value))
        self._version += 1

    def _in_place_or_new(self, name, op, other):
        # `t += x`: in place on tensors outside the graph (a leaf under no_grad: same object);
        # a tensor inside a recorded graph gets a new tensor bound to the name, as y = y + x.
        if is_grad_enabled() and self.requires_grad and self.grad_fn is not None:
            return op(self, other)
        return self._in_place(name, op(self.detach(), other)._data)

    def __iadd__(self, other):
        return self._in_place_or_new("+=", _ops.add, other)

    def __isub__(self, other):
        return self._in_place_or_new("-=", _ops.sub, other)

    def __imul__(self, other):
        return self._in_place_or_new("*=", _ops.mul, other)

    def __itruediv__(self, other):
        return self._in_place_or_new("/=", _ops.div, other)

    # ---- operators ----------------------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    __hash__ = object.__hash__

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    # ---- Python protocols ---------------------------------------------------------------
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous; use .any() or .all()")
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        value = self.item()
        try:
            return int(value)
        except (OverflowError, ValueError):
            raise ValueError(f"int(): can't convert {value} to an integer") from None

    def __index__(self):
        if self._data.size != 1 or self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self):
        return _format(self)

    def __format__(self, spec):
        if self._data.size == 1 and spec:
            return format(self.item(), spec)
        return repr(self) if not spec else format(str(self), spec)

    def __deepcopy__(self, memo):
        """copy.deepcopy(model) works: a leaf is copied with its data, requires_grad and grad (type kept)."""
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only leaf tensors can be deep-copied; copy t.detach() instead")
        import copy

        duplicate = _new(type(self))
        _init(duplicate, self._data.copy(), self.requires_grad, None, 0)
        memo[id(self)] = duplicate
        if self.grad is not None:
            duplicate.grad = copy.deepcopy(self.grad, memo)
        return duplicate

    def __reduce_ex__(self, protocol):
        raise TypeError("chainrule tensors are not pickled; save state dicts with chainrule.save (safetensors)")

    # ---- ops as methods: every one delegates to ops/ ---------------------------------------
    def abs(self):
        return _ops.abs(self)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def log1p(self):
        return _ops.log1p(self)

    def expm1(self):
        return _ops.expm1(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def add(self, other, alpha=1):
        return _ops.add(self, other if alpha == 1 else _ops.mul(other, alpha))

    def sub(self, other, alpha=1):
        return _ops.sub(self, other if alpha == 1 else _ops.mul(other, alpha))

    def mul(self, other):
        return _ops.mul(self, other)

    def div(self, other):
        return _ops.div(self, other)

    def neg(self):
        return _ops.neg(self)

    def matmul(self, other):
        return _ops.matmul(self, other)

    def mm(self, other):
        return _ops.mm(self, other)

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    def clamp(self, min=None, max=None):
        return _ops.clamp(self, min, max)

    clip = clamp

    def sum(self, dim=None, keepdim=False, dtype=None):
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, dtype=None):
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        return _ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _ops.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return _ops.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _ops.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return _ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim):
        return _ops.softmax(self, dim)

    def log_softmax(self, dim):
        return _ops.log_softmax(self, dim)

    def reshape(self, *shape):
        return _ops.reshape(self, _ops.shape_arg(shape, "reshape"))

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, numbers.Integral)):
            return self.to(shape[0])  # view(dtype)
        return _ops.reshape(self, _ops.shape_arg(shape, "view"))

    def view_as(self, other):
        return _ops.reshape(self, other.shape)

    def reshape_as(self, other):
        return _ops.reshape(self, other.shape)

    def transpose(self, dim0, dim1):
        return _ops.transpose(self, dim0, dim1)

    def swapaxes(self, axis0, axis1):
        return _ops.transpose(self, axis0, axis1)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t(): expects a tensor with <= 2 dimensions, got {self.ndim}; use transpose(dim0, dim1)")
        return _ops.transpose(self, 0, -1) if self.ndim == 2 else self

    def permute(self, *dims):
        return _ops.permute(self, _ops.shape_arg(dims, "permute"))

    def squeeze(self, dim=None):
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _ops.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

    def expand(self, *sizes):
        return _ops.expand(self, _ops.shape_arg(sizes, "expand"))

    def expand_as(self, other):
        return _ops.expand(self, other.shape)

    def gather(self, dim, index):
        return _ops.gather(self, dim, index)

    def masked_fill(self, mask, value):
        """self with value where mask is True; the result keeps self's dtype, as in PyTorch."""
        if not isinstance(mask, Tensor) or mask.dtype != dtypes.bool:
            kind = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
            raise TypeError(f"masked_fill: mask must be a bool Tensor, got {kind}")
        if isinstance(value, Tensor) and value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
        if isinstance(value, Tensor):
            value = _ops.cast(value, self.dtype)
        else:
            value = _wrap(np.asarray(_scalar_arg(value, "masked_fill", "value")).astype(self.dtype))
        try:
            np.broadcast_shapes(mask.shape, self.shape)
        except ValueError:
            raise ValueError(f"masked_fill: mask of shape {tuple(mask.shape)} and tensor of shape {tuple(self.shape)} don't broadcast") from None
        return _ops.where(mask, value, self)

    def eq(self, other):
        return _ops.eq(self, other)

    def ne(self, other):
        return _ops.ne(self, other)

    def lt(self, other):
        return _ops.lt(self, other)

    def le(self, other):
        return _ops.le(self, other)

    def gt(self, other):
        return _ops.gt(self, other)

    def ge(self, other):
        return _ops.ge(self, other)

    def logical_not(self):
        return _ops.logical_not(self)

    def logical_and(self, other):
        return _ops.logical_and(self, other)

    def logical_or(self, other):
        return _ops.logical_or(self, other)

    def logical_xor(self, other):
        return _ops.logical_xor(self, other)

    def bitwise_not(self):
        return _ops.bitwise_not(self)

    def bitwise_and(self, other):
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other):
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return _ops.bitwise_xor(self, other)

    def any(self, dim=None, keepdim=False):
        axes = _ops.reduce.axes_arg(dim, self.ndim, "any")
        return _wrap(np.asarray(self._data.any(axis=axes, keepdims=bool(keepdim))))

    def all(self, dim=None, keepdim=False):
        axes = _ops.reduce.axes_arg(dim, self.ndim, "all")
        return _wrap(np.asarray(self._data.all(axis=axes, keepdims=bool(keepdim))))

    def sign(self):
        return _wrap(np.sign(self._data))

    def square(self):
        return _ops.mul(self, self)

    def zero_grad_(self):
        self.grad = None


# ---- construction ---------------------------------------------------------------------------
_new = object.__new__


def _init(t, array, requires_grad, grad_fn, output_nr):
    t._data = array
    t.grad = None
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._output_nr = output_nr
    t._version = 0
    t._hooks = None
    t._accumulator = None


def _wrap(array, requires_grad=False, grad_fn=None, output_nr=0):
    """A Tensor around an existing array, without copying or checks (the ops' fast path).

    _init's body is written out here on purpose: every op output passes through this function.
    """
    t = _new(Tensor)
    t._data = array
    t.grad = None
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._output_nr = output_nr
    t._version = 0
    t._hooks = None
    t._accumulator = None
    return t


def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new leaf tensor holding a copy of `data` (scalar, nested list, NumPy array or Tensor).

    dtypes follow PyTorch: Python floats become the default dtype (float32), Python ints int64,
    bools bool; NumPy arrays keep theirs unless `dtype` is given.
    """
    _check_device(device)
    array = _to_array(data, dtypes.as_dtype(dtype) if dtype is not None else None)
    if isinstance(data, np.ndarray) and array is data:
        array = array.copy()
    t = _wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, np.ndarray):
        array = data
        if array.dtype.kind not in "biuf":
            raise TypeError(f"tensor(): can't make a tensor from an array of {array.dtype}; only numbers and bools")
    elif isinstance(data, (str, bytes, dict, set)) or data is None:
        raise TypeError(f"tensor(): can't make a tensor from {type(data).__name__}; give a number, a (nested) list or an array")
    else:
        array = _from_python(data, dtype)
    if dtype is not None and array.dtype != dtype:
        array = _cast_values(array, dtype)
    return array


def _cast_values(array, dtype):
    """array.astype(dtype), refusing values an integer dtype can't hold (nan, inf, too large), as PyTorch does."""
    if dtype.kind in "iu" and array.dtype.kind in "fiu" and array.size:
        limits = np.iinfo(dtype)
        with np.errstate(invalid="ignore"):
            fits = bool(np.isfinite(array).all() and array.min() >= limits.min and array.max() <= limits.max)
        if not fits:
            raise ValueError(f"tensor(): values from {array.min()} to {array.max()} can't be converted to {dtype}")
    return array.astype(dtype)


def _from_python(data, dtype=None):
    try:
        array = np.array(data)
    except ValueError as err:
        raise ValueError(f"tensor(): the nested lists are ragged (every row must have the same length): {err}") from None
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"tensor(): the data must hold numbers only, got {type(data).__name__} of {array.dtype.kind!r} values")
    if dtype is not None:
        return _cast_values(array, dtype)
    if array.dtype.kind == "f" and not _holds_numpy_floats(data):
        array = array.astype(dtypes.get_default_dtype())
    elif array.dtype.kind in "iu" and array.dtype != np.int64 and not _holds_numpy_floats(data):
        array = _cast_values(array, np.dtype(np.int64))  # NumPy made uint64 of ints beyond int64: refused
    return array


def _holds_numpy_floats(data):
    # np.float64(1.0) and arrays inside lists keep their own dtype, like torch.tensor does
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (np.generic, np.ndarray, Tensor))


def _operand_array(value):
    return value._data if isinstance(value, Tensor) else value


def _scalar_arg(value, op, name):
    """A Python number from a number or a one-element tensor; a TypeError naming op and argument otherwise."""
    if isinstance(value, Tensor) and value._data.size == 1:
        value = value._data.reshape(()).item()
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, numbers.Number) or isinstance(value, complex):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return value


def _check_backward_args(retain_graph, create_graph, inputs):
    for name, flag in (("retain_graph", retain_graph), ("create_graph", create_graph)):
        if flag is not None and not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"backward: {name} must be True, False or None, got {type(flag).__name__}")
    listed = (inputs,) if isinstance(inputs, Tensor) else inputs
    if inputs is not None and (not isinstance(listed, (list, tuple)) or not all(isinstance(t, Tensor) for t in listed)):
        raise TypeError(f"backward: inputs must be a Tensor or a list of Tensors, got {inputs!r:.60}")
    if inputs is not None and not all(t.requires_grad for t in listed):
        raise RuntimeError("backward: every tensor in inputs must require grad")


def _not_a_matrix(t, name):
    raise ValueError(f"{name}: only supported on matrices or batches of matrices, got a {t.ndim}-d tensor; use .T or transpose")


def _gradient_arg(gradient):
    """backward's `gradient`: None, a Tensor, or a number / numeric array (made a Tensor by the engine)."""
    if gradient is None or isinstance(gradient, Tensor):
        return gradient
    array = np.asarray(gradient) if isinstance(gradient, (numbers.Number, np.ndarray, np.generic, list, tuple)) else None
    if array is None or array.dtype.kind not in "biuf":
        raise TypeError(f"backward: gradient must be a Tensor (of the output's shape) or None, got {type(gradient).__name__}")
    return array


# ---- devices: only the CPU exists; these let device-aware code run -----------------------
def _is_device(value):
    return isinstance(value, (str, _device.device))


def _check_device(device):
    if device is None:
        return
    device = _device.device(device) if isinstance(device, str) else device
    if not isinstance(device, _device.device):
        raise TypeError(f"expected a device such as 'cpu', got {device!r}")
    if device.type != "cpu":
        raise RuntimeError(f"chainrule runs on the CPU only; device {str(device)!r} is not available")


def _cpu_device():
    return _device.get_default_device()


# ---- repr like PyTorch's --------------------------------------------------------------------
def _format(t):
    array = t._data
    if array.dtype.kind == "f":
        finite = array[np.isfinite(array)]
        whole = bool(np.all(finite == np.round(finite)))  # PyTorch: "1., 2." for whole numbers, else 4 decimals
        options = dict(precision=4, suppress_small=False, floatmode="maxprec_equal" if whole else "fixed")
    else:
        options = {}
    body = np.array2string(array, separator=", ", prefix="tensor(", **options)
    extras = []
    # like PyTorch: an empty tensor shows its dtype unless it is the default float one
    default = array.dtype == dtypes.get_default_dtype() or (array.size and array.dtype in (dtypes.int64, dtypes.bool))
    if not default:
        extras.append(f"dtype=chainrule.{array.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + extras) + ")"


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


from . import ops as _ops  # noqa: E402  (ops import Tensor: they come after it)
