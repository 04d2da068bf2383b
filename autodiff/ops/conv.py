"""2-d convolution and max pooling as registered ops (im2col/col2im in NumPy; loops only over kernel offsets).

Each op's backward is itself a registered op, so gradients of gradients work:

- ``conv2d(x, w, b)`` is recorded as ``im2col(x)`` (unfold every window into a column; linear,
  its VJP is ``col2im`` and vice versa) followed by the ``conv2d`` op on the columns: one
  matrix product whose rules are matrix products again. The columns are saved by the graph
  once, so backward does not unfold the input a second time. Dilation is a parameter of im2col/col2im;
  groups > 1 run each group's weights against its columns as one batched matmul (existing ops).
- ``conv_transpose2d(x, w, b)`` is conv2d's input-gradient: w^T @ x (a matmul of existing ops) folded by
  ``col2im``.
- ``max_pool2d(x)`` routes gradients to the first maximum of each window (as PyTorch). Its VJP
  ``max_pool2d_grad(g, x)`` scatters g to those positions and its JVP ``max_pool2d_gather(t, x)``
  gathers t from them; both are linear in their first input and piecewise constant in x.

Shapes follow PyTorch: x (N, C, H, W), w (O, C/groups, kh, kw), b (O,) or None; out (N, O, Ho, Wo) with
Ho = (H + 2 ph - dh (kh - 1) - 1) // sh + 1.
"""
from __future__ import annotations

import numpy as np

from ..tape import apply
from .common import on_tensor_use
from .elementwise import ADD
from .linalg import MATMUL
from .registry import defop
from .shape import PAD, PERMUTE, RESHAPE


def _out_size(size: int, k: int, s: int, p: int, d: int = 1) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _pad_hw(x, ph: int, pw: int, value=0.0):
    if not (ph or pw):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _im2col(xp, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int, dh: int = 1, dw: int = 1):
    """(N, C, Hp, Wp) -> (N, C*kh*kw, ho*wo): one strided copy per kernel offset, none per pixel."""
    n, c = xp.shape[:2]
    cols = np.empty((n, c, kh, kw, ho, wo), dtype=xp.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i * dh:i * dh + sh * ho:sh, j * dw:j * dw + sw * wo:sw]
    return cols.reshape(n, c * kh * kw, ho * wo)


def _col2im(dcols, x_shape: tuple, kh: int, kw: int, sh: int, sw: int, ph: int, pw: int, ho: int, wo: int,
            dh: int = 1, dw: int = 1):
    """Adjoint of `_im2col` followed by padding: sum each kernel offset's columns back into place."""
    n, c, h, w = x_shape
    dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dcols.dtype)
    dcols = dcols.reshape(n, c, kh, kw, ho, wo)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i * dh:i * dh + sh * ho:sh, j * dw:j * dw + sw * wo:sw] += dcols[:, :, i, j]
    if ph or pw:
        return dxp[:, :, ph:ph + h, pw:pw + w]
    return dxp


# ---------------------------------------------------------------------------------------- conv2d
def _im2col_np(x, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    ho, wo = _out_size(x.shape[2], kh, sh, ph, dh), _out_size(x.shape[3], kw, sw, pw, dw)
    return _im2col(_pad_hw(x, ph, pw), kh, kw, sh, sw, ho, wo, dh, dw)


def _col2im_np(cols, x_shape=(), kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    ho, wo = _out_size(x_shape[2], kh, sh, ph, dh), _out_size(x_shape[3], kw, sw, pw, dw)
    return _col2im(np.asarray(cols), tuple(x_shape), kh, kw, sh, sw, ph, pw, ho, wo, dh, dw)


im2col_any = on_tensor_use("im2col", _im2col_np)
col2im_any = on_tensor_use("col2im", _col2im_np)


def _conv2d_np(cols, w, b=None, out_hw=(1, 1)):
    """Convolution from unfolded input: w (O, C, kh, kw) as (O, C*kh*kw) times cols (N, C*kh*kw, Ho*Wo)."""
    o = w.shape[0]
    out = np.matmul(w.reshape(o, -1), cols).reshape((cols.shape[0], o) + tuple(out_hw))
    if b is not None:
        out += b.reshape(1, o, 1, 1)
    return out


def _conv2d_vjp_cols(g, ans, cols, w, b=None, out_hw=(1, 1)):
    n, o = g.shape[:2]
    return np.matmul(w.reshape((o, -1)).T, g.reshape((n, o, -1)))


def _conv2d_vjp_w(g, ans, cols, w, b=None, out_hw=(1, 1)):
    n, o = g.shape[:2]
    return np.matmul(g.reshape((n, o, -1)), np.swapaxes(cols, 1, 2)).sum(axis=0).reshape(w.shape)


def _conv2d_jvp_cols(t, ans, cols, w, b=None, out_hw=(1, 1)):
    o = w.shape[0]
    return np.matmul(w.reshape((o, -1)), t).reshape((t.shape[0], o) + tuple(out_hw))


def _conv2d_jvp_w(t, ans, cols, w, b=None, out_hw=(1, 1)):
    o = w.shape[0]
    return np.matmul(t.reshape((o, -1)), cols).reshape((cols.shape[0], o) + tuple(out_hw))


IM2COL = defop(
    "im2col", _im2col_np,
    (lambda g, ans, x, **geometry: col2im_any(g, x_shape=x.shape, **geometry),),
    (lambda t, ans, x, **geometry: im2col_any(t, **geometry),),
    doc="unfold (N, C, H, W) into columns (N, C*kh*kw, Ho*Wo), zero padding, optional dilation; linear "
        "(VJP: col2im)")
COL2IM = defop(
    "col2im", _col2im_np,
    (lambda g, ans, cols, x_shape=(), **geometry: im2col_any(g, **geometry),),
    (lambda t, ans, cols, x_shape=(), **geometry: col2im_any(t, x_shape=x_shape, **geometry),),
    doc="fold columns back to (N, C, H, W), summing overlaps (the adjoint of im2col; also conv_transpose2d)")
CONV2D = defop(
    "conv2d", _conv2d_np,
    (_conv2d_vjp_cols, _conv2d_vjp_w, lambda g, ans, cols, w, b=None, out_hw=(1, 1): g.sum(axis=(0, 2, 3))),
    (_conv2d_jvp_cols, _conv2d_jvp_w, lambda t, ans, cols, w, b=None, out_hw=(1, 1): t.reshape((1, -1, 1, 1))),
    doc="2-d convolution from im2col columns: (w as (O, C*kh*kw)) @ cols, reshaped to (N, O, Ho, Wo), plus bias")


# ------------------------------------------------------------------------------------ max_pool2d
def _pool_geometry(x_shape, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    return kh, kw, sh, sw, ph, pw, _out_size(x_shape[2], kh, sh, ph), _out_size(x_shape[3], kw, sw, pw)


def _pool_views(xp, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int):
    """(i, j, strided view of xp at kernel offset (i, j)) for every offset: the windows, one offset at a time."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw]


def _pool_max(xp, kh, kw, sh, sw, ho, wo):
    best = None
    for _, _, v in _pool_views(xp, kh, kw, sh, sw, ho, wo):
        if best is None:
            best = np.array(v)
        else:
            np.maximum(best, v, out=best)
    return best


def _first_max_masks(x, pooled, kernel_size, stride, padding):
    """(i, j, mask) per kernel offset: True where that offset holds its window's first maximum.

    Branch-free: per offset `(view == pooled) > taken` (for bools, `a and not b`). A window holding NaN
    pooled to NaN, and its first NaN takes the gradient (as PyTorch, where NaN counts as the maximum).
    """
    kh, kw, sh, sw, ph, pw, ho, wo = _pool_geometry(x.shape, kernel_size, stride, padding)
    xp = _pad_hw(np.asarray(x), ph, pw, value=-np.inf)
    pooled = np.asarray(pooled)
    has_nan = bool(np.isnan(pooled).any())
    last = kh * kw - 1
    taken = None
    for k, (i, j, v) in enumerate(_pool_views(xp, kh, kw, sh, sw, ho, wo)):
        hit = v == pooled
        if has_nan:
            hit |= np.isnan(v)
        if taken is None:
            taken = hit.copy() if last else None
        else:
            np.greater(hit, taken, out=hit)
            if k < last:
                taken |= hit
        yield i, j, hit


def _max_pool2d_np(x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)):
    kh, kw, sh, sw, ph, pw, ho, wo = _pool_geometry(x.shape, kernel_size, stride, padding)
    return _pool_max(_pad_hw(x, ph, pw, value=-np.inf), kh, kw, sh, sw, ho, wo)


def _max_pool2d_grad_np(g, x, pooled, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)):
    """Scatter g (pooled shape) to the first maximum of each of x's windows (x's shape); pooled = max_pool2d(x)."""
    kh, kw, sh, sw, ph, pw, ho, wo = _pool_geometry(x.shape, kernel_size, stride, padding)
    n, c, h, w = x.shape
    g = np.asarray(g)
    hp, wp = h + 2 * ph, w + 2 * pw
    disjoint = sh >= kh and sw >= kw  # each input position is in at most one window: assign, don't add
    tiled = sh == kh and sw == kw and ho * kh == hp and wo * kw == wp  # ... and in exactly one
    dxp = (np.empty if tiled else np.zeros)((n, c, hp, wp), dtype=g.dtype)
    for i, j, hit in _first_max_masks(x, pooled, kernel_size, stride, padding):
        view = dxp[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw]
        if disjoint:
            np.multiply(g, hit, out=view)
        else:
            view += g * hit
    return dxp[:, :, ph:ph + h, pw:pw + w] if (ph or pw) else dxp


def _max_pool2d_gather_np(t, x, pooled, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)):
    """t (x's shape) read at the first maximum of each of x's windows (pooled shape)."""
    kh, kw, sh, sw, ph, pw, ho, wo = _pool_geometry(x.shape, kernel_size, stride, padding)
    tp = _pad_hw(np.asarray(t), ph, pw)
    out = np.zeros(np.shape(pooled), dtype=tp.dtype)
    for i, j, hit in _first_max_masks(x, pooled, kernel_size, stride, padding):
        out += tp[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] * hit
    return out


max_pool2d_grad_any = on_tensor_use("max_pool2d_grad", _max_pool2d_grad_np)
max_pool2d_gather_any = on_tensor_use("max_pool2d_gather", _max_pool2d_gather_np)

MAX_POOL2D = defop(
    "max_pool2d", _max_pool2d_np,
    (lambda g, ans, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0):
     max_pool2d_grad_any(g, x, ans, kernel_size=kernel_size, stride=stride, padding=padding),),
    (lambda t, ans, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0):
     max_pool2d_gather_any(t, x, ans, kernel_size=kernel_size, stride=stride, padding=padding),),
    doc="max over kh x kw windows (implicit -inf padding); the gradient goes to each window's first maximum")
MAX_POOL2D_GRAD = defop(
    "max_pool2d_grad", _max_pool2d_grad_np,
    (lambda u, ans, g, x, pooled, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0):
     max_pool2d_gather_any(u, x, pooled, kernel_size=kernel_size, stride=stride, padding=padding), None, None),
    (lambda t, ans, g, x, pooled, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0):
     max_pool2d_grad_any(t, x, pooled, kernel_size=kernel_size, stride=stride, padding=padding), None, None),
    doc="max_pool2d's gradient: g scattered to the first max of x's windows (x, pooled only select positions)",
    differentiable=(0,))
MAX_POOL2D_GATHER = defop(
    "max_pool2d_gather", _max_pool2d_gather_np,
    (lambda u, ans, t, x, pooled, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0):
     max_pool2d_grad_any(u, x, pooled, kernel_size=kernel_size, stride=stride, padding=padding), None, None),
    (lambda s, ans, t, x, pooled, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0):
     max_pool2d_gather_any(s, x, pooled, kernel_size=kernel_size, stride=stride, padding=padding), None, None),
    doc="max_pool2d's forward-mode rule: t read at the first max of x's windows (x, pooled only select positions)",
    differentiable=(0,))


# ------------------------------------------------------------------------------- public functions
def is_int(v) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def pair_arg(v, name: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum (PyTorch's conv and pooling arguments), as a pair.

    Floats, bools and other lengths are refused (TypeError) rather than truncated.
    """
    pair = (v, v) if is_int(v) else tuple(v) if isinstance(v, (tuple, list, np.ndarray)) else None
    if pair is None or len(pair) != 2 or not all(is_int(a) for a in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {v!r}")
    return int(pair[0]), int(pair[1])


def _shape_of(a) -> tuple:
    return tuple(np.shape(a._data if hasattr(a, "_data") else a))


def single_arg(v, name: str, op: str, minimum: int) -> int:
    """An int or a 1-tuple of ints, >= minimum (PyTorch's 1-d conv and pooling arguments), as an int."""
    one = v if is_int(v) else v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else None
    if not is_int(one):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple of ints, got {v!r}")
    if one < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {v!r}")
    return int(one)


def _groups_arg(groups, op: str) -> int:
    if not is_int(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def string_padding(padding: str, kernel_size: tuple, stride: tuple, dilation: tuple, op: str) -> tuple:
    """PyTorch's padding='valid' (none) or 'same' (output size = input size; stride 1 only, as PyTorch).

    'same' pads d*(k-1) in all per axis, half on each side and the odd one extra at the bottom/right (as
    PyTorch). Returns (symmetric padding pair, extra (bottom, right) padding pair).
    """
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding != "same":
        raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={tuple(stride)})")
    total = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    return tuple(t // 2 for t in total), tuple(t % 2 for t in total)


def _add_bias(out, b, o: int):
    return out if b is None else apply(ADD, (out, apply(RESHAPE, (b,), {"shape": (1, o, 1, 1)})))


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlate x (N, C, H, W) with w (O, C/groups, kh, kw), add b (O,) if given (as
    `torch.nn.functional.conv2d`; padding an int, a pair, 'same' or 'valid').

    groups=1 is one `conv2d` node on the im2col columns; groups > 1 a batched matmul of each group's
    weights with its columns.
    """
    stride, dilation = pair_arg(stride, "stride", "conv2d", 1), pair_arg(dilation, "dilation", "conv2d", 1)
    groups = _groups_arg(groups, "conv2d")
    xs, ws = _shape_of(x), _shape_of(w)
    if len(xs) != 4 or len(ws) != 4:
        raise ValueError(f"conv2d: expected input (N, C, H, W) and weight (O, C, kh, kw), got shapes {xs} and {ws}")
    if xs[1] != ws[1] * groups:
        raise ValueError(f"conv2d: input has {xs[1]} channels but weight {ws} expects {ws[1] * groups} "
                         f"(input shape {xs}" + (f", groups={groups})" if groups != 1 else ")"))
    if ws[0] % groups:
        raise ValueError(f"conv2d: weight {ws} has {ws[0]} output channels, not divisible by groups={groups}")
    if b is not None and _shape_of(b) != (ws[0],):
        raise ValueError(f"conv2d: bias must have shape ({ws[0]},), got {_shape_of(b)}")
    kernel = (ws[2], ws[3])
    if isinstance(padding, str):
        padding, extra = string_padding(padding, kernel, stride, dilation, "conv2d")
        if extra != (0, 0):
            x = apply(PAD, (x,), {"pad_width": ((0, 0), (0, 0), (0, extra[0]), (0, extra[1]))})
            xs = _shape_of(x)
    else:
        padding = pair_arg(padding, "padding", "conv2d", 0)
    ho = _out_size(xs[2], ws[2], stride[0], padding[0], dilation[0])
    wo = _out_size(xs[3], ws[3], stride[1], padding[1], dilation[1])
    if ho < 1 or wo < 1:
        raise ValueError(f"conv2d: kernel {ws[2:]} is larger than the padded input {xs[2:]} "
                         f"(padding {padding}" + (f", dilation {dilation})" if dilation != (1, 1) else ")"))
    geometry = {"kernel_size": kernel, "stride": stride, "padding": padding}
    if dilation != (1, 1):
        geometry["dilation"] = dilation
    cols = apply(IM2COL, (x,), geometry)
    if groups == 1:
        return apply(CONV2D, (cols, w) if b is None else (cols, w, b), {"out_hw": (ho, wo)})
    n, o, k = xs[0], ws[0], ws[1] * ws[2] * ws[3]
    cols = apply(RESHAPE, (cols,), {"shape": (n, groups, k, ho * wo)})
    wg = apply(RESHAPE, (w,), {"shape": (groups, o // groups, k)})
    out = apply(RESHAPE, (apply(MATMUL, (wg, cols)),), {"shape": (n, o, ho, wo)})
    return _add_bias(out, b, o)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (the input-gradient of conv2d) of x (N, C_in, H, W) with w (C_in, C_out/groups,
    kh, kw), plus b (C_out,) (as `torch.nn.functional.conv_transpose2d`).

    Output size (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1 per axis. Built as
    w^T @ x (each group's weights, one batched matmul) folded by `col2im`: differentiable to any order.
    output_padding >= stride (PyTorch allows it while smaller than dilation) is refused.
    """
    op = "conv_transpose2d"
    stride, dilation = pair_arg(stride, "stride", op, 1), pair_arg(dilation, "dilation", op, 1)
    padding, output_padding = pair_arg(padding, "padding", op, 0), pair_arg(output_padding, "output_padding", op, 0)
    groups = _groups_arg(groups, op)
    xs, ws = _shape_of(x), _shape_of(w)
    if len(xs) != 4 or len(ws) != 4:
        raise ValueError(f"{op}: expected input (N, C_in, H, W) and weight (C_in, C_out/groups, kh, kw), got shapes "
                         f"{xs} and {ws}")
    if xs[1] != ws[0]:
        raise ValueError(f"{op}: input has {xs[1]} channels but weight {ws} (C_in, C_out/groups, kh, kw) expects "
                         f"{ws[0]} (input shape {xs})")
    if ws[0] % groups:
        raise ValueError(f"{op}: weight {ws} has {ws[0]} input channels, not divisible by groups={groups}")
    cout = ws[1] * groups
    if b is not None and _shape_of(b) != (cout,):
        raise ValueError(f"{op}: bias must have shape ({cout},), got {_shape_of(b)}")
    for p, s, d in zip(output_padding, stride, dilation):
        if p >= s and p >= d:
            raise ValueError(f"{op}: output padding must be smaller than either stride or dilation, got "
                             f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
        if p >= s:
            raise NotImplementedError(f"{op}: output_padding >= stride is not supported (got output_padding="
                                      f"{output_padding}, stride={stride}, dilation={dilation})")
    hw_out = tuple((size - 1) * s - 2 * p + d * (k - 1) + q + 1 for size, k, s, p, d, q in
                   zip(xs[2:], ws[2:], stride, padding, dilation, output_padding))
    if min(hw_out) < 1:
        raise ValueError(f"{op}: output size {hw_out} is too small (input {xs}, kernel {ws[2:]}, stride {stride}, "
                         f"padding {padding}, dilation {dilation})")
    n, cin, k = xs[0], xs[1], ws[1] * ws[2] * ws[3]
    if groups == 1:
        wt = apply(PERMUTE, (apply(RESHAPE, (w,), {"shape": (cin, k)}),), {"axes": (1, 0)})
        cols = apply(MATMUL, (wt, apply(RESHAPE, (x,), {"shape": (n, cin, xs[2] * xs[3])})))
    else:
        wt = apply(PERMUTE, (apply(RESHAPE, (w,), {"shape": (groups, cin // groups, k)}),), {"axes": (0, 2, 1)})
        xg = apply(RESHAPE, (x,), {"shape": (n, groups, cin // groups, xs[2] * xs[3])})
        cols = apply(RESHAPE, (apply(MATMUL, (wt, xg)),), {"shape": (n, groups * k, xs[2] * xs[3])})
    geometry = {"x_shape": (n, cout) + hw_out, "kernel_size": ws[2:], "stride": stride, "padding": padding}
    if dilation != (1, 1):
        geometry["dilation"] = dilation
    return _add_bias(apply(COL2IM, (cols,), geometry), b, cout)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over windows of x (N, C, H, W) (as `torch.nn.functional.max_pool2d`; stride defaults to kernel_size)."""
    kernel_size = pair_arg(kernel_size, "kernel_size", "max_pool2d", 1)
    stride = kernel_size if stride is None else pair_arg(stride, "stride", "max_pool2d", 1)
    padding = pair_arg(padding, "padding", "max_pool2d", 0)
    xs = _shape_of(x)
    if len(xs) != 4:
        raise ValueError(f"max_pool2d: expected input of shape (N, C, H, W), got {xs}")
    if padding[0] * 2 > kernel_size[0] or padding[1] * 2 > kernel_size[1]:
        raise ValueError(f"max_pool2d: padding {padding} must be at most half the kernel size {kernel_size}")
    ho = _out_size(xs[2], kernel_size[0], stride[0], padding[0])
    wo = _out_size(xs[3], kernel_size[1], stride[1], padding[1])
    if ho < 1 or wo < 1:
        raise ValueError(f"max_pool2d: kernel {kernel_size} is larger than the padded input {xs[2:]}")
    return apply(MAX_POOL2D, (x,), {"kernel_size": kernel_size, "stride": stride, "padding": padding})
