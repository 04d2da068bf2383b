"""Fused ops for layers and losses, registered like every core op (forward, VJP, JVP side by side).

Fusing saves graph nodes and copies on the hot path of a training step:

- ``linear(x, W, b)``: x @ W.T + b in one node, W stored (out, in) as PyTorch; BLAS reads the
  transpose in place, and the weight gradient g.T @ x comes out contiguous.
- ``cross_entropy(x, target)``: log-softmax and the negative log-likelihood together, so the
  gradient is (softmax - one-hot) / N, computed from a max-shifted softmax (finite for logits of 1e4)
  whose exponentials the forward keeps as residuals (see autodiff.ops.registry).
- ``nll_loss(logp, target)``, ``binary_cross_entropy(p, y)``: PyTorch's reductions and clamping.

Targets (class indices or probabilities) and class weights are constants, never differentiated.
Class-index targets, class weights, `ignore_index` and `label_smoothing` all reduce to one
target matrix Q (N, C): loss_i = -sum_c Q_ic log p_ic, normalized by `denom` for 'mean'.
"""
from __future__ import annotations

import numpy as np

from autodiff.ops.common import on_tensor_use
from autodiff.ops.registry import defop

# ------------------------------------------------------------------------------------------ linear


def _linear_np(x, w, b=None):
    out = np.matmul(x, w.T)
    if b is not None:
        out += b
    return out


_GEMM_TYPES = (np.float32, np.float64)
_LARGE = 4096  # elements: below this, layout tricks cost more than they save


def _linear_vjp_w(g, ans, x, w, b=None):
    if g.ndim == 2 and x.ndim == 2:
        if (type(w) is np.ndarray and w.size >= _LARGE and w.flags.f_contiguous and type(g) is np.ndarray
                and type(x) is np.ndarray and g.dtype == x.dtype):
            # W stored column-major (as nn.Linear keeps it): x.T @ g is a plain GEMM whose (in, out) result
            # is the gradient in W's own layout, so the optimizer's update runs over matching strides
            out = np.empty(w.shape, g.dtype, order="F")
            np.matmul(x.T, g, out=out.T)
            return out
        return g.T @ x
    o, i = w.shape
    return g.reshape((-1, o)).T @ x.reshape((-1, i))


def _linear_vjp_b(g, ans, x, w, b=None):
    if type(g) is np.ndarray and g.ndim == 2:
        if g.dtype.type in _GEMM_TYPES:
            return _ones(g.shape[0], g.dtype) @ g  # a BLAS GEMV: 2-3x quicker than summing over rows
        return np.add.reduce(g, axis=0)
    return g.reshape((-1, w.shape[0])).sum(axis=0)


LINEAR = defop(
    "linear", _linear_np,
    (lambda g, ans, x, w, b=None: g @ w, _linear_vjp_w, _linear_vjp_b),
    (lambda t, ans, x, w, b=None: t @ w.T, lambda t, ans, x, w, b=None: x @ t.T,
     lambda t, ans, x, w, b=None: t),
    doc="x @ W.T + b (W of shape (out, in); b optional), one node")


# ----------------------------------------------------------------------------- class targets -> Q
_max_reduce, _add_reduce = np.maximum.reduce, np.add.reduce  # ufunc reductions skip ndarray.max's Python layer
_CACHE: dict = {}


def _cached(key, make) -> np.ndarray:
    """A small constant array, made once (read-only: shared between calls)."""
    a = _CACHE.get(key)
    if a is None:
        a = _CACHE[key] = make()
        a.flags.writeable = False
        if len(_CACHE) > 64:
            _CACHE.pop(next(iter(_CACHE)))
    return a


def _rows(n: int) -> np.ndarray:
    """np.arange(n) (row indices for picking each sample's target)."""
    return _cached(("rows", n), lambda: np.arange(n))


def _ones(n: int, dtype) -> np.ndarray:
    """np.ones(n, dtype) (sums over rows as one matrix-vector product)."""
    return _cached(("ones", n, dtype), lambda: np.ones(n, dtype))


def _softmax_np(x, axis=-1):
    e = np.exp(x - _max_reduce(x, axis=axis, keepdims=True))
    e /= _add_reduce(e, axis=axis, keepdims=True)
    return e


_softmax_any = on_tensor_use("softmax", _softmax_np)


def _is_fast(target, weight, ignore_index, label_smoothing) -> bool:
    """Plain class indices with nothing to weight, ignore or smooth: Q is a one-hot."""
    return (weight is None and not label_smoothing and target.dtype.kind in "iu"
            and not (ignore_index is not None and (target == ignore_index).any()))


def target_matrix(target, n_classes: int, dtype, weight=None, ignore_index=-100, label_smoothing=0.0):
    """(Q, denom): the per-sample target distribution with weights folded in, and the 'mean' divisor."""
    n = target.shape[0]
    if target.dtype.kind == "f":  # class probabilities
        q = np.array(target, dtype=dtype)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            q = q * weight
        return q, n
    keep = np.ones(n, dtype=bool) if ignore_index is None else target != ignore_index
    t = np.where(keep, target, 0)
    w = np.ones(n_classes, dtype=dtype) if weight is None else np.asarray(weight, dtype=dtype)
    wt = np.where(keep, w[t], 0).astype(dtype)
    q = np.zeros((n, n_classes), dtype=dtype)
    q[np.arange(n), t] = wt * (1 - label_smoothing)
    if label_smoothing:
        q += np.where(keep, 1, 0)[:, None] * w * (label_smoothing / n_classes)
    return q, wt.sum()


def _reduce(losses, reduction: str, denom):
    if reduction == "mean":
        total = _add_reduce(losses, axis=None)
        return total / denom if denom else total * np.nan  # everything ignored: nan, as PyTorch
    if reduction == "sum":
        return _add_reduce(losses, axis=None)
    return losses


def _zero_ignored(d, target, ignore_index):
    """Rows whose target is `ignore_index` get a zero gradient even when 'mean' divides by a zero weight sum.

    (PyTorch: every target ignored gives a nan loss but a zero gradient, not 0 * inf = nan.)
    """
    if ignore_index is None or target.dtype.kind == "f":
        return d
    return np.where((target != ignore_index)[:, None], d, 0)


def _scale(g, reduction: str, denom):
    """The upstream gradient as a factor per row: g/denom, g, or g[:, None]."""
    if reduction == "mean":
        return g / denom
    if reduction == "sum":
        return g
    return g.reshape((-1, 1))


# ------------------------------------------------------------------------------------ cross entropy
def _ce_forward(x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """The loss, and as residuals the row-shifted exponentials e = exp(x - max) and their row sums s, from
    which backward gets the softmax e / s in one pass instead of recomputing it (as PyTorch saves its
    log-softmax). The price: the graph holds one more (N, C) array until backward."""
    n, c = x.shape
    z = x - _max_reduce(x, axis=1, keepdims=True)
    e = np.exp(z)
    s = _add_reduce(e, axis=1, keepdims=True)
    if _is_fast(target, weight, ignore_index, label_smoothing):
        losses = np.log(s[:, 0]) - z[_rows(n), target]
        return _reduce(losses, reduction, n), (e, s)
    q, denom = target_matrix(target, c, x.dtype, weight, ignore_index, label_smoothing)
    losses = (q * (np.log(s) - z)).sum(axis=1)  # log-sum-exp minus x, row by row
    return _reduce(losses, reduction, denom), (e, s)


def _ce_dlogits(x, target, weight, ignore_index, label_smoothing, res=None):
    """(d loss_i / d x_i) for every row, before reduction: q_sum * softmax - Q (a fresh array)."""
    n, c = x.shape
    p = _softmax_any(x, axis=1) if res is None else res[0] / res[1]
    if _is_fast(target, weight, ignore_index, label_smoothing):
        if isinstance(p, np.ndarray):
            p[_rows(n), target] -= 1
            return p, n
        q = np.zeros((n, c), dtype=x.dtype)
        q[np.arange(n), target] = 1
        return p - q, n
    q, denom = target_matrix(target, c, x.dtype, weight, ignore_index, label_smoothing)
    return p * q.sum(axis=1, keepdims=True) - q, denom


def _ce_vjp(g, ans, x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0, res=None):
    d, denom = _ce_dlogits(x, target, weight, ignore_index, label_smoothing, res)
    if reduction == "mean" and not denom:
        with np.errstate(divide="ignore", invalid="ignore"):
            return _zero_ignored(d * _scale(g, reduction, denom), target, ignore_index)
    s = _scale(g, reduction, denom)
    if isinstance(d, np.ndarray) and isinstance(s, np.ndarray | np.generic) and s.ndim == 0:
        d *= s
        return d
    return d * s


def _ce_jvp(t, ans, x, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    d, denom = _ce_dlogits(x, target, weight, ignore_index, label_smoothing)
    per_row = (t * d).sum(axis=1)
    if reduction == "none":
        return per_row
    total = per_row.sum()
    return total / denom if reduction == "mean" else total


CROSS_ENTROPY = defop(
    "cross_entropy", _ce_forward, (_ce_vjp, None, None), (_ce_jvp, None, None),
    doc="log-softmax + NLL fused: gradient (softmax - one-hot)/N; targets and class weights are constants",
    differentiable=(0,), residuals=True)


# -------------------------------------------------------------------------------------------- NLL
def _nll_forward(x, target, weight=None, reduction="mean", ignore_index=-100):
    n, c = x.shape
    if _is_fast(target, weight, ignore_index, 0.0):
        return _reduce(-x[_rows(n), target], reduction, n)
    q, denom = target_matrix(target, c, x.dtype, weight, ignore_index)
    return _reduce(-(q * x).sum(axis=1), reduction, denom)


def _nll_vjp(g, ans, x, target, weight=None, reduction="mean", ignore_index=-100):
    q, denom = target_matrix(target, x.shape[1], x.dtype, weight, ignore_index)
    if reduction == "mean" and not denom:  # 0 / 0 only where a target was picked (as PyTorch), zero elsewhere
        keep = np.ones(target.shape, dtype=bool) if ignore_index is None else target != ignore_index
        picked = np.zeros(q.shape, dtype=bool)
        picked[np.flatnonzero(keep), target[keep]] = True
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(picked, -q * _scale(g, reduction, denom), 0)
    return -q * _scale(g, reduction, denom)


def _nll_jvp(t, ans, x, target, weight=None, reduction="mean", ignore_index=-100):
    q, denom = target_matrix(target, x.shape[1], x.dtype, weight, ignore_index)
    per_row = -(t * q).sum(axis=1)
    if reduction == "none":
        return per_row
    total = per_row.sum()
    return total / denom if reduction == "mean" else total


NLL_LOSS = defop("nll_loss", _nll_forward, (_nll_vjp, None, None), (_nll_jvp, None, None),
                 doc="negative log-likelihood of class indices given log-probabilities", differentiable=(0,))


# ------------------------------------------------------------------------------------------- BCE
def _clamped_log(v):
    """log clamped at -100, as PyTorch's BCELoss (so p = 0 or 1 gives a finite loss)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(v), -100.0)


def _bce_forward(p, y, weight=None, reduction="mean"):
    losses = -(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p))
    if weight is not None:
        losses = losses * weight
    losses = losses.astype(np.result_type(p, y), copy=False)
    return _reduce(losses, reduction, losses.size)


def _bce_factor(g, p, weight, reduction):
    s = g / p.size if reduction == "mean" else g
    return s if weight is None else s * weight


def _bce_vjp_p(g, ans, p, y, weight=None, reduction="mean"):
    return _bce_factor(g, p, weight, reduction) * (p - y) / np.maximum(p * (1 - p), 1e-12)


def _bce_vjp_y(g, ans, p, y, weight=None, reduction="mean"):
    return _bce_factor(g, p, weight, reduction) * (_clamped_log(1 - p) - _clamped_log(p))


def _bce_jvp(rule):
    def jvp(t, ans, p, y, weight=None, reduction="mean"):
        d = rule(t, ans, p, y, weight=weight, reduction="none")
        return d if reduction == "none" else (d.sum() / p.size if reduction == "mean" else d.sum())
    return jvp


BINARY_CROSS_ENTROPY = defop(
    "binary_cross_entropy", _bce_forward, (_bce_vjp_p, _bce_vjp_y, None),
    (_bce_jvp(_bce_vjp_p), _bce_jvp(_bce_vjp_y), None),
    doc="-(y log p + (1-y) log(1-p)), logs clamped at -100; d/dp = (p - y) / max(p(1-p), 1e-12) as PyTorch",
    differentiable=(0, 1))
