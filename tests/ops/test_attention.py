"""scaled_dot_product_attention against torch.nn.functional's (values and gradients, float64 and float32),
against finite differences, and its argument errors."""
import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn.functional as F
from tests.torch_parity import check_op, check_second_order, check_torch, random_array


def sdpa(lib, *args, **kwargs):
    functional = F if lib is cr else torch.nn.functional
    return functional.scaled_dot_product_attention(*args, **kwargs)


def qkv(batch=(2,), length=3, source=4, features=5, value_features=6, seed=0, dtype=np.float64):
    return (random_array(batch + (length, features), seed, dtype=dtype),
            random_array(batch + (source, features), seed + 1, dtype=dtype),
            random_array(batch + (source, value_features), seed + 2, dtype=dtype))


@pytest.mark.parametrize("length, source", [(3, 4), (4, 3), (3, 3)])
def test_plain_and_causal_match_torch_with_finite_differences(length, source):
    q, k, v = qkv(length=length, source=source)
    check_op(lambda lib, q, k, v: sdpa(lib, q, k, v), q, k, v)
    check_op(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), q, k, v)  # top-left aligned when L != S


def test_scale_and_heads():
    q, k, v = qkv(batch=(2, 3))
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, scale=0.3), q, k, v)
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True, scale=2), q, k, v)


def test_bool_mask_true_takes_part_and_a_fully_masked_row_gives_zeros():
    q, k, v = qkv()
    mask = np.random.default_rng(3).random((2, 3, 4)) > 0.4
    mask[..., 0] = True
    mask[0, 1] = False  # a query that may attend to nothing: zeros, and zero gradients (no nan)
    out = check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, attn_mask=lib.tensor(mask)), q, k, v)
    assert np.all(out.detach().numpy()[0, 1] == 0)
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, attn_mask=lib.tensor(mask[1, :1])), q, k, v)  # broadcast


def test_float_mask_is_added_and_gets_its_gradient():
    q, k, v = qkv()
    bias = random_array((3, 4), 5)
    check_op(lambda lib, q, k, v, b: sdpa(lib, q, k, v, attn_mask=b), q, k, v, bias)
    row = random_array((1, 4), 6)
    check_torch(lambda lib, q, k, v, b: sdpa(lib, q, k, v, attn_mask=b), q, k, v, row)
    minus_inf = np.where(np.random.default_rng(4).random((3, 4)) > 0.5, -np.inf, 0.0)
    minus_inf[:, 0] = 0.0
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, attn_mask=lib.tensor(minus_inf)), q, k, v)


def test_unbatched_broadcast_batches_and_float32():
    q, k, v = qkv(batch=())
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v), q, k, v)
    q3, k1, v1 = qkv(batch=(3,))[0], *qkv(batch=(1,), seed=4)[1:]
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v), q3, k1, v1)
    out = check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), *qkv(dtype=np.float32))
    assert out.dtype == cr.float32


def test_grouped_query_attention():
    q = random_array((2, 4, 3, 5), 0)
    k, v = random_array((2, 2, 4, 5), 1), random_array((2, 2, 4, 6), 2)
    check_torch(lambda lib, q, k, v: sdpa(lib, q, k, v, enable_gqa=True), q, k, v)


def test_second_order():
    q, k, v = qkv(batch=(1,), length=2, source=3, features=2, value_features=2)
    check_second_order(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), q, k, v)


def test_dropout_zeroes_weights_and_rescales_the_rest():
    q, k, _ = qkv(batch=(4,), length=8, source=8)
    eye = np.eye(8)  # value = identity: the output is the (dropped-out) attention weights themselves
    weights = sdpa(torch, torch.tensor(q), torch.tensor(k), torch.tensor(eye)).numpy()
    cr.manual_seed(0)
    dropped = sdpa(cr, cr.tensor(q), cr.tensor(k), cr.tensor(eye), dropout_p=0.25).numpy()
    ratio = dropped / weights
    assert np.all(np.isclose(ratio, 0.0) | np.isclose(ratio, 1 / 0.75))
    assert 0.15 < np.mean(np.isclose(ratio, 0.0)) < 0.35
    cr.manual_seed(0)
    again = sdpa(cr, cr.tensor(q), cr.tensor(k), cr.tensor(eye), dropout_p=0.25).numpy()
    np.testing.assert_array_equal(dropped, again)  # chainrule's generator: reproducible
    assert not sdpa(cr, cr.tensor(q), cr.tensor(k), cr.tensor(eye), dropout_p=1.0).numpy().any()


def test_errors():
    q, k, v = (cr.tensor(a) for a in qkv())
    with pytest.raises(ValueError, match="attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.ones(3, 4, dtype=cr.bool), is_causal=True)
    with pytest.raises(ValueError, match="feature size"):
        F.scaled_dot_product_attention(q, k[..., :3], v)
    with pytest.raises(ValueError, match="sequence length"):
        F.scaled_dot_product_attention(q, k, v[:, :2])
    with pytest.raises(ValueError, match="at least 2 dims"):
        F.scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0])
    with pytest.raises(TypeError, match="same floating-point dtype"):
        F.scaled_dot_product_attention(q, k.float(), v)
    with pytest.raises(TypeError, match="bool or floating point"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.zeros(3, 4, dtype=cr.int64))
    with pytest.raises(ValueError, match="must broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.zeros(3, 3, dtype=cr.float64))
    with pytest.raises(ValueError, match="must broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=cr.zeros(5, 2, 3, 4, dtype=cr.float64))
    with pytest.raises(ValueError, match="dropout probability"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    heads = cr.zeros(2, 3, 3, 5, dtype=cr.float64)
    with pytest.raises(ValueError, match="enable_gqa"):
        F.scaled_dot_product_attention(cr.zeros(2, 4, 3, 5, dtype=cr.float64), heads, heads, enable_gqa=True)
