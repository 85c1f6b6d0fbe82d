"""The Transformer layers, stacks and nn.Transformer against PyTorch's: the same weights (copied through
state dicts) give the same outputs and gradients of every input and parameter, in float64."""
import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn.functional as F
from tests.nn_testing import assert_close

D, HEADS, FF, N = 8, 2, 16, 2
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")  # torch's, about its fast path


def twins(name, *args, **kwargs):
    """torch.nn.<name>(*args) in float64, and chainrule.nn.<name>(*args) holding its weights. dropout=0, so
    training mode (the autograd path) is compared."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(cr.nn, name)(*_ours(args), **_ours(kwargs)).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _ours(args):
    """The torch layers among the arguments (an encoder layer, a norm) made again in chainrule."""
    def convert(value):
        if isinstance(value, torch.nn.Module):
            layer = _rebuild(value)
            layer.load_state_dict(value.state_dict())
            return layer
        return {torch.nn.functional.gelu: F.gelu, torch.nn.functional.relu: F.relu}.get(value, value)
    if isinstance(args, dict):
        return {key: convert(value) for key, value in args.items()}
    return tuple(convert(value) for value in args)


def _rebuild(module):
    if isinstance(module, torch.nn.LayerNorm):
        return cr.nn.LayerNorm(module.normalized_shape, eps=module.eps).double()
    attn = module.self_attn
    return getattr(cr.nn, type(module).__name__)(
        attn.embed_dim, attn.num_heads, module.linear1.out_features, 0.0, batch_first=attn.batch_first,
        norm_first=module.norm_first).double()


def run_both(ours, theirs, arrays, masks=None, **options):
    """Call both on copies of the arrays (plus masks), backpropagate the same gradient, compare all."""
    pairs = [(cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)) for a in arrays]
    masks = masks or {}
    out = ours(*(a for a, _ in pairs), **{k: cr.tensor(m) for k, m in masks.items()}, **options)
    their_out = theirs(*(b for _, b in pairs), **{k: torch.tensor(m) for k, m in masks.items()}, **options)
    assert_close(out, their_out, rtol=1e-8, atol=1e-10)
    gy = np.random.default_rng(7).normal(size=tuple(their_out.shape))
    out.backward(cr.tensor(gy))
    their_out.backward(torch.tensor(gy))
    for a, b in pairs:
        assert_close(a.grad, b.grad, rtol=1e-8, atol=1e-10)
    their_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, their_params[name].grad, rtol=1e-8, atol=1e-10)
    return out


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def sequence(length, batch_first, seed=0):
    return rand(N, length, D, seed=seed) if batch_first else rand(length, N, D, seed=seed)


def padding(length):
    mask = np.zeros((N, length), bool)
    mask[0, -1] = True
    return mask


def causal(length):
    return np.triu(np.full((length, length), -np.inf), 1)


@pytest.mark.parametrize("batch_first, norm_first, activation", [
    (False, False, "relu"), (True, True, "gelu"), (True, False, torch.tanh), (False, True, "relu"),
])
def test_encoder_layer(batch_first, norm_first, activation):
    ours, theirs = twins("TransformerEncoderLayer", D, HEADS, FF, 0.0, batch_first=batch_first, norm_first=norm_first,
                         activation=activation if isinstance(activation, str) else torch.tanh)
    if not isinstance(activation, str):
        ours.activation = cr.tanh
    x = sequence(4, batch_first)
    run_both(ours, theirs, [x])
    run_both(ours, theirs, [x], {"src_mask": causal(4), "src_key_padding_mask": np.where(padding(4), -np.inf, 0.0)})
    run_both(ours, theirs, [x], {"src_mask": causal(4)}, is_causal=True)
    run_both(ours, theirs, [x], {"src_mask": rand(4, 4, seed=3) > 0.8, "src_key_padding_mask": padding(4)})


@pytest.mark.parametrize("batch_first, norm_first", [(False, False), (True, True)])
def test_decoder_layer(batch_first, norm_first):
    ours, theirs = twins("TransformerDecoderLayer", D, HEADS, FF, 0.0, batch_first=batch_first, norm_first=norm_first)
    tgt, memory = sequence(3, batch_first), sequence(5, batch_first, seed=1)
    run_both(ours, theirs, [tgt, memory])
    masks = {"tgt_mask": causal(3), "memory_mask": rand(3, 5, seed=2), "tgt_key_padding_mask": padding(3),
             "memory_key_padding_mask": padding(5)}
    run_both(ours, theirs, [tgt, memory], {k: v for k, v in masks.items() if "padding" not in k}, tgt_is_causal=True)
    bool_masks = {k: (v == -np.inf if k == "tgt_mask" else v) for k, v in masks.items() if k != "memory_mask"}
    run_both(ours, theirs, [tgt, memory], bool_masks)


def test_stacks_deep_copy_the_layer_and_detect_causal_masks():
    layer = torch.nn.TransformerEncoderLayer(D, HEADS, FF, 0.0)
    ours, theirs = twins("TransformerEncoder", layer, 2, torch.nn.LayerNorm(D), enable_nested_tensor=False)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    x = sequence(4, False)
    run_both(ours, theirs, [x], {"mask": causal(4), "src_key_padding_mask": np.where(padding(4), -np.inf, 0.0)})
    run_both(ours, theirs, [x], {"mask": causal(4)})
    decoder_layer = torch.nn.TransformerDecoderLayer(D, HEADS, FF, 0.0, batch_first=True)
    ours, theirs = twins("TransformerDecoder", decoder_layer, 2)
    tgt, memory = sequence(3, True), sequence(4, True, seed=1)
    run_both(ours, theirs, [tgt, memory], {"tgt_mask": causal(3), "memory_key_padding_mask": padding(4)})


def test_layers_start_equal_and_train_apart():
    layer = cr.nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = cr.nn.TransformerEncoder(layer, 2)
    first, second = (dict(m.named_parameters()) for m in encoder.layers)
    for name in first:
        np.testing.assert_array_equal(first[name].detach().numpy(), second[name].detach().numpy())
    with cr.no_grad():
        first["linear1.weight"].zero_()
    assert second["linear1.weight"].detach().numpy().any() and layer.linear1.weight.detach().numpy().any()


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first):
    ours, theirs = twins("Transformer", D, HEADS, 2, 2, FF, 0.0, batch_first=batch_first)
    src, tgt = sequence(5, batch_first), sequence(3, batch_first, seed=1)
    masks = {"src_mask": rand(5, 5, seed=4), "tgt_mask": causal(3), "memory_mask": rand(3, 5, seed=5),
             "src_key_padding_mask": padding(5), "tgt_key_padding_mask": padding(3),
             "memory_key_padding_mask": padding(5)}
    masks = {k: (np.where(m, -np.inf, 0.0) if m.dtype == bool else m) for k, m in masks.items()}
    run_both(ours, theirs, [src, tgt], masks, tgt_is_causal=True)
    run_both(ours, theirs, [src[:, 0] if not batch_first else src[0], tgt[:, 0] if not batch_first else tgt[0]])


def test_transformer_state_dict_both_ways_and_mask():
    ours = cr.nn.Transformer(D, HEADS, 1, 1, FF, norm_first=True, bias=False)
    theirs = torch.nn.Transformer(D, HEADS, 1, 1, FF, norm_first=True, bias=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    src, tgt = rand(4, N, D).astype(np.float32), rand(3, N, D, seed=1).astype(np.float32)
    with cr.no_grad():
        out = ours(cr.tensor(src), cr.tensor(tgt))
    assert out.dtype == cr.float32
    assert_close(out, theirs(torch.tensor(src), torch.tensor(tgt)), rtol=1e-4, atol=1e-5)
    for size in (1, 4):
        assert_close(cr.nn.Transformer.generate_square_subsequent_mask(size),
                     torch.nn.Transformer.generate_square_subsequent_mask(size))
    assert cr.nn.Transformer.generate_square_subsequent_mask(3, dtype=cr.float64).dtype == cr.float64


def test_subclass_of_transformer():
    class Seq2Seq(cr.nn.Transformer):
        def __init__(self, vocab):
            super().__init__(d_model=D, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=FF, batch_first=True)
            self.embed = cr.nn.Embedding(vocab, D)
            self.head = cr.nn.Linear(D, vocab)

        def forward(self, src, tgt):
            mask = self.generate_square_subsequent_mask(tgt.shape[1])
            return self.head(super().forward(self.embed(src), self.embed(tgt), tgt_mask=mask))

    model = Seq2Seq(11)
    logits = model(cr.randint(0, 11, (N, 5)), cr.randint(0, 11, (N, 3)))
    assert logits.shape == (N, 3, 11)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert "encoder.layers.0.self_attn.in_proj_weight" in model.state_dict()


def test_errors():
    with pytest.raises(ValueError, match="relu/gelu"):
        cr.nn.TransformerEncoderLayer(D, HEADS, activation="swish")
    with pytest.raises(ValueError, match="divisible"):
        cr.nn.TransformerDecoderLayer(10, 3)
    with pytest.raises(TypeError, match="Module"):
        cr.nn.TransformerEncoder("layer", 2)
    model = cr.nn.Transformer(D, HEADS, 1, 1, FF)
    with pytest.raises(ValueError, match="batch number"):
        model(cr.randn(4, N, D), cr.randn(3, N + 1, D))
    with pytest.raises(ValueError, match="d_model"):
        model(cr.randn(4, N, D + 1), cr.randn(3, N, D))
