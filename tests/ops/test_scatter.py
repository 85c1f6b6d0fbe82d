"""ops/scatter.py against PyTorch: values, gradients (finite differences too), in-place twins, integer helpers, errors."""
import numpy as np
import pytest
from torch_parity import check_gradcheck, check_op, check_second_order, check_torch, random_array

import chainrule as cr

X = random_array((3, 4), 0)
ROWS = np.array([2, 0])  # distinct: scatter's result with repeated positions is unspecified
SCATTER_INDEX = np.array([[1, 0, 2, 1], [0, 2, 1, 0]])  # per column, distinct rows


def _ix(m, a):
    return m.tensor(a)


OPS = {
    "index_select": (lambda m, x: m.index_select(x, 0, _ix(m, ROWS)), X),
    "index_select_method": (lambda m, x: x.index_select(-1, _ix(m, [3, 1, 1])), X),
    "scatter_src": (lambda m, x, s: m.scatter(x, 0, _ix(m, SCATTER_INDEX), s), X, random_array((2, 4), 1)),
    "scatter_value": (lambda m, x: m.scatter(x, 1, _ix(m, [[0], [3], [1]]), value=2.5), X),
    "scatter_add": (lambda m, x, s: m.scatter_add(x, 1, _ix(m, [[0, 0, 3], [1, 1, 1], [2, 3, 2]]), s), X,
                    random_array((3, 3), 3)),
    "index_add": (lambda m, x, s: m.index_add(x, 1, _ix(m, [3, 0, 3]), s, alpha=-1.5), X, random_array((3, 3), 4)),
    "index_fill_number": (lambda m, x: x.index_fill(1, _ix(m, [0, 2]), -1.0), X),
    "index_fill_tensor": (lambda m, x, v: m.index_fill(x, 0, _ix(m, [1]), v), X, np.array(0.7)),
    "index_copy": (lambda m, x, s: m.index_copy(x, 0, _ix(m, ROWS), s), X, random_array((2, 4), 5)),
    "take": (lambda m, x: m.take(x, _ix(m, [[0, 11], [-1, 5]])), X),
    "take_along_dim": (lambda m, x: m.take_along_dim(x, _ix(m, [[0], [3], [1]]), 1), X),
    "take_along_dim_broadcast": (lambda m, x: m.take_along_dim(x, _ix(m, [[2, 0, 1, 1]]), 0), X),
    "take_along_dim_flat": (lambda m, x: x.take_along_dim(_ix(m, [4, 0, 4])), X),
    "masked_scatter": (lambda m, x, s: m.masked_scatter(x, _ix(m, [True, False, True, True]), s), X,
                       random_array((10,), 6)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_values_and_gradients(name):
    fn, *inputs = OPS[name]
    check_op(fn, *inputs)


@pytest.mark.parametrize("name", ["scatter_src", "index_add", "masked_scatter"])
def test_second_derivatives(name):
    fn, *inputs = OPS[name]
    check_second_order(lambda m, *ts: fn(m, *ts) ** 2, *inputs)


def test_scatter_from_a_larger_src():
    """src larger than index: only its first part is used (torch's values; its backward fails on this case)."""
    fn = lambda m, x, s: x.scatter(0, _ix(m, SCATTER_INDEX[:, :3]), s)  # noqa: E731
    check_torch(fn, X, random_array((3, 4), 2), grad=False)
    check_gradcheck(fn, X, random_array((3, 4), 2))


def test_float32_is_kept():
    check_torch(lambda m, x, s: m.scatter(x, 0, _ix(m, SCATTER_INDEX), s), X.astype(np.float32),
                random_array((2, 4), 1, dtype=np.float32))
    check_torch(lambda m, x: m.index_select(x, 1, _ix(m, [1])), X.astype(np.float32))


def test_integer_inputs():
    ints = np.arange(12).reshape(3, 4)
    check_torch(lambda m, x: m.scatter_add(x, 0, _ix(m, [[2, 2, 2, 2]]), x), ints)
    check_torch(lambda m, x: m.index_fill(x, 1, _ix(m, [1]), 7), ints)


@pytest.mark.parametrize("name, args", [
    ("scatter_", (0, SCATTER_INDEX, "src")), ("scatter_add_", (0, SCATTER_INDEX, "src")),
    ("index_add_", (0, ROWS, "src")), ("index_fill_", (1, ROWS, -2.0)), ("index_copy_", (0, ROWS, "src")),
])
def test_in_place_twins(name, args):
    source = random_array((2, 4), 7)

    def fn(m, x):
        y = x * 1.0
        filled = [m.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        filled = [x[:2] * 3.0 if isinstance(a, str) else a for a in filled]
        assert getattr(y, name)(*filled) is y
        return y

    check_torch(fn, X)
    check_torch(lambda m, x: x.clone().masked_scatter_(m.tensor([[True], [False], [True]]), m.tensor(source)), X)


def test_counting_and_searching():
    values = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    check_torch(lambda m, x: m.argwhere(x), values, grad=False)
    check_torch(lambda m, x: m.count_nonzero(x), values, grad=False)
    check_torch(lambda m, x: x.count_nonzero(dim=1), values, grad=False)
    check_torch(lambda m, x: m.count_nonzero(x, dim=(0, 1)), values, grad=False)
    ints = np.array([1, 4, 1, 0, 4, 4])
    weights = random_array((6,), 8)
    check_torch(lambda m, x: m.bincount(x), ints)
    check_torch(lambda m, x: x.bincount(minlength=8), ints)
    check_torch(lambda m, x, w: m.bincount(x, w.detach()), ints, weights, grad=False)
    check_torch(lambda m, x, w: m.bincount(x, w.detach()), ints, weights.astype(np.float32), grad=False)
    check_torch(lambda m, x: m.bincount(x, m.tensor([1, 2, 3, 4, 5, 6])), ints)
    sequence = np.array([1.0, 2.0, 2.0, 4.0])
    queries = np.array([[0.5, 2.0], [4.0, 9.0]])
    for kwargs in ({}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}):
        check_torch(lambda m, s, q: m.searchsorted(s, q, **kwargs), sequence, queries, grad=False)
        check_torch(lambda m, q, b: m.bucketize(q, b, **{k: v for k, v in kwargs.items() if k != "side"}),
                    queries, sequence, grad=False)
    check_torch(lambda m, s: m.searchsorted(s, 2.0), sequence, grad=False)
    batched = np.sort(random_array((2, 5), 9), axis=1)
    check_torch(lambda m, s, q: m.searchsorted(s, q, right=True), batched, random_array((2, 3), 10), grad=False)
    check_torch(lambda m, s, q: m.searchsorted(s, q, sorter=m.tensor([3, 0, 2, 1])), np.array([4.0, 1.0, 2.0, 2.0]),
                np.array([2.0, 3.0]), grad=False)


def test_zero_dim_inputs():
    check_op(lambda m, x: m.index_select(x, 0, m.tensor([0])), np.array(1.5))
    check_op(lambda m, x: m.index_fill(x, 0, m.tensor([0]), 2.0), np.array(1.5))


def test_errors():
    x = cr.tensor(X)
    with pytest.raises(IndexError, match="out of bounds"):
        cr.index_select(x, 0, cr.tensor([3]))
    with pytest.raises(IndexError, match="out of bounds"):
        x.scatter(1, cr.tensor([[4]]), 1.0)
    with pytest.raises(TypeError, match="integer"):
        cr.index_select(x, 0, cr.tensor([0.0]))
    with pytest.raises(ValueError, match="dims"):
        cr.scatter(x, 0, cr.tensor([0]), 1.0)
    with pytest.raises(TypeError, match="exactly one"):
        cr.scatter(x, 0, cr.tensor([[0]]))
    with pytest.raises(ValueError, match="should be"):
        cr.index_add(x, 0, cr.tensor([0]), cr.zeros(2, 4, dtype=cr.float64))
    with pytest.raises(TypeError, match="dtype"):
        cr.index_copy(x, 0, cr.tensor([0]), cr.zeros(1, 4))
    with pytest.raises(ValueError, match="True values"):
        cr.masked_scatter(x, x > -10, cr.zeros(3, dtype=cr.float64))
    with pytest.raises(ValueError, match="non-negative"):
        cr.bincount(cr.tensor([-1, 2]))
    with pytest.raises(ValueError, match="contradict"):
        cr.searchsorted(cr.tensor([1.0]), cr.tensor([1.0]), right=True, side="left")
    with pytest.raises(IndexError, match="dim"):
        cr.index_select(x, 2, cr.tensor([0]))
