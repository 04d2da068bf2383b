"""Seeded random tensors: one global NumPy Generator, reset by `manual_seed` (as `torch.manual_seed`)."""
from __future__ import annotations

import numpy as np

from ._state import config
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


def randn(*shape, dtype=None, requires_grad: bool = False, generator: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples."""
    g = generator or _rng
    dt = np.dtype(dtype) if dtype is not None else config.default_dtype
    return Tensor(g.standard_normal(_shape(shape)).astype(dt), requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, generator: np.random.Generator | None = None) -> Tensor:
    """Uniform samples on [0, 1)."""
    g = generator or _rng
    dt = np.dtype(dtype) if dtype is not None else config.default_dtype
    return Tensor(g.random(_shape(shape)).astype(dt), requires_grad=requires_grad)


def randint(low: int, high: int, size, generator: np.random.Generator | None = None) -> Tensor:
    g = generator or _rng
    return Tensor(g.integers(low, high, size=size, dtype=np.int64))
