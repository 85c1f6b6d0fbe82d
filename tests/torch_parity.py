"""Run one function in chainrule and in PyTorch on the same data; compare values, dtypes and gradients.

A test writes the function once, as fn(lib, *tensors), where lib is the module (chainrule or
torch): most ops are spelled the same way in both (t.sum(1), lib.cat([a, b]), a @ b).
"""
import os

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

# CHAINRULE_ARRAY_LIBRARY=array_api_strict (or cupy) runs a test module with every chainrule tensor made on that
# library's device: the op tests then check that the ops compute with the array API standard only.
ARRAY_LIBRARY = os.environ.get("CHAINRULE_ARRAY_LIBRARY")
if ARRAY_LIBRARY:
    cr.set_default_device({"cupy": "cuda"}.get(ARRAY_LIBRARY, ARRAY_LIBRARY))

RTOL = {np.float64: 1e-9, np.float32: 1e-5}
ATOL = {np.float64: 1e-12, np.float32: 1e-6}


def np_dtype(torch_dtype):
    """torch.float32 -> np.dtype('float32'), and so on."""
    return np.dtype(str(torch_dtype).removeprefix("torch."))


def random_array(shape, seed=0, low=-2.0, high=2.0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


def check_torch(fn, *inputs, rtol=None, atol=None, grad=True):
    """fn(cr, *cr_tensors) must match fn(torch, *torch_tensors): values, dtypes, requires_grad, and
    the gradients of every floating-point input after backward of a weighted sum of the outputs.

    Inputs that are NumPy arrays become tensors (floating ones require grad); anything else is
    passed to fn unchanged. Returns chainrule's output.
    """
    cr_inputs = [_cr_tensor(x) for x in inputs]
    torch_inputs = [_torch_tensor(x) for x in inputs]
    cr_out, torch_out = fn(cr, *cr_inputs), fn(torch, *torch_inputs)
    cr_outs, torch_outs = _as_tuple(cr_out), _as_tuple(torch_out)
    assert len(cr_outs) == len(torch_outs), f"{len(cr_outs)} outputs, torch gives {len(torch_outs)}"
    for mine, theirs in zip(cr_outs, torch_outs):
        assert_same(mine, theirs, rtol, atol)
    if grad:
        _check_grads(cr_inputs, torch_inputs, cr_outs, torch_outs, rtol, atol)
    return cr_out


def assert_same(mine, theirs, rtol=None, atol=None):
    """A chainrule tensor equals a torch tensor: shape, dtype, values, requires_grad."""
    assert isinstance(mine, cr.Tensor), f"expected a chainrule Tensor, got {type(mine).__name__}"
    expected = theirs.detach().numpy()
    assert mine.dtype == expected.dtype, f"dtype {mine.dtype}, torch gives {expected.dtype}"
    assert mine.shape == tuple(theirs.shape), f"shape {mine.shape}, torch gives {tuple(theirs.shape)}"
    assert mine.requires_grad == theirs.requires_grad, f"requires_grad {mine.requires_grad}, torch {theirs.requires_grad}"
    _assert_close(mine.detach().numpy(), expected, rtol, atol)


def check_gradcheck(fn, *inputs, atol=1e-6, rtol=1e-5):
    """cr.autograd.gradcheck on fn(cr, *tensors), float64 inputs; tuple outputs are checked through their float parts."""
    tensors = [_cr_tensor(x) for x in inputs]  # on the test device, where gradcheck perturbs them too

    def as_one_output(*ts):
        outs = [o for o in _as_tuple(fn(cr, *ts)) if o.dtype.kind == "f"]
        return outs[0] if len(outs) == 1 else cr.cat([o.reshape(-1) for o in outs])

    assert cr.autograd.gradcheck(as_one_output, tensors, atol=atol, rtol=rtol)


def check_op(fn, *inputs, rtol=None, atol=None):
    """Both checks: PyTorch parity and finite differences (when the output is differentiable)."""
    out = check_torch(fn, *inputs, rtol=rtol, atol=atol)
    if any(o.requires_grad for o in _as_tuple(out)):
        check_gradcheck(fn, *inputs)


def check_second_order(fn, *arrays):
    """Backward is written with tensor ops, so it differentiates again: compare the Hessian-vector
    products d/dx (grad(sum(w * fn(x))) . v) of chainrule and torch."""
    results = []
    for lib, grad in ((cr, cr.autograd.grad), (torch, torch.autograd.grad)):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *inputs)
        weights = lib.tensor(np.random.default_rng(1).uniform(0.5, 1.5, size=tuple(out.shape)))
        grads = grad((out * weights).sum(), inputs, create_graph=True)
        directions = [lib.tensor(random_array(a.shape, 2 + i)) for i, a in enumerate(arrays)]
        total = sum((g * v).sum() for g, v in zip(grads, directions))
        results.append([None if g is None else g.detach().numpy() for g in grad(total, inputs, allow_unused=True)])
    for index, (mine, theirs) in enumerate(zip(*results)):
        assert (mine is None) == (theirs is None), f"input {index}: second derivative {mine}, torch gives {theirs}"
        if theirs is not None:
            _assert_close(mine, theirs, None, None)


# ---- hypothesis strategies ------------------------------------------------------------------------
def float_arrays(shape, low=-3.0, high=3.0):
    """float64 arrays of `shape`; hypothesis likes repeated values, which exercises ties."""
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


@st.composite
def broadcast_pair(draw, max_dims=3, max_side=4, low=-3.0, high=3.0):
    """Two float64 arrays whose shapes broadcast together (scalars, (3, 1) with (1, 4), ...)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, max_side=max_side))
    return tuple(draw(float_arrays(shape, low, high)) for shape in shapes.input_shapes)


@st.composite
def seeded_pair(draw, max_dims=3, max_side=4, low=-2.0, high=2.0):
    """Two broadcastable float64 arrays of random (tie-free) values: for finite differences."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, max_side=max_side))
    seed = draw(st.integers(0, 2**16))
    return tuple(random_array(s, seed + i, low, high) for i, s in enumerate(shapes.input_shapes))


# ---- internals ------------------------------------------------------------------------------------
def _cr_tensor(x):
    if not isinstance(x, np.ndarray):
        return x
    return cr.tensor(x, requires_grad=x.dtype.kind == "f")


def _torch_tensor(x):
    if not isinstance(x, np.ndarray):
        return x
    return torch.tensor(x, requires_grad=x.dtype.kind == "f")


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _assert_close(actual, expected, rtol, atol):
    kind = expected.dtype.type
    if expected.dtype.kind != "f":
        np.testing.assert_array_equal(actual, expected)
        return
    np.testing.assert_allclose(
        actual, expected, rtol=rtol or RTOL.get(kind, 1e-3), atol=atol or ATOL.get(kind, 1e-3), equal_nan=True
    )


def _check_grads(cr_inputs, torch_inputs, cr_outs, torch_outs, rtol, atol):
    rng = np.random.default_rng(1)
    cr_total, torch_total = None, None
    for mine, theirs in zip(cr_outs, torch_outs):
        if not theirs.requires_grad:
            continue
        weights = rng.uniform(0.5, 1.5, size=theirs.shape).astype(np_dtype(theirs.dtype))
        cr_term = (mine * cr.tensor(weights)).sum()
        torch_term = (theirs * torch.tensor(weights)).sum()
        cr_total = cr_term if cr_total is None else cr_total + cr_term
        torch_total = torch_term if torch_total is None else torch_total + torch_term
    if torch_total is None:
        return
    cr_total.backward()
    torch_total.backward()
    for index, (mine, theirs) in enumerate(zip(cr_inputs, torch_inputs)):
        if not isinstance(theirs, torch.Tensor) or not theirs.requires_grad:
            continue
        if theirs.grad is None:
            assert mine.grad is None, f"input {index}: torch gives no gradient, chainrule gives {mine.grad}"
            continue
        assert mine.grad is not None, f"input {index}: no gradient, torch gives one"
        assert mine.grad.shape == mine.shape, f"input {index}: gradient shape {mine.grad.shape} != {mine.shape}"
        assert mine.grad.dtype == mine.dtype, f"input {index}: gradient dtype {mine.grad.dtype} != {mine.dtype}"
        _assert_close(mine.grad.numpy(), theirs.grad.numpy(), rtol, atol)
