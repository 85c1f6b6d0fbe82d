"""Margin and embedding losses and pairwise_distance (ops/margin_loss.py, through nn.functional): values and
gradients against PyTorch in float64 for every reduction, float32 kept, finite differences, errors."""
import numpy as np
import pytest
from torch_parity import check_op, check_torch, random_array

import chainrule as cr

REDUCTIONS = ("mean", "sum", "none")
SIGNS = np.array([1.0, -1.0, -1.0, 1.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_loss(reduction):
    a, b = random_array((4,), 1), random_array((4,), 2)
    check_op(lambda lib, x, y: lib.nn.functional.margin_ranking_loss(x, y, lib.tensor(SIGNS), 0.3,
                                                                      reduction=reduction), a, b)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss(reduction):
    target = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
    check_op(lambda lib, x: lib.nn.functional.hinge_embedding_loss(x, lib.tensor(target), 1.5, reduction=reduction),
             random_array((2, 3), 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(reduction):
    target = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
    check_op(lambda lib, x: lib.nn.functional.soft_margin_loss(x, lib.tensor(target), reduction=reduction),
             random_array((2, 3), 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss_with_and_without_weight(reduction):
    target = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    x = random_array((2, 3), 5)
    check_op(lambda lib, t: lib.nn.functional.multilabel_soft_margin_loss(t, lib.tensor(target), reduction=reduction), x)
    check_op(lambda lib, t, w: lib.nn.functional.multilabel_soft_margin_loss(t, lib.tensor(target), w,
                                                                              reduction=reduction), x,
             random_array((3,), 6, 0.5, 1.5))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction):
    a, b = random_array((4, 3), 7), random_array((4, 3), 8)
    check_op(lambda lib, x, y: lib.nn.functional.cosine_embedding_loss(x, y, lib.tensor(SIGNS), 0.1,
                                                                        reduction=reduction), a, b)
    check_torch(lambda lib, x, y: lib.nn.functional.cosine_embedding_loss(x, y, lib.tensor(-1.0), reduction=reduction),
                a[0], b[0])


@pytest.mark.parametrize("p, weighted", [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss(p, weighted, reduction):
    x, target = random_array((3, 4), 9, -1, 1), np.array([0, 3, 1])
    w = random_array((4,), 10, 0.5, 1.5) if weighted else None  # PyTorch takes no gradient for weight

    def fn(lib, t):
        return lib.nn.functional.multi_margin_loss(t, lib.tensor(target), p, 0.8, None if w is None else lib.tensor(w),
                                                   reduction=reduction)
    check_op(fn, x)
    check_torch(lambda lib, t: lib.nn.functional.multi_margin_loss(t, lib.tensor(2), p, reduction=reduction), x[0])


@pytest.mark.parametrize("p, swap", [(2, False), (2, True), (1, False), (3, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_loss(p, swap, reduction):
    a, pos, neg = (random_array((4, 3), seed) for seed in (11, 12, 13))
    check_op(lambda lib, x, y, z: lib.nn.functional.triplet_margin_loss(x, y, z, 1.5, p, swap=swap,
                                                                         reduction=reduction), a, pos, neg)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, keepdim):
    check_op(lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y, p, 1e-6, keepdim), random_array((3, 4), 14),
             random_array((1, 4), 15))
    check_torch(lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y, p, keepdim=keepdim), random_array((4,), 16),
                random_array((4,), 17))


def test_float32_stays_float32():
    a, b = random_array((4, 3), 18, dtype=np.float32), random_array((4, 3), 19, dtype=np.float32)
    signs = SIGNS.astype(np.float32)
    check_torch(lambda lib, x, y: lib.nn.functional.cosine_embedding_loss(x, y, lib.tensor(signs)), a, b)
    check_torch(lambda lib, x, y: lib.nn.functional.triplet_margin_loss(x, y, x * 2), a, b)
    check_torch(lambda lib, x: lib.nn.functional.multi_margin_loss(x, lib.tensor([0, 1, 2, 0])), a)
    check_torch(lambda lib, x: lib.nn.functional.soft_margin_loss(x[:, 0], lib.tensor(signs)), a)


def test_errors():
    F = cr.nn.functional
    x = cr.tensor(random_array((2, 3), 20))
    with pytest.raises(ValueError, match="reduction"):
        F.soft_margin_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="same dimension"):
        F.margin_ranking_loss(x, x, cr.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(x, cr.tensor([0, 1]), p=3)
    with pytest.raises(IndexError, match="target"):
        F.multi_margin_loss(x, cr.tensor([0, 3]))
    with pytest.raises(ValueError, match="same number of dimensions"):
        F.triplet_margin_loss(x, x, x[0])
