"""Generate autodiff/datasets/digits.npz once, from scikit-learn's bundled copy of the 8x8 digits.

    python scripts/make_digits_npz.py            # writes autodiff/datasets/digits.npz

scikit-learn is needed only here, never at run time. Its copy is the test set (optdigits.tes, 1,797 images)
of the UCI ML "Optical Recognition of Handwritten Digits" dataset (E. Alpaydin, C. Kaynak, 1998);
see autodiff/datasets/LICENSE-digits.txt for the citation and licence. Pixels are counts 0..16 and labels
0..9, so both are stored as uint8 (about 25 kB compressed). The file holds plain arrays only (no pickles).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "autodiff" / "datasets" / "digits.npz"
SOURCE = ("UCI ML hand-written digits (optdigits.tes), E. Alpaydin & C. Kaynak 1998, "
          "https://doi.org/10.24432/C50P49, CC BY 4.0; via sklearn.datasets.load_digits")


def main() -> None:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X, y = bunch.data, bunch.target
    assert X.shape == (1797, 64) and y.shape == (1797,), (X.shape, y.shape)
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X)), "pixels must be integers 0..16"
    assert set(np.unique(y)) == set(range(10))
    X8, y8 = X.astype(np.uint8), y.astype(np.uint8)
    # Write to a temporary file and rename, so an interrupted run never leaves a half-written npz.
    fd, tmp = tempfile.mkstemp(dir=OUT.parent, suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, X=X8, y=y8, source=np.array(SOURCE))
        os.replace(tmp, OUT)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sha256 {digest[:16]}...)")


if __name__ == "__main__":
    main()
