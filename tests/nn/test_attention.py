"""nn.MultiheadAttention against torch.nn.MultiheadAttention: the same weights (copied through state dicts)
give the same outputs, attention weights and gradients of every input and parameter, in float64."""
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from tests.nn_testing import assert_close

E, HEADS, L, S, N = 8, 2, 3, 4, 2


def twins(*args, **kwargs):
    """A torch MultiheadAttention and a chainrule one holding its (float64) weights."""
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(*args, **kwargs).double()
    ours = cr.nn.MultiheadAttention(*args, **kwargs).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def run_both(ours, theirs, arrays, masks=None, **options):
    """Call both modules on copies of arrays (query, key, value; the same array object is passed as one
    tensor, as in self-attention), then backpropagate the same gradients; compare everything."""
    masks = masks or {}
    made = {}
    inputs = []
    for array in arrays:
        if id(array) not in made:
            made[id(array)] = (cr.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True))
        inputs.append(made[id(array)])
    our_masks = {name: cr.tensor(mask) for name, mask in masks.items()}
    their_masks = {name: torch.tensor(mask) for name, mask in masks.items()}
    out, weights = ours(*(a for a, _ in inputs), **our_masks, **options)
    their_out, their_weights = theirs(*(b for _, b in inputs), **their_masks, **options)
    assert_close(out, their_out)
    assert (weights is None) == (their_weights is None)
    rng = np.random.default_rng(7)
    gy = rng.normal(size=tuple(their_out.shape))
    loss, their_loss = (out * cr.tensor(gy)).sum(), (their_out * torch.tensor(gy)).sum()
    if weights is not None:
        assert_close(weights, their_weights)
        gw = rng.normal(size=tuple(their_weights.shape))
        loss, their_loss = loss + (weights * cr.tensor(gw)).sum(), their_loss + (their_weights * torch.tensor(gw)).sum()
    loss.backward()
    their_loss.backward()
    for a, b in made.values():
        assert_close(a.grad, b.grad)
    compare_grads(ours, theirs)
    return out, weights


def compare_grads(ours, theirs):
    theirs = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, theirs[name].grad)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def padding(batch=N, source=S):
    mask = np.zeros((batch, source), bool)
    mask[0, -1] = mask[-1, 0] = True
    return mask


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_self_attention_with_masks(batch_first, need_weights, average):
    ours, theirs = twins(E, HEADS, batch_first=batch_first)
    x = rand(N, L, E) if batch_first else rand(L, N, E)
    options = dict(need_weights=need_weights, average_attn_weights=average)
    run_both(ours, theirs, (x, x, x), **options)
    causal = np.triu(np.ones((L, L), bool), 1)  # True: may not attend
    run_both(ours, theirs, (x, x, x), {"attn_mask": causal, "key_padding_mask": padding(source=L)}, **options)
    float_mask = np.where(causal, -np.inf, rand(L, L, seed=3))
    kpm = np.where(padding(source=L), -np.inf, 0.0)
    run_both(ours, theirs, (x, x, x), {"attn_mask": float_mask, "key_padding_mask": kpm}, **options)


@pytest.mark.parametrize("need_weights", [True, False])
def test_is_causal_hint_with_its_mask(need_weights):
    ours, theirs = twins(E, HEADS)
    x = rand(L, N, E)
    causal = np.triu(np.full((L, L), -np.inf), 1)
    run_both(ours, theirs, (x, x, x), {"attn_mask": causal}, is_causal=True, need_weights=need_weights)
    kpm = np.where(padding(source=L), -np.inf, 0.0)
    run_both(ours, theirs, (x, x, x), {"attn_mask": causal, "key_padding_mask": kpm}, is_causal=True,
             need_weights=need_weights)


@pytest.mark.parametrize("options", [
    {}, {"bias": False}, {"kdim": 5, "vdim": 3}, {"add_bias_kv": True}, {"add_zero_attn": True},
    {"add_bias_kv": True, "add_zero_attn": True, "batch_first": True},
])
def test_cross_attention_variants(options):
    ours, theirs = twins(E, HEADS, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shape = (N, L) if options.get("batch_first") else (L, N)
    key_shape = (N, S) if options.get("batch_first") else (S, N)
    q, k = rand(*shape, E), rand(*key_shape, options.get("kdim", E), seed=1)
    v = rand(*key_shape, options.get("vdim", E), seed=2)
    masks = {"key_padding_mask": padding(), "attn_mask": rand(L, S, seed=4) > 1.5}
    for need_weights in (True, False):
        run_both(ours, theirs, (q, k, v), masks, need_weights=need_weights)


def test_three_dim_attn_mask_and_unbatched_inputs():
    ours, theirs = twins(E, HEADS)
    q, k, v = rand(L, N, E), rand(S, N, E, seed=1), rand(S, N, E, seed=2)
    per_head = rand(N * HEADS, L, S, seed=5)
    run_both(ours, theirs, (q, k, v), {"attn_mask": per_head}, average_attn_weights=False)
    run_both(ours, theirs, (q, k, v), {"attn_mask": per_head}, need_weights=False)
    q1, k1, v1 = q[:, 0], k[:, 0], v[:, 0]
    out, weights = run_both(ours, theirs, (q1, k1, v1), {"key_padding_mask": padding()[0]})
    assert out.shape == (L, E) and weights.shape == (L, S)
    run_both(ours, theirs, (q1, k1, v1), {"attn_mask": per_head[:HEADS]}, need_weights=False)


def test_state_dicts_move_both_ways_and_init_is_torchs():
    ours = cr.nn.MultiheadAttention(E, HEADS, add_bias_kv=True)
    theirs = torch.nn.MultiheadAttention(E, HEADS, add_bias_kv=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), ours.state_dict()[name].numpy())
    assert isinstance(ours.out_proj, cr.nn.Linear)
    assert type(ours.out_proj).__name__ == type(theirs.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert not ours.in_proj_bias.detach().numpy().any() and not ours.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6 / (E + 3 * E))  # xavier_uniform_ of the (3E, E) in_proj_weight
    assert np.abs(ours.in_proj_weight.detach().numpy()).max() <= bound
    separate = cr.nn.MultiheadAttention(E, HEADS, kdim=5, vdim=3)
    assert [name for name, _ in separate.named_parameters()] == [
        name for name, _ in torch.nn.MultiheadAttention(E, HEADS, kdim=5, vdim=3).named_parameters()]
    assert separate.in_proj_weight is None


def test_float32_kept_and_dropout_only_in_training():
    module = cr.nn.MultiheadAttention(E, HEADS, dropout=0.5)
    x = cr.randn(L, N, E)
    out, weights = module(x, x, x)
    assert out.dtype == weights.dtype == cr.float32
    module.eval()
    first, second = module(x, x, x)[0], module(x, x, x)[0]
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    module.train()
    cr.manual_seed(1)
    dropped = module(x, x, x, need_weights=False)[0]
    assert not np.allclose(dropped.detach().numpy(), first.detach().numpy())


def test_mismatched_mask_types_warn_as_torch():
    ours = cr.nn.MultiheadAttention(E, HEADS)
    x = cr.randn(L, N, E)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        ours(x, x, x, key_padding_mask=cr.tensor(padding(source=L)), attn_mask=cr.zeros(L, L))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours(x, x, x, key_padding_mask=cr.tensor(padding(source=L)), attn_mask=cr.tensor(np.eye(L, dtype=bool)))


def test_errors():
    with pytest.raises(ValueError, match="divisible"):
        cr.nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        cr.nn.MultiheadAttention(8, 0)
    module = cr.nn.MultiheadAttention(E, HEADS)
    x = cr.randn(L, N, E)
    with pytest.raises(ValueError, match="unbatched 2-D or batched 3-D"):
        module(x[0, 0], x[0, 0], x[0, 0])
    with pytest.raises(ValueError, match="3-D too"):
        module(x, x[:, 0], x)
    with pytest.raises(ValueError, match="embed_dim"):
        module(x[..., :4], x, x)
    with pytest.raises(ValueError, match=r"attn_mask must have shape"):
        module(x, x, x, attn_mask=cr.zeros(L, L + 1))
    with pytest.raises(ValueError, match="key_padding_mask must have shape"):
        module(x, x, x, key_padding_mask=cr.zeros(N, L + 1, dtype=cr.bool))
    with pytest.raises(ValueError, match="needs attn_mask"):
        module(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match="only bool and floating"):
        module(x, x, x, attn_mask=cr.zeros(L, L, dtype=cr.int64))
