"""Recurrent steps: the gates of an LSTM or GRU step as one fused op each, and the functional cells.

A recurrent layer does its input's share of the gates for the whole sequence at once, with one matmul
(`linear(x, weight_ih, bias_ih)` on all T steps), and cuts the result into steps with `time_steps` (an unbind:
one node, not T). Per step it then adds h's share, `linear(h, weight_hh, bias_hh)`, and applies the gates.
Written with elementwise ops the LSTM's gates would be a dozen nodes and saved arrays per step; `LSTMGates` and
`GRUGates` are one node each, one forward on arrays and one backward formula. Gate order and formulas are PyTorch's:

    RNN   h' = tanh(gx + h W_hh^T + b_hh)            (or relu; composed of existing ops)
    LSTM  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of (gx + h W_hh^T + b_hh), in that order
          c' = f * c + i * g,   h' = o * tanh(c')
    GRU   r, z = sigmoid of (gx + h W_hh^T + b_hh)[r, z parts]
          n = tanh(gx_n + r * (h W_hn^T + b_hn)),   h' = (1 - z) * n + z * h

Each backward recomputes the activations from the saved pre-activations rather than saving them: on arrays that
is a few cheap elementwise passes, and under create_graph (Tensors) the recomputed values depend on the inputs,
so the gradient can be differentiated again. The public functions are PyTorch's `rnn_tanh_cell`,
`rnn_relu_cell`, `lstm_cell`, `gru_cell` and `unbind`. On other libraries' arrays the forwards compute the
same formulas with the standard's functions (the overflow-free sigmoid of autograd/standard.py).
"""
import numpy as np

from ..autograd.function import Op, namespace
from ..tensor import Tensor
from .elementwise import relu, tanh
from .linear import check_layer_dtypes, linear
from .shape import Cat, normalize_dim, permute


class Unbind(Op):
    """The slices x[0], x[1], ... along dim 0, as separate outputs of one node (t[i] for each i would make
    T nodes whose backward each fills a zero tensor of x's full shape: T^2 work)."""

    def forward(ctx, x, copy):
        if type(x) is not np.ndarray:
            xp = namespace(x)
            return tuple(xp.clone(s) if copy else s for s in xp.unstack(x, axis=0))
        return tuple(x.copy() if copy else x)  # copies, unless x is an intermediate nobody else holds

    def backward(ctx, *grads):  # the engine hands zeros for a slice nobody used
        xp = namespace(grads[0])
        return Cat.apply(0, *[xp.reshape(g, (1,) + tuple(g.shape)) for g in grads]), None


class LSTMGates(Op):
    """(h', c') from the two shares of the gate pre-activations, gates_x (the input's) and gates_h (h's,
    h @ W_hh.T + b_hh), each (B, 4H), and c (B, H)."""

    def forward(ctx, gates_x, gates_h, c):
        hidden = c.shape[-1]
        gates = gates_x + gates_h
        if type(gates) is not np.ndarray:
            return _lstm_standard(ctx, gates_x, gates_h, c, gates)
        g = np.tanh(gates[:, 2 * hidden:3 * hidden])
        act = _sigmoid_(gates)  # i, f, o (and g, replaced by its tanh)
        act[:, 2 * hidden:3 * hidden] = g
        i, f, g, o = _split4(act, hidden)
        c_new = f * c + i * g
        ctx.save_for_backward(gates_x, gates_h, c, c_new)
        return o * np.tanh(c_new), c_new

    def backward(ctx, gh_new, gc_new):  # zeros for an output nobody used (the last c' without c_n)
        gates_x, gates_h, c, c_new = ctx.saved_tensors
        xp = namespace(gh_new)
        hidden = c.shape[-1]
        # The activations again, from what was saved: a recorded backward (create_graph) then depends on the inputs
        i, f, _, o = _split4(_sigmoid(xp, gates_x + gates_h), hidden)
        g = xp.tanh(gates_x[:, 2 * hidden:3 * hidden] + gates_h[:, 2 * hidden:3 * hidden])
        tanh_c = xp.tanh(c_new)
        gc = gc_new + gh_new * o * (1 - tanh_c * tanh_c)  # c' reaches the loss directly and through h'
        ggates = Cat.apply(
            1, gc * g * i * (1 - i), gc * c * f * (1 - f), gc * i * (1 - g * g), gh_new * tanh_c * o * (1 - o)
        )
        need_x, need_h, need_c = ctx.needs_input_grad
        return (ggates if need_x else None), (ggates if need_h else None), (gc * f if need_c else None)


class GRUGates(Op):
    """h' from the two shares of the gate pre-activations, gates_x (the input's) and gates_h (h's,
    h @ W_hh.T + b_hh), each (B, 3H), and h (B, H). h's share of the n gate is scaled by r."""

    def forward(ctx, gates_x, gates_h, h):
        hidden = h.shape[-1]
        if type(h) is not np.ndarray:
            return _gru_standard(ctx, gates_x, gates_h, h)
        rz = _sigmoid_(gates_x[:, :2 * hidden] + gates_h[:, :2 * hidden])
        r, z = rz[:, :hidden], rz[:, hidden:]
        n = np.tanh(gates_x[:, 2 * hidden:] + r * gates_h[:, 2 * hidden:])
        ctx.save_for_backward(gates_x, gates_h, h)
        return n + z * (h - n)

    def backward(ctx, gh_new):
        gates_x, gates_h, h = ctx.saved_tensors
        xp = namespace(gh_new)
        hidden = h.shape[-1]
        # The gates again, from what was saved: a recorded backward (create_graph) then depends on the inputs
        rz = _sigmoid(xp, gates_x[:, :2 * hidden] + gates_h[:, :2 * hidden])
        r, z = rz[:, :hidden], rz[:, hidden:]
        gates_h_n = gates_h[:, 2 * hidden:]
        n = xp.tanh(gates_x[:, 2 * hidden:] + r * gates_h_n)
        gn = gh_new * (1 - z) * (1 - n * n)  # through n's tanh
        gr = gn * gates_h_n * r * (1 - r)
        gz = gh_new * (h - n) * z * (1 - z)
        need_x, need_h, need_hidden = ctx.needs_input_grad
        return (
            Cat.apply(1, gr, gz, gn) if need_x else None,
            Cat.apply(1, gr, gz, gn * r) if need_h else None,
            gh_new * z if need_hidden else None,
        )


for _op in (Unbind, LSTMGates, GRUGates):
    _op.array_api = True


def _lstm_standard(ctx, gates_x, gates_h, c, gates):
    """LSTMGates.forward with the standard's functions."""
    xp = namespace(gates)
    i, f, g, o = _split4(gates, c.shape[-1])
    i, f, g, o = xp.sigmoid(i), xp.sigmoid(f), xp.tanh(g), xp.sigmoid(o)
    c_new = f * c + i * g
    ctx.save_for_backward(gates_x, gates_h, c, c_new)
    return o * xp.tanh(c_new), c_new


def _gru_standard(ctx, gates_x, gates_h, h):
    """GRUGates.forward with the standard's functions."""
    xp, hidden = namespace(h), h.shape[-1]
    rz = xp.sigmoid(gates_x[:, :2 * hidden] + gates_h[:, :2 * hidden])
    r, z = rz[:, :hidden], rz[:, hidden:]
    n = xp.tanh(gates_x[:, 2 * hidden:] + r * gates_h[:, 2 * hidden:])
    ctx.save_for_backward(gates_x, gates_h, h)
    return n + z * (h - n)


def _sigmoid_(x):
    """1 / (1 + exp(-x)) computed in x's own memory (x is an array the step just made): three passes where
    the overflow-free sigmoid of autograd/arrays.py takes eight. exp(-x) overflows to inf for x below about
    -88 (float32) or -709 (float64), and 1 / inf = 0 is then the exact answer."""
    np.negative(x, out=x)
    with np.errstate(over="ignore"):
        np.exp(x, out=x)
    x += 1
    return np.reciprocal(x, out=x)


def _sigmoid(xp, x):
    """sigmoid(x) as (1 + tanh(x / 2)) / 2, for the backward formulas: one tanh (fast in NumPy, and recorded under
    create_graph) where the overflow-free sigmoid takes eight passes; it differs from the exact value by at most
    one unit in the last place of 1 (absolute), so a gate near 0 may come out as 0."""
    return 0.5 + 0.5 * xp.tanh(0.5 * x)


def _split4(gates, hidden):
    return gates[:, :hidden], gates[:, hidden:2 * hidden], gates[:, 2 * hidden:3 * hidden], gates[:, 3 * hidden:]


# ---- the functions users call -------------------------------------------------------------------
def unbind(input, dim=0):
    """The slices of `input` along `dim`, as a tuple of tensors without that dim (one graph node). They are
    copies, where PyTorch's are views of input."""
    _check_tensors("unbind", input=input)
    axis = normalize_dim(dim, input.ndim, "unbind")
    if axis:
        input = permute(input, (axis,) + tuple(d for d in range(input.ndim) if d != axis))
    return Unbind.apply(input, True)  # copies, not views (PyTorch's are views): changing input leaves them be


def time_steps(gates_x):
    """unbind(gates_x, 0) as views, for a layer's own intermediate that nobody else holds or changes."""
    return Unbind.apply(gates_x, False)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of an Elman RNN: tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh), on (batch, features) tensors."""
    _check_cell("rnn_tanh_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh, 1)
    return rnn_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh, "tanh")


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of an Elman RNN with relu: relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)."""
    _check_cell("rnn_relu_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh, 1)
    return rnn_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh, "relu")


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: hx = (h, c) of shape (batch, hidden); returns (h', c'). Gates i, f, g, o in that order."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError("lstm_cell: hx must be a tuple (h, c) of two tensors")
    _check_cell("lstm_cell", input, tuple(hx), w_ih, w_hh, b_ih, b_hh, 4)
    return lstm_step(linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: gates r, z, n in that order, n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))."""
    _check_cell("gru_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh, 3)
    return gru_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


# One step of a recurrent layer, given the input's share of the gates (the layer computes it for the whole
# sequence at once, and checks its arguments once, not once per step).
def rnn_step(gates_x, h, w_hh, b_hh, nonlinearity):
    pre = gates_x + linear(h, w_hh, b_hh)  # composed: tanh and relu are one op each already
    return tanh(pre) if nonlinearity == "tanh" else relu(pre)


def lstm_step(gates_x, h, c, w_hh, b_hh):
    return LSTMGates.apply(gates_x, linear(h, w_hh, b_hh), c)


def gru_step(gates_x, h, w_hh, b_hh):
    return GRUGates.apply(gates_x, linear(h, w_hh, b_hh), h)


def _check_tensors(op, **tensors):
    for name, t in tensors.items():
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")


def _check_cell(op, input, states, w_ih, w_hh, b_ih, b_hh, gates):
    """PyTorch's checks of a cell's arguments: 2-D input and states that agree with the weights."""
    _check_tensors(op, input=input, w_ih=w_ih, w_hh=w_hh, b_ih=b_ih, b_hh=b_hh,
                   **{f"hx[{k}]": h for k, h in enumerate(states)})
    if input.ndim != 2 or any(h.ndim != 2 for h in states):
        raise ValueError(f"{op}: input and hidden state must be 2-D (batch, features), got shapes "
                         f"{tuple(input.shape)} and {[tuple(h.shape) for h in states]}")
    hidden = w_hh.shape[0] // gates
    if w_ih.ndim != 2 or w_hh.ndim != 2 or w_ih.shape[0] != gates * hidden or w_hh.shape[0] != gates * hidden:
        raise ValueError(f"{op}: w_ih {tuple(w_ih.shape)} and w_hh {tuple(w_hh.shape)} must both have "
                         f"{gates} * hidden_size rows")
    if input.shape[1] != w_ih.shape[1]:
        raise ValueError(f"{op}: input has inconsistent input_size: got {input.shape[1]} expected {w_ih.shape[1]}")
    for k, h in enumerate(states):
        expected = w_hh.shape[1] if k == 0 else hidden
        if h.shape[0] != input.shape[0]:
            raise ValueError(f"{op}: input batch size {input.shape[0]} doesn't match hidden{k} batch size {h.shape[0]}")
        if h.shape[1] != expected:
            raise ValueError(f"{op}: hidden{k} has inconsistent hidden_size: got {h.shape[1]}, expected {expected}")
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and tuple(b.shape) != (gates * hidden,):
            raise ValueError(f"{op}: {name} of shape {tuple(b.shape)} must have shape ({gates * hidden},)")
    check_layer_dtypes(op, input, w_hh, b_hh)
    for h in states:
        check_layer_dtypes(op, h, w_ih, b_ih)
