"""The 8x8 handwritten digits (1,797 images, UCI optdigits test set), bundled as digits.npz; see LICENSE-digits.txt.

Also the split and scaling helpers the demo and notebooks use with it.
"""
from __future__ import annotations

from importlib import resources

import numpy as np

from ._common import float_dtype

N_DIGITS = 1797


def load_digits(dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """The bundled 8x8 digits: X of shape (1797, 64) with pixel counts 0..16 (not scaled), y int64 labels 0..9.

    Row i of X is the 8x8 image `X[i].reshape(8, 8)` read row by row. X has `dtype` (default: autodiff's
    default float dtype, float32 unless changed). The arrays are fresh copies on every call. Source and
    licence: the UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin & Kaynak 1998, CC BY 4.0),
    as copied by scikit-learn; see `autodiff/datasets/LICENSE-digits.txt`.
    """
    dt = float_dtype(dtype)
    with resources.files(__package__).joinpath("digits.npz").open("rb") as f, np.load(f, allow_pickle=False) as z:
        X, y = z["X"], z["y"]
    return X.astype(dt), y.astype(np.int64)


def train_test_split(*arrays: np.ndarray, test_fraction: float = 0.2, seed: int = 0,
                     stratify: np.ndarray | None = None) -> list[np.ndarray]:
    """Split arrays with the same first dimension into a seeded random train part and a held-out test part.

    Returns `[a_train, a_test, b_train, b_test, ...]` (the order of scikit-learn's `train_test_split`).
    The test part has `round(test_fraction * n)` rows (0.2: a held-out fifth, 359 of the 1,797 digits).
    With `stratify=labels` each class is split in the same proportion (rounded per class). The same seed
    gives the same split.
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    n = len(arrays[0])
    for i, a in enumerate(arrays):
        if len(a) != n:
            raise ValueError(f"train_test_split: array {i} has {len(a)} rows, array 0 has {n}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), got {test_fraction!r}")
    rng = np.random.default_rng(seed)
    if stratify is None:
        perm = rng.permutation(n)
        n_test = int(round(test_fraction * n))
        test, train = perm[:n_test], perm[n_test:]
    else:
        labels = np.asarray(stratify)
        if labels.shape != (n,):
            raise ValueError(f"train_test_split: stratify must have shape ({n},), got {labels.shape}")
        test_parts = []
        for c in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == c))
            test_parts.append(idx[:int(round(test_fraction * len(idx)))])
        test = rng.permutation(np.concatenate(test_parts))
        mask = np.ones(n, dtype=bool)
        mask[test] = False
        train = rng.permutation(np.flatnonzero(mask))
    out = []
    for a in arrays:
        out += [a[train], a[test]]
    return out


def standardize(train: np.ndarray, *others: np.ndarray, per_feature: bool = True,
                eps: float = 1e-8) -> list[np.ndarray]:
    """Center each column by the training part's mean and scale by its std; the same map is applied to `others`.

    `per_feature=True` divides each column by its own std; columns constant in `train` (some digit pixels
    are always 0) are only centered. `per_feature=False` divides every column by one std (the training part's
    centered values taken together): for pixels, which share one unit, this keeps rarely-inked pixels from
    being blown up, and it gives the digits MLP about half a point more test accuracy. Returns
    `[train_scaled, *others_scaled]` in the input dtype (LeCun et al. 1998: centered, scaled inputs train faster).
    """
    mean = train.mean(axis=0)
    if per_feature:
        std = train.std(axis=0)
        std = np.where(std > eps, std, 1.0)
    else:
        std = float(np.sqrt(((train - mean) ** 2).mean()))
        std = std if std > eps else 1.0
    return [((a - mean) / std).astype(train.dtype) for a in (train, *others)]
