"""Reductions and normalizers: sum mean var std max min prod logsumexp softmax log_softmax."""
from __future__ import annotations

import numpy as np

from .common import reduced_count, unreduce
from .registry import defop


def _tie_mask(x, ans, axis, keepdims):
    """Where x equals the reduced max/min, divided by how many tie (the gradient is shared)."""
    hit = (x == unreduce(ans, x.shape, axis, keepdims)).astype(x.dtype)
    return hit / hit.sum(axis=axis, keepdims=True)


def _amax(x, axis):
    """np.max with kept dims; over an empty axis -inf (logsumexp of nothing is -inf, as torch), not an error."""
    if x.size == 0:
        return np.max(np.asarray(x, dtype=np.result_type(x, 1.0)), axis=axis, keepdims=True, initial=-np.inf)
    return np.max(x, axis=axis, keepdims=True)


def _logsumexp(x, axis=None, keepdims=False):
    m = _amax(x, axis)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the answer when every term is -inf (or none)
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(x, axis=-1):
    e = np.exp(x - _amax(x, axis))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    return x - _logsumexp(x, axis=axis, keepdims=True)


def _prod_others_np(x, axis):
    """Product of all other elements along the reduced axes, exact when x has zeros."""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis) % max(x.ndim, 1))
    if x.ndim == 0 or x.size == 0:  # (empty: an empty product is 1, and the cumprods below assume length >= 1)
        return np.ones_like(x)
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))


def _prod_others_tensor(x, axis):
    """For create_graph: product of the other elements, as a differentiable expression.

    Uses prod / x where x != 0; exact second derivatives at zeros are not provided.
    """
    p = x.prod(axis=axis, keepdims=True)
    safe = np.where(x == 0, x * 0 + 1, x)
    return np.where(x == 0, p * 0 + _prod_others_np(x.data, axis), p / safe)


def _prod_vjp(g, ans, x, axis=None, keepdims=False):
    return unreduce(g, x.shape, axis, keepdims) * (
        _prod_others_tensor(x, axis) if not isinstance(x, np.ndarray | np.generic) else _prod_others_np(x, axis))


# sum/prod accumulate uint8/16/32 as int64 (as PyTorch; NumPy would give uint64); other dtypes as NumPy does.
# (A dict lookup: these forwards are on the hot path of every full reduction.)
_ACCUMULATE_AS = {np.dtype(t): np.int64 for t in (np.uint8, np.uint16, np.uint32)}


def _accumulator_dtype(x):
    return _ACCUMULATE_AS.get(getattr(x, "dtype", None))  # (x may be a Python number)


SUM = defop("sum", lambda x, axis=None, keepdims=False: np.add.reduce(x, axis=axis, keepdims=keepdims,
                                                                     dtype=_accumulator_dtype(x)),
            (lambda g, ans, x, axis=None, keepdims=False: unreduce(g, x.shape, axis, keepdims),),
            (lambda t, ans, x, axis=None, keepdims=False: t.sum(axis=axis, keepdims=keepdims),))
def _mean(x, axis=None, keepdims=False):
    """np.mean; float32/float64 as sum / count (what np.mean computes), without np.mean's Python layer."""
    dt = x.dtype
    if dt.kind == "f" and dt.itemsize >= 4:
        return np.add.reduce(x, axis=axis, keepdims=keepdims) / reduced_count(x.shape, axis)
    return np.mean(x, axis=axis, keepdims=keepdims)


MEAN = defop("mean", _mean,
             (lambda g, ans, x, axis=None, keepdims=False:
              unreduce(g / reduced_count(x.shape, axis), x.shape, axis, keepdims),),
             (lambda t, ans, x, axis=None, keepdims=False: t.mean(axis=axis, keepdims=keepdims),))
VAR = defop("var", lambda x, axis=None, ddof=0, keepdims=False: np.var(x, axis=axis, ddof=ddof, keepdims=keepdims),
            (lambda g, ans, x, axis=None, ddof=0, keepdims=False:
             unreduce(g, x.shape, axis, keepdims) * (2 * (x - x.mean(axis=axis, keepdims=True))
                                                     / (reduced_count(x.shape, axis) - ddof)),),
            (lambda t, ans, x, axis=None, ddof=0, keepdims=False:
             (t * (2 * (x - x.mean(axis=axis, keepdims=True)))).sum(axis=axis, keepdims=keepdims)
             / (reduced_count(x.shape, axis) - ddof),),
            doc="variance; ddof=0 as NumPy (pass ddof=1 for PyTorch's unbiased default)")
STD = defop("std", lambda x, axis=None, ddof=0, keepdims=False: np.std(x, axis=axis, ddof=ddof, keepdims=keepdims),
            (lambda g, ans, x, axis=None, ddof=0, keepdims=False:
             unreduce(g / ans, x.shape, axis, keepdims) * ((x - x.mean(axis=axis, keepdims=True))
                                                           / (reduced_count(x.shape, axis) - ddof)),),
            (lambda t, ans, x, axis=None, ddof=0, keepdims=False:
             (t * (x - x.mean(axis=axis, keepdims=True))).sum(axis=axis, keepdims=keepdims)
             / ((reduced_count(x.shape, axis) - ddof) * ans),),
            doc="standard deviation; ddof=0 as NumPy")
MAX = defop("max", lambda x, axis=None, keepdims=False: np.max(x, axis=axis, keepdims=keepdims),
            (lambda g, ans, x, axis=None, keepdims=False:
             unreduce(g, x.shape, axis, keepdims) * _tie_mask(x, ans, axis, keepdims),),
            (lambda t, ans, x, axis=None, keepdims=False:
             (t * _tie_mask(x, ans, axis, keepdims)).sum(axis=axis, keepdims=keepdims),),
            doc="maximum over axes; ties share the gradient evenly")
MIN = defop("min", lambda x, axis=None, keepdims=False: np.min(x, axis=axis, keepdims=keepdims),
            (lambda g, ans, x, axis=None, keepdims=False:
             unreduce(g, x.shape, axis, keepdims) * _tie_mask(x, ans, axis, keepdims),),
            (lambda t, ans, x, axis=None, keepdims=False:
             (t * _tie_mask(x, ans, axis, keepdims)).sum(axis=axis, keepdims=keepdims),),
            doc="minimum over axes; ties share the gradient evenly")
PROD = defop("prod", lambda x, axis=None, keepdims=False: np.prod(x, axis=axis, keepdims=keepdims,
                                                                  dtype=_accumulator_dtype(x)),
             (_prod_vjp,),
             (lambda t, ans, x, axis=None, keepdims=False:
              (t * _prod_others_np(x, axis)).sum(axis=axis, keepdims=keepdims),),
             doc="product over axes; exact gradient with zeros")
LOGSUMEXP = defop("logsumexp", _logsumexp,
                  (lambda g, ans, x, axis=None, keepdims=False:
                   unreduce(g, x.shape, axis, keepdims) * np.exp(x - unreduce(ans, x.shape, axis, keepdims)),),
                  (lambda t, ans, x, axis=None, keepdims=False:
                   (t * np.exp(x - unreduce(ans, x.shape, axis, keepdims))).sum(axis=axis, keepdims=keepdims),),
                  doc="log(sum(exp(x))), shifted by the max so it never overflows")
SOFTMAX = defop("softmax", _softmax,
                (lambda g, ans, x, axis=-1: ans * (g - (g * ans).sum(axis=axis, keepdims=True)),),
                (lambda t, ans, x, axis=-1: ans * (t - (t * ans).sum(axis=axis, keepdims=True)),),
                doc="exp(x) / sum(exp(x)) along axis, shifted by the max")
LOG_SOFTMAX = defop("log_softmax", _log_softmax,
                    (lambda g, ans, x, axis=-1: g - np.exp(ans) * g.sum(axis=axis, keepdims=True),),
                    (lambda t, ans, x, axis=-1: t - (np.exp(ans) * t).sum(axis=axis, keepdims=True),),
                    doc="x - logsumexp(x) along axis; finite for huge logits")


# ---------------------------------------------------------------- cumulative ops and norms
def _cum_dtype(x):
    """Running sums/products of bool and integer tensors are int64, as PyTorch's."""
    return np.int64 if np.result_type(x).kind in "biu" else None


def _reversed(a, axis):
    """`a` reversed along `axis` (indexing: works on arrays and Tensors)."""
    return a[(slice(None),) * axis + (slice(None, None, -1),)]


def _rev_cumsum(g, axis):
    """Sum from each position to the end along `axis`: cumsum's transpose."""
    return _reversed(np.cumsum(_reversed(g, axis), axis=axis), axis)


def _zero_masks(x, axis):
    """(before, first): where a position comes before the first zero of its slice, and where it is that zero."""
    zero = np.asarray(x) == 0
    seen = np.cumsum(zero, axis=axis)
    return seen == 0, zero & (seen == 1)


def _cumprod_vjp(g, ans, x, axis):
    """sum_{j>=i} g_j prod_{k<=j, k!=i} x_k, exact with zeros: before a slice's first zero it is
    revcumsum(g * ans) / x; at the first zero, revcumsum(g * cumprod(x with that zero as 1)); after it, 0."""
    before, first = _zero_masks(x, axis)
    if before.all():  # no zeros: the plain formula
        return _rev_cumsum(g * ans, axis) / x
    head = np.where(before, _rev_cumsum(g * ans, axis) / np.where(before, x, 1), 0)
    at_zero = _rev_cumsum(g * np.cumprod(np.where(first, 1, x), axis=axis), axis)
    return head + np.where(first, at_zero, 0)


def _cumprod_jvp(t, ans, x, axis):
    """sum_{i<=j} t_i prod_{k<=j, k!=i} x_k: ans * cumsum(t / x) before a slice's first zero, and
    t_(first zero) * cumprod(x with that zero as 1) from it on."""
    before, first = _zero_masks(x, axis)
    if before.all():
        return ans * np.cumsum(t / x, axis=axis)
    head = ans * np.cumsum(np.where(before, t / np.where(before, x, 1), 0), axis=axis)
    t_zero = np.where(first, t, 0).sum(axis=axis, keepdims=True)
    return np.where(before, head, t_zero * np.cumprod(np.where(first, 1, x), axis=axis))


CUMSUM = defop("cumsum", lambda x, axis: np.cumsum(x, axis=axis, dtype=_cum_dtype(x)),
               (lambda g, ans, x, axis: _rev_cumsum(g, axis),),
               (lambda t, ans, x, axis: np.cumsum(t, axis=axis),),
               doc="running sum along axis (bool/int give int64, as PyTorch)")
CUMPROD = defop("cumprod", lambda x, axis: np.cumprod(x, axis=axis, dtype=_cum_dtype(x)),
                (_cumprod_vjp,), (_cumprod_jvp,),
                doc="running product along axis; exact first derivatives with zeros (second derivatives "
                    "at zeros: only before and at each slice's first zero)")


def _norm(x, p, axis=None, keepdims=False):
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    if p == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    if p == np.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _norm_slope(x, ans, p, axis, keepdims):
    """d norm / d x, broadcast to x's shape (0 where a slice's norm is 0, as PyTorch)."""
    if p == 0:
        return x * 0
    if p == 1:
        return np.sign(x)
    if p in (np.inf, -np.inf):  # ties share the gradient evenly (as amax/amin)
        return np.sign(x) * _tie_mask(np.abs(x), ans, axis, keepdims)
    n = unreduce(ans, x.shape, axis, keepdims)
    safe = np.where(n == 0, 1, n)
    if p == 2:
        return x / safe
    return np.sign(x) * (np.abs(x) / safe) ** (p - 1)


NORM = defop("norm", _norm,
             (lambda g, ans, x, p, axis=None, keepdims=False:
              unreduce(g, x.shape, axis, keepdims) * _norm_slope(x, ans, p, axis, keepdims),),
             (lambda t, ans, x, p, axis=None, keepdims=False:
              (t * _norm_slope(x, ans, p, axis, keepdims)).sum(axis=axis, keepdims=keepdims),),
             doc="vector p-norm over axes (p = 0, 1, 2, inf, -inf or any other positive number)")
