"""Sample inputs for the ops that conv2d/max_pool2d (autodiff/ops/conv.py) and nn (nn/_ops.py) register.

Same contract as `op_samples.py`: ``make(draw) -> (fn, inputs)``, float64 inputs requiring grad unless
they are constants, tiny sizes (gradcheck is O(inputs x outputs)). An optional `rng` may be passed;
otherwise one is seeded from `draw`. Max-pool inputs are distinct, well separated values (no ties).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import autodiff as ad
import nn  # noqa: F401  (registers linear, cross_entropy, nll_loss, binary_cross_entropy)
from autodiff.ops import conv as C
from autodiff.tape import apply
from nn import functional as F


def _rng(draw, rng):
    return rng if rng is not None else np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _t(a, requires_grad=True):
    return ad.Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=requires_grad)


def _geometry(draw, max_side=4):
    """(n, c, h, w) and kernel/stride/padding (and sometimes dilation) with at least one output position."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(2, max_side)), draw(st.integers(2, max_side))
    ph, pw = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    kh, kw = draw(st.integers(1, min(3, h + 2 * ph))), draw(st.integers(1, min(3, w + 2 * pw)))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    geo = {"kernel_size": (kh, kw), "stride": (sh, sw), "padding": (ph, pw)}
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))  # dilated kernels that still fit
    if (dh, dw) != (1, 1) and dh * (kh - 1) < h + 2 * ph and dw * (kw - 1) < w + 2 * pw:
        geo["dilation"] = (dh, dw)
    return (n, c, h, w), geo


def _im2col(draw, rng=None):
    rng = _rng(draw, rng)
    shape, geo = _geometry(draw)
    x = _t(rng.standard_normal(shape))
    return (lambda x: apply(C.IM2COL, (x,), geo)), (x,)


def _col2im(draw, rng=None):
    rng = _rng(draw, rng)
    shape, geo = _geometry(draw)
    cols_shape = C._im2col_np(np.zeros(shape), **geo).shape
    cols = _t(rng.standard_normal(cols_shape))
    return (lambda c: apply(C.COL2IM, (c,), dict(geo, x_shape=shape))), (cols,)


def _conv2d(draw, rng=None):
    rng = _rng(draw, rng)
    (n, c, h, w), geo = _geometry(draw)
    o = draw(st.integers(1, 2))
    x = _t(rng.standard_normal((n, c, h, w)))
    wt = _t(rng.standard_normal((o, c) + geo["kernel_size"]))
    s, p, d = geo["stride"], geo["padding"], geo.get("dilation", 1)
    if draw(st.booleans()):
        return (lambda x, w, b: C.conv2d(x, w, b, stride=s, padding=p, dilation=d)), (x, wt, _t(rng.standard_normal(o)))
    return (lambda x, w: C.conv2d(x, w, stride=s, padding=p, dilation=d)), (x, wt)


def _pool_geometry(draw):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    kh, kw = draw(st.integers(1, min(3, h))), draw(st.integers(1, min(3, w)))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return (n, c, h, w), {"kernel_size": (kh, kw), "stride": (sh, sw), "padding": (ph, pw)}


def _distinct(draw, shape):
    """A shuffled grid in [-2, 2]: neighbours differ by far more than gradcheck's step."""
    size = int(np.prod(shape))
    order = np.array(draw(st.permutations(range(size))), dtype=float)
    return (-2 + 4 * (order + 0.5) / size).reshape(shape)


def _max_pool2d(draw, rng=None):
    shape, geo = _pool_geometry(draw)
    x = _t(_distinct(draw, shape))
    return (lambda x: C.max_pool2d(x, geo["kernel_size"], geo["stride"], geo["padding"])), (x,)


def _max_pool2d_grad(draw, rng=None):
    rng = _rng(draw, rng)
    shape, geo = _pool_geometry(draw)
    x = _distinct(draw, shape)
    pooled = C._max_pool2d_np(x, **geo)
    g = _t(rng.standard_normal(pooled.shape))
    return (lambda g: apply(C.MAX_POOL2D_GRAD, (g, x, pooled), geo)), (g,)


def _max_pool2d_gather(draw, rng=None):
    rng = _rng(draw, rng)
    shape, geo = _pool_geometry(draw)
    x = _distinct(draw, shape)
    pooled = C._max_pool2d_np(x, **geo)
    t = _t(rng.standard_normal(shape))
    return (lambda t: apply(C.MAX_POOL2D_GATHER, (t, x, pooled), geo)), (t,)


def _linear(draw, rng=None):
    rng = _rng(draw, rng)
    i, o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(), (2,), (1, 2), (2, 1)]))
    x, w = _t(rng.standard_normal(lead + (i,))), _t(rng.standard_normal((o, i)))
    if draw(st.booleans()):
        return (lambda x, w, b: F.linear(x, w, b)), (x, w, _t(rng.standard_normal(o)))
    return (lambda x, w: F.linear(x, w)), (x, w)


def _class_target(draw, rng, n, c, allow_probs):
    """Class indices (some possibly ignore_index, never all) or class probabilities."""
    if allow_probs and draw(st.booleans()):
        p = rng.random((n, c)) + 0.1
        return p / p.sum(axis=1, keepdims=True), -100
    t = rng.integers(0, c, n)
    ignore = -100
    if n > 1 and draw(st.booleans()):
        ignore = int(t[0])
        t[-1] = ignore if draw(st.booleans()) else t[-1]
        if (t == ignore).all():
            ignore = -100
    return t, ignore


def _cross_entropy(draw, rng=None):
    rng = _rng(draw, rng)
    n, c = draw(st.integers(1, 3)), draw(st.integers(2, 3))
    target, ignore = _class_target(draw, rng, n, c, allow_probs=True)
    weight = rng.random(c) + 0.5 if draw(st.booleans()) else None
    smoothing = draw(st.sampled_from([0.0, 0.0, 0.2]))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    x = _t(rng.standard_normal((n, c)))
    return (lambda x: F.cross_entropy(x, target, weight, ignore, reduction, smoothing)), (x,)


def _nll_loss(draw, rng=None):
    rng = _rng(draw, rng)
    n, c = draw(st.integers(1, 3)), draw(st.integers(2, 3))
    target, ignore = _class_target(draw, rng, n, c, allow_probs=False)
    weight = rng.random(c) + 0.5 if draw(st.booleans()) else None
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    x = _t(rng.standard_normal((n, c)))
    return (lambda x: F.nll_loss(x, target, weight, ignore, reduction)), (x,)


def _binary_cross_entropy(draw, rng=None):
    rng = _rng(draw, rng)
    shape = draw(st.sampled_from([(3,), (2, 2), (1, 3)]))
    p = _t(rng.uniform(0.1, 0.9, shape))
    y = _t(rng.uniform(0.0, 1.0, shape), requires_grad=draw(st.booleans()))
    weight = rng.random(shape[-1:]) + 0.5 if draw(st.booleans()) else None
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return (lambda p, y: F.binary_cross_entropy(p, y, weight, reduction)), (p, y)


SAMPLES = {
    "im2col": _im2col, "col2im": _col2im, "conv2d": _conv2d,
    "max_pool2d": _max_pool2d, "max_pool2d_grad": _max_pool2d_grad, "max_pool2d_gather": _max_pool2d_gather,
    "linear": _linear, "cross_entropy": _cross_entropy, "nll_loss": _nll_loss,
    "binary_cross_entropy": _binary_cross_entropy,
}
