"""Elementwise ops: forward, VJP rules and JVP rules, one row each.

A rule for input i is ``rule(g, ans, *inputs, **params)``; see `registry`.
Broadcasting is undone by the engine, so rules return full-shape gradients.
"""
from __future__ import annotations

import functools
import math
import operator

import numpy as np

from ..tensor import Tensor
from .common import on_tensor_use
from .registry import defop

# Every op here but `where` and `astype` is pointwise in the registry's sense (see registry.Op).
pointwise = functools.partial(defop, pointwise=True)


def _float_type(x) -> np.dtype:
    """The dtype NumPy's float ufuncs give for x: x's own if floating, else a float (int64 -> float64, as np.exp)."""
    return np.result_type(x, np.float16)


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    d = 1.0 + e
    return np.where(x >= 0, 1.0 / d, e / d).astype(_float_type(x), copy=False)


def _softplus(x):
    """log(1 + exp(x)) without overflow for large x."""
    return np.logaddexp(0.0, x).astype(_float_type(x), copy=False)


_erf_scalar = np.vectorize(math.erf, otypes=[np.float64])


def _erf(x):
    return _erf_scalar(x).astype(_float_type(x), copy=False)


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1 + _erf(x * 0.7071067811865476))


def _gelu_slope(x, approximate="none"):
    if approximate == "tanh":
        k = 0.7978845608028654
        th = np.tanh(k * (x + 0.044715 * x * x * x))
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
    return 0.5 * (1 + erf(x * 0.7071067811865476)) + x * np.exp(-0.5 * x * x) * 0.3989422804014327


sigmoid = on_tensor_use("sigmoid", _sigmoid)


# The backward of tanh and sigmoid are ops of their own (as PyTorch's tanh_backward): under create_graph
# each records one node instead of three, so second derivatives (HVPs) walk a smaller graph.
def _tanh_grad(g, y):
    return g * (1.0 - y * y)


def _sigmoid_grad(g, y):
    return g * y * (1.0 - y)


tanh_backward = on_tensor_use("tanh_backward", _tanh_grad)
sigmoid_backward = on_tensor_use("sigmoid_backward", _sigmoid_grad)
erf = on_tensor_use("erf", _erf)
gelu_slope = on_tensor_use("gelu_slope", _gelu_slope)


def _tie_half(g, x, y):
    """Gradient share of `x` in maximum(x, y): all where x wins, half at ties (as PyTorch)."""
    return np.where(x > y, g, np.where(x == y, g * 0.5, g * 0))


def _clip_mask(g, x, a_min, a_max):
    if a_min is not None:
        g = np.where(x >= a_min, g, g * 0)
    if a_max is not None:
        g = np.where(x <= a_max, g, g * 0)
    return g


def _log_pos(x):
    if isinstance(x, (int, float)):  # a Python base stays a weak scalar: no float64 for a float32 exponent
        return math.log(x) if x > 0 else 0.0
    return np.log(np.where(x > 0, x, 1))


def _pow_dbase(g, x, y):
    """d(x ** y)/dx = y x^(y - 1), and 0 at y == 0 (as PyTorch: x^0 is constant), also at x == 0 where the
    formula would give 0 * inf. Only there is the exponent replaced, so elsewhere d/dy of this stays exact."""
    if isinstance(y, (int, float)):
        return g * y * x ** (y - 1) if y != 0 else g * 0.0
    return g * y * x ** (np.where((y == 0) & (x == 0), 1, y) - 1)


# name, forward, (vjp per input), (jvp per input).
# Arithmetic uses Python's operators: the same ufuncs for arrays, and NumPy's
# fast scalar path (10x quicker than calling the ufunc) for 0-d values. Constants in
# rules on float arrays are written as floats: NumPy 2 takes a Python float ~0.13 us
# faster than an int (same result dtype: both are "weak" scalars).
ADD = pointwise("add", operator.add, (lambda g, ans, x, y: g, lambda g, ans, x, y: g),
                (lambda t, ans, x, y: t, lambda t, ans, x, y: t), doc="x + y")
SUB = pointwise("sub", operator.sub, (lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
                (lambda t, ans, x, y: t, lambda t, ans, x, y: -t), doc="x - y")
MUL = pointwise("mul", operator.mul, (lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x),
                (lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t), doc="x * y")
DIV = pointwise("div", operator.truediv, (lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
                (lambda t, ans, x, y: t / y, lambda t, ans, x, y: -t * ans / y), doc="x / y")
POW = pointwise("pow", operator.pow,
                (lambda g, ans, x, y: _pow_dbase(g, x, y), lambda g, ans, x, y: g * ans * _log_pos(x)),
                (lambda t, ans, x, y: _pow_dbase(t, x, y), lambda t, ans, x, y: t * ans * _log_pos(x)),
                doc="x ** y; d/dx is 0 where y == 0; d/dy uses log(x) where x > 0 and 0 elsewhere")
MAXIMUM = pointwise("maximum", np.maximum,
                    (lambda g, ans, x, y: _tie_half(g, x, y), lambda g, ans, x, y: _tie_half(g, y, x)),
                    (lambda t, ans, x, y: _tie_half(t, x, y), lambda t, ans, x, y: _tie_half(t, y, x)),
                    doc="elementwise max; ties split the gradient evenly")
MINIMUM = pointwise("minimum", np.minimum,
                    (lambda g, ans, x, y: _tie_half(g, y, x), lambda g, ans, x, y: _tie_half(g, x, y)),
                    (lambda t, ans, x, y: _tie_half(t, y, x), lambda t, ans, x, y: _tie_half(t, x, y)),
                    doc="elementwise min; ties split the gradient evenly")
WHERE = defop("where", np.where,
              (None, lambda g, ans, c, x, y: np.where(c, g, g * 0), lambda g, ans, c, x, y: np.where(c, g * 0, g)),
              (None, lambda t, ans, c, x, y: np.where(c, t, t * 0), lambda t, ans, c, x, y: np.where(c, t * 0, t)),
              doc="where(cond, x, y); cond is not differentiable", differentiable=(1, 2))

NEG = pointwise("neg", operator.neg, (lambda g, ans, x: -g,), (lambda t, ans, x: -t,), doc="-x")
EXP = pointwise("exp", np.exp, (lambda g, ans, x: g * ans,), (lambda t, ans, x: t * ans,))
LOG = pointwise("log", np.log, (lambda g, ans, x: g / x,), (lambda t, ans, x: t / x,))
LOG1P = pointwise("log1p", np.log1p, (lambda g, ans, x: g / (1 + x),), (lambda t, ans, x: t / (1 + x),),
                  doc="log(1 + x), accurate for small x")
SQRT = pointwise("sqrt", np.sqrt, (lambda g, ans, x: g / (2.0 * ans),), (lambda t, ans, x: t / (2.0 * ans),))
ABS = pointwise("abs", np.abs, (lambda g, ans, x: g * np.sign(x),), (lambda t, ans, x: t * np.sign(x),),
                doc="|x|; gradient 0 at 0 (as PyTorch)")
SIGN = pointwise("sign", np.sign, (lambda g, ans, x: g * 0,), (lambda t, ans, x: t * 0,), doc="zero gradient")
SIN = pointwise("sin", np.sin, (lambda g, ans, x: g * np.cos(x),), (lambda t, ans, x: t * np.cos(x),))
COS = pointwise("cos", np.cos, (lambda g, ans, x: -g * np.sin(x),), (lambda t, ans, x: -t * np.sin(x),))
TAN = pointwise("tan", np.tan, (lambda g, ans, x: g * (1.0 + ans * ans),), (lambda t, ans, x: t * (1.0 + ans * ans),))
# (`ans` is a Tensor only under create_graph; a plain backward skips the Tensor dispatch)
TANH = pointwise("tanh", np.tanh,
                 (lambda g, ans, x: tanh_backward(g, ans) if type(ans) is Tensor else _tanh_grad(g, ans),),
                 (lambda t, ans, x: tanh_backward(t, ans),))
TANH_BACKWARD = pointwise("tanh_backward", _tanh_grad,
                          (lambda gg, ans, g, y: tanh_backward(gg, y), lambda gg, ans, g, y: -2 * gg * g * y),
                          (lambda t, ans, g, y: tanh_backward(t, y), lambda t, ans, g, y: -2 * t * g * y),
                          doc="g (1 - y^2): tanh's VJP given its output y")
SIGMOID = pointwise("sigmoid", _sigmoid,
                    (lambda g, ans, x: sigmoid_backward(g, ans) if type(ans) is Tensor else _sigmoid_grad(g, ans),),
                    (lambda t, ans, x: sigmoid_backward(t, ans),), doc="logistic; stable for large |x|")
SIGMOID_BACKWARD = pointwise(
    "sigmoid_backward", _sigmoid_grad,
    (lambda gg, ans, g, y: sigmoid_backward(gg, y), lambda gg, ans, g, y: gg * g * (1 - 2 * y)),
    (lambda t, ans, g, y: sigmoid_backward(t, y), lambda t, ans, g, y: t * g * (1 - 2 * y)),
    doc="g y (1 - y): sigmoid's VJP given its output y")
RELU = pointwise("relu", lambda x: np.maximum(x, 0), (lambda g, ans, x: g * (x > 0.0),),
                 (lambda t, ans, x: t * (x > 0.0),), doc="max(x, 0); gradient 0 at 0")
SOFTPLUS = pointwise("softplus", _softplus, (lambda g, ans, x: g * sigmoid(x),),
                     (lambda t, ans, x: t * sigmoid(x),), doc="log(1 + exp(x)); stable for large |x|")
SOFTSIGN = pointwise("softsign", lambda x: x / (1 + np.abs(x)),
                     (lambda g, ans, x: g / ((1 + np.abs(x)) * (1 + np.abs(x))),),
                     (lambda t, ans, x: t / ((1 + np.abs(x)) * (1 + np.abs(x))),), doc="x / (1 + |x|)")
LEAKY_RELU = pointwise("leaky_relu", lambda x, negative_slope=0.01: np.where(x > 0, x, x * negative_slope),
                       (lambda g, ans, x, negative_slope=0.01: np.where(x > 0, g, g * negative_slope),),
                       (lambda t, ans, x, negative_slope=0.01: np.where(x > 0, t, t * negative_slope),))
ELU = pointwise("elu", lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
                (lambda g, ans, x, alpha=1.0: np.where(x > 0, g, g * (ans + alpha)),),
                (lambda t, ans, x, alpha=1.0: np.where(x > 0, t, t * (ans + alpha)),),
                doc="x if x > 0 else alpha (exp(x) - 1)")
ERF = pointwise("erf", _erf, (lambda g, ans, x: g * 1.1283791670955126 * np.exp(-x * x),),
                (lambda t, ans, x: t * 1.1283791670955126 * np.exp(-x * x),), doc="error function")
GELU = pointwise("gelu", _gelu, (lambda g, ans, x, approximate="none": g * gelu_slope(x, approximate=approximate),),
                 (lambda t, ans, x, approximate="none": t * gelu_slope(x, approximate=approximate),),
                 doc="x Phi(x) (exact, via erf) or its tanh approximation")
GELU_SLOPE = pointwise(
    "gelu_slope", _gelu_slope,
    (lambda g, ans, x, approximate="none": g * _gelu_curvature(x, approximate),),
    (lambda t, ans, x, approximate="none": t * _gelu_curvature(x, approximate),),
    doc="d gelu / dx (an op so gelu is twice differentiable)")
CLIP = pointwise("clip", lambda x, a_min=None, a_max=None: np.clip(x, a_min, a_max),
                 (lambda g, ans, x, a_min=None, a_max=None: _clip_mask(g, x, a_min, a_max),),
                 (lambda t, ans, x, a_min=None, a_max=None: _clip_mask(t, x, a_min, a_max),),
                 doc="clamp to [a_min, a_max]; gradient 1 inside (bounds included), 0 outside")
ASTYPE = defop("astype", lambda x, dtype: np.asarray(x).astype(dtype),
               (lambda g, ans, x, dtype: g,), (lambda t, ans, x, dtype: t.astype(dtype),),
               doc="dtype conversion; the engine casts the gradient back")
CLONE = pointwise("clone", lambda x: np.array(x, copy=True), (lambda g, ans, x: g,), (lambda t, ans, x: t,),
                  doc="copy")
CONTIGUOUS = pointwise("contiguous", lambda x: np.array(x, order="C"), CLONE.vjp, CLONE.jvp,
                       doc="a C-ordered copy (what Tensor.contiguous records for arrays not already C-contiguous)")


# ---------------------------------------------------------------- more of PyTorch's pointwise ops
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _zero(g, ans, *inputs, **params):
    """The gradient of a piecewise-constant op (floor, round, ...): zero almost everywhere, as PyTorch."""
    return g * 0


EXPM1 = pointwise("expm1", np.expm1, (lambda g, ans, x: g * (ans + 1.0),), (lambda t, ans, x: t * (ans + 1.0),),
                  doc="exp(x) - 1, accurate for small x")
LOG2 = pointwise("log2", np.log2, (lambda g, ans, x: g / (x * _LN2),), (lambda t, ans, x: t / (x * _LN2),))
LOG10 = pointwise("log10", np.log10, (lambda g, ans, x: g / (x * _LN10),), (lambda t, ans, x: t / (x * _LN10),))
RECIPROCAL = pointwise("reciprocal", lambda x: 1.0 / x, (lambda g, ans, x: -g * ans * ans,),
                       (lambda t, ans, x: -t * ans * ans,), doc="1 / x (a float even for integer x, as PyTorch)")
RSQRT = pointwise("rsqrt", lambda x: 1.0 / np.sqrt(x), (lambda g, ans, x: -0.5 * g * ans / x,),
                  (lambda t, ans, x: -0.5 * t * ans / x,), doc="1 / sqrt(x)")
SINH = pointwise("sinh", np.sinh, (lambda g, ans, x: g * np.cosh(x),), (lambda t, ans, x: t * np.cosh(x),))
COSH = pointwise("cosh", np.cosh, (lambda g, ans, x: g * np.sinh(x),), (lambda t, ans, x: t * np.sinh(x),))
ASIN = pointwise("asin", np.arcsin, (lambda g, ans, x: g / np.sqrt(1.0 - x * x),),
                 (lambda t, ans, x: t / np.sqrt(1.0 - x * x),), doc="arcsine; infinite slope at +-1")
ACOS = pointwise("acos", np.arccos, (lambda g, ans, x: -g / np.sqrt(1.0 - x * x),),
                 (lambda t, ans, x: -t / np.sqrt(1.0 - x * x),), doc="arccosine; infinite slope at +-1")
ATAN = pointwise("atan", np.arctan, (lambda g, ans, x: g / (1.0 + x * x),), (lambda t, ans, x: t / (1.0 + x * x),))
ATAN2 = pointwise("atan2", np.arctan2,
                  (lambda g, ans, y, x: g * x / (x * x + y * y), lambda g, ans, y, x: -g * y / (x * x + y * y)),
                  (lambda t, ans, y, x: t * x / (x * x + y * y), lambda t, ans, y, x: -t * y / (x * x + y * y)),
                  doc="the angle of the point (x, y): atan2(y, x)")
FLOOR = pointwise("floor", np.floor, (_zero,), (_zero,), doc="zero gradient")
CEIL = pointwise("ceil", np.ceil, (_zero,), (_zero,), doc="zero gradient")
TRUNC = pointwise("trunc", np.trunc, (_zero,), (_zero,), doc="round toward zero; zero gradient")
ROUND = pointwise("round", lambda x, decimals=0: np.round(x, decimals), (_zero,), (_zero,),
                  doc="round half to even (at `decimals` places); zero gradient")
REMAINDER = pointwise("remainder", np.remainder,
                      (lambda g, ans, x, y: g, lambda g, ans, x, y: -g * np.floor(x / y)),
                      (lambda t, ans, x, y: t, lambda t, ans, x, y: -t * np.floor(x / y)),
                      doc="x - y * floor(x / y) (Python's %: the sign of y)")
FLOOR_DIVIDE = pointwise("floor_divide", np.floor_divide, (_zero, _zero), (_zero, _zero),
                         doc="floor(x / y) (Python's //); zero gradient")


def _gelu_curvature(x, approximate):
    """d^2 gelu / dx^2, written with ops that are themselves differentiable."""
    if approximate == "tanh":
        k, c = 0.7978845608028654, 0.044715
        th = np.tanh(k * (x + c * x * x * x))
        u = k * (1 + 3 * c * x * x)
        sech2 = 1 - th * th
        return sech2 * u - x * sech2 * th * u * u + 0.5 * x * sech2 * k * 6 * c * x
    return np.exp(-0.5 * x * x) * 0.3989422804014327 * (2 - x * x)
