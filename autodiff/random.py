"""Seeded random tensors: one global NumPy Generator, reset by `manual_seed` (as `torch.manual_seed`).

Every sampler takes `generator=` (a NumPy Generator) to draw from instead of the global one, and `device=`
(checked: only the CPU computes). Samples are never recorded on the tape.
"""
from __future__ import annotations

import numpy as np

from ._state import config
from .device import check_device
from .tensor import Tensor

_rng = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator used by `randn`, `rand`, `nn.init` and `Dropout`."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def default_rng() -> np.random.Generator:
    """The global generator (pass your own `generator=` to functions that take one)."""
    return _rng


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _float_dtype(name: str, dtype) -> np.dtype:
    dt = np.dtype(dtype) if dtype is not None else config.default_dtype
    if dt.kind != "f":
        raise TypeError(f"{name}: expected a floating-point dtype, got {dt}")
    return dt


def _data(x) -> np.ndarray:
    return np.asarray(x._data if isinstance(x, Tensor) else x)


def randn(*shape, dtype=None, requires_grad: bool = False, generator: np.random.Generator | None = None,
          device=None) -> Tensor:
    """Standard normal samples."""
    check_device(device, "randn")
    g = generator or _rng
    dt = _float_dtype("randn", dtype)
    return Tensor(g.standard_normal(_shape(shape)).astype(dt), requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, generator: np.random.Generator | None = None,
         device=None) -> Tensor:
    """Uniform samples on [0, 1)."""
    check_device(device, "rand")
    g = generator or _rng
    dt = _float_dtype("rand", dtype)
    return Tensor(g.random(_shape(shape)).astype(dt), requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size=None, *, generator: np.random.Generator | None = None,
            dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high) (int64 unless `dtype` is given), as torch.randint: randint(high, size)
    or randint(low, high, size)."""
    check_device(device, "randint")
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    g = generator or _rng
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    dt = np.dtype(np.int64 if dtype is None else dtype)
    return Tensor(g.integers(low, high, size=size, dtype=np.int64).astype(dt, copy=False),
                  requires_grad=requires_grad)


def _like(name: str, x, dtype):
    dt = np.dtype(dtype) if dtype is not None else _data(x).dtype
    return np.shape(_data(x)), dt


def randn_like(x, *, dtype=None, requires_grad: bool = False, generator: np.random.Generator | None = None,
               device=None) -> Tensor:
    """Standard normal samples of x's shape and dtype (unless `dtype` is given), as torch.randn_like."""
    check_device(device, "randn_like")
    shape, dt = _like("randn_like", x, dtype)
    return randn(shape, dtype=_float_dtype("randn_like", dt), requires_grad=requires_grad, generator=generator)


def rand_like(x, *, dtype=None, requires_grad: bool = False, generator: np.random.Generator | None = None,
              device=None) -> Tensor:
    """Uniform samples on [0, 1) of x's shape and dtype (unless `dtype` is given), as torch.rand_like."""
    check_device(device, "rand_like")
    shape, dt = _like("rand_like", x, dtype)
    return rand(shape, dtype=_float_dtype("rand_like", dt), requires_grad=requires_grad, generator=generator)


def randint_like(x, low: int = 0, high: int | None = None, *, dtype=None, requires_grad: bool = False,
                 generator: np.random.Generator | None = None, device=None) -> Tensor:
    """Integers uniform on [low, high) of x's shape and dtype, as torch.randint_like(x, high) or (x, low, high)."""
    check_device(device, "randint_like")
    if high is None:
        low, high = 0, low
    shape, dt = _like("randint_like", x, dtype)
    return randint(low, high, shape, generator=generator, dtype=dt, requires_grad=requires_grad)


def randperm(n: int, *, generator: np.random.Generator | None = None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless `dtype` is given), as torch.randperm."""
    check_device(device, "randperm")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    g = generator or _rng
    dt = np.dtype(np.int64 if dtype is None else dtype)
    return Tensor(g.permutation(int(n)).astype(dt), requires_grad=requires_grad)


def bernoulli(x, p: float | None = None, *, generator: np.random.Generator | None = None) -> Tensor:
    """1 with probability x (or with probability `p`, in x's shape), else 0, in x's dtype (as torch.bernoulli).
    A sample: never recorded, so no gradient flows through it."""
    a = _data(x)
    if a.dtype.kind != "f":
        raise TypeError(f"bernoulli: expected a floating-point tensor of probabilities, got dtype {a.dtype}")
    probs = a if p is None else np.full(a.shape, p, dtype=a.dtype)
    if probs.size and not (np.all(probs >= 0) and np.all(probs <= 1)):
        seen = probs[~np.isnan(probs)]
        got = (f"probabilities in [{seen.min()}, {seen.max()}]" if seen.size else "only NaN") + (
            " and NaN" if seen.size < probs.size and seen.size else "")
        raise RuntimeError(f"bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got {got}")
    g = generator or _rng
    return Tensor._wrap((g.random(a.shape) < probs).astype(a.dtype))


def multinomial(x, num_samples: int, replacement: bool = False, *,
                generator: np.random.Generator | None = None) -> Tensor:
    """Indices drawn from the categories weighted by each row of x (1-d or 2-d, non-negative weights that need
    not sum to 1), as torch.multinomial: int64, shape (num_samples,) or (rows, num_samples). Without replacement
    each index appears at most once per row (zero-weight categories come last, as in torch)."""
    w = _data(x)
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {w.dtype}")
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {w.shape}")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError("multinomial: cannot sample n_sample <= 0 samples")
    k = w.shape[-1]
    if not replacement and n > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({n} > {k})")
    rows = w.reshape(-1, k).astype(np.float64)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    g = generator or _rng
    if replacement:
        cum = np.cumsum(rows, axis=1)
        u = g.random((rows.shape[0], n)) * cum[:, -1:]
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cum, u)])
        last = k - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)  # (rounding never picks a zero-weight tail)
        out = np.minimum(out, last[:, None])
    else:  # Efraimidis-Spirakis: the n smallest Exp(1)/w keys; weight 0 gives inf, drawn last
        with np.errstate(divide="ignore"):
            keys = g.standard_exponential(rows.shape) / rows
        out = np.argsort(keys, axis=1, kind="stable")[:, :n]
    out = out.astype(np.int64)
    return Tensor._wrap(out if w.ndim == 2 else out[0])
