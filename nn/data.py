"""Datasets and batching (as `torch.utils.data`): `Dataset`, `TensorDataset`, `Subset`, `random_split`, `DataLoader`.

`DataLoader` over a `TensorDataset` (or any dataset with `__getitems__`) reads a whole batch with
one slice or one fancy index per array: no per-sample Python loop and no copy of the full set per
epoch (unshuffled batches are views; a shuffled batch copies only its own rows).
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np

import autodiff as ad
from autodiff import Tensor


def _tensor(value) -> Tensor:
    """A sample as a Tensor: arrays shared (no copy), NumPy scalars as 0-d tensors."""
    return ad.from_numpy(value) if isinstance(value, np.ndarray) else Tensor(value)


def _check_generator(generator, who: str) -> None:
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{who}: generator must be a numpy.random.Generator, got {type(generator).__name__}")


def _permutation(n: int, generator: np.random.Generator | None) -> np.ndarray:
    """A random order of range(n) from `generator`, or from `ad.default_rng()` (seeded by `ad.manual_seed`)."""
    return (generator if generator is not None else ad.default_rng()).permutation(n)


class Dataset:
    """An indexable collection of samples: subclass and define `__getitem__` and `__len__`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are the index-th rows of each given array/Tensor (all with the same first dimension)."""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset: at least one tensor is required")
        self.arrays = tuple(np.asarray(t._data if isinstance(t, Tensor) else t) for t in tensors)
        n = {a.shape[0] if a.ndim else None for a in self.arrays}
        if len(n) != 1 or None in n:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"{[a.shape[:1] for a in self.arrays]}")
        self.tensors = tuple(ad.from_numpy(a) for a in self.arrays)

    def __getitem__(self, index) -> tuple:
        return tuple(_tensor(a[index]) for a in self.arrays)

    def __getitems__(self, index) -> tuple:
        """A whole batch at once: `index` is a slice or an integer array."""
        return tuple(ad.from_numpy(a[index]) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order (as `torch.utils.data.Subset`).

    Batches read through the parent's `__getitems__` (one fancy index per array) when it has one.
    """

    def __init__(self, dataset, indices: Sequence[int] | np.ndarray) -> None:
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(f"Subset: indices must be a 1-d sequence of integers, got {np.shape(indices)} of "
                            f"dtype {idx.dtype}")
        n = len(dataset)
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(f"Subset: index {int(bad[0])} is out of range for a dataset of {n} samples")
        self.dataset = dataset
        self.indices = idx.astype(np.int64)

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[int(self.indices[i]) for i in idx]]
        return self.dataset[int(self.indices[idx])]

    def __getitems__(self, index):
        """A whole batch (see TensorDataset.__getitems__): `index` is a slice or an integer array."""
        ids = self.indices[index]
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(ids)
        return default_collate([self.dataset[int(i)] for i in ids])

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(n: int, lengths: Sequence[int | float]) -> list[int]:
    """Integer lengths, or fractions turned into counts as PyTorch: floor(n * f), the remainder one each round-robin."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    fractions = math.isclose(sum(lengths), 1) and sum(lengths) <= n  # PyTorch's test: so [1] is "all of it"
    if fractions or any(isinstance(v, (float, np.floating)) for v in lengths):
        if any(not 0 <= v <= 1 for v in lengths) or not math.isclose(sum(lengths), 1):
            raise ValueError(f"random_split: fractional lengths must lie in [0, 1] and sum to 1, got {lengths} "
                             f"(sum {sum(lengths)})")
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this gives an empty dataset",
                              stacklevel=3)
        return counts
    if any(not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths {sum(lengths)} ({lengths}) does not equal the length "
                         f"of the input dataset ({n})")
    return [int(v) for v in lengths]


def random_split(dataset, lengths: Sequence[int | float], generator: np.random.Generator | None = None
                 ) -> list[Subset]:
    """Split `dataset` into disjoint random `Subset`s of the given lengths, covering it (as `torch.utils.data`).

    lengths: integers summing to len(dataset), or fractions summing to 1 (floats; counts as
    PyTorch computes them). The permutation comes from `generator` (default `ad.default_rng()`),
    so a seeded generator gives the same split every time.
    """
    _check_generator(generator, "random_split")
    counts = _split_lengths(len(dataset), lengths)
    order = _permutation(sum(counts), generator)
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - c:end]) for c, end in zip(counts, ends)]


def default_collate(samples: Sequence):
    """Stack a list of samples (Tensors, arrays, numbers, or tuples/dicts of those) into batch Tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate([s[k] for s in samples]) for k in range(len(first))) \
            if isinstance(first, tuple) else [default_collate([s[k] for s in samples]) for k in range(len(first))]
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    return ad.from_numpy(np.stack([np.asarray(s._data if isinstance(s, Tensor) else s) for s in samples]))


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`, optionally shuffled each epoch.

    shuffle: a new permutation per epoch from `generator` (a numpy Generator; default
    `ad.default_rng()`). drop_last: skip a final incomplete batch. Yields Tensors (a tuple per
    batch for a TensorDataset).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: np.random.Generator | None = None, collate_fn: Callable | None = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got {batch_size!r}")
        _check_generator(generator, "DataLoader")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _batches(self, n: int) -> Iterator:
        bs = self.batch_size
        order = None
        if self.shuffle:
            order = _permutation(n, self.generator)
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            end = min(start + bs, n)
            yield slice(start, end) if order is None else order[start:end]

    def __iter__(self) -> Iterator:
        n = len(self.dataset)
        if self.batch_size is None:  # no batching: one sample at a time
            order = _permutation(n, self.generator) if self.shuffle else range(n)
            for i in order:
                yield self.dataset[int(i)]
            return
        fast = hasattr(self.dataset, "__getitems__") and self.collate_fn is None
        for index in self._batches(n):
            if fast:
                yield self.dataset.__getitems__(index)
            else:
                ids = range(index.start, index.stop) if isinstance(index, slice) else index.tolist()
                samples = [self.dataset[i] for i in ids]
                yield (self.collate_fn or default_collate)(samples)
