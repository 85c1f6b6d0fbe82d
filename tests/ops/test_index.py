"""Indexing (t[key]) and gather against PyTorch and finite differences."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr
from chainrule.device import move, to_host
from chainrule.errors import OutOfRangeError
from chainrule.ops.index import GetItem, IndexAdd, setitem_array

# keys written with `m` so integer-tensor indices are made by each library
KEYS = {
    "int": lambda m: 1,
    "negative_int": lambda m: -1,
    "two_ints": lambda m: (1, 2),
    "three_ints": lambda m: (0, -1, 3),
    "slice": lambda m: slice(1, 3),
    "slice_step": lambda m: (slice(None), slice(0, 4, 2)),
    "slice_step_3": lambda m: (slice(None), slice(None), slice(1, None, 3)),
    "open_slices": lambda m: (slice(None, 1), slice(-2, None)),
    "empty_slice": lambda m: slice(2, 1),
    "none": lambda m: None,
    "none_middle": lambda m: (0, None, slice(None), 1),
    "ellipsis": lambda m: (Ellipsis, 1),
    "ellipsis_middle": lambda m: (1, Ellipsis, slice(0, 2)),
    "ellipsis_none": lambda m: (Ellipsis, None),
    "list": lambda m: [0, 1],
    "list_repeats": lambda m: [1, 1, 0, 1],
    "tensor": lambda m: m.tensor([1, 0]),
    "tensor_repeats": lambda m: (slice(None), m.tensor([2, 2, 0, 2])),
    "tensor_2d": lambda m: m.tensor([[0, 1], [1, 1]]),
    "tensor_scalar": lambda m: m.tensor(1),
    "two_arrays": lambda m: ([0, 1, 1], [2, 0, 2]),
    "two_arrays_repeats": lambda m: (m.tensor([0, 0, 1]), slice(None), m.tensor([1, 1, 3])),
    "arrays_broadcast": lambda m: (m.tensor([[0], [1]]), m.tensor([0, 2, 2])),
    "array_and_slice": lambda m: ([1, 0], slice(1, 3)),
    "array_and_int": lambda m: (slice(None), 1, [0, 3, 0]),
    "mask_full": lambda m: m.tensor(_X) > 0,
    "mask_rows": lambda m: m.tensor([True, False]),
    "mask_rows_list": lambda m: [False, True],
    "mask_then_slice": lambda m: (m.tensor([True, True]), slice(0, 2)),
    "mask_2d": lambda m: (m.tensor(_X) > 0).any(2),
    "int_and_mask": lambda m: (1, m.tensor([True, False, True])),
    "all_advanced": lambda m: ([1], [2], [3]),
    "range": lambda m: range(2),
    "range_step": lambda m: (slice(None), slice(None), range(3, 0, -2)),
    "range_and_target": lambda m: (range(2), m.tensor([2, 0])),
    "range_and_list": lambda m: (range(2), [1, 2], slice(1, 3)),
    "two_lists": lambda m: ([0, 1], [1, 2]),
    "array_2d_after_slice": lambda m: (slice(None), m.tensor([[0, 2], [1, 1]])),
    "arrays_apart": lambda m: (m.tensor([1, 0, 1]), slice(1, None), m.tensor([3, 0, 3])),
    "arrays_around_none": lambda m: ([0, 1], None, [1, 2]),
    "array_then_slice_step": lambda m: (m.tensor([[1], [0]]), slice(None, None, 2)),
    "mask_after_slice": lambda m: (slice(None), m.tensor([True, False, True])),
    "mask_2d_after_slice": lambda m: (slice(None), m.tensor(_X[0]) > 0),
    "bool_scalar_and_array": lambda m: (slice(None), True, m.tensor([0, 2, 0])),
}
_X = np.random.default_rng(0).uniform(-2, 2, size=(2, 3, 4))


@pytest.mark.parametrize("name", sorted(KEYS))
def test_getitem(name):
    key = KEYS[name]
    check_op(lambda m, t: t[key(m)] * 2.0, _X.copy())


@pytest.mark.parametrize("name", sorted(KEYS))
def test_getitem_float32(name):
    key = KEYS[name]
    out = check_torch(lambda m, t: t[key(m)] * 2.0, _X.astype(np.float32))
    assert out.dtype == cr.float32


def test_getitem_twice_and_on_a_result():
    check_op(lambda m, t: t[0][1] * t[1, 2, :] + t[:, 1:][..., ::3].sum(), _X.copy())
    check_op(lambda m, t: (t * 2)[m.tensor([1, 1])][:, [0, 0]], _X.copy())


def test_repeated_indices_accumulate_gradients():
    check_op(lambda m, t: t[[0, 0, 0, 3]] * m.tensor([1.0, 2.0, 3.0, 4.0], dtype=m.float64), random_array((4,), 1))
    x = cr.zeros(4, requires_grad=True)
    (x[[0, 0, 0, 3]] * cr.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [6.0, 0.0, 0.0, 4.0]


@given(data=st.data())
def test_random_integer_indices_match_torch(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)).copy()
    axis = data.draw(st.integers(0, len(shape) - 1))
    index = data.draw(st.lists(st.integers(-shape[axis], shape[axis] - 1), min_size=0, max_size=6))
    key = (slice(None),) * axis + (index,)
    x = random_array(tuple(shape), 2)
    check_torch(lambda m, t: t[tuple(m.tensor(k, dtype=m.int64) if isinstance(k, list) else k for k in key)], x)


def slices(n):
    """Slices of a dim of size n: any start and stop, steps 1 to 3 (PyTorch has no negative steps)."""
    bound = st.none() | st.integers(-n, n)
    return st.builds(slice, bound, bound, st.none() | st.integers(1, 3))


@given(data=st.data())
def test_random_slices_match_torch(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    key = tuple(data.draw(slices(n)) for n in shape)
    check_torch(lambda m, t: t[key], random_array(shape, 3))


@given(mask=st.lists(st.booleans(), min_size=6, max_size=6))
def test_random_masks_match_torch(mask):
    mask = np.array(mask).reshape(2, 3)
    check_torch(lambda m, t: t[m.tensor(mask)], random_array((2, 3), 4))
    check_torch(lambda m, t: t[m.tensor(mask[0])[None].expand(2, 3)] * 3.0, random_array((2, 3), 5))


@pytest.mark.parametrize("fn", [
    lambda t: t[2], lambda t: t[0, 3], lambda t: t[-3], lambda t: t[[0, 2]], lambda t: t[cr.tensor([5])],
    lambda t: t[:, [3]], lambda t: t[0, 0, 0], lambda t: t[cr.tensor([True, False, True])],
])
def test_out_of_range_index_is_index_and_value_error(fn):
    with pytest.raises(OutOfRangeError) as info:
        fn(cr.ones(2, 3))
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)


def test_float_index_is_a_type_error():
    with pytest.raises(TypeError):
        cr.ones(3)[cr.tensor([0.0, 1.0])]


# ---- gather -------------------------------------------------------------------------------------------
GATHER_CASES = [
    ((3, 4), 1, [[0, 3, 3], [1, 1, 1], [2, 0, 3]]),
    ((3, 4), 0, [[0, 2, 2, 1], [0, 0, 1, 2]]),
    ((3, 4), -1, [[3], [3], [0]]),
    ((2, 3, 2), 1, [[[0, 1], [2, 2]], [[1, 1], [0, 2]]]),
    ((4,), 0, [1, 1, 3, 0, 0]),
]


@pytest.mark.parametrize("shape, dim, index", GATHER_CASES, ids=str)
def test_gather(shape, dim, index):
    index = np.array(index)
    check_op(lambda m, t, i: m.gather(t, dim, i), random_array(shape, 6), index)
    check_op(lambda m, t, i: t.gather(dim, i) * 2.0, random_array(shape, 7), index)


@given(data=st.data())
def test_random_gather_matches_torch(data):
    rows, cols = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    dim = data.draw(st.sampled_from([0, 1, -1]))
    size = (rows, cols)[dim]
    index = data.draw(hnp.arrays(np.int64, (rows, cols), elements=st.integers(0, size - 1)))
    check_torch(lambda m, t, i: t.gather(dim, i), random_array((rows, cols), 8), index)


def test_gather_errors():
    t = cr.ones(2, 3)
    with pytest.raises(OutOfRangeError, match="gather"):
        t.gather(1, cr.tensor([[3]]))
    with pytest.raises(OutOfRangeError, match="gather"):
        t.gather(1, cr.tensor([[-1]]))
    with pytest.raises(OutOfRangeError, match="gather"):
        t.gather(2, cr.tensor([[0]]))
    with pytest.raises(ValueError, match="gather"):
        t.gather(1, cr.tensor([0]))
    with pytest.raises(ValueError, match="gather"):
        t.gather(1, cr.tensor([[0], [1], [0]]))


@pytest.mark.parametrize("name", ["list_repeats", "two_arrays_repeats", "mask_full", "slice_step", "ellipsis_none"])
def test_second_derivatives_match_torch(name):
    check_second_order(lambda m, t: t[KEYS[name](m)] ** 2, _X.copy())
    check_second_order(lambda m, t: t.gather(1, m.tensor([[[0], [2], [2]], [[1], [1], [0]]])) ** 3, _X.copy())


@st.composite
def index_keys(draw, shape):
    """A key mixing ints, 0-d tensors, slices with steps, None, Ellipsis, integer lists and bool masks.
    Lists and masks stay Python values here; index() below makes them tensors of each library."""
    parts, taken = [], draw(st.integers(0, len(shape)))
    for n in shape[:taken]:
        kind = draw(st.sampled_from(["int", "0-d", "slice", "list", "mask", "none"]))
        if kind in ("int", "0-d"):
            parts.append(draw(st.integers(-n, n - 1)) if kind == "int" else ("0-d", draw(st.integers(0, n - 1))))
        elif kind == "slice":
            parts.append(draw(slices(n)))
        elif kind == "list":
            parts.append(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3)))
        elif kind == "mask":
            parts.append(("mask", draw(st.lists(st.booleans(), min_size=n, max_size=n))))
        else:
            parts.extend([None, slice(None)])
    if draw(st.booleans()):  # Ellipsis stands for the dims no part indexes: anywhere once all are indexed
        parts.insert(draw(st.integers(0, len(parts))) if taken == len(shape) else len(parts), Ellipsis)
    # integer lists and masks broadcast together: when their lengths differ, drop the masks, trim the lists
    masks = [p for p in parts if isinstance(p, tuple) and p[0] == "mask"]
    lengths = {len(p) for p in parts if isinstance(p, list)} | {sum(p[1]) for p in masks}
    if len(lengths) > 1:
        parts = [p[:1] if isinstance(p, list) else slice(None) if any(p is q for q in masks) else p for p in parts]
    return tuple(parts)


@given(data=st.data())
def test_random_combined_keys_match_torch(data):
    key = data.draw(index_keys((2, 3, 4)))

    def part(m, p):
        if isinstance(p, list):
            return m.tensor(p, dtype=m.int64)
        if isinstance(p, tuple):
            return m.tensor(p[1])
        return p

    check_torch(lambda m, t: t[tuple(part(m, p) for p in key)] * 2.0, _X.copy())


@pytest.mark.parametrize("key", [
    (None, slice(None), [0], Ellipsis, [0]),  # found by hypothesis: the Ellipsis stands for no dims
    (slice(None), [0], Ellipsis, [1, 2]),
    ([0], Ellipsis, [2], [1]),
])
def test_an_ellipsis_for_no_dims_does_not_separate_array_indices(key):
    def part(m, p):
        return m.tensor(p, dtype=m.int64) if isinstance(p, list) else p

    check_torch(lambda m, t: t[tuple(part(m, p) for p in key)] * 2.0, _X.copy())
    mine, theirs = cr.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    mine[tuple(part(cr, p) for p in key)] = 1.0
    theirs[tuple(part(torch, p) for p in key)] = 1.0
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("key", [
    lambda m: range(2), lambda m: [0, 2], lambda m: ([0, 1], [1, 2]), lambda m: (range(3), m.tensor([3, 0, 1])),
    lambda m: (slice(None), range(1, 4, 2)),
])
def test_setitem_with_ranges_and_lists_matches_torch(key):
    mine, theirs = cr.zeros(3, 4), torch.zeros(3, 4)
    mine[key(cr)] = 2.5
    theirs[key(torch)] = 2.5
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    values = np.arange(1.0, 13.0).reshape(3, 4)
    check_torch(lambda m, t, v: _written(m, t, v, key), random_array((3, 4), 9), values)


def _written(m, t, v, key):
    """t * 1 with v's values written at key (differentiable in both t and v)."""
    out = t * 1.0
    out[key(m)] = v[key(m)] * 2.0
    return out


def test_cross_entropy_style_selection_with_a_range():
    """t[range(n), target]: each row's entry at its target, as in a hand-written NLL loss."""
    target = [2, 0, 3]
    check_op(lambda m, t: -t.log_softmax(1)[range(3), m.tensor(target)].mean(), random_array((3, 4), 10))
    check_op(lambda m, t: t[range(3), target] * 2.0, random_array((3, 4), 11))


# ---- any key on an array API standard library, against NumPy's own indexing ------------------------------
STRICT = cr.device("array_api_strict")


@st.composite
def numpy_keys(draw, shape):
    """Keys NumPy takes (or refuses): ints, slices, None, Ellipsis, integer arrays of 1 or 2 dims, bool masks
    over one or more dims and bool scalars, in any order; arrays may be apart (their dims then go first)."""
    parts, dim = [], 0
    for _ in range(draw(st.integers(1, 5))):
        if dim == len(shape):
            break
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "none", "array", "array_2d", "mask", "bool", "ellipsis"]))
        if kind == "int":
            parts.append(draw(st.integers(-n - 1, n)))  # sometimes out of range
        elif kind == "slice":
            parts.append(draw(slices(n)))
        elif kind in ("none", "bool"):
            parts.append(None if kind == "none" else draw(st.booleans()))
            continue
        elif kind == "array":
            parts.append(np.array(draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=3)), np.int64))
        elif kind == "array_2d":
            parts.append(draw(hnp.arrays(np.int64, st.sampled_from([(1, 2), (2, 1), (2, 2)]), elements=st.integers(-n, n - 1))))
        elif kind == "mask":
            dims = draw(st.integers(1, len(shape) - dim))
            parts.append(draw(hnp.arrays(np.bool_, shape[dim:dim + dims])))
            dim += dims - 1
        elif not any(p is Ellipsis for p in parts):
            parts.append(Ellipsis)  # standing for some of the next dims, perhaps none
            dim += draw(st.integers(0, len(shape) - dim)) - 1
        dim += 1
    return tuple(parts)


def _numpy_or_error(fn):
    try:
        return fn()
    except IndexError as err:
        return err


@given(data=st.data())
def test_any_key_gathers_and_scatters_as_numpy_on_a_standard_library(data):
    """GetItem and IndexAdd (its gradient) on array-api-strict: NumPy's x[key] and np.add.at, or its IndexError."""
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    key = data.draw(numpy_keys(shape))
    x = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    expected = _numpy_or_error(lambda: x[key])
    if isinstance(expected, IndexError):
        with pytest.raises(IndexError):
            GetItem.apply(cr.tensor(x, device=STRICT), key)
        return
    mine = GetItem.apply(cr.tensor(x, device=STRICT), key)
    np.testing.assert_array_equal(mine.numpy(), expected)
    g = np.arange(1.0, 1.0 + expected.size).reshape(expected.shape)
    added = np.zeros(shape)
    np.add.at(added, key, g)
    np.testing.assert_array_equal(IndexAdd.apply(cr.tensor(g, device=STRICT), key, shape).numpy(), added)


def _torch_key(key):
    return tuple(torch.tensor(p) if isinstance(p, np.ndarray) else bool(p) if isinstance(p, np.bool_) else p for p in key)


@given(data=st.data())
def test_any_key_reads_and_writes_as_torch(data):
    """t[key] (PyTorch's order: ints before arrays) and, on array-api-strict, t[key] = v in place (values broadcast,
    the last write wins on repeats): as in PyTorch, or the same IndexError."""
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    key = data.draw(numpy_keys(shape))
    theirs = torch.zeros(shape, dtype=torch.float64)
    region = _numpy_or_error(lambda: theirs[_torch_key(key)].shape)
    strict = move(np.zeros(shape), STRICT)
    if isinstance(region, IndexError):
        with pytest.raises(IndexError):
            setitem_array(strict, key, 1.0)
        return
    check_torch(lambda m, t: t[key if m is cr else _torch_key(key)] * 2.0, random_array(shape, 12))
    kind = data.draw(st.sampled_from(["full", "trailing", "leading_one", "scalar"]))
    values = {"full": np.arange(1.0, 1.0 + np.prod(region)).reshape(region), "scalar": 2.5,
              "trailing": np.arange(1.0, 1.0 + np.prod(region[1:])).reshape(region[1:]),
              "leading_one": np.arange(1.0, 1.0 + np.prod(region)).reshape((1, *region))}[kind]
    theirs[_torch_key(key)] = torch.tensor(values, dtype=torch.float64)
    view = strict[(slice(None),) * len(shape)]  # the writes must reach the array through a view too
    setitem_array(view, key, values if np.ndim(values) == 0 else move(values, STRICT))
    np.testing.assert_array_equal(to_host(strict), theirs.numpy())
