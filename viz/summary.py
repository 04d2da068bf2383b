"""Short text summaries of arrays and the gradient-health verdicts used in graph labels."""
from __future__ import annotations

import numpy as np

VANISHING = 1e-6
"""Default threshold: a gradient whose RMS is below this is flagged as vanishing."""
EXPLODING = 1e3
"""Default threshold: a gradient whose RMS is above this (or any non-finite entry) is flagged as exploding."""


def fmt(x: float, precision: int = 4) -> str:
    """A number in at most `precision` significant digits ('-4', '0.3333', '1.2e-08')."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.{precision}g}"


def value_lines(a, max_elements: int = 8, precision: int = 4, prefix: str = "") -> list[str]:
    """The array itself when it is 0-d or has at most `max_elements` entries, else a one-line summary.

    Summaries are mean/std/min/max over the finite entries, with the count of nan and inf entries.
    """
    a = np.asarray(a)
    if a.ndim == 0:
        return [prefix + fmt(a.item(), precision)]
    if a.size == 0:
        return [prefix + "(empty)"]
    if a.size <= max_elements:
        if a.ndim == 1:
            return [prefix + _row(a, precision)]
        if a.ndim == 2:
            rows = [_row(r, precision) for r in a]
            pad = " " * (len(prefix) + 1)
            lines = [prefix + "[" + rows[0]] + [pad + r for r in rows[1:]]
            lines[-1] += "]"
            return lines
        text = np.array2string(a, precision=precision, separator=", ", max_line_width=48)
        lines = text.splitlines()
        return [prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]]
    if a.dtype.kind == "b":
        return [prefix + f"{int(a.sum())}/{a.size} true"]
    if a.dtype.kind in "iu":
        return [prefix + f"min {a.min()} max {a.max()} mean {fmt(a.mean(dtype=np.float64), precision)}"]
    finite = np.isfinite(a)
    bad = ""
    if not finite.all():
        n_nan = int(np.isnan(a).sum())
        n_inf = a.size - int(finite.sum()) - n_nan
        bad = " (" + ", ".join(s for s in (f"{n_nan} nan" if n_nan else "", f"{n_inf} inf" if n_inf else "")
                               if s) + ")"
        a = a[finite]
        if a.size == 0:
            return [prefix + "all non-finite" + bad]
    a64 = a.astype(np.float64, copy=False)
    return [prefix + f"mean {fmt(a64.mean(), precision)} std {fmt(a64.std(), precision)}",
            " " * len(prefix) + f"min {fmt(a64.min(), precision)} max {fmt(a64.max(), precision)}" + bad]


def _row(a: np.ndarray, precision: int) -> str:
    return "[" + ", ".join(fmt(v, precision) for v in a.tolist()) + "]"


def grad_health(g, vanishing: float = VANISHING, exploding: float = EXPLODING) -> tuple[float, str]:
    """(RMS of `g`, verdict) with verdict one of 'ok', 'vanishing', 'exploding', 'non-finite'."""
    g = np.asarray(g)
    if g.size == 0:
        return 0.0, "ok"
    if g.dtype.kind != "f":
        g = g.astype(np.float64)
    if not np.isfinite(g).all():
        return float("nan"), "non-finite"
    g64 = g.astype(np.float64, copy=False)
    rms = float(np.sqrt(np.mean(g64 * g64)))
    if rms < vanishing:
        return rms, "vanishing"
    if rms > exploding:
        return rms, "exploding"
    return rms, "ok"
