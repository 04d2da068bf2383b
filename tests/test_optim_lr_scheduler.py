"""optim.lr_scheduler: each schedule's learning-rate sequence against its closed form (and against
torch.optim.lr_scheduler when installed), state_dict round trips, and bad arguments."""
import math
from bisect import bisect_right

import numpy as np
import pytest

import autodiff as ad
import optim
from optim import lr_scheduler as S

EPOCHS = 40


def make_opt(lrs=(0.1, 0.02)):
    return optim.SGD([{"params": [ad.tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs], lr=1.0)


def lr_sequence(sched, opt, epochs=EPOCHS, metrics=None):
    """lr of each group at epochs 0..epochs-1 (scheduler stepped after each epoch)."""
    seq = []
    for e in range(epochs):
        seq.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == seq[-1]
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[e])
    return np.array(seq)


def cosine(base, eta_min, t_max, e):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2


CLOSED = {
    "StepLR": (lambda o: S.StepLR(o, step_size=7, gamma=0.5), lambda base, e: base * 0.5 ** (e // 7)),
    "MultiStepLR": (lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
                    lambda base, e: base * 0.3 ** bisect_right([5, 12, 12, 30], e)),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.9), lambda base, e: base * 0.9 ** e),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, T_max=15, eta_min=0.001),
                          lambda base, e: cosine(base, 0.001, 15, e)),  # past T_max it rises again
    "LambdaLR": (lambda o: S.LambdaLR(o, lr_lambda=lambda e: 1 / (1 + e) ** 0.5),
                 lambda base, e: base / (1 + e) ** 0.5),
}


@pytest.mark.parametrize("name", list(CLOSED))
def test_lr_sequence_matches_closed_form(name):
    make, closed = CLOSED[name]
    opt = make_opt()
    sched = make(opt)
    seq = lr_sequence(sched, opt)
    expected = np.array([[closed(base, e) for base in (0.1, 0.02)] for e in range(EPOCHS)])
    np.testing.assert_allclose(seq, expected, rtol=1e-12, atol=1e-15)
    assert sched.last_epoch == EPOCHS
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.02]


def test_cosine_reaches_eta_min_at_t_max_and_epoch_argument_uses_closed_form():
    opt = make_opt((1.0,))
    sched = S.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    for _ in range(10):
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1, abs=1e-15)
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(5)
    assert opt.param_groups[0]["lr"] == pytest.approx(cosine(1.0, 0.1, 10, 5), rel=1e-15)


def test_lambda_lr_per_group_functions():
    opt = make_opt()
    sched = S.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: e + 1])
    seq = lr_sequence(sched, opt, 5)
    np.testing.assert_allclose(seq[:, 0], [0.1 * 0.5 ** e for e in range(5)])
    np.testing.assert_allclose(seq[:, 1], [0.02 * (e + 1) for e in range(5)])


def test_reduce_lr_on_plateau_min_mode():
    opt = make_opt((1.0, 0.5))
    sched = S.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, threshold=0.1, cooldown=1,
                                min_lr=[0.2, 0.3])
    # epoch:    1    2     3     4     5    6    7    8    9    10   11
    metrics = [10, 9.5, 9.2, 9.1, 9.0, 5.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0]
    # best=10; 9.5 is not 10% better (bad 1), 9.2 bad 2, 9.1 bad 3 > patience -> halve, cooldown 1;
    # 9.0: cooldown epoch (counter reset); 5.0 improves; then 6.0 x3 -> bad 3 -> halve (floored at min_lr).
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append([g["lr"] for g in opt.param_groups])
    expected = [[1.0, 0.5]] * 3 + [[0.5, 0.3]] * 5 + [[0.25, 0.3]] * 4
    assert lrs == expected
    assert sched.get_last_lr() == [0.25, 0.3]
    assert sched.best == 5.0 and sched.last_epoch == len(metrics)


def test_reduce_lr_on_plateau_max_abs_mode_and_eps():
    opt = make_opt((1.0,))
    sched = S.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.5, threshold_mode="abs",
                                eps=0.5)
    sched.step(1.0)   # baseline
    sched.step(1.4)   # not better by 0.5 -> bad epoch > patience 0 -> 1.0 * 0.1 (drop 0.9 > eps)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    sched.step(2.0)   # better
    sched.step(1.0)   # bad -> would go 0.1 -> 0.01, but the drop 0.09 < eps: skipped
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def _torch_pairs():
    return {
        "StepLR": (dict(step_size=7, gamma=0.5), None),
        "MultiStepLR": (dict(milestones=[5, 12, 12, 30], gamma=0.3), None),
        "ExponentialLR": (dict(gamma=0.9), None),
        "CosineAnnealingLR": (dict(T_max=15, eta_min=0.001), None),
        "LambdaLR": (dict(lr_lambda=lambda e: 0.95 ** e), None),
        "ReduceLROnPlateau": (dict(factor=0.5, patience=1, cooldown=1, min_lr=0.001),
                              [5, 4, 4, 4, 3, 3, 3, 3, 2.99999, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1] * 2),
    }


@pytest.mark.parametrize("name", list(_torch_pairs()))
def test_lr_sequence_matches_torch(name):
    torch = pytest.importorskip("torch")
    kwargs, metrics = _torch_pairs()[name]
    opt = make_opt()
    ours = lr_sequence(getattr(S, name)(opt, **kwargs), opt, metrics=metrics)
    topt = torch.optim.SGD([{"params": [torch.ones(2, requires_grad=True)], "lr": lr} for lr in (0.1, 0.02)], lr=1.0)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    theirs = []
    for e in range(EPOCHS):
        theirs.append([g["lr"] for g in topt.param_groups])
        topt.step()
        tsched.step() if metrics is None else tsched.step(metrics[e])
    assert ours.tolist() == theirs  # same float operations: identical values


@pytest.mark.parametrize("name", list(CLOSED) + ["ReduceLROnPlateau"])
def test_state_dict_round_trip(name):
    metrics = [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] * 3
    make = CLOSED[name][0] if name in CLOSED else (lambda o: S.ReduceLROnPlateau(o, patience=1, factor=0.5))
    opt = make_opt()
    sched = make(opt)
    full = lr_sequence(sched, opt, 30, metrics if name == "ReduceLROnPlateau" else None)

    opt1 = make_opt()
    sched1 = make(opt1)
    lr_sequence(sched1, opt1, 11, metrics if name == "ReduceLROnPlateau" else None)
    saved_sched, saved_opt = sched1.state_dict(), opt1.state_dict()
    assert "optimizer" not in saved_sched

    opt2 = make_opt()
    sched2 = make(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    rest = lr_sequence(sched2, opt2, 19, metrics[11:] if name == "ReduceLROnPlateau" else None)
    assert rest.tolist() == full[11:].tolist()


def test_resume_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(make_opt(), step_size=2, last_epoch=3)
    opt = make_opt()
    S.StepLR(opt, step_size=2)
    S.StepLR(opt, step_size=2, last_epoch=3)  # initial_lr present now


def test_bad_scheduler_arguments():
    opt = make_opt()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), step_size=2)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.ReduceLROnPlateau(object())
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        S.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="milestone"):
        S.MultiStepLR(opt, milestones=[2, -1])
    with pytest.raises(ValueError, match="gamma"):
        S.ExponentialLR(opt, gamma=float("nan"))
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode max2 is unknown"):
        S.ReduceLROnPlateau(opt, mode="max2")
    with pytest.raises(ValueError, match="threshold mode relative is unknown"):
        S.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        S.ReduceLROnPlateau(opt, min_lr=[0.1, 0.1, 0.1])
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.02]  # nothing changed by the failures
