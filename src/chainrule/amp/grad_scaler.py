"""GradScaler: dynamic loss scaling, PyTorch's algorithm, usable on the CPU.

    scaler = cr.amp.GradScaler("cpu")
    scaler.scale(loss).backward()     # loss * S: small gradients don't underflow in float16
    scaler.step(optimizer)            # grads * (1/S); if any is inf/NaN the step is skipped
    scaler.update()                   # S * backoff_factor after a skipped step, S * growth_factor
                                      # after growth_interval clean steps in a row
The scale S is a float32 number, as torch's, so the scales match torch's bit for bit.
Gradients may live on any device (CuPy, array-api-strict): they are checked and unscaled there.
With enabled=False, or device='cuda' without a CUDA device (CuPy and a GPU; it warns and disables, as torch
does), every method is a pass-through: scale returns its input, step calls optimizer.step().
The optimizer is used only through optimizer.param_groups and optimizer.step().
"""
import enum
import warnings
from collections import defaultdict

import numpy as np

from ..autograd.grad_mode import no_grad
from ..device import cuda_device_count, library_of
from ..tensor import Tensor


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_optimizer_state():
    return {"stage": OptState.READY, "found_inf": None}


class GradScaler:
    """GradScaler(device='cuda', init_scale=2.**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
    enabled=True)."""

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and cuda_device_count() == 0:
            warnings.warn("GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise ValueError(f"GradScaler: growth_factor must be > 1.0, got {growth_factor}")
            if backoff_factor >= 1.0:
                raise ValueError(f"GradScaler: backoff_factor must be < 1.0, got {backoff_factor}")
            self._init_scale = init_scale
            self._scale = None  # a float32 number from the first scale() on
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None  # clean steps in a row since the last change of scale
            self._per_optimizer_states = defaultdict(_fresh_optimizer_state)

    # ---- the loop: scale, (unscale_), step, update ----------------------------------------------------
    def scale(self, outputs):
        """outputs * scale: a tensor, or a list/tuple (or other iterable) of tensors, nested."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale, self._growth_tracker = np.float32(self._init_scale), self._init_growth_tracker
        return self._apply_scale(outputs)

    def _apply_scale(self, value):
        if isinstance(value, Tensor):
            return value * float(self._scale)
        if isinstance(value, (list, tuple)):
            return type(value)(self._apply_scale(item) for item in value)
        if hasattr(value, "__iter__"):
            return map(self._apply_scale, value)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale, in place, and note whether any is inf/NaN.

        Optional: step() does it if you didn't. Call it first to clip or inspect the true gradients.
        """
        if not self._enabled:
            return
        self._check_started("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse = float(np.float32(1.0 / np.float64(self._scale)))  # as torch: 1/S in double, then float32
        state["found_inf"] = self._unscale_grads(optimizer, inverse)
        state["stage"] = OptState.UNSCALED

    @staticmethod
    def _unscale_grads(optimizer, inverse):
        """Multiply every gradient by `inverse`; True/False: whether any was inf/NaN; None if no gradients."""
        found_inf = None
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    if param.grad.dtype == np.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    grad = param.grad._data
                    xp = library_of(grad)
                    found_inf = bool(found_inf) or not bool(xp.all(xp.isfinite(grad)))
                    if type(grad) is np.ndarray:
                        param.grad.mul_(inverse)
                    else:  # in-place ops are NumPy-only for now: write the new values into the array
                        grad[...] = grad * inverse
                        param.grad._bump_version()
        return found_inf

    def step(self, optimizer, *args, **kwargs):
        """unscale_(optimizer) if not done yet, then optimizer.step(*args, **kwargs) unless a gradient was
        inf/NaN. Returns what optimizer.step returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_started("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise RuntimeError("GradScaler.step: the optimizer has no gradients to check; call "
                               "scaler.scale(loss).backward() before scaler.step(optimizer)")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return result

    def update(self, new_scale=None):
        """Back off after a skipped step, grow after growth_interval clean steps; or set new_scale."""
        if not self._enabled:
            return
        self._check_started("update")
        if new_scale is not None:
            self._scale = np.float32(self._new_scale_value(new_scale))
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise RuntimeError("GradScaler.update: no inf checks were recorded; call scaler.step(optimizer) "
                                   "(or scaler.unscale_(optimizer)) before scaler.update()")
            self._update_scale(any(found))
        self._per_optimizer_states = defaultdict(_fresh_optimizer_state)

    def _update_scale(self, found_inf):
        # as torch's kernel: the product is taken in double, stored as float32, never grown to inf
        if found_inf:
            self._scale, self._growth_tracker = np.float32(float(self._scale) * self._backoff_factor), 0
            return
        successful = self._growth_tracker + 1
        if successful == self._growth_interval:
            with np.errstate(over="ignore"):  # too large for float32: inf, and the scale stays
                grown = np.float32(float(self._scale) * self._growth_factor)
            if np.isfinite(grown):
                self._scale = grown
            successful = 0
        self._growth_tracker = successful

    @staticmethod
    def _new_scale_value(new_scale):
        if isinstance(new_scale, float):
            return new_scale
        if isinstance(new_scale, Tensor) and new_scale.numel() == 1 and not new_scale.requires_grad:
            return new_scale.item()
        raise TypeError("update: new_scale should be a float or a 1-element tensor with requires_grad=False, "
                        f"got {type(new_scale).__name__}")

    def _check_started(self, method):
        if self._scale is None:
            raise RuntimeError(f"Attempted {method} but the scale is not set yet. This may indicate your script "
                               "did not use scaler.scale(loss or outputs) earlier in the iteration.")

    # ---- looking at and changing the settings ----------------------------------------------------------
    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale if self._scale is None else self._scale)

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'}; {} when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = np.float32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]
