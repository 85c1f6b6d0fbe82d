"""Conv1d, Conv2d, ConvTranspose1d and ConvTranspose2d layers, with PyTorch's arguments, attributes,
initialisation and repr."""

import numpy as np

from .. import dtypes
from ..ops.conv import conv1d, conv2d, conv_padding, conv_transpose1d, conv_transpose2d, ntuple
from ..ops.pad import pad
from ..args import check_layer_device as _check_device
from .module import place as _place
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _dims = 2
    _function = staticmethod(conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    device, dtype, False, 0)

    def _setup(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
               device, dtype, transposed, output_padding):
        _check_device(device)
        name, dims = type(self).__name__, self._dims
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, but got padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, dims, "kernel_size", name)
        self.stride = ntuple(stride, dims, "stride", name)
        self.dilation = ntuple(dilation, dims, "dilation", name)
        pads = conv_padding(padding, self.kernel_size, self.stride, self.dilation, name)  # checks 'same' too
        self.padding = padding if isinstance(padding, str) else ntuple(padding, dims, "padding", name)
        self.transposed = transposed
        self.output_padding = ntuple(output_padding, dims, "output_padding", name)
        self.padding_mode = padding_mode
        # F.pad's order for the non-zeros padding modes: last dim first, (before, after) each
        reversed_pads = [p for pair in reversed(pads) for p in pair]
        self._reversed_padding_repeated_twice = reversed_pads if isinstance(padding, str) else tuple(reversed_pads)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        # a transposed convolution's weight is (in, out / groups, ...): the one of the convolution it reverses
        shape = (in_channels, out_channels // groups, *self.kernel_size) if transposed else \
            (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        _place(self, device)

    def reset_parameters(self):
        init._layer_default_(self.weight, self.bias)

    def forward(self, input):
        self._check_input(input)
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._function(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return self._function(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def _check_input(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r}: input must be a Tensor, got {type(input).__name__}")
        dims, channels = self._dims, self.in_channels
        spatial = "H, W" if dims == 2 else "L"
        if input.ndim not in (dims + 1, dims + 2) or input.shape[-dims - 1] != channels:
            raise ValueError(
                f"{self!r}: expected input of shape (N, {channels}, {spatial}) or ({channels}, {spatial}), "
                f"got input of shape {tuple(input.shape)}"
            )

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-d convolution over input (N, C_in, H, W): weight (C_out, C_in / groups, kh, kw), bias (C_out,).
    Conv2d(1, 32, 3, 1): in_channels=1, out_channels=32, kernel_size=3, stride=1, as in PyTorch."""

    _dims = 2
    _function = staticmethod(conv2d)


class Conv1d(_ConvNd):
    """1-d convolution over input (N, C_in, L): weight (C_out, C_in / groups, k), bias (C_out,)."""

    _dims = 1
    _function = staticmethod(conv1d)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        Module.__init__(self)
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}, got padding_mode={padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of {self._dims} ints, got {padding!r}")
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    device, dtype, True, output_padding)

    def forward(self, input, output_size=None):
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return self._function(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                              self.dilation)

    def _output_padding(self, input, output_size):
        """output_padding, or the one that gives output_size (the spatial sizes, or with N and C in front)."""
        if output_size is None:
            return self.output_padding
        dims = self._dims
        non_spatial = 2 if input.ndim == dims + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != dims:
            raise ValueError(f"ConvTranspose{dims}D: for {input.ndim}D input, output_size must have {dims} or "
                             f"{non_spatial + dims} elements (got {len(output_size)})")
        min_sizes = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                     zip(input.shape[non_spatial:], self.stride, self.padding, self.dilation, self.kernel_size)]
        max_sizes = [low + s - 1 for low, s in zip(min_sizes, self.stride)]
        if any(not low <= n <= high for n, low, high in zip(output_size, min_sizes, max_sizes)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {min_sizes} to "
                             f"{max_sizes} (for an input of {tuple(input.shape[non_spatial:])})")
        return tuple(n - low for n, low in zip(output_size, min_sizes))


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-d convolution (the gradient of a Conv2d with respect to its input) over input (N, C_in, H, W):
    weight (C_in, C_out / groups, kh, kw), bias (C_out,). Output size per dim:
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1."""

    _dims = 2
    _function = staticmethod(conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-d convolution over input (N, C_in, L): weight (C_in, C_out / groups, k), bias (C_out,)."""

    _dims = 1
    _function = staticmethod(conv_transpose1d)
