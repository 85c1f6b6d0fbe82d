"""cr.cuda: GPUs through CuPy. is_available() is True where CuPy is installed (pip install "chainrule[cuda]")
and sees a GPU; tensors then go there with .to('cuda') / .cuda(), and ops compute with CuPy.

cr.cuda.amp holds PyTorch's deprecated spellings of autocast and GradScaler (they warn and
disable themselves, as torch's do where CUDA is unavailable).
"""
from ..device import as_device, cuda_device_count
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


# ---- the calls GPU scripts make around their work (CuPy's runtime underneath) ---------------------------------
def synchronize(device=None):
    """Wait until the GPU has finished the work queued on it (timing code calls this before reading a clock)."""
    _cupy("synchronize").cuda.Device(_index(device)).synchronize()


def current_device():
    return _cupy("current_device").cuda.runtime.getDevice()


def set_device(device):
    _cupy("set_device").cuda.runtime.setDevice(_index(device))


def get_device_name(device=None):
    name = _cupy("get_device_name").cuda.runtime.getDeviceProperties(_index(device))["name"]
    return name.decode() if isinstance(name, bytes) else name


def memory_allocated(device=None):
    """Bytes held by tensors now: CuPy's memory pool's bytes in use."""
    return _cupy("memory_allocated").get_default_memory_pool().used_bytes()


def empty_cache():
    """Hand the memory pool's unused blocks back to the GPU (nothing to do without one, as in PyTorch)."""
    if is_available():
        _cupy("empty_cache").get_default_memory_pool().free_all_blocks()


def is_bf16_supported():
    return False  # neither NumPy nor CuPy has bfloat16


def _cupy(name):
    if not is_available():
        raise RuntimeError(f"cuda.{name}: no CUDA device (CuPy is not installed or sees no GPU; "
                           'pip install "chainrule[cuda]" on a machine with one)')
    import cupy

    return cupy


def _index(device):
    """The GPU number of None (the current one), an int, 'cuda:N' or cr.device('cuda', N)."""
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    return as_device(device).index
