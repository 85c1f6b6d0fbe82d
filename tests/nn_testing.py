"""Helpers for the nn tests: the same float64 values as a chainrule tensor and a torch tensor."""
import numpy as np
import torch

import chainrule as cr


def pair(values, requires_grad=True, dtype=np.float64):
    """(chainrule tensor, torch tensor) holding copies of the same values."""
    array = np.array(values, dtype=dtype)
    ours = cr.tensor(array.copy(), requires_grad=requires_grad)
    theirs = torch.tensor(array.copy(), requires_grad=requires_grad)
    return ours, theirs


def index_pair(values):
    array = np.array(values, dtype=np.int64)
    return cr.tensor(array.copy()), torch.tensor(array.copy())


def as_numpy(t):
    return t.detach().numpy()  # chainrule and torch tensors alike


def assert_close(ours, theirs, rtol=1e-9, atol=1e-12):
    """Values (and shapes) of a chainrule tensor equal a torch tensor's."""
    a, b = as_numpy(ours), as_numpy(theirs)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def assert_grads_close(ours, theirs, rtol=1e-9, atol=1e-12):
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None
        else:
            assert a.grad is not None, "chainrule has no gradient where torch has one"
            assert_close(a.grad, b.grad, rtol, atol)


def rng(seed=0):
    return np.random.default_rng(seed)


def run_both(fn, tfn, arrays, **options):
    """fn / tfn on float64 copies of arrays (all requiring grad): values and all gradients must agree."""
    ours, theirs = zip(*(pair(a) for a in arrays))
    y, ty = fn(*ours, **options), tfn(*theirs, **options)
    assert_close(y, ty)
    gy = rng(7).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close(ours, theirs)
    return y


def run_both_with_indices(fn, tfn, x):
    """fn / tfn on float64 copies of x: outputs (and indices) and the input's gradient must agree."""
    ours, theirs = pair(x)
    y, ty = fn(ours), tfn(theirs)
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        assert y[1].dtype == cr.int64
        y, ty = y[0], ty[0]
    assert_close(y, ty)
    gy = rng(9).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([ours], [theirs])
