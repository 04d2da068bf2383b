"""scaled_dot_product_attention (as `torch.nn.functional`), composed from matmul, where and softmax."""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else ad.tensor(x)


def _check(q: Tensor, k: Tensor, v: Tensor, enable_gqa: bool) -> None:
    fn = "scaled_dot_product_attention"
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ValueError(f"{fn}: Expected query, key, and value to all be at least 2 dimensional, but got query.dim: "
                         f"{q.ndim} key.dim: {k.ndim} and value.dim: {v.ndim} instead.")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(f"{fn}: Expected query, key, and value to have the same dtype, but got query.dtype: "
                        f"{q.dtype} key.dtype: {k.dtype} and value.dtype: {v.dtype} instead.")
    if q.dtype.kind != "f":
        raise TypeError(f"{fn}: expected floating point query, key and value, got dtype {q.dtype}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{fn}: query {q.shape}, key {k.shape} and value {v.shape} do not fit: expected query "
                         f"(..., L, E), key (..., S, E) and value (..., S, Ev)")
    if enable_gqa and (q.ndim < 3 or k.ndim < 3 or k.shape[-3] != v.shape[-3] or q.shape[-3] % k.shape[-3]):
        raise ValueError(f"{fn}: enable_gqa needs query (..., Hq, L, E) and key/value (..., H, S, *) with Hq "
                         f"divisible by H, got query {q.shape}, key {k.shape} and value {v.shape}")


def _repeat_heads(x: Tensor, times: int) -> Tensor:
    """Each head (dim -3) repeated `times` times in place (repeat_interleave), for grouped-query attention."""
    return x if times == 1 else x.index_select(x.ndim - 3, np.repeat(np.arange(x.shape[-3]), times))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + bias) V, scale 1/sqrt(E) by default (Vaswani et al.), as PyTorch's math reference.

    attn_mask: bool (True takes part; False positions get -inf) or float (added, differentiable if it is a
    Tensor that requires grad), broadcast to (..., L, S). is_causal: the lower-triangular (L, S) mask (not
    with attn_mask). A row with every position masked gives 0 (PyTorch 2.5+), not nan. dropout_p > 0 drops
    attention weights, always (no training flag, as PyTorch), with a mask from `ad.default_rng()`.
    enable_gqa: key/value heads (dim -3) repeated to match the query's.
    """
    fn = "scaled_dot_product_attention"
    q, k, v = _as_tensor(query), _as_tensor(key), _as_tensor(value)
    _check(q, k, v, enable_gqa)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{fn}: dropout_p must be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{fn}: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa:
        k, v = _repeat_heads(k, q.shape[-3] // k.shape[-3]), _repeat_heads(v, q.shape[-3] // v.shape[-3])
    big_l, big_s = q.shape[-2], k.shape[-2]
    factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = ad.matmul(q, k.transpose(-2, -1)) * factor
    keep = np.tril(np.ones((big_l, big_s), dtype=bool)) if is_causal else None
    if attn_mask is not None:
        mask_shape = tuple(attn_mask.shape) if isinstance(attn_mask, Tensor) else np.shape(attn_mask)
        try:
            shape = np.broadcast_shapes(mask_shape, scores.shape)
        except ValueError:
            shape = None
        if shape != scores.shape:
            raise ValueError(f"{fn}: attn_mask of shape {mask_shape} does not broadcast to the attention weights' "
                             f"shape {scores.shape} (..., L, S)")
        if np.asarray(attn_mask._data if isinstance(attn_mask, Tensor) else attn_mask).dtype == bool:
            keep = np.asarray(attn_mask._data if isinstance(attn_mask, Tensor) else attn_mask)
        else:
            scores = scores + (attn_mask if isinstance(attn_mask, Tensor) else np.asarray(attn_mask, q.dtype))
    if keep is not None:
        scores = ad.where(keep, scores, np.array(-np.inf, dtype=q.dtype))
    dead = np.isneginf(np.asarray(scores._data)).all(axis=-1, keepdims=True)
    if dead.any():  # PyTorch's safe softmax: a fully masked row attends to nothing
        zero = np.zeros((), q.dtype)
        weights = ad.where(dead, zero, ad.softmax(ad.where(dead, zero, scores), axis=-1))
    else:
        weights = ad.softmax(scores, axis=-1)
    if dropout_p > 0:
        drop = ad.default_rng().random(weights.shape) >= dropout_p
        weights = weights * (drop / (1.0 - dropout_p) if dropout_p < 1 else drop).astype(q.dtype)
    return ad.matmul(weights, v)
