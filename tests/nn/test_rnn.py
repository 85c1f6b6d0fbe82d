"""RNN, LSTM, GRU and their cells against PyTorch: the torch module's weights are loaded into chainrule's
(state dicts both ways), then outputs, final states and every parameter's and input's gradient are compared
in float64 over lengths, batch sizes, layers, directions, batch_first, hx given or not and unbatched input."""
import itertools
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
from nn_testing import assert_close, rng

import chainrule as cr
import chainrule.nn as nn

MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
MODE_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
# (length, batch, batch_first, hx given): each value of each meets every mode, layer count and direction count
RUNS = [(1, 1, False, False), (5, 3, True, True), (5, 1, False, True), (1, 3, True, False)]


def twin(name, **options):
    """(chainrule module, torch module) of class `name`, float64, chainrule's weights loaded from torch's."""
    theirs = getattr(torch.nn, name)(**options).double()
    ours = getattr(nn, name)(**options, dtype=cr.float64)
    ours.load_state_dict({key: cr.tensor(value.detach().numpy().copy()) for key, value in theirs.state_dict().items()})
    return ours, theirs


def states(value):
    """A layer's second result, (h_n,) or (h_n, c_n), as a tuple; a cell's result likewise."""
    return tuple(value) if isinstance(value, tuple) else (value,)


def compare(ours, theirs, x, hx=None, seed=0):
    """Run both modules on x (and hx): outputs and states agree, then after backward of a random weighted sum
    of all of them, the gradients of x, of hx and of every parameter (by name) agree."""
    arrays = [x] if hx is None else [x, *states(hx)]
    as_cr = [cr.tensor(a, requires_grad=True) for a in arrays]
    as_torch = [torch.tensor(a, requires_grad=True) for a in arrays]
    hx_cr, hx_torch = _hx(as_cr[1:], hx), _hx(as_torch[1:], hx)
    out_cr, out_torch = ours(as_cr[0], hx_cr), theirs(as_torch[0], hx_torch)
    results_cr, results_torch = _flat(out_cr), _flat(out_torch)
    assert len(results_cr) == len(results_torch)
    weights = rng(seed)
    total_cr = total_torch = 0
    for a, b in zip(results_cr, results_torch):
        assert_close(a, b)
        w = weights.normal(size=tuple(b.shape))
        total_cr = total_cr + (a * cr.tensor(w)).sum()
        total_torch = total_torch + (b * torch.tensor(w)).sum()
    total_cr.backward()
    total_torch.backward()
    for a, b in zip(as_cr, as_torch):
        assert_close(a.grad, b.grad)
    named_torch = dict(theirs.named_parameters())
    assert [k for k, _ in ours.named_parameters()] == list(named_torch)
    for key, p in ours.named_parameters():
        assert_close(p.grad, named_torch[key].grad, rtol=1e-9, atol=1e-11)
    return out_cr


def _hx(tensors, hx):
    if hx is None:
        return None
    return tuple(tensors) if isinstance(hx, tuple) else tensors[0]


def _flat(out):
    if isinstance(out, tuple):
        return [t for part in out for t in states(part)]
    return [out]


def random_hx(name, shape, proj_size=0, seed=1):
    g = rng(seed)
    if name.startswith("LSTM"):
        h_shape = shape[:-1] + (proj_size or shape[-1],)
        return g.normal(size=h_shape), g.normal(size=shape)
    return g.normal(size=shape)


# ---- the layers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (1, True), (2, False), (2, True)])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_layer_matches_torch_with_gradients(mode, num_layers, bidirectional):
    name, extra = mode
    directions = 2 if bidirectional else 1
    for length, batch, batch_first, with_hx in RUNS:
        ours, theirs = twin(name, input_size=3, hidden_size=4, num_layers=num_layers, bidirectional=bidirectional,
                            batch_first=batch_first, **extra)
        x = rng(length * 10 + batch).normal(size=(batch, length, 3) if batch_first else (length, batch, 3))
        hx = random_hx(name, (num_layers * directions, batch, 4)) if with_hx else None
        output, final = compare(ours, theirs, x, hx)
        assert output.shape == ((batch, length, 4 * directions) if batch_first else (length, batch, 4 * directions))
        assert states(final)[0].shape == (num_layers * directions, batch, 4)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_unbatched_input_matches_torch(mode, batch_first):
    name, extra = mode
    ours, theirs = twin(name, input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=batch_first,
                        **extra)
    x = rng(3).normal(size=(5, 3))
    compare(ours, theirs, x)
    output, final = compare(ours, theirs, x, random_hx(name, (4, 4)))
    assert output.shape == (5, 8) and states(final)[0].shape == (4, 4)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_with_projections_matches_torch(bidirectional):
    ours, theirs = twin("LSTM", input_size=3, hidden_size=5, num_layers=2, proj_size=2, bidirectional=bidirectional)
    directions = 2 if bidirectional else 1
    assert ours.weight_hr_l0.shape == (2, 5) and ours.weight_hh_l1.shape == (20, 2)
    assert ours.weight_ih_l1.shape == (20, 2 * directions)
    x = rng(4).normal(size=(4, 3, 3))
    compare(ours, theirs, x)
    output, (h, c) = compare(ours, theirs, x, random_hx("LSTM", (2 * directions, 3, 5), proj_size=2))
    assert output.shape == (4, 3, 2 * directions) and h.shape == (2 * directions, 3, 2) and c.shape[-1] == 5


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_layer_without_bias_matches_torch(mode):
    name, extra = mode
    ours, theirs = twin(name, input_size=3, hidden_size=4, num_layers=2, bias=False, **extra)
    assert [k for k, _ in ours.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"]
    compare(ours, theirs, rng(5).normal(size=(4, 2, 3)))


def test_using_only_the_final_cell_state_matches_torch():
    """Only c_n reaches the loss: the last step's h' gets no gradient, and the steps before still do."""
    ours, theirs = twin("LSTM", input_size=3, hidden_size=4)
    x = rng(6).normal(size=(4, 2, 3))
    a, b = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours(a)[1][1].sum().backward()
    theirs(b)[1][1].sum().backward()
    assert_close(a.grad, b.grad)
    assert_close(ours.weight_hh_l0.grad, theirs.weight_hh_l0.grad)


def test_float32_stays_float32_and_matches_torch():
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    ours = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    assert ours.weight_ih_l0.dtype == cr.float32
    ours.load_state_dict({k: cr.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    x = rng(7).normal(size=(5, 2, 3)).astype(np.float32)
    a, b = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out, (h, c)), (tout, (th, tc)) = ours(a), theirs(b)
    assert out.dtype == h.dtype == c.dtype == cr.float32
    for mine, ref in ((out, tout), (h, th), (c, tc)):
        assert_close(mine, ref, rtol=1e-5, atol=1e-6)
    (out.sum() + c.sum()).backward()
    (tout.sum() + tc.sum()).backward()
    assert a.grad.dtype == ours.weight_hh_l1.grad.dtype == cr.float32
    assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-5)
    for gru_or_rnn in (nn.GRU(3, 4), nn.RNN(3, 4)):
        out, h = gru_or_rnn(cr.tensor(x))
        assert out.dtype == h.dtype == cr.float32


# ---- parameters: names, order, shapes, init, state dicts -------------------------------------------
@pytest.mark.parametrize("name, options", [
    ("RNN", dict(num_layers=2, bidirectional=True)), ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=3)),
    ("GRU", dict(num_layers=3)), ("LSTM", dict(bias=False, bidirectional=True)),
])
def test_parameters_are_named_shaped_and_ordered_as_torch_and_state_dicts_load_both_ways(name, options):
    theirs = getattr(torch.nn, name)(5, 4, **options).double()
    ours = getattr(nn, name)(5, 4, **options, dtype=cr.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.shape == tuple(q.shape), key
    ours.load_state_dict({k: cr.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    fresh = getattr(torch.nn, name)(5, 4, **options).double()
    fresh.load_state_dict({k: torch.tensor(v.detach().numpy().copy()) for k, v in ours.state_dict().items()})
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), theirs.state_dict()[key].numpy())
    assert [[p.shape for p in ps] for ps in ours.all_weights] == [[tuple(p.shape) for p in ps]
                                                                  for ps in theirs.all_weights]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("make", [lambda: nn.LSTM(8, 64, num_layers=2), lambda: nn.GRU(8, 64, bidirectional=True),
                                  lambda: nn.RNN(8, 64), lambda: nn.LSTMCell(8, 64), lambda: nn.GRUCell(8, 64)])
def test_init_is_uniform_within_one_over_sqrt_hidden(make):
    cr.manual_seed(0)
    bound = 1 / np.sqrt(64)
    values = np.concatenate([p.detach().numpy().ravel() for p in make().parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.01 * bound  # the std of U(-b, b)
    assert abs(values.mean()) < 0.01 * bound


def test_double_converts_every_weight_and_then_takes_float64_input():
    layer = nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    assert {p.dtype for p in layer.parameters()} == {cr.float64}
    output, h = layer(cr.zeros(5, 2, 3, dtype=cr.float64))
    assert output.dtype == h.dtype == cr.float64


def test_flatten_parameters_is_a_no_op():
    layer = nn.LSTM(3, 4)
    before = {k: v.numpy().copy() for k, v in layer.state_dict().items()}
    assert layer.flatten_parameters() is None
    assert all((layer.state_dict()[k].numpy() == v).all() for k, v in before.items())


# ---- dropout between layers --------------------------------------------------------------------------
def identity_relu_rnn(p):
    """A 2-layer relu RNN whose layers each copy their input (W_ih = I, the rest 0): with positive input the
    output is exactly the dropout applied between the layers."""
    layer = nn.RNN(50, 50, num_layers=2, nonlinearity="relu", dropout=p, dtype=cr.float64)
    with cr.no_grad():
        for key, value in layer.named_parameters():
            value.zero_()
            if key.startswith("weight_ih"):
                value.copy_(cr.tensor(np.eye(50)))
    return layer


def test_dropout_between_layers_zeroes_about_p_and_scales_the_rest():
    cr.manual_seed(0)
    layer = identity_relu_rnn(0.3)
    x = cr.tensor(rng(8).uniform(1.0, 2.0, size=(20, 10, 50)), requires_grad=True)
    out, h = layer(x)
    ratio = (out / x).detach().numpy()
    kept = ratio != 0
    np.testing.assert_allclose(ratio[kept], 1 / 0.7, rtol=1e-12)
    assert abs((~kept).mean() - 0.3) < 0.02  # 10,000 draws: the std of the fraction is 0.005
    np.testing.assert_array_equal(h[1].detach().numpy() != 0, kept[-1])  # h_n of the last layer saw the same mask
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio, rtol=1e-12)  # gradient flows through the kept ones only
    layer.eval()
    out, _ = layer(x)
    np.testing.assert_allclose(out.detach().numpy(), x.detach().numpy(), rtol=1e-15)


def test_dropout_is_not_applied_after_the_last_layer():
    cr.manual_seed(0)
    layer = nn.RNN(50, 50, nonlinearity="relu", num_layers=1, dropout=0.0, dtype=cr.float64)
    with cr.no_grad():
        for key, value in layer.named_parameters():
            value.zero_()
            if key.startswith("weight_ih"):
                value.copy_(cr.tensor(np.eye(50)))
    layer.dropout = 0.9  # set after construction: there is no layer after which to drop
    x = cr.tensor(rng(9).uniform(1.0, 2.0, size=(3, 2, 50)))
    np.testing.assert_array_equal(layer(x)[0].detach().numpy(), x.numpy())


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_eval_mode_ignores_dropout_as_torch(mode):
    name, extra = mode
    ours, theirs = twin(name, input_size=3, hidden_size=4, num_layers=3, dropout=0.5, **extra)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, rng(10).normal(size=(4, 2, 3)))


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning) as ours:
        nn.LSTM(3, 4, dropout=0.2)
    with pytest.warns(UserWarning) as theirs:
        torch.nn.LSTM(3, 4, dropout=0.2)
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__  # it points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.2)


# ---- long sequences: depth and memory --------------------------------------------------------------------
def test_backprop_through_a_thousand_steps_matches_torch():
    """1,000 steps make a graph thousands of nodes deep: the engine walks it without recursion."""
    ours, theirs = twin("GRU", input_size=2, hidden_size=3)
    compare(ours, theirs, rng(11).normal(size=(1000, 2, 2)))


def peak_traced_bytes(length):
    layer = nn.LSTM(4, 8, dtype=cr.float64)
    x = cr.tensor(rng(12).normal(size=(length, 2, 4)), requires_grad=True)
    tracemalloc.start()
    try:
        out, (h, c) = layer(x)
        (out.sum() + c.sum()).backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_linearly_with_sequence_length():
    """What a step keeps for backward does not depend on the length: 4x the steps, about 4x the memory."""
    ratio = peak_traced_bytes(400) / peak_traced_bytes(100)
    assert 3.0 < ratio < 5.5, ratio


# ---- argument checks, as torch --------------------------------------------------------------------------
@pytest.mark.parametrize("call, error", [
    (lambda lib, m: m(lib.zeros(5, 2, 3, 1)), ValueError),  # 4-D input
    (lambda lib, m: m(lib.zeros(5, 2, 4)), RuntimeError),  # input_size 3 expected
    (lambda lib, m: m(lib.zeros(5, 2, 3), lib.zeros(2, 3, 4)), RuntimeError),  # hx batch 3, input batch 2
    (lambda lib, m: m(lib.zeros(5, 2, 3), lib.zeros(2, 4)), RuntimeError),  # 2-D hx with batched input
    (lambda lib, m: m(lib.zeros(5, 3), lib.zeros(2, 1, 4)), RuntimeError),  # 3-D hx with unbatched input
    (lambda lib, m: m(lib.zeros(5, 2, 3, dtype=lib.float64)), ValueError),  # dtype differs from the weights'
])
def test_bad_inputs_raise_as_torch(call, error):
    for lib in (torch, cr):
        with pytest.raises(error):
            call(lib, lib.nn.GRU(3, 4, num_layers=2))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"), lambda lib: lib.nn.LSTM(3, 4, proj_size=4),
    lambda lib: lib.nn.LSTM(3, 4, dropout=1.5), lambda lib: lib.nn.GRU(3, 0),
    lambda lib: lib.nn.GRU(3, 4, num_layers=0), lambda lib: lib.nn.LSTM(3, 4, proj_size=-1),
])
def test_bad_options_raise_value_error_as_torch(make):
    for lib in (torch, cr):
        with pytest.raises(ValueError):
            make(lib)


def test_bad_option_types_raise_type_error_as_torch():
    for lib in (torch, cr):
        with pytest.raises(TypeError):
            lib.nn.LSTM(3, 4, bias=1)
        with pytest.raises(TypeError):
            lib.nn.LSTM(3, 4, batch_first="yes")
        with pytest.raises(TypeError):
            lib.nn.GRU(3.0, 4)


# ---- cells ------------------------------------------------------------------------------------------
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})]
CELL_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_cell_matches_torch(cell, bias):
    name, extra = cell
    ours, theirs = twin(name, input_size=3, hidden_size=4, bias=bias, **extra)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for batch, with_hx in itertools.product((1, 3), (False, True)):
        hx = random_hx(name, (batch, 4)) if with_hx else None
        out = compare(ours, theirs, rng(batch).normal(size=(batch, 3)), hx)
        assert states(out)[0].shape == (batch, 4)


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_cell_on_unbatched_input_matches_torch(cell):
    name, extra = cell
    ours, theirs = twin(name, input_size=3, hidden_size=4, **extra)
    x = rng(13).normal(size=(3,))
    assert states(compare(ours, theirs, x))[0].shape == (4,)
    assert states(compare(ours, theirs, x, random_hx(name, (4,))))[0].shape == (4,)


def test_a_cell_run_by_hand_is_the_layer():
    """LSTMCell stepped over a sequence gives nn.LSTM's output, with the same weights (names without _l0)."""
    cr.manual_seed(1)
    layer = nn.LSTM(3, 4, dtype=cr.float64)
    cell = nn.LSTMCell(3, 4, dtype=cr.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    x = cr.tensor(rng(14).normal(size=(5, 2, 3)))
    state, outputs = None, []
    for t in range(5):
        state = cell(x[t], state)
        outputs.append(state[0])
    np.testing.assert_allclose(cr.stack(outputs).detach().numpy(), layer(x)[0].detach().numpy(), rtol=1e-12)


def test_cell_bad_inputs_raise_as_torch():
    for lib in (torch, cr):
        cell = lib.nn.GRUCell(3, 4)
        with pytest.raises(ValueError):
            cell(lib.zeros(2, 2, 3))
        with pytest.raises(ValueError):
            cell(lib.zeros(2, 3), lib.zeros(1, 2, 4))
        with pytest.raises((RuntimeError, ValueError)):
            cell(lib.zeros(2, 5))
