"""Shared helpers for the benchmark scripts: timing, RSS, child processes, torch detection, tables.

Every script runs standalone (`python benchmarks/bench_x.py`) from a source checkout: importing this
module puts the repository root on `sys.path`, so `import autodiff` works without installing.
"""
from __future__ import annotations

import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

_CHILD_TAG = "@@RESULT@@ "


# ---------------------------------------------------------------------------------------------- torch
def load_torch():
    """Return the `torch` module set to one thread (a fair match for a single-threaded engine), or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def torch_version() -> str | None:
    """torch's version without importing it (keeps a parent process light), or None if not installed."""
    from importlib import metadata
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------------------------- timing
class Timing:
    """Per-repeat samples of one measurement (seconds), with the usual summaries."""

    def __init__(self, samples: Sequence[float]) -> None:
        self.samples = list(samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median: a quick noise gauge."""
        if len(self.samples) < 4:
            return 0.0
        q = statistics.quantiles(self.samples, n=4)
        return (q[2] - q[0]) / self.median if self.median else 0.0


def time_phases(runs: dict[str, Callable[[], Sequence[float]]], repeat: int, warmup: int) -> dict[str, list[Timing]]:
    """Time several implementations, interleaved: each round calls every `run` once, in turn.

    Each `run` returns its own phase durations (e.g. fwd, bwd, total). Interleaving means a slow patch
    of the machine (another process, frequency change) hits every implementation alike, so the ratios
    stay fair. `gc.collect()` runs before each call (untimed) so garbage left by one call is not charged
    to the next; the collector stays enabled inside the call, since users pay for it too.
    Returns, per name, one `Timing` per phase.
    """
    for _ in range(warmup):
        for run in runs.values():
            gc.collect()
            run()
    acc: dict[str, list[list[float]]] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            gc.collect()
            phases = run()
            per = acc.setdefault(name, [[] for _ in phases])
            for a, v in zip(per, phases, strict=True):
                a.append(v)
    return {name: [Timing(s) for s in per] for name, per in acc.items()}


def time_calls(fns: dict[str, Callable[[], object]], repeat: int = 15, warmup: int = 3,
               min_time: float = 0.02) -> dict[str, Timing]:
    """Seconds per call of each function, sampled interleaved (see `time_phases`): calls are batched so each
    sample lasts at least `min_time`, and each round takes one sample of every function in turn, so a slow
    patch of the machine hits them alike and ratios between them stay fair."""
    runs = {}
    for key, fn in fns.items():
        for _ in range(warmup):
            fn()
        runs[key] = _batched(fn, _batch_size(fn, min_time))
    return {key: phases[0] for key, phases in time_phases(runs, repeat, warmup=0).items()}


def _batch_size(fn: Callable[[], object], min_time: float) -> int:
    """How many calls of `fn` last at least `min_time`."""
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time or number >= 1 << 20:
            return number
        number *= 2 if dt <= 0 else max(2, min(10, int(min_time / dt) + 1))


def _batched(fn: Callable[[], object], number: int) -> Callable[[], tuple[float]]:
    def run() -> tuple[float]:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        return ((time.perf_counter() - t0) / number,)
    return run


now = time.perf_counter


def freeze_heap() -> None:
    """Move every object alive now (torch's and NumPy's modules, ...) out of the cyclic GC's sight.

    Importing torch leaves ~170k tracked objects, which makes each full collection ~0.1 s; a collection
    landing inside one engine's timed window but not another's would be noise, not engine cost.
    Call after imports and setup, before timing. Objects created later are collected as usual.
    """
    gc.collect()
    gc.freeze()


# ------------------------------------------------------------------------------------------------ RSS
def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    On Linux this reads VmHWM from /proc/self/status: `getrusage(RUSAGE_SELF).ru_maxrss` survives
    exec, so a child started by a parent that holds 200 MB would report at least 200 MB. Elsewhere
    it falls back to getrusage (KiB on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024


def current_rss_mb() -> float:
    """Current resident set size in MiB (/proc on Linux; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


# ------------------------------------------------------------------------------------ child processes
def emit(result: dict) -> None:
    """Child side: hand `result` back to the parent (one tagged JSON line on stdout)."""
    sys.stdout.write(_CHILD_TAG + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_child(script: str, args: Sequence[str], timeout: float = 600) -> dict:
    """Run `python script --child args...` in a fresh interpreter and return the dict it `emit`s.

    A fresh process per measurement keeps peak RSS (a high-water mark) honest. A crash or a missing
    result is returned as {"error": ...} so the table still prints.
    """
    cmd = [sys.executable, script, "--child", *map(str, args)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(_CHILD_TAG):
            return json.loads(line[len(_CHILD_TAG):])
    tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {p.returncode}: " + " | ".join(tail)}


# ---------------------------------------------------------------------------------------------- output
def header(title: str) -> None:
    """Title line plus the machine facts needed to compare runs."""
    import numpy as np
    tv = torch_version() or "not installed"
    print(f"== {title}")
    print(f"   python {platform.python_version()}, numpy {np.__version__}, torch {tv}, "
          f"{platform.machine()}, {os.cpu_count()} cpu(s)")


def table(rows: Sequence[Sequence[object]], head: Sequence[str]) -> None:
    """Print rows as a left/right aligned text table (numbers right-aligned)."""
    cells = [[str(h) for h in head]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for k, r in enumerate(cells):
        print("  ".join(c.rjust(w) if k and _numeric(rows[k - 1][i]) else c.ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _numeric(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != x:
            return "-"
        if abs(x) >= 100:
            return f"{x:.0f}"
        if abs(x) >= 10:
            return f"{x:.1f}"
        return f"{x:.3g}"
    return str(x)


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or not b else a / b
