"""Cross-entropy forward + backward on logits (N, C), for 10 to 32,000 classes.

Times `nn.CrossEntropyLoss()(x, target).backward()` (ours), the same by hand in NumPy (the floor: one
max-shifted softmax whose exponentials the backward reuses) and PyTorch's `cross_entropy` (one thread,
float32 as ours), interleaved round by round. With many classes the loss's cost is its passes over N x C:
the forward keeps its exponentials as residuals, so backward divides once instead of recomputing them.
Every implementation's loss and gradient are cross-checked against the floor's first.

    python benchmarks/bench_losses.py                       # ~10 s
    python benchmarks/bench_losses.py --sizes 128x10,64x50000
"""
from __future__ import annotations

import argparse

import _common as C
import numpy as np

SIZES = "128x10,128x1000,256x32000"


def make_data(n: int, c: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)).astype(np.float32), rng.integers(0, c, n)


def floor_impl(x, y):
    n = x.shape[0]
    rows = np.arange(n)

    def run():
        z = x - x.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        g = e / s
        g[rows, y] -= 1
        g /= n
        return loss, g

    return run


def ours_impl(x, y):
    import autodiff as ad
    import nn
    xt = ad.tensor(x, requires_grad=True)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        xt.grad = None
        loss = loss_fn(xt, y)
        loss.backward()
        return float(loss.item()), xt.grad.numpy()

    return run


def torch_impl(torch, x, y):
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.tensor(y)

    def run():
        xt.grad = None
        loss = torch.nn.functional.cross_entropy(xt, yt)
        loss.backward()
        return float(loss.item()), xt.grad.numpy()

    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=SIZES, help=f"comma-separated NxC (default {SIZES})")
    p.add_argument("--repeat", type=int, default=11, help="interleaved rounds (default 11)")
    args = p.parse_args()
    torch = C.load_torch()
    C.header("cross-entropy forward + backward: nn.CrossEntropyLoss vs NumPy floor vs PyTorch")
    print(f"   float32, torch threads 1; median of {args.repeat} interleaved rounds; us per forward+backward")
    rows, summary = [], []
    for size in args.sizes.split(","):
        n, c = (int(v) for v in size.lower().split("x"))
        x, y = make_data(n, c)
        impls = {"numpy floor": floor_impl(x, y), "autodiff+nn": ours_impl(x, y)}
        if torch is not None:
            impls["torch"] = torch_impl(torch, x, y)
        ref_loss, ref_grad = impls["numpy floor"]()
        for name, run in impls.items():
            loss, grad = run()
            if not (np.isclose(loss, ref_loss, rtol=1e-5) and np.allclose(grad, ref_grad, rtol=1e-4, atol=1e-7)):
                raise SystemExit(f"{size}: {name} disagrees with the floor (loss {loss} vs {ref_loss})")
        C.freeze_heap()
        t = C.time_calls(impls, repeat=args.repeat, min_time=0.05)
        floor, ours = t["numpy floor"].median, t["autodiff+nn"].median
        tt = t["torch"].median if "torch" in t else None
        for name, tm in t.items():
            rows.append([f"{n}x{c}", name, tm.median * 1e6, tm.min * 1e6, f"{tm.spread:.0%}",
                         C.ratio(tm.median, floor), C.ratio(tm.median, tt)])
        part = f"{n}x{c}: ours/floor {ours / floor:.2f}x"
        if tt is not None:
            part += f", ours/torch {ours / tt:.2f}x"
        summary.append(part)
    C.table(rows, ["NxC", "impl", "us", "min", "iqr", "/floor", "/torch"])
    print("\nSUMMARY cross-entropy: " + "; ".join(summary))


if __name__ == "__main__":
    main()
