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


# ---- randint's two forms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call, low, high", [
    (lambda m: m.randint(10, (3,)), 0, 10), (lambda m: m.randint(2, 5, (4, 2)), 2, 5),
    (lambda m: m.randint(5, size=(2,)), 0, 5), (lambda m: m.randint(high=5, size=(2,)), 0, 5),
    (lambda m: m.randint(low=2, high=5, size=(3,)), 2, 5), (lambda m: m.randint(5, (2,), dtype=m.float32), 0, 5),
    (lambda m: m.randint(-3, 0, [6]), -3, 0),
])
def test_randint_takes_torchs_forms(call, low, high):
    mine, theirs = call(cr), call(torch)
    assert mine.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.")) and mine.shape == tuple(theirs.shape)
    assert ((mine.numpy() >= low) & (mine.numpy() < high)).all()


def test_randint_without_a_size_is_an_error():
    for call in (lambda m: m.randint(10), lambda m: m.randint(3, 10)):
        with pytest.raises(TypeError):
            call(torch)
        with pytest.raises(TypeError, match="randint"):
            call(cr)


# ---- multinomial and bernoulli: their distributions, since the numbers can't be torch's ----------------------
def test_multinomial_with_replacement_follows_the_weights():
    weights = np.array([[0.1, 0.0, 0.6, 0.3], [5.0, 5.0, 0.0, 0.0]])
    drawn = cr.multinomial(cr.tensor(weights), 20000, replacement=True, generator=cr.Generator().manual_seed(1))
    assert drawn.dtype == cr.int64 and drawn.shape == (2, 20000) == tuple(torch.multinomial(torch.tensor(weights), 20000, True).shape)
    for row, w in zip(drawn.numpy(), weights):
        frequencies = np.bincount(row, minlength=4) / row.size
        np.testing.assert_allclose(frequencies, w / w.sum(), atol=0.015)  # ~4 standard deviations
        assert (frequencies[w == 0] == 0).all()


def test_multinomial_without_replacement_never_repeats_and_follows_the_weights():
    weights = cr.tensor([0.5, 0.25, 0.125, 0.125], dtype=cr.float64)
    cr.manual_seed(3)
    firsts = []
    for _ in range(3000):
        draw = cr.multinomial(weights, 3).tolist()
        assert len(set(draw)) == 3
        firsts.append(draw[0])
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 3000, [0.5, 0.25, 0.125, 0.125], atol=0.03)
    everything = cr.multinomial(cr.tensor([0.0, 1.0, 0.0]), 3)  # zero weights come after the positive ones
    assert sorted(everything.tolist()) == [0, 1, 2] and everything[0].item() == 1
    assert cr.multinomial(weights, 2).shape == (2,) and weights.multinomial(4).sort().values.tolist() == [0, 1, 2, 3]


def test_multinomial_is_reproducible_with_a_seed():
    weights = cr.tensor([[1.0, 2.0, 3.0]])
    runs = [cr.multinomial(weights, 5, True, generator=cr.Generator().manual_seed(7)).tolist() for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("weights, count, replacement, kind", [
    ([0.2, 0.8], 3, False, ValueError),           # more samples than categories
    ([1.0, -1.0], 1, True, ValueError),           # a negative weight
    ([[0.0, 0.0], [1.0, 1.0]], 1, True, ValueError),  # a row of zeros
    ([1.0, float("inf")], 1, True, ValueError),
    ([1.0, float("nan")], 1, True, ValueError),
    ([1, 2], 1, True, TypeError),                 # integer weights
    ([0.5, 0.5], 0, True, ValueError),
    ([[[0.5, 0.5]]], 1, True, ValueError),        # 3-d
], ids=str)
def test_multinomial_refuses_what_torch_refuses(weights, count, replacement, kind):
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor(weights), count, replacement)
    with pytest.raises(kind, match="multinomial"):
        cr.multinomial(cr.tensor(weights), count, replacement)


def test_bernoulli_follows_its_probabilities():
    p = cr.tensor([0.0, 0.2, 0.5, 0.9, 1.0], dtype=cr.float64)
    cr.manual_seed(5)
    draws = np.stack([cr.bernoulli(p).numpy() for _ in range(4000)])
    assert draws.dtype == np.float64 and set(np.unique(draws)) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(0), p.numpy(), atol=0.03)
    assert cr.bernoulli(cr.rand(3)).dtype == cr.float32 == np.dtype(str(torch.bernoulli(torch.rand(3)).dtype)[6:])
    constant = cr.bernoulli(cr.zeros(10000, dtype=cr.int64), p=0.3, generator=cr.Generator().manual_seed(2))
    assert constant.dtype == cr.int64 and abs(constant.numpy().mean() - 0.3) < 0.02
    assert cr.ones(4).bernoulli(0.0).tolist() == [0.0] * 4 and p.bernoulli().shape == (5,)


def test_bernoulli_refuses_what_torch_refuses():
    for bad in ([1.5], [-0.5], [float("nan")]):
        with pytest.raises(RuntimeError):
            torch.bernoulli(torch.tensor(bad))
        with pytest.raises(ValueError, match="bernoulli"):
            cr.bernoulli(cr.tensor(bad))
    with pytest.raises(ValueError, match="bernoulli"):
        cr.bernoulli(cr.ones(2), 1.5)
    with pytest.raises(TypeError, match="bernoulli"):
        cr.bernoulli(cr.tensor([1, 0]))
