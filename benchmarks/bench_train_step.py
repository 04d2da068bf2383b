"""Training-step benchmark (issue 4): nn + autodiff vs hand-written NumPy (the floor) vs PyTorch.

Three workloads, each one full step (forward, loss, backward, plain SGD update):

- mlp:       float32 MLP 784-256-256-10, ReLU, batch 128, cross-entropy. Also peak RSS over 50 steps,
             each implementation in its own fresh process.
- micrograd: micrograd's demo: 2-16-16-1 ReLU MLP on 100 two-moons points (generated inline), hinge
             loss mean(relu(1 - y score)) + 1e-4 * sum(p^2), full batch, float64 (micrograd's doubles).
- conv:      batch 32 of 1x28x28 -> Conv2d(1, 8, 3) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1352, 10),
             cross-entropy, float32.

Timings: the three implementations are interleaved (each round runs one batch of steps of each in turn,
after an untimed 50 ms pause and one untimed step, so that one engine's spinning worker threads do not slow
the next and each starts with its own threads awake) and the
median per-step time over the rounds is reported, with ratios to the floor and to torch. The pause also
leaves each batch starting cold, which costs torch more than us on the small micrograd workload: there
`--pause 0` times the steady state (batches back to back). Not for mlp/conv: with BLAS threads, the
previous engine's spinning threads then slow the next one (the floor runs right after torch).
torch runs with as many threads as NumPy's BLAS uses (threadpoolctl), so both get the same cores.
Every implementation's loss after the same steps from the same initial weights is cross-checked.
The SUMMARY gives each ratio of medians and, in parentheses, the median over rounds of the ratio within
a round, which the host's slow patches (they hit a whole round) disturb less.

    python benchmarks/bench_train_step.py              # all workloads (~40 s)
    python benchmarks/bench_train_step.py --only mlp   # one workload
    python benchmarks/bench_train_step.py --only micrograd --pause 0   # steady state, no pause between batches
    python benchmarks/bench_train_step.py --profile mlp  # cProfile of our step, top 20 by tottime
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time

import _common as C
import numpy as np

LR = 0.01
PAUSE = 0.05  # seconds between timed batches of different implementations


def blas_threads() -> int:
    """NumPy's BLAS thread count (threadpoolctl, from the `bench` extra); without it, OpenBLAS's default guessed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        guess = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
        print(f"   warning: threadpoolctl is not installed (pip install -e '.[bench]'); assuming NumPy's BLAS uses "
              f"{guess} thread(s), and --threads cannot limit it")
        return guess
    n = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(n) if n else 1


def load_torch(threads: int):
    torch = C.load_torch()
    if torch is not None:
        torch.set_num_threads(threads)
    return torch


# ------------------------------------------------------------------------------------------- weights
def init_mlp(sizes, dtype, seed=0):
    """(W (out, in), b) per layer, PyTorch's default init; shared by all implementations."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=False):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype),
                       rng.uniform(-bound, bound, fan_out).astype(dtype)))
    return layers


def mlp_data(seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    return x, y


def moons(n=100, noise=0.1, seed=2):
    """Two interleaving half circles (as sklearn's make_moons), labels in {-1, +1}."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    x = np.vstack([np.c_[np.cos(t_out), np.sin(t_out)], np.c_[1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]])
    x += rng.normal(scale=noise, size=x.shape)
    y = np.r_[-np.ones(n_out), np.ones(n_in)]
    return x.astype(np.float64), y.astype(np.float64)


def conv_data(seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 32)
    w_bound = 1 / 3.0
    conv_w = rng.uniform(-w_bound, w_bound, (8, 1, 3, 3)).astype(np.float32)
    conv_b = rng.uniform(-w_bound, w_bound, 8).astype(np.float32)
    (fc_w, fc_b), = init_mlp([8 * 13 * 13, 10], np.float32, seed=4)
    return x, y, conv_w, conv_b, fc_w, fc_b


# ============================================================================================== ours
def ours_mlp():
    import autodiff as ad
    import nn
    x, y = mlp_data()
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    _load_linear(model, init_mlp([784, 256, 256, 10], np.float32))
    return _ours_step(ad, model, nn.CrossEntropyLoss(), ad.from_numpy(x), y, np.float32)


def ours_micrograd():
    import autodiff as ad
    import nn
    x, y = moons()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    _load_linear(model, init_mlp([2, 16, 16, 1], np.float64))
    params = list(model.parameters())
    xt, yt = ad.from_numpy(x), y.reshape(-1, 1)

    def loss_fn(scores, _):
        data_loss = (1.0 - yt * scores).relu().mean()
        reg = sum((p * p).sum() for p in params)
        return data_loss + 1e-4 * reg

    return _ours_step(ad, model, loss_fn, xt, None, np.float64)


def ours_conv():
    import autodiff as ad
    import nn
    x, y, cw, cb, fw, fb = conv_data()
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 10))
    model.load_state_dict({"0.weight": cw, "0.bias": cb, "4.weight": fw, "4.bias": fb})
    return _ours_step(ad, model, nn.CrossEntropyLoss(), ad.from_numpy(x), y, np.float32)


def _load_linear(model, layers) -> None:
    import nn
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for m, (w, b) in zip(linears, layers, strict=False):
        m.load_state_dict({"weight": w, "bias": b})


def _ours_step(ad, model, loss_fn, x, y, dtype):
    params = list(model.parameters())
    assert all(p.dtype == dtype for p in params)

    def step():
        model.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        for p in params:  # plain SGD on the arrays, as `p.data -= lr * p.grad.data` in PyTorch
            p.data -= LR * p.grad.data
        return loss

    def check():
        loss = step()
        assert loss.dtype == dtype and all(p.grad.dtype == dtype for p in params), "dtype drifted from " + str(dtype)
        return float(loss.item())

    return step, check


# ============================================================================================= floor
def floor_mlp():
    """Hand-written NumPy: W stored (in, out) so every product is a plain GEMM; float32 throughout."""
    x, y = mlp_data()
    ws = [(np.ascontiguousarray(w.T), b) for w, b in init_mlp([784, 256, 256, 10], np.float32)]
    n = x.shape[0]
    rows = np.arange(n)
    lr = np.float32(LR)
    out = {}

    def step():
        (w1, b1), (w2, b2), (w3, b3) = ws
        z1 = x @ w1
        z1 += b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2
        z2 += b2
        h2 = np.maximum(z2, 0)
        z3 = h2 @ w3
        z3 += b3
        m = z3.max(axis=1, keepdims=True)
        e = np.exp(z3 - m)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - z3[rows, y]))
        p = e / s
        p[rows, y] -= 1
        p /= n
        g3w, g3b = h2.T @ p, p.sum(axis=0)
        d2 = p @ w3.T
        d2 *= z2 > 0
        g2w, g2b = h1.T @ d2, d2.sum(axis=0)
        d1 = d2 @ w2.T
        d1 *= z1 > 0
        g1w, g1b = x.T @ d1, d1.sum(axis=0)
        for (w, b), gw, gb in zip(ws, (g1w, g2w, g3w), (g1b, g2b, g3b), strict=False):
            w -= lr * gw
            b -= lr * gb
        out["loss"] = loss
        return loss

    def check():
        loss = step()
        assert all(w.dtype == np.float32 and b.dtype == np.float32 for w, b in ws)
        return loss

    return step, check


def floor_micrograd():
    x, y = moons()
    ws = [(np.ascontiguousarray(w.T), b) for w, b in init_mlp([2, 16, 16, 1], np.float64)]
    n = x.shape[0]
    yc = y.reshape(-1, 1)

    def step():
        (w1, b1), (w2, b2), (w3, b3) = ws
        z1 = x @ w1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0)
        s = h2 @ w3 + b3
        margin = 1.0 - yc * s
        reg = sum(float(np.sum(w * w)) + float(np.sum(b * b)) for w, b in ws)
        loss = float(np.mean(np.maximum(margin, 0))) + 1e-4 * reg
        ds = (margin > 0) * -yc / n
        g3w, g3b = h2.T @ ds, ds.sum(axis=0)
        d2 = (ds @ w3.T) * (z2 > 0)
        g2w, g2b = h1.T @ d2, d2.sum(axis=0)
        d1 = (d2 @ w2.T) * (z1 > 0)
        g1w, g1b = x.T @ d1, d1.sum(axis=0)
        for (w, b), gw, gb in zip(ws, (g1w, g2w, g3w), (g1b, g2b, g3b), strict=False):
            w -= LR * (gw + 2e-4 * w)
            b -= LR * (gb + 2e-4 * b)
        return loss

    return step, step


def floor_conv():
    """im2col convolution (cols kept for the weight gradient), max-pool by a running maximum over the four
    window offsets with first-max masks in backward, dense layer, cross-entropy."""
    x, y, cw, cb, fw, fb = conv_data()
    n = x.shape[0]
    rows = np.arange(n)
    params = {"cw": cw.reshape(8, 9).copy(), "cb": cb.copy(), "fw": np.ascontiguousarray(fw.T), "fb": fb.copy()}
    lr = np.float32(LR)
    offsets = [(0, 0), (0, 1), (1, 0), (1, 1)]

    def step():
        cwm, cbv, fwm, fbv = params["cw"], params["cb"], params["fw"], params["fb"]
        cols = np.empty((n, 1, 3, 3, 26, 26), dtype=np.float32)
        for i in range(3):
            for j in range(3):
                cols[:, :, i, j] = x[:, :, i:i + 26, j:j + 26]
        cols = cols.reshape(n, 9, 26 * 26)
        z = (cwm @ cols).reshape(n, 8, 26, 26)
        z += cbv.reshape(1, 8, 1, 1)
        a = np.maximum(z, 0)
        pooled = np.array(a[:, :, 0::2, 0::2])
        for i, j in offsets[1:]:
            np.maximum(pooled, a[:, :, i::2, j::2], out=pooled)
        flat = pooled.reshape(n, -1)
        logits = flat @ fwm
        logits += fbv
        m = logits.max(axis=1, keepdims=True)
        e = np.exp(logits - m)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - logits[rows, y]))
        p = e / s
        p[rows, y] -= 1
        p /= n
        gfw, gfb = flat.T @ p, p.sum(axis=0)
        dpooled = (p @ fwm.T).reshape(pooled.shape)
        dz = np.zeros_like(z)
        taken = np.zeros(pooled.shape, dtype=bool)
        for i, j in offsets:
            hit = np.greater(a[:, :, i::2, j::2] == pooled, taken)
            taken |= hit
            dz[:, :, i::2, j::2] = dpooled * hit
        dz *= z > 0
        dzf = dz.reshape(n, 8, 26 * 26)
        gcw = np.matmul(dzf, cols.transpose(0, 2, 1)).sum(axis=0)
        gcb = dzf.sum(axis=(0, 2))
        cwm -= lr * gcw
        cbv -= lr * gcb
        fwm -= lr * gfw
        fbv -= lr * gfb
        return loss

    return step, step


# ============================================================================================= torch
def torch_model(torch, workload):
    tnn = torch.nn
    if workload == "mlp":
        x, y = mlp_data()
        model = tnn.Sequential(tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 256), tnn.ReLU(), tnn.Linear(256, 10))
        layers, dtype = init_mlp([784, 256, 256, 10], np.float32), torch.float32
    elif workload == "micrograd":
        x, y = moons()
        model = tnn.Sequential(tnn.Linear(2, 16), tnn.ReLU(), tnn.Linear(16, 16), tnn.ReLU(), tnn.Linear(16, 1))
        layers, dtype = init_mlp([2, 16, 16, 1], np.float64), torch.float64
    else:
        x, y, cw, cb, fw, fb = conv_data()
        model = tnn.Sequential(tnn.Conv2d(1, 8, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
                               tnn.Linear(8 * 13 * 13, 10))
        layers, dtype = [(cw, cb), (fw, fb)], torch.float32
    model = model.to(dtype)
    with torch.no_grad():
        for m, (w, b) in zip([m for m in model if hasattr(m, "weight")], layers, strict=False):
            m.weight.copy_(torch.from_numpy(w))
            m.bias.copy_(torch.from_numpy(b))
    return model, torch.from_numpy(x), torch.from_numpy(y)


def torch_run(torch, workload):
    model, x, y = torch_model(torch, workload)
    params = list(model.parameters())
    F = torch.nn.functional
    if workload == "micrograd":
        yc = y.reshape(-1, 1)

        def loss_fn(scores):
            return F.relu(1.0 - yc * scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
    else:
        def loss_fn(out):
            return F.cross_entropy(out, y)

    def step():
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(x))
        loss.backward()
        for p in params:
            p.data.add_(p.grad.data, alpha=-LR)
        return loss

    def check():
        return float(step().item())

    return step, check


# ============================================================================================== main
BUILDERS = {
    "mlp": (ours_mlp, floor_mlp),
    "micrograd": (ours_micrograd, floor_micrograd),
    "conv": (ours_conv, floor_conv),
}
TARGETS = {"mlp": "ours <= 1.10x floor", "micrograd": "ours <= 0.5x torch", "conv": "ours <= 1.5x floor"}


def impls(workload: str, torch) -> dict:
    ours, floor = BUILDERS[workload]
    out = {"numpy floor": floor(), "autodiff+nn": ours()}
    if torch is not None:
        out["torch"] = torch_run(torch, workload)
    return out


def cross_check(workload: str, built: dict) -> None:
    """Same initial weights and data: the first 3 losses must agree across implementations."""
    losses = {name: [check() for _ in range(3)] for name, (_, check) in built.items()}
    ref = losses["numpy floor"]
    tol = 1e-4 if workload != "micrograd" else 1e-9
    for name, ls in losses.items():
        if not np.allclose(ls, ref, rtol=tol, atol=tol):
            raise SystemExit(f"{workload}: {name} losses {ls} differ from the floor's {ref}")


def batched(step, k: int, pause: float = PAUSE):
    def run():
        time.sleep(pause)  # untimed: lets the previous engine's spinning worker threads (OpenMP, BLAS) go idle
        step()  # untimed: wakes this engine's own worker threads
        t0 = C.now()
        for _ in range(k):
            step()
        return ((C.now() - t0) / k,)
    return run


def time_workload(workload: str, torch, repeat: int, pause: float = PAUSE) -> dict:
    built = impls(workload, torch)
    cross_check(workload, built)
    k = {"mlp": 10, "micrograd": 50, "conv": 10}[workload]
    C.freeze_heap()
    res = C.time_phases({name: batched(step, k, pause) for name, (step, _) in built.items()}, repeat, warmup=2)
    return {name: t[0] for name, t in res.items()}


def _per_round(res: dict, other: str) -> float:
    """Median over rounds of ours / `other` in the same round: the host's slow patches, which come and go
    between rounds, cancel in each round's ratio (the ratio of the two medians mixes rounds)."""
    return statistics.median(a / b for a, b in zip(res["autodiff+nn"].samples, res[other].samples, strict=True))


def rss_child(impl: str, steps: int) -> None:
    """Child process: 50 MLP steps of one implementation; report peak and current RSS."""
    if impl == "torch":
        torch = load_torch(blas_threads())
        step, _ = torch_run(torch, "mlp")
    elif impl == "ours":
        step, _ = ours_mlp()
    else:
        step, _ = floor_mlp()
    base = C.current_rss_mb()
    rss = []
    for i in range(steps):
        step()
        if i in (9, steps - 1):
            rss.append(C.current_rss_mb())
    C.emit({"peak": C.peak_rss_mb(), "base": base, "after10": rss[0], "after_all": rss[-1]})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=sorted(BUILDERS), help="run one workload")
    p.add_argument("--repeat", type=int, default=15, help="interleaved timed rounds (default 15)")
    p.add_argument("--steps", type=int, default=50, help="steps in each RSS child (default 50)")
    p.add_argument("--profile", choices=sorted(BUILDERS), help="cProfile our step on this workload")
    p.add_argument("--pause", type=float, default=PAUSE,
                   help=f"seconds of sleep before each timed batch (default {PAUSE}; 0: steady state, back to back)")
    p.add_argument("--threads", type=int, help="BLAS threads for NumPy (threadpoolctl) and torch (default: NumPy's)")
    p.add_argument("--child", nargs=2, metavar=("IMPL", "STEPS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads, user_api="blas")  # stays in effect for the whole process
    if args.child:
        rss_child(args.child[0], int(args.child[1]))
        return
    if args.profile:
        step, _ = BUILDERS[args.profile][0]()
        for _ in range(5):
            step()
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(200):
            step()
        pr.disable()
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(20)
        print(s.getvalue())
        return
    threads = blas_threads()
    torch = load_torch(threads)
    C.header("training step: nn + autodiff vs NumPy floor vs PyTorch")
    print(f"   NumPy BLAS threads: {threads}; torch.set_num_threads({threads}); median of {args.repeat} "
          f"interleaved rounds; ms per step")
    summary = []
    for workload in ([args.only] if args.only else list(BUILDERS)):
        res = time_workload(workload, torch, args.repeat, args.pause)
        ms = {k: v.median * 1e3 for k, v in res.items()}
        rows = [[workload, name, ms[name], t.min * 1e3, f"{t.spread * 100:.0f}%", C.ratio(ms[name], ms["numpy floor"]),
                 C.ratio(ms[name], ms.get("torch"))] for name, t in res.items()]
        print()
        C.table(rows, ["workload", "impl", "ms/step", "min", "iqr", "/floor", "/torch"])
        ours = ms["autodiff+nn"]
        summary.append(f"{workload}: ours/floor {ours / ms['numpy floor']:.2f}x "
                       f"(per round {_per_round(res, 'numpy floor'):.2f}x)"
                       + (f", ours/torch {ours / ms['torch']:.2f}x (per round {_per_round(res, 'torch'):.2f}x)"
                          if "torch" in ms else "")
                       + f" (target {TARGETS[workload]})")
    if not args.only or args.only == "mlp":
        print()
        print(f"peak RSS over {args.steps} MLP steps, one fresh process each (MB):")
        rows = []
        kinds = ["floor", "ours"] + (["torch"] if torch is not None else [])
        extra = ["--threads", str(args.threads)] if args.threads else []
        rss = {kind: C.run_child(__file__, [kind, args.steps] + extra) for kind in kinds}
        for kind, r in rss.items():
            if "error" in r:
                rows.append([kind, r["error"], None, None, None])
                continue
            rows.append([kind, r["peak"], r["peak"] - rss["floor"].get("peak", float("nan")), r["after10"],
                         r["after_all"] - r["after10"]])
        C.table(rows, ["impl", "peak", "peak - floor", "rss@10", "growth 10->50"])
        if "error" not in rss["ours"] and "error" not in rss["floor"]:
            summary.append(f"RSS: ours - floor {rss['ours']['peak'] - rss['floor']['peak']:+.1f} MB (target <= 15)")
    print()
    print("SUMMARY train step: " + "; ".join(summary))


if __name__ == "__main__":
    main()
