"""scaled_dot_product_attention: softmax(query @ key^T * scale + mask) @ value, as in PyTorch.

Composed of matmul, softmax and where, so autograd differentiates it (twice, too) with no backward of its
own: the two matmuls dominate the time, and the fused op would save only a few elementwise passes.
Masks are turned into NumPy constants first: a bool mask keeps the True positions (the others get -inf),
is_causal keeps the lower triangle (query i sees keys 0..i, aligned top-left as PyTorch does), and a
float mask is added to the scores (it may require grad). A query row whose keys are all masked gets
zero weights and a zero output (PyTorch's "safe softmax"), instead of nan.
"""
import math
import numbers

import numpy as np

from .. import random
from ..device import constant, library_of
from ..tensor import Tensor, _wrap
from .elementwise import cast, where
from .linalg import matmul
from .shape import broadcast_to, reshape, transpose, unsqueeze
from .softmax import softmax


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev).

    attn_mask: bool (True = take part) or float (added to the scores), broadcastable to (..., L, S).
    dropout_p: dropout on the attention weights, always applied (pass 0.0 at eval time, as in PyTorch).
    scale: defaults to 1 / sqrt(E). enable_gqa: key and value may have fewer heads (dim -3) than query."""
    _check_inputs(query, key, value, enable_gqa)
    _check_dropout(dropout_p)
    if attn_mask is not None and is_causal:
        raise ValueError(
            "scaled_dot_product_attention: give either attn_mask or is_causal=True, not both "
            "(PyTorch refuses this too; fold the causal mask into attn_mask instead)"
        )
    if enable_gqa:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    weights = attention_weights(query, key, attn_mask, is_causal, scale, safe=True)
    return matmul(dropout_weights(weights, dropout_p), value)


def attention_weights(query, key, attn_mask=None, is_causal=False, scale=None, safe=True):
    """softmax(query @ key^T * scale + mask) over the keys: (..., L, S).

    safe=True gives fully masked rows zero weights (scaled_dot_product_attention); safe=False leaves them
    nan, as PyTorch's MultiheadAttention does when it returns its weights."""
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = matmul(query * scale, transpose(key, -2, -1))
    if is_causal:
        length, source = scores.shape[-2:]
        scores = where(_wrap(constant(np.tri(length, source, dtype=bool), None, scores._data)), scores, -math.inf)
    if attn_mask is not None:
        scores = _apply_mask(scores, attn_mask, query.dtype)
    if not safe:
        return softmax(scores, -1)
    xp = library_of(scores._data)
    dead = xp.all(scores._data == -math.inf, axis=-1, keepdims=True)
    if not xp.any(dead):
        return softmax(scores, -1)
    dead = _wrap(dead)
    return where(dead, 0.0, softmax(where(dead, 0.0, scores), -1))  # no nan in the values or the gradients


def dropout_weights(weights, p):
    """Zero each weight with probability p and scale the rest by 1 / (1 - p), with chainrule's generator."""
    if p == 0:
        return weights
    keep = random.uniform_array(weights.shape, weights.dtype) >= p
    factor = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return weights * _wrap(constant(keep * factor, weights.dtype, weights._data))


def _apply_mask(scores, attn_mask, dtype):
    if not isinstance(attn_mask, Tensor):
        raise TypeError(f"scaled_dot_product_attention: attn_mask must be a Tensor or None, got {type(attn_mask).__name__}")
    kind = attn_mask.dtype.kind
    if kind not in "bf":
        raise TypeError(f"scaled_dot_product_attention: attn_mask must be bool or floating point, got {attn_mask.dtype}")
    try:
        fits = np.broadcast_shapes(attn_mask.shape, scores.shape) == scores.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"scaled_dot_product_attention: attn_mask of shape {tuple(attn_mask.shape)} must broadcast to the "
            f"attention scores' shape {tuple(scores.shape)} (..., L, S)"
        )
    if kind == "b":
        return where(attn_mask._data, scores, -math.inf)
    return scores + cast(attn_mask, dtype)


def _repeat_heads(t, heads):
    """(..., H, S, E) -> (..., heads, S, E), each head repeated heads // H times in a row (repeat_interleave)."""
    if t.shape[-3] == heads:
        return t
    *batch, h, s, e = t.shape
    grouped = broadcast_to(unsqueeze(t, -3), (*batch, h, heads // h, s, e))
    return reshape(grouped, (*batch, heads, s, e))


def _check_inputs(query, key, value, enable_gqa):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got {type(t).__name__}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ValueError(
            "scaled_dot_product_attention: query, key and value need at least 2 dims (..., sequence, features), "
            f"got shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    if not (query.dtype == key.dtype == value.dtype) or query.dtype.kind != "f":
        raise TypeError(
            "scaled_dot_product_attention: query, key and value must have the same floating-point dtype, got "
            f"{query.dtype}, {key.dtype} and {value.dtype}"
        )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"scaled_dot_product_attention: query and key must have the same feature size (last dim), got shapes "
            f"{tuple(query.shape)} and {tuple(key.shape)}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: key and value must have the same sequence length (dim -2), got shapes "
            f"{tuple(key.shape)} and {tuple(value.shape)}"
        )
    if enable_gqa:
        _check_heads(query, key, value)


def _check_heads(query, key, value):
    if min(query.ndim, key.ndim, value.ndim) < 3:
        raise ValueError("scaled_dot_product_attention: enable_gqa needs a heads dim (-3) in query, key and value")
    heads, key_heads, value_heads = query.shape[-3], key.shape[-3], value.shape[-3]
    if key_heads != value_heads or heads % key_heads:
        raise ValueError(
            f"scaled_dot_product_attention: with enable_gqa, key and value need the same number of heads (dim -3), "
            f"and it must divide the query's; got {heads} query, {key_heads} key and {value_heads} value heads"
        )


def _check_dropout(p):
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
