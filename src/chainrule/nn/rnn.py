"""Recurrent layers, as in PyTorch: RNN, LSTM, GRU and their one-step cells RNNCell, LSTMCell, GRUCell.

A layer runs each direction of each layer over the sequence:
- the input's share of every gate, for all time steps at once: one `linear(x, weight_ih, bias_ih)`;
- `time_steps` (unbind, one node) cuts it into steps; each step adds h's share, `linear(h, weight_hh,
  bias_hh)`, and applies the gates (for LSTM and GRU one fused op, ops/rnn.py: forward and backward in one place);
- the steps' h are stacked into the output; between layers, dropout (training mode, all but the last layer).
Parameters have PyTorch's names, shapes, order (so state dicts load both ways) and initial distribution.
"""
import math
import numbers
import warnings

import numpy as np

from .. import dtypes
from ..args import check_layer_device as _check_device
from .module import place as _place
from ..args import count_arg
from ..creation import zeros
from ..ops.linear import linear
from ..ops.rnn import (
    gru_cell, gru_step, lstm_cell, lstm_step, rnn_relu_cell, rnn_step, rnn_tanh_cell, time_steps, unbind,
)
from ..ops.shape import cat, squeeze, stack, unsqueeze
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNShapeError(RuntimeError, ValueError):
    """An input or hidden state of the wrong shape: PyTorch raises RuntimeError, chainrule's rule is
    ValueError; this is both."""


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters, the checks, and the loop over layers and directions."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        _check_options(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bool(bidirectional), proj_size
        self._all_weights = []  # per layer and direction, the names of its parameters, in PyTorch's order
        for layer in range(num_layers):
            for direction in range(self._directions):
                self._all_weights.append(self._make_layer(layer, direction, dtype))
        self._flat_weights_names = [name for names in self._all_weights for name in names]
        self.reset_parameters()
        _place(self, device)

    def _make_layer(self, layer, direction, dtype):
        gate_size = _GATES[self.mode] * self.hidden_size
        layer_input = self.input_size if layer == 0 else self._output_size * self._directions
        shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, self._output_size)}
        if self.bias:
            shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
        if self.proj_size:
            shapes["weight_hr"] = (self.proj_size, self.hidden_size)
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        for name, shape in shapes.items():
            setattr(self, name + suffix, Parameter(np.empty(shape, dtype=dtype)))
        return [name + suffix for name in shapes]

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    @property
    def _output_size(self):
        """The size of h: proj_size for an LSTM with projections, hidden_size otherwise."""
        return self.proj_size or self.hidden_size

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self):
        """A no-op, as PyTorch's on the CPU (it packs the weights for cuDNN)."""

    # ---- forward ------------------------------------------------------------------------
    def forward(self, input, hx=None):
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        batched = input.ndim == 3
        if not batched:
            input = unsqueeze(input, 0 if self.batch_first else 1)
        states = self._initial_states(input, hx, batched)
        x = input.transpose(0, 1) if self.batch_first else input  # (time, batch, features) from here on
        output, finals = self._run_layers(x, states)
        if self.batch_first:
            output = output.transpose(0, 1)
        finals = tuple(stack(per_kind) for per_kind in zip(*finals))  # h_n (and c_n): (layers * directions, B, H)
        if not batched:
            output = squeeze(output, 0 if self.batch_first else 1)
            finals = tuple(squeeze(f, 1) for f in finals)
        return output, (finals if self.mode == "LSTM" else finals[0])

    def _run_layers(self, x, states):
        """Every layer and direction over x (T, B, features); returns the last layer's output and the final
        state (h,) or (h, c) of each layer and direction, in PyTorch's order."""
        finals, weights = [], self.all_weights
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                x = F.dropout(x, self.dropout, training=True)
            outputs = []
            for direction in range(self._directions):
                k = layer * self._directions + direction
                out, final = self._run_direction(x, [s[k] for s in states], weights[k], direction == 1)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, 2)
        return x, finals

    def _run_direction(self, x, state, weights, reverse):
        """One direction of one layer: the input's gates for all steps at once, then the recurrence step by step."""
        w_ih, w_hh, b_ih, b_hh, w_hr = _named_weights(weights, self.bias)
        steps = time_steps(linear(x, w_ih, b_ih))
        outputs = [None] * len(steps)
        for t in (reversed(range(len(steps))) if reverse else range(len(steps))):
            state = self._step(steps[t], state, w_hh, b_hh, w_hr)
            outputs[t] = state[0]
        return stack(outputs), tuple(state)

    def _initial_states(self, input, hx, batched):
        """hx checked and cut into one state per layer and direction: a list per kind (h, and c for an LSTM)."""
        kinds = 2 if self.mode == "LSTM" else 1
        batch = input.shape[0 if self.batch_first else 1]
        self._check_input(input)
        sizes = [self._output_size, self.hidden_size][:kinds]
        shapes = [(self.num_layers * self._directions, batch, size) for size in sizes]
        if hx is None:
            return [[zeros(shape[1:], dtype=input.dtype, device=input.device) for _ in range(shape[0])] for shape in shapes]
        hx = self._hx_kinds(hx, kinds)
        for k, (h, shape) in enumerate(zip(hx, shapes)):
            if h.ndim != (3 if batched else 2):
                raise RNNShapeError(
                    f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, hx should also be "
                    f"{3 if batched else 2}-D but got {h.ndim}-D tensor"
                )
            h = h if batched else unsqueeze(h, 1)
            if tuple(h.shape) != shape:
                which = f"hidden[{k}] " if kinds == 2 else "hidden "
                raise RNNShapeError(f"Expected {which}size {shape}, got {list(h.shape)}")
            if h.dtype != input.dtype:
                raise TypeError(f"{type(self).__name__}: hx has dtype {h.dtype}, but input has {input.dtype}")
        return [list(unbind(h if batched else unsqueeze(h, 1))) for h in hx]

    def _hx_kinds(self, hx, kinds):
        if kinds == 2:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2 or not all(isinstance(h, Tensor) for h in hx):
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0) of two Tensors")
            return tuple(hx)
        if not isinstance(hx, Tensor):
            raise TypeError(f"{type(self).__name__}: hx must be a Tensor, got {type(hx).__name__}")
        return (hx,)

    def _check_input(self, input):
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: model.to({input.dtype})"
            )
        if input.shape[-1] != self.input_size:
            raise RNNShapeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in (("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity='relu' for relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)

    def _step(self, gates_x, state, w_hh, b_hh, w_hr):
        return (rnn_step(gates_x, state[0], w_hh, b_hh, self.nonlinearity),)


class LSTM(RNNBase):
    """LSTM: gates i, f, g, o; c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t) (then h_t W_hr^T with proj_size).
    forward returns (output, (h_n, c_n))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def _step(self, gates_x, state, w_hh, b_hh, w_hr):
        h, c = lstm_step(gates_x, state[0], state[1], w_hh, b_hh)
        return (h if w_hr is None else linear(h, w_hr)), c


class GRU(RNNBase):
    """GRU: gates r, z, n; n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), h_t = (1 - z) * n + z * h_{t-1}."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def _step(self, gates_x, state, w_hh, b_hh, w_hr):
        return (gru_step(gates_x, state[0], w_hh, b_hh),)


def _named_weights(weights, bias):
    """(w_ih, w_hh, b_ih, b_hh, w_hr) from one layer-direction's parameters, None for those it lacks."""
    w_ih, w_hh, *rest = weights
    b_ih, b_hh = (rest[0], rest[1]) if bias else (None, None)
    w_hr = rest[-1] if len(rest) in (1, 3) else None
    return w_ih, w_hh, b_ih, b_hh, w_hr


def _check_options(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size):
    """PyTorch's checks of a recurrent layer's options, with its messages."""
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                         "being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                      f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                      stacklevel=4)
    for name, value in (("bias", bias), ("batch_first", batch_first)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
        count_arg(value, mode, name)
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if not isinstance(proj_size, int) or isinstance(proj_size, bool) or proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size and mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


# ---- cells: one time step ------------------------------------------------------------------------
class RNNCellBase(Module):
    """What the cells share: weight_ih (gates * hidden, input), weight_hh (gates * hidden, hidden), the biases."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        name = type(self).__name__
        self.input_size = count_arg(input_size, name, "input_size")
        self.hidden_size = count_arg(hidden_size, name, "hidden_size")
        self.bias = bias
        self.weight_ih = Parameter(np.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(np.empty((num_chunks * hidden_size,), dtype=dtype))
            self.bias_hh = Parameter(np.empty((num_chunks * hidden_size,), dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        _place(self, device)

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _batched(self, input, hx, kinds):
        """input and hx as 2-D (batch, features), zeros for a missing hx; and whether the input was batched."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        states = (None,) * kinds if hx is None else (tuple(hx) if kinds == 2 else (hx,))
        for k, h in enumerate(states):
            if h is not None and h.ndim not in (1, 2):
                which = f"hx[{k}]" if kinds == 2 else "hidden"
                raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {h.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = unsqueeze(input, 0)
        if hx is None:
            state = zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)
            return input, (state,) * kinds, batched
        return input, tuple(h if batched else unsqueeze(h, 0) for h in states), batched

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu), one step; hx defaults to zeros."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), batched = self._batched(input, hx, 1)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        out = cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else squeeze(out, 0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c'); hx = (h, c) defaults to zeros."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, states, batched = self._batched(input, hx, 2)
        h, c = lstm_cell(input, states, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (squeeze(h, 0), squeeze(c, 0))


class GRUCell(RNNCellBase):
    """One GRU step: returns h'; hx defaults to zeros."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, (h,), batched = self._batched(input, hx, 1)
        out = gru_cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else squeeze(out, 0)
