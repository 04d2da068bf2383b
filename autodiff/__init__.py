"""autodiff: a define-by-run autograd engine on NumPy.

    import autodiff as ad
    x = ad.tensor(2.0, requires_grad=True)
    y = x * x + ad.sin(x)
    y.backward()
    x.grad   # 2x + cos(x)
"""
from __future__ import annotations

from . import autograd, functional, linalg
from . import methods as _methods  # noqa: F401  (binds operators and methods to Tensor)
from ._state import get_default_dtype, set_default_dtype
from .anomaly import detect_anomaly, is_anomaly_enabled
from .autograd import backward, grad, set_detect_anomaly
from .composites import diff, exp2, fmod, frac, hypot, logit, std_mean, var_mean, xlogy
from .device import cuda, device
from .function import Function, FunctionCtx, custom_op
from .functions import (
    abs,
    acos,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    arange,
    argmax,
    argmin,
    argsort,
    as_tensor,
    asin,
    astype,
    atan,
    atan2,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    bmm,
    broadcast_to,
    cat,
    cdist,
    ceil,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    clone,
    concatenate,
    cos,
    cosh,
    cumprod,
    cumsum,
    diag,
    diagonal,
    div,
    dot,
    einsum,
    elu,
    empty,
    empty_like,
    eq,
    equal,
    erf,
    exp,
    expand,
    expand_dims,
    expm1,
    eye,
    flatten,
    flip,
    floor,
    floor_divide,
    from_numpy,
    full,
    full_like,
    gather,
    ge,
    gelu,
    getitem,
    gt,
    index_add,
    index_select,
    isfinite,
    isnan,
    le,
    leaky_relu,
    lerp,
    linspace,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logspace,
    logsumexp,
    lt,
    masked_fill,
    masked_select,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    moveaxis,
    movedim,
    mul,
    mv,
    nan_to_num,
    ne,
    neg,
    nonzero,
    norm,
    numel,
    ones,
    ones_like,
    outer,
    pad,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    repeat,
    reshape,
    roll,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    softplus,
    softsign,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    swapaxes,
    tan,
    tanh,
    tensor,
    tile,
    topk,
    trace,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    unflatten,
    unsqueeze,
    var,
    view,
    where,
    zeros,
    zeros_like,
)
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, jvpcheck
from .joining import (
    broadcast_tensors,
    column_stack,
    dstack,
    hstack,
    meshgrid,
    narrow,
    repeat_interleave,
    row_stack,
    vstack,
)
from .linalg import det, matrix_exp, matrix_power
from .linalg import inv as inverse
from .ops import OPS
from .queries import argwhere, bincount, bucketize, count_nonzero, isclose, searchsorted, unique
from .random import (
    bernoulli,
    default_rng,
    manual_seed,
    multinomial,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from .tape import Node
from .tensor import Tensor, is_tensor

__version__ = "0.1.0"

# dtypes by name, as torch.float32 and friends (NumPy's own types: `ad.tensor([1, 2], dtype=ad.float32)`,
# `x.dtype == ad.int64`); `bool_` as NumPy spells it, so that `from autodiff import *` shadows no builtin
from numpy import bool_, float16, float32, float64, int8, int16, int32, int64, uint8  # noqa: E402

half, double, long = float16, float64, int64
from numpy import finfo, iinfo  # noqa: E402  (as torch.finfo(torch.float32).eps)


def __getattr__(name: str):
    """Import on first use the submodules that need more than NumPy (`testing` needs hypothesis)."""
    import importlib
    if name in ("testing", "datasets"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
