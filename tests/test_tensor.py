"""The Tensor surface: construction, attributes, conversions, factories, in-place updates, protocols."""
import contextlib
import re

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


# ---- views share the version counter (as in PyTorch) -------------------------------------------------
# A saved tensor is checked against the version it had when saved. In PyTorch a tensor, its views and
# its detach() share one version counter, so a change through any of them is caught at backward;
# `.data` is the escape hatch (a new counter); advanced indexing gives a copy (its own counter).
IN_PLACE_MESSAGE = "modified by an in-?place operation"

# Each entry: a way to get, from the 2-D tensor t of shape (2, 3), another tensor. Most of them PyTorch
# treats as views; the last group are copies. Every test below asks torch which is which.
VIEW_KINDS = {
    "view": lambda m, t: t.view(6),
    "view_2d": lambda m, t: t.view(3, 2),
    "view_minus_one": lambda m, t: t.view(-1, 2),
    "view_as": lambda m, t: t.view_as(m.zeros(3, 2)),
    "reshape": lambda m, t: t.reshape(6),
    "reshape_2d": lambda m, t: t.reshape(3, 2),
    "reshape_as": lambda m, t: t.reshape_as(m.zeros(6)),
    "T": lambda m, t: t.T,
    "mT": lambda m, t: t.mT,
    "t()": lambda m, t: t.t(),
    "transpose": lambda m, t: t.transpose(0, 1),
    "swapaxes": lambda m, t: t.swapaxes(0, 1),
    "permute": lambda m, t: t.permute(1, 0),
    "unsqueeze": lambda m, t: t.unsqueeze(0),
    "unsqueeze_last": lambda m, t: t.unsqueeze(-1),
    "squeeze": lambda m, t: t.unsqueeze(1).squeeze(),
    "squeeze_dim": lambda m, t: t.unsqueeze(1).squeeze(1),
    "expand_same": lambda m, t: t.expand(2, 3),
    "expand_new_dim": lambda m, t: t.expand(1, 2, 3),
    "expand_as": lambda m, t: t.expand_as(m.zeros(2, 3)),
    "flatten": lambda m, t: t.flatten(),
    "flatten_fn": lambda m, t: m.flatten(t),
    "detach": lambda m, t: t.detach(),
    "detach_of_view": lambda m, t: t[1].detach(),
    "view_of_detach": lambda m, t: t.detach()[1],
    "contiguous": lambda m, t: t.contiguous(),
    "int": lambda m, t: t[0],
    "negative_int": lambda m, t: t[-1],
    "two_ints": lambda m, t: t[1, 2],
    "slice": lambda m, t: t[0:1],
    "slice_of_slice": lambda m, t: t[:, 1:][:, :1],
    "step_slice": lambda m, t: t[:, ::2],
    "int_and_slice": lambda m, t: t[1, 1:],
    "ellipsis": lambda m, t: t[...],
    "ellipsis_int": lambda m, t: t[..., 1],
    "none": lambda m, t: t[None],
    "none_slice": lambda m, t: t[:, None, 1:],
    "zero_dim_int_tensor": lambda m, t: t[m.tensor(1)],
    "permute_fn": lambda m, t: m.permute(t, (1, 0)),
    "transpose_fn": lambda m, t: m.transpose(t, 0, 1),
    "reshape_fn": lambda m, t: m.reshape(t, (3, 2)),
    "squeeze_fn": lambda m, t: m.squeeze(t.unsqueeze(0), 0),
    "unsqueeze_fn": lambda m, t: m.unsqueeze(t, 1),
    # copies, not views
    "reshape_of_transpose": lambda m, t: t.T.reshape(6),
    "flatten_of_transpose": lambda m, t: t.T.flatten(),
    "int_list": lambda m, t: t[[0, 1]],
    "int_tensor": lambda m, t: t[m.tensor([1, 0])],
    "mask": lambda m, t: t[t > 2],
    "int_and_list": lambda m, t: t[1, [0, 2]],
    "slice_and_list": lambda m, t: t[:, [1]],
    "clone": lambda m, t: t.clone(),
    "double": lambda m, t: t.double(),
}


def _attempt(fn):
    """Runs fn; returns None, or the RuntimeError it raised."""
    try:
        fn()
    except RuntimeError as error:
        return error
    return None


def _change_through_view_then_backward(lib, kind):
    x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float32, requires_grad=True)
    y = x * x
    with lib.no_grad():
        VIEW_KINDS[kind](lib, x).mul_(10)
    error = _attempt(lambda: y.sum().backward())
    return error, x.detach().numpy().copy(), x._version, x.grad


@pytest.mark.parametrize("kind", sorted(VIEW_KINDS))
def test_change_through_a_view_under_no_grad_is_caught_as_in_torch(kind):
    mine_error, mine_values, mine_version, mine_grad = _change_through_view_then_backward(cr, kind)
    theirs_error, theirs_values, theirs_version, theirs_grad = _change_through_view_then_backward(torch, kind)
    assert (mine_error is not None) == (theirs_error is not None), (
        f"{kind}: chainrule {'raises ' + repr(mine_error) if mine_error else 'does not raise'}; "
        f"torch {'raises' if theirs_error else 'does not'}"
    )
    if theirs_error is not None:
        assert re.search(IN_PLACE_MESSAGE, str(theirs_error))
        assert re.search(IN_PLACE_MESSAGE, str(mine_error)), str(mine_error)
    else:
        np.testing.assert_array_equal(mine_grad.numpy(), theirs_grad.numpy())
    np.testing.assert_array_equal(mine_values, theirs_values)  # written through to x exactly when torch does
    assert type(mine_version) is int and mine_version == theirs_version


@pytest.mark.parametrize("kind", sorted(VIEW_KINDS))
def test_version_counter_is_shared_exactly_as_in_torch(kind):
    versions = []
    for lib in (cr, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        other = VIEW_KINDS[kind](lib, x)
        seen = [(x._version, other._version)]
        x.add_(1.0)  # through the base
        seen.append((x._version, other._version))
        other.mul_(2.0)  # through the other tensor
        seen.append((x._version, other._version))
        x[0, 0] = 5.0
        seen.append((x._version, other._version))
        versions.append((seen, x.numpy().copy(), other.numpy().copy()))
    (mine, mine_x, mine_other), (theirs, theirs_x, theirs_other) = versions
    assert mine == theirs, f"{kind}: (base, other) versions {mine}, torch {theirs}"
    assert all(type(v) is int for pair in mine for v in pair)
    np.testing.assert_array_equal(mine_x, theirs_x)
    np.testing.assert_array_equal(mine_other, theirs_other)


def test_change_through_detach_of_a_saved_leaf_raises():
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        x.detach().mul_(10)
        with pytest.raises(RuntimeError, match=IN_PLACE_MESSAGE):
            y.sum().backward()


@pytest.mark.parametrize("change", ["detach", "detach_slice", "view_no_grad", "base_no_grad", "setitem_no_grad"])
def test_a_saved_view_changed_through_its_base_raises_as_in_torch(change):
    """The reverse direction: the op saved a view (here x[0:2], or h[0:2] of a non-leaf h) and the base
    changes in place."""
    for lib in (torch, cr):
        for non_leaf in (False, True):
            x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
            base = x * 1 if non_leaf else x
            v = base[0:2]
            y = v * v  # saves v
            if change == "detach":
                base.detach().mul_(10)
            elif change == "detach_slice":
                base.detach()[1:].add_(1)
            else:
                with lib.no_grad():
                    if change == "view_no_grad":
                        base.view(3).add_(1)
                    elif change == "base_no_grad":
                        base.add_(1)
                    else:
                        base[1] = 7.0
            with pytest.raises(RuntimeError, match=IN_PLACE_MESSAGE):
                y.sum().backward()


def test_a_saved_output_changed_through_a_view_of_its_detach_raises():
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (x * 1).exp()  # exp saves its output
        y.detach()[0:1].add_(1)
        with pytest.raises(RuntimeError, match=IN_PLACE_MESSAGE):
            y.sum().backward()


def test_versions_of_base_detach_and_views_follow_torch():
    results = []
    for lib in (cr, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        d, row, t = x.detach(), x[0], x.T
        seen = [[a._version for a in (x, d, row, t)]]
        with lib.no_grad():
            x.add_(1)
        seen.append([a._version for a in (x, d, row, t)])
        d.mul_(2)
        seen.append([a._version for a in (x, d, row, t)])
        with lib.no_grad():
            row[1] = 9.0
            t += 1
        seen.append([a._version for a in (x, d, row, t)])
        with lib.no_grad():
            x[[0]] = 1.0
            x[x > 3] = 0.5
            x.copy_(lib.ones(2, 2))
            x.fill_(2.0)
            x.zero_()
            x -= 1
            x *= 2
            x /= 4
        seen.append([a._version for a in (x, d, row, t)])
        late = x.detach()
        seen.append([late._version, x._version])
        y = x * 2  # out of place: no change
        seen.append([x._version, y._version])
        results.append((seen, x.detach().numpy().copy()))
    assert results[0][0] == results[1][0]
    assert all(type(v) is int for row in results[0][0] for v in row)
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_changes_through_dot_data_are_not_tracked_as_in_torch():
    for lib in (torch, cr):
        for change in ("data", "view_of_data", "detach_of_data"):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = x * x
            if change == "data":
                x.data.mul_(10)
            elif change == "view_of_data":
                x.data[0:1].mul_(10)
            else:
                x.data.detach().mul_(10)
            assert x._version == 0, (lib.__name__, change)
            y.sum().backward()  # no error: the escape hatch
            # the gradient uses the changed values (the saved x is the same memory)
            expected = 2 * x.detach().numpy()
            np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_dot_data_has_its_own_version_counter():
    seen = []
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            x.add_(1)
        data = x.data
        before = (x._version, data._version)
        data.mul_(2)
        seen.append((before, (x._version, data._version), x.detach().numpy().tolist()))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("kind", ["int_list", "int_tensor", "mask", "int_and_list", "slice_and_list"])
def test_advanced_indexing_gives_a_copy_as_in_torch(kind):
    results = []
    for lib in (cr, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        copy = VIEW_KINDS[kind](lib, x)
        copy.mul_(10)
        results.append((x.numpy().copy(), copy.numpy().copy(), x._version, copy._version))
        x.add_(1)
        results[-1] += (copy.numpy().copy(), copy._version)
    labels = ("base", "copy", "base version", "copy version", "copy after base changes", "copy version after")
    for label, mine, theirs in zip(labels, *results):
        np.testing.assert_array_equal(mine, theirs, err_msg=label)
    x = cr.tensor(np.arange(6.0).reshape(2, 3))
    assert not np.shares_memory(x.numpy(), x[[0, 1]].numpy())
    assert not np.shares_memory(x.numpy(), x[x > 2].numpy())


def test_in_place_through_a_view_of_a_leaf_that_requires_grad_raises_as_in_torch():
    # torch: "a view of a leaf Variable that requires grad is being used in an in-place operation."
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError):
            x[0:1].mul_(10)
        with pytest.raises(RuntimeError):
            x.view(2).add_(1)
        np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])  # refused: nothing changed
        x.detach().mul_(10)  # detach is outside the graph: allowed
        np.testing.assert_array_equal(x.detach().numpy(), [10.0, 20.0])


# ---- in-place writes to expanded (stride-0) tensors ---------------------------------------------------
# PyTorch refuses an in-place op whose result would be written more than once to one memory location
# (all elements of an expanded dimension share one); fill_/zero_ and writing a whole non-overlapping
# row are allowed. A refused op changes nothing, and the expanded tensor keeps aliasing its base.
# torch's words, with room for detail between them ("... written-to tensor (shape (2, 3)) refers to ...")
OVERLAP_MESSAGE = "more than one element of the written-to tensor.*refers to a single memory location"

EXPANDED_WRITES = {
    "add_": lambda m, e: e.add_(1.0),
    "add_tensor": lambda m, e: e.add_(m.ones(3)),
    "sub_": lambda m, e: e.sub_(2.0),
    "mul_": lambda m, e: e.mul_(2.0),
    "div_": lambda m, e: e.div_(2.0),
    "clamp_": lambda m, e: e.clamp_(0.0, 1.5),
    "copy_": lambda m, e: e.copy_(m.zeros(2, 3)),
    "copy_broadcast": lambda m, e: e.copy_(m.zeros(3)),
    "fill_": lambda m, e: e.fill_(5.0),
    "zero_": lambda m, e: e.zero_(),
    "setitem_ellipsis": lambda m, e: e.__setitem__(Ellipsis, 5.0),
    "setitem_column": lambda m, e: e.__setitem__((slice(None), 0), 5.0),
    "setitem_row": lambda m, e: e.__setitem__(0, 5.0),
    "setitem_one": lambda m, e: e.__setitem__((0, 1), 5.0),
    "iadd": lambda m, e: e.__iadd__(1.0),
    "isub": lambda m, e: e.__isub__(1.0),
    "imul": lambda m, e: e.__imul__(2.0),
    "itruediv": lambda m, e: e.__itruediv__(2.0),
    "row_add_": lambda m, e: e[0].add_(1.0),
    "column_add_": lambda m, e: e[:, 0].add_(1.0),
}


def _write_to_expanded(lib, name, under_no_grad):
    base = lib.tensor([1.0, 2.0, 3.0], requires_grad=under_no_grad)
    with lib.no_grad() if under_no_grad else contextlib.nullcontext():
        expanded = base.expand(2, 3)
        error = _attempt(lambda: EXPANDED_WRITES[name](lib, expanded))
        after_write = base.detach().numpy().copy(), expanded.detach().numpy().copy()
        base.detach().add_(100.0)  # the expanded tensor still sees its base
        after_base_change = expanded.detach().numpy().copy()
    return error, after_write, after_base_change, (base._version, expanded._version)


@pytest.mark.parametrize("under_no_grad", [False, True], ids=["plain", "leaf_under_no_grad"])
@pytest.mark.parametrize("name", sorted(EXPANDED_WRITES))
def test_in_place_on_an_expanded_tensor_follows_torch(name, under_no_grad):
    mine = _write_to_expanded(cr, name, under_no_grad)
    theirs = _write_to_expanded(torch, name, under_no_grad)
    assert (mine[0] is None) == (theirs[0] is None), (
        f"{name}: chainrule {'raises ' + repr(mine[0]) if mine[0] else 'does not raise'}; "
        f"torch {'raises ' + repr(theirs[0]) if theirs[0] else 'does not raise'}"
    )
    if theirs[0] is not None:
        assert re.search(OVERLAP_MESSAGE, str(theirs[0]))
        assert re.search(OVERLAP_MESSAGE, str(mine[0])), str(mine[0])
    np.testing.assert_array_equal(mine[1][0], theirs[1][0])  # the base: unchanged when refused
    np.testing.assert_array_equal(mine[1][1], theirs[1][1])
    np.testing.assert_array_equal(mine[2], theirs[2])  # not silently un-aliased
    assert mine[3] == theirs[3]


def test_in_place_on_an_expanded_non_leaf_in_grad_mode_raises_as_in_torch():
    # torch gives the overlap error here; chainrule may refuse any recorded in-place op before that
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 1
        expanded = h.expand(2, 3)
        with pytest.raises(RuntimeError):
            expanded.add_(1.0)
        with pytest.raises(RuntimeError):
            expanded.mul_(2.0)
        np.testing.assert_array_equal(h.detach().numpy(), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(expanded.detach().numpy(), [[1.0, 2.0, 3.0]] * 2)


def test_expand_of_size_one_to_many_refuses_writes_but_same_size_allows_them():
    results = []
    for lib in (cr, torch):
        seen = []
        for make in (lambda: lib.tensor([5.0]).expand(4), lambda: lib.tensor([1.0, 2.0]).expand(2),
                     lambda: lib.tensor([[1.0, 2.0]]).expand(1, 2), lambda: lib.tensor([[1.0], [2.0]]).expand(2, 3)):
            expanded = make()
            error = _attempt(lambda: expanded.add_(1.0))
            seen.append((error is not None, expanded.numpy().tolist()))
        results.append(seen)
    assert results[0] == results[1]


VIEW_WRITES = {
    "add_": lambda m, v: v.add_(m.ones(v.shape), alpha=2),
    "sub_": lambda m, v: v.sub_(0.5),
    "mul_": lambda m, v: v.mul_(3.0),
    "div_": lambda m, v: v.div_(4.0),
    "copy_": lambda m, v: v.copy_(m.full(v.shape, -1.0)),
    "copy_broadcast": lambda m, v: v.copy_(m.tensor(-2.0)),
    "fill_": lambda m, v: v.fill_(7.0),
    "zero_": lambda m, v: v.zero_(),
    "clamp_": lambda m, v: v.clamp_(2.0, 4.0),
    "setitem_ellipsis": lambda m, v: v.__setitem__(Ellipsis, 9.0),
    "setitem_first": lambda m, v: v.__setitem__(0, 9.0),
    "iadd": lambda m, v: v.__iadd__(1.0),
    "imul": lambda m, v: v.__imul__(-1.0),
}
WRITABLE_VIEWS = ["int", "slice", "step_slice", "T", "transpose", "permute", "view_2d", "reshape", "flatten",
                  "unsqueeze", "squeeze", "ellipsis", "int_and_slice", "detach", "expand_same"]


@pytest.mark.parametrize("view", WRITABLE_VIEWS)
@pytest.mark.parametrize("write", sorted(VIEW_WRITES))
def test_in_place_on_a_view_writes_through_to_the_base(view, write):
    results = []
    for lib in (cr, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        v = VIEW_KINDS[view](lib, x)
        VIEW_WRITES[write](lib, v)
        results.append((x.numpy().copy(), v.numpy().copy(), x._version, v._version))
        x.mul_(-1)  # and the view still sees the base
        results[-1] += (v.numpy().copy(),)
    labels = ("base", "view", "base version", "view version", "view after the base changes")
    for label, mine, theirs in zip(labels, *results):
        np.testing.assert_array_equal(mine, theirs, err_msg=label)


def test_in_place_on_a_view_of_a_leaf_under_no_grad_writes_through_and_keeps_the_leaf():
    results = []
    for lib in (cr, torch):
        w = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        with lib.no_grad():
            w[0].add_(1.0)
            w.T[1:].mul_(2.0)
            w.view(6)[::2].zero_()
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
        (w * w).sum().backward()
        results.append((w.detach().numpy().copy(), w.grad.numpy().copy(), w._version))
    for label, mine, theirs in zip(("values", "grad", "version"), *results):
        np.testing.assert_array_equal(mine, theirs, err_msg=label)
