"""Notebook 03 (Rumelhart et al. 1986, family trees) executes in quick mode within stated bounds."""
from __future__ import annotations

import pytest
from notebook_runner import run_notebook

pytest.importorskip("nbclient")


def test_03_family_trees(tmp_path):
    r = run_notebook("03_family_trees", tmp_path)
    n = r["n_seeds"]
    assert r["quick"] and n == 2 and r["sweeps"] == 3000
    held, topk, train = r["held_out_correct_per_seed"], r["held_out_topk_per_seed"], r["train_correct_per_seed"]
    assert len(held) == len(topk) == len(train) == len(r["final_loss_per_seed"]) == n
    assert r["held_out_correct_total"] == sum(held) and r["held_out_cases_total"] == 4 * n
    assert all(0 <= s <= t <= 4 for s, t in zip(held, topk)), (held, topk)   # strict implies top-k

    # quick run (seeds 0, 1): both nets fit all 100 training cases with E ~0.3 and get 4/4 and 2/4 held out;
    # guessing gets ~0 (all 24 outputs must be on the right side of 0.5)
    assert all(t >= 97 for t in train) and r["train_accuracy_mean"] >= 0.97, train
    assert all(loss < 2.0 for loss in r["final_loss_per_seed"]), r["final_loss_per_seed"]
    assert sum(held) >= 3, held

    # the person codes: nationality, generation and branch each have a unit that tracks them (0.73-0.90 here),
    # far above shuffled labels (~0.33); gender, which the task does not need, stays below chance (0.17, 0.20)
    best, chance = r["best_abs_corr_per_seed"], r["best_abs_corr_chance"]
    assert set(best) == set(chance) == {"nationality", "generation", "branch", "gender"}
    assert all(0.2 < c < 0.5 for c in chance.values()), chance
    for attr in ("nationality", "generation", "branch"):
        assert all(v > max(0.55, chance[attr] + 0.2) for v in best[attr]), (attr, best[attr], chance[attr])
    assert all(v < 0.3 for v in best["gender"]), best["gender"]
    # the two families share one code: English people's nearest Italian code is often their counterpart (5, 8)
    assert sum(r["isomorphic_nearest_per_seed"]) >= 4, r["isomorphic_nearest_per_seed"]

    # the paper's exact settings stay on the all-outputs-at-0.2 plateau (E ~18.4, nothing right) for every init;
    # without the decay the paper's epsilon does fit the training set given 5,000 sweeps (99%)
    paper = r["paper_settings_runs"]
    assert {p["init"] for p in paper} == {0.3, 0.5, 1.0}
    assert all(p["final_loss"] > 15 and p["train_accuracy"] < 0.1 and p["mean_output"] < 0.3 for p in paper), paper
    assert r["paper_settings_no_decay"]["train_accuracy"] > 0.9, r["paper_settings_no_decay"]
