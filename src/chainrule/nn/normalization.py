"""BatchNorm1d, BatchNorm2d, LayerNorm and GroupNorm, with PyTorch's arguments, buffers and state-dict keys.

BatchNorm keeps running statistics as BUFFERS (running_mean, running_var, num_batches_tracked):
saved in state_dict() under PyTorch's names, not returned by parameters(). In training mode it
normalises with the batch's statistics and updates the running ones; in eval mode it uses them.
"""
import numpy as np

from .. import dtypes
from ..ops.local_norm import instance_norm, local_response_norm
from ..ops.norm import batch_norm, group_norm, layer_norm, normalized_shape_arg
from ..args import check_layer_device as _check_device
from .module import place as _place
from ..tensor import Tensor, _wrap
from . import init
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _ranks = ()  # the input ranks the layer takes
    _layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _register_affine(self, num_features, dtype, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", _wrap(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", _wrap(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", _wrap(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()
        _place(self, device)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self, self.affine)

    def forward(self, input):
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average: every batch counts the same
                factor = 1.0 / float(self.num_batches_tracked.item())
        # eval mode uses the running statistics, unless there are none (track_running_stats=False)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        update = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if update else None,
            self.running_var if update else None,
            self.weight, self.bias, use_batch_stats, factor, self.eps,
        )

    def _check_input(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in self._ranks or input.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r}: expected input of shape {self._layout.format(C=self.num_features)} "
                f"({' or '.join(f'{r}-D' for r in self._ranks)}), got input of shape {tuple(input.shape)}"
            )

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C."""

    _ranks = (2, 3)
    _layout = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C."""

    _ranks = (4,)
    _layout = "(N, {C}, H, W)"


class LayerNorm(Module):
    """Normalise over the last dims (normalized_shape) of each sample; weight 1 and bias 0 to start."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.normalized_shape = normalized_shape_arg(normalized_shape, "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _register_affine(self, self.normalized_shape, dtype, elementwise_affine, bias)
        _place(self, device)

    def reset_parameters(self):
        _reset_affine(self, self.elementwise_affine)

    def forward(self, input):
        shape = self.normalized_shape
        if isinstance(input, Tensor) and input.shape[max(input.ndim - len(shape), 0):] != shape:
            raise ValueError(
                f"{self!r}: expected input of shape (*, {', '.join(map(str, shape))}), got {tuple(input.shape)}"
            )
        return layer_norm(input, shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise each of num_groups groups of channels of each sample (input (N, C, *)), then scale and shift
    per channel; weight 1 and bias 0 to start."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        _check_device(device)
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _register_affine(self, num_channels, dtype, affine, bias)
        _place(self, device)

    def reset_parameters(self):
        _reset_affine(self, self.affine)

    def forward(self, input):
        if isinstance(input, Tensor) and (input.ndim < 2 or input.shape[1] != self.num_channels):
            raise ValueError(f"{self!r}: expected input of shape (N, {self.num_channels}, *), "
                             f"got input of shape {tuple(input.shape)}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel C."""

    _ranks = (5,)
    _layout = "(N, {C}, D, H, W)"


class _InstanceNorm(_BatchNorm):
    """Normalise each channel of each sample over its own spatial values. Unlike BatchNorm: affine=False and
    track_running_stats=False by default, and unbatched inputs (C, *) are taken."""

    _spatial = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input):
        if not isinstance(input, Tensor) or input.ndim not in (self._spatial + 1, self._spatial + 2):
            shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{self!r}: expected {self._spatial + 1}D (unbatched) or {self._spatial + 2}D input, "
                             f"got {shape}")
        unbatched = input.ndim == self._spatial + 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and self.affine:
            raise ValueError(f"{self!r}: expected input with {self.num_features} channels (dim 1 of a batch), "
                             f"got input of shape {tuple(input.shape)}")
        use_input_stats = self.training or not self.track_running_stats
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            0.1 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    _spatial = 2


class LocalResponseNorm(Module):
    """Each value divided by (k + alpha * mean of squares over `size` neighbouring channels) ** beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _register_affine(module, shape, dtype, affine, bias):
    """The parameters weight (ones) and bias (zeros) of the given shape, or None where affine or bias is off."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if affine and bias else None)


def _reset_affine(module, affine):
    """weight back to ones and bias to zeros (if the module has them)."""
    if affine:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)
