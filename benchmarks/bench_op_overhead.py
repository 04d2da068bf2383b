"""Per-op overhead: a chain of small elementwise ops (mul, add, tanh, cycling), forward then backward.

Measures microseconds per op (forward + backward, graph freed) on a 0-d and on a (16,) float64 tensor,
for autodiff, hand-written NumPy (forward and backward by hand: the floor) and PyTorch eager
(one thread, float64), in one run. Constants (x0.999, +0.001, tanh) keep values bounded.

    python benchmarks/bench_op_overhead.py                 # full table (~10 s)
    python benchmarks/bench_op_overhead.py --profile 0d    # cProfile of autodiff's 0-d chain, top 15 by tottime
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats

import _common as C
import numpy as np

MUL, ADD = 0.999, 0.001
SHAPES = {"0d": (), "16": (16,)}


# -------------------------------------------------------------------------------------------- autodiff
def ours_run(shape: tuple, n: int):
    import autodiff as ad

    x = ad.Tensor(np.full(shape, 0.5), requires_grad=True)
    seed = np.ones(shape)
    tanh = ad.tanh

    def run():
        x.grad = None
        t0 = C.now()
        y = x
        for i in range(n):
            k = i % 3
            if k == 0:
                y = y * MUL
            elif k == 1:
                y = y + ADD
            else:
                y = tanh(y)
        t1 = C.now()
        y.backward(seed)
        del y
        t2 = C.now()
        return t1 - t0, t2 - t1, t2 - t0

    return run, lambda: float(np.sum(x.grad.numpy()))


# ----------------------------------------------------------------------------------------------- numpy
def numpy_run(shape: tuple, n: int):
    """The floor: the same chain with NumPy, saving what backward needs and differentiating by hand."""
    x = np.full(shape, 0.5)
    out = {}

    def run():
        t0 = C.now()
        y = x
        saved = []  # tanh outputs, in order
        push = saved.append
        for i in range(n):
            k = i % 3
            if k == 0:
                y = y * MUL
            elif k == 1:
                y = y + ADD
            else:
                y = np.tanh(y)
                push(y)
        t1 = C.now()
        g = np.ones(shape)
        pop = saved.pop
        for i in range(n - 1, -1, -1):
            k = i % 3
            if k == 0:
                g = g * MUL
            elif k == 2:
                a = pop()
                g = g * (1.0 - a * a)
            # add: gradient passes through unchanged
        del saved, y
        t2 = C.now()
        out["g"] = g
        return t1 - t0, t2 - t1, t2 - t0

    return run, lambda: float(np.sum(out["g"]))


# ----------------------------------------------------------------------------------------------- torch
def torch_run(torch, shape: tuple, n: int):
    x = torch.full(shape, 0.5, dtype=torch.float64, requires_grad=True)
    seed = torch.ones(shape, dtype=torch.float64)
    tanh = torch.tanh

    def run():
        x.grad = None
        t0 = C.now()
        y = x
        for i in range(n):
            k = i % 3
            if k == 0:
                y = y * MUL
            elif k == 1:
                y = y + ADD
            else:
                y = tanh(y)
        t1 = C.now()
        y.backward(seed)
        del y
        t2 = C.now()
        return t1 - t0, t2 - t1, t2 - t0

    return run, lambda: float(x.grad.sum())


# ------------------------------------------------------------------------------------------------ main
def measure(args) -> None:
    torch = C.load_torch()
    C.header(f"op overhead: chain of {args.n} ops (mul {MUL}, add {ADD}, tanh), float64, forward+backward")
    print(f"   median of {args.repeat} interleaved repeats after {args.warmup} warmups; us/op = time / {args.n}"
          f"{'; gc disabled' if args.no_gc else ''}")
    rows = []
    summary = []
    for label, shape in SHAPES.items():
        impls = [("numpy", numpy_run(shape, args.n)), ("autodiff", ours_run(shape, args.n))]
        if torch is not None:
            impls.append(("torch", torch_run(torch, shape, args.n)))
        C.freeze_heap()
        if args.no_gc:
            gc.disable()
        res = C.time_phases({name: run for name, (run, _) in impls}, args.repeat, args.warmup)
        gc.enable()
        grads = {name: grad() for name, (_, grad) in impls}
        ref = grads["numpy"]
        for name, g in grads.items():  # same chain, same gradient: guards against measuring the wrong thing
            if not np.isclose(g, ref, rtol=1e-9, atol=0):
                raise SystemExit(f"{name} gradient {g!r} != numpy's {ref!r} on shape {shape}")
        us = {k: v[2].median / args.n * 1e6 for k, v in res.items()}
        for name, (fwd, bwd, tot) in res.items():
            rows.append([label, name, fwd.median / args.n * 1e6, bwd.median / args.n * 1e6, us[name],
                         tot.min / args.n * 1e6, f"{tot.spread * 100:.0f}%",
                         _x(C.ratio(us[name], us.get("torch"))), _x(C.ratio(us[name], us["numpy"]))])
        summary.append(f"{label}: ours/torch {_x(C.ratio(us['autodiff'], us.get('torch')))}, "
                       f"ours/numpy {_x(C.ratio(us['autodiff'], us['numpy']))} "
                       f"({us['autodiff']:.2f} us/op)")
    print()
    C.table(rows, ["shape", "impl", "fwd us/op", "bwd us/op", "total us/op", "min", "iqr", "/torch", "/numpy"])
    print()
    print("SUMMARY op overhead: " + "; ".join(summary))


def _x(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def profile(args) -> None:
    """cProfile the autodiff chain (many repeats of it) and print the top functions by own time."""
    shape = SHAPES[args.profile]
    run, _ = ours_run(shape, args.n)
    for _ in range(args.warmup):
        run()
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(args.repeat):
        run()
    pr.disable()
    s = io.StringIO()
    st = pstats.Stats(pr, stream=s)
    st.sort_stats("tottime").print_stats(args.top)
    total_ops = args.repeat * args.n
    print(f"== cProfile: autodiff, shape {shape}, {args.repeat} x {args.n} ops (fwd+bwd); "
          f"profiled time {st.total_tt:.3f} s = {st.total_tt / total_ops * 1e6:.2f} us/op (with profiler overhead)")
    text = s.getvalue()
    print(text[text.index("   ncalls"):] if "   ncalls" in text else text)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000, help="ops in the chain (default 2000)")
    p.add_argument("--repeat", type=int, default=21, help="timed repeats (default 21)")
    p.add_argument("--warmup", type=int, default=3, help="untimed warmup runs (default 3)")
    p.add_argument("--no-gc", action="store_true", help="disable the cyclic GC while timing (diagnosis only)")
    p.add_argument("--profile", choices=sorted(SHAPES), help="cProfile autodiff on this shape instead of timing")
    p.add_argument("--top", type=int, default=15, help="functions to list with --profile (default 15)")
    args = p.parse_args()
    if args.profile:
        profile(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
