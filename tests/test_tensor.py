"""The Tensor class: the legacy constructor, attributes, conversions, requires_grad, Python protocols, reprs,
methods, deepcopy."""
import numpy as np
import pytest
import torch
from torch_parity import check_torch, np_dtype, random_array

import chainrule as cr
from chainrule.errors import OutOfRangeError


# ---- construction ----------------------------------------------------------------------------------
def test_requires_grad_needs_floats():
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2], requires_grad=True)


def test_legacy_constructor():
    assert cr.Tensor([1, 2]).dtype == cr.float32 and cr.Tensor([1, 2]).tolist() == [1.0, 2.0]
    zeros = cr.Tensor(2, 3)
    assert zeros.shape == (2, 3) and zeros.dtype == cr.float32
    assert cr.Tensor(np.array([1.0, 2.0])).dtype == torch.Tensor(np.array([1.0, 2.0])).numpy().dtype
    assert isinstance(cr.tensor(1.0), cr.Tensor)
    with pytest.raises(TypeError):
        cr.Tensor(2, "a")


# ---- attributes and conversions ----------------------------------------------------------------------
def test_attributes():
    t = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dim() == 2 and t.dtype == cr.float32
    assert t.size() == (2, 3) and t.size(0) == 2 and t.size(-1) == 3 and t.numel() == 6 and cr.numel(t) == 6
    assert t.T.shape == (3, 2) and t.T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert t.is_leaf and t.grad_fn is None and t.grad is None and t.requires_grad
    y = t * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert t.device == "cpu" or str(t.device) == "cpu"
    with pytest.raises(OutOfRangeError):
        t.size(2)


def test_numpy_item_tolist_detach():
    t = cr.tensor([[1.5, 2.5]], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    d = t.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert isinstance(d.numpy(), np.ndarray) and d.numpy().dtype == np.float32
    assert np.shares_memory(d.numpy(), t.detach().numpy())
    assert t.tolist() == [[1.5, 2.5]] and cr.tensor(3).tolist() == 3
    assert t[0, 1].item() == 2.5 and isinstance(cr.tensor([[7]]).item(), int)
    assert isinstance(cr.tensor([[[2.5]]]).item(), float) and cr.tensor([[[2.5]]]).item() == 2.5
    assert cr.tensor([True]).item() is True
    with pytest.raises(ValueError, match="item"):
        cr.tensor([1.0, 2.0]).item()


def test_data_is_outside_the_graph():
    t = cr.tensor([1.0, 2.0], requires_grad=True)
    data = t.data
    assert isinstance(data, cr.Tensor) and not data.requires_grad and data.is_leaf
    data.mul_(2.0)  # shares memory, as in PyTorch
    assert t.tolist() == [2.0, 4.0] and t.requires_grad
    t.data = cr.tensor([5.0, 6.0])
    assert t.tolist() == [5.0, 6.0] and t.requires_grad and t.is_leaf


def test_view_as_and_reshape_share_values():
    t = cr.arange(6)
    assert t.view_as(cr.zeros(2, 3)).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert t.view(3, -1).shape == (3, 2) and t.reshape((2, 3)).shape == (2, 3)


@pytest.mark.parametrize("conversion", ["float", "double", "long", "int", "bool", "half"])
def test_dtype_conversion_methods(conversion):
    mine = getattr(cr.tensor([1.5, 0.0, -2.0]), conversion)()
    theirs = getattr(torch.tensor([1.5, 0.0, -2.0]), conversion)()
    assert mine.dtype == np_dtype(theirs.dtype) and mine.tolist() == theirs.tolist()


def test_to_and_gradient_through_a_cast():
    check_torch(lambda m, t: t.float().double() * 2.0, random_array((3,), 1))
    check_torch(lambda m, t: t.to(m.float32) * 2.0, random_array((3,), 2))
    t = cr.ones(2)
    assert t.to("cpu") is t and t.to(cr.float32) is t and t.to(cr.float64).dtype == cr.float64
    with pytest.raises(RuntimeError):
        t.to("cuda")


# ---- requires_grad ---------------------------------------------------------------------------------
def test_setting_requires_grad():
    t = cr.tensor([1.0, 2.0])
    t.requires_grad = True
    (t * t).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0]
    u = cr.tensor([3.0]).requires_grad_()
    assert u.requires_grad and u.is_leaf


# ---- Python protocols --------------------------------------------------------------------------------
def test_len_and_iteration():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    assert len(t) == 3
    rows = list(t)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    sum(r[0] for r in t).backward()
    assert t.grad.tolist() == [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
    with pytest.raises(TypeError):
        len(cr.tensor(1.0))
    with pytest.raises(TypeError):
        iter(cr.tensor(1.0))


def test_index_protocol():
    items = ["a", "b", "c"]
    assert items[cr.tensor(2)] == "c" and items[cr.tensor([1])] == "b"
    assert range(10)[cr.tensor(4)] == 4 and int(cr.tensor([[5]])) == 5
    with pytest.raises(TypeError):
        items[cr.tensor(1.0)]
    with pytest.raises(TypeError):
        items[cr.tensor([0, 1])]


def test_bool_float_int_of_one_element_tensors():
    assert bool(cr.tensor([[1.0]])) and not bool(cr.tensor(0)) and bool(cr.tensor([True]))
    assert float(cr.tensor([[2.5]])) == 2.5 and int(cr.tensor(3.9)) == 3
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(cr.tensor([1.0, 2.0]))
    assert f"{cr.tensor(0.123456):.2f}" == "0.12"


def test_repr_looks_like_pytorch():
    for data in ([1.0, 2.0], 3.5, [[1.5, 2.0], [3.0, 4.0]], [1, 2]):
        assert repr(cr.tensor(data)) == repr(torch.tensor(data))
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    assert repr(w) == "tensor([1., 2.], requires_grad=True)"
    y = w * 2
    assert repr(y).startswith("tensor([2., 4.]") and "grad_fn=<Mul" in repr(y)
    double = repr(cr.tensor([0.5], dtype=cr.float64))
    assert double.startswith("tensor([0.5000]") and "float64" in double
    assert str(cr.tensor([1.0])) == repr(cr.tensor([1.0]))


def test_pickle_is_refused():
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(cr.ones(2))


# ---- ops as methods and functions ------------------------------------------------------------------
def test_method_and_function_spellings_match_torch():
    a = random_array((2, 3), 4, 0.5, 2.0)
    b = random_array((3, 2), 5, 0.5, 2.0)
    check_torch(lambda m, x, y: x.mm(y) + m.mm(x, y), a, b)
    check_torch(lambda m, x: x.pow(m.tensor(2.0, dtype=m.float64)) + m.pow(x, 3) + x.pow(0.5), a)
    check_torch(lambda m, x: x.clamp(min=1.0) + x.clamp(max=1.0) + m.clamp(x, min=1.2), a)
    for fn in (lambda m, x: x.argmax(), lambda m, x: m.argmin(x, 1), lambda m, x: x.eq(x), lambda m, x: m.ne(x, x * 2),
               lambda m, x: x.argmax(dim=0, keepdim=True)):
        mine, theirs = fn(cr, cr.tensor(a)), fn(torch, torch.tensor(a))
        assert mine.dtype == np_dtype(theirs.dtype) and mine.tolist() == theirs.tolist()


def test_add_sub_with_alpha():
    check_torch(lambda m, x, y: x.add(y, alpha=2.0) + x.sub(y, alpha=0.5), random_array((3,), 6), random_array((3,), 7))


def test_deepcopy_of_a_model_copies_parameters():
    import copy

    model = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.ReLU())
    model(cr.randn(4, 2)).sum().backward()
    clone = copy.deepcopy(model)
    weight, copied = model[0].weight, clone[0].weight
    assert type(copied) is type(weight) and copied is not weight and copied.requires_grad
    np.testing.assert_array_equal(copied.detach().numpy(), weight.detach().numpy())
    np.testing.assert_array_equal(copied.grad.numpy(), weight.grad.numpy())
    with cr.no_grad():
        copied.add_(1.0)
    assert not np.array_equal(copied.detach().numpy(), weight.detach().numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        copy.deepcopy(weight * 2)


def test_pin_memory_is_the_tensor_itself_on_the_cpu_as_in_torch():
    x = cr.tensor([1.0, 2.0])
    assert x.pin_memory() is x and x.is_pinned() is False
    assert torch.tensor([1.0, 2.0]).is_pinned() is False


def test_layout_methods_match_torch():
    for make in (lambda m: m.zeros(3, 4, dtype=m.float64), lambda m: m.zeros(3, 4, dtype=m.float64).T,
                 lambda m: m.zeros(3, 4, dtype=m.float64)[:, ::2], lambda m: m.zeros(3, 1).expand(2, 3, 4)):
        mine, theirs = make(cr), make(torch)
        assert mine.stride() == theirs.stride() and mine.stride(-1) == theirs.stride(-1)
        assert mine.is_contiguous() == theirs.is_contiguous()
        assert (mine.nelement(), mine.ndimension()) == (theirs.nelement(), theirs.ndimension())
    x = cr.zeros(3)
    assert x.data_ptr() == x.numpy().__array_interface__["data"][0] and x[1:].data_ptr() == x.data_ptr() + 4
    assert cr.ones(2, dtype=cr.float64).type_as(cr.zeros(1, dtype=cr.int32)).dtype == cr.int32
    np.testing.assert_array_equal(cr.ones(2, 3).sum_to_size(1, 3).numpy(), torch.ones(2, 3).sum_to_size(1, 3).numpy())
