"""Library settings PyTorch has at its top level: BLAS threads and deterministic algorithms.

chainrule computes with NumPy, whose matrix products run on its BLAS library's threads: set_num_threads
changes those through threadpoolctl (the optional [train] dependency). Without it the count can't be
changed: get_num_threads reports os.cpu_count() and set_num_threads warns once that it changes nothing.
"""
import os
import warnings

_state = {"threads": None, "warned": False, "deterministic": False, "warn_only": False}


def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def set_num_threads(n):
    """Use n threads for NumPy's BLAS (matrix products), as torch.set_num_threads does for intra-op work."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    controller = _controller()
    if controller is None:
        if not _state["warned"]:
            warnings.warn("set_num_threads: threadpoolctl is not installed, so NumPy's BLAS threads can't be "
                          "changed (pip install threadpoolctl, or set OMP_NUM_THREADS before starting Python)")
            _state["warned"] = True
        return
    controller.limit(limits=n, user_api="blas")
    _state["threads"] = n


def get_num_threads():
    """The threads NumPy's BLAS uses (os.cpu_count() when threadpoolctl is not installed)."""
    controller = _controller()
    if controller is None:
        return os.cpu_count() or 1
    blas = [info["num_threads"] for info in controller.info() if info.get("user_api") == "blas"]
    return max(blas) if blas else (_state["threads"] or os.cpu_count() or 1)


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Accepted and recorded: chainrule's ops are deterministic already (NumPy on the CPU)."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["deterministic"] and _state["warn_only"]
