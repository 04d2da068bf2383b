"""Run an elementwise update kernel over a parameter in cache-sized chunks.

An optimizer step is a short chain of elementwise NumPy ufuncs per parameter (Adam: ~13). Run on whole
arrays, every ufunc streams the parameter-sized operands through main memory; run on 128K-element slices
of the flattened arrays, the operands and the scratch buffers stay in the CPU cache between ufuncs, so
the parameter, its gradient and its state cross the memory bus about once per step, and the scratch
buffers are chunk-sized instead of parameter-sized. The kernels are written once, for arrays of any
shape; this module only decides how to slice them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Elements per chunk: 128K float32 = 512 KiB per operand. Measured on a 2-core EPYC (2 MiB L2, 32 MiB L3),
#: bench_optim.py: 64K-128K is best for Adam (~10% faster than whole arrays); SGD's 4 ufuncs gain little
#: either way; below 32K the per-chunk Python overhead shows.
CHUNK = 1 << 17


class ScratchPool:
    """Reusable scratch buffers of `chunk` elements (default `CHUNK`), one set per dtype (not optimizer state)."""

    def __init__(self, chunk: int | None = None) -> None:
        self.chunk = int(chunk or CHUNK)
        self._bufs: dict[np.dtype, list[np.ndarray]] = {}

    def get(self, dtype: np.dtype, count: int) -> list[np.ndarray]:
        bufs = self._bufs.setdefault(np.dtype(dtype), [])
        while len(bufs) < count:
            bufs.append(np.empty(self.chunk, dtype=dtype))
        return bufs[:count]


def apply(kernel: Callable[..., None], arrays: Sequence[np.ndarray], n_scratch: int, pool: ScratchPool) -> None:
    """Call `kernel(*arrays, *scratch)` over matching chunks of `arrays` (all of one shape and dtype).

    `arrays[0]` is the parameter (written in place), the others its gradient and state arrays; the
    kernel writes only the parameter, the state arrays and the scratch buffers. C-contiguous arrays are
    processed as flat views in chunks of `pool.chunk` elements; any other layout runs the kernel once on the
    whole arrays with parameter-sized scratch.
    """
    p = arrays[0]
    chunk = pool.chunk
    if not all(a.flags.c_contiguous for a in arrays):
        kernel(*arrays, *[np.empty(p.shape, dtype=p.dtype) for _ in range(n_scratch)])
        return
    flats = [a.reshape(-1) for a in arrays]
    bufs = pool.get(p.dtype, n_scratch)
    n = p.size
    if n <= chunk:
        kernel(*flats, *[b[:n] for b in bufs])
        return
    full = bufs
    for i in range(0, n, chunk):
        j = i + chunk
        if j > n:
            j = n
            full = [b[: j - i] for b in bufs]
        kernel(*[f[i:j] for f in flats], *full)


def effective_grad(p: np.ndarray, g: np.ndarray, weight_decay: float, maximize: bool, out: np.ndarray) -> np.ndarray:
    """`g` (negated if `maximize`) plus the L2 term `weight_decay * p`, without writing to `g`.

    Returns `g` itself when there is nothing to add, else `out` holding the result.
    """
    if weight_decay:
        np.multiply(p, weight_decay, out=out)
        if maximize:
            return np.subtract(out, g, out=out)  # -g + wd * p
        return np.add(g, out, out=out)
    if maximize:
        return np.negative(g, out=out)
    return g


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, scratch: np.ndarray) -> None:
    """`start <- start + weight * (end - start)` in place, in `torch.lerp`'s two-sided form."""
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        np.multiply(scratch, weight, out=scratch)
        np.add(start, scratch, out=start)
    else:
        np.multiply(scratch, 1.0 - weight, out=scratch)
        np.subtract(end, scratch, out=start)


def decayed_grad(p: np.ndarray, g: np.ndarray, lr: float, weight_decay: float, decoupled: bool, maximize: bool,
                 out: np.ndarray) -> np.ndarray:
    """The Adam family's gradient with its weight decay: decoupled (AdamW), `p` is shrunk in place by
    `1 - lr * weight_decay` and the gradient is left alone; otherwise the L2 term joins the gradient.

    Returns what `effective_grad` returns (`g` itself, or `out`); never writes to `g`.
    """
    if decoupled:
        if weight_decay:
            np.multiply(p, 1.0 - lr * weight_decay, out=p)
        return effective_grad(p, g, 0.0, maximize, out)
    return effective_grad(p, g, weight_decay, maximize, out)


def ema_sq_(avg: np.ndarray, g: np.ndarray, beta: float, scratch: np.ndarray) -> None:
    """`avg <- beta * avg + (1 - beta) * g * g` in place (a running mean of squared gradients)."""
    np.multiply(avg, beta, out=avg)
    np.multiply(g, 1.0 - beta, out=scratch)
    np.multiply(scratch, g, out=scratch)
    np.add(avg, scratch, out=avg)
