"""In-place updates (add_, mul_, fill_, +=, setitem, ...): on leaves under no_grad, refused where they would
break the graph, written through views to their base; the version counter they bump, shared by a tensor,
its views and its detach() as in PyTorch; writes to expanded tensors."""
import contextlib
import re

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.errors import OutOfRangeError
import torch_parity  # noqa: F401  (CHAINRULE_ARRAY_LIBRARY: every tensor on that library, see tests/system/test_array_api.py)


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


def test_plus_equals_on_a_non_leaf_is_in_place_and_recorded():
    w = cr.ones(2, requires_grad=True)
    y = w * 2
    alias = y
    y += 1
    assert y is alias and y.grad_fn.name() == "AddBackward0" and y.tolist() == [3.0, 3.0]
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]


def test_inplace_update_under_no_grad_keeps_leaf():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    same = w
    with cr.no_grad():
        w -= 0.1 * w.grad
    assert w is same and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)
    with pytest.raises(RuntimeError, match="leaf"):
        w += 1


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


# ---- in-place ops in the graph, as PyTorch records them ----------------------------------------------
def _views_and_writes_1(m, x, w):
    y = x * 1
    y[:, 1] = w[:3]
    return y


def _views_and_writes_2(m, x, w):
    y = x * 1
    y[0].mul_(w)
    return y


def _views_and_writes_3(m, x, w):
    y = x * 1
    v = y[1:, ::2]
    v += 3 * w[:2]
    return y * v.sum()


def _views_and_writes_4(m, x, w):
    y = m.zeros(3, 4, dtype=m.float64)
    y[1] = w
    y.copy_(x * 3)
    return y


def _views_and_writes_5(m, x, w):
    y = x + 0
    y += w
    y *= 2
    y -= w
    y /= 3
    return m.nn.functional.relu(y - 1, inplace=True)


def _views_and_writes_6(m, x, w):
    y = x * 2
    y.fill_(w.sum())
    z = x * 3
    z.zero_()
    u = x * 1
    u.copy_(w)
    return y + z + u


def _views_and_writes_7(m, x, w):
    y = (x * 1).t()  # a view of an intermediate, transposed
    y[[0, 2], 1:] = w[:2].unsqueeze(1) * 10
    y.T[2].sigmoid_()
    return y


def _views_and_writes_8(m, x, w):
    y = m.zeros(3, 4, dtype=m.float64)  # a tensor outside the graph comes in through a write
    y[y.sum(1) == 0] = x[0] * w
    y.masked_fill_(y > 0.5, 0.25)
    return y.mul_(0.5).add_(1).log1p_()


def _views_and_writes_9(m, x, w):
    y = x.reshape(12) * 1
    y.view(3, 4)[:, 0].clamp_(min=-0.5, max=0.5)
    return y.pow_(2).add_(1).mul_(-1).abs_().sqrt_()


@pytest.mark.parametrize("fn", [
    lambda m, x, w: (x * 2).exp_(),
    lambda m, x, w: (x * 2).add_(w, alpha=2).mul_(3).relu_(),
    lambda m, x, w: (x * 2).mul_(w).div_(w + 3).sub_(x, alpha=0.5),  # mul_ keeps the old values it needs
    _views_and_writes_1, _views_and_writes_2, _views_and_writes_3, _views_and_writes_4, _views_and_writes_5,
    _views_and_writes_6, _views_and_writes_7, _views_and_writes_8, _views_and_writes_9,
])
def test_in_place_ops_in_the_graph_give_torchs_values_gradients_and_nodes(fn):
    results = []
    for lib in (cr, torch):
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True, dtype=lib.float64)
        w = lib.tensor(np.linspace(0.5, 2, 4), requires_grad=True, dtype=lib.float64)
        y = fn(lib, x, w)
        (y * lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape)).sum().backward()
        name = y.grad_fn.name() if lib is cr else type(y.grad_fn).__name__
        results.append((y.detach().numpy().copy(), x.grad, w.grad, name))
    (mine, theirs) = results
    for a, b in zip(mine[:3], theirs[:3]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(np.asarray(a.tolist()), np.asarray(b.tolist()), rtol=1e-12, atol=1e-12)
    assert mine[3] == theirs[3]


def test_in_place_changes_reach_every_alias_and_view():
    x = cr.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 1
    view, alias = y[1:], y
    y.relu_()
    assert alias is y and view.tolist() == [0.0, 3.0] and y._version == 1 and view._version == 1


def test_in_place_on_a_leaf_or_a_view_of_a_leaf_is_refused_as_in_torch():
    for lib in (cr, torch):
        w = lib.ones(3, requires_grad=True)
        for change in (lambda: w.exp_(), lambda: w[0].mul_(2), lambda: w[:2].__setitem__(0, 1.0)):
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
                change()


def test_an_op_that_saved_the_changed_tensor_refuses_backward_as_in_torch():
    for lib in (cr, torch):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = x.exp()  # Exp saves its output
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_in_place_ops_in_the_graph_differentiate_twice_as_in_torch():
    grads = []
    for lib in (cr, torch):
        x = lib.tensor([0.3, -0.7, 1.1], dtype=lib.float64, requires_grad=True)
        y = x * x
        y[1:] = x[:2] * 3
        y.sigmoid_()
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x)
        grads.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


def test_inplace_relu_in_a_model_trains_as_torchs():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(inplace=True), torch.nn.Linear(5, 2)).double()
    ours = cr.nn.Sequential(cr.nn.Linear(4, 5), cr.nn.ReLU(inplace=True), cr.nn.Linear(5, 2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(6, 4))
    for model, lib in ((ours, cr), (theirs, torch)):
        out = model(lib.tensor(x))
        assert out.grad_fn is not None
        (out ** 2).sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, err_msg=name)


def test_in_place_ops_on_int_tensors_refuse_a_float_result_as_in_torch():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.tensor([1, 2]).exp_()
