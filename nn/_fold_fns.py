"""unfold/fold (sliding blocks to columns and back) and pixel_shuffle/pixel_unshuffle (as `torch.nn.functional`).

unfold is the registered `im2col` op of `autodiff.ops.conv` (the one convolution runs on) and fold its adjoint
`col2im`, so each one's gradient is the other; pixel (un)shuffle is a reshape, a permute and a reshape.
"""
from __future__ import annotations

import autodiff as ad
from autodiff import Tensor
from autodiff.ops.conv import COL2IM, IM2COL, is_int, pair_arg
from autodiff.tape import apply


def _as_tensor(x, fn: str) -> Tensor:
    return x if isinstance(x, Tensor) else ad.tensor(x)


def _geometry(fn: str, kernel_size, dilation, padding, stride) -> dict:
    return {"kernel_size": pair_arg(kernel_size, "kernel_size", fn, 1),
            "dilation": pair_arg(dilation, "dilation", fn, 1), "padding": pair_arg(padding, "padding", fn, 0),
            "stride": pair_arg(stride, "stride", fn, 1)}


def _blocks(size: tuple, geo: dict) -> tuple[int, int]:
    """The number of sliding blocks along each of the two spatial axes of `size`."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in
                 zip(size, geo["kernel_size"], geo["stride"], geo["padding"], geo["dilation"]))


def _describe(geo: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (("kernel_size", geo["kernel_size"]), ("dilation", geo["dilation"]),
                                             ("padding", geo["padding"]), ("stride", geo["stride"])))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks of (N, C, H, W) (or unbatched (C, H, W)) as columns (N, C*kh*kw, L), L the number of blocks;
    zero padding; channel-major, then kernel row, then kernel column (as PyTorch)."""
    x = _as_tensor(input, "unfold")
    if x.ndim not in (3, 4):
        raise ValueError(f"unfold: Input Error: Only 3D or 4D input Tensors are supported (got {x.ndim}D)")
    geo = _geometry("unfold", kernel_size, dilation, padding, stride)
    blocks = _blocks(x.shape[-2:], geo)
    if min(blocks) < 1:
        raise ValueError(f"unfold: Given input with spatial size {tuple(x.shape[-2:])}, {_describe(geo)}, "
                         f"calculated shape of the array of sliding blocks as {blocks}, but its components must be "
                         f"at least one.")
    if x.ndim == 3:
        return apply(IM2COL, (x.unsqueeze(0),), geo).squeeze(0)
    return apply(IM2COL, (x,), geo)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Columns (N, C*kh*kw, L) (or unbatched (C*kh*kw, L)) summed back into an (N, C, *output_size) image:
    overlapping blocks add up (the adjoint of unfold)."""
    x = _as_tensor(input, "fold")
    if x.ndim not in (2, 3):
        raise ValueError(f"fold: Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                         f"(got {x.ndim}D)")
    size = pair_arg(output_size, "output_size", "fold", 1) if is_int(output_size) or isinstance(
        output_size, (tuple, list)) else None
    if size is None:
        raise TypeError(f"fold: output_size must be an int or a pair of ints, got {output_size!r}")
    geo = _geometry("fold", kernel_size, dilation, padding, stride)
    cols = x.unsqueeze(0) if x.ndim == 2 else x
    kk = geo["kernel_size"][0] * geo["kernel_size"][1]
    if cols.shape[1] % kk:
        raise ValueError(f"fold: Expected size of input's dimension 1 to be divisible by the product of "
                         f"kernel_size, but got input.size(1)={cols.shape[1]} and kernel_size={geo['kernel_size']}.")
    blocks = _blocks(size, geo)
    if min(blocks) < 1 or cols.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"fold: Given output_size={size}, {_describe(geo)}, expected size of input's dimension 2 "
                         f"to match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                         f"{blocks[0] * blocks[1]}, but got input.size(2)={cols.shape[2]}.")
    out = apply(COL2IM, (cols,), dict(geo, x_shape=(cols.shape[0], cols.shape[1] // kk) + size))
    return out.squeeze(0) if x.ndim == 2 else out


def _factor(fn: str, what: str, r) -> int:
    if not is_int(r) or r < 1:
        raise ValueError(f"{fn}: {what} must be a positive integer, got {r!r}")
    return int(r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r): each channel group of r^2 becomes an r x r block (Shi et al. 2016)."""
    x = _as_tensor(input, "pixel_shuffle")
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise ValueError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {x.ndim} "
                         f"dimension(s)")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                         f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(lead)
    y = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    y = y.permute(tuple(range(b)) + (b, b + 3, b + 1, b + 4, b + 2))
    return y.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W): the inverse of pixel_shuffle."""
    x = _as_tensor(input, "pixel_unshuffle")
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise ValueError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with {x.ndim} "
                         f"dimension(s)")
    *lead, c, h, w = x.shape
    for what, n, d in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise ValueError(f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                             f"input.size({d})={n} is not divisible by {r}")
    b = len(lead)
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    y = y.permute(tuple(range(b)) + (b, b + 2, b + 4, b + 1, b + 3))
    return y.reshape(tuple(lead) + (c * r * r, h // r, w // r))
