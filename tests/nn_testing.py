"""Helpers for the nn tests: the same float64 values as a chainrule tensor and a torch tensor."""
import numpy as np
import pytest
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

