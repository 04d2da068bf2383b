"""Optimizer step time: 10 float32 parameters totalling 10M elements, fixed random gradients.

Times one `step()` of SGD(momentum=0.9) and of Adam for: `optim` (ours), hand-written NumPy (the same
equations as whole-array in-place ufuncs with `out=` and one preallocated scratch array: the floor a
careful NumPy user gets without chunking), PyTorch's foreach implementation (`foreach=True`) and
PyTorch's default CPU implementation (a per-tensor loop). torch runs on one thread by default (as in the
other benchmarks; `--torch-threads N` to change). All implementations are interleaved step by step
(each round steps every one once); the figure is the median over `--steps` rounds after `--warmup`.
Before timing, three steps of each are cross-checked against ours.

    python benchmarks/bench_optim.py                    # ~15 s
    python benchmarks/bench_optim.py --torch-threads 2
"""
from __future__ import annotations

import argparse

import _common as C
import numpy as np

N_PARAMS = 10
TOTAL = 10_000_000
LR, MOMENTUM, BETAS, EPS = 1e-3, 0.9, (0.9, 0.999), 1e-8


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    size = TOTAL // N_PARAMS
    shapes = [(size // 1000, 1000) if i % 2 else (size,) for i in range(N_PARAMS)]
    params = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
    grads = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
    return params, grads


# ------------------------------------------------------------------------------------------ the floor
def numpy_sgd(params, grads):
    bufs = [None] * len(params)
    scratch = np.empty(max(p.size for p in params), dtype=np.float32)

    def step():
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if bufs[i] is None:
                bufs[i] = g.copy()
            else:
                np.multiply(bufs[i], MOMENTUM, out=bufs[i])
                np.add(bufs[i], g, out=bufs[i])
            s = scratch[: p.size].reshape(p.shape)
            np.multiply(bufs[i], LR, out=s)
            np.subtract(p, s, out=p)

    return step


def numpy_adam(params, grads):
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    scratch = np.empty(max(p.size for p in params), dtype=np.float32)
    t = [0]
    b1, b2 = BETAS

    def step():
        t[0] += 1
        step_size = LR / (1 - b1 ** t[0])
        bc2_sqrt = (1 - b2 ** t[0]) ** 0.5
        for p, g, mi, vi in zip(params, grads, m, v, strict=True):
            s = scratch[: p.size].reshape(p.shape)
            np.multiply(mi, b1, out=mi)
            np.multiply(g, 1 - b1, out=s)
            np.add(mi, s, out=mi)
            np.multiply(vi, b2, out=vi)
            np.multiply(g, g, out=s)
            np.multiply(s, 1 - b2, out=s)
            np.add(vi, s, out=vi)
            np.sqrt(vi, out=s)
            np.divide(s, bc2_sqrt, out=s)
            np.add(s, EPS, out=s)
            np.divide(mi, s, out=s)
            np.multiply(s, step_size, out=s)
            np.subtract(p, s, out=p)

    return step


# ------------------------------------------------------------------------------------------ engines
def ours(kind, params, grads):
    import autodiff as ad
    import optim
    ts = [ad.tensor(p.copy(), requires_grad=True) for p in params]
    for t, g in zip(ts, grads, strict=True):
        t.grad = ad.Tensor._wrap(g)
    opt = optim.SGD(ts, lr=LR, momentum=MOMENTUM) if kind == "sgd" else optim.Adam(ts, lr=LR, betas=BETAS, eps=EPS)
    return opt.step, lambda: [t.data for t in ts]


def torch_impl(torch, kind, params, grads, foreach):
    ts = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
    for t, g in zip(ts, grads, strict=True):
        t.grad = torch.from_numpy(g.copy())
    if kind == "sgd":
        opt = torch.optim.SGD(ts, lr=LR, momentum=MOMENTUM, foreach=foreach)
    else:
        opt = torch.optim.Adam(ts, lr=LR, betas=BETAS, eps=EPS, foreach=foreach)
    return opt.step, lambda: [t.detach().numpy() for t in ts]


def build(kind, torch):
    params, grads = make_data()
    impls = {}
    impls["optim (ours)"] = ours(kind, params, grads)
    mine = [p.copy() for p in params]
    impls["numpy floor"] = ((numpy_sgd if kind == "sgd" else numpy_adam)(mine, grads), lambda: mine)
    if torch is not None:
        impls["torch foreach"] = torch_impl(torch, kind, params, grads, True)
        impls["torch default"] = torch_impl(torch, kind, params, grads, False)
    return impls


def cross_check(kind, torch) -> None:
    impls = build(kind, torch)
    for _ in range(3):
        for step, _ in impls.values():
            step()
    ref = impls["optim (ours)"][1]()
    for name, (_, get) in impls.items():
        for i, (a, b) in enumerate(zip(ref, get(), strict=True)):
            if not np.allclose(a, b, rtol=1e-5, atol=1e-6):
                raise SystemExit(f"{kind}: {name} disagrees with optim on parameter {i} "
                                 f"(max abs diff {np.abs(a - b).max():.3g})")


def timed(step):
    def run():
        t0 = C.now()
        step()
        return [C.now() - t0]
    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=30, help="timed rounds (default 30)")
    p.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    p.add_argument("--torch-threads", type=int, default=1, help="torch intra-op threads (default 1)")
    args = p.parse_args()

    torch = C.load_torch()
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    C.header(f"optimizer step: {N_PARAMS} float32 params, {TOTAL / 1e6:.0f}M elements, fixed random grads")
    threads = f", torch {torch.get_num_threads()} thread(s)" if torch is not None else ""
    print(f"   median of {args.steps} interleaved steps after {args.warmup} warm-up{threads}")

    summary = []
    for kind, label in (("sgd", "SGD(momentum=0.9)"), ("adam", "Adam")):
        cross_check(kind, torch)
        impls = build(kind, torch)
        C.freeze_heap()
        res = C.time_phases({n: timed(s) for n, (s, _) in impls.items()}, repeat=args.steps, warmup=args.warmup)
        ms = {n: r[0].median * 1e3 for n, r in res.items()}
        tf = ms.get("torch foreach")
        rows = [[n, ms[n], res[n][0].min * 1e3, f"{res[n][0].spread:.0%}", _x(ms[n] / ms["numpy floor"]),
                 _x(C.ratio(ms[n], tf)), f"{TOTAL * 4 / (ms[n] * 1e-3) / 1e9:.1f}"] for n in ms]
        print(f"\n{label}")
        C.table(rows, ["impl", "ms/step", "min", "iqr", "/numpy", "/torch foreach", "GB/s param"])
        o = ms["optim (ours)"]
        s = f"{kind} ours {o:.1f} ms, /numpy {_x(o / ms['numpy floor'])}"
        if tf is not None:
            s += f", /torch foreach {_x(o / tf)}, /torch default {_x(o / ms['torch default'])}"
        summary.append(s)
        del impls, res
    print("\nSUMMARY optim: " + "; ".join(summary))


def _x(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


if __name__ == "__main__":
    main()
