"""nn.utils (gradient clipping, parameter vectors) and nn.data (Dataset, TensorDataset, Subset, random_split,
DataLoader)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff as ad
import nn
from nn.data import DataLoader, Dataset, Subset, TensorDataset, random_split
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _params_with_grads(grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g)))
        p.grad = ad.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_clip_grad_norm_scales_jointly_and_returns_the_total_norm():
    params = _params_with_grads([[3.0, 0.0], [[4.0]]])  # joint 2-norm 5
    total = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, ad.Tensor) and total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(params[0].grad.data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(params[1].grad.data, [[0.8]], rtol=1e-5)
    params = _params_with_grads([[0.3, 0.4]])
    assert clip_grad_norm_(params, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad.data, [0.3, 0.4])  # under the limit: untouched


def test_clip_grad_norm_other_norms_and_nonfinite():
    params = _params_with_grads([[1.0, -6.0], [2.0]])
    assert clip_grad_norm_(params, 3.0, norm_type=math.inf).item() == pytest.approx(6.0)
    np.testing.assert_allclose(params[0].grad.data, [0.5, -3.0], rtol=1e-5)
    params = _params_with_grads([[1.0, -2.0], [3.0]])
    assert clip_grad_norm_(params, 100.0, norm_type=1).item() == pytest.approx(6.0)
    params = _params_with_grads([[np.nan, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([nn.Parameter(np.zeros(2))], 1.0).item() == 0.0  # no gradients at all


def test_clip_grad_value_clamps_in_place():
    params = _params_with_grads([[-3.0, 0.5, 2.0]])
    clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    model = nn.Linear(3, 2)
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (8,) and vec.requires_grad
    np.testing.assert_array_equal(vec.data[:6], model.weight.data.reshape(-1))
    vector_to_parameters(ad.arange(8.0), model.parameters())
    np.testing.assert_array_equal(model.bias.data, [6.0, 7.0])
    with pytest.raises(ValueError, match="hold 8 values"):
        vector_to_parameters(ad.zeros(5), model.parameters())


def test_dataloader_batches_in_order_without_copying_and_drop_last():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ds = TensorDataset(x, y)
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)] and len(DataLoader(ds, batch_size=4)) == 3
    assert all(isinstance(t, ad.Tensor) for b in batches for t in b)
    assert np.shares_memory(batches[0][0].data, ds.arrays[0])  # a view of the dataset, not a copy
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [b[1].shape for b in dropped] == [(4,), (4,)]


def test_dataloader_shuffle_is_a_seeded_permutation_per_epoch():
    ds = TensorDataset(np.arange(10))

    def epoch(loader):
        return np.concatenate([b[0].data for b in loader])

    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=np.random.default_rng(0))
    e1, e2 = epoch(loader), epoch(loader)
    assert sorted(e1) == list(range(10)) and sorted(e2) == list(range(10))
    assert not np.array_equal(e1, e2)  # a new order each epoch
    again = DataLoader(ds, batch_size=3, shuffle=True, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(epoch(again), e1)


def test_dataloader_over_a_plain_dataset_collates_samples():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert len(batches) == 3
    np.testing.assert_array_equal(batches[1][0].data, [[2, 4], [3, 9]])
    np.testing.assert_array_equal(batches[1][1].data, [2, 3])


def test_data_errors():
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


class Squares(Dataset):
    """A plain dataset (no __getitems__): sample i is ([i, i*i], i)."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if not 0 <= i < 6:
            raise IndexError(i)
        return np.array([i, i * i], dtype=np.float64), i


def test_subset_indexes_its_parent_and_batches_through_it():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    sub = Subset(TensorDataset(x, y), [7, 2, 9, 2])
    assert len(sub) == 4 and sub[0][1].item() == 7 and sub[-1][1].item() == 2
    np.testing.assert_array_equal(sub[[1, 2]][0].data, x[[2, 9]])
    batches = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), x[[7, 2, 9, 2]])
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), [7, 2, 9, 2])
    nested = Subset(sub, [3, 0])
    np.testing.assert_array_equal(next(iter(DataLoader(nested, batch_size=2)))[1].data, [2, 7])
    plain = Subset(Squares(), [5, 1, 3])  # the parent has no __getitems__: samples are collated
    (xb, yb), = list(DataLoader(plain, batch_size=3))
    np.testing.assert_array_equal(xb.data, [[5, 25], [1, 1], [3, 9]])
    np.testing.assert_array_equal(yb.data, [5, 1, 3])


def _covering(splits, n):
    ids = np.concatenate([s.indices for s in splits])
    return np.array_equal(np.sort(ids), np.arange(n))


def test_random_split_is_seeded_disjoint_and_covering():
    ds = TensorDataset(np.arange(30))
    splits = random_split(ds, [10, 15, 5], generator=np.random.default_rng(3))
    assert [len(s) for s in splits] == [10, 15, 5] and _covering(splits, 30)
    again = random_split(ds, [10, 15, 5], generator=np.random.default_rng(3))
    for a, b in zip(splits, again, strict=True):
        np.testing.assert_array_equal(a.indices, b.indices)
    other = random_split(ds, [10, 15, 5], generator=np.random.default_rng(4))
    assert not np.array_equal(other[0].indices, splits[0].indices)
    np.testing.assert_array_equal(splits[1][0][0].data, ds[int(splits[1].indices[0])][0].data)
    ad.manual_seed(1)  # without a generator: ad.default_rng(), seeded by ad.manual_seed
    a = random_split(ds, [20, 10])
    ad.manual_seed(1)
    np.testing.assert_array_equal(a[0].indices, random_split(ds, [20, 10])[0].indices)
    assert _covering(a, 30)


@pytest.mark.parametrize("n, fractions, lengths", [(10, [0.3, 0.3, 0.4], [3, 3, 4]), (11, [0.25] * 4, [3, 3, 3, 2]),
                                                   (10, [0.1, 0.2, 0.7], [1, 2, 7]), (7, [0.5, 0.5], [4, 3]),
                                                   (5, [1.0], [5])])
def test_random_split_fractions_floor_then_spread_the_remainder(n, fractions, lengths):
    splits = random_split(TensorDataset(np.arange(n)), fractions, generator=np.random.default_rng(0))
    assert [len(s) for s in splits] == lengths and _covering(splits, n)


def test_random_split_and_subset_errors():
    ds = TensorDataset(np.arange(5))
    with pytest.raises(ValueError, match=r"sum of input lengths 4 \(\[2, 2\]\) does not equal the length of the "
                                         r"input dataset \(5\)"):
        random_split(ds, [2, 2])
    with pytest.raises(ValueError, match=r"fractional lengths must lie in \[0, 1\] and sum to 1"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match="fractional lengths must lie in"):
        random_split(ds, [1.5, -0.5])
    with pytest.raises(ValueError, match="non-negative integers or fractions"):
        random_split(ds, [6, -1])
    with pytest.raises(ValueError, match="must not be empty"):
        random_split(ds, [])
    with pytest.raises(TypeError, match="random_split: generator must be a numpy.random.Generator, got int"):
        random_split(ds, [5], generator=0)
    with pytest.warns(UserWarning, match="length of split at index 1 is 0"):
        assert [len(s) for s in random_split(TensorDataset(np.arange(1)), [0.5, 0.5])] == [1, 0]
    with pytest.raises(IndexError, match="Subset: index 5 is out of range for a dataset of 5 samples"):
        Subset(ds, [0, 5])
    with pytest.raises(TypeError, match="1-d sequence of integers"):
        Subset(ds, [0.5, 1.0])
