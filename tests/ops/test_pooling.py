"""1-d pools, lp pools and adaptive max pools (ops/pooling.py) against PyTorch: values, indices, gradients in
float64, float32 kept, errors."""
import numpy as np
import pytest
from torch_parity import check_op, check_torch, random_array

import chainrule as cr


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                     dict(kernel_size=2, dilation=2, ceil_mode=True)])
def test_max_pool1d_with_indices(options):
    x = random_array((2, 3, 7), 1)
    check_op(lambda lib, t: lib.nn.functional.max_pool1d(t, **options), x)
    check_torch(lambda lib, t: lib.nn.functional.max_pool1d(t, return_indices=True, **options), x[0])


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                     dict(kernel_size=3, padding=1, count_include_pad=False, ceil_mode=True)])
def test_avg_pool1d(options):
    check_op(lambda lib, t: lib.nn.functional.avg_pool1d(t, **options), random_array((2, 3, 7), 2))


@pytest.mark.parametrize("size", [3, 7, 1])
def test_adaptive_pools_1d(size):
    x = random_array((2, 3, 7), 3)
    check_op(lambda lib, t: lib.nn.functional.adaptive_avg_pool1d(t, size), x)
    check_op(lambda lib, t: lib.nn.functional.adaptive_max_pool1d(t, size, True), x)


@pytest.mark.parametrize("size", [(3, 4), 2, (None, 3), (5, 7)])
def test_adaptive_max_pool2d_values_indices_gradients(size):
    x = random_array((2, 3, 5, 7), 4)
    check_op(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, size, return_indices=True), x)
    check_torch(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, size), x[0])


def test_adaptive_max_pool2d_ties_take_the_first_maximum():
    x = np.zeros((1, 1, 5, 5))
    check_torch(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, 3, return_indices=True), x)


@pytest.mark.parametrize("p", [2, 3, 1.5])
def test_lp_pools(p):
    x = random_array((2, 3, 6, 5), 5, 0.1, 2.0)
    check_op(lambda lib, t: lib.nn.functional.lp_pool2d(t, p, (2, 3), stride=2), x)
    check_op(lambda lib, t: lib.nn.functional.lp_pool1d(t, p, 2, ceil_mode=True), x[0, :, 0])


def test_float32_stays_float32():
    x = random_array((2, 3, 7), 6, dtype=np.float32)
    for fn in (lambda lib, t: lib.nn.functional.max_pool1d(t, 2), lambda lib, t: lib.nn.functional.avg_pool1d(t, 3),
               lambda lib, t: lib.nn.functional.adaptive_max_pool1d(t, 3),
               lambda lib, t: lib.nn.functional.lp_pool1d(t.abs(), 2, 2)):
        check_torch(fn, x)


def test_errors():
    F = cr.nn.functional
    with pytest.raises(ValueError, match="3-D"):
        F.max_pool1d(cr.ones(2, 2, 2, 2), 2)
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_max_pool2d(cr.ones(1, 2, 2), 0)


# windows that do not overlap: with overlapping ones an index can repeat, and then PyTorch keeps one value, we add them
@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=3, padding=1)])
def test_max_unpool_inverts_max_pool(options):
    x = random_array((2, 3, 6, 5), 7)
    values, indices = cr.nn.functional.max_pool2d(cr.tensor(x), return_indices=True, **options)

    def fn2d(lib, v):
        return lib.nn.functional.max_unpool2d(v, lib.tensor(indices.numpy()), output_size=(6, 5), **options)
    check_op(fn2d, values.numpy())
    values, indices = cr.nn.functional.max_pool1d(cr.tensor(x[0, :, 0]), return_indices=True, **options)
    check_op(lambda lib, v: lib.nn.functional.max_unpool1d(v, lib.tensor(indices.numpy()), output_size=[5], **options),
             values.numpy())


def test_max_unpool_refuses_indices_out_of_range():
    with pytest.raises(ValueError, match="index outside"):
        cr.nn.functional.max_unpool2d(cr.ones(1, 1, 1, 1), cr.tensor([[[[9]]]]), 2)
