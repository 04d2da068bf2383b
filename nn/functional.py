"""`nn.functional`: stateless layers, activations and losses (as `torch.nn.functional`).

Modules in `nn` call these; use them directly when the parameters live elsewhere.
Targets, masks and class weights are constants (arrays or Tensors whose gradient is not taken),
except where PyTorch differentiates them too (MSE, BCE and BCE-with-logits targets).
"""
from __future__ import annotations

import warnings

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.ops.conv import IM2COL, is_int, pair_arg, single_arg
from autodiff.ops.conv import conv2d as _conv2d
from autodiff.ops.conv import conv_transpose2d as _conv_transpose2d
from autodiff.ops.conv import max_pool2d as _max_pool2d
from autodiff.tape import apply

from . import _ops, _pad_modes
from ._activation_fns import glu, gumbel_softmax, hardshrink, softshrink, tanhshrink, threshold
from ._attention_fns import scaled_dot_product_attention
from ._fold_fns import fold, pixel_shuffle, pixel_unshuffle, unfold
from ._linear_fns import bilinear
from ._norm_fns import instance_norm, local_response_norm
from .resample import interpolate

__all__ = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "pad", "dropout", "batch_norm",
           "layer_norm", "embedding", "one_hot",
           "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "softsign", "scaled_tanh",
           "softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic, float, int, list, tuple)):
        return ad.tensor(x)
    raise TypeError(f"{what}: expected a Tensor, got {type(x).__name__}")


def _const(x) -> np.ndarray | None:
    """A constant operand (target, weight, mask) as an array."""
    if x is None:
        return None
    return np.asarray(x._data if isinstance(x, Tensor) else x)


def _check_reduction(reduction: str, fn: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: {reduction!r} is not a valid value for reduction (use 'mean', 'sum' or 'none')")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# -------------------------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, with weight of shape (out_features, in_features); one graph node."""
    xs = input._data.shape if isinstance(input, Tensor) else np.shape(input)
    ws = weight._data.shape if isinstance(weight, Tensor) else np.shape(weight)
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {tuple(xs)} does not match weight of shape {ws} "
                         f"(expected input (..., {ws[1] if len(ws) == 2 else '?'}))")
    bs = None if bias is None else bias._data.shape if isinstance(bias, Tensor) else np.shape(bias)
    if bs is not None and bs != (ws[0],):
        raise ValueError(f"linear: bias must have shape ({ws[0]},), got {bs}")
    return apply(_ops.LINEAR, (input, weight) if bias is None else (input, weight, bias))


def _unbatched(x, fn: str):
    """(C, H, W) input as (1, C, H, W) (PyTorch accepts unbatched images); True when it was unbatched."""
    x = _tensor(x, fn)
    return (x.unsqueeze(0), True) if x.ndim == 3 else (x, False)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-d cross-correlation (N, C, H, W) * (O, C/groups, kh, kw) -> (N, O, Ho, Wo) (or unbatched (C, H, W)), im2col.

    padding: an int, a pair, 'valid' or 'same' (stride 1; an odd total d*(k-1) puts the extra row/column at the
    bottom/right, as PyTorch).
    """
    x, unbatched = _unbatched(input, "conv2d")
    out = _conv2d(x, weight, bias, stride, padding, dilation, groups)
    return out.squeeze(0) if unbatched else out


def _as_height1(input, fn: str) -> tuple:
    """(N, C, L) or unbatched (C, L) as (N, C, 1, L), and whether it was unbatched (1-d ops run the 2-d ones)."""
    x = _tensor(input, fn)
    if x.ndim not in (2, 3):
        raise ValueError(f"{fn}: expected input of shape (N, C, L) or unbatched (C, L), got {x.shape}")
    return (x.unsqueeze(0) if x.ndim == 2 else x).unsqueeze(2), x.ndim == 2


def _from_height1(out: Tensor, unbatched: bool) -> Tensor:
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-d cross-correlation (N, C, L) * (O, C/groups, k) -> (N, O, Lo) (or unbatched (C, L)): conv2d on a height-1
    axis. padding: an int, a 1-tuple, 'valid' or 'same' (as `torch.nn.functional.conv1d`)."""
    x, unbatched = _as_height1(input, "conv1d")
    w = _tensor(weight, "conv1d")
    if w.ndim != 3 or x.shape[1] != w.shape[1] * groups:
        raise ValueError(f"conv1d: input of shape {x.shape[:2] + x.shape[3:]} does not match weight of shape "
                         f"{w.shape} with groups={groups} (expected weight (O, C/groups, k))")
    stride, dilation = single_arg(stride, "stride", "conv1d", 1), single_arg(dilation, "dilation", "conv1d", 1)
    if not isinstance(padding, str):
        padding = (0, single_arg(padding, "padding", "conv1d", 0))
        if x.shape[3] + 2 * padding[1] < dilation * (w.shape[2] - 1) + 1:
            raise ValueError(f"conv1d: kernel size {w.shape[2]} (dilation {dilation}) is larger than the padded "
                             f"input of length {x.shape[3]} (padding {padding[1]})")
    out = _conv2d(x, w.unsqueeze(2), bias, (1, stride), padding, (1, dilation), groups)
    return _from_height1(out, unbatched)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 2-d convolution (the input-gradient of conv2d): (N, C_in, H, W) * (C_in, C_out/groups, kh, kw)
    -> (N, C_out, Ho, Wo), Ho = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1; or unbatched."""
    x, unbatched = _unbatched(input, "conv_transpose2d")
    out = _conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation)
    return out.squeeze(0) if unbatched else out


__all__ += ["conv1d", "conv_transpose2d", "max_pool1d", "avg_pool1d", "interpolate"]


def _check_pool_options(dilation, return_indices: bool, ceil_mode: bool, op: str = "max_pool2d", dims: int = 2
                        ) -> None:
    """Max pooling here takes only PyTorch's defaults for these three (dilation 1 as an int or `dims` ones)."""
    if dilation not in (1, (1,) * dims, [1] * dims) or return_indices or ceil_mode:
        raise NotImplementedError(f"{op}: only dilation=1, return_indices=False and ceil_mode=False are "
                                  f"supported, got dilation={dilation}, return_indices={return_indices}, "
                                  f"ceil_mode={ceil_mode}")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """Max over kernel_size windows (stride defaults to kernel_size); gradient to each window's first max.

    Input (N, C, H, W) or unbatched (C, H, W); dilation, ceil_mode and return_indices only at their defaults.
    """
    _check_pool_options(dilation, return_indices, ceil_mode)
    x, unbatched = _unbatched(input, "max_pool2d")
    out = _max_pool2d(x, kernel_size, stride=stride, padding=padding)
    return out.squeeze(0) if unbatched else out


def _pool1d_args(fn: str, x: Tensor, kernel_size, stride, padding, ceil_mode: bool = False) -> tuple:
    """(kernel, stride, padding) of a 1-d pool as pairs for the 2-d op on a height-1 axis, checked with fn's name."""
    k = single_arg(kernel_size, "kernel_size", fn, 1)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else single_arg(
        stride, "stride", fn, 1)
    p = single_arg(padding, "padding", fn, 0)
    if 2 * p > k:
        raise ValueError(f"{fn}: padding {p} must be at most half the kernel size {k}")
    if _pool_out_size(x.shape[3], k, s, p, ceil_mode) < 1:
        raise ValueError(f"{fn}: kernel size {k} is larger than the padded input of length {x.shape[3]} "
                         f"(padding {p})")
    return (1, k), (1, s), (0, p)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """Max over windows of (N, C, L) or (C, L) (as `torch.nn.functional.max_pool1d`): max_pool2d on a height-1 axis.

    dilation, ceil_mode and return_indices only at their defaults.
    """
    _check_pool_options(dilation, return_indices, ceil_mode, "max_pool1d", 1)
    x, unbatched = _as_height1(input, "max_pool1d")
    k, s, p = _pool1d_args("max_pool1d", x, kernel_size, stride, padding)
    return _from_height1(_max_pool2d(x, k, s, p), unbatched)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over windows of (N, C, L) or (C, L) (as `torch.nn.functional.avg_pool1d`): avg_pool2d on a height-1
    axis, with its divisor rules."""
    x, unbatched = _as_height1(input, "avg_pool1d")
    _check_pool_input(x, "avg_pool1d")
    k, s, p = _pool1d_args("avg_pool1d", x, kernel_size, stride, padding, ceil_mode)
    return _from_height1(avg_pool2d(x, k, s, p, ceil_mode, count_include_pad), unbatched)


def _avg_pool_args(fn: str, kernel_size, stride, padding, divisor_override) -> tuple:
    """(kernel, stride, padding) as pairs, checked as PyTorch checks them (stride None or () means kernel_size)."""
    k = pair_arg(kernel_size, "kernel_size", fn, 1)
    if stride is None or (isinstance(stride, (tuple, list)) and not stride):
        s = k
    else:
        s = pair_arg(stride, "stride", fn, 1)
    p = pair_arg(padding, "padding", fn, 0)
    if 2 * p[0] > k[0] or 2 * p[1] > k[1]:
        raise ValueError(f"{fn}: padding {p} must be at most half the kernel size {k}")
    if divisor_override is not None and (not is_int(divisor_override) or divisor_override == 0):
        raise ValueError(f"{fn}: divisor_override must be a nonzero int or None, got {divisor_override!r}")
    return k, s, p


def _pool_out_size(size: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; in ceil_mode the last window must start inside the input or left padding."""
    out = (size + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _avg_divisor_1d(size: int, k: int, s: int, p: int, out: int, count_include_pad: bool) -> np.ndarray:
    """Each window's extent along one axis as PyTorch counts it: clipped to the padded input
    (count_include_pad) or to the input itself. Every window overlaps the input (padding <= k/2, and a
    ceil_mode window starts before the right padding), so no count is 0. The 2-d divisor is the product."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _check_pool_input(x: Tensor, fn: str) -> None:
    if x.ndim not in (3, 4):
        raise ValueError(f"{fn}: expected input of shape (N, C, H, W) or unbatched (C, H, W), got {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {x.dtype} (integer pooling is not "
                        f"supported)")


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over kernel_size windows of (N, C, H, W) or unbatched (C, H, W) (as `torch.nn.functional.avg_pool2d`).

    stride defaults to kernel_size; zero padding of at most half the kernel. The divisor is PyTorch's:
    the window clipped to the padded input (count_include_pad=True; where a ceil_mode window overhangs
    the padding, the overhang is not counted), or to the input itself (False), or divisor_override.
    Composed of differentiable ops (im2col, a sum, a division by a constant), so gradients of any
    order and forward mode come free; non-overlapping windows take a reshape-and-sum path instead.
    """
    k, s, p = _avg_pool_args("avg_pool2d", kernel_size, stride, padding, divisor_override)
    x = _tensor(input, "avg_pool2d")
    _check_pool_input(x, "avg_pool2d")
    in_shape = x.shape
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    n, c, h, w = x.shape
    ho, wo = _pool_out_size(h, k[0], s[0], p[0], ceil_mode), _pool_out_size(w, k[1], s[1], p[1], ceil_mode)
    if ho < 1 or wo < 1:
        raise ValueError(f"avg_pool2d: kernel {k} is larger than the padded input: input of shape "
                         f"{in_shape} with padding {p} gives an output of size ({ho}, {wo})")
    # ceil_mode's last window may reach past the padding: zeros there too, so that every window is whole
    extra_h = max(0, (ho - 1) * s[0] + k[0] - h - 2 * p[0])
    extra_w = max(0, (wo - 1) * s[1] + k[1] - w - 2 * p[1])
    if s == k and p == (0, 0) and not (extra_h or extra_w):  # tiled (rows/columns past the last window dropped)
        if (ho * k[0], wo * k[1]) != (h, w):
            x = x[:, :, :ho * k[0], :wo * k[1]]
        total = x.reshape(n, c, ho, k[0], wo, k[1]).sum(axis=(3, 5))
    else:
        if extra_h or extra_w:
            x = ad.pad(x, ((0, 0), (0, 0), (0, extra_h), (0, extra_w)))
        cols = apply(IM2COL, (x,), {"kernel_size": k, "stride": s, "padding": p})  # (N, C*kh*kw, Ho*Wo)
        total = cols.reshape(n, c, k[0] * k[1], ho, wo).sum(axis=2)
    if divisor_override is not None:
        out = total / int(divisor_override)
    else:
        dh = _avg_divisor_1d(h, k[0], s[0], p[0], ho, count_include_pad)
        dw = _avg_divisor_1d(w, k[1], s[1], p[1], wo, count_include_pad)
        if (dh == dh[0]).all() and (dw == dw[0]).all():
            out = total / int(dh[0] * dw[0])
        else:
            out = total / np.outer(dh, dw).astype(x.dtype)
    return out.squeeze(0) if unbatched else out


def _adaptive_size_arg(fn: str, output_size) -> tuple:
    """output_size as a pair of ints or None (None: keep that input size), checked."""
    pair = (output_size, output_size) if is_int(output_size) else (
        tuple(output_size) if isinstance(output_size, (tuple, list)) else None)
    if pair is None or len(pair) != 2 or not all(a is None or is_int(a) for a in pair):
        raise TypeError(f"{fn}: output_size must be an int or a pair of ints (None keeps that size), "
                        f"got {output_size!r}")
    if any(a is not None and a < 0 for a in pair):
        raise ValueError(f"{fn}: output_size must be >= 0, got {output_size!r}")
    return tuple(None if a is None else int(a) for a in pair)


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size): row i averages PyTorch's window [floor(i*size/out), ceil((i+1)*size/out))."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Mean over PyTorch's adaptive windows to an (oh, ow) output, of (N, C, H, W) or (C, H, W).

    Row window i is [floor(i*H/oh), ceil((i+1)*H/oh)) (so windows may overlap and differ in size);
    columns likewise; None in output_size keeps that input size. When both sizes divide, the windows
    tile the input (avg_pool2d's reshape path); otherwise the mean is separable, A @ x @ B.T, with
    constant averaging matrices A (oh, H) and B (ow, W): two matmuls, differentiable to any order.
    """
    size = _adaptive_size_arg("adaptive_avg_pool2d", output_size)
    x = _tensor(input, "adaptive_avg_pool2d")
    _check_pool_input(x, "adaptive_avg_pool2d")
    h, w = x.shape[-2:]
    if not (h and w):  # (an empty window's mean is undefined; as PyTorch, N and C may be 0)
        raise ValueError(f"adaptive_avg_pool2d: expected an input with non-zero height and width, got shape "
                         f"{x.shape}")
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    if oh and ow and h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow))
    return ad.matmul(ad.matmul(_adaptive_matrix(h, oh, x.dtype), x), _adaptive_matrix(w, ow, x.dtype).T)


def _adaptive_windows(size: int, out: int) -> np.ndarray:
    """(out, K): the positions of PyTorch's adaptive window i along one axis, the last repeated to width K."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    return np.minimum(start[:, None] + np.arange(int((end - start).max(initial=1)))[None, :], end[:, None] - 1)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over PyTorch's adaptive windows (as `adaptive_avg_pool2d`'s) of (N, C, H, W) or (C, H, W).

    The argmax of each window (its first maximum in row-major order; nan wins) is found in NumPy, and the
    output gathers those entries, so the gradient goes to them alone (as PyTorch). return_indices: also the
    int64 flat indices into H*W (no grad).
    """
    size = _adaptive_size_arg("adaptive_max_pool2d", output_size)
    x = _tensor(input, "adaptive_max_pool2d")
    _check_pool_input(x, "adaptive_max_pool2d")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    n, c, h, w = x.shape
    if not (h and w):
        raise ValueError(f"adaptive_max_pool2d: Expected input to have non-zero size for non-batch dimensions, but "
                         f"input has sizes {x.shape}")
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    rows, cols = _adaptive_windows(h, oh), _adaptive_windows(w, ow)
    flat = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(oh, ow, -1)  # (oh, ow, Kh*Kw)
    a = np.asarray(x._data)
    windows = a[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (N, C, oh, Kh, ow, Kw)
    windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, -1)
    idx = flat[np.arange(oh)[:, None], np.arange(ow)[None, :], windows.argmax(axis=-1)] if windows.size else \
        np.zeros((n, c, oh, ow), dtype=np.int64)
    idx = idx.astype(np.int64)
    out = x.reshape(n, c, h * w).gather(2, idx.reshape(n, c, oh * ow)).reshape(n, c, oh, ow)
    if unbatched:
        out, idx = out.squeeze(0), idx[0]
    return (out, ad.from_numpy(idx)) if return_indices else out


def _adaptive_1d(fn: str, input, output_size) -> tuple:
    """(N, C, L) or (C, L) as (N, C, 1, L), the output size as (1, size), and whether it was unbatched."""
    size = output_size[0] if isinstance(output_size, (tuple, list)) and len(output_size) == 1 else output_size
    if not (size is None or is_int(size)):
        raise TypeError(f"{fn}: output_size must be an int or a 1-tuple, got {output_size!r}")
    x, unbatched = _as_height1(input, fn)
    return x, (1, size), unbatched


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over PyTorch's adaptive windows of (N, C, L) or (C, L): adaptive_max_pool2d on a height-1 axis."""
    x, size, unbatched = _adaptive_1d("adaptive_max_pool1d", input, output_size)
    out, idx = adaptive_max_pool2d(x, size, return_indices=True)
    out = _from_height1(out, unbatched)
    return (out, _from_height1(idx, unbatched)) if return_indices else out


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Mean over PyTorch's adaptive windows of (N, C, L) or (C, L): adaptive_avg_pool2d on a height-1 axis."""
    x, size, unbatched = _adaptive_1d("adaptive_avg_pool1d", input, output_size)
    return _from_height1(adaptive_avg_pool2d(x, size), unbatched)


def pad(input: Tensor, pad: tuple[int, ...] | list[int], mode: str = "constant", value: float | None = 0) -> Tensor:
    """Pad (or, with negative sizes, crop) the trailing dims as PyTorch: `pad` = (left, right) pairs, last dim first.

    E.g. (1, 1) pads the last axis by one on each side, (0, 0, 2, 0) adds two rows on top of the
    second-to-last. mode='constant' fills with `value` (None means 0, as PyTorch), built on `autodiff.pad`;
    'reflect', 'replicate' and 'circular' gather border entries (see nn._pad_modes). All differentiable.
    A negative size crops the input first, as PyTorch does.
    """
    if mode not in ("constant",) + _pad_modes.MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode!r} (use 'constant', 'reflect', "
                                  f"'replicate' or 'circular')")
    x = _tensor(input, "pad")
    if not isinstance(pad, (tuple, list)) or not all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints, got {pad!r}")
    sizes = tuple(pad)
    if len(sizes) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(sizes)} ({pad!r})")
    if mode != "constant":
        return _pad_modes.index_pad(x, sizes, mode, value)
    if len(sizes) > 2 * x.ndim:
        raise ValueError(f"pad: padding length {len(sizes)} is more than two times the number of dimensions of the "
                         f"input of shape {x.shape}")
    width = [(0, 0)] * x.ndim
    for k in range(len(sizes) // 2):
        width[x.ndim - 1 - k] = (int(sizes[2 * k]), int(sizes[2 * k + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in width):
        for axis, (lo, hi) in enumerate(width):
            if x.shape[axis] + min(lo, 0) + min(hi, 0) < 0:
                raise ValueError(f"pad: negative padding ({lo}, {hi}) crops more than the {x.shape[axis]} elements "
                                 f"of dimension {axis} of the input of shape {x.shape}")
        x = x[tuple(slice(-min(lo, 0), n + min(hi, 0)) for n, (lo, hi) in zip(x.shape, width))]
        if not any(lo > 0 or hi > 0 for lo, hi in width):
            return x
    return ad.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in width], value=0 if value is None else value)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p); identity if not training.

    The mask is drawn from `generator` (default: `ad.default_rng()`) and enters the graph as a
    constant, so a fixed generator state gives a fixed mask (e.g. for gradcheck).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    x = _tensor(input, "dropout")
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating point input, got dtype {x.dtype}")
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    rng = generator if generator is not None else ad.default_rng()
    rdt = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    keep = rng.random(x.shape, dtype=rdt) >= p
    mask = np.multiply(keep, 1.0 / (1.0 - p), dtype=x.dtype)
    return x * mask


def _channel_dropout(fn: str, spatial: int, input, p: float, training: bool, generator) -> Tensor:
    """Zero whole channels: one mask entry per (sample, channel), or per channel of unbatched input (C, *spatial),
    drawn by `dropout` (so the generator and scaling are its own); other dims take PyTorch's legacy paths."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _tensor(input, fn)
    if x.ndim not in (spatial + 1, spatial + 2):
        if spatial == 1:
            raise ValueError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D input. Note that "
                             f"dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                             f"a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
        warnings.warn(f"{fn}: Received a {x.ndim}-D input to {fn}, which is deprecated and will result in an error "
                      f"in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that {fn} exists to provide channel-wise dropout on inputs with {spatial} "
                      f"spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)
        if x.ndim < 2:
            raise ValueError(f"{fn}: Feature dropout requires at least 2 dimensions in the input, got shape "
                             f"{x.shape}")
    elif spatial == 2 and x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=3)
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating point input, got dtype {x.dtype}")
    lead = 1 if x.ndim == spatial + 1 and not (spatial == 2 and x.ndim == 3) else 2
    ones = Tensor(np.ones(x.shape[:lead] + (1,) * (x.ndim - lead), dtype=x.dtype))
    return x * np.asarray(dropout(ones, p, True, generator=generator)._data)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scale the rest by 1/(1-p) (as PyTorch)."""
    return _channel_dropout("dropout1d", 1, input, p, training, generator)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) (3-d input as (N, C, L), with PyTorch's warning)."""
    return _channel_dropout("dropout2d", 2, input, p, training, generator)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p (as PyTorch)."""
    return _channel_dropout("dropout3d", 3, input, p, training, generator)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize per channel of (N, C, *) input over every other axis: (N, C), (N, C, L), (N, C, H, W) ...

    Training (or no running stats): batch statistics, biased variance for normalizing; the running
    stats, if given, are updated in place as running = (1 - momentum) running + momentum batch,
    with the unbiased variance (as PyTorch). Otherwise the running statistics are used.
    """
    x = _tensor(input, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *) with at least 2 dimensions, got shape "
                         f"{x.shape}")
    c = x.shape[1]
    _check_per_channel("batch_norm", x, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    axes = (0,) + tuple(range(2, x.ndim))
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if training or running_mean is None or running_var is None:
        n = x.size // c
        if training and n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"of shape {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        if training and running_mean is not None and running_var is not None:
            _update_running_stats(running_mean, running_var, momentum, np.asarray(mean._data).reshape(c),
                                  np.asarray(var._data).reshape(c) * (n / (n - 1)))
        xhat = (x - mean) / (var + eps).sqrt()
    else:
        xhat = _normalized_by_running_stats(x, running_mean, running_var, eps, bshape)
    return _scale_and_shift(xhat, weight, bias, bshape)


def _check_per_channel(fn: str, x: Tensor, **tensors) -> None:
    """Each of `tensors` (running stats, weight, bias) that is given has one entry per channel of x (dim 1)."""
    c = x.shape[1]
    for name, t in tensors.items():
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"{fn}: {name} must have shape ({c},) for input of shape {x.shape}, got "
                             f"{tuple(t.shape)}")


def _update_running_stats(running_mean: Tensor, running_var: Tensor, momentum: float, batch_mean: np.ndarray,
                          batch_var: np.ndarray) -> None:
    """running = (1 - momentum) running + momentum batch, in place and unrecorded (as PyTorch's norm layers)."""
    with ad.no_grad():
        m = float(momentum)
        running_mean.mul_(1 - m).add_((m * batch_mean).astype(running_mean.dtype))
        running_var.mul_(1 - m).add_((m * batch_var).astype(running_var.dtype))


def _normalized_by_running_stats(x: Tensor, running_mean: Tensor, running_var: Tensor, eps: float,
                                 bshape: tuple) -> Tensor:
    """(x - running_mean) / sqrt(running_var + eps), the statistics broadcast as `bshape` (constants: no grad)."""
    rm = np.asarray(running_mean._data).reshape(bshape).astype(x.dtype, copy=False)
    inv = (1.0 / np.sqrt(np.asarray(running_var._data).reshape(bshape) + eps)).astype(x.dtype, copy=False)
    return (x - rm) * inv


def _scale_and_shift(y: Tensor, weight: Tensor | None, bias: Tensor | None, bshape: tuple) -> Tensor:
    """y * weight + bias per channel (either may be None), broadcast as `bshape`."""
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing `normalized_shape` axes of each sample (biased variance), then scale and shift."""
    x = _tensor(input, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end with normalized_shape {shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) / (var + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by integer indices; gradients scatter-add into the rows.

    The row `padding_idx` gets no gradient (as PyTorch).
    """
    idx = _const(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for an embedding of {n} rows")
    out = weight[idx]
    if padding_idx is not None:
        keep = (idx != padding_idx)[..., None]
        if not keep.all():
            out = ad.where(np.broadcast_to(keep, out.shape), out, out.detach())
    return out


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """Class indices (...,) -> int64 one-hot (..., num_classes); num_classes=-1 uses max + 1."""
    idx = _const(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {idx.dtype}")
    if idx.size and idx.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {idx.min()}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and idx.max() >= num_classes:
        raise ValueError(f"one_hot: class value {idx.max()} is out of range for num_classes={num_classes}")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.intp), 1, axis=-1)
    return ad.from_numpy(out)


# --------------------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return ad.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return ad.leaky_relu(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return ad.elu(input, alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    return ad.gelu(input, approximate=approximate)


def sigmoid(input: Tensor) -> Tensor:
    return ad.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return ad.tanh(input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|): Glorot & Bengio's alternative to tanh (polynomial tails, saturates more gently)."""
    return ad.softsign(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    x = _tensor(input, "softplus")
    scaled = x if beta == 1 else x * beta
    sp = ad.softplus(scaled) if beta == 1 else ad.softplus(scaled) / beta
    over = np.asarray(scaled._data) > threshold
    return ad.where(over, x, sp) if over.any() else sp


def scaled_tanh(input: Tensor) -> Tensor:
    """LeCun's f(x) = 1.7159 tanh(2x/3) ("Efficient BackProp"): f(+-1) = +-1, output variance ~1 for unit inputs."""
    return ad.tanh(input * (2.0 / 3.0)) * 1.7159


# More activations (as torch.nn.functional), composed from differentiable core ops, so gradients of any order
# and forward mode come free. Piecewise ones select with `where` on a constant mask, so the gradient at each
# kink is PyTorch's (e.g. hardtanh's is 0 at both bounds). `inplace=` is accepted and ignored (as relu's).
__all__ += ["silu", "mish", "hardtanh", "relu6", "prelu", "selu", "celu", "hardswish", "hardsigmoid",
            "logsigmoid", "normalize", "cosine_similarity", "pairwise_distance"]

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _values(x: Tensor) -> np.ndarray:
    return np.asarray(x._data)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (swish); finite value and gradient for any |x|."""
    x = _tensor(input, "silu")
    return x * ad.sigmoid(x)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)) (Misra 2019); softplus is the overflow-free one."""
    x = _tensor(input, "mish")
    return x * ad.tanh(ad.softplus(x))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 elsewhere (bounds included, as PyTorch)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, "
                         f"max_val={max_val}")
    x = _tensor(input, "hardtanh")
    a = _values(x)
    return ad.where((a > min_val) & (a < max_val), x, np.clip(a, min_val, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6), so the gradient is 0 at 0 and at 6 (as PyTorch)."""
    return hardtanh(input, 0.0, 6.0)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one learnable slope, or one per channel (dim 1; inputs of < 2 dims have 1)."""
    x = _tensor(input, "prelu")
    w = _tensor(weight, "prelu")
    if w.ndim > 1:
        raise ValueError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size not in (1, channels):
        raise ValueError(f"prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                         f"{w.size} and channel size = {channels} (input of shape {x.shape}).")
    slope = w.reshape(()) if w.size == 1 else w.reshape((channels,) + (1,) * (x.ndim - 2))
    return ad.where(_values(x) > 0, x, x * slope)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with Klambauer et al.'s self-normalizing constants."""
    return ad.elu(_tensor(input, "selu"), _SELU_ALPHA) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha (exp(x / alpha) - 1) (PyTorch's definition, any nonzero alpha)."""
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 for CELU")
    x = _tensor(input, "celu")
    if alpha == 1:
        return ad.elu(x)
    if alpha > 0:
        return ad.elu(x / alpha) * alpha
    pos = _values(x) > 0
    neg = ad.where(pos, np.zeros((), x.dtype), x)  # exp only of non-positive x: no overflow in the unused branch
    return ad.where(pos, x, ad.expm1(neg / alpha) * alpha)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6; gradient 0 for x <= -3, (2x + 3) / 6 inside, 1 for x >= 3 (as PyTorch 2.x)."""
    x = _tensor(input, "hardswish")
    a = _values(x)
    out = ad.where(a < 3, x * (x + 3) / 6, x)
    return ad.where(a <= -3, np.zeros((), x.dtype), out)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), 0 elsewhere."""
    x = _tensor(input, "hardsigmoid")
    a = _values(x)
    return ad.where((a > -3) & (a < 3), (x + 3) / 6, (a >= 3).astype(x.dtype))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x): finite for any |x| (about x for x << 0, -exp(-x) for x >> 0)."""
    return -ad.softplus(-_tensor(input, "logsigmoid"))


# ------------------------------------------------------------------------------------ distances
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p, eps) along `dim` (as PyTorch: below eps the norm's gradient is cut by the clamp)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned tensor")
    x = _tensor(input, "normalize")
    return x / ad.norm(x, p, dim=dim, keepdim=True).clip(min=eps)


def _broadcast_pair(fn: str, x1, x2) -> tuple[Tensor, Tensor]:
    x1, x2 = _tensor(x1, fn), _tensor(x2, fn)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"{fn}: x1 of shape {x1.shape} and x2 of shape {x2.shape} cannot be broadcast") from None
    return (x1 if x1.shape == shape else x1.broadcast_to(shape)), (x2 if x2.shape == shape else x2.broadcast_to(shape))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1/||x1|| * x2/||x2||) along `dim` after broadcasting, each norm clamped below at eps (PyTorch 2.x).

    As PyTorch, the clamp changes only the norm's value (it runs there in place under no_grad): the
    gradient flows through the norm itself, so at a zero vector it is x2/(||x2|| eps), large but finite.
    """
    x1, x2 = _broadcast_pair("cosine_similarity", x1, x2)

    def unit(x: Tensor) -> Tensor:
        n = ad.norm(x, 2, dim=dim, keepdim=True)
        v = _values(n)
        return x / (n + (np.maximum(v, eps) - v).astype(v.dtype, copy=False))

    return (unit(x1) * unit(x2)).sum(axis=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (after broadcasting), as PyTorch (eps keeps the gradient finite)."""
    x1, x2 = _tensor(x1, "pairwise_distance"), _tensor(x2, "pairwise_distance")
    d = x1 - x2 + eps
    return ad.norm(d, p, dim=-1 if d.ndim else None, keepdim=keepdim)


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy implicit dim (dim=None): 0 for 0-, 1- and 3-d input, else 1, with its deprecation warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _cast_first(input, dtype, fn: str):
    """`input` cast to `dtype` before a softmax (as PyTorch's dtype=: the cast is differentiable); as is if None."""
    if dtype is None:
        return input
    return _tensor(input, fn).astype(dtype)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim; dim=None picks PyTorch's implicit dim (deprecated there too) with a warning.
    dtype: cast the input to it first (as PyTorch)."""
    input = _cast_first(input, dtype, "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", np.ndim(input._data if isinstance(input, Tensor) else input))
    return ad.softmax(input, axis=dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along dim; dim=None and dtype as in `softmax`."""
    input = _cast_first(input, dtype, "log_softmax")
    if dim is None:
        dim = _softmax_dim("log_softmax", np.ndim(input._data if isinstance(input, Tensor) else input))
    return ad.log_softmax(input, axis=dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim; dim=None and dtype as in `softmax`."""
    x = _cast_first(_tensor(input, "softmin"), dtype, "softmin")
    if dim is None:
        dim = _softmax_dim("softmin", x.ndim)
    return ad.softmax(-x, axis=dim)


__all__ += ["softmin", "threshold", "tanhshrink", "softshrink", "hardshrink", "glu", "gumbel_softmax",
            "scaled_dot_product_attention", "unfold", "fold", "pixel_shuffle", "pixel_unshuffle", "bilinear",
            "instance_norm", "local_response_norm", "dropout1d", "dropout2d", "dropout3d", "adaptive_max_pool1d",
            "adaptive_max_pool2d", "adaptive_avg_pool1d"]


# -------------------------------------------------------------------------------------- losses
def _class_inputs(fn: str, input, target, weight, ignore_index, allow_probs: bool):
    """Flatten (N, C, d1, ...) to (N*d, C) and check the target; returns (x2d, target, weight, restore)."""
    x = _tensor(input, fn)
    t = _const(target)
    if x.ndim == 0:
        raise ValueError(f"{fn}: input must have a class dimension, got a 0-d tensor")
    c = x.shape[1] if x.ndim > 1 else x.shape[0]
    probs = t.dtype.kind == "f"
    if probs:
        if not allow_probs:
            raise TypeError(f"{fn}: target must hold integer class indices, got dtype {t.dtype}")
        if t.shape != x.shape:
            raise ValueError(f"{fn}: class-probability target must have the input's shape {x.shape}, got {t.shape}")
    elif t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must hold integer class indices (or class probabilities), got dtype {t.dtype}")
    else:
        expected = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
        if t.shape != expected:
            raise ValueError(f"{fn}: expected target of shape {expected} for input of shape {x.shape}, got {t.shape}")
        if t.size:
            lo, hi = t.min(), t.max()
            ignored = ignore_index is not None and lo <= ignore_index <= hi and (t == ignore_index).any()
            if lo < 0 or hi >= c:
                bad = (t < 0) | (t >= c)
                if ignored:
                    bad &= t != ignore_index
                if bad.any():
                    raise IndexError(f"{fn}: Target {t[bad].flat[0]} is out of bounds for {c} classes")
            if not ignored:
                ignore_index = None  # tells the op there is nothing to skip (no scan per call)
    w = _const(weight)
    if w is not None:
        if w.shape != (c,):
            raise ValueError(f"{fn}: weight must have shape ({c},), one per class, got {w.shape}")
        w = w.astype(x.dtype, copy=False)
    restore = None
    if x.ndim == 1:
        x = x.reshape(1, c)
        t = t.reshape(1, c) if probs else t.reshape(1)
        restore = ()
    elif x.ndim > 2:
        spatial = x.shape[:1] + x.shape[2:]
        x = x.moveaxis(1, -1).reshape(-1, c)
        t = np.moveaxis(t, 1, -1).reshape(-1, c) if probs else t.reshape(-1)
        restore = spatial
    return x, t, w, restore, ignore_index


def _finish(out: Tensor, reduction: str, restore) -> Tensor:
    if reduction == "none" and restore is not None:
        return out.reshape(restore)
    return out


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) (or (C,), or (N, C, d...)) with class indices or class probabilities.

    log-softmax and NLL are one fused op: the gradient is (softmax - one-hot) / N, taken from a
    max-shifted softmax, so it stays finite for logits of 1e4. `weight` (per class),
    `ignore_index` and `label_smoothing` follow PyTorch ('mean' divides by the summed target weights).
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x, t, w, restore, ignore_index = _class_inputs("cross_entropy", input, target, weight, ignore_index, True)
    params = {"reduction": reduction, "ignore_index": ignore_index, "label_smoothing": float(label_smoothing)}
    out = apply(_ops.CROSS_ENTROPY, (x, t) if w is None else (x, t, w), params)
    return _finish(out, reduction, restore)


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities (N, C) (e.g. from log_softmax)."""
    _check_reduction(reduction, "nll_loss")
    x, t, w, restore, ignore_index = _class_inputs("nll_loss", input, target, weight, ignore_index, False)
    params = {"reduction": reduction, "ignore_index": ignore_index}
    out = apply(_ops.NLL_LOSS, (x, t) if w is None else (x, t, w), params)
    return _finish(out, reduction, restore)


def _same_shape(fn: str, x: Tensor, y) -> None:
    ys = tuple(np.shape(y._data if isinstance(y, Tensor) else y))
    if ys != x.shape:
        raise ValueError(f"{fn}: Using a target size ({ys}) that is different to the input size ({x.shape}) "
                         f"is not supported. Please ensure they have the same size.")


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean (or summed) squared error; a target of another shape is broadcast with a warning, as PyTorch."""
    _check_reduction(reduction, "mse_loss")
    x = _tensor(input, "mse_loss")
    ts = tuple(np.shape(target._data if isinstance(target, Tensor) else target))
    if ts != x.shape:
        try:
            np.broadcast_shapes(ts, x.shape)
        except ValueError:
            raise ValueError(f"mse_loss: input of shape {x.shape} and target of shape {ts} cannot be "
                             f"broadcast") from None
        warnings.warn(f"mse_loss: using a target size ({ts}) that is different to the input size ({x.shape}); "
                      f"this will likely lead to incorrect results due to broadcasting.", stacklevel=2)
    d = x - target
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean (or summed) absolute error."""
    _check_reduction(reduction, "l1_loss")
    x = _tensor(input, "l1_loss")
    _same_shape("l1_loss", x, target)
    return _reduce((x - target).abs(), reduction)


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p, logs clamped at -100 (as PyTorch)."""
    _check_reduction(reduction, "binary_cross_entropy")
    x = _tensor(input, "binary_cross_entropy")
    _same_shape("binary_cross_entropy", x, target)
    px = np.asarray(x._data)
    if px.size and ((px < 0).any() or (px > 1).any() or np.isnan(px).any()):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
    w = _const(weight)
    if w is not None:
        if np.broadcast_shapes(w.shape, x.shape) != x.shape:
            raise ValueError(f"binary_cross_entropy: weight of shape {w.shape} does not broadcast to input {x.shape}")
        w = w.astype(x.dtype, copy=False)
    y = target if isinstance(target, Tensor) else np.asarray(target, dtype=x.dtype)
    return apply(_ops.BINARY_CROSS_ENTROPY, (x, y) if w is None else (x, y, w), {"reduction": reduction})


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """BCE on logits in the stable form (1 - y) x + l softplus(-x), l = 1 + (pos_weight - 1) y.

    softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0) never overflows, and the gradient
    sigmoid(x) - y (times the weights) stays finite for any logit.
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    x = _tensor(input, "binary_cross_entropy_with_logits")
    _same_shape("binary_cross_entropy_with_logits", x, target)
    y = target if isinstance(target, Tensor) else np.asarray(target, dtype=x.dtype)
    sp = ad.softplus(-x)
    if pos_weight is not None:
        pw = pos_weight if isinstance(pos_weight, Tensor) else np.asarray(pos_weight, dtype=x.dtype)
        sp = sp * ((pw - 1) * y + 1)
    loss = sp + x * (1 - y)
    if weight is not None:
        loss = loss * (weight if isinstance(weight, Tensor) else np.asarray(weight, dtype=x.dtype))
    return _reduce(loss, reduction)


# Regression and divergence losses (as torch.nn.functional), composed from differentiable ops; like mse_loss,
# a target of another shape is broadcast with PyTorch's warning, and the target is differentiated too.
__all__ += ["smooth_l1_loss", "huber_loss", "kl_div", "group_norm"]


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's deprecated size_average/reduce flags turned into a reduction (with its warning)."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  f"{'none' if reduce is False else 'sum' if size_average is False else 'mean'}' instead.",
                  stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _regression_pair(fn: str, input, target) -> tuple[Tensor, Tensor | np.ndarray]:
    """(input, target): the target as a Tensor or an array of the input's dtype, broadcast-checked."""
    x = _tensor(input, fn)
    y = target if isinstance(target, Tensor) else np.asarray(target, dtype=x.dtype)
    ts = tuple(y.shape)
    if ts != x.shape:
        try:
            np.broadcast_shapes(ts, x.shape)
        except ValueError:
            raise ValueError(f"{fn}: input of shape {x.shape} and target of shape {ts} cannot be broadcast") from None
        warnings.warn(f"{fn}: Using a target size ({ts}) that is different to the input size ({x.shape}). "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      f"the same size.", stacklevel=3)
    return x, y


def smooth_l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta=0 is the L1 loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got beta={beta}")
    x, y = _regression_pair("smooth_l1_loss", input, target)
    d = x - y
    if beta == 0:
        return _reduce(d.abs(), reduction)
    small = np.abs(_values(d)) < beta
    return _reduce(ad.where(small, d * d * (0.5 / beta), d.abs() - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1_loss times delta (with beta = delta).

    `weight` (the input's shape) scales each element's loss before the reduction, as PyTorch 2.13.
    """
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta, got delta={delta}")
    x, y = _regression_pair("huber_loss", input, target)
    d = x - y
    small = np.abs(_values(d)) < delta
    loss = ad.where(small, d * d * 0.5, (d.abs() - 0.5 * delta) * delta)
    if weight is not None:
        w = weight if isinstance(weight, Tensor) else np.asarray(weight, dtype=x.dtype)
        if tuple(w.shape) != x.shape:
            raise ValueError(f"huber_loss: Weights and input must have the same size, got weight of shape "
                             f"{tuple(w.shape)} and input of shape {x.shape}")
        loss = loss * w
    return _reduce(loss, reduction)


_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with `input` as log-probabilities: target (log target - input), pointwise, then reduced.

    0 log 0 counts as 0 (xlogy). log_target=True takes log-probabilities as target: exp(t) (t - input).
    'batchmean' divides the sum by the batch size input.shape[0] (the true KL divergence per sample);
    'mean' divides by the element count and warns, as PyTorch. The target is differentiated too; at a
    zero target its gradient is taken as 0 (PyTorch gives nan there).
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(f"kl_div: {reduction!r} is not a valid value for reduction (use 'mean', 'batchmean', "
                         f"'sum' or 'none')")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    x = _tensor(input, "kl_div")
    t = target if isinstance(target, Tensor) else ad.tensor(np.asarray(target, dtype=x.dtype))
    try:
        np.broadcast_shapes(t.shape, x.shape)
    except ValueError:
        raise ValueError(f"kl_div: input of shape {x.shape} and target of shape {t.shape} cannot be broadcast") \
            from None
    if log_target:
        loss = ad.exp(t) * (t - x)
    else:
        zero = _values(t) == 0
        xlogy = ad.where(zero, np.zeros((), t.dtype), t * ad.log(ad.where(zero, np.ones((), t.dtype), t)))
        loss = xlogy - t * x
    if reduction == "batchmean":
        total = loss.sum()
        return total / x.shape[0] if x.ndim else total
    return _reduce(loss, reduction)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize (N, C, *) input over each group of C / num_groups channels and all trailing axes, per sample
    (Wu & He), with the biased variance; then scale and shift per channel."""
    x = _tensor(input, "group_norm")
    if x.ndim < 2:
        raise ValueError(f"group_norm: Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"group_norm: Expected number of channels in input to be divisible by num_groups, but got "
                         f"input of shape {x.shape} and num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != (c,):
            raise ValueError(f"group_norm: Expected {name} to be a vector of size equal to the number of channels "
                             f"in input, but got {name} of shape {tuple(p.shape)} and input of shape {x.shape}")
    g = x.reshape(n, num_groups, (c // num_groups) * int(np.prod(x.shape[2:], dtype=np.int64)))
    mean = g.mean(axis=2, keepdims=True)
    centered = g - mean
    var = (centered * centered).mean(axis=2, keepdims=True)
    y = (centered / (var + eps).sqrt()).reshape(x.shape)
    bshape = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


# the margin, embedding and likelihood losses live in nn.more_losses (which builds on this module)
from .more_losses import (  # noqa: E402
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "cosine_embedding_loss",
            "triplet_margin_loss", "multi_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
            "gaussian_nll_loss"]
