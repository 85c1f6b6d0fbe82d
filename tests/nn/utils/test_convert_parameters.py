"""parameters_to_vector and vector_to_parameters against torch.nn.utils: order, values, gradients, round trip."""
import numpy as np
import pytest
import torch
import torch.nn.utils as tutils

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.utils as utils


def models():
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def test_parameters_to_vector_matches_torch_and_is_differentiable():
    ours, theirs = models()
    vec, tvec = utils.parameters_to_vector(ours.parameters()), tutils.parameters_to_vector(theirs.parameters())
    assert vec.shape == tuple(tvec.shape) and vec.requires_grad and vec.dtype == cr.float64
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.detach().numpy())
    weights = np.arange(vec.shape[0], dtype=np.float64)
    (vec * cr.tensor(weights)).sum().backward()
    (tvec * torch.tensor(weights)).sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
    assert utils.parameters_to_vector([nn.Parameter(cr.ones(2, 2))]).dtype == cr.float32


def test_vector_to_parameters_matches_torch():
    ours, theirs = models()
    values = np.random.default_rng(2).normal(size=sum(p.numel() for p in theirs.parameters()))
    params = list(ours.parameters())
    utils.vector_to_parameters(cr.tensor(values), ours.parameters())
    tutils.vector_to_parameters(torch.tensor(values), theirs.parameters())
    assert list(ours.parameters()) == params  # the same Parameter objects, new values
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        assert p.shape == tuple(tp.shape) and isinstance(p, nn.Parameter)
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy())
    np.testing.assert_array_equal(utils.parameters_to_vector(ours.parameters()).detach().numpy(), values)
    x = np.random.default_rng(3).normal(size=(2, 3))
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12)
    with pytest.raises(TypeError, match="expected"):
        utils.vector_to_parameters(values, ours.parameters())
