"""Devices: where a tensor's array lives, and the array library that computes on it.

- 'cpu': NumPy (always there);
- 'cuda' ('cuda:0', 'cuda:1', ...): CuPy, imported only when a CUDA device is asked for;
- 'array_api_strict': array-api-strict, a CPU library that refuses everything outside the Python array API
  standard. It is the test suite's stand-in for a GPU library: an op that passes its tests there uses only
  standard functions, so it runs on CuPy too.

Ops compute with the namespace of their inputs' arrays; this module knows, per device, how to find that
library, how to move an array to it (through the host), and how to read its dtypes as NumPy's (chainrule's).
"""
import importlib

import numpy as np


class device:
    """cr.device('cpu'), cr.device('cuda', 0), like torch.device."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        self.type = name
        self.index = int(number) if number else index

    def __eq__(self, other):
        other = device(other) if isinstance(other, str) else other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")
_default = CPU
_MODULES = {"cuda": "cupy", "array_api_strict": "array_api_strict"}  # device type -> the library's module


def set_default_device(dev):
    """Where new tensors are made when no device is given: 'cpu', or any available device."""
    global _default
    _default = CPU if dev is None else check(dev)


def get_default_device():
    return _default


# ---- devices and their libraries ----------------------------------------------------------------
def as_device(dev):
    """A device from a device or a string; 'cuda' means the current CUDA device ('cuda:0' unless
    cr.cuda.set_device said otherwise), as in PyTorch."""
    dev = device(dev) if isinstance(dev, str) else dev
    if not isinstance(dev, device):
        raise TypeError(f"expected a device such as 'cpu' or 'cuda', got {dev!r}")
    return device("cuda", current_cuda_device()) if dev.type == "cuda" and dev.index is None else dev


def check(dev):
    """The device, if chainrule can compute there; else a RuntimeError that says why not."""
    dev = as_device(dev)
    if dev.type != "cpu":
        library(dev)
    return dev


def library(dev):
    """The array library (its module) of a device: NumPy for the CPU; CuPy, array-api-strict when installed."""
    if dev.type == "cpu":
        return np
    name = _MODULES.get(dev.type)
    if name is None:
        raise RuntimeError(f"device {str(dev)!r}: chainrule computes on 'cpu', 'cuda' (CuPy) or 'array_api_strict'")
    try:
        module = importlib.import_module(name)
    except ImportError:
        extra = 'pip install "chainrule[cuda]"' if name == "cupy" else f"pip install {name.replace('_', '-')}"
        raise RuntimeError(f"device {str(dev)!r} needs {name}, which is not installed ({extra}); "
                           "or compute on the CPU (device 'cpu')") from None
    if dev.type == "cuda" and dev.index >= cuda_device_count():
        raise RuntimeError(f"device {str(dev)!r} is not available: CuPy sees {cuda_device_count()} CUDA device(s); "
                           "or compute on the CPU (device 'cpu')")
    if dev.type == "cuda" and dev.index != current_cuda_device():  # ops make their arrays on the current GPU
        raise RuntimeError(f"device {str(dev)!r}: chainrule computes on one GPU per process, the current CUDA device "
                           f"(cuda:{current_cuda_device()}); select it first with cr.cuda.set_device({dev.index})")
    return module


def current_cuda_device():
    """The GPU CuPy computes on now (0 without CuPy)."""
    try:
        import cupy
        return cupy.cuda.runtime.getDevice()
    except Exception:  # no CuPy, no driver: 'cuda' means cuda:0, which library() then refuses with the reason
        return 0


def cuda_device_count():
    """How many GPUs CuPy sees (0 without CuPy or without a GPU)."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no CuPy, no driver, no GPU: all mean no CUDA device
        return 0


def of(array):
    """The device an array lives on."""
    if type(array) is np.ndarray:
        return CPU
    module = type(array).__module__.partition(".")[0]
    if module == "cupy":
        return device("cuda", array.device.id)
    if module == "array_api_strict":
        return device("array_api_strict")
    if isinstance(array, (np.ndarray, np.generic)):
        return CPU
    raise TypeError(f"chainrule: arrays of type {type(array).__module__}.{type(array).__name__} are not supported")


def move(array, dev):
    """The array on device `dev` (the same array if it is there already); other devices go through the host."""
    source = of(array)
    if source == dev:
        return array
    host = array if source.type == "cpu" else to_host(array)
    if dev.type == "cpu":
        return host
    xp = library(dev)
    if dev.type == "cuda":
        with xp.cuda.Device(dev.index):
            return xp.asarray(host)
    return xp.asarray(host)


def place(array, dev=None):
    """A NumPy array made on the host, moved to device `dev` (default: the default device, normally the CPU)."""
    if dev is None:
        dev = _default
        if dev is CPU:  # the usual case, first
            return array
    else:
        dev = check(dev)
    return array if dev.type == "cpu" else move(array, dev)


def to_host(array):
    """A NumPy copy of any supported array (CuPy refuses np.asarray, on purpose: it names the copy `.get()`)."""
    if type(array) is np.ndarray:
        return array
    return array.get() if hasattr(array, "get") else np.asarray(array)


def numpy_dtype(dtype):
    """The NumPy dtype (chainrule's dtypes are NumPy's) of any library's dtype: CuPy's already are."""
    if isinstance(dtype, np.dtype):
        return dtype
    return np.dtype(str(dtype).rpartition(".")[2])


def library_dtype(xp, dtype):
    """A NumPy dtype as library xp spells it (NumPy and CuPy take NumPy's); the library's own dtypes pass."""
    if xp is np or not isinstance(dtype, (np.dtype, type)):
        return dtype
    return getattr(xp, np.dtype(dtype).name)


def is_floating(dtype):
    kind = getattr(dtype, "kind", None)
    return kind == "f" if kind is not None else numpy_dtype(dtype).kind == "f"


def same_device_error(op_name, first, second):
    return RuntimeError(
        f"{op_name}: Expected all tensors to be on the same device, but found at least two devices, {first} and "
        f"{second}! Move them with .to(device) first."
    )


# ---- helpers for ops' public functions ------------------------------------------------------------
def library_of(array):
    """The library that computes on `array`: NumPy itself for a NumPy array or a number (the fast path of
    public functions: NumPy's ufuncs carry the standard's names too), else the array's standard namespace
    (looked up once per array type)."""
    if type(array) is np.ndarray:
        return np
    xp = _NAMESPACES.get(type(array))
    if xp is None:
        xp = _NAMESPACES[type(array)] = _standard_namespace(array)
    return xp


_NAMESPACES = {}  # array type -> the namespace its arrays compute with


def _standard_namespace(array):
    """CuPy's own namespace is NumPy's (argsort without stable=, no permute_dims in older versions, ...):
    array-api-compat wraps it in the standard's names and signatures. Others give theirs (__array_namespace__)."""
    if type(array).__module__.partition(".")[0] == "cupy":
        import array_api_compat  # in the [cuda] extra, beside CuPy

        return array_api_compat.array_namespace(array)
    return array.__array_namespace__() if hasattr(array, "__array_namespace__") else np


def constant(value, dtype, like):
    """np.asarray(value, dtype) on the device of the array `like` (a number made a constant operand)."""
    array = np.asarray(value, dtype=dtype)
    return array if type(like) is np.ndarray else move(array, of(like))


# ---- memory: where an array's elements sit (in-place changes write through views) ------------------------
class Layout:
    """An array's place in memory: the address of its first element, whether it may be written, its shape,
    and its strides in bytes."""

    __slots__ = ("address", "read_only", "shape", "strides", "itemsize")

    def __init__(self, interface, itemsize):
        (self.address, self.read_only), self.shape, self.itemsize = interface["data"], tuple(interface["shape"]), itemsize
        self.strides = interface["strides"] or _contiguous_strides(self.shape, itemsize)

    def extent(self):
        """The bytes [first, last) the elements may touch; None when there are no elements."""
        if 0 in self.shape:
            return None
        low = sum((n - 1) * s for n, s in zip(self.shape, self.strides) if s < 0)
        high = sum((n - 1) * s for n, s in zip(self.shape, self.strides) if s > 0)
        return self.address + low, self.address + high + self.itemsize


def layout(array):
    """The Layout of any supported array: NumPy's __array_interface__, CuPy's __cuda_array_interface__, and
    a CPU library's (array-api-strict) through DLPack, the standard's zero-copy exchange (a NumPy alias)."""
    if type(array) is not np.ndarray:
        interface = getattr(array, "__cuda_array_interface__", None)
        if interface is not None:
            return Layout(interface, array.itemsize)
        array = np.from_dlpack(array)
    return Layout(array.__array_interface__, array.itemsize)


def shares_memory(a, b):
    """Whether two arrays may share memory (their byte ranges overlap), as np.may_share_memory, on any library."""
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return np.may_share_memory(a, b)
    first, second = layout(a).extent(), layout(b).extent()
    return first is not None and second is not None and first[0] < second[1] and second[0] < first[1]


def _contiguous_strides(shape, itemsize):
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))
