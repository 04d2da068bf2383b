"""Re-execute notebooks in full mode, in place, so their committed outputs and results JSON are fresh.

    python scripts/run_notebooks.py                 # every notebook
    python scripts/run_notebooks.py 02_symmetry     # just one (name without .ipynb)

Each notebook writes its headline numbers to notebooks/results/<name>.json; the tests run the same
notebooks in quick mode (AUTODIFF_QUICK=1) and check those numbers against stated bounds.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run(name: str) -> float:
    """Execute notebooks/<name>.ipynb in full mode and write it back with its outputs; return seconds taken."""
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    os.environ.pop("AUTODIFF_QUICK", None)
    os.environ.pop("AUTODIFF_RESULTS_DIR", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(names: list[str]) -> None:
    names = names or sorted(p.stem for p in NOTEBOOKS.glob("[0-9]*.ipynb"))
    for name in names:
        print(f"{name}: {run(name):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
