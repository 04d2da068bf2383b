"""viz benchmark (issue 6): draw_graph + Graphviz rendering time, and the Monitor's cost per training step.

Graphs (each drawn after backward(retain_graph=True), so values and gradients are in the labels):

- mlp-nn:        one training step of the 784-256-256-10 ReLU MLP (batch 128, cross-entropy) built with nn
                 (fused linear / cross_entropy ops), parameters named from model.named_parameters().
- mlp-raw:       the same step from raw autodiff ops (matmul, add, relu, log_softmax, indexing, mean, neg),
                 with viz.retain_grads so every intermediate gradient is summarized too.
- mlp-collapsed: mlp-nn traced with viz.trace_modules and drawn with collapse_modules=True.
- chain-10k:     a 10,000-op chain (alternating *0.99999, +0.00001 on a 0-d tensor) with the default node
                 budget (max_nodes=1000: 999 nodes nearest the output + the "N more" node).
- chain-10k-full (--full): the same chain with no budget (20,001 nodes; dot alone takes ~15 s).

Columns: draw = viz.draw_graph (walk, labels and statistics, building the Digraph); svg / png = `dot`
rendering that source via .pipe(); floor = a minimal hand-written DOT writer over the same graph (op names
only, no values/gradients/shapes) rendered to SVG by the same dot. draw+svg / floor is what the extra
information costs end to end. There is no PyTorch column: torchviz is not installed here, and torch's
autograd graph would not carry values and gradients anyway.

Monitor: median time of one SGD training step of the MLP (batch 128) without and with viz.Monitor attached
(default percentiles, every step recorded), and with samples kept at every step (worst case).

    python benchmarks/bench_viz.py            # ~20 s
    python benchmarks/bench_viz.py --full     # also the unbudgeted 10k-op chain
"""
from __future__ import annotations

import argparse
import statistics
import time

import _common as C
import numpy as np

import autodiff as ad
import nn
import viz


def mlp_data(seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)


def mlp_nn(trace: bool = False):
    ad.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    x, y = mlp_data()
    if trace:
        with viz.trace_modules(model):
            loss = nn.CrossEntropyLoss()(model(ad.tensor(x)), ad.tensor(y))
    else:
        loss = nn.CrossEntropyLoss()(model(ad.tensor(x)), ad.tensor(y))
    loss.backward(retain_graph=True)
    return loss, dict(model.named_parameters())


def mlp_raw():
    rng = np.random.default_rng(0)
    params = {}
    for i, (n_in, n_out) in enumerate(((784, 256), (256, 256), (256, 10))):
        bound = 1 / np.sqrt(n_in)
        params[f"W{i}"] = ad.tensor(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32), requires_grad=True)
        params[f"b{i}"] = ad.tensor(rng.uniform(-bound, bound, n_out).astype(np.float32), requires_grad=True)
    x, y = mlp_data()
    h = ad.tensor(x)
    for i in range(3):
        h = h @ params[f"W{i}"].T + params[f"b{i}"]
        if i < 2:
            h = ad.relu(h)
    loss = -ad.log_softmax(h, axis=1)[np.arange(len(y)), y].mean()
    viz.retain_grads(loss)
    loss.backward(retain_graph=True)
    return loss, params


def chain(n: int = 10_000):
    x = ad.tensor(1.0, requires_grad=True)
    t = x
    for _ in range(n // 2):
        t = t * 0.99999
        t = t + 0.00001
    t.backward(retain_graph=True)
    return t, {"x": x}


def _key(obj) -> tuple:
    if isinstance(obj, ad.Tensor):
        return ("made", id(obj.grad_fn)) if obj.grad_fn is not None else ("leaf", id(obj))
    return ("op", id(obj))


def minimal_dot(out, max_nodes: int | None) -> str:
    """The floor: the same nodes (ops and tensors, breadth-first from the output) labelled with the op name
    or the tensor's shape only: no values, gradients, statistics, names or colours."""
    lines = ["digraph g {"]
    ids = {_key(out): "n0"}
    queue: list = [out]
    i = 0
    while i < len(queue) and (max_nodes is None or i < max_nodes):
        obj = queue[i]
        me = ids[_key(obj)]
        if isinstance(obj, ad.Tensor):
            lines.append(f'{me} [label="{obj.shape}"]')
            ins = [obj.grad_fn] if obj.grad_fn is not None else []
        else:
            lines.append(f'{me} [label="{obj.op.name}"]')
            ins = [a for a in obj.inputs or () if isinstance(a, ad.Tensor)]
        for p in ins:
            k = _key(p)
            if k not in ids:
                ids[k] = f"n{len(ids)}"
                queue.append(p)
            lines.append(f"{ids[k]} -> {me}")
        i += 1
    lines.append("}")
    return "\n".join(lines)


def render_dot(source: str, fmt: str = "svg") -> bytes:
    import graphviz
    return graphviz.Source(source).pipe(format=fmt)


def median_time(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def bench_graphs(full: bool, repeat: int) -> list:
    cases = [("mlp-nn", mlp_nn, {}), ("mlp-raw", mlp_raw, {}),
             ("mlp-collapsed", lambda: mlp_nn(trace=True), {"collapse_modules": True}),
             ("chain-10k", chain, {})]
    if full:
        cases.append(("chain-10k-full", chain, {"max_nodes": None}))
    return [graph_row(name, *build(), kw, repeat) for name, build, kw in cases]


def graph_row(name: str, out, params: dict, kw: dict, repeat: int) -> list:
    budget = kw.get("max_nodes", 1000)
    reps = 1 if budget is None else repeat
    graph = viz.draw_graph(out, params=params, **kw)
    t_draw = median_time(lambda: viz.draw_graph(out, params=params, **kw), reps)
    t_svg = median_time(lambda: graph.pipe(format="svg"), reps)
    t_png = median_time(lambda: graph.pipe(format="png"), reps)
    t_floor = median_time(lambda: render_dot(minimal_dot(out, budget)), reps)
    return [name, graph.source.count("[label="), minimal_dot(out, budget).count("[label="), t_draw * 1e3,
            t_svg * 1e3, t_png * 1e3, (t_draw + t_svg) * 1e3, t_floor * 1e3, C.ratio(t_draw + t_svg, t_floor)]


def sgd_step(model, loss_fn, x, y, mon):
    params = list(model.parameters())

    def step():
        for p in params:
            p.grad = None
        loss = loss_fn(model(x), y)
        loss.backward()
        with ad.no_grad():
            for p in params:
                p -= 0.01 * p.grad
        if mon is not None:
            mon.step()
    return step


def bench_monitor(repeat: int, batch: int = 5) -> list:
    """Median ms per step of each variant; the variants are interleaved (C.time_phases), so a busy patch
    of the machine slows all of them alike and the ratios stay fair."""
    x, y = mlp_data()
    xt, yt = ad.tensor(x), ad.tensor(y)
    variants = (("no monitor", None), ("Monitor", {}), ("Monitor, percentiles=()", {"percentiles": ()}),
                ("Monitor + samples every step", {"sample_steps": lambda s: True}))
    runs, monitors = {}, []
    for label, kwargs in variants:
        ad.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
        mon = viz.Monitor(model, **kwargs) if kwargs is not None else None
        monitors.append(mon)
        runs[label] = timed_batch(sgd_step(model, nn.CrossEntropyLoss(), xt, yt, mon), batch)
    res = C.time_phases(runs, repeat=repeat * 3, warmup=2)
    for mon in monitors:
        if mon is not None:
            mon.remove()
    base = res["no monitor"][0].median
    return [[label, res[label][0].median * 1e3, res[label][0].median / base] for label, _ in variants]


def timed_batch(step, n: int):
    def run():
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        return [(time.perf_counter() - t0) / n]
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also draw and render the 10k-op chain with no budget")
    ap.add_argument("--repeat", type=int, default=7, help="timed repeats per measurement (median)")
    args = ap.parse_args()
    C.header("viz: draw_graph + render, Monitor overhead")
    C.freeze_heap()
    mrows = bench_monitor(args.repeat)
    rows = bench_graphs(args.full, args.repeat)
    C.table(rows, ["graph", "nodes", "floor nodes", "draw ms", "svg ms", "png ms", "draw+svg ms", "floor ms",
                   "x floor"])
    print()
    C.table(mrows, ["MLP 784-256-256-10 SGD step (batch 128)", "ms", "x no monitor"])
    by = {r[0]: r for r in rows}
    print(f"SUMMARY draw+svg: mlp-nn {by['mlp-nn'][6]:.0f} ms, mlp-raw {by['mlp-raw'][6]:.0f} ms, "
          f"chain-10k (budget 1000) {by['chain-10k'][6]:.0f} ms ({by['chain-10k'][8]:.2f}x floor); "
          f"Monitor step overhead {mrows[1][2]:.2f}x")


if __name__ == "__main__":
    main()
