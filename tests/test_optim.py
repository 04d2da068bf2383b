"""optim: every optimizer and option against its update equations written out in NumPy (and against
torch.optim when installed), convergence on an ill-conditioned quadratic and on Rosenbrock's function,
per-group hyperparameters, and the in-place / dtype / skipping / version-counter contract of `step`."""
import inspect
import math

import numpy as np
import pytest

import autodiff as ad
import optim
from optim import _foreach

# ---------------------------------------------------------------------------------------------------
# The update equations, written out independently of optim/ (textbook forms, float64).
# Each takes the parameter p, its gradient g, the parameter's state dict, the full hyperparameters and
# the step number t (1-based) and returns the new p.


def ref_sgd(p, g, st, hp, t):
    g = -g if hp["maximize"] else g
    g = g + hp["weight_decay"] * p
    if hp["momentum"]:
        if t == 1:
            st["buf"] = g.copy()
        else:
            st["buf"] = hp["momentum"] * st["buf"] + (1 - hp["dampening"]) * g
        g = g + hp["momentum"] * st["buf"] if hp["nesterov"] else st["buf"]
    return p - hp["lr"] * g


def ref_adagrad(p, g, st, hp, t):
    g = -g if hp["maximize"] else g
    g = g + hp["weight_decay"] * p
    st.setdefault("sum", np.full_like(p, hp["initial_accumulator_value"]))
    st["sum"] = st["sum"] + g * g
    clr = hp["lr"] / (1 + (t - 1) * hp["lr_decay"])
    return p - clr * g / (np.sqrt(st["sum"]) + hp["eps"])


def ref_rmsprop(p, g, st, hp, t):
    a = hp["alpha"]
    g = -g if hp["maximize"] else g
    g = g + hp["weight_decay"] * p
    st["sq"] = a * st.get("sq", 0.0) + (1 - a) * g * g
    if hp["centered"]:
        st["ga"] = a * st.get("ga", 0.0) + (1 - a) * g
        avg = np.sqrt(st["sq"] - st["ga"] ** 2) + hp["eps"]
    else:
        avg = np.sqrt(st["sq"]) + hp["eps"]
    if hp["momentum"] > 0:
        st["buf"] = hp["momentum"] * st.get("buf", 0.0) + g / avg
        return p - hp["lr"] * st["buf"]
    return p - hp["lr"] * g / avg


def ref_adadelta(p, g, st, hp, t):
    rho, eps = hp["rho"], hp["eps"]
    g = -g if hp["maximize"] else g
    g = g + hp["weight_decay"] * p
    st["sq"] = rho * st.get("sq", 0.0) + (1 - rho) * g * g
    delta = np.sqrt(st.get("acc", 0.0) + eps) / np.sqrt(st["sq"] + eps) * g
    st["acc"] = rho * st.get("acc", 0.0) + (1 - rho) * delta * delta
    return p - hp["lr"] * delta


def ref_adam(p, g, st, hp, t):
    b1, b2 = hp["betas"]
    g = -g if hp["maximize"] else g
    if hp["decoupled_weight_decay"]:
        p = p * (1 - hp["lr"] * hp["weight_decay"])
    else:
        g = g + hp["weight_decay"] * p
    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
    v = st["v"]
    if hp["amsgrad"]:
        v = st["vmax"] = np.maximum(st.get("vmax", 0.0), v)
    m_hat = st["m"] / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return p - hp["lr"] * m_hat / (np.sqrt(v_hat) + hp["eps"])


def ref_adamax(p, g, st, hp, t):
    b1, b2 = hp["betas"]
    g = -g if hp["maximize"] else g
    g = g + hp["weight_decay"] * p
    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    st["u"] = np.maximum(b2 * st.get("u", 0.0), np.abs(g) + hp["eps"])
    return p - hp["lr"] / (1 - b1 ** t) * st["m"] / st["u"]


def _decay(p, g, hp):
    """(p, g) after weight decay: p shrunk (decoupled, AdamW-style) or the L2 term added to g."""
    if hp["decoupled_weight_decay"]:
        return p * (1 - hp["lr"] * hp["weight_decay"]), g
    return p, g + hp["weight_decay"] * p


def ref_nadam(p, g, st, hp, t):
    b1, b2 = hp["betas"]
    g = -g if hp["maximize"] else g
    p, g = _decay(p, g, hp)
    mu = b1 * (1 - 0.5 * 0.96 ** (t * hp["momentum_decay"]))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * hp["momentum_decay"]))
    # PyTorch keeps the product of the mu's in float32 (its default scalar dtype), so the reference does too
    st["mu_prod"] = np.float32(st.get("mu_prod", np.float32(1.0)) * np.float32(mu))
    prod = float(st["mu_prod"])
    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
    denom = np.sqrt(st["v"] / (1 - b2 ** t)) + hp["eps"]
    nesterov_m = (1 - mu) / (1 - prod) * g + mu_next / (1 - prod * mu_next) * st["m"]
    return p - hp["lr"] * nesterov_m / denom


def ref_radam(p, g, st, hp, t):
    b1, b2 = hp["betas"]
    g = -g if hp["maximize"] else g
    p, g = _decay(p, g, hp)
    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
    m_hat = st["m"] / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho <= 5:
        return p - hp["lr"] * m_hat
    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    adaptive_lr = math.sqrt(1 - b2 ** t) / (np.sqrt(st["v"]) + hp["eps"])
    return p - hp["lr"] * m_hat * adaptive_lr * r


# PyTorch's defaults, written out (test_defaults_and_signatures_match_torch checks them against torch).
DEFAULTS = {
    "SGD": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False),
    "Adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False),
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False),
    "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False),
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
                 decoupled_weight_decay=False),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False,
                  decoupled_weight_decay=True),
    "Adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False),
    "NAdam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                  decoupled_weight_decay=False, maximize=False),
    "RAdam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                  maximize=False),
}
REF = {"SGD": ref_sgd, "Adagrad": ref_adagrad, "RMSprop": ref_rmsprop, "Adadelta": ref_adadelta,
       "Adam": ref_adam, "AdamW": ref_adam, "Adamax": ref_adamax, "NAdam": ref_nadam, "RAdam": ref_radam}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.8, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.6), amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.05, betas=(0.5, 0.6), eps=1e-3, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.02, betas=(0.8, 0.9), momentum_decay=0.3, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),                                  # rectified from step 6 (the last)
    ("RAdam", dict(lr=0.02, betas=(0.5, 0.5), weight_decay=0.1)),   # rho_inf = 3: never rectified
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
IDS = [f"{n}-" + ",".join(f"{k}={v}" for k, v in hp.items()) for n, hp in CASES]
STEPS = 6


def problem(shapes, seed=0):
    """Per parameter: f(p) = sum(A p^2 / 2 + B p) with A > 0; gradient A p + B (changes every step)."""
    rng = np.random.default_rng(seed)
    x0 = [rng.standard_normal(s) for s in shapes]
    a = [rng.uniform(0.5, 2.0, s) for s in shapes]
    b = [rng.standard_normal(s) for s in shapes]
    return x0, a, b


def run_ours(name, hp, x0, a, b, steps, dtype=np.float64, with_unused=True):
    """Our optimizer, gradients from autodiff; returns the params after each step, the params, the optimizer."""
    ps = [ad.tensor(np.array(x, dtype=dtype), requires_grad=True) for x in x0]
    ca = [ad.tensor(np.array(x, dtype=dtype)) for x in a]
    cb = [ad.tensor(np.array(x, dtype=dtype)) for x in b]
    unused = ad.tensor(np.ones(3, dtype=dtype), requires_grad=True)
    opt = getattr(optim, name)(ps + [unused] if with_unused else ps, **hp)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss = sum(((0.5 * ai * p * p) + bi * p).sum() for p, ai, bi in zip(ps, ca, cb, strict=True))
        loss.backward()
        assert unused.grad is None
        opt.step()
        traj.append([p.data.copy() for p in ps])
    if with_unused:  # a parameter without a gradient is left alone
        assert np.array_equal(unused.data, np.ones(3))
        assert not opt.state.get(unused) or opt.state[unused]["step"] == 0
    return traj, ps, opt


def run_ref(name, hp, x0, a, b, steps):
    full = {**DEFAULTS[name], **hp}
    ps = [np.array(x, dtype=np.float64) for x in x0]
    states = [{} for _ in ps]
    traj = []
    for t in range(1, steps + 1):
        ps = [REF[name](p, ai * p + bi, st, full, t) for p, ai, bi, st in zip(ps, a, b, states, strict=True)]
        traj.append([p.copy() for p in ps])
    return traj


@pytest.mark.parametrize("name,hp", CASES, ids=IDS)
def test_matches_update_equations(name, hp):
    x0, a, b = problem([(3, 4), (4,), ()])
    ours, _, _ = run_ours(name, hp, x0, a, b, STEPS)
    ref = run_ref(name, hp, x0, a, b, STEPS)
    for t, (po, pr) in enumerate(zip(ours, ref, strict=True)):
        for i, (u, v) in enumerate(zip(po, pr, strict=True)):
            np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12, err_msg=f"step {t + 1}, param {i}")
    assert not np.allclose(ours[-1][0], x0[0])  # it moved


@pytest.mark.parametrize("name,hp", CASES, ids=IDS)
def test_matches_torch(name, hp):
    torch = pytest.importorskip("torch")
    x0, a, b = problem([(3, 4), (4,), ()], seed=1)
    ours, _, _ = run_ours(name, hp, x0, a, b, STEPS, with_unused=False)
    tps = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in x0]
    ta = [torch.tensor(x, dtype=torch.float64) for x in a]
    tb = [torch.tensor(x, dtype=torch.float64) for x in b]
    topt = getattr(torch.optim, name)(tps, **hp)
    for t in range(STEPS):
        topt.zero_grad()
        loss = sum(((0.5 * ai * p * p) + bi * p).sum() for p, ai, bi in zip(tps, ta, tb, strict=True))
        loss.backward()
        topt.step()
        for i, (u, p) in enumerate(zip(ours[t], tps, strict=True)):
            np.testing.assert_allclose(u, p.detach().numpy(), rtol=1e-6, atol=1e-12, err_msg=f"step {t + 1}, param {i}")


@pytest.mark.parametrize("name,hp", [CASES[1], CASES[6], CASES[9], CASES[13], CASES[16], CASES[21], CASES[25],
                                     CASES[27], CASES[30], CASES[31], CASES[34]],
                         ids=lambda x: x if isinstance(x, str) else None)
def test_chunked_and_odd_layouts_match_equations(name, hp):
    """A parameter bigger than the chunk (ragged last chunk), a Fortran-ordered one, a 0-d one."""
    n = 2 * _foreach.CHUNK + 123
    x0, a, b = problem([(n,), (5, 7), ()], seed=2)
    x0[1] = np.asfortranarray(x0[1])
    ref = run_ref(name, hp, x0, a, b, 3)
    ps = [ad.tensor(np.zeros(1), requires_grad=True) for _ in x0]
    for p, x in zip(ps, x0, strict=True):
        p.data = x.copy(order="K")
    assert ps[1].data.flags.f_contiguous and not ps[1].data.flags.c_contiguous
    opt = getattr(optim, name)(ps, **hp)
    for t in range(3):
        for p, ai, bi in zip(ps, a, b, strict=True):  # gradients assigned directly: a broadcast one too
            g = ai * p.data + bi
            p.grad = ad.tensor(g) if g.ndim else ad.Tensor._wrap(np.float64(g))
        opt.step()
        for i, (p, r) in enumerate(zip(ps, ref[t], strict=True)):
            np.testing.assert_allclose(p.data, r, rtol=1e-10, atol=1e-12, err_msg=f"step {t + 1}, param {i}")


@pytest.mark.parametrize("name,hp", CASES, ids=IDS)
def test_float32_stays_float32_in_place(name, hp):
    x0, a, b = problem([(3, 4), (4,)], seed=3)
    ps = [ad.tensor(np.array(x, dtype=np.float32), requires_grad=True) for x in x0]
    arrays = [p.data for p in ps]
    opt = getattr(optim, name)(ps, **hp)
    ref = run_ref(name, hp, x0, a, b, 3)
    for _ in range(3):
        versions = [p._version for p in ps]
        for p, ai, bi in zip(ps, a, b, strict=True):
            p.grad = ad.tensor((ai * p.data + bi).astype(np.float32))
        opt.step()
        assert all(p._version == v + 1 for p, v in zip(ps, versions, strict=True))  # version bumped
    for p, arr, r in zip(ps, arrays, ref[-1], strict=True):
        assert p.data is arr and p.dtype == np.float32  # updated in place, dtype kept
        np.testing.assert_allclose(p.data, r, rtol=2e-4, atol=1e-5)
        for k, v in opt.state[p].items():
            if isinstance(v, np.ndarray):  # NAdam's mu_product is 0-d (and float32 here, as the default dtype)
                assert v.dtype == np.float32 and v.shape == (() if k == "mu_product" else p.shape), k


def test_radam_rectification_switches_on_at_step_six():
    """A constant gradient g makes m_hat = g and v_hat = g * g: steps 1-5 (rho_t <= 5 for beta2 = 0.999) move p
    by lr * g, as momentum SGD; from step 6 by the rectified adaptive step lr * r_t * sign(g), which is far
    smaller at first (r_6 ~ 0.026). The parameter spans three of the update kernel's chunks."""
    lr, b2 = 0.1, 0.999
    g = np.random.default_rng(5).uniform(0.5, 2.0, 2 * _foreach.CHUNK + 7)
    g[::3] *= -1
    p = ad.tensor(np.zeros_like(g), requires_grad=True)
    opt = optim.RAdam([p], lr=lr)
    rho_inf = 2 / (1 - b2) - 1
    for t in range(1, 10):
        before = p.data.copy()
        p.grad = ad.tensor(g)
        opt.step()
        move = before - p.data
        rho = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if t <= 5:
            assert rho <= 5
            np.testing.assert_allclose(move, lr * g, rtol=1e-12, err_msg=f"step {t}")
        else:
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            assert rho > 5 and 0 < r < 0.2
            np.testing.assert_allclose(move, lr * r * np.sign(g), rtol=1e-6, err_msg=f"step {t}")


def test_float64_gradient_for_float32_param_is_cast():
    p = ad.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    p.grad = ad.tensor(np.full(3, 0.5))
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    assert p.dtype == np.float32 and opt.state[p]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(p.data, 0.9, rtol=1e-6)


def test_gradient_is_never_written():
    g = np.array([1.0, -2.0, 3.0])
    for name, hp in CASES:
        p = ad.tensor(np.array([0.5, 1.5, -1.0]), requires_grad=True)
        p.grad = ad.Tensor._wrap(g)
        opt = getattr(optim, name)([p], **hp)
        opt.step()
        opt.step()
        assert np.array_equal(g, [1.0, -2.0, 3.0]), name


def test_stale_graph_detected_after_step():
    p = ad.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    y = (p * p).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ---------------------------------------------------------------------------------------------------
# Convergence.


def quadratic(xy):
    return xy[0] ** 2 / 20 + xy[1] ** 2


QUAD = [
    ("SGD", dict(lr=0.4), 300),
    ("SGD", dict(lr=0.05, momentum=0.9), 300),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), 300),
    ("Adagrad", dict(lr=1.0), 300),
    ("RMSprop", dict(lr=0.05), 300),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True), 400),
    ("Adadelta", dict(lr=1.0, eps=1e-3), 400),
    ("Adam", dict(lr=0.3), 300),
    ("AdamW", dict(lr=0.3, weight_decay=1e-3), 300),
    ("Adamax", dict(lr=0.3), 300),
    ("NAdam", dict(lr=0.3), 300),
    ("RAdam", dict(lr=0.5), 300),
]


@pytest.mark.parametrize("name,hp,steps", QUAD, ids=[f"{n}-{hp}" for n, hp, _ in QUAD])
def test_converges_on_ill_conditioned_quadratic(name, hp, steps):
    xy = ad.tensor(np.array([-7.0, 2.0]), requires_grad=True)
    opt = getattr(optim, name)([xy], **hp)

    def closure():
        opt.zero_grad()
        loss = quadratic(xy)
        loss.backward()
        return loss

    first = opt.step(closure).item()
    assert first == pytest.approx(49 / 20 + 4)  # step returns the closure's loss, computed before the update
    for _ in range(steps - 1):
        opt.step(closure)
    assert np.abs(xy.data).max() < 1e-3, xy.data


def rosenbrock_grad(x, y):
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


ROSEN = [
    ("SGD", dict(lr=1e-3, momentum=0.9), 4000, None),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True), 4000, None),
    ("Adagrad", dict(lr=0.5), 10000, None),
    ("RMSprop", dict(lr=3e-4, momentum=0.9), 4000, None),
    ("Adadelta", dict(lr=0.3), 10000, "cosine"),  # Adadelta alone has a noise floor: anneal its lr
    ("Adam", dict(lr=0.05), 3000, None),
    ("AdamW", dict(lr=0.05, weight_decay=0.0), 3000, None),
    ("Adamax", dict(lr=0.1), 4000, None),
    ("NAdam", dict(lr=0.01, betas=(0.9, 0.99)), 4000, "cosine"),
    # (not RAdam: its first five steps are plain momentum steps of lr * g, and Rosenbrock's g is ~200 there)
]


@pytest.mark.parametrize("name,hp,steps,sched", ROSEN, ids=[f"{n}-{hp}" for n, hp, _, _ in ROSEN])
def test_converges_on_rosenbrock(name, hp, steps, sched):
    xy = ad.tensor(np.array([-1.2, 1.0]), requires_grad=True)  # Rosenbrock's classic start
    opt = getattr(optim, name)([xy], **hp)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if sched else None
    for _ in range(steps):
        xy.grad = ad.tensor(rosenbrock_grad(*xy.data))
        opt.step()
        if scheduler:
            scheduler.step()
    assert np.abs(xy.data - 1).max() < 5e-3, xy.data


# ---------------------------------------------------------------------------------------------------
# Parameter groups.


def test_per_group_learning_rates_sgd():
    w1 = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w2 = ad.tensor(np.array([3.0]), requires_grad=True)
    w3 = ad.tensor(np.array([-1.0, 0.5]), requires_grad=True)
    opt = optim.SGD([{"params": [w1], "lr": 0.5}, {"params": w2}, {"params": [w3], "lr": 0.01, "momentum": 0.9}],
                    lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1, 0.01]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0, 0.9]
    for _ in range(2):
        for w in (w1, w2, w3):
            w.grad = ad.tensor(np.ones_like(w.data))
        opt.step()
    np.testing.assert_allclose(w1.data, [1.0 - 2 * 0.5, 2.0 - 2 * 0.5])
    np.testing.assert_allclose(w2.data, [3.0 - 2 * 0.1])
    np.testing.assert_allclose(w3.data, np.array([-1.0, 0.5]) - 0.01 * (1 + (0.9 + 1)))  # buf: 1, then 1.9
    assert w1 not in opt.state or not opt.state[w1]  # no momentum buffer without momentum


def test_per_group_learning_rates_adam_and_changing_lr():
    w1 = ad.tensor(np.array([1.0]), requires_grad=True)
    w2 = ad.tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Adam([{"params": [w1], "lr": 0.1}, {"params": [w2], "lr": 0.01}])
    w1.grad = ad.tensor(np.array([2.0]))
    w2.grad = ad.tensor(np.array([2.0]))
    opt.step()  # first Adam step moves each coordinate by lr * g / (|g| + eps') ~ lr
    np.testing.assert_allclose(w1.data, [0.9], rtol=1e-6)
    np.testing.assert_allclose(w2.data, [0.99], rtol=1e-6)
    opt.param_groups[1]["lr"] = 0.5  # changing a group's lr takes effect at the next step
    opt.step()
    np.testing.assert_allclose(w2.data, [0.49], rtol=1e-6)


def test_add_param_group_and_named_params():
    w1 = ad.tensor(np.ones(2), requires_grad=True)
    w2 = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w1], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": w2, "lr": 0.2})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"] == [w2] or opt.param_groups[1]["params"][0] is w2
    named = optim.Adam([("a", w1), ("b", w2)], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["a", "b"]
    assert named.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]
    adagrad = optim.Adagrad([w1], initial_accumulator_value=0.3)
    adagrad.add_param_group({"params": [w2], "initial_accumulator_value": 0.7})
    assert np.array_equal(adagrad.state[w2]["sum"], [0.7, 0.7]) and adagrad.state[w2]["step"] == 0


def test_user_group_dict_is_not_modified():
    w = ad.tensor(np.ones(2), requires_grad=True)
    group = {"params": [w], "lr": 0.5}
    opt = optim.SGD([group], lr=0.1)
    assert group == {"params": [w], "lr": 0.5}
    assert opt.param_groups[0]["momentum"] == 0


# ---------------------------------------------------------------------------------------------------
# Base-class behaviour.


def test_zero_grad():
    w = ad.tensor(np.ones(3), requires_grad=True)
    v = ad.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w, v], lr=0.1)
    (w * w).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and np.array_equal(w.grad.data, np.zeros(3)) and v.grad is None
    assert np.array_equal(g.data, 2 * np.ones(3))  # the old gradient array was not written to
    opt.zero_grad()
    assert w.grad is None


def test_step_without_gradients_is_a_no_op_and_closure_runs_with_grad_enabled():
    w = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    assert opt.step() is None
    assert np.array_equal(w.data, np.ones(2)) and not opt.state.get(w)
    seen = []

    def closure():
        seen.append(ad.is_grad_enabled())
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ad.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 2.0 and np.all(w.data < 1)


def test_gradient_shape_mismatch_raises_and_changes_nothing():
    w1 = ad.tensor(np.ones(3), requires_grad=True)
    w2 = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w1, w2], lr=0.1, momentum=0.9)
    w1.grad = ad.tensor(np.ones(3))
    w2.grad = ad.tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"param 1 in group 0 has shape \(3,\) but the parameter has shape \(2,\)"):
        opt.step()
    assert np.array_equal(w1.data, np.ones(3)) and not opt.state.get(w1)


def test_repr_lists_groups():
    w = ad.tensor(np.ones(2), requires_grad=True)
    text = repr(optim.SGD([w], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text and "momentum: 0.9" in text


def test_rumelhart_momentum_rule_is_sgd_with_momentum():
    """Δw(t) = -ε ∂E/∂w + α Δw(t-1) (Rumelhart, Hinton & Williams) == SGD(lr=ε, momentum=α)."""
    eps_, alpha = 0.1, 0.8
    x0, a, b = problem([(5,)], seed=4)
    w = ad.tensor(x0[0].copy(), requires_grad=True)
    opt = optim.SGD([w], lr=eps_, momentum=alpha)
    wr, dw = x0[0].copy(), np.zeros(5)
    for _ in range(10):
        w.grad = ad.tensor(a[0] * w.data + b[0])
        opt.step()
        dw = -eps_ * (a[0] * wr + b[0]) + alpha * dw
        wr = wr + dw
    np.testing.assert_allclose(w.data, wr, rtol=1e-12)


def test_defaults_and_signatures_match_torch():
    for name, defaults in DEFAULTS.items():
        opt = getattr(optim, name)([ad.tensor(np.ones(1), requires_grad=True)])
        group = opt.param_groups[0]
        for k, v in defaults.items():
            assert group[k] == v, (name, k)
    torch = pytest.importorskip("torch")
    for name in DEFAULTS:
        ours = inspect.signature(getattr(optim, name))
        theirs = inspect.signature(getattr(torch.optim, name))
        assert list(ours.parameters) == list(theirs.parameters), name
        for pname, par in theirs.parameters.items():
            assert ours.parameters[pname].kind == par.kind, (name, pname)
            if par.default is not inspect.Parameter.empty:
                d = par.default
                assert ours.parameters[pname].default == d or (isinstance(d, float) and math.isclose(
                    ours.parameters[pname].default, d)), (name, pname)
        tgroup = getattr(torch.optim, name)([torch.ones(1, requires_grad=True)]).param_groups[0]
        assert set(tgroup) == set(getattr(optim, name)([ad.tensor(np.ones(1), requires_grad=True)]).param_groups[0])
