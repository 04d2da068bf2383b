"""PyTorch idioms in nn.data (ConcatDataset, samplers, DataLoader's sampler/batch_sampler/worker options) and in
optim.lr_scheduler (LinearLR ... ChainedScheduler): deterministic parts match torch exactly (orders, lengths, batch
boundaries, lr and momentum sequences), random parts are checked by their properties and distributions."""
import math

import numpy as np
import pytest

import autodiff as ad
import optim
from nn.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)
from optim import lr_scheduler as S

torch = pytest.importorskip("torch")
TD = torch.utils.data


def rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------------------------- datasets


class Plain(Dataset):
    """No __getitems__: sample i is ([i, -i], i)."""

    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        v = i + self.offset
        return np.array([v, -v], dtype=np.float64), v


def batches_of(loader):
    return [[np.asarray(t.data).tolist() for t in b] for b in loader]


def torch_batches_of(loader):
    return [[t.tolist() for t in b] for b in loader]


def test_concat_dataset_indexes_like_torch_and_batches_across_parts():
    xs = [np.arange(10.0 * k, 10.0 * k + 2 * n).reshape(n, 2) for k, n in enumerate((3, 4, 2))]
    ours = ConcatDataset([TensorDataset(x, x[:, 0].astype(np.int64)) for x in xs])
    theirs = TD.ConcatDataset([TD.TensorDataset(torch.from_numpy(x), torch.from_numpy(x[:, 0].astype(np.int64)))
                               for x in xs])
    assert len(ours) == len(theirs) == 9 and ours.cumulative_sizes == theirs.cumulative_sizes == [3, 7, 9]
    for i in range(-9, 9):
        assert ours[i][0].data.tolist() == theirs[i][0].tolist()
    order = [8, 0, 4, 3, 7 % 9, 1, 5, 2, 6]
    lo = DataLoader(ours, batch_size=4, sampler=order)
    lt = TD.DataLoader(theirs, batch_size=4, sampler=order)
    assert batches_of(lo) == torch_batches_of(lt) and len(lo) == len(lt) == 3
    seq = list(DataLoader(ours, batch_size=2))  # [0,1] in part 0 (a view), [2,3] spans parts 0 and 1
    assert np.shares_memory(seq[0][0].data, ours.datasets[0].arrays[0])
    assert batches_of(DataLoader(ours, batch_size=2)) == torch_batches_of(TD.DataLoader(theirs, batch_size=2))


def test_concat_dataset_of_plain_datasets_and_add_operator():
    both = Plain(3) + Plain(2, offset=100)
    assert isinstance(both, ConcatDataset) and len(both) == 5 and both[3][1] == 100 and both[-1][1] == 101
    tboth = TD.ConcatDataset([Plain(3), Plain(2, offset=100)])
    assert batches_of(DataLoader(both, batch_size=2)) == torch_batches_of(TD.DataLoader(tboth, batch_size=2))
    mixed = ConcatDataset([TensorDataset(np.zeros((2, 2)), np.arange(2)), Plain(2, offset=7)])
    b = next(iter(DataLoader(mixed, batch_size=4)))  # falls back to per-sample reads, then collates
    assert b[1].data.tolist() == [0, 1, 7, 8]


def test_concat_dataset_errors():
    with pytest.raises(ValueError, match="empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match=r"datasets\[1\] \(int\) is not a map-style dataset"):
        ConcatDataset([Plain(2), 3])
    ds = ConcatDataset([Plain(2), Plain(3)])
    with pytest.raises(IndexError, match="index 5 is out of range for a dataset of 5"):
        ds[5]
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        ds[-6]
    tds = ConcatDataset([TensorDataset(np.zeros(2)), TensorDataset(np.zeros(3))])
    with pytest.raises(IndexError, match="index 9 is out of range"):
        tds.__getitems__(np.array([0, 9]))


# ----------------------------------------------------------------------------------------------- samplers


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (1, 4), (7, 1)])
def test_sequential_and_batch_sampler_match_torch(n, bs, drop_last):
    assert list(SequentialSampler(range(n))) == list(TD.SequentialSampler(range(n)))
    ours, theirs = BatchSampler(SequentialSampler(range(n)), bs, drop_last), \
        TD.BatchSampler(TD.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    order = [(5 * i) % n for i in range(n)]  # any iterable works as the sampler
    assert list(BatchSampler(order, bs, drop_last)) == list(TD.BatchSampler(order, bs, drop_last))


def test_random_sampler_permutations_and_lengths():
    s = RandomSampler(range(10), generator=rng(1))
    e1, e2 = list(s), list(s)
    assert sorted(e1) == sorted(e2) == list(range(10)) and e1 != e2 and all(type(i) is int for i in e1)
    assert list(RandomSampler(range(10), generator=rng(1))) == e1  # seeded
    more = list(RandomSampler(range(4), num_samples=10, generator=rng(2)))  # two full passes, then 2 distinct
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3] and len(set(more[8:])) == 2
    for kw in (dict(), dict(num_samples=3), dict(num_samples=13), dict(replacement=True, num_samples=40)):
        assert len(RandomSampler(range(6), **kw)) == len(TD.RandomSampler(range(6), **kw))
        assert len(list(RandomSampler(range(6), generator=rng(), **kw))) == len(TD.RandomSampler(range(6), **kw))


def test_random_sampler_with_replacement_is_uniform():
    draws = np.array(list(RandomSampler(range(8), replacement=True, num_samples=40000, generator=rng(3))))
    counts = np.bincount(draws, minlength=8)
    assert draws.min() >= 0 and draws.max() < 8
    np.testing.assert_allclose(counts / 40000, 1 / 8, atol=0.01)
    chi2 = ((counts - 5000) ** 2 / 5000).sum()
    assert chi2 < 24.3  # 7 d.o.f., p = 0.001


def test_random_sampler_uses_the_global_seed_without_generator():
    ad.manual_seed(5)
    a = list(RandomSampler(range(20)))
    ad.manual_seed(5)
    assert list(RandomSampler(range(20))) == a


def test_subset_random_sampler():
    idx = [10, 3, 7, 42]
    s = SubsetRandomSampler(idx, generator=rng(4))
    orders = {tuple(s) for _ in range(30)}
    assert all(sorted(o) == sorted(idx) for o in orders) and len(orders) > 5 and len(s) == 4
    keys = SubsetRandomSampler(["a", "b", "c"], generator=rng())
    assert sorted(keys) == ["a", "b", "c"]


def test_weighted_random_sampler_distributions():
    w = [0.1, 0.0, 0.4, 0.5, 1.0]
    draws = np.array(list(WeightedRandomSampler(w, 40000, generator=rng(6))))
    np.testing.assert_allclose(np.bincount(draws, minlength=5) / 40000, np.array(w) / 2.0, atol=0.01)
    no_rep = WeightedRandomSampler(w, 4, replacement=False, generator=rng(7))
    firsts = []
    for _ in range(4000):
        d = list(no_rep)
        assert sorted(d) == [0, 2, 3, 4]  # distinct, zero weight never drawn
        firsts.append(d[0])
    np.testing.assert_allclose(np.bincount(firsts, minlength=5) / 4000, np.array(w) / 2.0, atol=0.03)
    assert len(no_rep) == len(TD.WeightedRandomSampler(w, 4, replacement=False)) == 4


def test_sampler_errors():
    with pytest.raises(NotImplementedError, match="must define __iter__"):
        iter(Sampler())
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler(range(0))
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        RandomSampler(range(3), generator=torch.Generator())
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(2, 2\)"):
        WeightedRandomSampler(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        WeightedRandomSampler([1.0, -1.0], 3)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from 2 nonzero weights"):
        WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 2, None)


# ----------------------------------------------------------------------------------------------- DataLoader


def pair(n=11):
    x, y = np.arange(2.0 * n).reshape(n, 2), np.arange(n) * 10
    return TensorDataset(x, y), TD.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


ORDER = [4, 9, 0, 2, 10, 7, 1, 3, 8, 6, 5]
LOADER_CASES = {
    "default": dict(batch_size=3),
    "sampler": dict(sampler=ORDER, batch_size=4),
    "sampler_drop_last": dict(sampler=ORDER, batch_size=4, drop_last=True),
    "sampler_no_batching": dict(sampler=ORDER[:5], batch_size=None),
    "batch_sampler": dict(batch_sampler=[[3, 1], [0, 4, 5, 6], [10]]),
    "BatchSampler_obj": dict(batch_sampler="seq"),
    "no_batching": dict(batch_size=None),
}


@pytest.mark.parametrize("case", list(LOADER_CASES))
@pytest.mark.parametrize("plain", [False, True])
def test_loader_orders_lengths_and_batches_match_torch(case, plain):
    kw = dict(LOADER_CASES[case])
    ours_ds, theirs_ds = (Plain(11), Plain(11)) if plain else pair()
    kw_t = dict(kw)
    if kw.get("batch_sampler") == "seq":
        kw["batch_sampler"] = BatchSampler(SequentialSampler(ours_ds), 4, True)
        kw_t["batch_sampler"] = TD.BatchSampler(TD.SequentialSampler(theirs_ds), 4, True)
    lo, lt = DataLoader(ours_ds, **kw), TD.DataLoader(theirs_ds, **kw_t)
    assert len(lo) == len(lt)
    ours = [[np.asarray(getattr(t, "data", t)).tolist() for t in b] for b in lo]
    theirs = [[np.asarray(t).tolist() for t in b] for b in lt]
    assert ours == theirs and len(ours) == len(lo)


def test_loader_with_random_samplers_reads_the_sampled_rows():
    ours, _ = pair(12)
    lo = DataLoader(ours, batch_size=5, sampler=SubsetRandomSampler([1, 3, 5, 7, 9, 11], generator=rng(8)))
    rows = [b[1].data.tolist() for b in lo]
    assert [len(r) for r in rows] == [5, 1] and sorted(sum(rows, [])) == [10, 30, 50, 70, 90, 110]
    lw = DataLoader(ours, batch_size=8, sampler=WeightedRandomSampler([0] * 11 + [1], 16, generator=rng()))
    assert [b[1].data.tolist() for b in lw] == [[110] * 8] * 2 and len(lw) == 2
    lr = DataLoader(ours, batch_size=4, sampler=RandomSampler(ours, replacement=True, num_samples=9, generator=rng()))
    b = list(lr)
    assert len(lr) == 3 and [len(x[0]) for x in b] == [4, 4, 1]
    np.testing.assert_array_equal(b[0][0].data[:, 0] * 5, b[0][1].data)  # rows stay paired


def test_custom_sampler_and_batch_sampler_subclasses_are_iterated():
    class Evens(Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    class Reversed(SequentialSampler):
        def __iter__(self):
            return iter(reversed(range(len(self.data_source))))

    ours, theirs = pair(7)
    assert [b[1].data.tolist() for b in DataLoader(ours, batch_size=3, sampler=Evens(7))] == [[0, 20, 40], [60]]
    lo = DataLoader(ours, batch_size=3, sampler=Reversed(ours))
    assert [b[1].data.tolist() for b in lo] == [[60, 50, 40], [30, 20, 10], [0]]

    class Pairs(BatchSampler):
        def __iter__(self):
            yield [6, 0]

    assert [b[1].data.tolist() for b in DataLoader(ours, batch_sampler=Pairs(range(7), 2, False))] == [[60, 0]]


def test_loader_mutual_exclusion_errors_match_torch():
    ours, theirs = pair(4)
    bad = [
        (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive with batch_size"),
        (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
        (dict(num_workers=-1), "num_workers option should be a non-negative integer"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be a non-negative integer"),
        (dict(multiprocessing_context="spawn"), "multiprocessing_context can only be used with multi-process"),
    ]
    for kw, msg in bad:
        with pytest.raises(ValueError, match=msg):
            DataLoader(ours, **kw)
        with pytest.raises(ValueError):
            TD.DataLoader(theirs, **kw)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(ours, batch_size=0)
    with pytest.raises(ValueError, match=r"timeout=5 needs num_workers > 0"):  # torch fails when iterated
        DataLoader(ours, timeout=5)
    for kw in (dict(sampler=True), dict(batch_sampler=3)):  # (before torch's order, drop_last was 4th positionally)
        with pytest.raises(TypeError, match=f"{next(iter(kw))} must be a Sampler or an iterable of indices"):
            DataLoader(ours, **kw)
    with pytest.raises(TypeError, match="pass drop_last= by keyword"):
        DataLoader(ours, 2, False, True)
    with pytest.raises(TypeError, match="worker_init_fn must be callable"):
        DataLoader(ours, num_workers=1, worker_init_fn=3)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        DataLoader(ours, shuffle=True, generator=torch.Generator())
    loader = DataLoader(ours, batch_size=2)
    for attr in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set after DataLoader is initialized"):
            setattr(loader, attr, None)
    assert len(loader) == 2 and loader.batch_size == 2


def test_worker_options_are_accepted_and_load_in_process():
    ours, _ = pair(9)
    calls = []
    lw = DataLoader(ours, batch_size=4, num_workers=3, worker_init_fn=calls.append, persistent_workers=True,
                    pin_memory=True, timeout=10.0)
    assert lw.prefetch_factor == 2 and lw.num_workers == 3
    assert batches_of(lw) == batches_of(DataLoader(ours, batch_size=4)) and len(lw) == 3
    assert calls == []  # no worker process, so no worker_init_fn call (as num_workers=0 in torch)
    lp = DataLoader(ours, batch_size=4, num_workers=2, prefetch_factor=5, pin_memory=True, pin_memory_device="",
                    in_order=False)
    assert lp.prefetch_factor == 5 and len(list(lp)) == 3
    sh = DataLoader(ours, batch_size=4, shuffle=True, generator=rng(9), pin_memory=True)
    assert isinstance(sh.sampler, RandomSampler) and isinstance(sh.batch_sampler, BatchSampler)
    assert sorted(sum((b[1].data.tolist() for b in sh), [])) == list(range(0, 90, 10))


# ----------------------------------------------------------------------------------------------- schedulers

STEPS = 30
LRS = (0.1, 0.02)


def ours_opt(kind="sgd", lrs=LRS):
    groups = [{"params": [ad.tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "adam":
        return optim.Adam(groups, lr=1.0, betas=(0.9, 0.99))
    if kind == "adagrad":
        return optim.Adagrad(groups, lr=1.0)
    return optim.SGD(groups, lr=1.0, momentum=0.9)


def torch_opt(kind="sgd", lrs=LRS):
    groups = [{"params": [torch.ones(2, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=1.0, betas=(0.9, 0.99))
    return torch.optim.SGD(groups, lr=1.0, momentum=0.9)


def trace(opt, sched, steps=STEPS, step=None):
    """(lr, momentum or beta1) of each group before each of `steps` scheduler steps."""
    out = []
    for i in range(steps):
        out.append([(g["lr"], g["betas"][0] if "betas" in g else g["momentum"]) for g in opt.param_groups])
        if sched.get_last_lr() != [g["lr"] for g in opt.param_groups]:
            raise AssertionError(f"get_last_lr out of date at step {i}")
        opt.step()
        (step or sched.step)()
    return out


def _cases():
    return {
        "LinearLR": ("sgd", lambda M, o: M.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=7)),
        "LinearLR_down": ("sgd", lambda M, o: M.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=10)),
        "ConstantLR": ("sgd", lambda M, o: M.ConstantLR(o, factor=0.5, total_iters=4)),
        "MultiplicativeLR": ("sgd", lambda M, o: M.MultiplicativeLR(o, lr_lambda=[lambda e: 0.95,
                                                                                   lambda e: 1 - 0.01 * e])),
        "PolynomialLR": ("sgd", lambda M, o: M.PolynomialLR(o, total_iters=12, power=2.0)),
        "MultiStepLR": ("sgd", lambda M, o: M.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.5)),
        "WarmRestarts": ("sgd", lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.001)),
        "WarmRestarts_mult": ("sgd", lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)),
        "OneCycle_cos": ("sgd", lambda M, o: M.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS)),
        "OneCycle_linear": ("sgd", lambda M, o: M.OneCycleLR(o, max_lr=0.8, epochs=3, steps_per_epoch=10,
                                                             anneal_strategy="linear", pct_start=0.25)),
        "OneCycle_three_phase": ("sgd", lambda M, o: M.OneCycleLR(o, max_lr=1.0, total_steps=STEPS, three_phase=True,
                                                                  base_momentum=0.8, max_momentum=[0.9, 0.95])),
        "OneCycle_adam": ("adam", lambda M, o: M.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, div_factor=10.0)),
        "OneCycle_no_momentum": ("sgd", lambda M, o: M.OneCycleLR(o, max_lr=0.5, total_steps=STEPS,
                                                                  cycle_momentum=False)),
        "Cyclic_triangular": ("sgd", lambda M, o: M.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.05], step_size_up=4,
                                                             step_size_down=3)),
        "Cyclic_triangular2": ("sgd", lambda M, o: M.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5,
                                                              mode="triangular2")),
        "Cyclic_exp_range": ("adam", lambda M, o: M.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=3,
                                                             mode="exp_range", gamma=0.9)),
        "Cyclic_scale_fn": ("sgd", lambda M, o: M.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                           scale_fn=lambda x: 0.95 ** x, scale_mode="iterations",
                                                           cycle_momentum=False)),
        "SequentialLR": ("sgd", lambda M, o: M.SequentialLR(o, [M.LinearLR(o, start_factor=0.1, total_iters=5),
                                                                M.ExponentialLR(o, gamma=0.9)], milestones=[5])),
        "SequentialLR_3": ("sgd", lambda M, o: M.SequentialLR(o, [M.ConstantLR(o, factor=0.2, total_iters=10),
                                                                  M.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
                                                                  M.StepLR(o, step_size=3, gamma=0.5)],
                                                              milestones=[4, 15])),
        "ChainedScheduler": ("sgd", lambda M, o: M.ChainedScheduler([M.ConstantLR(o, factor=0.1, total_iters=4),
                                                                     M.ExponentialLR(o, gamma=0.9)])),
        "Chained_with_optimizer": ("sgd", lambda M, o: M.ChainedScheduler(
            [M.LinearLR(o, start_factor=0.5, total_iters=6), M.MultiplicativeLR(o, lambda e: 0.97)], optimizer=o)),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_scheduler_lr_and_momentum_sequences_match_torch(name):
    kind, make = _cases()[name]
    o, t = ours_opt(kind), torch_opt(kind)
    ours, theirs = trace(o, make(S, o)), trace(t, make(torch.optim.lr_scheduler, t))
    assert ours == theirs  # the same float operations in the same order: identical values


def test_warm_restarts_fractional_epochs_match_torch():
    o, t = ours_opt(), torch_opt()
    so, st = S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2), \
        torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t, T_0=4, T_mult=2)
    for epoch in np.arange(0, 20, 0.7).tolist():
        so.step(epoch)
        t.step()
        st.step(epoch)
        assert so.get_last_lr() == st.get_last_lr() and (so.T_cur, so.T_i, so.last_epoch) == \
            (st.T_cur, st.T_i, st.last_epoch)
    # with T_mult=2 the restarts fall at 4, 12, 28 and the lr is back at its initial value there
    o2 = ours_opt(lrs=(1.0,))
    s2 = S.CosineAnnealingWarmRestarts(o2, T_0=4, T_mult=2)
    lrs = [s2.get_last_lr()[0]] + [(s2.step(), s2.get_last_lr()[0])[1] for _ in range(29)]
    assert [e for e in range(1, 30) if lrs[e] > lrs[e - 1]] == [4, 12, 28] and lrs[12] == 1.0


def test_one_cycle_endpoints_and_step_limit():
    o = ours_opt(lrs=(1.0,))
    s = S.OneCycleLR(o, max_lr=2.0, total_steps=10, div_factor=4.0, final_div_factor=100.0, pct_start=0.5)
    seq = [o.param_groups[0]["lr"]]
    for _ in range(10):
        s.step()
        seq.append(o.param_groups[0]["lr"])
    # max_lr at step pct_start * total - 1 = 4, min_lr = initial_lr / final_div_factor at step total - 1 = 9
    assert seq[0] == 0.5 and seq[4] == max(seq) == 2.0 and seq[9] == pytest.approx(0.5 / 100, rel=1e-12)
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps is 10"):
        s.step()


STATE_CASES = ["LinearLR", "ConstantLR", "MultiplicativeLR", "PolynomialLR", "WarmRestarts_mult", "OneCycle_adam",
               "OneCycle_three_phase", "Cyclic_triangular2", "Cyclic_exp_range", "SequentialLR_3", "ChainedScheduler"]


@pytest.mark.parametrize("name", STATE_CASES)
def test_scheduler_state_dict_round_trip(name):
    kind, make = _cases()[name]
    o = ours_opt(kind)
    full = trace(o, make(S, o))
    o1 = ours_opt(kind)
    s1 = make(S, o1)
    trace(o1, s1, 11)
    saved_sched, saved_opt = s1.state_dict(), o1.state_dict()
    assert "optimizer" not in saved_sched
    o2 = ours_opt(kind)
    s2 = make(S, o2)
    o2.load_state_dict(saved_opt)
    s2.load_state_dict(saved_sched)
    assert trace(o2, s2, STEPS - 11) == full[11:]


def test_cyclic_state_dict_keeps_a_callable_objects_state_but_not_a_function():
    class Halving:
        def __init__(self):
            self.base = 1.0

        def __call__(self, x):
            return self.base / x

    o = ours_opt()
    fn = Halving()
    s = S.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=fn, cycle_momentum=False)
    fn.base = 0.5
    sd = s.state_dict()
    assert sd["_scale_fn_custom"] == {"base": 0.5}
    fn2 = Halving()
    s2 = S.CyclicLR(ours_opt(), 0.01, 0.1, step_size_up=2, scale_fn=fn2, cycle_momentum=False)
    s2.load_state_dict(sd)
    assert fn2.base == 0.5 and s2.scale_fn(2.0) == 0.25
    assert S.CyclicLR(ours_opt(), 0.01, 0.1, scale_fn=lambda x: 1.0).state_dict()["_scale_fn_custom"] is None


def test_sequential_and_chained_state_dicts_nest_their_schedulers():
    o = ours_opt()
    seq = S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, gamma=0.5)], [3])
    sd = seq.state_dict()
    assert [type(x) for x in sd["_schedulers"]] == [dict, dict] and sd["_milestones"] == [3]
    with pytest.raises(ValueError, match="expected states of 2 schedulers under '_schedulers', got 1"):
        seq.load_state_dict({**sd, "_schedulers": sd["_schedulers"][:1]})


def test_new_scheduler_argument_errors_change_nothing():
    o = ours_opt()
    bad = [
        (lambda: S.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor expected"),
        (lambda: S.LinearLR(o, end_factor=1.5), ValueError, "Ending multiplicative factor expected"),
        (lambda: S.LinearLR(o, total_iters=0), ValueError, "total_iters must be an integer >= 1"),
        (lambda: S.ConstantLR(o, factor=1.5), ValueError, r"factor expected to be in \(0, 1\], got factor=1.5"),
        (lambda: S.ConstantLR(o, factor=0.0), ValueError, "factor expected to be in"),
        (lambda: S.PolynomialLR(o, total_iters=0), ValueError, "total_iters must be an integer >= 1"),
        (lambda: S.PolynomialLR(o, power=math.nan), ValueError, "power must be a finite real number"),
        (lambda: S.MultiplicativeLR(o, lr_lambda=0.9), TypeError, "lr_lambda should be a function, but got float"),
        (lambda: S.MultiplicativeLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "Expected positive integer T_0, but got 0"),
        (lambda: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError, "Expected integer T_mult >= 1"),
        (lambda: S.OneCycleLR(o, max_lr=1.0), ValueError, r"either total_steps OR \(epochs AND steps_per_epoch\)"),
        (lambda: S.OneCycleLR(o, 1.0, total_steps=0), ValueError, "Expected positive integer total_steps, but got 0"),
        (lambda: S.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1), ValueError, "positive integer steps_per_epoch"),
        (lambda: S.OneCycleLR(o, 1.0, 10, pct_start=1), ValueError, "Expected float between 0 and 1 pct_start"),
        (lambda: S.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"), ValueError, "anneal_strategy must be one of"),
        (lambda: S.OneCycleLR(o, [1.0, 2.0, 3.0], 10), ValueError, "max_lr must have the same length as optimizer"),
        (lambda: S.OneCycleLR(ours_opt("adagrad"), 1.0, 10), ValueError, "must support momentum or beta1"),
        (lambda: S.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError, "mode is invalid and scale_fn is None"),
        (lambda: S.CyclicLR(o, [0.1], 0.2), ValueError, "base_lr must have the same length"),
        (lambda: S.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError, "step_size_up must be > 0"),
        (lambda: S.CyclicLR(ours_opt("adagrad"), 0.01, 0.1), ValueError, "must support momentum or beta1"),
        (lambda: S.CyclicLR(o, 0.01, 0.1, last_epoch=-2), ValueError, "last_epoch must be an integer >= -1"),
        (lambda: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[3]), ValueError,
         "number of schedulers 1 and the number of milestones to be equal to 1"),
        (lambda: S.SequentialLR(o, [], milestones=[]), ValueError, "expects at least one scheduler"),
        (lambda: S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], [2]), ValueError,
         "does not support `ReduceLROnPlateau`"),
        (lambda: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(ours_opt(), 2)], [2]), ValueError,
         "expects all schedulers to belong to the same optimizer"),
        (lambda: S.ChainedScheduler([]), ValueError, "expects at least one scheduler to be chained"),
        (lambda: S.ChainedScheduler([S.StepLR(o, 2), object()], optimizer=o), TypeError,
         "at index 1 should have `optimizer`"),
    ]
    for make, exc, msg in bad:
        with pytest.raises(exc, match=msg):
            make()
    clean = ours_opt()  # CyclicLR / OneCycleLR check everything before rewriting lr, momentum or initial_lr
    for ctor in (lambda: S.CyclicLR(clean, 0.01, 0.1, mode="sawtooth"),
                 lambda: S.OneCycleLR(clean, 1.0, 10, pct_start=2.0),
                 lambda: S.CyclicLR(clean, 0.01, [0.1, 0.2, 0.3])):
        with pytest.raises(ValueError):
            ctor()
    assert [(g["lr"], g["momentum"], "initial_lr" in g) for g in clean.param_groups] == \
        [(0.1, 0.9, False), (0.02, 0.9, False)]
