"""autograd/arrays.py is chainrule.ops on NumPy arrays: each name computes what the op of that name computes on
a Tensor, so a backward formula written with `xp = namespace(gy)` gives the same numbers in both modes."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import arrays
from chainrule.autograd.function import namespace

X = np.random.default_rng(0).uniform(-3, 3, (3, 4))
POSITIVE = np.abs(X) + 0.5

CASES = {
    "exp": lambda xp, x, p: xp.exp(x),
    "log": lambda xp, x, p: xp.log(p),
    "sin": lambda xp, x, p: xp.sin(x),
    "cos": lambda xp, x, p: xp.cos(x),
    "tanh": lambda xp, x, p: xp.tanh(x),
    "sign": lambda xp, x, p: xp.sign(x),
    "sqrt": lambda xp, x, p: xp.sqrt(p),
    "abs": lambda xp, x, p: xp.abs(x),
    "expm1": lambda xp, x, p: xp.expm1(x),
    "log1p": lambda xp, x, p: xp.log1p(p),
    "sigmoid": lambda xp, x, p: xp.sigmoid(x * 300),
    "log_sigmoid": lambda xp, x, p: xp.log_sigmoid(x * 300),
    "erf": lambda xp, x, p: xp.erf(x),
    "where": lambda xp, x, p: xp.where(x > 0, x, 0.0),
    "sum": lambda xp, x, p: xp.sum(x, 1, keepdim=True),
    "sum_all": lambda xp, x, p: xp.sum(x),
    "mean": lambda xp, x, p: xp.mean(x, (0,), keepdim=False),
    "reshape": lambda xp, x, p: xp.reshape(x, (4, 3)),
    "broadcast_to": lambda xp, x, p: xp.broadcast_to(xp.reshape(x, (1, 3, 4)), (2, 3, 4)),
    "sum_to": lambda xp, x, p: xp.sum_to(x, (1, 4)),
    "permute": lambda xp, x, p: xp.permute(x, (1, 0)),
    "clamp": lambda xp, x, p: xp.clamp(x, min=-1.0, max=2.0),
    "cast": lambda xp, x, p: xp.cast(x, cr.float32),
    "matmul": lambda xp, x, p: xp.matmul(x, xp.permute(p, (1, 0))),
    "maximum": lambda xp, x, p: xp.maximum(x, p - 1),
    "minimum": lambda xp, x, p: xp.minimum(x, p - 1),
    "zeros_like": lambda xp, x, p: xp.zeros_like(x),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_array_namespace_computes_what_the_ops_compute(name):
    on_arrays = CASES[name](arrays, X, POSITIVE)
    on_tensors = CASES[name](cr.ops, cr.tensor(X), cr.tensor(POSITIVE))
    assert isinstance(on_arrays, np.ndarray) and isinstance(on_tensors, cr.Tensor)
    assert on_arrays.dtype == on_tensors.dtype and on_arrays.shape == tuple(on_tensors.shape)
    np.testing.assert_allclose(on_arrays, on_tensors.numpy(), rtol=1e-15, atol=0)


def test_namespace_is_arrays_for_numpy_values_and_ops_for_tensors():
    assert namespace(X) is arrays and namespace(np.float64(1.0)) is arrays
    assert namespace(cr.tensor(X)) is cr.ops
    with pytest.raises(TypeError, match="list"):
        namespace([1.0, 2.0])  # a list is no array: it has no namespace


def test_the_array_mean_of_nothing_is_nan_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(arrays.mean(np.zeros((0, 3)), (0,))).all()
        assert np.isnan(cr.ops.mean(cr.tensor(np.zeros((0, 3))), (0,)).numpy()).all()
