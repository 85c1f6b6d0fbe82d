"""Shape ops against PyTorch and finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr
from chainrule.errors import OutOfRangeError

# Each output is multiplied by an arange so that a gradient sent to the wrong place shows.
SHAPE_OPS = {
    "reshape": ((2, 3, 4), lambda m, t: t.reshape(4, 6)),
    "reshape_tuple": ((2, 3, 4), lambda m, t: t.reshape((3, -1))),
    "reshape_fn": ((2, 3, 4), lambda m, t: m.reshape(t, (-1,))),
    "reshape_to_scalar": ((1, 1), lambda m, t: t.reshape(())),
    "view": ((2, 3, 4), lambda m, t: t.view(6, 4)),
    "view_list": ((2, 3, 4), lambda m, t: t.view([-1, 2])),
    "view_as": ((2, 3, 4), lambda m, t: t.view_as(m.zeros(4, 3, 2, dtype=m.float64))),
    "reshape_as": ((6,), lambda m, t: t.reshape_as(m.zeros(2, 3))),
    "transpose": ((2, 3, 4), lambda m, t: t.transpose(0, 2)),
    "transpose_neg": ((2, 3, 4), lambda m, t: m.transpose(t, -1, -2)),
    "transpose_same": ((2, 3), lambda m, t: t.transpose(1, 1)),
    "T": ((3, 4), lambda m, t: t.T),
    "mT": ((2, 3, 4), lambda m, t: t.mT),
    "t": ((2, 3), lambda m, t: t.t()),
    "t_vector": ((3,), lambda m, t: t.t() * 1),
    "permute": ((2, 3, 4), lambda m, t: t.permute(2, 0, 1)),
    "permute_tuple": ((2, 3, 4), lambda m, t: m.permute(t, (1, -1, 0))),
    "squeeze": ((1, 3, 1, 2), lambda m, t: t.squeeze()),
    "squeeze_dim": ((1, 3, 1, 2), lambda m, t: t.squeeze(2)),
    "squeeze_neg": ((1, 3, 1, 2), lambda m, t: m.squeeze(t, -4)),
    "squeeze_not_one": ((1, 3, 1, 2), lambda m, t: t.squeeze(1)),
    "squeeze_tuple": ((1, 3, 1, 2), lambda m, t: t.squeeze((0, 2))),
    "unsqueeze": ((2, 3), lambda m, t: t.unsqueeze(0)),
    "unsqueeze_end": ((2, 3), lambda m, t: t.unsqueeze(2)),
    "unsqueeze_neg": ((2, 3), lambda m, t: m.unsqueeze(t, -1)),
    "unsqueeze_scalar": ((), lambda m, t: t.unsqueeze(0)),
    "flatten": ((2, 3, 4), lambda m, t: t.flatten()),
    "flatten_start": ((2, 3, 4), lambda m, t: t.flatten(1)),
    "flatten_range": ((2, 3, 4, 2), lambda m, t: m.flatten(t, 1, 2)),
    "flatten_neg": ((2, 3, 4, 2), lambda m, t: t.flatten(start_dim=-3, end_dim=-2)),
    "flatten_scalar": ((), lambda m, t: t.flatten()),
    "flatten_same": ((2, 3), lambda m, t: t.flatten(1, 1)),
    "expand": ((3, 1), lambda m, t: t.expand(3, 4)),
    "expand_new_dims": ((3, 1), lambda m, t: t.expand(2, 3, 5)),
    "expand_minus_one": ((3, 1), lambda m, t: t.expand(-1, 4)),
    "expand_tuple": ((1,), lambda m, t: t.expand((2, 3))),
    "expand_scalar": ((), lambda m, t: t.expand(4)),
    "expand_as": ((1, 3), lambda m, t: t.expand_as(m.zeros(2, 3))),
    "broadcast_to": ((3, 1), lambda m, t: m.broadcast_to(t, (2, 3, 4))),
    "chain": ((2, 3, 4), lambda m, t: t.permute(1, 0, 2).reshape(3, 8).T.unsqueeze(1).expand(8, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_op(name):
    shape, fn = SHAPE_OPS[name]

    def weighted(m, t):
        out = fn(m, t)
        return out * m.arange(out.numel(), dtype=m.float64).reshape(out.shape)

    check_op(weighted, random_array(shape, 1))


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_op_keeps_float32(name):
    shape, fn = SHAPE_OPS[name]
    out = check_torch(lambda m, t: fn(m, t) * 3.0, random_array(shape, 2, dtype=np.float32))
    assert out.dtype == cr.float32


@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=3), data=st.data())
def test_random_permute_reshape_roundtrip(shape, data):
    x = random_array(shape, 3)
    order = data.draw(st.permutations(range(len(shape))))
    split = data.draw(st.integers(0, len(shape)))
    check_torch(lambda m, t: t.permute(*order).reshape(-1, *shape[split:]) * 2.0 if shape else t * 2.0, x)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_random_flatten(shape, data):
    start = data.draw(st.integers(-len(shape), len(shape) - 1))
    end = data.draw(st.integers(-len(shape), len(shape) - 1))
    if start % len(shape) > end % len(shape):
        return
    check_torch(lambda m, t: t.flatten(start, end), random_array(shape, 4))


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=4))
def test_random_expand(shapes):
    (shape,), target = shapes.input_shapes, shapes.result_shape
    positions = np.arange(float(np.prod(target))).reshape(target)  # a wrongly routed gradient shows
    check_torch(lambda m, t: t.expand(target) * m.tensor(positions), random_array(shape, 5))


# ---- cat and stack ---------------------------------------------------------------------------------
CAT_CASES = [
    ([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 2)], 1), ([(2, 3), (2, 5)], -1),
    ([(3,), (2,)], 0), ([(2, 1, 3), (2, 4, 3)], 1), ([(2, 3)], 0),
]


@pytest.mark.parametrize("shapes, dim", CAT_CASES, ids=str)
def test_cat(shapes, dim):
    arrays = [random_array(s, i) for i, s in enumerate(shapes)]
    check_op(lambda m, *ts: m.cat(list(ts), dim) * 2.0, *arrays)
    check_op(lambda m, *ts: m.cat(ts, dim=dim), *arrays)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("shape", [(2, 3), (1, 4)], ids=str)
def test_stack(shape, dim):
    arrays = [random_array(shape, i) for i in range(3)]
    check_op(lambda m, a, b, c: m.stack([a, b, c], dim) * 2.0, *arrays)


def test_stack_of_scalars_and_the_same_tensor_twice():
    check_op(lambda m, a, b: m.stack([a, b, a]), random_array((), 1), random_array((), 2))
    check_op(lambda m, a: m.cat([a, a * 2.0, a], 1), random_array((2, 2), 3))


def test_cat_with_a_constant_and_mixed_dtypes():
    a = random_array((2, 2), 4)
    check_torch(lambda m, t: m.cat([t, m.ones(1, 2, dtype=m.float32)]), a)
    check_torch(lambda m, t: m.cat([m.zeros(1, 2, dtype=m.float64), t]), a.astype(np.float32))


def test_cat_and_stack_aliases():
    a, b = cr.ones(2), cr.zeros(2)
    assert cr.concat([a, b]).tolist() == cr.concatenate([a, b]).tolist() == [1.0, 1.0, 0.0, 0.0]


# ---- errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda t: t.transpose(0, 2), lambda t: t.permute(0, 3), lambda t: t.squeeze(2), lambda t: t.unsqueeze(3),
    lambda t: t.unsqueeze(-4), lambda t: t.flatten(0, 2), lambda t: t.size(2), lambda t: cr.cat([t, t], 2),
    lambda t: cr.stack([t, t], 3), lambda t: t.transpose(-3, 0),
])
def test_out_of_range_dims_are_index_and_value_errors(fn):
    with pytest.raises(OutOfRangeError) as info:
        fn(cr.ones(2, 3))
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)


def test_shape_mismatches_are_value_errors_naming_the_op():
    t = cr.ones(2, 3)
    cases = [  # (what the message must name, the call)
        ("reshape", lambda: t.reshape(4, 2)), ("reshape", lambda: t.view(5)), ("expand", lambda: t.expand(4, 3)),
        ("expand", lambda: t.expand(3)), ("cat", lambda: cr.cat([t, cr.ones(3, 2)], 0)),
        ("stack", lambda: cr.stack([t, cr.ones(3, 2)])), ("permute", lambda: t.permute(0, 0)),
        ("flatten", lambda: t.flatten(1, 0)), ("t():", lambda: cr.ones(2, 2, 2).t()),
    ]
    for name, make in cases:
        with pytest.raises(ValueError) as info:
            make()
        assert name in str(info.value), (name, str(info.value))


def test_cat_needs_a_list_of_tensors():
    with pytest.raises(TypeError, match="cat"):
        cr.cat(cr.ones(2))
    with pytest.raises(ValueError, match="cat"):
        cr.cat([])


@pytest.mark.parametrize("name", ["chain", "expand_new_dims", "broadcast_to", "flatten_range", "squeeze"])
def test_second_derivatives_match_torch(name):
    shape, fn = SHAPE_OPS[name]
    check_second_order(lambda m, t: fn(m, t) ** 2, random_array(shape, 13))
    a, b = random_array((2, 3), 14), random_array((2, 3), 15)
    check_second_order(lambda m, x, y: m.cat([x, y], 0) ** 2 + m.stack([x, y], 1).sum() ** 2, a, b)


# ---- tril/triu, split/chunk/narrow, flip, roll, repeat, repeat_interleave ------------------------------------
PIECE_OPS = {
    "tril": ((3, 4), lambda m, t: t.tril()),
    "tril_fn_diagonal": ((3, 4), lambda m, t: m.tril(t, diagonal=1)),
    "tril_batched_negative": ((2, 3, 4), lambda m, t: t.tril(-1)),
    "triu": ((4, 3), lambda m, t: t.triu()),
    "triu_fn_diagonal": ((3, 4), lambda m, t: m.triu(t, 2)),
    "triu_far": ((3, 4), lambda m, t: t.triu(-5)),
    "split_int": ((5, 3), lambda m, t: t.split(2)),
    "split_fn_dim": ((3, 5), lambda m, t: m.split(t, 3, dim=1)),
    "split_sizes": ((3, 6), lambda m, t: t.split([1, 0, 5], -1)),
    "split_bigger": ((3, 2), lambda m, t: t.split(4)),
    "chunk": ((6, 2), lambda m, t: t.chunk(4)),
    "chunk_fn_dim": ((2, 7), lambda m, t: m.chunk(t, 3, dim=1)),
    "chunk_more_than_size": ((2, 3), lambda m, t: t.chunk(5, -1)),
    "narrow": ((4, 5), lambda m, t: t.narrow(1, 1, 3)),
    "narrow_fn_negative_start": ((4, 5), lambda m, t: m.narrow(t, 0, -2, 2)),
    "narrow_empty": ((4, 5), lambda m, t: t.narrow(0, 4, 0)),
    "narrow_tensor_start": ((4, 5), lambda m, t: t.narrow(1, m.tensor(2), 2)),
    "flip": ((2, 3, 4), lambda m, t: t.flip(0, 2)),
    "flip_fn_list": ((2, 3), lambda m, t: m.flip(t, [-1])),
    "flip_tuple_keyword": ((2, 3), lambda m, t: t.flip(dims=(0, 1))),
    "flip_scalar": ((), lambda m, t: t.flip(())),
    "roll": ((3, 4), lambda m, t: t.roll(2)),
    "roll_fn_dim": ((3, 4), lambda m, t: m.roll(t, -1, 1)),
    "roll_tuple": ((3, 4, 2), lambda m, t: t.roll((1, 5), (0, -1))),
    "roll_one_tuple_no_dims": ((3, 4), lambda m, t: m.roll(t, shifts=(3,))),
    "repeat": ((2, 3), lambda m, t: t.repeat(2, 1, 3)),
    "repeat_tuple": ((2, 3), lambda m, t: t.repeat((3, 2))),
    "repeat_ones": ((2, 3), lambda m, t: t.repeat(1, 1)),
    "repeat_zero": ((2, 3), lambda m, t: t.repeat(0, 2)),
    "repeat_scalar": ((), lambda m, t: t.repeat(4)),
    "repeat_interleave": ((2, 3), lambda m, t: t.repeat_interleave(2)),
    "repeat_interleave_dim": ((2, 3), lambda m, t: m.repeat_interleave(t, 3, dim=0)),
    "repeat_interleave_tensor": ((2, 3), lambda m, t: t.repeat_interleave(m.tensor([2, 0, 1]), dim=1)),
    "repeat_interleave_one_count": ((2, 3), lambda m, t: t.repeat_interleave(m.tensor([2]), dim=-1)),
    "repeat_interleave_flat_tensor": ((2, 2), lambda m, t: m.repeat_interleave(t, m.tensor([1, 2, 0, 3]))),
    "repeat_interleave_output_size": ((3,), lambda m, t: t.repeat_interleave(2, dim=0, output_size=6)),
}


def _weighted(fn):
    """fn with each output times an arange, so a gradient sent to the wrong place shows."""
    def weighted(m, t):
        outs = fn(m, t)
        outs = outs if isinstance(outs, tuple) else (outs,)
        return tuple(o * m.arange(o.numel(), dtype=m.float64).reshape(o.shape) for o in outs)
    return weighted


@pytest.mark.parametrize("name", sorted(PIECE_OPS))
def test_piece_op(name):
    shape, fn = PIECE_OPS[name]
    check_op(_weighted(fn), random_array(shape, 21))


@pytest.mark.parametrize("name", sorted(PIECE_OPS))
def test_piece_op_keeps_float32(name):
    shape, fn = PIECE_OPS[name]
    out = check_torch(fn, random_array(shape, 22, dtype=np.float32))
    assert all(o.dtype == cr.float32 for o in (out if isinstance(out, tuple) else (out,)))


@pytest.mark.parametrize("name", ["tril", "triu", "flip", "roll_tuple", "repeat", "repeat_interleave_tensor", "narrow"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_piece_ops_on_integers_and_bools(name, dtype):
    shape, fn = PIECE_OPS[name]
    check_torch(fn, (random_array(shape, 23) > 0).astype(dtype))


def test_split_chunk_narrow_are_views_and_flip_roll_repeat_copies():
    x = cr.tensor(random_array((4, 6), 24))
    for piece in (*x.split(2), *cr.chunk(x, 3, 1), x.narrow(1, 2, 3)):
        piece.mul_(0.0)  # writes through to x, as in PyTorch
    assert (x.numpy() == 0).all()
    y = cr.tensor(random_array((2, 3), 25))
    before = y.numpy().copy()
    for out in (y.flip(0), y.roll(1), y.repeat(1, 1), y.repeat_interleave(1), cr.tril(y), y.split([2], 0)[0] * 1):
        out.mul_(0.0)
    np.testing.assert_array_equal(y.numpy(), before)


def test_a_changed_piece_is_seen_by_backward():
    x = cr.tensor(random_array((4,), 26), requires_grad=True)
    a, b = (x * 1.0).split(2)
    y = (a * a).sum()
    a.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_chunk_of_an_empty_dim_and_repeat_interleave_of_counts():
    check_torch(lambda m, t: m.chunk(t, 3), np.zeros((0, 2)))
    check_torch(lambda m, t: m.split(t, 0), np.zeros((0, 2)))
    check_torch(lambda m, r: m.repeat_interleave(r), np.array([2, 0, 3]))
    counts = cr.tensor([2, 0, 3])
    assert cr.repeat_interleave(counts).device == counts.device  # made where the counts are


@pytest.mark.parametrize("repeats", [[3, 0, 1, 0], [2, 2, 2, 2], [0, 0, 0, 0], [0, 5, 1, 2], [1, 1, 1, 1]])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_repeat_interleave_runs_of_any_length_match_torch(repeats, dim):
    data = random_array((4, 4, 2), 11) if dim != -1 else random_array((2, 3, 4), 11)
    check_op(lambda m, t: m.repeat_interleave(t, m.tensor(repeats), dim=dim) * 1.5, data)
    check_torch(lambda m, t: t.repeat_interleave(m.tensor(repeats), dim=dim) ** 2, data.astype(np.float32))
    check_second_order(lambda m, t: m.repeat_interleave(t, m.tensor(repeats), dim=dim) ** 3, data)


def test_repeat_interleave_by_a_number_and_of_an_empty_dim_match_torch():
    check_op(lambda m, t: m.repeat_interleave(t, 3, dim=1) ** 2, random_array((2, 3, 2), 12))
    check_second_order(lambda m, t: m.repeat_interleave(t, 2) ** 3, random_array((2, 3), 13))
    check_torch(lambda m, t: m.repeat_interleave(t, 0, dim=0), random_array((3, 2), 14))
    check_torch(lambda m, t: m.repeat_interleave(t, 2, dim=0), np.zeros((0, 2)))
    check_torch(lambda m, t: m.repeat_interleave(t, m.tensor([1, 3]), dim=1), np.array([[True, False]]))


@pytest.mark.parametrize("name", ["tril", "split_sizes", "narrow", "flip", "roll_tuple", "repeat", "repeat_interleave_tensor"])
def test_piece_ops_second_derivatives_match_torch(name):
    shape, fn = PIECE_OPS[name]
    check_second_order(lambda m, t: m.cat([o.reshape(-1) for o in _weighted(fn)(m, t)]) ** 2, random_array(shape, 27))


@pytest.mark.parametrize("fn", [
    lambda t: t.tril().flip(2), lambda t: t.split(1, 2), lambda t: t.chunk(2, -3), lambda t: t.narrow(2, 0, 1),
    lambda t: t.roll(1, 2), lambda t: t.repeat_interleave(2, dim=2), lambda t: cr.flip(t, (0, -3)),
])
def test_piece_ops_out_of_range_dims(fn):
    with pytest.raises(OutOfRangeError):
        fn(cr.ones(2, 3))


def test_piece_op_errors_name_the_op():
    t = cr.ones(2, 3)
    cases = [
        ("tril", lambda: cr.ones(3).tril()), ("triu", lambda: cr.triu(cr.tensor(1.0))),
        ("split", lambda: t.split([1, 1], 1)), ("split", lambda: t.split(0)), ("split", lambda: t.split([4, -1])),
        ("chunk", lambda: t.chunk(0)), ("narrow", lambda: t.narrow(1, 2, 2)), ("narrow", lambda: t.narrow(0, 1, -1)),
        ("flip", lambda: t.flip(0, 0)), ("flip", lambda: t.flip(1, -1)), ("roll", lambda: t.roll((1, 2))),
        ("roll", lambda: t.roll((1, 2), 0)), ("repeat", lambda: t.repeat(2)), ("repeat", lambda: t.repeat(1, -1)),
        ("repeat_interleave", lambda: t.repeat_interleave(-1)),
        ("repeat_interleave", lambda: t.repeat_interleave(cr.tensor([1, 2]), dim=1)),
        ("repeat_interleave", lambda: t.repeat_interleave(2, output_size=5)),
    ]
    for name, make in cases:
        with pytest.raises(ValueError) as info:
            make()
        assert name in str(info.value), (name, str(info.value))
    with pytest.raises(OutOfRangeError, match="narrow"):
        t.narrow(1, -4, 1)
    for make in (lambda: t.split(1.5), lambda: t.narrow(0, 0.5, 1), lambda: t.repeat_interleave(cr.tensor([1.5, 2.0]), dim=0),
                 lambda: t.tril(0.5), lambda: cr.chunk([1, 2], 2)):
        with pytest.raises(TypeError):
            make()
