"""Tensor: an array, its gradient, and the node that made it.

A Tensor holds
- `_data`, the NumPy array of its values;
- `requires_grad`, `grad` (filled in by backward), `grad_fn` (the graph node that computed it; None for a
  leaf) and `_output_nr` (which of that node's outputs it is);
- `_versions`, a version counter shared with its views and its detach(): in-place changes bump it, and
  backward checks that nothing an op saved has changed since (see autograd/function.py);
- `_base`, for a view, the tensor whose memory it shows (None otherwise), as in PyTorch: an in-place change
  through a view is recorded on its base too, and `_base_grad_fn` (set on views only) is the base's grad_fn
  when the view's grad_fn was made: when they differ, the view is refreshed before its next use (ops/inplace.py).

The methods that compute (x + y, x.exp(), x.sum(), x.backward()) hand over to chainrule.ops and to the
autograd engine. Those import Tensor, so Tensor can't import them: chainrule/__init__.py hands them to this
module once with `connect()`, and imports run one way (ops -> autograd -> tensor).
"""
import math
import numbers
import sys

import numpy as np

from . import dtypes, printing
from .args import check_device, is_device, normalize_dim, shape_arg
from . import device as _device
from .errors import OutOfRangeError
from .size import Size

_ops = None  # chainrule.ops, set by connect()
_backward = None  # chainrule.autograd.engine.backward, set by connect()


def connect(ops, backward):
    """Give Tensor the ops and the engine its methods call (once, from chainrule/__init__.py)."""
    global _ops, _backward
    _ops, _backward = ops, backward
    for name in _FUNCTIONS_AS_METHODS:  # the same function, taking the tensor as its first argument
        setattr(Tensor, name, getattr(ops, name))
    for operator, name in _FUNCTIONS_AS_OPERATORS.items():
        setattr(Tensor, operator, getattr(ops, name))
    Tensor.clip = ops.clamp


_FUNCTIONS_AS_METHODS = (  # x.exp() is cr.exp(x), x.sum(1) is cr.sum(x, 1), x.add_(y) is ops.add_(x, y), ...
    "add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "clamp_", "normal_", "uniform_", "abs_", "neg_",
    "exp_", "log_", "log1p_", "expm1_", "sqrt_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_", "pow_", "floor_",
    "ceil_", "round_", "trunc_", "frac_", "sign_", "sgn_", "masked_fill_", "clamp_min_", "clamp_max_", "unbind", "diagonal", "diag", "trace", "clone", "abs",
    "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "pow", "mul", "div", "neg",
    "matmul", "mm", "maximum", "minimum", "clamp", "sum", "mean", "var", "std", "max", "min", "amax", "amin",
    "argmax", "argmin", "logsumexp", "softmax", "log_softmax", "transpose", "squeeze", "unsqueeze", "flatten",
    "gather", "masked_fill", "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and", "logical_or",
    "logical_xor", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor", "any", "all", "sign", "sgn", "floor",
    "ceil", "trunc", "round", "frac",
    "tril", "triu", "split", "chunk", "narrow", "repeat", "repeat_interleave", "roll", "cumsum", "cumprod", "prod",
    "norm", "bmm", "outer",
    "topk", "sort", "argsort", "unique", "nonzero", "masked_select", "isnan", "isinf", "isfinite", "isclose",
    "allclose", "equal", "floor_divide", "remainder", "fmod", "new_zeros", "new_ones", "new_full", "new_empty",
    "new_tensor", "bernoulli", "multinomial",
    # ops/math.py
    "absolute", "absolute_", "acos", "acos_", "addcdiv", "addcdiv_", "addcmul", "addcmul_", "arccos", "arccos_",
    "arcsin", "arcsin_", "arctan", "arctan2", "arctan2_", "arctan_", "asin", "asin_", "atan", "atan2", "atan2_",
    "atan_", "clip_", "cosh", "cosh_", "deg2rad", "deg2rad_", "erf", "erf_", "erfc", "erfc_", "erfinv", "erfinv_", "exp2", "exp2_",
    "fmax", "fmin", "hypot", "hypot_", "lerp", "lerp_", "log10", "log10_", "log2", "log2_", "logaddexp", "multiply",
    "multiply_", "nan_to_num", "nan_to_num_", "negative", "negative_", "rad2deg", "rad2deg_", "reciprocal",
    "reciprocal_", "rsqrt", "rsqrt_", "signbit", "sinh", "sinh_", "square", "square_", "subtract", "subtract_", "true_divide",
    "true_divide_",
    # ops/scatter.py
    "argwhere", "bincount", "count_nonzero", "index_add", "index_add_", "index_copy", "index_copy_", "index_fill",
    "index_fill_", "index_select", "masked_scatter", "masked_scatter_", "scatter", "scatter_", "scatter_add",
    "scatter_add_", "take", "take_along_dim",
    # ops/statistics.py
    "cummax", "cummin", "dist", "kthvalue", "logcumsumexp", "median", "nanmean", "nansum", "quantile",
    # ops/layout.py
    "addbmm", "addmm", "addmv", "baddbmm", "cross", "diag_embed", "fliplr", "flipud", "hsplit", "kron", "moveaxis",
    "movedim", "rot90", "swapdims", "tensor_split", "tile", "unflatten", "vsplit",
)

_FUNCTIONS_AS_OPERATORS = {  # x + y is cr.add(x, y), x[key] is ops.getitem(x, key), ...
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div", "__pow__": "pow",
    "__matmul__": "matmul", "__neg__": "neg", "__abs__": "abs", "__eq__": "eq", "__ne__": "ne", "__lt__": "lt",
    "__le__": "le", "__gt__": "gt", "__ge__": "ge", "__invert__": "bitwise_not", "__and__": "bitwise_and",
    "__or__": "bitwise_or", "__xor__": "bitwise_xor", "__getitem__": "getitem",
    "__floordiv__": "floor_divide", "__mod__": "remainder",
}


def _dtype_of(t):
    dtype = t._data.dtype
    return dtype if type(t._data) is np.ndarray else _device.numpy_dtype(dtype)


class Tensor:
    """An n-dimensional array that can record the ops applied to it and be differentiated."""

    __slots__ = (
        "_data", "grad", "requires_grad", "grad_fn", "_output_nr", "_versions", "_base", "_base_grad_fn",
        "_hooks", "_accumulator", "__weakref__",
    )
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operators

    def __init__(self, *args, dtype=None, requires_grad=False, device=None):
        # The legacy constructor: cr.Tensor([1, 2]) is float, cr.Tensor(2, 3) is a 2x3 tensor of zeros.
        check_device(device)
        dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            array = _ops.tensor(args[0], dtype=dtype)._data
        elif all(isinstance(a, numbers.Integral) for a in args):
            array = np.zeros(args, dtype=dtype)
        else:
            raise TypeError(f"Tensor(): expected data or integer sizes, got {args!r}")
        _init(self, array, False, None, 0)
        if requires_grad:
            self.requires_grad_(True)

    # ---- data and shape ------------------------------------------------------------------
    @property
    def data(self):
        """The same values outside the graph. Changes through it are not tracked (PyTorch's escape hatch)."""
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else _ops.tensor(value)._data
        self._bump_version()

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(_dtype_of)
    is_leaf = property(lambda self: self.grad_fn is None)
    device = property(lambda self: _device.of(self._data))
    is_cuda = property(lambda self: self.device.type == "cuda")
    T = property(lambda self: _ops.permute(self, tuple(range(self.ndim))[::-1]))
    mT = property(lambda self: _ops.transpose(self, -2, -1) if self.ndim >= 2 else _not_a_matrix(self, "mT"))

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if self.ndim == 0:
            raise OutOfRangeError(f"size: dim {dim} is out of range: a 0-d tensor has no dims")
        return self.shape[normalize_dim(dim, self.ndim, "size")]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def element_size(self):
        return self.dtype.itemsize

    ndimension, nelement = dim, numel  # PyTorch's older names

    def stride(self, dim=None):
        """Steps between elements along each dim, counted in elements (0 along an expanded dim), as in PyTorch."""
        place = _device.layout(self._data)  # NumPy's, CuPy's or (through DLPack) another library's layout
        strides = tuple(step // place.itemsize for step in place.strides)
        return strides if dim is None else strides[normalize_dim(dim, self.ndim, "stride")]

    def is_contiguous(self, memory_format=None):
        """Whether the elements lie in C order without gaps (PyTorch's rule: sizes of 1 and empty tensors pass)."""
        if self._data.size == 0:
            return True
        expected = 1
        for n, step in reversed(list(zip(self.shape, self.stride()))):
            if n != 1 and step != expected:
                return False
            expected *= n
        return True

    def data_ptr(self):
        """The address of the first element, as in PyTorch (of the array's memory on any device)."""
        return _device.layout(self._data).address

    def type_as(self, other):
        return self.to(other.dtype)

    def sum_to_size(self, *size):
        """Sum down to `size`, a shape this tensor's shape broadcasts from (the adjoint of expand)."""
        return _ops.sum_to(self, shape_arg(size, "sum_to_size"))

    def is_floating_point(self):
        return _device.is_floating(self._data.dtype)

    # ---- versions: a tensor, its views and its detach() share one counter ----------------------
    @property
    def _version(self):
        versions = self._versions
        return 0 if versions is None else versions[0]

    def _bump_version(self):
        """Count one in-place change (of this tensor and of every tensor that shares its data)."""
        self._shared_versions()[0] += 1

    def _shared_versions(self):
        """The version counter, made when first needed (a view, a detach(), an in-place change). An op's output
        hands it to its node too, which checks it in backward if the op saved that output."""
        if self._versions is None:
            self._versions = [0]
            if self.grad_fn is not None:
                self.grad_fn.track_output(self._output_nr, self._versions)
        return self._versions

    # ---- leaving the graph / the array ---------------------------------------------------
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if type(self._data) is not np.ndarray:
            if self.device.type == "cuda":
                raise TypeError(f"numpy(): can't convert a tensor on {self.device} to NumPy; copy it to the host with .cpu() first")
            return _device.to_host(self._data)  # a CPU library's array (array-api-strict): a NumPy copy
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted to a Python scalar, got shape {self.shape}")
        return _device.to_host(self._data).reshape(()).item()

    def tolist(self):
        return _device.to_host(self._data).tolist()

    def detach(self):
        """The same data, outside the graph; in-place changes to it are seen by backward (shared version)."""
        t = _wrap(self._data)
        t._versions = self._shared_versions()
        return t

    def _is_view(self):
        return self._base is not None

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def contiguous(self):
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        return self.to(_device.device("cuda", device) if isinstance(device, numbers.Integral) else device or "cuda")

    def pin_memory(self):
        """Page-locked memory speeds up copies to a GPU; on the CPU there is nothing to do."""
        return self

    def is_pinned(self):
        return False

    def to(self, *args, dtype=None, copy=False, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other_tensor): a copy on that device (recorded:
        gradients flow back to this tensor's device) and/or of that dtype; self when nothing changes."""
        target = check_device(kwargs.pop("device", None))
        for a in args:
            if isinstance(a, Tensor):
                dtype, target = a.dtype, a.device
            elif is_device(a):
                target = check_device(a)
            else:
                dtype = a
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
        moved = self if target is None or target == self.device else _ops.to_device(self, target)
        if dtype is None or dtypes.as_dtype(dtype) == self.dtype:
            return self.clone() if copy and moved is self else moved
        return _ops.cast(moved, dtypes.as_dtype(dtype))

    def type(self, dtype=None):
        if dtype is None:
            return f"chainrule.{self.dtype}"
        return self.to(dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def bfloat16(self):
        return self.to(dtypes.bfloat16)  # a TypeError: NumPy has no bfloat16

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool)

    def __array_namespace__(self, *, api_version=None):
        """The functions that compute on Tensors (the array API protocol): chainrule.ops."""
        return _ops

    # ---- autograd -----------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Add d(self)/d(leaf) into every leaf's .grad (or only into `inputs`' .grad)."""
        _backward(self, gradient, retain_graph, create_graph, inputs)

    def requires_grad_(self, requires_grad=True):
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad_: expected True or False, got {type(requires_grad).__name__}")
        if requires_grad and not _device.is_floating(self._data.dtype):
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

    def zero_grad_(self):
        self.grad = None

    # ---- operators: x + y is cr.add(x, y) (see _FUNCTIONS_AS_OPERATORS); the reflected ones swap ----------

    def __radd__(self, other):
        return _ops.add(self, other)  # commutative: the tensor first, as PyTorch records it

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __rmul__(self, other):
        return _ops.mul(self, other)  # commutative: the tensor first, as PyTorch records it

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __pos__(self):
        return self

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    __hash__ = object.__hash__

    # ---- in place: chainrule.ops.inplace checks, writes and counts the change -------------------
    def __setitem__(self, key, value):
        _ops.setitem(self, key, value)

    def __iadd__(self, other):
        return _ops.augmented(self, "+=", _ops.add, other)

    def __isub__(self, other):
        return _ops.augmented(self, "-=", _ops.sub, other)

    def __imul__(self, other):
        return _ops.augmented(self, "*=", _ops.mul, other)

    def __itruediv__(self, other):
        return _ops.augmented(self, "/=", _ops.div, other)

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
        data = self._data
        return bool(data.reshape(()) if type(data) is np.ndarray else self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        value = self.item()
        try:
            return int(value)
        except (OverflowError, ValueError):
            raise ValueError(f"int(): can't convert {value} to an integer") from None

    def __index__(self):
        if self._data.size != 1 or self.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        data = self._data
        return int(data.reshape(()) if type(data) is np.ndarray else self.item())

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        array = self._data if type(self._data) is np.ndarray else self.numpy()  # numpy() refuses other devices
        return array if dtype is None else array.astype(dtype)

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
        data = self._data
        _init(duplicate, data.copy() if type(data) is np.ndarray else _device.library_of(data).asarray(data, copy=True),
              self.requires_grad, None, 0)
        memo[id(self)] = duplicate
        if self.grad is not None:
            duplicate.grad = copy.deepcopy(self.grad, memo)
        return duplicate

    def __reduce_ex__(self, protocol):
        raise TypeError("chainrule tensors are not pickled; save state dicts with chainrule.save (safetensors)")

    # ---- ops as methods: each is a function of chainrule.ops ----------------------------------

    def add(self, other, alpha=1):
        return _ops.add(self, other if alpha == 1 else _ops.mul(other, alpha))

    def sub(self, other, alpha=1):
        return _ops.sub(self, other if alpha == 1 else _ops.mul(other, alpha))

    def reshape(self, *shape):
        return _ops.reshape(self, shape_arg(shape, "reshape"))

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, numbers.Integral)):
            return self.to(shape[0])  # view(dtype)
        return _ops.reshape(self, shape_arg(shape, "view"))

    def view_as(self, other):
        return _ops.reshape(self, other.shape)

    def reshape_as(self, other):
        return _ops.reshape(self, other.shape)

    def swapaxes(self, axis0, axis1):
        return _ops.transpose(self, axis0, axis1)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t(): expects a tensor with <= 2 dimensions, got {self.ndim}; use transpose(dim0, dim1)")
        return _ops.transpose(self, 0, -1) if self.ndim == 2 else self

    def permute(self, *dims):
        return _ops.permute(self, shape_arg(dims, "permute"))

    def expand(self, *sizes):
        return _ops.expand(self, shape_arg(sizes, "expand"))

    def expand_as(self, other):
        return _ops.expand(self, other.shape)

    def flip(self, *dims_args, dims=None):
        return _ops.flip(self, shape_arg(dims_args, "flip") if dims is None else dims)


# ---- construction ---------------------------------------------------------------------------
_new = object.__new__


def _init(t, array, requires_grad, grad_fn, output_nr, versions=None):
    t._data = array
    t.grad = None
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._output_nr = output_nr
    t._versions = versions
    t._base = None
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
    t._versions = None
    t._base = None
    t._hooks = None
    t._accumulator = None
    return t


def _not_a_matrix(t, name):
    raise ValueError(f"{name}: only supported on matrices or batches of matrices, got a {t.ndim}-d tensor; use .T or transpose")


# ---- repr like PyTorch's --------------------------------------------------------------------
def _format(t):
    array = _device.to_host(t._data)
    shown = printing.options  # cr.set_printoptions
    options = dict(threshold=min(shown["threshold"], sys.maxsize), edgeitems=shown["edgeitems"],
                   max_line_width=shown["linewidth"])
    if array.dtype.kind == "f":
        finite = array[np.isfinite(array)]
        whole = bool(np.all(finite == np.round(finite)))  # PyTorch: "1., 2." for whole numbers, else 4 decimals
        options.update(precision=shown["precision"], suppress_small=shown["sci_mode"] is False,
                       floatmode="maxprec_equal" if whole else "fixed")
        if shown["sci_mode"]:  # forced scientific notation, right-aligned as PyTorch aligns it
            scientific = "{:.%de}" % shown["precision"]
            width = max((len(scientific.format(v)) for v in array.flat), default=0)
            options["formatter"] = {"float_kind": lambda v: scientific.format(v).rjust(width)}
    body = np.array2string(array, separator=", ", prefix="tensor(", **options)
    extras = []
    # like PyTorch: an empty tensor shows its dtype unless it is the default float one
    default = array.dtype == dtypes.get_default_dtype() or (array.size and array.dtype in (dtypes.int64, dtypes.bool))
    if not default:
        extras.append(f"dtype=chainrule.{array.dtype}")
    if t.device != _device.CPU:
        extras.insert(0, f"device='{t.device}'")
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
