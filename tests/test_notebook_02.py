"""Notebook 02 (Rumelhart et al. symmetry detection) executes in quick mode within stated bounds."""
from __future__ import annotations

import numpy as np
import pytest
from notebook_runner import run_notebook

pytest.importorskip("nbclient")


def test_02_symmetry(tmp_path):
    r = run_notebook("02_symmetry", tmp_path)
    assert r["quick"] and (r["eps"], r["alpha"]) == (0.1, 0.9)
    sweeps = np.asarray(r["sweeps_per_seed"])
    assert len(sweeps) == r["n_seeds"] >= 2
    solved = sweeps[sweeps >= 0]
    assert r["success_count"] == len(solved) >= 1          # at least one net solves within the quick cap
    assert np.all(solved <= r["cap"])
    assert r["median_sweeps"] == pytest.approx(float(np.median(solved)))
    # the paper's solution: hidden weights antisymmetric about the centre (w_i = -w_(7-i))
    assert r["best_seed_antisymmetry"] < 0.05
