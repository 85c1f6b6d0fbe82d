"""Every parameter's gradient three ways: numerical differences, the delta rule, and autodiff.

    print(cr.manual.compare(model, x, target, loss="mse"))

- numerical: central differences of the loss on the manual network (2 loss evaluations per number);
- delta: the manual Network built from the model, one forward and one backward pass by hand;
- autodiff: chainrule itself, model(x), the loss, .backward().
All three run in float64 whatever the model's dtype; the model is left exactly as it was (.grad too).
This is the only module of chainrule.manual that uses chainrule's Tensor and autograd.
"""
import time
from collections import namedtuple

import numpy as np

from ..nn import functional as F
from ..creation import tensor
from ..tensor import Tensor
from .network import Network
from .numerical import numerical_gradients

WAYS = ("numerical", "delta", "autodiff")
PAIRS = ("numerical_vs_delta", "numerical_vs_autodiff", "delta_vs_autodiff")

Row = namedtuple("Row", ["name", "shape", "numel"]
                 + [f"{pair}_{kind}" for pair in PAIRS for kind in ("abs", "rel")] + ["loss_evaluations"])
Row.__doc__ = """One parameter: the largest absolute and relative difference between each pair of ways,
and what numerical differences cost for it (2 * numel loss evaluations; backprop needs one pass for all)."""


def compare(model, x, target, loss="mse", activations=None, eps=1e-6):
    """Gradients of model's parameters by all three ways, as a printable Comparison.

    model: a cr.nn.Sequential of Linear layers and activations (activations={Module: 'square'}
    maps custom ones). loss: 'mse' | 'half_mse' | 'cross_entropy'. x: (N, in) or one example (in,).
    """
    if loss not in _AUTODIFF_LOSSES:
        raise ValueError(f"compare: loss must be one of {sorted(_AUTODIFF_LOSSES)}, got {loss!r}")
    x, target = _batched(_numpy(x), _numpy(target))
    x = x.astype(np.float64)
    net = Network.from_sequential(model, activations=activations, loss=loss, dtype=np.float64)
    grads, seconds, losses = _delta_and_numerical(net, x, target, eps)
    losses["autodiff"], grads["autodiff"], seconds["autodiff"] = _autodiff(model, x, target, loss)
    return Comparison(_by_parameter(grads), losses, seconds, loss)


class Comparison:
    """compare()'s result: .rows (one Row per parameter), .gradients[name][way], .losses, .seconds.

    str() gives an aligned table; max_discrepancy() the largest difference found.
    Relative differences are max|g1 - g2| / max(|g1|, |g2|) over the parameter's entries: relative
    to the parameter's largest gradient, so entries that are (nearly) zero cannot blow it up.
    """

    def __init__(self, gradients, losses, seconds, loss):
        self.gradients, self.losses, self.seconds, self.loss = gradients, losses, seconds, loss
        self.rows = [_row(name, ways) for name, ways in gradients.items()]
        self.loss_evaluations = sum(row.loss_evaluations for row in self.rows)

    def max_discrepancy(self, pair=None, kind="rel"):
        """Largest 'rel' or 'abs' difference over all parameters, for one pair (e.g. 'delta_vs_autodiff') or all."""
        if kind not in ("abs", "rel") or pair not in (None,) + PAIRS:
            raise ValueError(f"max_discrepancy: pair must be None or one of {PAIRS}, kind 'abs' or 'rel'; "
                             f"got pair={pair!r}, kind={kind!r}")
        fields = [f"{p}_{kind}" for p in ([pair] if pair else PAIRS)]
        return max((getattr(row, field) for row in self.rows for field in fields), default=0.0)

    def __str__(self):
        header = ["parameter", "shape", "num-delta abs", "rel", "num-autodiff abs", "rel",
                  "delta-autodiff abs", "rel", "loss evals"]
        lines = [[row.name, "x".join(map(str, row.shape))] + [f"{v:.2e}" for v in row[3:9]]
                 + [str(row.loss_evaluations)] for row in self.rows]
        widths = [max(len(cells[i]) for cells in [header] + lines) for i in range(len(header))]
        table = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths)))
                 for cells in [header] + lines]
        return "\n".join(table + [
            f"loss ({self.loss}): delta rule {self.losses['delta']:.10g}, autodiff {self.losses['autodiff']:.10g}",
            f"cost: numerical {self.loss_evaluations} loss evaluations ({self.seconds['numerical']:.3g} s); "
            f"delta rule and autodiff 1 forward + 1 backward pass each "
            f"({self.seconds['delta'] * 1e3:.3g} ms, {self.seconds['autodiff'] * 1e3:.3g} ms)",
        ])

    def __repr__(self):
        return f"<Comparison of {len(self.rows)} parameters, max relative difference {self.max_discrepancy():.2e}>"


def _delta_and_numerical(net, x, target, eps):
    """(grads, seconds, losses) of the first two ways, each timed, on a manual network (Network, ManualRNN):
    one forward and one backward pass by hand ('delta'), then numerical differences."""
    grads, seconds, losses = {}, {}, {}
    start = time.perf_counter()
    net.forward(x)
    losses["delta"] = net.backward(target)
    seconds["delta"] = time.perf_counter() - start
    grads["delta"] = dict(net.named_gradients())

    start = time.perf_counter()
    grads["numerical"] = dict(numerical_gradients(net, x, target, eps))
    seconds["numerical"] = time.perf_counter() - start
    return grads, seconds, losses


def _by_parameter(grads):
    names = list(grads["autodiff"])
    if sorted(names) != sorted(grads["delta"]):
        raise ValueError(f"compare: the model's parameters {names} are not the Linear layers' "
                         f"{list(grads['delta'])}; compare handles Linear layers and activations only")
    return {name: {way: grads[way][name] for way in WAYS} for name in names}


def _row(name, ways):
    diffs = []
    for pair in PAIRS:
        first, second = (ways[way] for way in pair.split("_vs_"))
        diffs += [_max_abs(first - second), _relative(first, second)]
    numel = ways["delta"].size
    return Row(name, ways["delta"].shape, numel, *diffs, 2 * numel)


def _max_abs(array):
    return float(np.abs(array).max()) if array.size else 0.0


def _relative(first, second):
    scale = max(_max_abs(first), _max_abs(second))
    return _max_abs(first - second) / scale if scale > 0 else 0.0


# ---- the third way: chainrule's autograd, on the model itself, in float64 ------------------
def _as_target(target, loss):
    return tensor(target) if loss == "cross_entropy" else tensor(target, dtype=np.float64)


_AUTODIFF_LOSSES = {"mse": F.mse_loss, "half_mse": lambda out, t: 0.5 * F.mse_loss(out, t),
                    "cross_entropy": F.cross_entropy}


def _autodiff(model, x, target, loss):
    """(loss, {name: gradient}, seconds) with the model's parameters temporarily in float64."""
    params = list(model.named_parameters())
    saved = [(p, p.data, p.grad) for _, p in params]
    try:
        for _, p in params:
            p.data, p.grad = p.data.double(), None
        start = time.perf_counter()
        value = _AUTODIFF_LOSSES[loss](model(tensor(x, dtype=np.float64)), _as_target(target, loss))
        value.backward()
        seconds = time.perf_counter() - start
        grads = {name: _grad_array(p) for name, p in params}
        return value.item(), grads, seconds
    finally:
        for p, data, grad in saved:
            p.data, p.grad = data, grad


def _grad_array(param):
    if param.grad is None:
        return np.zeros(param.shape, dtype=np.float64)
    return np.array(param.grad.detach().numpy(), dtype=np.float64)


def _numpy(value):
    return value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)


def _batched(x, target):
    if x.ndim == 1:
        return x[None, :], target[None, ...]
    return x, target
