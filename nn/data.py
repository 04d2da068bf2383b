"""Datasets and batching (as `torch.utils.data`): `Dataset`, `TensorDataset`, `DataLoader`.

`DataLoader` over a `TensorDataset` (or any dataset with `__getitems__`) reads a whole batch with
one slice or one fancy index per array: no per-sample Python loop and no copy of the full set per
epoch (unshuffled batches are views; a shuffled batch copies only its own rows).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

import autodiff as ad
from autodiff import Tensor


def _tensor(value) -> Tensor:
    """A sample as a Tensor: arrays shared (no copy), NumPy scalars as 0-d tensors."""
    return ad.from_numpy(value) if isinstance(value, np.ndarray) else Tensor(value)


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
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"DataLoader: generator must be a numpy.random.Generator, got {type(generator).__name__}")
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
            order = (self.generator if self.generator is not None else ad.default_rng()).permutation(n)
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            end = min(start + bs, n)
            yield slice(start, end) if order is None else order[start:end]

    def __iter__(self) -> Iterator:
        n = len(self.dataset)
        if self.batch_size is None:  # no batching: one sample at a time
            order = (self.generator or ad.default_rng()).permutation(n) if self.shuffle else range(n)
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
