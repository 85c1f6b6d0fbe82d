"""Fold and Unfold layers against torch's: reprs, values, gradients; Fold(Unfold(x)) counts overlaps."""
import torch
from nn_testing import assert_close, pair, rng

import chainrule as cr
import chainrule.nn as nn


def test_fold_and_unfold_layers_match_torch():
    options = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    unfold, tunfold = nn.Unfold(**options), torch.nn.Unfold(**options)
    fold, tfold = nn.Fold((5, 6), **options), torch.nn.Fold((5, 6), **options)
    assert repr(unfold) == repr(tunfold) and repr(fold) == repr(tfold)
    x, tx = pair(rng(1).normal(size=(2, 3, 5, 6)))
    y, ty = fold(unfold(x)), tfold(tunfold(tx))
    assert_close(y, ty)
    gy = rng(2).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_close(x.grad, tx.grad)
    assert nn.modules.fold.Fold is nn.Fold and nn.modules.fold.Unfold is nn.Unfold
