"""cr.accelerator, as torch.accelerator: the GPU chainrule computes on when there is one (CUDA through CuPy)."""
from .device import cuda_device_count, device


def is_available():
    return cuda_device_count() > 0


def current_accelerator(check_available=False):
    """device('cuda') where CuPy sees a GPU, else None (also with check_available=True, as in PyTorch)."""
    return device("cuda") if is_available() else None


def device_count():
    return cuda_device_count()
