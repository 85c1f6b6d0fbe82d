"""unfold (im2col) and fold (col2im) (ops/fold.py) against PyTorch: values and gradients in float64 for
kernel, dilation, padding and stride, second derivatives, float32 kept, errors."""
import numpy as np
import pytest
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr

GEOMETRIES = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
              dict(kernel_size=3, padding=(0, 1), stride=2)]


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_unfold_and_fold(geometry):
    x = random_array((2, 3, 5, 6), 1)
    check_op(lambda lib, t: lib.nn.functional.unfold(t, **geometry), x)
    columns = cr.nn.functional.unfold(cr.tensor(x), **geometry)
    check_op(lambda lib, c: lib.nn.functional.fold(c, (5, 6), **geometry), random_array(columns.shape, 2))
    check_torch(lambda lib, c: lib.nn.functional.fold(c, (5, 6), **geometry), random_array(columns.shape[1:], 3))
    check_torch(lambda lib, t: lib.nn.functional.unfold(t, **geometry), x[0])


def test_second_order_and_float32():
    check_second_order(lambda lib, t: lib.nn.functional.unfold(t, 2, padding=1) ** 2, random_array((1, 2, 3, 3), 4))
    check_torch(lambda lib, t: lib.nn.functional.unfold(t, 2), random_array((1, 2, 3, 3), 5, dtype=np.float32))
    check_torch(lambda lib, c: lib.nn.functional.fold(c, 3, 2), random_array((1, 8, 4), 6, dtype=np.float32))


def test_errors():
    F = cr.nn.functional
    with pytest.raises(ValueError, match="4-D"):
        F.unfold(cr.ones(2, 3), 2)
    with pytest.raises(ValueError, match="no block fits"):
        F.unfold(cr.ones(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="blocks"):
        F.fold(cr.ones(1, 8, 5), 3, 2)
