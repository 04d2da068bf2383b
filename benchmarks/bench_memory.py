"""Memory: RSS must not grow over 1,000 repeated forward/backward passes (plus an SGD step each).

A small MLP-like expression, loss = mean((tanh(x W1 + b1) W2 + b2 - y)^2) with x (32, 8), W1 (8, 16),
W2 (16, 1), runs `--iters` times: grads cleared, forward, backward, `p.sub_(lr * p.grad)` under
no_grad. A second autodiff variant adds a gradient penalty through `ad.grad(..., create_graph=True)`
(double backward: graphs that reference graphs, the usual place for leaks). NumPy (hand-written) and
PyTorch run the same loop for comparison. Each series runs in a fresh process; RSS and the number of
GC-tracked objects are sampled every `--every` iterations. Growth = last sample - sample at iteration
`--every` (the first samples include warm-up allocations). Exits 1 if an autodiff series grows by more
than `--limit-mb` of RSS or by more than `--limit-objects` live GC-tracked objects (the object count
catches small per-iteration leaks, e.g. a kept Tensor whose buffers backward freed, long before RSS does).

    python benchmarks/bench_memory.py       # ~5 s
"""
from __future__ import annotations

import argparse
import gc
import sys

import _common as C

SERIES = ["numpy", "autodiff", "autodiff-2nd", "torch", "torch-2nd"]
LR = 1e-3


def _data():
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8))
    y = rng.standard_normal((32, 1))
    params = [rng.standard_normal((8, 16)) / 3, np.zeros(16), rng.standard_normal((16, 1)) / 4, np.zeros(1)]
    return x, y, params


def make_step(kind: str):
    """Return one training iteration for `kind` (forward, backward, SGD update)."""
    import numpy as np
    x, y, params = _data()
    if kind == "numpy":
        W1, b1, W2, b2 = params

        def step():
            h = np.tanh(x @ W1 + b1)
            r = h @ W2 + b2 - y
            gr = 2.0 * r / r.size
            gW2, gb2 = h.T @ gr, gr.sum(0)
            gz = (gr @ W2.T) * (1.0 - h * h)
            gW1, gb1 = x.T @ gz, gz.sum(0)
            for p, g in zip(params, (gW1, gb1, gW2, gb2), strict=True):
                p -= LR * g
        return step

    second = kind.endswith("-2nd")
    if kind.startswith("torch"):
        torch = C.load_torch()
        T = lambda a: torch.from_numpy(a)  # noqa: E731
        ps = [T(p).requires_grad_() for p in params]
        xt, yt = T(x), T(y)
        no_grad, grad, tanh = torch.no_grad, torch.autograd.grad, torch.tanh
    else:
        import autodiff as ad
        T = ad.Tensor
        ps = [T(p, requires_grad=True) for p in params]
        xt, yt = T(x), T(y)
        no_grad, grad, tanh = ad.no_grad, ad.grad, ad.tanh
    W1, b1, W2, b2 = ps

    def step():
        for p in ps:
            p.grad = None
        loss = ((tanh(xt @ W1 + b1) @ W2 + b2 - yt) ** 2).mean()
        if second:
            gs = grad(loss, ps, create_graph=True)
            loss = loss + 0.01 * sum((g * g).sum() for g in gs)
        loss.backward()
        with no_grad():
            for p in ps:
                p.sub_(LR * p.grad)
    return step


def child(kind: str, iters: int, every: int) -> None:
    step = make_step(kind)
    step()
    C.freeze_heap()
    rss, objs = [C.current_rss_mb()], [len(gc.get_objects())]
    t0 = C.now()
    for i in range(1, iters + 1):
        step()
        if i % every == 0:
            rss.append(C.current_rss_mb())
            objs.append(len(gc.get_objects()))
    C.emit({"kind": kind, "rss": rss, "objs": objs, "secs": C.now() - t0, "peak": C.peak_rss_mb()})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iters", type=int, default=1000, help="forward/backward passes (default 1000)")
    p.add_argument("--every", type=int, default=100, help="sample RSS every this many passes (default 100)")
    p.add_argument("--limit-mb", type=float, default=4.0, help="allowed RSS growth after the first sample (MB)")
    p.add_argument("--limit-objects", type=int, default=200,
                   help="allowed growth in GC-tracked objects after the first sample (default 200)")
    p.add_argument("--child", nargs=3, metavar=("KIND", "ITERS", "EVERY"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return

    kinds = [k for k in SERIES if not k.startswith("torch") or C.torch_version()]
    C.header(f"memory: {args.iters} x (forward, backward, SGD step) of a small MLP expression, float64")
    print(f"   RSS (MB) at iteration 0, {args.every}, 2x{args.every}, ...; growth = last - at {args.every}; "
          "'-2nd' = plus a create_graph gradient penalty")
    rows, summary, failed = [], [], []
    for kind in kinds:
        r = C.run_child(__file__, [kind, args.iters, args.every])
        if "error" in r:
            rows.append([kind, None, None, None, None, None, r["error"][:80]])
            failed.append(f"{kind}: {r['error']}")
            continue
        rss, objs = r["rss"], r["objs"]
        growth, ogrowth = rss[-1] - rss[1], objs[-1] - objs[1]
        if kind.startswith("autodiff") and growth > args.limit_mb:
            failed.append(f"{kind} RSS grew {growth:.2f} MB (limit {args.limit_mb} MB)")
        if kind.startswith("autodiff") and ogrowth > args.limit_objects:
            failed.append(f"{kind} kept {ogrowth} more objects (limit {args.limit_objects})")
        rows.append([kind, r["secs"] / args.iters * 1e6, rss[0], rss[-1], growth, ogrowth,
                     " ".join(f"{v:.1f}" for v in rss)])
        if kind.startswith("autodiff") or kind.startswith("torch"):
            summary.append(f"{kind} {growth:+.2f} MB ({ogrowth:+d} objects)")
    print()
    C.table(rows, ["series", "us/iter", "RSS@0", "RSS@end", "growth MB", "+objects", "RSS series (MB)"])
    print()
    print(f"SUMMARY memory: growth after iteration {args.every}: " + "; ".join(summary)
          + f" (limits for autodiff: {args.limit_mb} MB, {args.limit_objects} objects)")
    if failed:
        print("FAILED: " + "; ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
