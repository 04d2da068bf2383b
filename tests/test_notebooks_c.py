"""Notebooks 04 (Glorot & Bengio) and 08 (regularization, search) execute in quick mode within stated bounds."""
from __future__ import annotations

import math

import pytest
from notebook_runner import run_notebook

pytest.importorskip("nbclient")

KEYS = {f"{a}/{i}" for a in ("sigmoid", "tanh", "softsign") for i in ("standard", "xavier")}


def test_04_glorot_bengio(tmp_path):
    r = run_notebook("04_glorot_bengio", tmp_path)
    assert r["quick"] and r["depth"] == 5
    err = r["test_error"]
    assert set(err) == KEYS and all(0.0 <= e <= 1.0 for e in err.values()), err
    # quick mode (2 epochs): tanh/softsign with normalized init learn (3.6% / 4.5%), deep sigmoid does not (89%)
    assert err["tanh/xavier"] < 0.15 and err["softsign/xavier"] < 0.15, err
    assert err["sigmoid/standard"] > err["tanh/xavier"] + 0.3, err
    # the top sigmoid layer leaves 0.5 and heads toward 0 early in training (0.40 after 285 updates)
    init = r["sigmoid_standard_layer_mean_init"]
    assert all(abs(m - 0.5) < 0.02 for m in init.values()), init
    assert r["sigmoid_standard_top_layer_mean_early"] < 0.47
    # back-propagated gradients at init: 5 hidden layers each; normalized init keeps their spread closer to 1
    g, spread = r["grad_std_init"], r["grad_std_spread_init"]
    assert set(g) == KEYS and all(len(v) == 5 and all(s > 0 for s in v) for v in g.values())
    for act in ("sigmoid", "tanh", "softsign"):
        std_s, xav_s = spread[f"{act}/standard"], spread[f"{act}/xavier"]
        assert math.log(xav_s) < math.log(std_s), (act, xav_s, std_s)
    assert spread["tanh/xavier"] < 3.0 and spread["tanh/standard"] > 5.0, spread   # 1.8 vs 10.3
    tanh_std = g["tanh/standard"]     # standard init: they shrink going down toward the input (paper's Fig. 7)
    assert all(a < b for a, b in zip(tanh_std, tanh_std[1:])), tanh_std


def test_08_regularization(tmp_path):
    r = run_notebook("08_regularization", tmp_path)
    assert r["quick"]
    v = r["variants"]
    assert set(v) == {"baseline", "weight_decay", "dropout", "batchnorm"}
    for name, d in v.items():
        assert 0.8 < d["test_acc"] <= 1.0 and d["train_acc"] <= 1.0, (name, d)
        assert d["gap"] == pytest.approx(d["train_acc"] - d["test_acc"])
    assert v["baseline"]["train_acc"] > 0.98                           # 300 images: fitted (100%)
    assert v["baseline"]["train_acc"] > v["baseline"]["test_acc"] + 0.02   # and overfitted (gap ~7 points)
    s = r["search"]
    trials = s["trials"]
    assert len(trials) == s["n_trials"] >= 2
    for t in trials:
        assert 1e-4 <= t["lr"] <= 1e-1 and 1e-6 <= t["weight_decay"] <= 1e-1, t
        assert 0.0 <= t["val_acc"] <= 1.0
    best = s["best"]
    assert best["val_acc"] == max(t["val_acc"] for t in trials)
    assert {"lr", "weight_decay", "val_acc", "test_acc"} <= set(best)
    assert best["val_acc"] > 0.8 and best["test_acc"] > 0.8, best
