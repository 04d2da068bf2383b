"""Small shared pieces of the dataset modules: the float dtype to return and argument checks."""
from __future__ import annotations

import numpy as np

from .._state import get_default_dtype


def float_dtype(dtype) -> np.dtype:
    """`dtype` as a NumPy floating dtype; None means autodiff's default (float32 unless changed)."""
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"datasets: dtype must be a floating dtype, got {dt}")
    return dt


def check_count(name: str, value, minimum: int = 1) -> int:
    """An integer argument >= minimum, or a ValueError naming the function and argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_noise(name: str, noise) -> float:
    """A finite, non-negative float argument."""
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {noise!r}")
    return noise
