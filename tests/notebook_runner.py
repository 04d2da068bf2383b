"""Execute a notebook in quick mode (AUTODIFF_QUICK=1) with nbclient and return its results JSON."""
from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def run_notebook(name: str, tmp_path: Path, timeout: int = 300) -> dict:
    """Run notebooks/<name>.ipynb quickly; results go to tmp_path, never over the committed ones."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    env_before = dict(os.environ)
    os.environ["AUTODIFF_QUICK"] = "1"
    os.environ["AUTODIFF_RESULTS_DIR"] = str(tmp_path)
    os.environ["MPLBACKEND"] = "Agg"
    # small matrices: one BLAS thread (several spin and stall each other on a busy 2-core machine)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # the kernel imports this checkout's packages, whatever else is installed
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env_before.get("PYTHONPATH")]))
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    with open(tmp_path / f"{name}.json") as f:
        return json.load(f)
