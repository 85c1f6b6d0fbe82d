"""Channel rearrangements, each one reshape -> permute -> reshape (so the gradient is the inverse
rearrangement): pixel_shuffle, pixel_unshuffle, channel_shuffle."""
import numbers

from .elementwise import check_tensor
from .shape import permute, reshape


def _factor(value, op, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def pixel_shuffle(input, upscale_factor):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r): each group of r * r channels becomes an r x r block."""
    op = "pixel_shuffle"
    r = _factor(upscale_factor, op, "upscale_factor")
    if check_tensor(input, op).ndim < 3 or input.shape[-3] % (r * r):
        raise ValueError(f"{op}: expected input (*, C * {r * r}, H, W) whose channels divide by upscale_factor ** 2 "
                         f"= {r * r}, got input of shape {tuple(input.shape)}")
    *batch, c, h, w = input.shape
    n = len(batch)
    x = reshape(input, (*batch, c // (r * r), r, r, h, w))
    x = permute(x, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return reshape(x, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H * r, W * r) -> (*, C * r * r, H, W)."""
    op = "pixel_unshuffle"
    r = _factor(downscale_factor, op, "downscale_factor")
    if check_tensor(input, op).ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ValueError(f"{op}: expected input (*, C, H, W) with H and W divisible by downscale_factor={r}, "
                         f"got input of shape {tuple(input.shape)}")
    *batch, c, h, w = input.shape
    n = len(batch)
    x = reshape(input, (*batch, c, h // r, r, w // r, r))
    x = permute(x, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return reshape(x, (*batch, c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """(N, g * k, *) -> the channels of the g groups interleaved: channel i * k + j moves to j * g + i."""
    op = "channel_shuffle"
    g = _factor(groups, op, "groups")
    if check_tensor(input, op).ndim < 3 or input.shape[1] % g:
        raise ValueError(f"{op}: expected input (N, C, *) of at least 3 dims with C divisible by groups={g}, "
                         f"got input of shape {tuple(input.shape)}")
    n, c, *rest = input.shape
    x = reshape(input, (n, g, c // g, *rest))
    return reshape(permute(x, (0, 2, 1, *range(3, x.ndim))), (n, c, *rest))
