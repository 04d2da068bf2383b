"""optim: state_dict / load_state_dict (bit-for-bit resume, validation that changes nothing) and the errors
raised for bad hyperparameters and bad parameter lists."""
import copy

import numpy as np
import pytest

import autodiff as ad
import optim

RESUME_CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adadelta", dict(weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.1, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),   # resumed at step 4: the rectified steps (from 6) run after the load
]


def make_params(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in [(4, 3), (3,), (2, 2)]]


def make_optimizer(name, hp, params):
    """Two groups (the second with its own lr) so indices and per-group state are exercised."""
    return getattr(optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": hp.get("lr", 1.0) * 0.5}],
                                **hp)


def train(params, opt, steps, t0, scheduler=None):
    """Loss sum(sin(t p) * p^2) with the step number t: gradients differ every step."""
    for t in range(t0, t0 + steps):
        opt.zero_grad()
        loss = sum((ad.sin(p * (0.1 * (t + 1))) * p * p).sum() for p in params)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()


@pytest.mark.parametrize("name,hp", RESUME_CASES, ids=[f"{n}-{hp}" for n, hp in RESUME_CASES])
def test_resume_from_state_dict_is_bit_identical(name, hp):
    n, k = 9, 4
    init = make_params()
    full = [ad.tensor(x.copy(), requires_grad=True) for x in init]
    opt_full = make_optimizer(name, hp, full)
    train(full, opt_full, n, 0)

    part = [ad.tensor(x.copy(), requires_grad=True) for x in init]
    opt_part = make_optimizer(name, hp, part)
    train(part, opt_part, k, 0)
    saved = opt_part.state_dict()
    saved_params = [p.data.copy() for p in part]
    snapshot = copy.deepcopy(saved)
    train(part, opt_part, 2, k)  # later steps do not change the saved dict (it is a snapshot)
    for i, st in snapshot["state"].items():
        for key, v in st.items():
            assert np.array_equal(saved["state"][i][key], v), (i, key)

    fresh = [ad.tensor(x, requires_grad=True) for x in saved_params]
    opt_fresh = make_optimizer(name, {**hp, "lr": 123.0}, fresh)  # hyperparameters come from the state dict
    opt_fresh.load_state_dict(saved)
    assert opt_fresh.param_groups[0]["lr"] == opt_part.param_groups[0]["lr"]
    train(fresh, opt_fresh, n - k, k)
    for i, (a, b) in enumerate(zip(full, fresh, strict=True)):
        assert a.dtype == b.dtype == np.float32
        assert np.array_equal(a.data, b.data), f"param {i} differs after resume"
    for pa, pb in zip(full, fresh, strict=True):
        for key, v in opt_full.state[pa].items():
            w = opt_fresh.state[pb][key]
            assert (np.array_equal(v, w) if isinstance(v, np.ndarray) else v == w), key


def test_resume_with_scheduler_is_bit_identical():
    n, k = 12, 5
    init = make_params(1)

    def setup(params):
        opt = make_optimizer("SGD", dict(lr=0.1, momentum=0.9), params)
        return opt, optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

    full = [ad.tensor(x.copy(), requires_grad=True) for x in init]
    opt, sched = setup(full)
    train(full, opt, n, 0, sched)

    part = [ad.tensor(x.copy(), requires_grad=True) for x in init]
    opt, sched = setup(part)
    train(part, opt, k, 0, sched)
    saved_opt, saved_sched, saved_params = opt.state_dict(), sched.state_dict(), [p.data.copy() for p in part]

    fresh = [ad.tensor(x, requires_grad=True) for x in saved_params]
    opt2, sched2 = setup(fresh)  # scheduler first, then load (as PyTorch advises)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.get_last_lr() == sched.get_last_lr()
    train(fresh, opt2, n - k, k, sched2)
    for a, b in zip(full, fresh, strict=True):
        assert np.array_equal(a.data, b.data)


def test_state_dict_layout():
    params = [ad.tensor(x, requires_grad=True) for x in make_params(dtype=np.float64)]
    opt = make_optimizer("Adam", dict(lr=0.01), params)
    train(params, opt, 2, 0)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.005 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 1, 2}
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][2]["step"] == 2
    assert sd["state"][0]["exp_avg"].shape == (4, 3)
    assert sd["state"][0]["exp_avg"] is not opt.state[params[0]]["exp_avg"]  # copied


def _snapshot(opt):
    return copy.deepcopy(opt.state_dict())


def _assert_same(opt, before):
    after = opt.state_dict()
    assert [{k: v for k, v in g.items()} for g in after["param_groups"]] == before["param_groups"]
    assert set(after["state"]) == set(before["state"])
    for i, st in before["state"].items():
        for key, v in st.items():
            assert np.array_equal(after["state"][i][key], v)


@pytest.fixture
def trained():
    params = [ad.tensor(x, requires_grad=True) for x in make_params(dtype=np.float64)]
    opt = make_optimizer("SGD", dict(lr=0.1, momentum=0.9), params)
    train(params, opt, 2, 0)
    return params, opt


def test_load_rejects_mismatches_and_changes_nothing(trained):
    params, opt = trained
    good = opt.state_dict()
    target_params = [ad.tensor(x, requires_grad=True) for x in make_params(5, dtype=np.float64)]
    target = make_optimizer("SGD", dict(lr=0.3, momentum=0.5), target_params)
    train(target_params, target, 1, 0)
    before = _snapshot(target)
    data_before = [p.data.copy() for p in target_params]

    one_group = optim.SGD(params, lr=0.1, momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        target.load_state_dict(one_group)

    resized = copy.deepcopy(good)
    resized["param_groups"][0]["params"] = [0]
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        target.load_state_dict(resized)

    wrong_shape = copy.deepcopy(good)
    wrong_shape["state"][2]["momentum_buffer"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"'momentum_buffer' has shape \(3, 3\) but the parameter has shape \(2, 2\)"):
        target.load_state_dict(wrong_shape)

    unknown = copy.deepcopy(good)
    unknown["state"][7] = {"momentum_buffer": np.zeros(3)}
    with pytest.raises(ValueError, match="state for parameter 7"):
        target.load_state_dict(unknown)

    other = make_optimizer("Adam", dict(lr=0.1), params).state_dict()
    with pytest.raises(ValueError, match="different optimizer"):
        target.load_state_dict(other)

    bad_lr = copy.deepcopy(good)
    bad_lr["param_groups"][1]["lr"] = -1.0
    with pytest.raises(ValueError, match="Invalid learning rate"):
        target.load_state_dict(bad_lr)

    with pytest.raises(ValueError, match="no 'state' entry"):
        target.load_state_dict({"param_groups": good["param_groups"]})

    _assert_same(target, before)
    assert all(np.array_equal(p.data, d) for p, d in zip(target_params, data_before, strict=True))
    target.load_state_dict(good)  # the good one still loads
    assert target.param_groups[0]["lr"] == 0.1
    assert np.array_equal(target.state[target_params[0]]["momentum_buffer"], opt.state[params[0]]["momentum_buffer"])


def test_nadam_mu_product_is_0d_and_loads_as_such():
    """NAdam's `mu_product` is a 0-d array (float32: the default dtype's width, as PyTorch) beside the
    param-shaped moments; loading keeps a float array's dtype, makes a Python number a 0-d array, and
    rejects any other shape while changing nothing."""
    params = [ad.tensor(x, requires_grad=True) for x in make_params(dtype=np.float64)]
    opt = make_optimizer("NAdam", dict(lr=0.01), params)
    train(params, opt, 3, 0)
    sd = opt.state_dict()
    assert list(sd["state"][0]) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    mp = sd["state"][0]["mu_product"]
    assert isinstance(mp, np.ndarray) and mp.shape == () and mp.dtype == np.float32
    assert mp is not opt.state[params[0]]["mu_product"]  # copied
    assert sd["state"][0]["exp_avg"].shape == (4, 3) and sd["state"][0]["exp_avg"].dtype == np.float64

    fresh = make_optimizer("NAdam", dict(lr=0.01), params)
    variant = copy.deepcopy(sd)
    variant["state"][0]["mu_product"] = mp.astype(np.float64)
    variant["state"][1]["mu_product"] = float(mp)
    fresh.load_state_dict(variant)
    loaded = [fresh.state[p]["mu_product"] for p in params]
    assert [(m.shape, m.dtype) for m in loaded] == [((), np.float64), ((), np.float32), ((), np.float32)]
    assert all(float(m) == float(mp) for m in loaded)

    before = _snapshot(fresh)
    for bad, match in [(np.full((4, 3), float(mp)), r"'mu_product' must be 0-d, got shape \(4, 3\)"),
                       ("0.5", "'mu_product' must be a real number or a 0-d array"),
                       (np.array(True), "'mu_product' has non-numeric dtype bool")]:
        broken = copy.deepcopy(sd)
        broken["state"][0]["mu_product"] = bad
        with pytest.raises(ValueError, match=match):
            fresh.load_state_dict(broken)
    _assert_same(fresh, before)


def test_load_casts_state_to_param_dtype(trained):
    params, opt = trained
    sd = opt.state_dict()  # float64 state
    p32 = [ad.tensor(p.data.astype(np.float32), requires_grad=True) for p in params]
    opt32 = make_optimizer("SGD", dict(lr=0.1, momentum=0.9), p32)
    opt32.load_state_dict(sd)
    assert opt32.state[p32[0]]["momentum_buffer"].dtype == np.float32


# ---------------------------------------------------------------------------------------------------
# Bad input.


def _p(n=2):
    return ad.tensor(np.ones(n), requires_grad=True)


BAD_HPARAMS = [
    ("SGD", dict(lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=float("nan")), ValueError, "Invalid learning rate: nan"),
    ("SGD", dict(lr=float("inf")), ValueError, "Invalid learning rate: inf"),
    ("SGD", dict(lr="0.1"), TypeError, "Invalid learning rate"),
    ("SGD", dict(momentum=-0.5), ValueError, "Invalid momentum value"),
    ("SGD", dict(weight_decay=-1e-4), ValueError, "Invalid weight_decay value"),
    ("SGD", dict(nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, "Nesterov momentum requires"),
    ("SGD", dict(fused=True), ValueError, "fused=True is not supported"),
    ("Adagrad", dict(lr=-1.0), ValueError, "Invalid learning rate"),
    ("Adagrad", dict(lr_decay=-1.0), ValueError, "Invalid lr_decay value"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), ValueError, "Invalid initial_accumulator_value value"),
    ("Adagrad", dict(eps=-1e-10), ValueError, "Invalid epsilon value"),
    ("RMSprop", dict(alpha=1.5), ValueError, "Invalid alpha value"),
    ("RMSprop", dict(alpha=-0.1), ValueError, "Invalid alpha value"),
    ("RMSprop", dict(momentum=-0.1), ValueError, "Invalid momentum value"),
    ("RMSprop", dict(eps=-1.0), ValueError, "Invalid epsilon value"),
    ("Adadelta", dict(rho=1.1), ValueError, "Invalid rho value"),
    ("Adadelta", dict(rho=-0.1), ValueError, "Invalid rho value"),
    ("Adadelta", dict(eps=float("nan")), ValueError, "Invalid epsilon value"),
    ("Adadelta", dict(lr=-1.0), ValueError, "Invalid learning rate"),
    ("Adam", dict(betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(-0.1, 0.999)), ValueError, "Invalid beta parameter at index 0"),
    ("Adam", dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("Adam", dict(betas=(0.9,)), ValueError, "Invalid betas"),
    ("Adam", dict(eps=-1e-8), ValueError, "Invalid epsilon value"),
    ("Adam", dict(weight_decay=-0.1), ValueError, "Invalid weight_decay value"),
    ("Adam", dict(lr=float("-inf")), ValueError, "Invalid learning rate"),
    ("AdamW", dict(betas=(0.9, 1.5)), ValueError, "Invalid beta parameter at index 1"),
    ("AdamW", dict(capturable=True), ValueError, "capturable=True is not supported"),
    ("Adamax", dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("Adamax", dict(eps=-1.0), ValueError, "Invalid epsilon value"),
    ("Adamax", dict(lr=float("nan")), ValueError, "Invalid learning rate: nan"),
    ("Adamax", dict(capturable=True), ValueError, "capturable=True is not supported"),
    ("NAdam", dict(momentum_decay=-0.1), ValueError, "Invalid momentum_decay value: -0.1"),
    ("NAdam", dict(momentum_decay=float("inf")), ValueError, "Invalid momentum_decay value: inf"),
    ("NAdam", dict(weight_decay=-1.0, decoupled_weight_decay=True), ValueError, "Invalid weight_decay value"),
    ("NAdam", dict(betas=(0.9,)), ValueError, "Invalid betas"),
    ("NAdam", dict(differentiable=True), ValueError, "differentiable=True is not supported"),
    ("RAdam", dict(betas=(-0.5, 0.999)), ValueError, "Invalid beta parameter at index 0: -0.5"),
    ("RAdam", dict(lr=-1e-3), ValueError, "Invalid learning rate"),
    ("RAdam", dict(weight_decay="0.1"), TypeError, "Invalid weight_decay value"),
    ("RAdam", dict(capturable=True), ValueError, "capturable=True is not supported"),
]


@pytest.mark.parametrize("name,hp,exc,match", BAD_HPARAMS, ids=[f"{n}-{hp}" for n, hp, _, _ in BAD_HPARAMS])
def test_bad_hyperparameters_raise(name, hp, exc, match):
    with pytest.raises(exc, match=match):
        getattr(optim, name)([_p()], **hp)
    with pytest.raises(exc, match=match):  # also when only one group sets it
        getattr(optim, name)([{"params": [_p()]}, {"params": [_p()], **hp}])


def test_bad_group_lr_names_the_group():
    with pytest.raises(ValueError, match=r"Invalid learning rate: -1 .*\(in param group 1\)"):
        optim.SGD([{"params": [_p()]}, {"params": [_p()], "lr": -1}], lr=0.1)


def test_bad_parameter_lists_raise():
    w = _p()
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got autodiff"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is numpy"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is float"):
        optim.Adam([w, 1.0])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [_p(), w]}], lr=0.1)
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="'params' entry"):
        optim.SGD([{"lr": 0.1}], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([{"params": [w]}, [_p()]], lr=0.1)


def test_add_param_group_rejects_and_changes_nothing():
    w, v = _p(), _p()
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [v, w]})
    with pytest.raises(ValueError, match="Invalid momentum value"):
        opt.add_param_group({"params": [v], "momentum": -1})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": [v]})
    assert len(opt.param_groups) == 2


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1),
                                  lambda ps: optim.Adagrad(ps, lr=0.1)])
def test_frozen_parameters_are_accepted_and_left_alone_until_unfrozen(make):
    """As PyTorch: `optim.X(model.parameters())` works with frozen layers; they train once unfrozen."""
    w, frozen = _p(), ad.tensor(np.ones(2))
    opt = make([w, frozen])
    (w * w).sum().backward()
    opt.step()
    assert frozen.grad is None and np.array_equal(frozen.numpy(), np.ones(2))
    frozen.requires_grad_(True)
    opt.zero_grad()
    (frozen * frozen).sum().backward()
    opt.step()
    assert np.all(frozen.numpy() < 1)


def test_older_checkpoint_without_newer_flags_loads_with_defaults():
    """A saved group lacking a bool/None option (a flag added in a later version) takes this optimizer's
    default, as PyTorch's optimizers do; a missing numeric hyperparameter still means a different optimizer."""
    w = _p()
    opt = optim.Adam([w], lr=0.1, amsgrad=True)
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    old = {"state": sd["state"], "param_groups": [dict(sd["param_groups"][0])]}
    flags = [k for k, v in opt.defaults.items() if v is None or isinstance(v, bool)]
    assert "amsgrad" in flags and "maximize" in flags
    for k in flags:
        del old["param_groups"][0][k]
    fresh = optim.Adam([w], lr=0.5, amsgrad=True)
    fresh.load_state_dict(old)
    group = fresh.param_groups[0]
    assert group["lr"] == 0.1 and group["amsgrad"] is True and group["maximize"] is False
    del old["param_groups"][0]["betas"]
    with pytest.raises(ValueError, match=r"lacks \['betas'\]"):
        optim.Adam([w], lr=0.1).load_state_dict(old)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
def test_hyperparameters_are_checked_before_the_params_as_torch(name):
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        getattr(optim, name)([], lr=-1.0)  # (an empty params list would be refused too, but lr is named first)
