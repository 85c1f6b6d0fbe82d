"""pixel_shuffle, pixel_unshuffle, channel_shuffle (ops/shuffle.py) against PyTorch: values, gradients, dtypes."""
import numpy as np
import pytest
from torch_parity import check_op, check_torch, random_array

import chainrule as cr


@pytest.mark.parametrize("shape", [(2, 8, 2, 3), (8, 3, 2), (1, 2, 4, 1, 2)])
def test_pixel_shuffle_and_unshuffle(shape):
    check_op(lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), random_array(shape, 1))
    unshuffled = shape[:-2] + (shape[-2] * 2, shape[-1] * 2)
    check_op(lambda lib, x: lib.nn.functional.pixel_unshuffle(x, 2), random_array(unshuffled, 2))


def test_channel_shuffle_and_float32():
    check_op(lambda lib, x: lib.nn.functional.channel_shuffle(x, 3), random_array((2, 6, 2, 2), 3))
    check_torch(lambda lib, x: lib.nn.functional.channel_shuffle(x, 2), random_array((1, 4, 3), 4, dtype=np.float32))
    check_torch(lambda lib, x: lib.nn.functional.pixel_shuffle(x, 3), random_array((1, 9, 1, 2), 5, dtype=np.float32))


def test_errors():
    F = cr.nn.functional
    with pytest.raises(ValueError, match="upscale_factor"):
        F.pixel_shuffle(cr.ones(1, 6, 2, 2), 2)
    with pytest.raises(ValueError, match="downscale_factor"):
        F.pixel_unshuffle(cr.ones(1, 1, 3, 2), 2)
    with pytest.raises(ValueError, match="groups"):
        F.channel_shuffle(cr.ones(1, 5, 2), 2)
