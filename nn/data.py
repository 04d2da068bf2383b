"""Datasets, samplers and batching (as `torch.utils.data`): `Dataset`, `TensorDataset`, `Subset`,
`ConcatDataset`, `random_split`, the samplers (`Sampler`, `SequentialSampler`, `RandomSampler`,
`SubsetRandomSampler`, `WeightedRandomSampler`, `BatchSampler`) and `DataLoader`.

`DataLoader` over a `TensorDataset` (or any dataset with `__getitems__`) reads a whole batch with
one slice or one fancy index per array: no per-sample Python loop and no copy of the full set per
epoch (unshuffled batches are views; a shuffled batch copies only its own rows). The built-in
samplers hand the loader a whole epoch of indices as one array (still yielding Python ints when
iterated directly, as PyTorch's do); a custom sampler is iterated index by index.

Randomness comes from a `numpy.random.Generator` (`generator=`), or from `ad.default_rng()` (seeded
by `ad.manual_seed`) when none is given; the streams differ from PyTorch's, the orders, lengths and
batch boundaries of the deterministic parts are PyTorch's.
"""
from __future__ import annotations

import bisect
import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence

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

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


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


def _concat_batches(parts: list, order: np.ndarray):
    """Concatenate per-dataset batches (same structure) along axis 0, then put rows back in `order`."""
    first = parts[0]
    if isinstance(first, (tuple, list)):
        out = [_concat_batches([p[k] for p in parts], order) for k in range(len(first))]
        return tuple(out) if isinstance(first, tuple) else out
    if isinstance(first, dict):
        return {k: _concat_batches([p[k] for p in parts], order) for k in first}
    rows = np.concatenate([np.asarray(p._data if isinstance(p, Tensor) else p) for p in parts])
    return ad.from_numpy(rows[order])


class ConcatDataset(Dataset):
    """The samples of each dataset in turn (as `torch.utils.data.ConcatDataset`; `ds1 + ds2` builds one).

    `cumulative_sizes[i]` is the number of samples in datasets 0..i. A batch whose indices all fall in
    one dataset is read through that dataset's `__getitems__` (a slice stays a view); a batch spanning
    several is read per dataset and its rows are put back in the requested order.
    """

    def __init__(self, datasets: Iterable) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if not hasattr(d, "__len__") or not hasattr(d, "__getitem__"):
                raise TypeError(f"ConcatDataset: datasets[{i}] ({type(d).__name__}) is not a map-style dataset "
                                "(it needs __len__ and __getitem__)")
        self.cumulative_sizes = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence: Sequence) -> list[int]:
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def _locate(self, idx: int) -> tuple[int, int]:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: absolute value of index should not exceed dataset length, got "
                                 f"{idx} for {n} samples")
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of {n} samples")
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        return d, idx - (self.cumulative_sizes[d - 1] if d else 0)

    def __getitem__(self, idx):
        d, i = self._locate(int(idx))
        return self.datasets[d][i]

    def __getitems__(self, index):
        """A whole batch (see TensorDataset.__getitems__): `index` is a slice or an integer array."""
        n = len(self)
        ids = np.arange(n)[index] if isinstance(index, slice) else np.asarray(index, dtype=np.int64)
        if ids.size == 0:
            raise IndexError("ConcatDataset: an empty batch of indices")
        if ids.min() < -n or ids.max() >= n:
            bad = ids[(ids < -n) | (ids >= n)][0]
            raise IndexError(f"ConcatDataset: index {int(bad)} is out of range for a dataset of {n} samples")
        ids = np.where(ids < 0, ids + n, ids)
        which = np.searchsorted(self.cumulative_sizes, ids, side="right")
        starts = np.array([0] + self.cumulative_sizes[:-1])
        if not all(hasattr(d, "__getitems__") for d in self.datasets):
            return default_collate([self.datasets[d][int(i)] for d, i in zip(which, ids - starts[which])])
        if (which == which[0]).all():  # one dataset: pass a slice through so the batch stays a view
            d = int(which[0])
            local = ids - starts[d]
            if isinstance(index, slice) and (local.size == 1 or (np.diff(local) == 1).all()):
                local = slice(int(local[0]), int(local[-1]) + 1)
            return self.datasets[d].__getitems__(local)
        used = np.unique(which)
        parts = [self.datasets[d].__getitems__(ids[which == d] - starts[d]) for d in used]
        grouped = np.argsort(which, kind="stable")  # row k of the concatenation is requested position grouped[k]
        order = np.empty_like(grouped)
        order[grouped] = np.arange(grouped.size)
        return _concat_batches(parts, order)


class Sampler:
    """Base class of the samplers: `__iter__` yields dataset indices (or lists of them, for a batch sampler).

    Subclass and define `__iter__` (and `__len__` so that `len(loader)` works), as in PyTorch.
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


def _epoch_indices(sampler) -> np.ndarray | slice | None:
    """One epoch of a built-in sampler's indices as one array (a slice for a SequentialSampler), or None
    for any other sampler, or a subclass that overrides `__iter__`, which is then iterated."""
    cls = type(sampler)
    for base in (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler):
        if isinstance(sampler, base) and cls.__iter__ is base.__iter__:
            return sampler._indices()
    return None


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def _indices(self) -> slice:
        return slice(0, len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of `data_source`: a new permutation each epoch, or draws with replacement.

    replacement=False: `num_samples` (default len(data_source)) indices taken from successive
    permutations (so each index appears once per full pass); True: `num_samples` independent uniform
    draws. generator: a numpy Generator (default `ad.default_rng()`).
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: np.random.Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got replacement={replacement}")
        _check_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        n = self.num_samples
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, but got num_samples={n}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        rng = self.generator if self.generator is not None else ad.default_rng()
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        full, rest = divmod(k, n)
        perms = [rng.permutation(n) for _ in range(full)]
        if rest:
            perms.append(rng.permutation(n)[:rest])
        return perms[0] if len(perms) == 1 else np.concatenate(perms)

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given `indices` in a random order (a new one each epoch), without replacement."""

    def __init__(self, indices: Sequence[int], generator: np.random.Generator | None = None) -> None:
        _check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def _order(self) -> np.ndarray:
        return (self.generator if self.generator is not None else ad.default_rng()).permutation(len(self.indices))

    def _indices(self) -> np.ndarray:
        idx = np.asarray(self.indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):  # keys of another kind: element by element
            return np.array([self.indices[i] for i in self._order().tolist()], dtype=object)
        return idx[self._order()]

    def __iter__(self) -> Iterator:
        for i in self._order().tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices of range(len(weights)), index i drawn with probability proportional to weights[i].

    replacement=False draws successively without replacement (each draw among the indices not yet
    taken, proportionally to their weights), as `torch.multinomial`; it needs at least `num_samples`
    nonzero weights. weights: non-negative, finite, not all zero (checked here, not at iteration).
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        _check_generator(generator, "WeightedRandomSampler")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given weights have shape "
                             f"{w.shape}")
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite and non-negative with a positive sum "
                             "(invalid multinomial distribution)")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(w)} nonzero weights")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _indices(self) -> np.ndarray:
        rng = self.generator if self.generator is not None else ad.default_rng()
        return rng.choice(self.weights.size, size=self.num_samples, replace=self.replacement,
                          p=self.weights / self.weights.sum()).astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of `sampler` (a Sampler or any iterable) into lists of `batch_size`.

    drop_last: drop a final batch smaller than batch_size. `len()` is the number of batches.
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batches(self) -> Iterator:
        """The batches as slices or integer arrays (one epoch array cut up), or as lists for other samplers."""
        idx = _epoch_indices(self.sampler)
        if idx is None:
            yield from self
            return
        n, bs = (idx.stop if isinstance(idx, slice) else len(idx)), self.batch_size
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            yield slice(start, min(start + bs, n)) if isinstance(idx, slice) else idx[start:start + bs]

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        if self.drop_last:
            yield from (list(b) for b in zip(*[it] * self.batch_size, strict=False))
            return
        batch = list(itertools.islice(it, self.batch_size))
        while batch:
            yield batch
            batch = list(itertools.islice(it, self.batch_size))

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size


def _check_nonneg_int(name: str, value) -> None:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise ValueError(f"DataLoader: {name} option should be a non-negative integer, got {value!r}")


class DataLoader:
    """Iterate over `dataset` in batches (as `torch.utils.data.DataLoader`, same arguments).

    Indices come from `sampler` (default: `SequentialSampler`, or `RandomSampler(dataset,
    generator=generator)` with shuffle=True: a new permutation each epoch from the numpy Generator)
    grouped by `BatchSampler(sampler, batch_size, drop_last)`, or from a custom `batch_sampler`
    (mutually exclusive with batch_size, shuffle, sampler and drop_last). batch_size=None disables
    batching: samples are yielded one by one. Yields Tensors (a tuple per batch for a TensorDataset).

    Worker processes are not used: num_workers > 0 is accepted and checked as PyTorch checks it
    (with prefetch_factor, persistent_workers, timeout, multiprocessing_context), but batches are
    still read in this process, in order (NumPy batching is vectorized; workers would mostly add
    pickling), and `worker_init_fn` is never called, as with num_workers=0 in PyTorch. pin_memory,
    pin_memory_device and in_order are accepted and have no effect (there is no device to pin for).
    """

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
    __initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context=None, generator: np.random.Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        _check_nonneg_int("num_workers", num_workers)
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout >= 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing; let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None")
        if prefetch_factor is not None:
            _check_nonneg_int("prefetch_factor", prefetch_factor)
        elif num_workers > 0:
            prefetch_factor = 2
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if timeout > 0 and num_workers == 0:  # PyTorch fails on iteration; say it now
            raise ValueError(f"DataLoader: timeout={timeout} needs num_workers > 0 (single-process loading "
                             "requires timeout == 0)")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("DataLoader: multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"DataLoader: worker_init_fn must be callable, got {type(worker_init_fn).__name__}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        _check_generator(generator, "DataLoader")
        for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None and not hasattr(value, "__iter__"):  # (e.g. drop_last passed where it used to go)
                raise TypeError(f"DataLoader: {name} must be a Sampler or an iterable of indices, got "
                                f"{type(value).__name__} {value!r} (the arguments follow torch's order: dataset, "
                                f"batch_size, shuffle, sampler, ...; pass drop_last= by keyword)")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")
        elif not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.__initialized = True

    def __setattr__(self, attr: str, value) -> None:
        if self.__initialized and attr in self._FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, value)

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self) -> Iterator:
        if self.batch_sampler is None:  # no batching: one sample at a time
            for i in self.sampler:
                yield self.dataset[i]
            return
        fast = hasattr(self.dataset, "__getitems__") and self.collate_fn is None
        bs = self.batch_sampler
        own = isinstance(bs, BatchSampler) and type(bs).__iter__ is BatchSampler.__iter__
        for index in (bs._batches() if own else bs):
            if fast:
                if not isinstance(index, (slice, np.ndarray)):
                    index = np.asarray(index, dtype=np.int64)
                yield self.dataset.__getitems__(index)
            else:
                if isinstance(index, slice):
                    ids = range(index.start, index.stop)
                elif isinstance(index, np.ndarray):
                    ids = index.tolist()
                else:
                    ids = index
                yield (self.collate_fn or default_collate)([self.dataset[i] for i in ids])
