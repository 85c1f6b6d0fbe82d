"""embedding against PyTorch: lookups, gradients (repeated indices, padding_idx, scale_grad_by_freq),
max_norm's in-place renorm, zero sizes, second derivatives, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_testing import assert_close, assert_grads_close, index_pair, pair, rng
from torch_parity import check_second_order, random_array

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.errors import OutOfRangeError

INDICES = {
    "matrix": [[1, 2, 1, 0], [6, 1, 3, 3]],
    "vector": [4, 4, 4],
    "scalar": 5,
    "empty": np.zeros((0, 2), np.int64),
}
OPTIONS = [{}, dict(padding_idx=1), dict(padding_idx=-1, scale_grad_by_freq=True), dict(scale_grad_by_freq=True),
           dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0, padding_idx=3)]


@pytest.mark.parametrize("indices", sorted(INDICES))
@pytest.mark.parametrize("options", OPTIONS)
def test_embedding_matches_torch(indices, options):
    w, tw = pair(rng(1).normal(size=(7, 3)))
    i, ti = index_pair(INDICES[indices])
    y, ty = F.embedding(i, w, **options), TF.embedding(ti, tw, **options)
    assert_close(y, ty)
    assert_close(w, tw)  # max_norm rescales the rows looked up in place
    gy = rng(2).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([w], [tw])


ZERO_SIZE_TABLES = [  # (indices, table shape): empty lookups, 0-wide rows, an empty table
    (np.zeros(0, np.int64), (5, 3)),
    (np.zeros((2, 0), np.int64), (5, 3)),
    (np.array([[0, 4, 4], [1, 0, 2]]), (5, 0)),
    (np.zeros(0, np.int64), (0, 3)),
    (np.zeros((0, 2), np.int64), (0, 0)),
]


@pytest.mark.parametrize("indices, table", ZERO_SIZE_TABLES)
@pytest.mark.parametrize("options", OPTIONS[:4] + [dict(max_norm=1.0)])
def test_embedding_with_zero_sizes_matches_torch(indices, table, options):
    if "padding_idx" in options and table[0] == 0:
        options = {k: v for k, v in options.items() if k != "padding_idx"}  # no row to pad in an empty table
    w, tw = pair(rng(4).normal(size=table))
    i, ti = index_pair(indices)
    y, ty = F.embedding(i, w, **options), TF.embedding(ti, tw, **options)
    assert_close(y, ty)
    assert_close(w, tw)
    gy = rng(5).normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([w], [tw])


def test_embedding_second_derivatives_match_torch():
    indices = np.array([[1, 2, 1], [0, 2, 2]])
    check_second_order(lambda lib, w: lib.nn.functional.embedding(lib.tensor(indices), w, padding_idx=0) ** 3,
                       random_array((4, 2), 1))


def test_embedding_errors():
    table = cr.randn(5, 3)
    with pytest.raises(TypeError, match="integer"):
        F.embedding(cr.tensor([1.0]), table)
    with pytest.raises(OutOfRangeError, match="index 5"):
        F.embedding(cr.tensor([0, 5]), table)
    with pytest.raises(IndexError):
        F.embedding(cr.tensor([-1]), table)
    with pytest.raises(ValueError, match="padding_idx"):
        F.embedding(cr.tensor([0]), table, padding_idx=5)
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(5, 3, padding_idx=-6)
    with pytest.raises(ValueError, match="2-D"):
        F.embedding(cr.tensor([0]), cr.randn(5))
    with pytest.raises(ValueError, match="shape of weight"):
        nn.Embedding(5, 3, _weight=cr.randn(4, 3))


def test_max_norm_on_another_device_rescales_the_table_in_place_like_torch():
    table = rng(6).normal(size=(5, 3)) * 2
    w = cr.tensor(table).to("array_api_strict").requires_grad_()
    tw = torch.tensor(table, requires_grad=True)
    seen_before, version = w.detach(), w._version  # shares w's memory: it must see the new rows
    y = F.embedding(cr.tensor([3, 0, 3]).to("array_api_strict"), w, max_norm=1.5, norm_type=3.0)
    ty = TF.embedding(torch.tensor([3, 0, 3]), tw, max_norm=1.5, norm_type=3.0)
    assert_close(y, ty)
    assert_close(w, tw)
    np.testing.assert_allclose(seen_before.cpu().numpy(), tw.detach().numpy(), rtol=1e-12)
    assert w._version > version and str(w.device) == "array_api_strict"
