"""The random factories (randn, rand) and manual_seed."""
import numpy as np
import pytest
import torch

import chainrule as cr


def test_random_factories():
    cr.manual_seed(0)
    a = cr.randn(())
    assert a.shape == () and a.dtype == cr.float32
    b, c = cr.rand(2, 3), cr.randn(4, dtype=cr.float64, requires_grad=True)
    assert b.shape == (2, 3) and b.dtype == cr.float32 and ((b.numpy() >= 0) & (b.numpy() < 1)).all()
    assert c.dtype == cr.float64 and c.requires_grad and c.is_leaf
    cr.manual_seed(0)
    assert cr.randn(()).item() == a.item()


@pytest.mark.parametrize("seed", [0, 1, -1, -2**63, 2**63, 2**64 - 1, 5.0, -1.0, True, np.int64(-7), np.uint64(2**64 - 1)], ids=repr)
def test_manual_seed_takes_what_torch_takes_and_keeps_its_initial_seed(seed):
    assert cr.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
    assert cr.initial_seed() == torch.initial_seed()
    assert cr.Generator().manual_seed(seed).initial_seed() == torch.Generator().manual_seed(int(seed)).initial_seed()  # it takes ints only
    first = cr.randn(3).tolist()
    cr.manual_seed(seed)
    assert cr.randn(3).tolist() == first  # deterministic, negative seeds included


def test_manual_seed_negative_seed_is_its_twos_complement():
    cr.manual_seed(-1)
    a = cr.rand(4).tolist()
    cr.manual_seed(2**64 - 1)
    assert cr.rand(4).tolist() == a
    cr.manual_seed(-2)
    assert cr.rand(4).tolist() != a


@pytest.mark.parametrize("seed", [2**64, 2**70, -2**63 - 1, float(2**64)], ids=repr)
def test_manual_seed_refuses_what_torch_refuses(seed):
    with pytest.raises((ValueError, RuntimeError), match="Overflow"):
        torch.manual_seed(seed)
    with pytest.raises(ValueError, match=r"manual_seed.*-9223372036854775808 to 18446744073709551615"):
        cr.manual_seed(seed)
    with pytest.raises(ValueError, match="manual_seed"):
        cr.Generator().manual_seed(seed)


@pytest.mark.parametrize("seed", [1.5, float("nan"), "3", None, [1]], ids=repr)
def test_manual_seed_refuses_non_integers(seed):
    with pytest.raises(TypeError, match=r"manual_seed: the seed must be an int"):
        cr.manual_seed(seed)
