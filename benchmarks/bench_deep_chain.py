"""Deep chains: 1e4, 1e5, 1e6 ops (alternating mul/add on a 0-d float64 tensor), forward + backward + free.

Each (engine, size) runs in a fresh subprocess, so the peak RSS (the VmHWM high-water mark) is that
measurement's alone. Chains up to 1e4 ops run 5 times, up to 1e5 3 times (the median run is kept).
Reported: seconds for forward, backward, `del` of the output, their total, peak RSS,
and the RSS growth over the process's baseline (imports done, nothing built). A second chain of the same
size is then built and deleted *without* backward, timing that free on its own: both frees must work
without RecursionError or a stack overflow (a failure exits nonzero).

NumPy has no graph: its row is the hand-written loop (forward, then the chain rule by hand), a time floor.

    python benchmarks/bench_deep_chain.py            # 1e4, 1e5, 1e6 (~30 s)
    python benchmarks/bench_deep_chain.py --quick    # stops at 1e5 (~3 s)
"""
from __future__ import annotations

import argparse
import sys

import _common as C

MUL, ADD = 0.99999, 0.00001  # y -> 1 stays bounded; dy/dx = MUL ** (number of muls) stays well above 0


def expected_grad(n: int) -> float:
    return MUL ** ((n + 1) // 2)


def child(engine: str, n: int, no_gc: bool) -> None:
    """Runs in a fresh interpreter: measure one (engine, size), then `emit` the figures."""
    import gc

    import numpy as np

    if engine == "torch":
        torch = C.load_torch()
        make = lambda: torch.tensor(0.5, dtype=torch.float64, requires_grad=True)  # noqa: E731
        grad_of = lambda x: float(x.grad)  # noqa: E731
    elif engine == "autodiff":
        import autodiff as ad
        make = lambda: ad.Tensor(np.float64(0.5), requires_grad=True)  # noqa: E731
        grad_of = lambda x: float(x.grad.item())  # noqa: E731
    else:
        make = lambda: np.float64(0.5)  # noqa: E731
        grad_of = None

    def chain(x, m):
        y = x
        for i in range(m):
            y = y * MUL if i % 2 == 0 else y + ADD
        return y

    # warm up the code paths, then take the baseline
    if engine == "numpy":
        _ = chain(make(), 100)
    else:
        w = make()
        chain(w, 100).backward()
        del w
    C.freeze_heap()
    if no_gc:
        gc.disable()
    base = C.current_rss_mb()
    res = {"engine": engine, "n": n, "base_mb": base}
    reps = 5 if n <= 10_000 else 3 if n <= 100_000 else 1  # short chains are noisy: keep the median run
    try:
        runs = []
        for _ in range(reps):
            gc.collect()
            x = make()
            t0 = C.now()
            y = chain(x, n)
            t1 = C.now()
            if engine == "numpy":  # hand-written backward: d(y*c)/dy = c, d(y+c)/dy = 1
                g = 1.0
                for i in range(n - 1, -1, -1):
                    if i % 2 == 0:
                        g = g * MUL
            else:
                y.backward()
            t2 = C.now()
            del y
            t3 = C.now()
            grad = g if engine == "numpy" else grad_of(x)
            runs.append((t3 - t0, t1 - t0, t2 - t1, t3 - t2, grad))
        runs.sort()
        total, fwd, bwd, free, grad = runs[len(runs) // 2]
        res.update(fwd=fwd, bwd=bwd, free=free, total=total, runs=reps, peak_mb=C.peak_rss_mb())
        res["grad_ok"] = all(abs(r[4] - expected_grad(n)) <= 1e-9 * expected_grad(n) for r in runs)
        # free an un-backpropagated chain: the whole graph is alive when `del` drops it
        if engine != "numpy":
            y = chain(make(), n)
            t4 = C.now()
            del y
            res["free_nobwd"] = C.now() - t4
    except RecursionError as e:
        res["error"] = f"RecursionError: {e}"
    C.emit(res)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="stop at 1e5 ops")
    p.add_argument("--sizes", type=lambda s: [int(float(v)) for v in s.split(",")],
                   help="comma-separated chain lengths (default 1e4,1e5,1e6)")
    p.add_argument("--no-gc", action="store_true", help="disable the cyclic GC in the children (diagnosis only)")
    p.add_argument("--child", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.no_gc)
        return

    sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    engines = ["numpy", "autodiff"] + (["torch"] if C.torch_version() else [])
    C.header(f"deep chain: alternating mul {MUL} / add {ADD} on a 0-d float64 tensor; "
             "forward + backward + del, one fresh process per row" + ("; gc disabled" if args.no_gc else ""))
    print("   numpy: no graph (hand-written loops, a time floor); 'free no-bwd' = del of a second, "
          "un-backpropagated chain")
    rows, summary, failed = [], [], []
    for n in sizes:
        got = {}
        for eng in engines:
            r = got[eng] = C.run_child(__file__, [eng, n] + (["--no-gc"] if args.no_gc else []))
            if "error" in r or not r.get("grad_ok", False):
                failed.append(f"{eng} n={n}: {r.get('error', 'wrong gradient')}")
                rows.append([f"{n:.0e}", eng, None, None, None, None, None, None, None, None,
                             r.get("error", "wrong gradient")[:60]])
                continue
        tt = got.get("torch", {}).get("total")
        for eng in engines:
            r = got[eng]
            if "error" in r or not r.get("grad_ok", False):
                continue
            growth = r["peak_mb"] - r["base_mb"]
            rows.append([f"{n:.0e}", eng, r["fwd"], r["bwd"], r["free"], r["total"], r.get("free_nobwd"),
                         r["peak_mb"], growth, growth * 2**20 / n if eng != "numpy" else None,
                         _x(C.ratio(r["total"], tt))])
        ours, torch = got.get("autodiff", {}), got.get("torch", {})
        if "total" in ours:
            s = f"{n:.0e}: ours {ours['total']:.3g} s / {ours['peak_mb']:.0f} MB"
            if "total" in torch:
                s += (f" vs torch {torch['total']:.3g} s / {torch['peak_mb']:.0f} MB "
                      f"({_x(C.ratio(ours['total'], torch['total']))})")
            summary.append(s)
    print()
    C.table(rows, ["ops", "impl", "fwd s", "bwd s", "del s", "total s", "free no-bwd s", "peak MB",
                   "+MB", "B/op", "/torch"])
    print()
    print("SUMMARY deep chain: " + "; ".join(summary))
    if failed:
        print("FAILED: " + "; ".join(failed))
        sys.exit(1)


def _x(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


if __name__ == "__main__":
    main()
