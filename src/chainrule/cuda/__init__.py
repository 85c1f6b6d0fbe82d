"""cr.cuda: GPUs through CuPy. is_available() is True where CuPy is installed (pip install "chainrule[cuda]")
and sees a GPU; tensors then go there with .to('cuda') / .cuda(), and ops compute with CuPy.

cr.cuda.amp holds PyTorch's deprecated spellings of autocast and GradScaler (they warn and
disable themselves, as torch's do where CUDA is unavailable).
"""
from ..device import cuda_device_count
from . import amp  # noqa: F401


def is_available():
    return device_count() > 0


def device_count():
    """How many GPUs CuPy sees: 0 without CuPy (it is imported only here, when asked)."""
    return cuda_device_count()


def manual_seed(seed):
    """Nothing to seed: chainrule draws random numbers on the host (cr.manual_seed seeds them) and moves them
    to the GPU, so a CUDA run draws the CPU run's numbers. Accepted so seeding code runs."""


def manual_seed_all(seed):
    """As manual_seed: the host generator (cr.manual_seed) serves every device."""
