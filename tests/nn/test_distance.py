"""PairwiseDistance and CosineSimilarity layers against torch's: reprs, values, gradients of both inputs."""
import pytest
import torch
from nn_testing import assert_close, assert_grads_close, pair, rng

import chainrule as cr
import chainrule.nn as nn


@pytest.mark.parametrize("name, options", [("PairwiseDistance", {}), ("PairwiseDistance", dict(p=1.0, keepdim=True)),
                                           ("PairwiseDistance", dict(p=3.0, eps=0.1)), ("CosineSimilarity", {}),
                                           ("CosineSimilarity", dict(dim=0, eps=1e-3))])
def test_distance_layers_match_torch(name, options):
    ours, theirs = getattr(nn, name)(**options), getattr(torch.nn, name)(**options)
    assert repr(ours) == repr(theirs)
    (a, ta), (b, tb) = pair(rng(1).normal(size=(4, 3))), pair(rng(2).normal(size=(4, 3)))
    y, ty = ours(a, b), theirs(ta, tb)
    assert_close(y, ty)
    gy = rng(3).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([a, b], [ta, tb])
    assert getattr(nn.modules.distance, name) is getattr(nn, name)
