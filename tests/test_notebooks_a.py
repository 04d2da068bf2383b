"""Notebooks 01, 06, 07 and 09 execute in quick mode and their headline numbers stay within stated bounds."""
from __future__ import annotations

import numpy as np
import pytest
from notebook_runner import run_notebook

pytest.importorskip("nbclient")


def test_01_chain_rule(tmp_path):
    r = run_notebook("01_chain_rule", tmp_path)
    assert (r["xyz"]["dx"], r["xyz"]["dy"], r["xyz"]["dz"]) == (-4.0, -4.0, 3.0)   # the tutorial's values
    assert r["xyz"]["f"] == -12.0
    assert r["gates"]["add"] == {"da": 2.0, "db": 2.0}
    assert r["gates"]["mul"] == {"da": -3.0, "db": 6.0}        # swapped inputs (3, -1.5) times upstream 2
    assert r["gates"]["max"] == {"da": 2.0, "db": 0.0}         # routed to the larger input
    s = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(r["neuron"]["dw"], [-s * (1 - s), -2 * s * (1 - s)], rtol=1e-12)
    np.testing.assert_allclose(r["neuron"]["dx"], [2 * s * (1 - s), -3 * s * (1 - s)], rtol=1e-12)
    assert r["fork"]["dx"] == 7.0
    assert r["matmul"]["dW_shape"] == [3, 4] and r["matmul"]["dX_shape"] == [4, 5]
    assert r["matmul"]["err_dW"] < 1e-12 and r["matmul"]["err_dX"] < 1e-12
    assert r["all_gradchecks_pass"] and len(r["gradcheck"]) == 7


def test_06_optimizers(tmp_path):
    r = run_notebook("06_optimizers", tmp_path)
    f = r["toy_final_f"]
    assert set(f) == {"SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"}
    assert all(v < r["toy_start_f"] for v in f.values())       # every optimizer descends from f = 6.45
    assert f["AdaGrad"] < 1e-3 and f["SGD"] < 0.05 and f["Adam"] < 0.2 and f["Momentum"] < 0.1
    acc = r["digits_test_acc"]
    assert r["quick"] and r["digits_epochs"] == 3
    assert acc["SGD"] > 0.75, acc                             # 3 epochs: plain SGD is still learning (0.85)
    assert all(acc[k] > 0.9 for k in ("Momentum", "AdaGrad", "RMSprop", "Adam")), acc
    loss = r["digits_final_train_loss"]
    for name in ("Momentum", "AdaGrad", "RMSprop", "Adam"):  # the book's claim: faster than plain SGD
        assert loss[name] < loss["SGD"], loss


def test_07_init_histograms(tmp_path):
    r = run_notebook("07_init_histograms", tmp_path)
    c = r["configs"]
    assert set(c) == {"sigmoid N(0,1)", "sigmoid N(0,0.01^2)", "sigmoid Xavier", "relu Xavier", "relu He"}
    assert all(len(v["std"]) == 5 and len(v["saturated"]) == 5 for v in c.values())
    assert min(c["sigmoid N(0,1)"]["saturated"]) > 0.3                  # piles up at 0 and 1
    assert max(c["sigmoid N(0,0.01^2)"]["std"]) < 0.04                  # collapses around 0.5
    assert max(c["sigmoid Xavier"]["saturated"]) < 0.01
    assert min(c["sigmoid Xavier"]["std"]) > 3 * max(c["sigmoid N(0,0.01^2)"]["std"])
    xs, he = c["relu Xavier"]["std"], c["relu He"]["std"]
    assert xs[-1] < 0.4 * xs[0]                                          # Xavier shrinks with depth under ReLU
    assert max(he) / min(he) < 1.3                                       # He keeps the scale
    assert all(0.4 < s < 0.6 for s in c["relu He"]["saturated"])         # about half of ReLU units are 0


def test_09_property_based(tmp_path):
    r = run_notebook("09_property_based", tmp_path)
    assert r["bug_found"] and r["error_type"] == "GradcheckError"
    assert np.all(np.asarray(r["shrunk_example"]) < 0)                  # the bug only shows for x < 0
    assert r["shrunk_shape"] == []                                       # shrunk to a 0-d tensor
    assert r["fixed_passes"] and r["fixed_passes_on_shrunk"]
