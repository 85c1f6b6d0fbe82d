"""The Tensor surface: construction, attributes, conversions, factories, in-place updates, protocols."""
import numpy as np
import pytest
import torch
from torch_parity import check_torch, np_dtype, random_array

import chainrule as cr
from chainrule.errors import OutOfRangeError


# ---- construction ----------------------------------------------------------------------------------
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


def test_dtype_aliases():
    assert cr.float == cr.float32 == np.float32 and cr.double == cr.float64 and cr.long == cr.int64
    assert cr.int == cr.int32 and cr.half == cr.float16 and cr.bool == np.bool_
    assert cr.tensor([1, 2], dtype=cr.float).dtype == np.float32


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


# ---- factories -------------------------------------------------------------------------------------
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


def test_random_factories():
    cr.manual_seed(0)
    a = cr.randn(())
    assert a.shape == () and a.dtype == cr.float32
    b, c = cr.rand(2, 3), cr.randn(4, dtype=cr.float64, requires_grad=True)
    assert b.shape == (2, 3) and b.dtype == cr.float32 and ((b.numpy() >= 0) & (b.numpy() < 1)).all()
    assert c.dtype == cr.float64 and c.requires_grad and c.is_leaf
    cr.manual_seed(0)
    assert cr.randn(()).item() == a.item()


# ---- gradients and in-place updates ------------------------------------------------------------------
def test_in_place_updates_on_a_leaf_under_no_grad():
    w = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    original = id(w)
    with cr.no_grad(), torch.no_grad():
        for t, m in ((w, cr), (tw, torch)):
            t -= 0.5 * m.ones(3)
            t += 2
            t.add_(m.ones(3), alpha=3)
            t.sub_(1.0)
            t.mul_(2.0)
    assert id(w) == original and w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.tolist() == tw.tolist()
    with cr.no_grad():
        w.fill_(4.0)
        assert w.tolist() == [4.0, 4.0, 4.0]
        w.zero_()
    assert w.tolist() == [0.0, 0.0, 0.0] and w.is_leaf and w.requires_grad
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0, 3.0]


def test_in_place_on_a_leaf_that_requires_grad_outside_no_grad_is_an_error():
    w = cr.ones(2, requires_grad=True)
    for update in (lambda: w.add_(1.0), lambda: w.zero_(), lambda: w.__isub__(1.0), lambda: w.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError, match="no_grad"):
            update()


def test_plus_equals_on_a_non_leaf_rebinds():
    w = cr.ones(2, requires_grad=True)
    y = w * 2
    y += 1
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]


def test_grad_accumulates_and_resets():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    (w * 3).sum().backward()
    assert w.grad.tolist() == [5.0, 7.0]
    w.grad = None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_setting_requires_grad():
    t = cr.tensor([1.0, 2.0])
    t.requires_grad = True
    (t * t).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0]
    u = cr.tensor([3.0]).requires_grad_()
    assert u.requires_grad and u.is_leaf


@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (1, 1, 1)], ids=str)
def test_backward_on_any_one_element_tensor(shape):
    check_torch(lambda m, t: (t * t).reshape(shape), random_array((1,), 3))
    w = cr.tensor([2.0], requires_grad=True)
    (w * 3).reshape(shape).backward()
    assert w.grad.tolist() == [3.0]
    assert cr.ones(shape).item() == 1.0


def test_backward_on_many_elements_needs_a_gradient():
    w = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="one-element"):
        (w * 2).backward()
    (w * 2).backward(cr.tensor([1.0, 2.0, 3.0]))
    assert w.grad.tolist() == [2.0, 4.0, 6.0]


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


# ---- ops as methods and functions --------------------------------------------------------------------
def test_max_min_with_dim_give_named_values_and_indices():
    t = cr.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    for fn, expected_values, expected_indices in (
        (lambda: cr.max(t, 1), [5.0, 7.0], [1, 0]), (lambda: t.max(dim=0), [7.0, 5.0, 3.0], [1, 0, 1]),
        (lambda: cr.min(t, 1), [1.0, 0.0], [0, 1]), (lambda: t.min(0, keepdim=True), [[1.0, 0.0, 2.0]], [[0, 1, 0]]),
    ):
        result = fn()
        values, indices = result
        assert result.values.tolist() == values.tolist() == expected_values
        assert result.indices.tolist() == indices.tolist() == expected_indices and indices.dtype == cr.int64


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


SETITEM_CASES = [
    (1, 5.0), ((0, 2), -1.0), (slice(0, 2), [1.0, 2.0, 3.0, 4.0]), ((slice(None), slice(None, None, 2)), 0.0),
    ((Ellipsis, 1), [7.0, 8.0, 9.0]), ([0, 1], 3.0), ((0, None, slice(None), [1]), [[[1.0], [2.0], [3.0]]]),
    ((1, slice(None), [0, 3]), [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), ("mask", 0.5),
    ("0-d", [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
]


@pytest.mark.parametrize("key, value", SETITEM_CASES, ids=str)
def test_setitem_matches_torch(key, value):
    data = np.arange(24.0).reshape(2, 3, 4)
    mine, theirs = cr.tensor(data), torch.tensor(data)
    for t, m in ((mine, cr), (theirs, torch)):
        named = {"mask": t > 5, "0-d": (m.tensor(1), slice(None), m.tensor([0, 2]))}
        t[named[key] if isinstance(key, str) else key] = m.tensor(value, dtype=m.float64)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_setitem_on_a_leaf_under_no_grad_and_errors():
    w = cr.zeros(2, 3, requires_grad=True)
    with cr.no_grad():
        w[0, 1] = 2.0
        w[1] = cr.tensor([1.0, 2.0, 3.0])
    assert w.tolist() == [[0.0, 2.0, 0.0], [1.0, 2.0, 3.0]] and w.is_leaf and w.requires_grad
    t = cr.zeros(2, 3)
    with pytest.raises(OutOfRangeError):
        t[2] = 1.0
    with pytest.raises(ValueError, match="setitem"):
        t[0] = cr.ones(4)


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
