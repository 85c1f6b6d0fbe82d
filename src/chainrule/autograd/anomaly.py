"""Anomaly mode: find the first op that makes a NaN or an inf, and say where in your code it was created.

    with cr.autograd.detect_anomaly():
        loss = model(x).log().sum()   # RuntimeError: LogBackward produced -inf ... created at train.py:12
        loss.backward()

Off by default: it records a stack frame per op and scans every output and gradient, which costs time.
"""
import functools
import os
import traceback

import numpy as np


class _Mode:
    def __init__(self):  # instance attributes, not class ones: every op reads `enabled`, and
        self.enabled = False  # Python's attribute cache serves instance attributes fastest
        self.in_backward = False  # the engine's walk checks gradients itself, not the ops it runs


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


def creation_site():
    """'file:line in function: code' of the innermost caller outside chainrule (where the user made the op)."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "inside chainrule"


def check(node, arrays, stage):
    """Raise RuntimeError if any float array holds a NaN or an inf, naming the node and its creation site."""
    for index, array in enumerate(arrays):
        if array is None or array.dtype.kind != "f" or np.isfinite(array).all():
            continue
        bad = "nan" if np.isnan(array).any() else "inf"
        where = getattr(node, "_created_at", None) or "unknown (anomaly mode was off when it was created)"
        op = node.op.__name__ if stage == "forward" else node.name()
        raise RuntimeError(
            f"anomaly: {op} produced {bad} values in its {stage} (output {index}, shape {array.shape}); "
            f"the op was created at {where}"
        )
