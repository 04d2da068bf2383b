"""Two-dimensional toy classification sets: two interleaved moons and interleaved spirals."""
from __future__ import annotations

import numpy as np

from ._common import check_count, check_noise, float_dtype


def _class_sizes(n: int, classes: int) -> np.ndarray:
    """n points shared among classes as evenly as possible (the first classes get the remainder)."""
    sizes = np.full(classes, n // classes)
    sizes[: n % classes] += 1
    return sizes


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's `make_moons`), with Gaussian noise of std `noise`.

    Returns `X` (n, 2) of `dtype` (default: autodiff's default float dtype) and `y` (n,) int64 in {0, 1};
    class 0 is the upper moon centered at (0, 0), class 1 the lower one centered at (1, 0.5), radius 1.
    Points are shuffled. The same seed gives the same data.
    """
    n = check_count("make_moons: n", n, 2)
    noise = check_noise("make_moons: noise", noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    perm = rng.permutation(n)
    return X[perm].astype(float_dtype(dtype)), y[perm]


def make_spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0,
                 turns: float = 0.75, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms in the plane (the classic CS231n spiral set), `n` points in total.

    Arm k has points at radius r in [0, 1] (evenly spaced) and angle `2*pi*(turns*r + k/classes)` plus
    Gaussian noise of std `noise` radians on the angle (so the spread grows with r and the center stays
    crisp). Returns `X` (n, 2) of
    `dtype` (default: autodiff's default float dtype) and `y` (n,) int64 in 0..classes-1, shuffled; the
    classes differ in size by at most one. The same seed gives the same data. Not linearly separable.
    """
    n = check_count("make_spirals: n", n, 1)
    classes = check_count("make_spirals: classes", classes, 1)
    if n < classes:
        raise ValueError(f"make_spirals: n ({n}) must be at least classes ({classes})")
    noise = check_noise("make_spirals: noise", noise)
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for k, m in enumerate(_class_sizes(n, classes)):
        r = np.linspace(0.0, 1.0, m)
        theta = 2 * np.pi * (turns * r + k / classes) + noise * rng.standard_normal(m)
        Xs.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
        ys.append(np.full(m, k, np.int64))
    X, y = np.concatenate(Xs), np.concatenate(ys)
    perm = rng.permutation(n)
    return X[perm].astype(float_dtype(dtype)), y[perm]
