"""Property-based fuzzing of the public API: random shapes (0-4 dims, sizes 0-5), dtypes (float32, float64,
int64, int32, bool), values (nan, inf, huge) and arguments (dims in and out of range, wrong types, mismatched
shapes) go into every call. Each call must either return a CORRECT result (compared with PyTorch or NumPy:
shape, dtype, values) or raise a documented error:

- ValueError for bad shapes and values (chainrule.errors.OutOfRangeError, also an IndexError, for dims
  and indices out of range), TypeError for bad types, RuntimeError for graph and in-place misuse, and
  their subclasses nn.StateDictError and autograd.GradcheckError; cr.save / cr.load also raise OSError
  (FileNotFoundError, IsADirectoryError) for paths that can't be used,

with a message that is not empty and names the function or op (or the argument at fault). Anything else
(AttributeError, a bare IndexError, KeyError, ZeroDivisionError, NumPy's AxisError, RecursionError,
NotImplementedError, OverflowError, ...) fails the property.

Each property runs 150 examples by default (the whole file takes well under a minute). Run more locally:
    CHAINRULE_FUZZ_EXAMPLES=5000 python -m pytest tests/system/test_fuzz.py
"""
import atexit
import math
import os
import shutil
import tempfile
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule.data import DataLoader, TensorDataset
from chainrule.errors import OutOfRangeError

FUZZ = settings(
    max_examples=int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
pytestmark = pytest.mark.filterwarnings("ignore")  # NumPy's overflow warnings, mse_loss's broadcast warning

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
HUGE = {"float32": 1e30, "float64": 1e300}
JUNK = ["abc", None, [1, "a"], {"a": 1}, object(), 1.5, (0, 1), b"x"]


# ---- the contract -----------------------------------------------------------------------------------
def attempt(call, *names):
    """(True, result) or (False, error) for call(); an error must be documented and name one of `names`.
    Any other exception propagates and fails the property."""
    try:
        return True, call()
    except (ValueError, TypeError, RuntimeError) as err:
        check_documented(err, names)
        return False, err


def check_documented(err, names):
    assert not isinstance(err, (RecursionError, NotImplementedError)), f"undocumented {type(err).__name__}: {err}"
    if isinstance(err, IndexError):  # NumPy's AxisError is an IndexError (and a ValueError) too
        assert isinstance(err, OutOfRangeError), f"bare {type(err).__name__} reached the user: {err}"
    message = str(err).lower()
    assert message.strip(), f"{type(err).__name__} without a message"
    assert any(name.lower() in message for name in names), f"{type(err).__name__} {err!r} names none of {names}"


# ---- comparisons ------------------------------------------------------------------------------------
def assert_matches(mine, expected, rtol=None):
    """A chainrule result equals a torch / NumPy one: type, shape, dtype and values (nan where nan)."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(mine, (tuple, list)) and len(mine) == len(expected)
        for m, e in zip(mine, expected):
            assert_matches(m, e, rtol)
        return
    assert isinstance(mine, cr.Tensor), f"expected a Tensor, got {type(mine).__name__}"
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    expected = np.asarray(expected)
    got = mine.detach().numpy()
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    assert got.dtype == expected.dtype, f"dtype {got.dtype}, expected {expected.dtype}"
    if got.dtype.kind == "f":
        tol = rtol or (1e-5 if got.dtype == np.float32 else 1e-10)
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)


def moderate(*arrays):
    """Finite values of moderate size: where different summation orders and algorithms agree closely."""
    return all(a.dtype.kind != "f" or (np.isfinite(a).all() and np.abs(a).max(initial=0) < 1e3) for a in arrays)


def cr_tensor(array, requires_grad=False):
    return cr.tensor(array, requires_grad=requires_grad and array.dtype.kind == "f")


def torch_tensor(array, requires_grad=False):
    return torch.tensor(array, requires_grad=requires_grad and array.dtype.kind == "f")


def check_call(fn, arrays, names, grad=False, rtol=None):
    """fn(lib, *tensors) in chainrule must return or raise a documented error; where torch returns too,
    the results (and, with grad=True and moderate values, the inputs' gradients) must match."""
    ok, mine = attempt(lambda: fn(cr, *[cr_tensor(a, grad) for a in arrays]), *names)
    if not ok:
        return None
    inputs = [torch_tensor(a, grad) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = fn(torch, *inputs)
    except Exception:  # noqa: BLE001  (torch refuses some calls chainrule accepts: nothing to compare)
        return mine
    assert_matches(mine, theirs, rtol)
    for m, t in zip(_flat(mine), _flat(theirs)):
        assert m.requires_grad == t.requires_grad, f"requires_grad {m.requires_grad}, torch gives {t.requires_grad}"
    if grad and moderate(*arrays):
        check_grads(fn, arrays, mine, theirs, rtol)
    return mine


def check_grads(fn, arrays, mine, theirs, rtol):
    outs = [(m, t) for m, t in zip(_flat(mine), _flat(theirs)) if t.requires_grad and t.numel() > 0]
    if not outs:
        return
    cr_inputs = [cr_tensor(a, True) for a in arrays]
    torch_inputs = [torch_tensor(a, True) for a in arrays]
    torch_outs = [o for o in _flat(fn(torch, *torch_inputs)) if o.requires_grad and o.numel() > 0]
    try:
        sum(o.sum() for o in torch_outs).backward()
    except RuntimeError:  # e.g. torch can't differentiate pow with a bool exponent: no reference
        return
    cr_outs = [o for o in _flat(fn(cr, *cr_inputs)) if o.requires_grad and o.numel() > 0]
    assert len(cr_outs) == len(torch_outs), "a different number of differentiable outputs than torch"
    sum(o.sum() for o in cr_outs).backward()
    for mine_in, their_in in zip(cr_inputs, torch_inputs):
        if their_in.grad is not None:
            assert mine_in.grad is not None, "no gradient where torch gives one"
            assert_matches(mine_in.grad, their_in.grad, rtol)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


# ---- strategies -------------------------------------------------------------------------------------
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)


def elements(dtype, labels=False):
    if dtype == "bool":
        return st.booleans()
    if dtype.startswith("int"):
        return st.integers(-3, 6) if labels else st.one_of(st.integers(-5, 5), st.integers(-(10**6), 10**6))
    special = st.sampled_from([math.nan, math.inf, -math.inf, HUGE[dtype], -HUGE[dtype], 0.0, -0.0])
    return st.one_of(st.floats(-10, 10, width=32), special)


@st.composite
def arrays(draw, shape=None, dtype=None, labels=False):
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    shape = draw(shapes if shape is None else shape) if not isinstance(shape, tuple) else shape
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, labels)))


def dims(ndim):
    """A dim argument: mostly in range, sometimes just out of it, sometimes not an int at all."""
    return st.one_of(st.integers(-ndim - 2, ndim + 1), st.sampled_from(JUNK))


junk = st.sampled_from(JUNK)
numbers_or_junk = st.one_of(st.floats(-3, 3), st.integers(-3, 3), st.sampled_from([math.nan, math.inf]), junk)


# ---- tensor creation --------------------------------------------------------------------------------
@FUZZ
@given(st.one_of(arrays().map(lambda a: a.tolist()), st.floats(), st.integers(-(2**70), 2**70), junk,
                 st.lists(st.lists(st.integers(0, 3), max_size=3), max_size=3)),
       st.sampled_from([None, "float32", "float64", "int64", "bool", "bad", 3, object, complex]),
       st.booleans())
def test_tensor_from_data(data, dtype, requires_grad):
    ok, t = attempt(lambda: cr.tensor(data, dtype=dtype, requires_grad=requires_grad), "tensor", "dtype", "grad")
    if ok:
        assert t.requires_grad == requires_grad
        try:
            expected = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)
        except Exception:  # noqa: BLE001
            assert False, f"chainrule made a tensor from {data!r} (dtype {dtype}), which torch refuses"
        assert_matches(t, expected)


@FUZZ
@given(st.sampled_from(["zeros", "ones", "empty", "rand", "randn"]),
       st.one_of(shapes, st.lists(st.integers(-3, 3), max_size=3).map(tuple), st.tuples(junk)),
       st.booleans(), st.sampled_from([None, "float32", "float64", "int64", "bad"]))
def test_size_factories(name, size, star, dtype):
    factory = getattr(cr, name)
    ok, t = attempt(lambda: factory(*size, dtype=dtype) if star else factory(size, dtype=dtype), name, "dtype")
    if ok:
        assert t.shape == (size[0] if star and len(size) == 1 and isinstance(size[0], tuple) else size)
        assert t.dtype == np.dtype(dtype or "float32")
        if name in ("zeros", "empty", "ones"):
            assert (t.numpy() == (name == "ones")).all()


@FUZZ
@given(st.sampled_from(["full", "arange", "linspace", "eye", "randint", "randperm", "zeros_like", "full_like"]),
       st.lists(st.one_of(st.integers(-3, 6), st.floats(-3, 6), st.sampled_from([math.nan, math.inf]), junk,
                          arrays(shape=(), labels=True).map(cr.tensor)), min_size=1, max_size=3))
def test_value_factories(name, args):
    call = {
        "full": lambda: cr.full(*args[:1], *args[1:2] or [0.5]),
        "arange": lambda: cr.arange(*args),
        "linspace": lambda: cr.linspace(*(args + [0, 0])[:2], *args[2:] or [3]),
        "eye": lambda: cr.eye(*args[:2]),
        "randint": lambda: cr.randint(*(args + [0, 0])[:2], *args[2:] or [(2,)]),
        "randperm": lambda: cr.randperm(args[0]),
        "zeros_like": lambda: cr.zeros_like(args[0]),
        "full_like": lambda: cr.full_like(args[0], *args[1:2] or [1]),
    }[name]
    ok, t = attempt(call, name)
    if ok:
        assert isinstance(t, cr.Tensor)
    if ok and name in ("arange", "linspace", "eye"):  # deterministic: compare with torch
        values = [a.item() if isinstance(a, cr.Tensor) else a for a in args]
        if name == "linspace" and not all(math.isfinite(v) for v in values[:2]):
            return  # NumPy and torch place nan/inf endpoints differently
        try:
            expected = getattr(torch, name)(*(values + [0, 3][len(values) - 1:] if name == "linspace" else values))
        except Exception:  # noqa: BLE001  (torch refuses some arguments chainrule takes)
            return
        assert_matches(t, expected)


# ---- elementwise ------------------------------------------------------------------------------------
UNARY = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
    "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "abs": np.abs, "relu": lambda a: np.maximum(a, 0), "neg": np.negative,
}


@FUZZ
@given(st.sampled_from(sorted(UNARY)), st.one_of(arrays(), junk), st.booleans(), st.booleans())
def test_unary(name, x, as_method, requires_grad):
    if not isinstance(x, np.ndarray):
        attempt(lambda: getattr(cr, name)(x), name)
        return
    t = cr_tensor(x, requires_grad)
    ok, y = attempt(lambda: getattr(t, name)() if as_method else getattr(cr, name)(t), name)
    keeps_dtype = name in ("abs", "relu", "neg")
    if x.dtype == bool and keeps_dtype:
        return  # torch refuses abs/relu/neg of bools: no reference to compare with
    assert ok, f"{name} refused a {x.dtype} tensor: {y}"
    source = x if keeps_dtype or x.dtype.kind == "f" else x.astype(np.float32)
    with np.errstate(all="ignore"):
        expected = UNARY[name](source).astype(source.dtype)
    assert_matches(y, expected, rtol=2e-6 if source.dtype == np.float32 else None)
    if y.requires_grad and y.numel():
        y.sum().backward()
        assert t.grad.shape == t.shape and t.grad.dtype == t.dtype


BINARY = {
    "add": lambda lib, a, b: lib.add(a, b), "sub": lambda lib, a, b: a - b, "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b, "pow": lambda lib, a, b: a**b, "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b), "eq": lambda lib, a, b: lib.eq(a, b),
    "ne": lambda lib, a, b: a != b, "matmul": lambda lib, a, b: a @ b, "mm": lambda lib, a, b: lib.mm(a, b),
    "lt": lambda lib, a, b: a < b, "ge": lambda lib, a, b: a >= b,
}


@st.composite
def operand_pairs(draw):
    """Two arrays whose shapes mostly broadcast (or multiply, for matmul), sometimes not."""
    if draw(st.booleans()):
        pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
        shape_a, shape_b = pair.input_shapes
    else:
        shape_a, shape_b = draw(shapes), draw(shapes)
    return draw(arrays(shape=shape_a)), draw(arrays(shape=shape_b))


@FUZZ
@given(st.sampled_from(sorted(BINARY)), operand_pairs(), st.booleans())
def test_binary(name, pair, requires_grad):
    names = {"sub": ["sub", "-"], "div": ["div", "/"], "ne": ["ne"], "lt": ["lt"]}.get(name, [name])
    moderate_pow = name != "pow" or bool(np.abs(pair[1]).max(initial=0) < 4 and np.abs(pair[0]).max(initial=0) < 1e3)
    if name in ("matmul", "mm") and pair[0].dtype != pair[1].dtype:
        attempt(lambda: BINARY[name](cr, cr.tensor(pair[0]), cr.tensor(pair[1])), name)  # torch refuses mixed
        return  # dtypes (but passes some empty products through): chainrule promotes them
    check_call(BINARY[name], pair, names, grad=requires_grad and moderate_pow, rtol=1e-4)


@FUZZ
@given(st.sampled_from(sorted(BINARY)), arrays(), st.one_of(st.floats(-3, 3), st.integers(-3, 3), junk),
       st.booleans())
def test_binary_with_numbers_and_junk(name, x, other, reflected):
    names = {"sub": ["sub", "-"], "div": ["div", "/"], "lt": ["lt", "gt"], "ge": ["ge", "le"]}.get(name, [name])
    t = cr.tensor(x)
    ok, _ = attempt(lambda: BINARY[name](cr, other, t) if reflected else BINARY[name](cr, t, other), *names)
    if isinstance(other, (str, dict, bytes, type(None))) or type(other) is object:
        assert not ok, f"{name} accepted a {type(other).__name__}"


@FUZZ
@given(arrays(), st.one_of(st.none(), st.floats(-3, 3), st.integers(-3, 3), arrays(shape=()), junk),
       st.one_of(st.none(), st.floats(-3, 3), st.integers(-3, 3), junk), st.booleans())
def test_clamp(x, low, high, requires_grad):
    bounds = [low, None if isinstance(low, np.ndarray) else high]  # torch's Tensor-and-number overload is its own

    def fn(lib, a):
        return lib.clamp(a, *[lib.tensor(v) if isinstance(v, np.ndarray) else v for v in bounds])

    check_call(fn, [x], ["clamp"], grad=requires_grad and not isinstance(low, np.ndarray))


@FUZZ
@given(arrays(dtype="bool"), operand_pairs(), st.one_of(junk, st.floats(-2, 2)))
def test_where(condition, pair, scalar):
    check_call(lambda lib, c, a, b: lib.where(c, a, b), [condition, *pair], ["where"])
    attempt(lambda: cr.where(cr.tensor(condition), scalar, cr.tensor(pair[1])), "where")
    attempt(lambda: cr.where(scalar, cr.tensor(pair[0]), cr.tensor(pair[1])), "where")


# ---- reductions -------------------------------------------------------------------------------------
REDUCTIONS = {
    "sum": lambda lib, x, d, k: x.sum(d, keepdim=k) if d is not None else x.sum(),
    "mean": lambda lib, x, d, k: lib.mean(x, d, keepdim=k) if d is not None else lib.mean(x),
    "var": lambda lib, x, d, k: x.var(d, keepdim=k) if d is not None else x.var(),
    "std": lambda lib, x, d, k: lib.std(x, d, keepdim=k) if d is not None else lib.std(x),
    "max": lambda lib, x, d, k: lib.max(x, d, keepdim=k) if d is not None else lib.max(x),
    "min": lambda lib, x, d, k: x.min(d, keepdim=k) if d is not None else x.min(),
    "amax": lambda lib, x, d, k: lib.amax(x, d, keepdim=k) if d is not None else lib.amax(x),
    "amin": lambda lib, x, d, k: x.amin(d, keepdim=k) if d is not None else x.amin(),
    "argmax": lambda lib, x, d, k: lib.argmax(x, d, keepdim=k) if d is not None else lib.argmax(x),
    "argmin": lambda lib, x, d, k: x.argmin(d, keepdim=k) if d is not None else x.argmin(),
    "softmax": lambda lib, x, d, k: lib.softmax(x, d),
    "log_softmax": lambda lib, x, d, k: x.log_softmax(d),
    "logsumexp": lambda lib, x, d, k: lib.logsumexp(x, d, keepdim=k),
}


@FUZZ
@given(st.sampled_from(sorted(REDUCTIONS)), st.data(), st.booleans(), st.booleans())
def test_reductions(name, data, keepdim, requires_grad):
    x = data.draw(arrays())
    dim = data.draw(st.one_of(st.none(), dims(x.ndim), st.lists(st.integers(-x.ndim - 1, x.ndim), max_size=3)))
    if isinstance(dim, list) and name not in ("sum", "mean", "var", "std", "amax", "amin", "logsumexp"):
        dim = dim[0] if dim else None
    compare = moderate(x) or name in ("max", "min", "amax", "amin", "argmax", "argmin")  # (selections are exact)
    if name in ("softmax", "log_softmax", "logsumexp") and x.dtype.kind != "f":
        compare = False  # torch refuses integer inputs (but passes empty ones through as integers)
    fn = lambda lib, t: REDUCTIONS[name](lib, t, tuple(dim) if isinstance(dim, list) else dim, keepdim)  # noqa: E731
    if compare:  # (torch's var/std over dim=() have nan gradients where over all dims they have 0)
        check_call(fn, [x], [name], grad=requires_grad and not (name in ("var", "std") and dim == []), rtol=1e-4)
    else:
        attempt(lambda: fn(cr, cr_tensor(x, requires_grad)), name)


# ---- shapes -----------------------------------------------------------------------------------------
@FUZZ
@given(arrays(), st.data(), st.booleans())
def test_shape_ops(x, data, requires_grad):
    n = x.ndim
    d0, d1 = data.draw(dims(n)), data.draw(dims(n))
    sizes = data.draw(st.one_of(st.lists(st.integers(-2, 6), max_size=4).map(tuple), st.tuples(junk)))
    order = data.draw(st.one_of(st.permutations(range(n)), st.lists(dims(n), max_size=4)))
    calls = {
        "reshape": (lambda lib, t: t.reshape(sizes), ["reshape"]),
        "view": (lambda lib, t: t.view(*sizes), ["view", "reshape", "dtype", "device"]),
        "transpose": (lambda lib, t: lib.transpose(t, d0, d1), ["transpose"]),
        "permute": (lambda lib, t: t.permute(*order), ["permute"]),
        "squeeze": (lambda lib, t: t.squeeze(d0), ["squeeze"]),
        "unsqueeze": (lambda lib, t: lib.unsqueeze(t, d0), ["unsqueeze"]),
        "flatten": (lambda lib, t: lib.flatten(t, d0, d1), ["flatten"]),
        "expand": (lambda lib, t: t.expand(*sizes), ["expand"]),
        "T": (lambda lib, t: t.mT, ["mT"]),
    }
    for fn, names in calls.values():
        check_call(fn, [x], names, grad=requires_grad)


@FUZZ
@given(st.lists(arrays(shape=st.sampled_from([(2, 3), (2, 0), (1, 3), (3,), ()])), max_size=3),
       st.integers(-3, 3), st.one_of(st.none(), junk))
def test_cat_and_stack(items, dim, bad):
    tensors = list(items) + ([bad] if bad is not None else [])
    as_lib = lambda lib, *ts: [lib.tensor(t) if isinstance(t, np.ndarray) else t for t in tensors]  # noqa: E731
    check_call(lambda lib: lib.cat(as_lib(lib), dim), [], ["cat"])
    check_call(lambda lib: lib.stack(as_lib(lib), dim), [], ["stack"])
    attempt(lambda: cr.cat(cr.tensor(items[0]) if items else bad, dim), "cat")


@st.composite
def index_parts(draw, ndim):
    return draw(st.one_of(
        st.integers(-6, 6), st.none(), st.just(Ellipsis),
        st.builds(slice, st.one_of(st.none(), st.integers(-6, 6)), st.one_of(st.none(), st.integers(-6, 6)),
                  st.one_of(st.none(), st.integers(1, 3))),
        st.lists(st.integers(-6, 6), max_size=3),
        arrays(dtype="int64", shape=st.sampled_from([(0,), (2,), (2, 2)]), labels=True),
        arrays(dtype="bool", shape=st.sampled_from([(0,), (2,), (1, 2)])), junk,  # (a 0-d bool index beside
    ))  # ints and lists is left out: NumPy and torch place its dim differently)


@FUZZ
@given(arrays(), st.data(), st.booleans())
def test_indexing(x, data, requires_grad):
    parts = tuple(data.draw(st.lists(index_parts(x.ndim), min_size=1, max_size=3)))
    key = parts[0] if len(parts) == 1 and data.draw(st.booleans()) else parts
    lib_key = lambda lib: _lib_key(lib, key)  # noqa: E731
    check_call(lambda lib, t: t[lib_key(lib)], [x], ["index", "getitem"], grad=requires_grad)
    value = data.draw(st.one_of(st.floats(-2, 2), st.integers(-2, 2), arrays(shape=st.just(())), junk))

    def assign(lib, t):
        t[lib_key(lib)] = lib.tensor(value) if isinstance(value, np.ndarray) else value
        return t

    check_call(assign, [x], ["setitem", "index"])


def _lib_key(lib, key):
    convert = lambda part: lib.tensor(part) if isinstance(part, np.ndarray) else part  # noqa: E731
    return tuple(convert(p) for p in key) if isinstance(key, tuple) else convert(key)


@FUZZ
@given(arrays(), st.data())
def test_gather_and_methods(x, data):
    dim = data.draw(dims(x.ndim))
    index = data.draw(st.one_of(arrays(shape=st.just(x.shape), dtype="int64", labels=True), arrays(), junk))
    if isinstance(index, np.ndarray):
        check_call(lambda lib, t, i: lib.gather(t, dim, i), [x, index], ["gather"])
    else:
        attempt(lambda: cr.gather(cr.tensor(x), dim, index), "gather")
    t = cr.tensor(x)
    attempt(lambda: t.size(dim), "size")
    check_call(lambda lib, a: a.any(dim) if not isinstance(dim, (str, list, dict)) else a.any(), [x], ["any"])
    attempt(lambda: int(t), "int", "item")
    attempt(lambda: float(t), "float", "item")
    attempt(lambda: t.to(data.draw(junk)), "to", "dtype", "device")
    mask = data.draw(st.one_of(arrays(dtype="bool", shape=st.just(x.shape)), arrays()))
    check_call(lambda lib, a, m: a.masked_fill(m, 0.5), [x, mask], ["masked_fill"])


@FUZZ
@given(arrays(), st.sampled_from(["add_", "sub_", "mul_", "div_", "fill_", "copy_", "clamp_", "zero_"]),
       st.one_of(arrays(), st.floats(-3, 3), st.integers(-3, 3), junk), st.booleans())
def test_in_place(x, name, other, requires_grad):
    """In-place ops: a result of a wider kind than the tensor (float into int) is an error, as in PyTorch."""
    args = {"zero_": [], "clamp_": [other, None]}.get(name, [other])

    def call(lib, t):
        converted = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        if requires_grad and x.dtype.kind == "f":
            t.requires_grad_(True)
        getattr(t, name)(*converted)
        return t

    check_call(call, [x], [name, name.rstrip("_"), "in-place", "leaf"])


# ---- autograd ---------------------------------------------------------------------------------------
@FUZZ
@given(arrays(dtype="float64"), st.one_of(arrays(), st.floats(-2, 2), junk, st.none()),
       st.one_of(st.none(), st.booleans(), junk), st.sampled_from(["self", "other", "junk", None]))
def test_backward_with_wrong_gradients(x, gradient, retain_graph, inputs):
    leaf = cr.tensor(x, requires_grad=True)
    y = leaf * 2
    g = cr.tensor(gradient) if isinstance(gradient, np.ndarray) else gradient
    chosen = {"self": [leaf], "other": [cr.ones(2, requires_grad=True)], "junk": 5, None: None}[inputs]
    ok, _ = attempt(lambda: y.backward(g, retain_graph=retain_graph, inputs=chosen), "backward", "grad")
    if ok and inputs in ("self", None):
        seed = np.ones(x.shape) if g is None else np.asarray(gradient, dtype=np.float64)  # None: one-element outputs
        assert seed.shape == x.shape, f"a gradient of shape {seed.shape} was taken for an output of shape {x.shape}"
        assert leaf.grad.shape == x.shape and leaf.grad.dtype == x.dtype
        np.testing.assert_allclose(leaf.grad.numpy(), 2 * seed)


# ---- nn ---------------------------------------------------------------------------------------------
@FUZZ
@given(st.one_of(st.integers(-1, 4), junk), st.integers(0, 3), arrays(), st.booleans())
def test_linear(in_features, out_features, x, bias):
    make = lambda: cr.nn.Linear(in_features, out_features, bias=bias, dtype=cr.float64)  # noqa: E731
    ok, layer = attempt(make, "linear", "features")
    if not ok:
        return
    ok, y = attempt(lambda: layer(cr.tensor(x)), "linear")
    if ok:
        w = layer.weight.detach().numpy()
        expected = x @ w.T + (layer.bias.detach().numpy() if bias else 0)
        assert_matches(y, expected.astype(np.float64), rtol=1e-9)


@FUZZ
@given(arrays(), st.integers(-5, 4), st.integers(-5, 4), st.one_of(st.floats(-1, 2), junk), st.booleans())
def test_flatten_and_dropout(x, start, end, p, training):
    check_call(lambda lib, t: lib.nn.Flatten(start, end)(t), [x], ["flatten"])
    attempt(lambda: cr.nn.Flatten()(x), "flatten")
    ok, layer = attempt(lambda: cr.nn.Dropout(p), "dropout")
    assert ok == (isinstance(p, (int, float)) and 0 <= p <= 1)
    if ok:
        layer.train(training)
        ok, y = attempt(lambda: layer(cr.tensor(x)), "dropout")
        if ok:
            assert y.shape == x.shape and y.dtype == x.dtype
            kept = y.numpy() != 0
            if training and 0 < p < 1 and x.dtype.kind == "f" and moderate(x):
                scaled = (x / (1 - p)).astype(x.dtype)
                np.testing.assert_allclose(y.numpy()[kept], scaled[kept], rtol=1e-5)
            elif not training:
                assert_matches(y, x)


@FUZZ
@given(st.lists(st.sampled_from(["linear23", "linear32", "relu", "flatten", "junk"]), max_size=4),
       arrays(dtype="float32"), st.one_of(st.integers(-3, 3), junk))
def test_sequential(kinds, x, index):
    layers = {"linear23": lambda: cr.nn.Linear(2, 3), "linear32": lambda: cr.nn.Linear(3, 2), "relu": cr.nn.ReLU,
              "flatten": cr.nn.Flatten, "junk": lambda: "not a module"}
    ok, model = attempt(lambda: cr.nn.Sequential(*[layers[k]() for k in kinds]), "module", "sequential")
    if not ok:
        return
    attempt(lambda: model[index], "sequential")
    ok, y = attempt(lambda: model(cr.tensor(x)), "linear", "flatten", "relu")
    if ok:
        expected = torch.tensor(x)
        for layer, kind in zip(model, kinds):
            if kind.startswith("linear"):
                weight, bias = (torch.tensor(p.detach().numpy()) for p in (layer.weight, layer.bias))
                expected = expected @ weight.T + bias
            elif kind == "relu":
                expected = torch.relu(expected)
            elif expected.ndim < 2:
                return  # torch's Flatten refuses a 0-d or 1-d input, which chainrule flattens
            else:
                expected = torch.flatten(expected, 1)
        assert_matches(y, expected, rtol=1e-4)


# ---- losses -----------------------------------------------------------------------------------------
REGRESSION_LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]
LOSSES = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", *REGRESSION_LOSSES]


@st.composite
def loss_inputs(draw):
    n, c = draw(st.integers(0, 3)), draw(st.integers(0, 4))
    shape = draw(st.sampled_from([(n, c), (c,), (n, c, 2), ()]))
    x = draw(arrays(shape=shape, dtype=draw(st.sampled_from(["float64", "float32", "int64"]))))
    target_shape = draw(st.sampled_from([shape, shape[:1] + shape[2:], (n,), (n + 1,), (c, n)]))
    target = draw(st.one_of(arrays(shape=target_shape, labels=True), junk))
    return x, target


@FUZZ
@given(st.sampled_from(LOSSES), loss_inputs(), st.sampled_from(["mean", "sum", "none", "bad", None]),
       st.one_of(st.none(), arrays(shape=st.integers(0, 4).map(lambda c: (c,)), dtype="float64"), junk),
       st.one_of(st.just(-100), st.integers(-1, 4), junk), st.one_of(st.just(0.0), st.floats(-0.5, 1.5), junk),
       st.booleans())
def test_losses(name, inputs, reduction, weight, ignore_index, smoothing, as_module):
    x, target = inputs
    if name.startswith("binary") and x.dtype.kind == "f" and moderate(x):
        x = 1 / (1 + np.exp(-x)) if name == "binary_cross_entropy" else x  # probabilities for BCE
    if name.startswith("binary") and isinstance(target, np.ndarray):  # targets are probabilities too
        target = np.clip(target, 0, 1).astype(x.dtype if target.dtype.kind != "f" else target.dtype)
    options = {"reduction": reduction}
    if name in ("cross_entropy", "nll_loss"):
        options["ignore_index"] = ignore_index
    if name == "cross_entropy":
        options["label_smoothing"] = smoothing
    if name not in REGRESSION_LOSSES:  # (a weight of another float dtype: torch promotes, chainrule keeps the input's)
        options["weight"] = weight.astype(x.dtype) if isinstance(weight, np.ndarray) and x.dtype.kind == "f" else weight

    arrays_in = [x, target] if isinstance(target, np.ndarray) else [x]

    def call(lib, a, *rest):
        converted = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in options.items()}
        t = rest[0] if rest else target
        return getattr(lib.nn.functional, name)(a, t, **converted)

    mixed = isinstance(target, np.ndarray) and target.dtype.kind == "f" and target.dtype != x.dtype
    if mixed or not moderate(x):  # mixed: torch promotes to the target's dtype, chainrule keeps the input's;
        attempt(lambda: call(cr, *[cr.tensor(a) for a in arrays_in]), name)  # inf logits: torch's BCE is nan
        return
    grad = moderate(x) and (not isinstance(weight, np.ndarray) or moderate(weight))
    check_call(call, arrays_in, [name, "reduction", "weight", "target"], grad=grad, rtol=1e-6)
    if as_module and isinstance(target, np.ndarray) and name not in REGRESSION_LOSSES:
        module = {"cross_entropy": cr.nn.CrossEntropyLoss, "nll_loss": cr.nn.NLLLoss,
                  "binary_cross_entropy": cr.nn.BCELoss,
                  "binary_cross_entropy_with_logits": cr.nn.BCEWithLogitsLoss}[name]
        loss = module(reduction=reduction if reduction in ("mean", "sum", "none") else "mean")
        attempt(lambda: loss(cr.tensor(x), cr.tensor(target)), name)


# ---- optimizers -------------------------------------------------------------------------------------
OPTIMIZERS = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay"], "Adam": ["lr", "eps", "weight_decay"],
    "AdamW": ["lr", "eps", "weight_decay"], "RMSprop": ["lr", "alpha", "eps", "momentum", "weight_decay"],
    "Adagrad": ["lr", "lr_decay", "weight_decay", "eps"], "Adadelta": ["lr", "rho", "eps", "weight_decay"],
}
OPTION_WORDS = ["learning rate", "momentum", "dampening", "weight_decay", "epsilon", "alpha", "lr_decay", "rho",
                "beta", "nesterov", "optimize", "param", "initial_accumulator_value"]


@FUZZ
@given(st.sampled_from(sorted(OPTIMIZERS)), st.data(),
       st.sampled_from(["good", "empty", "tensor", "junk", "non_leaf", "int", "group", "bad_group"]))
def test_optimizers(name, data, params_kind):
    options = {key: data.draw(st.one_of(st.floats(0, 0.9), st.floats(-1, 1), numbers_or_junk), label=key)
               for key in OPTIMIZERS[name] if data.draw(st.booleans())}
    if name.startswith("Adam") and data.draw(st.booleans()):
        options["betas"] = data.draw(st.one_of(st.tuples(st.floats(-0.5, 1.5), st.floats(0, 1)), junk))
    start = np.random.default_rng(0).uniform(-1, 1, (2, 3))
    params = _params(cr, start, params_kind)
    ok, optimizer = attempt(lambda: getattr(cr.optim, name)(params, **options), name, *OPTION_WORDS)
    if not ok:
        return
    torch_params = _params(torch, start, params_kind)
    try:
        torch_optimizer = getattr(torch.optim, name)(torch_params, **options)
    except Exception:  # noqa: BLE001
        torch_optimizer = None
    for _ in range(2):
        for group, lib_opt in ((optimizer, cr), (torch_optimizer, torch)):
            if group is None:
                continue
            for p in group.param_groups[0]["params"]:
                p.grad = lib_opt.ones_like(p) * 0.5
        ok, _ = attempt(optimizer.step, name, "step", *OPTION_WORDS)
        if torch_optimizer is not None:
            torch_optimizer.step()
    if ok and torch_optimizer is not None:
        for mine, theirs in zip(optimizer.param_groups[0]["params"], torch_optimizer.param_groups[0]["params"]):
            assert_matches(mine.detach(), theirs.detach(), rtol=1e-7)


def _params(lib, start, kind):
    w = lib.tensor(start, requires_grad=True)
    return {
        "good": lambda: [w], "empty": lambda: [], "tensor": lambda: w, "junk": lambda: 3.5, "non_leaf": lambda: [w * 2],
        "int": lambda: [lib.ones(2, dtype=lib.int64)], "group": lambda: [{"params": [w], "lr": 0.1}],
        "bad_group": lambda: [{"params": [w], "lr": "fast"}],
    }[kind]()


# ---- data -------------------------------------------------------------------------------------------
@FUZZ
@given(st.integers(0, 5), st.one_of(st.none(), st.integers(-1, 6), junk), st.one_of(st.none(), st.booleans(), junk),
       st.one_of(st.booleans(), junk), st.one_of(st.none(), st.lists(st.integers(0, 4), max_size=5), junk),
       st.booleans())
def test_data_loader(n, batch_size, shuffle, drop_last, sampler, good_dataset):
    X = cr.arange(2 * n).reshape(n, 2).float()
    dataset = TensorDataset(X, cr.arange(n)) if good_dataset else 5
    ok, loader = attempt(lambda: DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, sampler=sampler,
                                            drop_last=drop_last), "dataloader", "batch_size", "drop_last", "sampler")
    if not ok:
        return
    ok, batches = attempt(lambda: list(loader), "dataloader", "index", "getitem")
    if not ok:
        return
    if batch_size is None:
        return
    rows = [i for b in batches for i in b[1].tolist()]
    order = list(range(n)) if sampler is None else list(sampler)
    full = len(order) - len(order) % batch_size if drop_last else len(order)
    if shuffle:
        assert sorted(rows) == sorted(order)[:full] or drop_last
    else:
        assert rows == order[:full]


# ---- state dicts and files --------------------------------------------------------------------------
@FUZZ
@given(st.sampled_from(["same", "missing", "extra", "shape", "type", "dtype", "not_a_dict"]), st.booleans())
def test_load_state_dict(change, strict):
    cr.manual_seed(0)
    model, source = (cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.Linear(3, 1)) for _ in range(2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = dict(source.state_dict())
    key = "0.weight"
    if change == "missing":
        del state[key]
    elif change == "extra":
        state["2.weight"] = cr.ones(1)
    elif change == "shape":
        state[key] = cr.ones(5)
    elif change == "type":
        state[key] = "weights"
    elif change == "dtype":
        state[key] = state[key].to(cr.int64)
    elif change == "not_a_dict":
        state = [1, 2]
    ok, result = attempt(lambda: model.load_state_dict(state, strict=strict), "state_dict", "load_state_dict")
    if ok:
        assert set(result.missing_keys) == ({key} if change == "missing" else set())
        assert set(result.unexpected_keys) == ({"2.weight"} if change == "extra" else set())
        for k, v in model.state_dict().items():
            expected = state[k] if k in state else before[k]
            np.testing.assert_array_equal(v.numpy(), np.asarray(expected.numpy(), dtype=v.dtype))
    else:
        for k, v in model.state_dict().items():  # a refused state dict changes nothing
            np.testing.assert_array_equal(v.numpy(), before[k].numpy())


saveable = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3),
              arrays(dtype="float32").map(cr.tensor), arrays(dtype="int64").map(cr.tensor)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.tuples(children, children),
                               st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3)), children,
                                               max_size=3)),
    max_leaves=6,
)
unsaveable = st.sampled_from([{1, 2}, object(), {(1, 2): 3}, {"model": cr.nn.Linear(1, 1)}, b"bytes", 1j])


@FUZZ
@given(st.one_of(saveable, unsaveable), st.sampled_from(["file", "folder", "missing_folder", "junk", "corrupt"]))
def test_save_and_load(obj, where):
    folder = _tmp_folder()
    path = {"file": os.path.join(folder, "x.safetensors"), "folder": folder, "junk": 42,
            "missing_folder": os.path.join(folder, "no", "x"),
            "corrupt": os.path.join(folder, "bad.safetensors")}[where]
    if where == "corrupt":
        with open(path, "wb") as f:
            f.write(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
        attempt_files(lambda: cr.load(path), "load")
        return
    ok, _ = attempt_files(lambda: cr.save(obj, path), "save")
    if ok:
        ok, loaded = attempt_files(lambda: cr.load(path), "load")
        assert ok
        _assert_same_object(loaded, obj)
    else:
        attempt_files(lambda: cr.load(path), "load")


def attempt_files(call, name):
    """attempt(), with OSError (a path that can't be used) also documented for save and load."""
    try:
        return attempt(call, name)
    except OSError as err:
        check_documented(err, [name])
        return False, err


_FOLDER = []


def _tmp_folder():
    """One scratch folder for the whole run (hypothesis examples can't use pytest's tmp_path), removed at exit."""
    if not _FOLDER:
        _FOLDER.append(tempfile.mkdtemp(prefix="chainrule_fuzz_"))
        atexit.register(shutil.rmtree, _FOLDER[0], ignore_errors=True)
    return _FOLDER[0]


def _assert_same_object(loaded, obj):
    if isinstance(obj, cr.Tensor):
        assert_matches(loaded, obj.numpy())
    elif isinstance(obj, dict):
        assert type(loaded) is type(obj) and list(loaded) == list(obj)
        for key in obj:
            _assert_same_object(loaded[key], obj[key])
    elif isinstance(obj, (list, tuple)):
        assert type(loaded) is type(obj) and len(loaded) == len(obj)
        for a, b in zip(loaded, obj):
            _assert_same_object(a, b)
    else:
        assert loaded == obj and type(loaded) is type(obj)
