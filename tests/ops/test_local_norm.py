"""instance_norm and local_response_norm (ops/local_norm.py) against PyTorch: values, gradients (input, weight,
bias), running statistics, float32 kept, errors."""
import numpy as np
import pytest
import torch
from torch_parity import check_op, check_torch, random_array

import chainrule as cr


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3)])
def test_instance_norm_with_affine(shape):
    x, w, b = random_array(shape, 1), random_array((3,), 2), random_array((3,), 3)
    check_op(lambda lib, t, weight, bias: lib.nn.functional.instance_norm(t, weight=weight, bias=bias), x, w, b)
    check_op(lambda lib, t: lib.nn.functional.instance_norm(t, eps=0.1), x)


def test_instance_norm_updates_running_statistics_like_torch():
    x = random_array((2, 3, 5), 4)
    ours = [cr.zeros(3, dtype=cr.float64), cr.ones(3, dtype=cr.float64)]
    theirs = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    y = cr.nn.functional.instance_norm(cr.tensor(x), *ours, momentum=0.3)
    ty = torch.nn.functional.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    for a, b in [(y, ty)] + list(zip(ours, theirs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    y = cr.nn.functional.instance_norm(cr.tensor(x), *ours, use_input_stats=False)
    ty = torch.nn.functional.instance_norm(torch.tensor(x), *theirs, use_input_stats=False)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape, size", [((2, 5, 4), 3), ((2, 5, 3, 2), 2), ((1, 4, 2, 2, 2), 5)])
def test_local_response_norm(shape, size):
    check_op(lambda lib, t: lib.nn.functional.local_response_norm(t, size, alpha=0.5, beta=0.6, k=1.5),
             random_array(shape, 5))


def test_float32_and_errors():
    x = random_array((2, 3, 5), 6, dtype=np.float32)
    check_torch(lambda lib, t: lib.nn.functional.instance_norm(t), x)
    check_torch(lambda lib, t: lib.nn.functional.local_response_norm(t, 2), x)
    with pytest.raises(ValueError, match="3D or higher"):
        cr.nn.functional.local_response_norm(cr.ones(2, 3), 2)
    with pytest.raises(ValueError, match="instance_norm"):
        cr.nn.functional.instance_norm(cr.ones(2, 3))
