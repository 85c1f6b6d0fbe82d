"""The first way to a gradient: central differences, f'(x) ~ (f(x + eps) - f(x - eps)) / 2eps.

It needs two evaluations of f per input element (backprop needs one backward pass for all of
them), which is why it is used to check gradients, not to train.

gradcheck says that fn's gradient is wrong; localize says which op makes it wrong. It runs fn once with
every op recorded (its inputs' values, its creation site), then checks each op of the graph on its own:
that op alone, applied to the values it saw, its backward against central differences of its forward.
"""
import re

import numpy as np

from ..device import move, of, to_host
from ..tensor import Tensor, _wrap
from . import anomaly
from .engine import grad as _grad
from .function import AccumulateGrad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with the numerical one.

    input_index, index, analytic, numerical: where fn's gradient disagrees (which input, which element).
    With localize=True also `report` (a LocalizeReport), and from its first failing op: `node` (its
    NodeCheck: argument, index, analytic, numerical of the op's worst element), `node_name`, `created_at`.
    They stay None when no op disagrees on its own (the error is in how the ops are connected)."""

    def __init__(self, message, input_index=None, index=None, analytic=None, numerical=None):
        super().__init__(message)
        self.input_index, self.index, self.analytic, self.numerical = input_index, index, analytic, numerical
        self.report = self.node = self.node_name = self.created_at = None


def numerical_grad(fn, inputs, eps=1e-6):
    """Central-difference gradients of fn(*inputs).sum() with respect to every floating-point input.

    Works in float64 whatever the inputs' dtype, on any device: the inputs are perturbed in a NumPy copy
    that is moved to their device for each evaluation (on the CPU, the copy itself). Returns a list with
    one NumPy array per input (None for inputs that are not floating point: indices, ints, flags).
    """
    inputs = _as_list(inputs)
    values = [_float64_copy(x) for x in inputs]
    devices = [of(x._data) if isinstance(x, Tensor) else None for x in inputs]

    def total():
        with no_grad():
            out = fn(*[_wrap(v if d is None else move(v, d)) if isinstance(v, np.ndarray) else v
                       for v, d in zip(values, devices)])
        if not isinstance(out, Tensor):
            raise TypeError(f"numerical_grad: fn must return a Tensor, got {type(out).__name__}")
        return float(to_host(out._data).astype(np.float64).sum())

    grads = []
    for value in values:
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            grads.append(None)
            continue
        flat = value.reshape(-1)  # a view: changing it changes the input fn sees
        grad = np.zeros(flat.shape, dtype=np.float64)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = total()
            flat[k] = original - eps
            minus = total()
            flat[k] = original
            grad[k] = (plus - minus) / (2 * eps)
        grads.append(grad.reshape(value.shape))
    return grads


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, localize=False, raise_exception=True):
    """Check fn's backward against central differences, in float64.

    The output is weighted by a fixed random vector before summing, so a wrong gradient cannot
    hide behind a plain sum. Checks the inputs that require grad (all floating-point inputs if
    none does). Returns True, or raises GradcheckError naming the input, the element, and both values
    (raise_exception=False: returns False instead). localize=True: on failure, the error also names
    the first op whose backward is wrong on its own, and where in your code it was created.
    Tensors of any device: fn runs on their device (each perturbed input is a NumPy copy moved there).
    """
    leaves, chosen = _float64_leaves(_as_list(inputs))
    with no_grad():
        out = fn(*leaves)
    weights = _wrap(move(np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape), of(out._data)))

    out = fn(*leaves)
    (out * weights).sum().backward()
    numerical = numerical_grad(lambda *xs: fn(*xs) * weights, leaves, eps)
    for index, (leaf, use, expected) in enumerate(zip(leaves, chosen, numerical)):
        if not use:
            continue
        analytic = to_host(leaf.grad._data) if leaf.grad is not None else np.zeros(leaf.shape)
        bad = ~(np.abs(analytic - expected) <= atol + rtol * np.abs(expected))
        if bad.any():
            element = tuple(int(i) for i in np.argwhere(bad)[0])
            error = GradcheckError(
                f"gradcheck: the gradient of input {index} disagrees at element {element}: "
                f"analytic {analytic[element]!r}, numerical {expected[element]!r} "
                f"(atol={atol}, rtol={rtol}; {int(bad.sum())} of {bad.size} elements differ)",
                index, element, analytic[element], expected[element],
            )
            if localize:
                error = _localized(error, _check_ops(fn, leaves, eps, atol, rtol))
            if raise_exception:
                raise error
            return False
    return True


def _float64_leaves(inputs):
    """gradcheck's inputs: float64 copies that require grad of the chosen ones, the others as given."""
    chosen = [isinstance(x, Tensor) and x.requires_grad for x in inputs]
    if not any(chosen):
        chosen = [_is_float(x) for x in inputs]
    if not any(chosen):
        raise ValueError("gradcheck: no floating-point input to check")
    leaves = [_wrap(move(_float64_copy(x), of(x._data)) if isinstance(x, Tensor) else _float64_copy(x),
                    requires_grad=True) if c else x for x, c in zip(inputs, chosen)]
    return leaves, chosen


def _localized(error, report):
    """The gradcheck error, with what localize found added to its message and attributes."""
    error.report, found = report, report.first_failure
    if found is None:
        text = (f"localize: every op's backward agrees with finite differences on its own inputs "
                f"({report.checked} checked), so the error is in how they are connected: a detach(), .data, "
                "a round trip through NumPy, or a change the graph did not record")
    else:
        error.node, error.node_name, error.created_at = found, found.name, found.created_at
        text = f"localize: {found.describe()}"
    error.args = (f"{error.args[0]}\n{text}\n{report}",)
    return error


# ---- localize: which op is wrong ------------------------------------------------------------------
def localize(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check every op of the graph of fn(*inputs) on its own, in forward order; return a LocalizeReport.

    Each op is run again alone on the values it saw (floating-point arguments in float64), and its backward
    (a vector-Jacobian product with a random cotangent) is compared with central differences of its forward.
    The inputs are taken as gradcheck takes them."""
    leaves, _ = _float64_leaves(_as_list(inputs))
    return _check_ops(fn, leaves, eps, atol, rtol)


def _check_ops(fn, leaves, eps, atol, rtol):
    recorded = {}  # node -> copies of its forward's arguments, in the order the ops ran

    def record(node, arguments):
        if any(node.edges):  # in the graph only if an argument requires grad: NumPy copies, and their devices
            recorded[node] = ([np.array(to_host(a)) if _is_array(a) else a for a in arguments],
                              [of(a) if _is_array(a) else None for a in arguments])

    with enable_grad(), anomaly.recording(record):
        out = fn(*leaves)
    in_graph = _graph_nodes(out)
    checks = [_check_node(node, arguments, devices, leaves, eps, atol, rtol)
              for node, (arguments, devices) in recorded.items() if node in in_graph]
    return LocalizeReport(checks, len(in_graph) - len(checks), atol, rtol)


def _graph_nodes(out):
    """Every node (not the leaves' AccumulateGrad) that fn's output(s) reach."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    todo = [o.grad_fn for o in outs if isinstance(o, Tensor) and o.grad_fn is not None]
    seen = set()
    while todo:
        node = todo.pop()
        if node in seen or type(node) is AccumulateGrad:
            continue
        seen.add(node)
        todo.extend(edge.node for edge in node.edges if edge is not None)
    return seen


class NodeCheck:
    """One op checked on its own: its backward, for a random cotangent, against central differences.

    name, created_at ('file:line in function: code'), filename, lineno; ok (None when skipped, with the
    reason in `skipped`); max_error, the largest |analytic - numerical|; the worst element relative to the
    tolerance: `argument` (the op's argument position), `concerns` (what that argument is), `index`,
    `analytic`, `numerical`; bad and size: how many elements disagree, of how many; `cotangents`: the
    weights of the op's differentiable outputs (analytic = the op's backward applied to them)."""

    def __init__(self, node):
        self.name, self.op = node.name(), node.op
        self.created_at = getattr(node, "_created_at", None) or "unknown"
        site = re.match(r"(.*?):(\d+) in ", self.created_at)
        self.filename, self.lineno = (site.group(1), int(site.group(2))) if site else (None, None)
        self.ok = self.skipped = self.argument = self.concerns = self.index = None
        self.analytic = self.numerical = self.max_error = None
        self.bad = self.size = 0
        self.cotangents = ()

    def describe(self):
        """Which op, where it was made, its worst element."""
        if self.skipped:
            return f"{self.name} (created at {self.created_at}) was not checked: {self.skipped}"
        verdict = "is the first op (in forward order) whose backward disagrees" if not self.ok else "agrees"
        return (
            f"{self.name} {verdict} with finite differences on its own inputs; it was created at {self.created_at}\n"
            f"  worst element {self.index} of its argument {self.argument} ({self.concerns}): "
            f"analytic {float(self.analytic)!r}, numerical {float(self.numerical)!r} "
            f"(for a random cotangent; {self.bad} of {self.size} elements differ)"
        )

    def __repr__(self):
        state = "skipped" if self.skipped else "ok" if self.ok else "FAIL"
        return f"<NodeCheck {self.name} {state} max_error={self.max_error}>"


def _check_node(node, arguments, devices, leaves, eps, atol, rtol):
    """The op of `node` alone, on copies of its arguments (floating ones that require grad in float64),
    each on the device where the op saw it."""
    check = NodeCheck(node)
    varying = [i for i, (a, edge) in enumerate(zip(arguments, node.edges))
               if edge is not None and isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    if not varying:
        check.skipped = "no floating-point argument requires grad"
        return check
    run = _rerun(node, arguments, devices, varying)
    xs = [_wrap(move(arguments[i].astype(np.float64), devices[i]), requires_grad=True) for i in varying]
    with enable_grad():
        outs, args = run(xs)
    differentiable = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
    check.skipped = _why_not(outs, args, differentiable)
    if check.skipped:
        return check
    rng = np.random.default_rng(0)
    check.cotangents = [rng.uniform(0.5, 1.5, size=outs[k].shape) for k in differentiable]

    cotangents = [_wrap(move(c, of(outs[k]._data))) for k, c in zip(differentiable, check.cotangents)]  # on fn's device

    def weighted(xs):
        outs = run(xs)[0]
        return sum((outs[k] * c).sum() for k, c in zip(differentiable, cotangents))

    with no_grad():
        if not _same(weighted(xs), weighted(xs)):
            check.skipped = "its forward gives different values each time (random)"
            return check
    grads = _grad([outs[k] for k in differentiable], xs, cotangents, allow_unused=True)
    analytic = [np.zeros(x.shape) if g is None else to_host(g._data).astype(np.float64) for g, x in zip(grads, xs)]
    numerical = numerical_grad(lambda *ts: weighted(ts), xs, eps)
    _compare(check, varying, analytic, numerical, atol, rtol)
    check.concerns = _concerns(node.edges[check.argument], leaves)
    return check


def _rerun(node, arguments, devices, varying):
    """run(xs): node's op applied again to fresh copies of `arguments` (on their `devices`), with xs at the
    `varying` positions; returns (its outputs as a tuple, the arguments it got). Built-in Ops and custom
    Functions alike."""
    tensor_at = [not node._other_args >> i & 1 for i in range(len(arguments))]

    def run(xs):
        args = [_wrap(move(np.array(a), d)) if tensor else a for a, d, tensor in zip(arguments, devices, tensor_at)]
        for i, x in zip(varying, xs):
            args[i] = x
        outs = node.op.apply(*args)
        return (outs if type(outs) is tuple else (outs,)), args

    return run


def _compare(check, varying, analytic, numerical, atol, rtol):
    """Fill check's verdict: how many elements disagree, the largest error, the worst element."""
    ratios, errors = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        for a, n in zip(analytic, numerical):
            difference = np.abs(a - n)
            tolerance = atol + rtol * np.abs(n)
            bad = ~(difference <= tolerance)  # a NaN disagrees
            ratios.append(np.where(bad, np.where(difference > tolerance, difference / tolerance, np.inf),
                                   np.nan_to_num(difference / tolerance)))
            errors.append(difference.max() if difference.size else 0.0)
            check.bad, check.size = check.bad + int(bad.sum()), check.size + bad.size
    check.ok, check.max_error = check.bad == 0, float(np.max(errors))
    j = int(np.argmax([r.max() if r.size else -1.0 for r in ratios]))
    element = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratios[j])), ratios[j].shape))
    check.argument, check.index = varying[j], element
    check.analytic, check.numerical = analytic[j][element], numerical[j][element]


def _why_not(outs, args, differentiable):
    """Why the op, re-run alone, can't be checked by finite differences (None if it can)."""
    if not differentiable:
        return "no output is differentiable"
    inputs = [a._data for a in args if isinstance(a, Tensor)]
    if any(o._data is a for o in outs if isinstance(o, Tensor) for a in inputs):
        return "its forward returns an argument's array itself (an in-place write or an identity)"
    kinds = {str(outs[k].dtype) for k in differentiable} - {"float64"}
    if kinds:
        return f"its output is {', '.join(sorted(kinds))} even from float64 inputs: too coarse for finite differences"
    if not all(np.isfinite(to_host(outs[k]._data)).all() for k in differentiable):
        return "its output holds nan or inf at these inputs: finite differences can't tell there"
    return None


def _same(a, b):
    a, b = float(to_host(a._data)), float(to_host(b._data))
    return a == b or (a != a and b != b)


def _concerns(edge, leaves):
    """What an op's argument is: one of gradcheck's inputs, another leaf, or which op made it."""
    shape = f"shape {tuple(edge.shape)}, {edge.dtype}"
    if type(edge.node) is AccumulateGrad:
        found = [i for i, leaf in enumerate(leaves) if leaf is edge.node.variable]
        return f"{shape}, input {found[0]} of fn" if found else f"{shape}, a leaf that requires grad"
    return f"{shape}, made by {edge.node.name()}"


class LocalizeReport:
    """What localize found: `checks`, one NodeCheck per op of the graph in forward order; `first_failure`,
    `failures`, `ok`, `checked` (how many were not skipped); `unrecorded`: how many ops of the graph were made
    where nothing was recorded (before fn ran, or inside a backward). Printed, a table."""

    def __init__(self, checks, unrecorded, atol, rtol):
        self.checks, self.unrecorded, self.atol, self.rtol = checks, unrecorded, atol, rtol

    @property
    def failures(self):
        return [c for c in self.checks if c.ok is False]

    @property
    def first_failure(self):
        return next(iter(self.failures), None)

    @property
    def ok(self):
        return not self.failures

    @property
    def checked(self):
        return sum(c.ok is not None for c in self.checks)

    def __iter__(self):
        return iter(self.checks)

    def __len__(self):
        return len(self.checks)

    def __str__(self):
        rows = [("#", "node", "max |analytic - numerical|", "result", "created at")]
        for position, c in enumerate(self.checks):
            error = "-" if c.max_error is None else f"{c.max_error:.3g}"
            result = f"skipped: {c.skipped}" if c.skipped else "ok" if c.ok else f"FAIL ({c.bad} of {c.size})"
            rows.append((str(position), c.name, error, result, _short_site(c)))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [f"localize: {len(self.checks)} ops in forward order, {len(self.failures)} disagree "
                 f"(atol={self.atol}, rtol={self.rtol})"]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4] for row in rows]
        if self.unrecorded:
            lines.append(f"({self.unrecorded} more ops of the graph were made before fn ran, or inside a backward: "
                         "not recorded, not checked)")
        return "\n".join(line.rstrip() for line in lines)

    __repr__ = __str__


def _short_site(check, width=60):
    """created_at without the file's folders, cut to `width` characters."""
    site = check.created_at
    if check.filename is not None:
        site = site[len(check.filename):]
        site = check.filename.replace("\\", "/").rsplit("/", 1)[-1] + site
    return site if len(site) <= width else site[:width - 3] + "..."


def _as_list(inputs):
    return [inputs] if isinstance(inputs, (Tensor, np.ndarray)) else list(inputs)


def _is_array(value):
    """A NumPy array or another array library's (not a Tensor, not a number)."""
    return isinstance(value, np.ndarray) or (hasattr(value, "__array_namespace__") and not isinstance(value, Tensor))


def _is_float(x):
    if isinstance(x, Tensor):
        return x.dtype.kind == "f"
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _float64_copy(x):
    """A float64 NumPy copy of a floating-point tensor (of any device) or array; anything else as given."""
    if _is_float(x):
        data = x._data if isinstance(x, Tensor) else x
        return to_host(data).astype(np.float64)  # always a fresh copy
    return x
