"""GradientFlow: per-layer gradient norms, weight norms and update sizes over training, with warnings.

    flow = cr.viz.GradientFlow(model)
    for x, y in batches:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
        flow.step()          # after optimizer.step(), before the next zero_grad()
    print(flow.table())
    flow.plot("gradient_flow.png")

A layer is a module that holds parameters directly (a Linear: its weight and bias). At each flow.step(), for each
layer, from its parameters' .grad and values:
    grad    ||g||: the 2-norm of all its parameters' gradients together (what the optimizer just used)
    weight  ||p||: the 2-norm of its parameters now (after the update)
    update  ||p_now - p_before|| / ||p_before||, p_before being the parameters at the previous flow.step()
            (at construction for the first): the size of this step's update relative to the weights
Nothing is hooked into the model or the graph: the recorder only reads .grad and copies the parameters, so
training runs exactly as without it. Norms are computed in float64.

Warnings (a GradientWarning, at most once per layer and kind; every event is kept in flow.events):
    vanishing  grad < vanish (1e-7), or grad < vanish_ratio (1e-5) times the largest layer's grad that step
    exploding  grad > explode (1e3), or not finite (inf, nan)
"""
import math
import warnings
from typing import NamedTuple

import numpy as np


class GradientWarning(UserWarning):
    """A layer's gradient vanished or exploded (see GradientFlow)."""


class Norms(NamedTuple):
    """One layer at one step: gradient norm, weight norm, update norm / weight norm (nan: no gradient)."""
    grad: float
    weight: float
    update: float


class Event(NamedTuple):
    step: int
    layer: str
    kind: str  # 'vanishing' or 'exploding'
    grad: float


class GradientFlow:
    """GradientFlow(model, vanish=1e-7, explode=1e3, vanish_ratio=1e-5): records Norms per layer per step.

    flow.history: [{layer name: Norms(grad, weight, update)} for each step]; flow.layers: {name: module type}.
    Parameters that don't require grad are left out; a layer none of whose parameters got a gradient
    that step records grad = nan and raises no warning.
    """

    def __init__(self, model, vanish=1e-7, explode=1e3, vanish_ratio=1e-5):
        self.vanish, self.explode, self.vanish_ratio = vanish, explode, vanish_ratio
        modules = dict(model.named_modules())
        self._params = {}  # layer name -> [(parameter name, parameter)]
        for name, param in model.named_parameters():
            if param.requires_grad:
                layer = name.rpartition(".")[0]
                self._params.setdefault(layer, []).append((name, param))
        self.layers = {layer: type(modules[layer]).__name__ for layer in self._params}
        self._before = self._snapshot()
        self.history, self.events, self._warned, self._reached = [], [], set(), []

    def _snapshot(self):
        return {layer: [_array(p).copy() for _, p in params] for layer, params in self._params.items()}

    def step(self):
        """Record this step's norms (call after optimizer.step(), before the next zero_grad()); returns them."""
        now = self._snapshot()
        record = {layer: self._norms(params, self._before[layer], now[layer]) for layer, params in self._params.items()}
        self._before = now
        self.history.append(record)
        reached = [layer for layer, params in self._params.items() if any(p.grad is not None for _, p in params)]
        self._reached.append(set(reached))
        self._check(len(self.history), record, reached)
        return record

    def _norms(self, params, before, now):
        grads = [p.grad for _, p in params if p.grad is not None]
        grad = _norm([_array(g) for g in grads]) if grads else math.nan
        weight, previous = _norm(now), _norm(before)
        change = _norm([a.astype(np.float64) - b.astype(np.float64) for a, b in zip(now, before)])
        update = change / previous if previous else (math.inf if change else 0.0)
        return Norms(grad, weight, update)

    def _check(self, step, record, reached):
        largest = _largest(record)
        for layer in reached:
            norms = record[layer]
            kind = self._kind(norms.grad, largest)
            if kind is None:
                continue
            self.events.append(Event(step, layer, kind, norms.grad))
            if (layer, kind) not in self._warned:
                self._warned.add((layer, kind))
                warnings.warn(self._message(step, layer, kind, norms.grad), GradientWarning, stacklevel=3)

    def _kind(self, grad, largest):
        if not math.isfinite(grad) or grad > self.explode:
            return "exploding"
        if grad < self.vanish or grad < self.vanish_ratio * largest:
            return "vanishing"
        return None

    def _message(self, step, layer, kind, grad):
        what = f"layer '{layer}' ({self.layers[layer]})" if layer else f"the model's own parameters ({self.layers[layer]})"
        if kind == "exploding":
            rule = "not finite" if not math.isfinite(grad) else f"> {self.explode:g}"
        else:
            rule = f"< {self.vanish:g} or < {self.vanish_ratio:g} x the largest layer's"
        return f"GradientFlow: {what}: {kind} gradient at step {step}, norm {grad:.3g} ({rule})"

    # ---- looking at it ----------------------------------------------------------------------------------
    def table(self, step=-1):
        """The text table of one step (default: the last): each layer's norms and any warning sign."""
        if not self.history:
            return "GradientFlow: no step recorded yet (call flow.step() after optimizer.step())"
        index = range(len(self.history))[step]
        record = self.history[index]
        largest = _largest(record)
        width = max(len("layer"), *(len(self.label(layer)) for layer in self.layers))
        lines = [f"step {index + 1}", f"{'layer':<{width}}  {'grad norm':>10}  {'weight norm':>11}  "
                 f"{'update/weight':>13}"]
        for layer, norms in record.items():
            flag = self._kind(norms.grad, largest) if layer in self._reached[index] else "no gradient"
            lines.append(f"{self.label(layer):<{width}}  {norms.grad:>10.3e}  "
                         f"{norms.weight:>11.3e}  {norms.update:>13.3e}" + (f"  {flag}" if flag else ""))
        return "\n".join(lines)

    def label(self, layer):
        """'0 (Linear)'; a model's own parameters (layer name '') are '(Linear)'."""
        return f"{layer} ({self.layers[layer]})" if layer else f"({self.layers[layer]})"

    def series(self, field="grad"):
        """{layer: [that norm at step 1, 2, ...]}, field one of 'grad', 'weight', 'update'."""
        return {layer: [getattr(record[layer], field) for record in self.history] for layer in self.layers}

    def plot(self, path=None):
        """A matplotlib Figure: gradient norms (top) and update/weight ratios (bottom) per step, log scale,
        one line per layer. Saved to path if given."""
        import matplotlib.figure

        fig = matplotlib.figure.Figure(figsize=(7, 6), layout="constrained")
        grad_ax, update_ax = fig.subplots(2, 1, sharex=True)
        steps = range(1, len(self.history) + 1)
        for ax, field, label in ((grad_ax, "grad", "gradient norm"), (update_ax, "update", "update / weight")):
            for layer, values in self.series(field).items():
                ax.plot(steps, values, marker="." if len(steps) < 50 else None, label=self.label(layer))
            ax.set_yscale("log")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        update_ax.set_xlabel("step")
        grad_ax.legend(fontsize="small", ncol=2)
        fig.suptitle("gradient flow per layer")
        if path is not None:
            fig.savefig(path)
        return fig


def _largest(record):
    return max((n.grad for n in record.values() if math.isfinite(n.grad)), default=0.0)


def _array(tensor):
    return tensor.detach().cpu().numpy()  # a host copy of a tensor on another device


def _norm(arrays):
    """The 2-norm of the arrays taken together, in float64."""
    return math.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays))
