"""cr.cuda: there is no CUDA backend (yet), so device-aware code picks the CPU.

cr.cuda.amp holds PyTorch's deprecated spellings of autocast and GradScaler (they warn and
disable themselves, as torch's do where CUDA is unavailable).
"""
from . import amp  # noqa: F401


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Nothing to seed without a GPU; accepted so seeding code runs."""


def manual_seed_all(seed):
    """Nothing to seed without a GPU; accepted so seeding code runs."""
