"""softmax and log_softmax against PyTorch and finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from nn_testing import assert_close, assert_grads_close, pair, rng
from torch_parity import check_op, check_second_order, check_torch, float_arrays, random_array

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.errors import OutOfRangeError

FNS = {
    "softmax": lambda m, t, dim: m.softmax(t, dim),
    "log_softmax": lambda m, t, dim: m.log_softmax(t, dim),
    "softmax_method": lambda m, t, dim: t.softmax(dim),
    "log_softmax_method": lambda m, t, dim: t.log_softmax(dim=dim),
}


@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize(
    "shape, dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), 1), ((), 0), ((4, 1), 1)], ids=str
)
def test_softmax(name, shape, dim):
    check_op(lambda m, t: FNS[name](m, t, dim), random_array(shape, 1, -3.0, 3.0))


@pytest.mark.parametrize("name", sorted(FNS))
@given(data=st.data())
def test_random_shapes_match_torch(name, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_torch(lambda m, t: FNS[name](m, t, dim), data.draw(float_arrays(shape, -20.0, 20.0)))


@pytest.mark.parametrize("name", sorted(FNS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_logits(name, dtype):
    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4], [50.0, 50.0, -np.inf], [88.0, 89.0, 90.0]], dtype=dtype)
    out = check_torch(lambda m, t: FNS[name](m, t, 1), x)
    assert out.dtype == dtype and np.isfinite(out.detach().numpy()[:, :2]).all()


def test_softmax_of_int_tensor_is_float32():
    out = cr.softmax(cr.tensor([1, 2, 3]), 0)
    assert out.dtype == cr.float32
    np.testing.assert_allclose(out.sum().item(), 1.0, rtol=1e-6)


def test_softmax_then_gather_like_cross_entropy():
    target = np.array([2, 0, 1])
    check_op(lambda m, t, i: -t.log_softmax(1).gather(1, i[:, None]).mean(), random_array((3, 4), 2), target)


@pytest.mark.parametrize("dim", [2, -3])
def test_out_of_range_dim(dim):
    with pytest.raises(OutOfRangeError):
        cr.softmax(cr.ones(2, 3), dim)
    with pytest.raises(OutOfRangeError):
        cr.log_softmax(cr.ones(2, 3), dim)


@pytest.mark.parametrize("name", sorted(FNS))
def test_second_derivatives_match_torch(name):
    check_second_order(lambda m, t: FNS[name](m, t, 1), random_array((3, 4), 3))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax(dim, name):
    x, tx = pair(rng(1).normal(size=(3, 4)) * 10)
    y, ty = getattr(F, name)(x, dim), getattr(TF, name)(tx, dim)
    assert_close(y, ty)
    gy = rng(2).normal(size=(3, 4))
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x], [tx])
