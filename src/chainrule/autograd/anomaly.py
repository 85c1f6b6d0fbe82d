"""Anomaly mode: find the first op that makes a NaN or an inf, and say where in your code it was created.

    with cr.autograd.detect_anomaly():
        loss = model(x).log().sum()   # RuntimeError: LogBackward produced -inf ... created at train.py:12
        loss.backward()

Off by default: it records a stack frame per op and scans every output and gradient, which costs time.
"""
import contextlib
import functools
import os
import traceback

import numpy as np

from ..device import is_floating, library_of, shares_memory


class _Mode:
    def __init__(self):  # instance attributes, not class ones: every op reads `enabled`, and
        self.enabled = False  # Python's attribute cache serves instance attributes fastest
        self.in_backward = False  # the engine's walk checks gradients itself, not the ops it runs
        self.check_nan = True  # False while ops are only recorded (gradcheck's localize), not checked
        self.recorder = None  # None, or recorder(node, inputs) called for every op made in forward


mode = _Mode()
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled():
    return mode.enabled


def set_detect_anomaly(enabled):
    """Turn anomaly detection on or off (for the whole process, as in PyTorch)."""
    mode.enabled = bool(enabled)


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = mode.enabled
        mode.enabled = bool(self.check_nan)
        return self

    def __exit__(self, *exc):
        mode.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


@contextlib.contextmanager
def recording(recorder):
    """Call recorder(node, inputs) for every op run inside (its node, its forward's arguments as arrays and
    numbers), each node knowing its creation site. It rides on anomaly mode's hook in Op.apply and
    Function.apply, so that ops pay nothing for it when it is off; NaN checks stay as they were."""
    saved = mode.enabled, mode.check_nan, mode.recorder
    mode.check_nan = mode.enabled and mode.check_nan
    mode.enabled, mode.recorder = True, recorder
    try:
        yield
    finally:
        mode.enabled, mode.check_nan, mode.recorder = saved


def creation_site():
    """'file:line in function: code' of the innermost caller outside chainrule (where the user made the op)."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "inside chainrule"


def check(node, arrays, stage, inputs=()):
    """Raise RuntimeError if any float array holds a NaN or an inf, naming the node and its creation site.

    `inputs` (the forward's arguments, arrays or numbers) are looked at only once an output is bad: if one
    of them already held the same kind of value (nan, or an inf), the message blames that input, not the op.
    """
    if mode.recorder is not None and stage == "forward":
        mode.recorder(node, inputs)
    if not mode.check_nan:
        return
    for index, array in enumerate(arrays):
        if array is None or not is_floating(array.dtype):
            continue
        xp = library_of(array)  # NumPy, or the library of a tensor on another device
        if bool(xp.all(xp.isfinite(array))):
            continue
        bad = "nan" if bool(xp.any(xp.isnan(array))) else "inf"
        where = getattr(node, "_created_at", None) or "unknown (anomaly mode was off when it was created)"
        op = node.op.__name__ if stage == "forward" else node.name()
        culprit = _bad_input(inputs, bad, arrays)
        if culprit is not None:
            position, what = culprit
            raise RuntimeError(
                f"anomaly: the input {position} of {op} ({what}) already holds {bad}; the op did not produce it "
                f"(its {stage} output {index}, shape {array.shape}, holds {bad} too); "
                f"the op was created at {where}"
            )
        raise RuntimeError(
            f"anomaly: {op} produced {bad} values in its {stage} (output {index}, shape {array.shape}); "
            f"the op was created at {where}"
        )


def _bad_input(inputs, bad, outputs):
    """(position, description) of the first input holding `bad` ("nan" or "inf"), or None.

    An input sharing memory with an output (an in-place op writes its result into it) can't be told apart
    from what the op wrote, so it is never blamed."""
    for position, value in enumerate(inputs):
        if hasattr(value, "__array_namespace__") and hasattr(value, "dtype"):  # an array of any library
            xp = library_of(value)
            if not is_floating(value.dtype) or not bool(xp.any(_finder(xp, bad)(value))):
                continue
            if any(out is not None and shares_memory(value, out) for out in outputs):
                continue
            return position, f"shape {tuple(value.shape)}"
        if isinstance(value, (float, np.floating)) and _finder(np, bad)(value):
            return position, f"the number {value}"
    return None


def _finder(xp, bad):
    return xp.isnan if bad == "nan" else xp.isinf
