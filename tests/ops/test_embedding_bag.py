"""embedding_bag against PyTorch: every mode, 2-D bags and offsets, padding, per-sample weights, empty bags."""
import numpy as np
import pytest
import torch
import torch_parity  # noqa: F401  (CHAINRULE_ARRAY_LIBRARY: every tensor on that library, see tests/system/test_array_api.py)

import chainrule as cr

TABLE = np.random.default_rng(0).normal(size=(10, 3))
FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9])


def both(run, **table_options):
    """run(lib, weight) in both libraries; the outputs and the table's gradients must agree."""
    results = []
    for lib in (cr, torch):
        weight = lib.tensor(TABLE, requires_grad=True)
        out = run(lib, weight)
        (out * lib.arange(out.numel(), dtype=lib.float64).reshape(out.shape)).sum().backward()
        results.append((out.detach().numpy(), weight.grad.numpy()))
    (mine, theirs) = results
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_offsets_bags_match_torch(mode, padding_idx):
    both(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 4, 4, 6]), mode=mode,
                                                        padding_idx=padding_idx))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_two_dimensional_bags_and_include_last_offset_match_torch(mode):
    both(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT.reshape(2, 4)), w, mode=mode))
    both(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(FLAT), w, lib.tensor([0, 3, 8]), mode=mode,
                                                        include_last_offset=True))


def test_per_sample_weights_get_their_gradient_as_in_torch():
    grads = []
    for lib in (cr, torch):
        sample = lib.tensor(np.linspace(0.5, 2.0, FLAT.size), requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor(FLAT), lib.tensor(TABLE), lib.tensor([0, 5]), mode="sum",
                                              per_sample_weights=sample)
        (out ** 2).sum().backward()
        grads.append((out.detach().numpy(), sample.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


def test_bad_arguments_are_refused_as_in_torch():
    w = cr.tensor(TABLE)
    with pytest.raises(ValueError, match="mode"):
        cr.nn.functional.embedding_bag(cr.tensor(FLAT), w, cr.tensor([0]), mode="median")
    with pytest.raises(ValueError, match="per_sample_weights"):
        cr.nn.functional.embedding_bag(cr.tensor(FLAT), w, cr.tensor([0]), per_sample_weights=cr.ones(8))
    with pytest.raises(ValueError, match="offsets has to be None"):
        cr.nn.functional.embedding_bag(cr.tensor(FLAT.reshape(2, 4)), w, cr.tensor([0, 1]))
    with pytest.raises(ValueError, match="offsets has to be None"):  # torch refuses the same misuse
        torch.nn.functional.embedding_bag(torch.tensor(FLAT.reshape(2, 4)), torch.tensor(TABLE), torch.tensor([0, 1]))
