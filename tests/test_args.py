"""args.py: the argument checks every layer shares, with errors that name the op (as PyTorch's do)."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.args import check_device, count_arg, normalize_dim, scalar_arg, shape_arg, size_arg
from chainrule.errors import OutOfRangeError


@pytest.mark.parametrize("dim, ndim", [(0, 3), (-1, 3), (2, 3), (-3, 3), (0, 0), (-1, 0)])
def test_normalize_dim_agrees_with_torch(dim, ndim):
    t = torch.zeros((2,) * ndim)
    assert normalize_dim(dim, ndim, "sum") == (dim % max(ndim, 1))
    t.sum(dim)  # torch accepts the same dims


@pytest.mark.parametrize("dim, ndim", [(3, 3), (-4, 3), (1, 0), (-2, 0)])
def test_normalize_dim_refuses_what_torch_refuses(dim, ndim):
    with pytest.raises(IndexError):
        torch.zeros((2,) * ndim).sum(dim)
    with pytest.raises(OutOfRangeError, match=rf"^sum: dim {dim} is out of range for a {ndim}-d tensor"):
        normalize_dim(dim, ndim, "sum")
    with pytest.raises(TypeError, match="^sum: dim must be an int"):
        normalize_dim(1.0, ndim, "sum")


@pytest.mark.parametrize("args", [(2, 3), ((2, 3),), ([2, 3],), (np.array([2, 3]),), (cr.tensor([2, 3]),), ((),)])
def test_shape_arg_takes_sizes_the_ways_torch_does(args):
    assert shape_arg(args, "zeros") == tuple(torch.zeros(*[a.tolist() if hasattr(a, "tolist") else a for a in args]).shape)


@pytest.mark.parametrize("args", [(2.0, 3), ("ab",), (b"ab",), ((2, None),)])
def test_shape_arg_refuses_what_is_not_sizes(args):
    with pytest.raises(TypeError, match="^zeros: sizes must be ints"):
        shape_arg(args, "zeros")


def test_size_count_scalar_and_device_checks_name_the_op():
    with pytest.raises(ValueError, match=r"^ones: sizes must be non-negative, got \(2, -1\)"):
        size_arg((2, -1), "ones")
    with pytest.raises(ValueError, match="^linspace: steps must be non-negative"):
        count_arg(-1, "linspace", "steps")
    with pytest.raises(TypeError, match="^linspace: steps must be an int"):
        count_arg(2.5, "linspace", "steps")
    assert scalar_arg(cr.tensor([2.5]), "fill_", "value") == 2.5 and scalar_arg(np.int64(3), "fill_", "value") == 3
    with pytest.raises(TypeError, match="^fill_: value must be a number, got str"):
        scalar_arg("1", "fill_", "value")
    check_device("cpu")
    check_device(cr.device("cpu"))
    with pytest.raises(RuntimeError, match="needs cupy"):  # no CuPy here: the message says how to get it
        check_device("cuda")
    with pytest.raises(TypeError, match="expected a device"):
        check_device(3)
