"""Matplotlib figures of training: histograms per layer, activation statistics and saturation over
training (Glorot & Bengio 2010, figures 2-8), gradient statistics, loss/accuracy curves, and optimizer
paths over the contours of a 2-D function.

Every function returns a `matplotlib.figure.Figure` built without pyplot (no global state, no GUI;
`fig.savefig("x.png")` renders with Agg). In Jupyter a returned Figure displays inline.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np


def _figure(ncols: int = 1, nrows: int = 1, width: float = 6.4, height: float = 4.0):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols if ncols > 1 else width, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel().tolist()


def _pick_layers(monitor, layers, need: str | None = None) -> list[str]:
    from .monitor import Monitor
    if not isinstance(monitor, Monitor):
        raise TypeError(f"expected a viz.Monitor, got {type(monitor).__name__}")
    hist = monitor.history()
    if layers is None:
        names = [n for n in monitor.layers if need is None or need in hist[n]]
    else:
        names = [layers] if isinstance(layers, str) else list(layers)
        unknown = [n for n in names if n not in hist]
        if unknown:
            raise ValueError(f"no monitored layer(s) {unknown}; monitored: {monitor.layers}")
    return names


def plot_histograms(data: Mapping[str, np.ndarray], bins: int = 50, title: str | None = None,
                    xlabel: str = "value", density: bool = True, range: tuple[float, float] | None = None,  # noqa: A002
                    logy: bool = False):
    """One outline histogram per entry of `data` (label -> values), overlaid on shared bins."""
    if not isinstance(data, Mapping) or not data:
        raise ValueError("plot_histograms needs a non-empty mapping label -> values")
    arrays = {}
    for k, v in data.items():
        a = np.asarray(v, dtype=np.float64).ravel()
        a = a[np.isfinite(a)]
        if a.size == 0:
            raise ValueError(f"plot_histograms: no finite values for {k!r}")
        arrays[str(k)] = a
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"plot_histograms: bins must be a positive int, got {bins!r}")
    lo = min(a.min() for a in arrays.values()) if range is None else range[0]
    hi = max(a.max() for a in arrays.values()) if range is None else range[1]
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    fig, (ax,) = _figure()
    for k, a in arrays.items():
        ax.hist(a, bins=edges, density=density, histtype="step", linewidth=1.5, label=k)
    ax.set(xlabel=xlabel, ylabel="density" if density else "count", title=title or "")
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_activation_histograms(monitor, step: int | None = None, layers: Iterable[str] | None = None,
                               bins: int = 50, title: str | None = None):
    """Histograms of each layer's output at one sampled step (G&B figures 4 and 6).

    layers: default the layers with a saturation kind (the activations), else all sampled layers.
    """
    data = monitor.samples("activation", step)
    step = monitor.sampled_steps("activation")[-1] if step is None else step
    data = _select_samples(monitor, data, layers)
    return plot_histograms(data, bins=bins, xlabel="activation value",
                           title=title or f"activation values, step {step}")


def plot_gradient_histograms(monitor, step: int | None = None, which: str = "output",
                             layers: Iterable[str] | None = None, bins: int = 50, title: str | None = None):
    """Histograms of gradients at one sampled step: `which='output'` the back-propagated gradients
    w.r.t. each layer's output (G&B figure 7; by default the layers feeding an activation layer, i.e.
    the gradients w.r.t. pre-activations), `'weight'` the parameter gradients (figure 8)."""
    what = {"output": "grad", "weight": "weight_grad"}.get(which)
    if what is None:
        raise ValueError(f"plot_gradient_histograms: which must be 'output' or 'weight', got {which!r}")
    data = monitor.samples(what, step)
    step = monitor.sampled_steps(what)[-1] if step is None else step
    if which == "output":
        data = _select_samples(monitor, data, layers, pre_activation=True)
        name = "back-propagated gradients"
    else:
        if layers is not None:
            keep = [layers] if isinstance(layers, str) else list(layers)
            data = {k: v for k, v in data.items() if k.rsplit(".", 1)[0] in keep or k in keep}
            if not data:
                raise ValueError(f"no weight-gradient samples for layers {keep}")
        name = "weight gradients"
    return plot_histograms(data, bins=bins, xlabel="gradient value", title=title or f"{name}, step {step}")


def _select_samples(monitor, data: dict, layers, pre_activation: bool = False) -> dict:
    if layers is not None:
        keep = [layers] if isinstance(layers, str) else list(layers)
        unknown = [n for n in keep if n not in data]
        if unknown:
            raise ValueError(f"no samples for layer(s) {unknown} at that step; sampled: {sorted(data)}")
        return {n: data[n] for n in keep}
    if not pre_activation:
        chosen = {n: v for n, v in data.items() if monitor.kinds.get(n) is not None}
    else:   # layers whose output goes into an activation layer: G&B's back-propagated gradients dCost/ds
        order = monitor.layers
        feeds = {order[i] for i in range(len(order) - 1) if monitor.kinds.get(order[i + 1]) is not None
                 and monitor.kinds.get(order[i]) is None}
        chosen = {n: v for n, v in data.items() if n in feeds}
    return chosen or data


def plot_activation_stats(monitor, layers: Iterable[str] | None = None, style: str = "percentiles",
                          title: str | None = None):
    """Each layer's activations over training (G&B figures 2 and 3).

    style 'percentiles': the median as a line, the outermost recorded percentiles (2 and 98 by default)
    as markers alone, and the standard deviation as a line with markers; 'mean_std': the mean with
    standard-deviation bars. layers: default the layers with a saturation kind, else all.
    """
    if style not in ("percentiles", "mean_std"):
        raise ValueError(f"plot_activation_stats: style must be 'percentiles' or 'mean_std', got {style!r}")
    names = _default_act_layers(monitor, layers)
    hist, steps = monitor.history(), monitor.steps
    fig, (ax,) = _figure(width=7.5)
    colors = [f"C{i % 10}" for i in range(len(names))]
    for name, c in zip(names, colors, strict=True):
        h = hist[name]
        if "act_mean" not in h:
            continue
        ok = np.isfinite(h["act_mean"])
        x = steps[ok]
        if style == "mean_std":
            ax.errorbar(x, h["act_mean"][ok], yerr=h["act_std"][ok], color=c, capsize=2, label=f"{name} mean ± std")
        else:
            pct = h["act_percentiles"][ok]
            p = monitor.percentiles
            lo_i, hi_i = int(np.argmin(p)), int(np.argmax(p))
            ax.plot(x, pct[:, hi_i], linestyle="none", marker="^", ms=3, color=c,
                    label=f"{name} p{p[lo_i]:g}/p{p[hi_i]:g}")
            ax.plot(x, pct[:, lo_i], linestyle="none", marker="v", ms=3, color=c)
            ax.plot(x, h["act_std"][ok], marker="o", ms=2.5, color=c, alpha=0.6, label=f"{name} std")
    ax.set(xlabel="step", ylabel="activation value", title=title or "activations per layer over training")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return fig


def _default_act_layers(monitor, layers) -> list[str]:
    names = _pick_layers(monitor, layers, need="act_mean")
    if layers is None:
        acts = [n for n in names if monitor.kinds.get(n) is not None]
        names = acts or names
    if not names:
        raise ValueError("nothing recorded yet: run a forward pass with the Monitor attached")
    return names


def plot_saturation(monitor, layers: Iterable[str] | None = None, title: str | None = None):
    """The fraction of saturated units of each layer over training."""
    names = _pick_layers(monitor, layers, need="saturation")
    if not names:
        raise ValueError("no saturation recorded: no monitored layer has a kind (tanh, sigmoid, relu, ...); "
                         "pass kind={...} to Monitor")
    hist, steps = monitor.history(), monitor.steps
    fig, (ax,) = _figure()
    for name in names:
        y = hist[name].get("saturation")
        if y is None:
            raise ValueError(f"layer {name!r} has no saturation record (kind {monitor.kinds.get(name)!r})")
        ok = np.isfinite(y)
        ax.plot(steps[ok], y[ok], marker="o", ms=2.5, label=f"{name} ({monitor.kinds[name]})")
    ax.set(xlabel="step", ylabel="fraction saturated", ylim=(-0.02, 1.02), title=title or "saturated units")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_gradient_stats(monitor, layers: Iterable[str] | None = None, which: str = "output",
                        title: str | None = None):
    """Standard deviation of gradients per layer over training, log scale: `which='output'` the
    back-propagated gradient w.r.t. each layer's output, `'weight'` each parameter's gradient."""
    if which not in ("output", "weight"):
        raise ValueError(f"plot_gradient_stats: which must be 'output' or 'weight', got {which!r}")
    names = _pick_layers(monitor, layers)
    hist, steps = monitor.history(), monitor.steps
    fig, (ax,) = _figure()
    drawn = 0
    for name in names:
        keys = ["grad_std"] if which == "output" else sorted(k for k in hist[name] if k.endswith("_grad_std")
                                                              and k != "grad_std")
        for key in keys:
            y = hist[name].get(key)
            if y is None:
                continue
            ok = np.isfinite(y) & (y > 0)
            label = name if which == "output" else f"{name}.{key[:-len('_grad_std')]}"
            ax.plot(steps[ok], y[ok], marker="o", ms=2.5, label=label)
            drawn += 1
    if not drawn:
        raise ValueError(f"no {'back-propagated' if which == 'output' else 'parameter'} gradients recorded yet: "
                         "run backward() with the Monitor attached")
    ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="gradient std", title=title or (
        "back-propagated gradients" if which == "output" else "weight gradients"))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def plot_training_curves(history: Mapping[str, Sequence[float]], x: Sequence[float] | None = None,
                         xlabel: str = "epoch", logy: bool = False, title: str | None = None):
    """Loss and accuracy curves: series whose name contains 'loss' on one panel, 'acc' on another,
    anything else on a third (e.g. {'train_loss': [...], 'test_loss': [...], 'train_acc': [...]})."""
    if not isinstance(history, Mapping) or not history:
        raise ValueError("plot_training_curves needs a non-empty mapping name -> values")
    groups: dict[str, dict[str, np.ndarray]] = {"loss": {}, "accuracy": {}, "other": {}}
    n = None
    for name, values in history.items():
        v = np.asarray(values, dtype=np.float64).ravel()
        if v.size == 0:
            raise ValueError(f"plot_training_curves: series {name!r} is empty")
        if x is not None and v.size != len(x):
            raise ValueError(f"plot_training_curves: series {name!r} has {v.size} values but x has {len(x)}")
        n = v.size if n is None else n
        key = "loss" if "loss" in name.lower() else "accuracy" if "acc" in name.lower() else "other"
        groups[key][name] = v
    panels = [(k, g) for k, g in groups.items() if g]
    fig, axes = _figure(ncols=len(panels), width=5.0)
    for ax, (key, series) in zip(axes, panels, strict=True):
        for name, v in series.items():
            xs = np.arange(1, v.size + 1) if x is None else np.asarray(x)
            ax.plot(xs, v, marker="o" if v.size <= 50 else None, ms=3, label=name)
        ax.set(xlabel=xlabel, ylabel=key, title=key)
        if logy and key == "loss":
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_optimizer_paths(f: Callable, paths: Mapping[str, Sequence], xlim: tuple[float, float] | None = None,
                         ylim: tuple[float, float] | None = None, levels: int = 30, log_levels: bool = True,
                         resolution: int = 200, minimum: Sequence[float] | None = None, title: str | None = None):
    """Optimizer trajectories (name -> sequence of (x, y) points) over the contours of `f(x, y)`.

    `f` is called once on 2-D grids (NumPy arrays; a function written with autodiff ops works too and
    may return a Tensor); if that fails it is called point by point. Limits default to the paths'
    extent with a margin; `log_levels` spaces the contour levels logarithmically above the minimum.
    """
    if not isinstance(paths, Mapping) or not paths:
        raise ValueError("plot_optimizer_paths needs a non-empty mapping name -> (steps, 2) points")
    pts = {}
    for name, p in paths.items():
        a = np.asarray([np.asarray(q, dtype=np.float64).ravel() for q in p]) if not isinstance(p, np.ndarray) \
            else np.asarray(p, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] == 0:
            raise ValueError(f"plot_optimizer_paths: path {name!r} must be a sequence of (x, y) points, "
                             f"got shape {a.shape}")
        pts[str(name)] = a
    allp = np.concatenate(list(pts.values()))
    finite = allp[np.isfinite(allp).all(axis=1)]
    if finite.size == 0:
        raise ValueError("plot_optimizer_paths: every path point is non-finite")

    def span(lo, hi, given):
        if given is not None:
            return float(given[0]), float(given[1])
        pad = 0.15 * (hi - lo) if hi > lo else 1.0
        return lo - pad, hi + pad
    if minimum is not None:
        finite = np.vstack([finite, np.asarray(minimum, dtype=np.float64).reshape(1, 2)])
    x0, x1 = span(finite[:, 0].min(), finite[:, 0].max(), xlim)
    y0, y1 = span(finite[:, 1].min(), finite[:, 1].max(), ylim)
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = _evaluate(f, X, Y)
    fig, (ax,) = _figure(width=6.4, height=5.2)
    zf = Z[np.isfinite(Z)]
    if zf.size == 0:
        raise ValueError("plot_optimizer_paths: f is non-finite on the whole plotted region")
    zmin, zmax = float(zf.min()), float(zf.max())
    if log_levels and zmax > zmin:
        lv = zmin + np.geomspace(1e-3 * (zmax - zmin) + 1e-12, zmax - zmin, levels)
    else:
        lv = np.linspace(zmin, zmax, levels) if zmax > zmin else levels
    ax.contour(X, Y, Z, levels=lv, cmap="viridis", linewidths=0.7)
    for name, a in pts.items():
        ax.plot(a[:, 0], a[:, 1], marker="o", ms=2.5, lw=1.2, label=f"{name} ({len(a) - 1} steps)")
        ax.plot(a[0, 0], a[0, 1], marker="s", color="k", ms=4)
    if minimum is not None:
        ax.plot(minimum[0], minimum[1], marker="*", color="red", ms=12, linestyle="none", label="minimum")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", title=title or "optimizer paths")
    ax.legend(fontsize=8)
    return fig


def _evaluate(f: Callable, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    try:
        Z = np.asarray(f(X, Y), dtype=np.float64)
        if Z.shape == X.shape:
            return Z
    except Exception:  # a function that only takes scalars: fall back to point by point below
        pass
    try:
        return np.array([[float(np.asarray(f(x, y))) for x, y in zip(rx, ry, strict=True)]
                         for rx, ry in zip(X, Y, strict=True)])
    except Exception as e:
        raise TypeError(f"plot_optimizer_paths: could not evaluate f(x, y) on the grid ({type(e).__name__}: {e})") \
            from None
