"""MultiheadAttention, as in PyTorch: project query, key and value, attend per head, project back.

The heads are computed together: q, k and v become (batch, heads, sequence, head_dim) and one
scaled_dot_product_attention (or, when the weights are returned, its softmax step) serves every head.
Masks follow PyTorch's MultiheadAttention: a bool mask marks with True what may NOT be attended (the
opposite of scaled_dot_product_attention), a float mask is added to the scores.
"""
import math
import warnings

import numpy as np

from .. import dtypes, ops
from ..args import check_layer_device as _check_device
from .module import place as _place
from ..args import count_arg
from ..ops.attention import attention_weights, dropout_weights, scaled_dot_product_attention
from ..ops.linear import linear
from ..device import constant
from ..tensor import Tensor, _wrap
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A plain Linear; PyTorch gives MultiheadAttention.out_proj this class, so chainrule does too."""


class MultiheadAttention(Module):
    """Multi-head attention: concat(head_1, ..., head_h) @ out_proj, head_i = attention(q W_i^Q, k W_i^K, v W_i^V).

    Parameters as in PyTorch: in_proj_weight (3 * embed_dim, embed_dim) and in_proj_bias, or q_proj_weight,
    k_proj_weight and v_proj_weight when kdim or vdim differ from embed_dim; out_proj; bias_k and bias_v
    with add_bias_kv. Inputs are (L, N, E), (N, L, E) with batch_first, or (L, E) unbatched.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.embed_dim = count_arg(embed_dim, "MultiheadAttention", "embed_dim")
        self.num_heads = count_arg(num_heads, "MultiheadAttention", "num_heads")
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads}"
            )
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                f"num_heads={num_heads}"
            )
        self.kdim = embed_dim if kdim is None else count_arg(kdim, "MultiheadAttention", "kdim")
        self.vdim = embed_dim if vdim is None else count_arg(vdim, "MultiheadAttention", "vdim")
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn
        self._make_parameters(bias, add_bias_kv, dtype)
        self._reset_parameters()
        _place(self, device)

    def _make_parameters(self, bias, add_bias_kv, dtype):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty((3 * e,), dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, e), dtype))
            self.bias_v = Parameter(np.empty((1, 1, e), dtype))
        else:
            self.bias_k = self.bias_v = None

    def _reset_parameters(self):
        """As PyTorch: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k / bias_v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """Returns (attn_output, attn_weights): weights (N, L, S) averaged over heads, or (N, num_heads, L, S)
        with average_attn_weights=False; None with need_weights=False."""
        batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, self.num_heads)
        if batched and self.batch_first:
            query, key, value = _each(lambda t: ops.transpose(t, 0, 1), query, key, value)
        if not batched:
            query, key, value = _each(lambda t: ops.unsqueeze(t, 1), query, key, value)
            if key_padding_mask is not None:
                key_padding_mask = ops.unsqueeze(key_padding_mask, 0)
        output, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                       average_attn_weights, is_causal)
        if not batched:
            return ops.squeeze(output, 1), (None if weights is None else ops.squeeze(weights, 0))
        return (ops.transpose(output, 0, 1) if self.batch_first else output), weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average, is_causal):
        """Sequence-first (L, N, E) inputs -> (L, N, E) output and the weights."""
        length, batch, features = query.shape
        if features != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected query with {self.embed_dim} features (embed_dim), got {features}")
        key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", query.dtype, attn_mask, "attn_mask")
        if is_causal and attn_mask is None:
            raise ValueError(
                "MultiheadAttention: is_causal=True needs attn_mask as well (PyTorch's rule); make one with "
                "nn.Transformer.generate_square_subsequent_mask(L)"
            )
        if is_causal and key_padding_mask is None and not need_weights:
            attn_mask = None  # the hint stands for the mask, as in PyTorch
        else:
            attn_mask = canonical_mask(attn_mask, "attn_mask", query.dtype)
            is_causal = is_causal and key_padding_mask is None
        q, k, v = self._project(query, key, value)
        k, v, attn_mask, key_padding_mask = self._extend_keys(k, v, attn_mask, key_padding_mask, batch)
        q, k, v = (self._split_heads(t, batch) for t in (q, k, v))
        mask = self._merge_masks(attn_mask, key_padding_mask, batch, length, k.shape[2])
        p = self.dropout if self.training else 0.0
        if need_weights:
            weights = dropout_weights(attention_weights(q, k, mask, safe=False), p)
            output = ops.matmul(weights, v)
        else:
            weights = None
            output = scaled_dot_product_attention(q, k, v, mask, p, is_causal)
        output = ops.reshape(ops.permute(output, (2, 0, 1, 3)), (length, batch, self.embed_dim))
        output = self.out_proj(output)
        if weights is not None and average:
            weights = ops.mean(weights, 1)
        return output, weights

    def _project(self, query, key, value):
        e, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            if query is key and key is value:  # self-attention: one matmul for all three
                qkv = linear(query, w, b)
                return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        for name, t, expected in (("key", key, self.kdim), ("value", value, self.vdim)):
            if t.shape[-1] != expected:
                raise ValueError(f"MultiheadAttention: expected {name} with {expected} features, got shape {tuple(t.shape)}")
        return tuple(linear(t, weight, bias) for t, weight, bias in zip((query, key, value), weights, biases))

    def _extend_keys(self, k, v, attn_mask, key_padding_mask, batch):
        """add_bias_kv appends bias_k / bias_v as one more key; add_zero_attn appends a zero key. The masks
        get a column of zeros (attend) for each."""
        if self.bias_k is not None:
            k = ops.cat([k, ops.broadcast_to(self.bias_k, (1, batch, self.embed_dim))])
            v = ops.cat([v, ops.broadcast_to(self.bias_v, (1, batch, self.embed_dim))])
            attn_mask, key_padding_mask = _pad_column(attn_mask), _pad_column(key_padding_mask)
        if self.add_zero_attn:
            zeros = _wrap(constant(np.zeros((1, batch, self.embed_dim), k.dtype), k.dtype, k._data))
            k, v = ops.cat([k, zeros]), ops.cat([v, zeros])
            attn_mask, key_padding_mask = _pad_column(attn_mask), _pad_column(key_padding_mask)
        return k, v, attn_mask, key_padding_mask

    def _split_heads(self, t, batch):
        """(S, N, E) -> (N, num_heads, S, head_dim)."""
        return ops.permute(ops.reshape(t, (t.shape[0], batch, self.num_heads, self.head_dim)), (1, 2, 0, 3))

    def _merge_masks(self, attn_mask, key_padding_mask, batch, length, source):
        """One float mask broadcastable to (N, num_heads, L, S), or None."""
        if attn_mask is not None:
            shape_2d, shape_3d = (length, source), (batch * self.num_heads, length, source)
            if attn_mask.shape not in (shape_2d, shape_3d):
                raise ValueError(
                    f"MultiheadAttention: attn_mask must have shape {shape_2d} or {shape_3d} (L, S) or "
                    f"(N * num_heads, L, S), got {tuple(attn_mask.shape)}"
                )
            if attn_mask.ndim == 3:
                attn_mask = ops.reshape(attn_mask, (batch, self.num_heads, length, source))
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (batch, source):
                raise ValueError(
                    f"MultiheadAttention: key_padding_mask must have shape {(batch, source)} (N, S), got "
                    f"{tuple(key_padding_mask.shape)}"
                )
            key_padding_mask = ops.reshape(key_padding_mask, (batch, 1, 1, source))
            attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
        return attn_mask


def canonical_mask(mask, name, dtype, other=None, other_name=""):
    """A bool mask (True = masked out) as a float mask of `dtype` (-inf where True, 0 elsewhere); a float
    mask as it is. Warns, as PyTorch, when `other` (the other mask given) has another dtype."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a Tensor or None, got {type(mask).__name__}")
    if mask.dtype.kind not in "bf":
        raise TypeError(f"only bool and floating types of {name} are supported, got {mask.dtype}")
    if isinstance(other, Tensor) and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both instead.",
                      stacklevel=3)
    if mask.dtype.kind == "f":
        return mask
    return ops.where(mask, _wrap(constant(-math.inf, dtype, mask._data)), _wrap(constant(0.0, dtype, mask._data)))


def _each(fn, *tensors):
    """fn of each tensor, once per distinct tensor: self-attention's query is key is value stays so."""
    done = {}
    for t in tensors:
        if id(t) not in done:
            done[id(t)] = fn(t)
    return tuple(done[id(t)] for t in tensors)


def _pad_column(mask):
    if mask is None:
        return None
    zeros = _wrap(constant(np.zeros(mask.shape[:-1] + (1,), mask.dtype), mask.dtype, mask._data))
    return ops.cat([mask, zeros], -1)


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's MultiheadAttention shape rules; True when the inputs are batched (3-D)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(t).__name__}")
    if query.ndim not in (2, 3):
        raise ValueError(f"MultiheadAttention: query should be unbatched 2-D or batched 3-D, got shape {tuple(query.shape)}")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"MultiheadAttention: for {kind} query, key and value must be {query.ndim}-D too, got shapes "
            f"{tuple(key.shape)} and {tuple(value.shape)}"
        )
    if key.shape[:-1] != value.shape[:-1]:
        raise ValueError(
            f"MultiheadAttention: key and value must have the same sequence (and batch) sizes, got shapes "
            f"{tuple(key.shape)} and {tuple(value.shape)}"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise ValueError(
            f"MultiheadAttention: for {kind} query, key_padding_mask must be {query.ndim - 1}-D, got shape "
            f"{tuple(key_padding_mask.shape)}"
        )
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise ValueError(f"MultiheadAttention: attn_mask must be 2-D or 3-D, got shape {tuple(attn_mask.shape)}")
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise ValueError(f"MultiheadAttention: expected attn_mask of shape {expected}, got {tuple(attn_mask.shape)}")
    return batched
