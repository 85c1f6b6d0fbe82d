"""instance_norm (each sample's channels normalised on their own) and local_response_norm (each value
divided by its neighbouring channels' energy), composed from norm.py's batch_norm, pad and avg_pool2d."""
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .norm import batch_norm
from .pad import pad
from .pool import avg_pool2d
from .reduce import mean
from .shape import repeat, reshape, squeeze


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """batch_norm of the (1, N * C, *) view: each (sample, channel) plane has its own statistics. Running
    statistics are updated with the mean over the batch of each sample's update, as PyTorch."""
    op = "instance_norm"
    if not isinstance(input, Tensor) or input.ndim < 3:
        shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{op}: expected input (N, C, *) with at least one spatial dim, got {shape}")
    n, c = input.shape[:2]
    per_plane = [None if t is None else repeat(t, n) for t in (running_mean, running_var, weight, bias)]
    with no_grad():
        plane_mean, plane_var = (None if t is None else t.clone() for t in per_plane[:2])
    out = batch_norm(reshape(input, (1, n * c, *input.shape[2:])), plane_mean, plane_var, *per_plane[2:],
                     use_input_stats, momentum, eps)
    with no_grad():
        for running, updated in ((running_mean, plane_mean), (running_var, plane_var)):
            if running is not None and use_input_stats:
                running.copy_(mean(reshape(updated, (n, c)), 0))
    return reshape(out, input.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """input / (k + alpha * mean of input ** 2 over `size` neighbouring channels) ** beta (zero-padded
    at the ends, the mean always over `size`), as PyTorch."""
    if not isinstance(input, Tensor) or input.ndim < 3:
        got = input.ndim if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {got} dimensions)")
    if input.numel() == 0:
        return input
    n, c = input.shape[:2]
    energy = reshape(input * input, (n, 1, c, -1))
    energy = pad(energy, (0, 0, size // 2, (size - 1) // 2))
    energy = reshape(squeeze(avg_pool2d(energy, (size, 1), stride=1), 1), input.shape)
    return input / (energy * alpha + k) ** beta


