"""Creating tensors: tensor() from Python and NumPy data, and the factories (zeros, ones, full, arange,
linspace, eye, ..._like), against PyTorch."""
import numpy as np
import pytest
import torch
from torch_parity import np_dtype

import chainrule as cr


@pytest.mark.parametrize("data", [
    1.5, 3, True, -0.0, [1.0, 2.0], [1, 2], [[1, 2], [3, 4]], [[1.0, 2], [3, 4]], [True, False], [],
    [[[0.5]]], np.array([1.0, 2.0]), np.array([1, 2], np.int32), np.array([1.0], np.float32),
    np.array(2.5), np.float64(1.5), [np.float64(1.0), np.float64(2.0)], np.array([[1, 0]], np.uint8),
    (1.0, 2.0),
], ids=repr)
def test_tensor_dtype_and_values_follow_torch(data):
    mine, theirs = cr.tensor(data), torch.tensor(data)
    assert mine.dtype == np_dtype(theirs.dtype)
    assert mine.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert mine.is_leaf and not mine.requires_grad and mine.grad is None and mine.grad_fn is None


def test_tensor_from_tensor_and_array_copies():
    array = np.array([1.0, 2.0])
    from_array = cr.tensor(array)
    array[0] = 9.0
    assert from_array.tolist() == [1.0, 2.0]
    source = cr.tensor([1.0, 2.0], requires_grad=True)
    copy = cr.tensor(source)
    assert copy.tolist() == [1.0, 2.0] and copy.is_leaf and not copy.requires_grad
    with cr.no_grad():
        source.add_(1.0)
    assert copy.tolist() == [1.0, 2.0]


def test_tensor_with_dtype_and_requires_grad():
    t = cr.tensor([1, 2], dtype=cr.float64, requires_grad=True, device="cpu")
    assert t.dtype == cr.float64 and t.requires_grad and t.is_leaf
    assert cr.tensor([1.7, -1.7], dtype=cr.int64).tolist() == torch.tensor([1.7, -1.7], dtype=torch.int64).tolist()
    assert cr.tensor(np.array([1, 2]), dtype="float32").dtype == cr.float32


BAD_DATA = [[[1, 2], [3]], [[1, 2], 3], "ab", b"ab", {"a": 1}, {1, 2}, None, [1, "a"], [None], object()]


@pytest.mark.parametrize("bad", BAD_DATA, ids=repr)
def test_tensor_of_bad_data_is_type_or_value_error(bad):
    with pytest.raises((TypeError, ValueError)):
        cr.tensor(bad)


FACTORIES = {
    "zeros": lambda m, **kw: m.zeros(2, 3, **kw),
    "zeros_tuple": lambda m, **kw: m.zeros((2, 3), **kw),
    "ones": lambda m, **kw: m.ones(4, **kw),
    "ones_list": lambda m, **kw: m.ones([2, 1], **kw),
    "full_float": lambda m, **kw: m.full((2, 2), 1.5, **kw),
    "full_int": lambda m, **kw: m.full((3,), 7, **kw) if "requires_grad" not in kw else m.full((3,), 7.0, **kw),
    "zeros_like": lambda m, **kw: m.zeros_like(m.ones(2, 3, dtype=m.float64), **kw),
    "ones_like": lambda m, **kw: m.ones_like(m.ones(3), **kw),
    "arange": lambda m, **kw: m.arange(5, **kw) if "requires_grad" not in kw else m.arange(5.0, **kw),
    "arange_start_end": lambda m, **kw: m.arange(2, 7, **kw) if "requires_grad" not in kw else m.arange(2.0, 7, **kw),
    "arange_float_step": lambda m, **kw: m.arange(0, 1, 0.25, **kw),
    "arange_negative_step": lambda m, **kw: m.arange(5.0, 0.0, -1.5, **kw),
    "linspace": lambda m, **kw: m.linspace(0, 1, 5, **kw),
    "linspace_one": lambda m, **kw: m.linspace(-2.0, 3.0, steps=1, **kw),
    "eye": lambda m, **kw: m.eye(3, **kw),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_matches_torch(name):
    mine, theirs = FACTORIES[name](cr), FACTORIES[name](torch)
    assert mine.dtype == np_dtype(theirs.dtype) and mine.shape == tuple(theirs.shape)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    assert mine.is_leaf and not mine.requires_grad


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dtype", [cr.float64, cr.float32])
def test_factory_with_dtype_requires_grad_and_device(name, dtype):
    t = FACTORIES[name](cr, dtype=dtype, requires_grad=True, device="cpu")
    expected = FACTORIES[name](torch, dtype=getattr(torch, str(dtype)), requires_grad=True, device="cpu")
    assert t.dtype == dtype and t.requires_grad and t.is_leaf
    np.testing.assert_allclose(t.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    (t * 2).sum().backward()
    assert t.grad.dtype == dtype and t.grad.shape == t.shape


def test_factory_with_int_dtype_and_bad_device():
    assert cr.zeros(2, dtype=cr.int64).dtype == cr.int64
    assert cr.arange(3, dtype=cr.float64).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="cuda"):
        cr.zeros(2, device="cuda")


@pytest.mark.parametrize("data", [2**70, [1, 2**70], [[2**70], [1]], 2**63, -2**63 - 1, [2**64 - 1, -1], [(1, 2**64)]], ids=repr)
def test_tensor_refuses_an_int_outside_int64_as_torch_does(data):
    with pytest.raises(ValueError, match="Overflow"):
        torch.tensor(data)
    with pytest.raises(ValueError, match=r"tensor\(\).*out of int64's range"):
        cr.tensor(data)


@pytest.mark.parametrize("data, dtype", [
    ([2**64 - 1, 1.0], None), ([1.5, 2**70], None), ([2**70], "float32"), (2**70, "float64"),
    ([-2**63, 2**63 - 1], None),
], ids=repr)
def test_tensor_big_ints_among_floats_become_floats_as_in_torch(data, dtype):
    mine = cr.tensor(data, dtype=getattr(cr, dtype) if dtype else None)
    theirs = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)
    assert mine.dtype == np_dtype(theirs.dtype)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_tensor_non_numbers_with_a_big_int_stay_a_type_error():
    with pytest.raises(TypeError, match="numbers only"):
        cr.tensor(["a", 2**70])
    with pytest.raises(ValueError, match="out of int64's range"):
        cr.tensor([2**63], dtype=cr.int64)


# ---- x.new_zeros / new_ones / new_full / new_empty / new_tensor ---------------------------------------------
NEW_FACTORIES = {
    "zeros": lambda m, t: t.new_zeros(2, 3),
    "zeros_tuple": lambda m, t: t.new_zeros((2, 3), dtype=m.int32),
    "ones": lambda m, t: t.new_ones([4]),
    "ones_dtype": lambda m, t: t.new_ones(2, dtype=m.float64),
    "full": lambda m, t: t.new_full((2, 2), 1.5),
    "full_int_value": lambda m, t: t.new_full((3,), 7, dtype=m.float32),
    "empty_shape": lambda m, t: t.new_empty((0, 3)).shape,
    "tensor": lambda m, t: t.new_tensor([1, 2, 3]),
    "tensor_floats": lambda m, t: t.new_tensor([[1.5, 2.0]]),
    "tensor_dtype": lambda m, t: t.new_tensor([1.5], dtype=m.float64),
}


@pytest.mark.parametrize("name", sorted(NEW_FACTORIES))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_new_factories_keep_the_tensors_dtype_like_torch(name, dtype):
    source = np.array([1, 0], dtype=dtype)
    mine = NEW_FACTORIES[name](cr, cr.tensor(source))
    theirs = NEW_FACTORIES[name](torch, torch.tensor(source))
    if name == "empty_shape":
        assert mine == tuple(theirs)
        return
    assert mine.dtype == np_dtype(theirs.dtype) and mine.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert not mine.requires_grad and mine.is_leaf


def test_new_factories_take_requires_grad():
    x = cr.ones(2, dtype=cr.float64)
    for made in (x.new_zeros(3, requires_grad=True), x.new_full((3,), 2.0, requires_grad=True),
                 x.new_tensor([1.0, 2.0], requires_grad=True), x.new_ones(1, requires_grad=True)):
        assert made.requires_grad and made.is_leaf and made.dtype == cr.float64
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2]).new_zeros(2, requires_grad=True)
    with pytest.raises(ValueError):
        x.new_zeros(-1)
