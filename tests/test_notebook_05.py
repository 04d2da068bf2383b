"""Notebook 05 (LeCun et al. 1998, Efficient BackProp) executes in quick mode and its numbers stay within bounds.

The bounds come from what the quick run gets (noted beside each), with margin; each states one of the paper's
claims or one of the notebook's measured exceptions to them, so a library regression that changes the picture fails.
"""
from __future__ import annotations

import math

import pytest
from notebook_runner import run_notebook

pytest.importorskip("nbclient")

PREP = ("raw", "centered", "standardized", "whitened")


@pytest.fixture(scope="module")
def r(tmp_path_factory):
    return run_notebook("05_efficient_backprop", tmp_path_factory.mktemp("nb05"))


def test_quick_mode(r):
    assert r["quick"] and r["epochs"] == 3 and r["seeds"] == [0] and r["hidden"] == [100, 100, 100]


def test_input_normalization_toy(r):
    toy = r["input_normalization"]["toy2d"]
    assert list(toy) == list(PREP)
    kappa = [toy[k]["kappa"] for k in PREP]                   # 236.5, 104.6, 22.7, 1.0
    assert kappa[0] > kappa[1] > kappa[2] > 10 and kappa[3] == pytest.approx(1.0, abs=1e-6), kappa
    for k in ("raw", "centered", "standardized"):           # steps = kappa ln(100) / 2 (543/545, 239/241, 52/52)
        assert toy[k]["steps_to_1pct"] == pytest.approx(toy[k]["predicted_steps"], rel=0.05), (k, toy[k])
    assert toy["whitened"]["steps_to_1pct"] == 1              # round error surface: one step at eta = 1 / lambda_max
    for k in PREP:
        assert toy[k]["lr"] == pytest.approx(1 / toy[k]["lambda_max"])


def test_input_normalization_digits_lms(r):
    lms = r["input_normalization"]["digits_lms"]
    k = [lms[p]["kappa"] for p in PREP]                       # 3.0e7, 2.0e6, 142, 1
    assert k[0] > 1e6 and k[1] > 1e5 and 50 < k[2] < 500 and k[3] == pytest.approx(1.0, abs=1e-3), k
    e = {p: lms[p]["epochs_to_1pct"] for p in PREP}           # quick (300 epochs): None, None, 21, 1
    assert e["whitened"] == 1 and e["standardized"] is not None and e["standardized"] <= 40, e
    assert all(e[p] is None or e[p] > 100 for p in ("raw", "centered")), e
    # the same linear model: same optimum for raw / centered / standardized (0.617); whitening dropped 13 directions
    stars = [lms[p]["E_star"] for p in ("raw", "centered", "standardized")]
    assert max(stars) - min(stars) < 1e-6 and lms["whitened"]["E_star"] >= stars[0] - 1e-6
    # centering alone: the bias becomes the slow weight, so early on it is behind raw (2.95 vs 0.72 after 10 epochs)
    assert lms["centered"]["excess_after_10"] > 2 * lms["raw"]["excess_after_10"]
    assert all(lms[p]["test_error"] < 0.1 for p in PREP)      # 0.058 - 0.064


def test_input_normalization_digits_mlp(r):
    mlp = r["input_normalization"]["digits_mlp"]
    assert set(mlp) == set(PREP)
    # centering: 10x lower training loss than raw after 3 epochs (0.0064 vs 0.062) and after one (0.13 vs 0.35)
    assert mlp["centered"]["final_loss"] < mlp["raw"]["final_loss"] / 3, mlp
    assert mlp["centered"]["loss_1_epoch"] < mlp["raw"]["loss_1_epoch"] / 1.5, mlp
    assert all(mlp[p]["final_loss"] < 0.15 and mlp[p]["test_error"] < 0.1 for p in PREP), mlp
    assert all(len(mlp[p]["curve"]) == 4 for p in PREP)


def test_scaled_tanh_properties(r):
    s = r["sigmoid"]
    assert s["f_at_minus1_plus1"] == pytest.approx([-1.0, 1.0], abs=1e-5)
    assert s["f2_peak_x"] == pytest.approx(1.5 * math.atanh(1 / math.sqrt(3)), abs=1e-3)   # 0.988: "at x = 1"
    assert s["gain_at_0"] == pytest.approx(1.7159 * 2 / 3, rel=1e-6)
    stats = s["output_mean_std_unit_normal"]
    assert stats["sigmoid"][0] == pytest.approx(0.5, abs=0.01) and abs(stats["scaled_tanh"][0]) < 0.01
    assert 0.8 < stats["scaled_tanh"][1] < 0.95 and stats["tanh"][1] < stats["scaled_tanh"][1]   # 0.87 vs 0.63


def test_sigmoid_training(r):
    t = r["sigmoid"]["training"]
    assert set(t) == {"sigmoid", "sigmoid, init x4", "tanh", "scaled_tanh"}
    # symmetric sigmoids train far faster: 3 epochs, 1.68 (logistic) vs 0.018 (tanh), 0.030 (scaled tanh)
    assert t["sigmoid"]["final_loss"] > 10 * max(t["tanh"]["final_loss"], t["scaled_tanh"]["final_loss"]), t
    assert t["sigmoid, init x4"]["final_loss"] < t["sigmoid"]["final_loss"] / 3      # the gain part (0.11)
    assert max(t["tanh"]["final_loss"], t["scaled_tanh"]["final_loss"]) < 0.1
    for name in ("sigmoid", "sigmoid, init x4"):                                       # outputs centred on 0.5
        assert all(abs(m - 0.5) < 0.05 for m in t[name]["hidden_mean_init"]), t[name]
    for name in ("tanh", "scaled_tanh"):
        assert all(abs(m) < 0.02 for m in t[name]["hidden_mean_init"]), t[name]
    assert all(s > 0.65 for s in t["scaled_tanh"]["hidden_std_init"])                 # 0.81, 0.75, 0.72


def test_init(r):
    i = r["init"]
    assert all(v == pytest.approx(1.0, abs=0.02) for v in i["std_times_sqrt_fan_in"].values()), i
    small, lecun, large = (i["configs"][k] for k in ("x0.25 (too small)", "LeCun (1/sqrt(m))", "x4 (too large)"))
    assert all(0.6 < s < 0.95 for s in lecun["act_std"]), lecun["act_std"]            # 0.80, 0.75, 0.72
    assert max(lecun["grad_std"]) / min(lecun["grad_std"]) < 1.3                      # 1.77e-4 .. 1.91e-4
    a = small["act_std"]                                                               # 0.26, 0.074, 0.021
    assert a[0] > a[1] > a[2] and a[2] < 0.05
    g = small["grad_std"]                                                              # shrink toward the input
    assert g[0] < g[1] < g[2] and g[2] / g[0] > 5 and g[2] < min(lecun["grad_std"]) / 2
    assert min(large["saturation"]) > 0.15 and max(lecun["saturation"]) < 0.02        # 0.26 - 0.52 vs 0.003
    assert small["final_loss"] > 3 * lecun["final_loss"]                               # 0.17 vs 0.030
    assert large["final_loss"] < lecun["final_loss"]                                   # 0.0078: not slow here
    assert large["test_error"] > lecun["test_error"] + 0.01                            # 0.061 vs 0.028


def test_per_layer_learning_rates(r):
    p = r["per_layer_lr"]
    c = p["curvature"]
    sig = c["sigmoid"]["layers"]                               # 0.0039, 0.020, 0.30, 4.5: Fig. 21's picture
    assert all(a < b for a, b in zip(sig, sig[1:])) and sig[-1] / sig[0] > 100, sig
    st = c["scaled_tanh"]["layers"]                            # 0.74, 1.54, 1.31, 1.36: equalized by the recipe
    assert max(st) / min(st) < 3 and st[0] == min(st), st
    wide = c["scaled_tanh, widths 400-100-100"]["layers"]     # the fan-in-400 layer is the steepest (4.5 vs ~1)
    assert wide[1] == max(wide) and wide[1] > 2 * max(wide[0], wide[2], wide[3]), wide
    for net in ("scaled_tanh", "sigmoid"):                     # coupling: the whole net is steeper than any block
        assert c[net]["all"] > max(c[net]["layers"])
    s = p["schemes"]
    # sigmoid net: curvature-based layer rates beat the best global rate by far (0.24 vs 2.23 after 2 epochs)
    assert s["sigmoid"]["curvature"]["best_loss"] < s["sigmoid"]["global"]["best_loss"] / 3, s["sigmoid"]
    # scaled-tanh net: all three alike (0.068, 0.067, 0.068)
    best = [s["scaled_tanh"][k]["best_loss"] for k in ("global", "fan-in", "curvature")]
    assert max(best) / min(best) < 3 and max(best) < 0.3, best
