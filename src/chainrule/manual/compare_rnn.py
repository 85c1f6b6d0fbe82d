"""An RNN's gradients three ways: numerical differences, BPTT by hand, and chainrule's autograd.

    rnn = cr.manual.ManualRNN(3, 5, 2, seed=0)
    print(cr.manual.compare_rnn(rnn, xs, targets))
The table is compare()'s (its 'delta' column is the hand-written BPTT). The autograd way unrolls the
same weights with chainrule tensors, h = tanh(x_t @ W_xh.T + h @ W_hh.T + b_h), and calls .backward().
Like compare.py, this module uses chainrule's engine; rnn.py itself is NumPy only.
"""
import time

import numpy as np

from ..creation import tensor
from ..nn import functional as F
from ..ops import cat
from .compare import Comparison, _delta_and_numerical
from .rnn import PARAMETERS

_AUTODIFF_LOSSES = {"mse": F.mse_loss, "half_mse": lambda out, t: 0.5 * F.mse_loss(out, t),
                    "cross_entropy": F.cross_entropy}


def compare_rnn(rnn, xs, targets, eps=1e-6):
    """Every weight's gradient by numerical differences, hand BPTT and autograd, as a printable Comparison."""
    if rnn.loss_name not in _AUTODIFF_LOSSES:
        raise ValueError(f"compare_rnn: loss must be one of {sorted(_AUTODIFF_LOSSES)}, got {rnn.loss_name!r}")
    grads, seconds, losses = _delta_and_numerical(rnn, xs, targets, eps)
    start = time.perf_counter()
    losses["autodiff"], grads["autodiff"] = autograd_gradients(rnn, xs, targets)
    seconds["autodiff"] = time.perf_counter() - start
    by_parameter = {name: {way: grads[way][name] for way in grads} for name in PARAMETERS}
    return Comparison(by_parameter, losses, seconds, rnn.loss_name)


def autograd_gradients(rnn, xs, targets):
    """(loss, {name: gradient}) from chainrule's autograd on the unrolled RNN, in float64."""
    p = {name: tensor(value, requires_grad=True) for name, value in rnn.named_parameters()}
    xs = np.asarray(xs, dtype=np.float64)
    xs = xs[:, None, :] if xs.ndim == 2 else xs
    h = tensor(np.zeros((xs.shape[1], rnn.params["W_hh"].shape[0])))
    outputs = []
    for x in xs:
        h = (tensor(x) @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"]).tanh()
        if rnn.outputs == "every":
            outputs.append(h @ p["W_hy"].T + p["b_y"])
    if rnn.outputs == "last":
        outputs.append(h @ p["W_hy"].T + p["b_y"])
    flat_outputs, flat_targets = _flat(outputs, targets, rnn.loss_name)
    loss = _AUTODIFF_LOSSES[rnn.loss_name](flat_outputs, flat_targets)
    loss.backward()
    return loss.item(), {name: np.array(value.grad.numpy()) for name, value in p.items()}


def _flat(outputs, targets, loss):
    """The outputs stacked step by step, (T*N, out) as rnn.py's loss sees them, and the targets to match."""
    targets = np.asarray(targets)
    output = outputs[0] if len(outputs) == 1 else cat(outputs, 0)
    if loss == "cross_entropy" and targets.dtype.kind in "iub":
        return output, tensor(targets.reshape(-1))
    return output, tensor(targets.reshape(output.shape), dtype=np.float64)
