"""Adversarial parity of `optim` with `torch.optim` (CPU, float64 unless said otherwise).

Every optimizer runs the same multi-group trajectory as its PyTorch twin: per-group lr / weight_decay,
a parameter that never gets a gradient, one that skips some steps (grad None after
`zero_grad(set_to_none=True)`, a zero grad after `zero_grad(set_to_none=False)`), a group added by
`add_param_group` mid-run. Then: the state_dict layout and values against PyTorch's, resuming from a
state_dict (ours, and PyTorch's loaded into ours and vice versa), float32 kept through state and update,
hyperparameter errors with PyTorch's wording, and every scheduler's lr sequence, state_dict and errors.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import autodiff as ad
import optim

torch = pytest.importorskip("torch")

STEPS = 24
ADD_AT = 5          # step at which the "late" group is added
SHAPES = {"w0": (3, 4), "w1": (4,), "w2": (), "never": (3,), "sometimes": (2, 3), "late": (5,)}

OPT_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=1.0, weight_decay=0.2)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.7, weight_decay=0.1, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.3, maximize=True)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, betas=(0.5, 0.7), eps=1e-5, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, betas=(0.0, 0.9), amsgrad=True, maximize=True, weight_decay=0.02)),
    ("Adam", dict(lr=0.03, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.05, betas=(0.6, 0.8), weight_decay=0.3, amsgrad=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.5, momentum=0.6)),
    ("RMSprop", dict(lr=0.01, centered=True, eps=1e-4)),
    ("RMSprop", dict(lr=0.005, alpha=0.8, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.0, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.2, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.3)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True, initial_accumulator_value=1.5)),
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3, weight_decay=0.1)),
    ("Adadelta", dict(lr=2.0, rho=0.0, maximize=True)),
    ("Adamax", dict(lr=0.02)),
    ("Adamax", dict(lr=0.05, betas=(0.5, 0.7), eps=1e-4, weight_decay=0.1)),
    ("Adamax", dict(lr=0.03, betas=(0.0, 0.9), weight_decay=0.05, maximize=True)),
    ("NAdam", dict(lr=0.02)),
    ("NAdam", dict(lr=0.03, betas=(0.6, 0.8), eps=1e-5, weight_decay=0.1, momentum_decay=0.05)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.05, betas=(0.95, 0.99), momentum_decay=0.0)),      # mu_t = beta1 / 2 throughout
    ("NAdam", dict(lr=0.01, momentum_decay=0.5, weight_decay=0.2, maximize=True)),  # mu_t moving fast
    # RAdam rectifies once rho_t > 5: from each param's step 6 with beta2 = 0.999, 0.99 or 0.8 (7), 10 with
    # 0.7, never with 0.6 (rho_inf = 4); "late" and "sometimes" count their own steps
    ("RAdam", dict(lr=0.02)),
    ("RAdam", dict(lr=0.03, betas=(0.5, 0.7), weight_decay=0.1)),
    ("RAdam", dict(lr=0.02, betas=(0.8, 0.6), eps=1e-4)),
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.99), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05, betas=(0.0, 0.8), maximize=True, weight_decay=0.02)),
    ("NAdam", dict(lr=0.02, foreach=True)),     # PyTorch's multi-tensor kernels; ours ignores the flag
    ("RAdam", dict(lr=0.02, foreach=True)),
    ("Adamax", dict(lr=0.02, foreach=True)),
]
OPT_IDS = [f"{n}-" + ",".join(f"{k}={v}" for k, v in hp.items()) for n, hp in OPT_CASES]


# --------------------------------------------------------------------------------------------- harness
def _data(seed=0):
    rng = np.random.default_rng(seed)
    x0 = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    a = {k: rng.uniform(0.5, 2.0, s) for k, s in SHAPES.items()}
    b = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    return x0, a, b


def _grad(x, a, b):
    """The gradient of sum(a x^2 / 2 + b x + sin(3x) / 6): nonlinear, so every step sees a new one."""
    return a * x + b + 0.5 * np.cos(3 * x)


class Run:
    """One optimizer (ours or PyTorch's) on the shared problem; `lib` is "ours" or "torch"."""

    def __init__(self, lib, name, hp, dtype=np.float64, x0=None, late=True, with_late_group=False, seed=0):
        self.lib, self.name, self.hp, self.dtype, self.late = lib, name, dict(hp), dtype, late
        x0_, self.a, self.b = _data(seed)
        x0 = x0_ if x0 is None else x0
        self.p = {k: self._tensor(v) for k, v in x0.items()}
        lr = hp["lr"]
        groups = [{"params": [self.p["w0"], self.p["w1"]]},
                  {"params": [self.p["w2"], self.p["never"], self.p["sometimes"]], "lr": lr * 0.5,
                   "weight_decay": 0.05}]
        self.opt = getattr(self._mod, name)(groups, **hp)
        self.sched = None
        if with_late_group:
            self._add_late()

    @property
    def _mod(self):
        return optim if self.lib == "ours" else torch.optim

    def _tensor(self, x):
        arr = np.array(x, dtype=self.dtype)
        if self.lib == "ours":
            return ad.tensor(arr, requires_grad=True)
        return torch.tensor(arr, requires_grad=True)

    def _add_late(self):
        self.opt.add_param_group({"params": [self.p["late"]], "lr": self.hp["lr"] * 2, "weight_decay": 0.01})

    def value(self, k):
        p = self.p[k]
        return (p.data if self.lib == "ours" else p.detach().numpy()).copy()

    def values(self):
        return {k: self.value(k) for k in SHAPES}

    def step(self, t):
        if self.late and t == ADD_AT:
            self._add_late()
        self.opt.zero_grad(set_to_none=(t % 4 != 3))
        active = ["w0", "w1", "w2"]
        if t % 3 != 1:
            active.append("sometimes")
        if self.late and t >= ADD_AT:
            active.append("late")
        for k in active:
            g = _grad(self.value(k), self.a[k], self.b[k]).astype(self.dtype)
            self.p[k].grad = ad.tensor(g) if self.lib == "ours" else torch.tensor(g)
        self.opt.step()
        if self.sched is not None:
            self.sched.step()

    def run(self, start, stop):
        traj = []
        for t in range(start, stop):
            self.step(t)
            traj.append(self.values())
        return traj


def _np(v):
    return v.detach().numpy().copy() if isinstance(v, torch.Tensor) else v


def _torch_sd_to_ours(sd):
    return {"state": {i: {k: _np(v) for k, v in st.items()} for i, st in sd["state"].items()},
            "param_groups": copy.deepcopy(sd["param_groups"])}


def _ours_sd_to_torch(sd):
    def conv(k, v):
        if isinstance(v, np.ndarray):
            return torch.tensor(v)
        return torch.tensor(v, dtype=torch.float64) if k == "step" else v
    return {"state": {i: {k: conv(k, v) for k, v in st.items()} for i, st in sd["state"].items()},
            "param_groups": copy.deepcopy(sd["param_groups"])}


def _assert_traj_close(ours, theirs, rtol=1e-9, atol=1e-12, start=0):
    for t, (o, th) in enumerate(zip(ours, theirs, strict=True)):
        for k in SHAPES:
            assert np.all(np.isfinite(o[k])), (t, k)
            np.testing.assert_allclose(o[k], th[k], rtol=rtol, atol=atol, err_msg=f"step {start + t}, param {k}")


def _assert_sd_matches(ours, theirs, rtol=1e-9, atol=1e-12):
    assert set(ours) == {"state", "param_groups"}
    assert sorted(ours["state"]) == sorted(theirs["state"])  # integer param indices, same params with state
    for i, st in theirs["state"].items():
        assert isinstance(i, int)
        assert set(ours["state"][i]) == set(st), i
        for k, v in st.items():
            o = ours["state"][i][k]
            if k == "step":
                assert isinstance(o, float) and o == float(v), (i, k)
            else:  # each tensor as an ndarray of its shape and dtype (0-d ones too: NAdam's float32 mu_product)
                assert isinstance(o, np.ndarray) and o.shape == tuple(v.shape) and o.dtype == _np(v).dtype, (i, k)
                np.testing.assert_allclose(o, _np(v), rtol=rtol, atol=atol, err_msg=f"{i} {k}")
    assert len(ours["param_groups"]) == len(theirs["param_groups"])
    for og, tg in zip(ours["param_groups"], theirs["param_groups"], strict=True):
        assert set(og) == set(tg)
        for k, v in tg.items():
            assert og[k] == v, k


# ------------------------------------------------------------------------------------------ optimizers
@pytest.mark.parametrize("name,hp", OPT_CASES, ids=OPT_IDS)
def test_trajectory_and_state_dict_match_torch(name, hp):
    ours, theirs = Run("ours", name, hp), Run("torch", name, hp)
    _assert_traj_close(ours.run(0, STEPS), theirs.run(0, STEPS))
    final = ours.values()
    np.testing.assert_array_equal(final["never"], _data()[0]["never"])  # grad None: never touched
    assert not np.allclose(final["sometimes"], _data()[0]["sometimes"])
    _assert_sd_matches(ours.opt.state_dict(), theirs.opt.state_dict())
    # the state itself (not only its dict) is keyed by the param tensors, as PyTorch's
    assert len(ours.opt.state) == len(theirs.opt.state)


@pytest.mark.parametrize("name,hp", OPT_CASES, ids=OPT_IDS)
def test_resume_from_state_dict_matches_uninterrupted(name, hp):
    k = ADD_AT + 4
    full = Run("ours", name, hp)
    traj = full.run(0, k)
    sd = full.opt.state_dict()
    x_at_k = full.values()
    rest = full.run(k, STEPS)       # keep training: the saved dict must be a snapshot
    resumed = Run("ours", name, hp, x0=x_at_k, with_late_group=True)
    resumed.opt.load_state_dict(sd)
    assert resumed.opt.state_dict()["param_groups"] == sd["param_groups"]
    again = resumed.run(k, STEPS)
    for t, (a, b) in enumerate(zip(rest, again, strict=True)):
        for key in SHAPES:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"step {k + t}, {key}")
    assert traj  # the first part ran


@pytest.mark.parametrize("name,hp", OPT_CASES, ids=OPT_IDS)
def test_state_dicts_load_across_libraries(name, hp):
    """PyTorch's mid-training state_dict loads into ours (and ours into PyTorch's) and the runs go on as one."""
    k = ADD_AT + 3
    theirs, ours = Run("torch", name, hp), Run("ours", name, hp)
    theirs.run(0, k)
    ours.run(0, k)
    t_sd, o_sd = theirs.opt.state_dict(), ours.opt.state_dict()
    ours_from_torch = Run("ours", name, hp, x0=theirs.values(), with_late_group=True)
    ours_from_torch.opt.load_state_dict(_torch_sd_to_ours(t_sd))
    torch_from_ours = Run("torch", name, hp, x0=ours.values(), with_late_group=True)
    torch_from_ours.opt.load_state_dict(_ours_sd_to_torch(o_sd))
    # PyTorch casts loaded state to the parameter's dtype, NAdam's float32 `mu_product` too, so PyTorch's
    # NAdam resumed from its own state_dict drifts ~1e-8 from its uninterrupted run: ours loaded into
    # PyTorch is held to PyTorch resumed from its own (the uninterrupted run, for every other optimizer)
    torch_from_torch = Run("torch", name, hp, x0=theirs.values(), with_late_group=True)
    torch_from_torch.opt.load_state_dict(copy.deepcopy(t_sd))
    ref = theirs.run(k, STEPS)
    _assert_traj_close(ours_from_torch.run(k, STEPS), ref, start=k)
    via_ours = torch_from_ours.run(k, STEPS)
    _assert_traj_close(via_ours, torch_from_torch.run(k, STEPS), start=k)
    if name != "NAdam":
        _assert_traj_close(via_ours, ref, start=k)


@pytest.mark.parametrize("name,hp", OPT_CASES, ids=OPT_IDS)
def test_float32_stays_float32_and_tracks_torch(name, hp):
    ours, theirs = Run("ours", name, hp, dtype=np.float32), Run("torch", name, hp, dtype=np.float32)
    for t in range(STEPS):
        ours.step(t)
        theirs.step(t)
        for key, p in ours.p.items():
            assert p.dtype == np.float32 and p.data.dtype == np.float32, (t, key)
        for st in ours.opt.state.values():
            for sk, v in st.items():
                if isinstance(v, np.ndarray):
                    assert v.dtype == np.float32, (t, sk)
    _assert_traj_close([ours.values()], [theirs.values()], rtol=2e-3, atol=2e-4)
    for st in ours.opt.state_dict()["state"].values():
        for sk, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32, sk


@pytest.mark.parametrize("name,hp", OPT_CASES[:: 3], ids=OPT_IDS[:: 3])
def test_with_scheduler_matches_torch(name, hp):
    """Changing lrs between steps (a per-group cosine schedule) moves the params as in PyTorch."""
    runs = []
    for lib in ("ours", "torch"):
        r = Run(lib, name, hp, late=False)
        mod = optim.lr_scheduler if lib == "ours" else torch.optim.lr_scheduler
        r.sched = mod.CosineAnnealingLR(r.opt, T_max=7, eta_min=hp["lr"] / 10)
        runs.append(r)
    _assert_traj_close(runs[0].run(0, STEPS), runs[1].run(0, STEPS))
    assert runs[0].sched.get_last_lr() == pytest.approx(runs[1].sched.get_last_lr(), rel=1e-12)


BIG = (1 << 17) * 2 + 3   # more than two of the update kernels' chunks, the last one partial


@pytest.mark.parametrize("name,hp", OPT_CASES[1:: 2], ids=OPT_IDS[1:: 2])
def test_chunked_fortran_order_and_mixed_dtypes_match_torch(name, hp):
    """One group holding a param split into chunks, an F-ordered one (non-contiguous grad too) and a float32 one."""
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal(BIG), np.asfortranarray(rng.standard_normal((7, 5))),
          rng.standard_normal(4).astype(np.float32)]
    ps = [ad.tensor(x, requires_grad=True) for x in xs]
    tps = [torch.tensor(x, requires_grad=True) for x in xs]
    opt, topt = getattr(optim, name)(ps, **hp), getattr(torch.optim, name)(tps, **hp)
    for _ in range(4):
        for p, tp in zip(ps, tps, strict=True):
            x, tx = p.data, tp.detach().numpy()
            g = np.cos(3 * x) + x
            p.grad = ad.tensor(g.T.copy().T if g.ndim == 2 else g)
            tp.grad = torch.tensor(np.cos(3 * tx) + tx)
        opt.step()
        topt.step()
    for i, (p, tp) in enumerate(zip(ps, tps, strict=True)):
        assert p.dtype == xs[i].dtype
        tol = dict(rtol=1e-5, atol=1e-6) if p.dtype == np.float32 else dict(rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(p.data, tp.detach().numpy(), err_msg=f"param {i}", **tol)
    assert not np.allclose(ps[0].data, xs[0])


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_semantics_match_torch(set_to_none):
    x = np.array([1.0, -2.0, 3.0])
    w, u = ad.tensor(x.copy(), requires_grad=True), ad.tensor(x.copy(), requires_grad=True)
    tw, tu = torch.tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
    opt, topt = optim.SGD([w, u], lr=0.1), torch.optim.SGD([tw, tu], lr=0.1)
    (w * w).sum().backward()
    (tw * tw).sum().backward()
    opt.zero_grad(set_to_none=set_to_none)
    topt.zero_grad(set_to_none=set_to_none)
    assert u.grad is None and tu.grad is None  # a param without a grad keeps none
    if set_to_none:
        assert w.grad is None and tw.grad is None
    else:
        assert w.grad is not None and w.grad.dtype == np.float64 and w.grad.shape == (3,)
        np.testing.assert_array_equal(w.grad.data, tw.grad.numpy())
    (w * w * w).sum().backward()       # accumulates onto the zeroed (or absent) grad
    (tw * tw * tw).sum().backward()
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy(), rtol=1e-15)
    opt.step()
    topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-15)
    np.testing.assert_array_equal(u.data, x)


def test_zero_grad_default_is_set_to_none():
    p = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([p])
    (p * 2).sum().backward()
    opt.zero_grad()
    assert p.grad is None


def test_add_param_group_fills_defaults_as_torch():
    x = np.ones(2)
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"):
        ours = getattr(optim, name)([ad.tensor(x, requires_grad=True)], lr=0.3)
        theirs = getattr(torch.optim, name)([torch.tensor(x, requires_grad=True)], lr=0.3)
        ours.add_param_group({"params": ad.tensor(x, requires_grad=True), "lr": 0.7, "weight_decay": 0.2})
        theirs.add_param_group({"params": torch.tensor(x, requires_grad=True), "lr": 0.7, "weight_decay": 0.2})
        assert ours.defaults == theirs.defaults, name
        og, tg = ours.state_dict()["param_groups"], theirs.state_dict()["param_groups"]
        assert og == tg, name
        assert og[1]["params"] == [1]


@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_nadam_mu_product_follows_the_default_dtype_as_torch(default):
    """PyTorch keeps NAdam's `mu_product` as a 0-d tensor of float32 unless the default dtype is float64,
    whatever the parameter's dtype: ours holds a 0-d array of the same dtype, rounded bit for bit alike."""
    saved, tsaved = ad.get_default_dtype(), torch.get_default_dtype()
    ad.set_default_dtype(default)
    torch.set_default_dtype(torch.float64 if default == np.float64 else torch.float32)
    try:
        for pdtype in (np.float32, np.float64):
            x = np.linspace(-1.0, 1.0, 5).astype(pdtype)
            p, tp = ad.tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
            hp = dict(lr=0.1, momentum_decay=0.3)
            opt, topt = optim.NAdam([p], **hp), torch.optim.NAdam([tp], **hp)
            for _ in range(6):
                p.grad = ad.tensor(np.cos(3 * p.data) + p.data)
                tp.grad = torch.tensor(np.cos(3 * tp.detach().numpy()) + tp.detach().numpy())
                opt.step()
                topt.step()
            mp, tmp = opt.state[p]["mu_product"], topt.state[tp]["mu_product"]
            assert isinstance(mp, np.ndarray) and mp.shape == () and mp.dtype == np.dtype(default), (pdtype, mp)
            assert tmp.numpy().dtype == mp.dtype and float(mp) == tmp.item(), pdtype
            tol = dict(rtol=1e-5, atol=1e-6) if pdtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(p.data, tp.detach().numpy(), **tol)
            assert p.dtype == pdtype and opt.state[p]["exp_avg"].dtype == pdtype
    finally:
        ad.set_default_dtype(saved)
        torch.set_default_dtype(tsaved)


# -------------------------------------------------------------------------------------- errors
BAD_HPARAMS = [
    ("SGD", dict(lr=-0.1)),
    ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1e-3)),
    ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1.0)),
    ("Adam", dict(eps=-1e-8)),
    ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(-0.1, 0.999))),
    ("Adam", dict(betas=(0.9, 1.0))),
    ("Adam", dict(betas=(0.9, -0.5))),
    ("Adam", dict(weight_decay=-0.1)),
    ("AdamW", dict(lr=-1e-3)),
    ("AdamW", dict(betas=(0.9, 1.5))),
    ("AdamW", dict(weight_decay=-0.01)),
    ("RMSprop", dict(lr=-0.01)),
    ("RMSprop", dict(eps=-1.0)),
    ("RMSprop", dict(momentum=-0.1)),
    ("RMSprop", dict(weight_decay=-0.1)),
    ("RMSprop", dict(alpha=-0.5)),
    ("Adagrad", dict(lr=-0.01)),
    ("Adagrad", dict(lr_decay=-0.1)),
    ("Adagrad", dict(weight_decay=-0.1)),
    ("Adagrad", dict(initial_accumulator_value=-0.1)),
    ("Adagrad", dict(eps=-1e-10)),
    ("Adadelta", dict(lr=-1.0)),
    ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1e-6)),
    ("Adadelta", dict(weight_decay=-0.1)),
    ("Adamax", dict(lr=-2e-3)),
    ("Adamax", dict(eps=-1e-8)),
    ("Adamax", dict(betas=(1.0, 0.999))),
    ("Adamax", dict(betas=(0.9, -0.1))),
    ("Adamax", dict(weight_decay=-0.1)),
    ("NAdam", dict(lr=-2e-3)),
    ("NAdam", dict(eps=-1.0)),
    ("NAdam", dict(betas=(-0.1, 0.999))),
    ("NAdam", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(weight_decay=-0.1)),
    ("NAdam", dict(momentum_decay=-4e-3)),
    ("NAdam", dict(weight_decay=-0.1, momentum_decay=-1.0)),   # the first failing check names the problem
    ("RAdam", dict(lr=-1e-3)),
    ("RAdam", dict(eps=-1e-8)),
    ("RAdam", dict(betas=(1.5, 0.999))),
    ("RAdam", dict(betas=(0.9, 1.0))),
    ("RAdam", dict(weight_decay=-0.1, decoupled_weight_decay=True)),
]


@pytest.mark.parametrize("name,hp", BAD_HPARAMS, ids=[f"{n}-{hp}" for n, hp in BAD_HPARAMS])
def test_bad_hyperparameters_raise_with_torch_wording(name, hp):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **hp)
    p = ad.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([p], **hp)
    assert str(ours.value).startswith(str(theirs.value)), (str(ours.value), str(theirs.value))


@pytest.mark.parametrize("name,hp", [("SGD", dict(lr=0.0, dampening=-0.5)), ("Adam", dict(lr=0.0, betas=(0.0, 0.0))),
                                     ("RMSprop", dict(alpha=0.0, momentum=0.0)), ("Adadelta", dict(rho=1.0)),
                                     ("Adamax", dict(lr=0.0, betas=(0.0, 0.0), eps=0.0)),
                                     ("NAdam", dict(momentum_decay=0.0, betas=(0.0, 0.0))),
                                     ("RAdam", dict(lr=0.0, betas=(0.0, 0.0), eps=0.0)),
                                     ("Adagrad", dict(lr=0.0, eps=0.0))])
def test_edge_hyperparameters_torch_accepts_are_accepted(name, hp):
    getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **hp)
    getattr(optim, name)([ad.tensor(np.ones(2), requires_grad=True)], **hp)


# ---------------------------------------------------------------------------------------- schedulers
def _lambda_halving(e):
    return 0.5 ** (e // 4)


class _Warmup:
    """A callable object (its `__dict__` goes into state_dict, unlike a plain function's)."""

    def __init__(self, n):
        self.n = n

    def __call__(self, e):
        return min(1.0, (e + 1) / self.n)


SCHED_CASES = [
    ("StepLR", lambda: dict(step_size=3, gamma=0.5)),
    ("StepLR", lambda: dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", lambda: dict(milestones=[9, 2, 5, 5], gamma=0.3)),
    ("ExponentialLR", lambda: dict(gamma=0.85)),
    ("CosineAnnealingLR", lambda: dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingLR", lambda: dict(T_max=1)),
    ("LambdaLR", lambda: dict(lr_lambda=_lambda_halving)),
    ("LambdaLR", lambda: dict(lr_lambda=[_Warmup(5), lambda e: 1.0 / (1 + e)])),
]
SCHED_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(SCHED_CASES)]
EPOCHS = 30


def _sched_pair(specs):
    """Ours and PyTorch's SGD with two groups, each with the schedulers `specs` [(name, kwargs), ...] chained."""
    out = []
    for lib, mod, omod in (("ours", optim, optim.lr_scheduler), ("torch", torch.optim, torch.optim.lr_scheduler)):
        mk = (lambda: ad.tensor(np.ones(2), requires_grad=True)) if lib == "ours" else (
            lambda: torch.ones(2, dtype=torch.float64, requires_grad=True))
        opt = mod.SGD([{"params": [mk()]}, {"params": [mk()], "lr": 0.02}], lr=0.1, momentum=0.5)
        scheds = [getattr(omod, n)(opt, **kw) for n, kw in specs]
        out.append((opt, scheds))
    return out


def _epoch(opt, scheds):
    opt.step()
    for s in scheds:
        s.step()
    return [g["lr"] for g in opt.param_groups]


@pytest.mark.parametrize("name,kw", SCHED_CASES, ids=SCHED_IDS)
def test_scheduler_lrs_and_state_dict_match_torch(name, kw):
    (opt, (s,)), (topt, (ts,)) = _sched_pair([(name, kw())])
    assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)
    for e in range(EPOCHS):
        lrs, tlrs = _epoch(opt, [s]), _epoch(topt, [ts])
        assert lrs == pytest.approx(tlrs, rel=1e-12, abs=1e-15), e
        assert s.get_last_lr() == lrs
        assert s.last_epoch == ts.last_epoch == e + 1
    sd, tsd = s.state_dict(), ts.state_dict()
    assert set(sd) == set(tsd) - {"_get_lr_called_within_step"}
    for k in ("base_lrs", "_last_lr", "last_epoch", "_step_count"):
        assert sd[k] == pytest.approx(tsd[k], rel=1e-12), k
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.02]


@pytest.mark.parametrize("name,kw", SCHED_CASES, ids=SCHED_IDS)
def test_scheduler_resume_from_state_dicts(name, kw):
    """Save optimizer + scheduler mid-run, rebuild both, load, go on: the same lrs as without the break."""
    (opt, (s,)), _ = _sched_pair([(name, kw())])
    for _ in range(11):
        _epoch(opt, [s])
    osd, ssd = opt.state_dict(), s.state_dict()
    expected = [_epoch(opt, [s]) for _ in range(EPOCHS - 11)]
    (opt2, (s2,)), _ = _sched_pair([(name, kw())])
    opt2.load_state_dict(osd)
    s2.load_state_dict(ssd)
    assert s2.get_last_lr() == ssd["_last_lr"]
    got = [_epoch(opt2, [s2]) for _ in range(EPOCHS - 11)]
    assert got == expected


@pytest.mark.parametrize("name,kw", SCHED_CASES, ids=SCHED_IDS)
def test_torch_scheduler_state_dict_loads_into_ours(name, kw):
    (opt, (s,)), (topt, (ts,)) = _sched_pair([(name, kw())])
    for _ in range(8):
        _epoch(topt, [ts])
    opt.load_state_dict(_torch_sd_to_ours(topt.state_dict()))
    s.load_state_dict(copy.deepcopy(ts.state_dict()))
    for e in range(EPOCHS - 8):
        assert _epoch(opt, [s]) == pytest.approx(_epoch(topt, [ts]), rel=1e-12), e


CHAINS = [
    [("StepLR", dict(step_size=4, gamma=0.5)), ("ExponentialLR", dict(gamma=0.95))],
    [("CosineAnnealingLR", dict(T_max=6, eta_min=0.005)), ("MultiStepLR", dict(milestones=[3, 10], gamma=0.5))],
    [("LambdaLR", dict(lr_lambda=_lambda_halving)), ("StepLR", dict(step_size=5, gamma=0.1))],
]


@pytest.mark.parametrize("specs", CHAINS, ids=["step+exp", "cos+multistep", "lambda+step"])
def test_chained_schedulers_match_torch(specs):
    (opt, scheds), (topt, tscheds) = _sched_pair(specs)
    for e in range(EPOCHS):
        assert _epoch(opt, scheds) == pytest.approx(_epoch(topt, tscheds), rel=1e-12), e
        for s, ts in zip(scheds, tscheds, strict=True):
            assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)


@pytest.mark.parametrize("name,kw", [c for c in SCHED_CASES if c[0] != "LambdaLR"],
                         ids=[i for i, c in zip(SCHED_IDS, SCHED_CASES, strict=True) if c[0] != "LambdaLR"])
def test_step_with_epoch_uses_closed_form_as_torch(name, kw):
    (opt, (s,)), (topt, (ts,)) = _sched_pair([(name, kw())])
    for e in [3, 4, 9, 2, 15, 0, 21]:
        with pytest.warns(UserWarning, match="epoch parameter"):
            s.step(e)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts.step(e)
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12), e
        assert s.last_epoch == ts.last_epoch == e


@pytest.mark.parametrize("name,kw", SCHED_CASES, ids=SCHED_IDS)
def test_resume_with_last_epoch_matches_torch(name, kw):
    """A scheduler rebuilt with `last_epoch=k` on the running optimizer continues as PyTorch's does."""
    (opt, (s,)), (topt, (ts,)) = _sched_pair([(name, kw())])
    for _ in range(4):
        _epoch(opt, [s])
        _epoch(topt, [ts])
    s2 = getattr(optim.lr_scheduler, name)(opt, last_epoch=s.last_epoch, **kw())
    ts2 = getattr(torch.optim.lr_scheduler, name)(topt, last_epoch=ts.last_epoch, **kw())
    assert s2.get_last_lr() == pytest.approx(ts2.get_last_lr(), rel=1e-12)
    assert s2.last_epoch == ts2.last_epoch
    for e in range(12):
        assert _epoch(opt, [s2]) == pytest.approx(_epoch(topt, [ts2]), rel=1e-12), e


PLATEAU_CASES = [
    dict(mode="min", factor=0.5, patience=2, threshold=0.01, cooldown=1),
    dict(mode="min", factor=0.1, patience=0, threshold=0.05, threshold_mode="abs", min_lr=[0.001, 0.0001]),
    dict(mode="max", factor=0.3, patience=1, threshold=0.0, min_lr=0.004, eps=1e-3),
    dict(mode="max", factor=0.0, patience=3, threshold=0.1, threshold_mode="abs", cooldown=2),
]


@pytest.mark.parametrize("kw", PLATEAU_CASES, ids=[str(i) for i in range(len(PLATEAU_CASES))])
def test_reduce_lr_on_plateau_matches_torch(kw):
    (opt, (s,)), (topt, (ts,)) = _sched_pair([("ReduceLROnPlateau", kw)])
    metrics = [1.0, 0.9, 0.95, 0.95, 0.91, 0.8, 0.8, 0.8, 0.8, 0.79, 0.5, 0.5, 0.6, 0.7, 0.7, 0.7, 0.75,
               0.2, 0.2, 0.2, 0.2, 0.2, 1.5, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6]
    half = None
    for e, m in enumerate(metrics):
        opt.step()
        topt.step()
        s.step(m)
        ts.step(m)
        lrs = [g["lr"] for g in opt.param_groups]
        assert lrs == pytest.approx([g["lr"] for g in topt.param_groups], rel=1e-12), e
        assert s.get_last_lr() == lrs
        for k in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            assert getattr(s, k) == getattr(ts, k), (e, k)
        if e == 12:
            half = (opt.state_dict(), s.state_dict(), e)
    assert opt.param_groups[0]["lr"] < 0.1  # it did reduce
    sd, tsd = s.state_dict(), ts.state_dict()
    assert set(sd) == set(tsd)
    (opt2, (s2,)), _ = _sched_pair([("ReduceLROnPlateau", {})])
    opt2.load_state_dict(half[0])
    s2.load_state_dict(half[1])
    for m in metrics[half[2] + 1:]:
        opt2.step()
        s2.step(m)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]
    assert s2.best == s.best and s2.num_bad_epochs == s.num_bad_epochs


def test_reduce_lr_on_plateau_after_add_param_group_matches_torch():
    (opt, (s,)), (topt, (ts,)) = _sched_pair([("ReduceLROnPlateau", dict(patience=0, min_lr=0.003))])
    opt.add_param_group({"params": [ad.tensor(np.ones(2), requires_grad=True)], "lr": 0.5})
    topt.add_param_group({"params": [torch.ones(2, requires_grad=True)], "lr": 0.5})
    for e, m in enumerate([1.0, 2.0, 2.0, 0.5, 0.6, 0.7, 0.8]):
        s.step(m)
        ts.step(m)
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12), e
    assert len(s.get_last_lr()) == 3 and s.min_lrs == ts.min_lrs


def test_reduce_lr_on_plateau_takes_a_0d_tensor_metric():
    (opt, (s,)), (topt, (ts,)) = _sched_pair([("ReduceLROnPlateau", dict(patience=0))])
    for m in [1.0, 2.0, 3.0]:
        s.step(ad.tensor(np.array([m, m])).mean())
        ts.step(torch.tensor([m, m]).mean())
    assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
    assert s.best == ts.best == 1.0


def _sgd_pair():
    return (optim.SGD([{"params": [ad.tensor(np.ones(2), requires_grad=True)]},
                       {"params": [ad.tensor(np.ones(2), requires_grad=True)]}], lr=0.1),
            torch.optim.SGD([{"params": [torch.ones(2, requires_grad=True)]},
                             {"params": [torch.ones(2, requires_grad=True)]}], lr=0.1))


BAD_SCHED = [
    ("LambdaLR", dict(lr_lambda=[_lambda_halving] * 3)),
    ("ReduceLROnPlateau", dict(factor=1.0)),
    ("ReduceLROnPlateau", dict(mode="minimum")),
    ("ReduceLROnPlateau", dict(threshold_mode="relative")),
    ("ReduceLROnPlateau", dict(min_lr=[0.1, 0.2, 0.3])),
]


@pytest.mark.parametrize("name,kw", BAD_SCHED, ids=[f"{n}-{kw}" for n, kw in BAD_SCHED])
def test_bad_scheduler_arguments_raise_with_torch_wording(name, kw):
    opt, topt = _sgd_pair()
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    with pytest.raises(ValueError) as ours:
        getattr(optim.lr_scheduler, name)(opt, **kw)
    assert str(ours.value).startswith(str(theirs.value)), (str(ours.value), str(theirs.value))


def test_resume_without_initial_lr_raises_as_torch():
    opt, topt = _sgd_pair()
    with pytest.raises(KeyError) as theirs:
        torch.optim.lr_scheduler.StepLR(topt, step_size=2, last_epoch=3)
    with pytest.raises(KeyError) as ours:
        optim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    first = theirs.value.args[0].split(".")[0]
    assert ours.value.args[0].startswith(first)
    assert "initial_lr" not in opt.param_groups[0]
    assert math.isclose(opt.param_groups[0]["lr"], 0.1)
