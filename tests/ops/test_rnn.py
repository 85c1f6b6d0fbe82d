"""The fused recurrent steps of ops/rnn.py, through PyTorch's functional cells (torch.lstm_cell, torch.gru_cell,
torch.rnn_tanh_cell, torch.rnn_relu_cell) and torch.unbind: values, dtypes, gradients, finite differences, and
second derivatives (each backward is one formula that also runs on Tensors under create_graph)."""
import numpy as np
import pytest
import torch
from torch_parity import check_gradcheck, check_op, check_second_order, check_torch, random_array

import chainrule as cr

B, I, H = 2, 3, 4
GATES = {"rnn_tanh_cell": 1, "rnn_relu_cell": 1, "gru_cell": 3, "lstm_cell": 4}


def ops_of(lib):
    return torch if lib is torch else cr.ops


def cell_inputs(name, dtype=np.float64, bias=True):
    g = GATES[name] * H
    shapes = [(B, I), (B, H), (g, I), (g, H)] + ([(g,), (g,)] if bias else [])
    return [random_array(shape, seed, -1.0, 1.0, dtype) for seed, shape in enumerate(shapes)]


def one_state_cell(name):
    def fn(lib, x, h, *weights):
        return getattr(ops_of(lib), name)(x, h, *weights)
    return fn


def lstm(lib, x, h, c, *weights):
    return ops_of(lib).lstm_cell(x, (h, c), *weights)


def lstm_as_one(lib, x, h, c, *weights):
    h_new, c_new = lstm(lib, x, h, c, *weights)
    return h_new * 1.5 + c_new


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell"])
def test_cells_match_torch_and_finite_differences(name, bias):
    check_op(one_state_cell(name), *cell_inputs(name, bias=bias))


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_matches_torch_and_finite_differences(bias):
    x, h, *weights = cell_inputs("lstm_cell", bias=bias)
    c = random_array((B, H), 9, -1.0, 1.0)
    check_torch(lstm, x, h, c, *weights)  # both outputs, each with its own weights in the loss
    check_gradcheck(lstm_as_one, x, h, c, *weights)


@pytest.mark.parametrize("output", [0, 1])
def test_lstm_cell_with_one_output_unused_matches_torch(output):
    """Only h' (or only c') reaches the loss: the other's gradient arrives as the engine's zeros."""
    x, h, *weights = cell_inputs("lstm_cell")
    c = random_array((B, H), 9, -1.0, 1.0)
    check_torch(lambda lib, *args: lstm(lib, *args)[output], x, h, c, *weights)


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "gru_cell"])  # relu's second derivative is 0 (relu's own tests)
def test_cells_differentiate_twice_as_torch(name):
    check_second_order(one_state_cell(name), *cell_inputs(name))


def test_lstm_cell_differentiates_twice_as_torch():
    x, h, *weights = cell_inputs("lstm_cell")
    check_second_order(lstm_as_one, x, h, random_array((B, H), 9, -1.0, 1.0), *weights)


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "gru_cell", "lstm_cell"])
def test_cells_keep_float32(name):
    arrays = cell_inputs(name, np.float32)
    if name == "lstm_cell":
        x, h, *weights = arrays
        check_torch(lstm, x, h, random_array((B, H), 9, -1.0, 1.0, np.float32), *weights)
    else:
        check_torch(one_state_cell(name), *arrays)


def test_sigmoid_of_large_gates_is_exact_and_silent():
    """Gates far beyond exp's range: sigmoid is exactly 0 or 1 there, with no overflow warning."""
    x, h, w_ih, w_hh, b_ih, b_hh = cell_inputs("gru_cell")
    check_torch(one_state_cell("gru_cell"), x * 1000, h, w_ih, w_hh, b_ih * 1000, b_hh)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_unbind_matches_torch(dim):
    check_op(lambda lib, x: ops_of(lib).unbind(x, dim), random_array((3, 4, 2)))


def test_unbind_with_unused_slices_matches_torch():
    check_torch(lambda lib, x: ops_of(lib).unbind(x, 1)[2] * 3, random_array((2, 4)))
    check_second_order(lambda lib, x: ops_of(lib).unbind(x)[1] ** 2, random_array((3, 2)))


def test_unbind_slices_are_copies():
    """Changing the input after unbind changes neither the slices nor the gradient backward sends."""
    x = cr.tensor(random_array((3, 2)), requires_grad=True)
    first = cr.ops.unbind(x)[0]
    with cr.no_grad():
        x.mul_(2.0)
    np.testing.assert_array_equal(first.detach().numpy(), random_array((3, 2))[0])


@pytest.mark.parametrize("call", [
    lambda: cr.ops.gru_cell(cr.zeros(2, 3), cr.zeros(2, 4), cr.zeros(12, 5), cr.zeros(12, 4)),  # input_size
    lambda: cr.ops.gru_cell(cr.zeros(2, 3), cr.zeros(3, 4), cr.zeros(12, 3), cr.zeros(12, 4)),  # batch
    lambda: cr.ops.gru_cell(cr.zeros(2, 3), cr.zeros(2, 5), cr.zeros(12, 3), cr.zeros(12, 4)),  # hidden size
    lambda: cr.ops.lstm_cell(cr.zeros(3), (cr.zeros(4), cr.zeros(4)), cr.zeros(16, 3), cr.zeros(16, 4)),  # 1-D
    lambda: cr.ops.gru_cell(cr.zeros(2, 3), cr.zeros(2, 4), cr.zeros(12, 3), cr.zeros(12, 4), cr.zeros(11)),
])
def test_cell_shape_errors_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_cell_type_errors():
    with pytest.raises(TypeError):
        cr.ops.lstm_cell(cr.zeros(2, 3), cr.zeros(2, 4), cr.zeros(16, 3), cr.zeros(16, 4))  # hx not a pair
    with pytest.raises(TypeError):
        cr.ops.rnn_tanh_cell(np.zeros((2, 3)), cr.zeros(2, 4), cr.zeros(4, 3), cr.zeros(4, 4))
    with pytest.raises(TypeError):
        cr.ops.rnn_tanh_cell(cr.zeros(2, 3), cr.zeros(2, 4, dtype=cr.float64), cr.zeros(4, 3), cr.zeros(4, 4))
