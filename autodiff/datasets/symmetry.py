"""Rumelhart, Hinton & Williams (1986): detecting mirror symmetry in a binary input vector."""
from __future__ import annotations

import numpy as np

from ._common import check_count, float_dtype


def symmetry_patterns(length: int = 6, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Every binary pattern of `length` bits, with target 1 iff it reads the same backwards.

    Returns `X` of shape (2**length, length) and `y` of shape (2**length,), both of `dtype` (default:
    autodiff's default float dtype), values 0.0/1.0. Row i is i written in binary, most significant bit
    first, so the order is fixed. For the paper's length 6 there are 64 patterns, 8 of them symmetric
    (the first three bits choose the pattern). The paper's network is 6-2-1 with logistic units.
    """
    length = check_count("symmetry_patterns: length", length)
    if length > 20:
        raise ValueError(f"symmetry_patterns: length {length} would give 2**{length} patterns; use at most 20")
    codes = np.arange(2 ** length)
    shifts = np.arange(length - 1, -1, -1)
    bits = (codes[:, None] >> shifts) & 1
    symmetric = np.all(bits == bits[:, ::-1], axis=1)
    dt = float_dtype(dtype)
    return bits.astype(dt), symmetric.astype(dt)
