"""`Monitor`: per-layer activation and gradient statistics during training (Glorot & Bengio, 2010).

    mon = viz.Monitor(model, sample_steps=(0, 999))     # histogram samples at init and at the end
    for step in range(1000):
        opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()
        mon.step()
    mon.history()["1"]["saturation"]                    # fraction of saturated units of layer "1", per step
    viz.plot_activation_stats(mon); viz.plot_activation_histograms(mon, step=0)
    mon.remove()

What is recorded, per monitored layer (by default every module without submodules) and per step:

- from a forward hook on the layer, about its output a: `act_mean`, `act_std`, `act_percentiles`
  (one row per step, columns `monitor.percentiles`), and `saturation`, the fraction of saturated units
  for the layer's kind: tanh |a| > 0.99, sigmoid a < 0.01 or a > 0.99, relu a == 0, scaled_tanh
  |a| > 0.99 * 1.7159 (kinds come from the module type, or from `kind=`);
- from a tensor hook on that output, the back-propagated gradient dLoss/da: `grad_mean`, `grad_std`;
- from hooks on the layer's own parameters, their gradient: `<param>_grad_std` (e.g. `weight_grad_std`),
  the gradient that this step's backward calls delivered (summed over them);
- at the steps in `sample_steps`, samples (up to `max_samples` values, evenly strided) of the
  activations, the back-propagated gradients and the weight gradients, for histograms.

Only the first forward call of each layer per step is recorded (so an evaluation pass in the same step
does not overwrite the training one; or wrap it in `with mon.paused():`). `.step()` advances the step.

Cost: the statistics are exact (NumPy over every entry), about 1 ms per step for a 128 x 256 layer output
on a laptop-class core, half of it the percentiles; `every=k` records every k-th step only, and
`percentiles=()` skips them (benchmarks/bench_viz.py measures it).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np

from autodiff import Tensor

KINDS = ("tanh", "sigmoid", "relu", "scaled_tanh")
_KIND_BY_CLASS = {"Tanh": "tanh", "Sigmoid": "sigmoid", "ReLU": "relu", "ScaledTanh": "scaled_tanh"}
SAMPLE_KINDS = ("activation", "grad", "weight_grad")


def saturation(a: np.ndarray, kind) -> float:
    """Fraction of entries of `a` that are saturated for an activation of `kind` (see the module doc)."""
    a = np.asarray(a)
    if a.size == 0:
        return float("nan")
    if callable(kind):
        r = np.asarray(kind(a))
        return float(r.mean()) if r.shape == a.shape else float(r)
    if kind == "tanh":
        mask = np.abs(a) > 0.99
    elif kind == "sigmoid":
        mask = (a < 0.01) | (a > 0.99)
    elif kind == "relu":
        mask = a == 0
    elif kind == "scaled_tanh":
        mask = np.abs(a) > 0.99 * 1.7159
    else:
        raise ValueError(f"unknown activation kind {kind!r}; allowed: {', '.join(KINDS)}, None or a callable")
    return float(np.count_nonzero(mask)) / a.size


def _default_kind(module) -> str | None:
    for cls in type(module).__mro__:
        k = _KIND_BY_CLASS.get(cls.__name__)
        if k is not None:
            return k
    return None


def _first_tensor(out) -> Tensor | None:
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for o in out:
            if isinstance(o, Tensor):
                return o
    return None


def _sample(a: np.ndarray, n: int) -> np.ndarray:
    flat = np.asarray(a).ravel()
    if flat.size > n:
        flat = flat[np.linspace(0, flat.size - 1, n).astype(np.intp)]
    return np.array(flat, dtype=np.float64)


class Monitor:
    """Records per-layer, per-step activation and gradient statistics of `model` (see the module doc).

    model: an nn.Module. layers: None (every module without submodules), or names / modules / module
    classes to watch. kind: mapping from layer name, module or module class to a saturation kind
    ('tanh', 'sigmoid', 'relu', 'scaled_tanh'), None, or a callable(activations) -> fraction or mask.
    percentiles: activation percentiles to record. sample_steps: steps (ints, or a callable step -> bool)
    at which to keep samples of activations and gradients. every: record every `every`-th step only.
    """

    def __init__(self, model, layers=None, kind: Mapping | None = None,
                 percentiles: Iterable[float] = (2, 16, 50, 84, 98),
                 sample_steps: Iterable[int] | Callable[[int], bool] = (), max_samples: int = 10000,
                 every: int = 1) -> None:
        if not hasattr(model, "named_modules") or not hasattr(model, "register_forward_hook"):
            raise TypeError(f"Monitor expects an nn.Module, got {type(model).__name__}")
        self.percentiles = tuple(float(p) for p in percentiles)
        if any(not 0 <= p <= 100 for p in self.percentiles):
            raise ValueError(f"Monitor: percentiles must lie in [0, 100], got {self.percentiles}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"Monitor: every must be a positive int, got {every!r}")
        if isinstance(max_samples, bool) or not isinstance(max_samples, int) or max_samples < 1:
            raise ValueError(f"Monitor: max_samples must be a positive int, got {max_samples!r}")
        if callable(sample_steps):
            self._sample_at = sample_steps
        else:
            steps = {int(s) for s in sample_steps}
            self._sample_at = steps.__contains__
        self.every, self.max_samples = every, max_samples
        self.modules = self._select(model, layers)          # name -> module
        self.kinds = self._kinds(kind)                       # name -> kind
        self.current_step = 0
        self._stats: dict[str, dict[str, dict[int, object]]] = {n: {} for n in self.modules}
        self._samples: dict[str, dict[str, dict[int, np.ndarray]]] = {w: {} for w in SAMPLE_KINDS}
        self._seen: set[str] = set()                         # layers recorded in the current step
        self._pending: dict[str, dict[str, np.ndarray]] = {}  # layer -> param -> summed grad this step
        self._grad_handles: list = []
        self._handles: list = []
        self._paused = False
        self._removed = False
        for name, m in self.modules.items():
            self._handles.append(m.register_forward_hook(self._forward_hook(name)))
            params = m.named_parameters(recurse=False) if hasattr(m, "named_parameters") else ()
            for pname, p in params:
                if isinstance(p, Tensor) and p.requires_grad:
                    self._handles.append(p.register_hook(self._param_hook(name, pname)))

    # ---------------------------------------------------------------------------------- setup
    @staticmethod
    def _select(model, layers) -> dict:
        named = list(model.named_modules())
        if layers is None:
            out = {}
            for name, m in named:
                children = getattr(m, "children", None)
                if children is None or not any(True for _ in children()):
                    out[name or type(m).__name__] = m
            return out
        if isinstance(layers, (str, type)):
            layers = [layers]
        by_name = {(n or type(m).__name__): m for n, m in named}
        out = {}
        for item in layers:
            if isinstance(item, str):
                if item not in by_name:
                    raise ValueError(f"Monitor: no module named {item!r} in the model; modules: "
                                     f"{sorted(by_name)}")
                out[item] = by_name[item]
            elif isinstance(item, type):
                hits = {n: m for n, m in by_name.items() if isinstance(m, item)}
                if not hits:
                    raise ValueError(f"Monitor: the model has no {item.__name__} module")
                out.update(hits)
            else:
                hits = [n for n, m in by_name.items() if m is item]
                if not hits:
                    raise ValueError(f"Monitor: {type(item).__name__} module given in layers is not part of the model")
                out[hits[0]] = item
        if not out:
            raise ValueError("Monitor: layers selects no module")
        return out

    def _kinds(self, kind) -> dict:
        kinds = {n: _default_kind(m) for n, m in self.modules.items()}
        if kind is None:
            return kinds
        if not isinstance(kind, Mapping):
            raise TypeError(f"Monitor: kind must be a mapping (layer name, module or class -> kind), "
                            f"got {type(kind).__name__}")
        for key, k in kind.items():
            if k is not None and not callable(k) and k not in KINDS:
                raise ValueError(f"Monitor: unknown kind {k!r} for {key!r}; allowed: {', '.join(KINDS)}, None "
                                 f"or a callable")
            if isinstance(key, str):
                if key not in self.modules:
                    raise ValueError(f"Monitor: kind given for {key!r}, which is not a monitored layer; "
                                     f"monitored: {list(self.modules)}")
                kinds[key] = k
            elif isinstance(key, type):
                hits = [n for n, m in self.modules.items() if isinstance(m, key)]
                if not hits:
                    raise ValueError(f"Monitor: kind given for {key.__name__}, but no monitored layer is one")
                for n in hits:
                    kinds[n] = k
            else:
                hits = [n for n, m in self.modules.items() if m is key]
                if not hits:
                    raise ValueError(f"Monitor: kind given for a {type(key).__name__} that is not monitored")
                kinds[hits[0]] = k
        return kinds

    # ---------------------------------------------------------------------------------- hooks
    def _active(self) -> bool:
        return not self._removed and not self._paused and self.current_step % self.every == 0

    def _put(self, layer: str, stat: str, value) -> None:
        self._stats[layer].setdefault(stat, {})[self.current_step] = value

    def _forward_hook(self, name: str):
        def hook(module, args, out):
            if not self._active() or name in self._seen:
                return None
            t = _first_tensor(out)
            if t is None:
                return None
            self._seen.add(name)
            step = self.current_step
            a = np.asarray(t._data)
            if a.size:
                self._put(name, "act_mean", float(a.mean(dtype=np.float64)))
                self._put(name, "act_std", float(a.std(dtype=np.float64)))
                if self.percentiles:
                    self._put(name, "act_percentiles", np.percentile(a, self.percentiles).astype(np.float64))
            k = self.kinds[name]
            if k is not None:
                self._put(name, "saturation", saturation(a, k))
            sampling = self._sample_at(step)
            if sampling:
                self._samples["activation"].setdefault(name, {})[step] = _sample(a, self.max_samples)
            if t.requires_grad:
                self._grad_handles.append(t.register_hook(self._grad_hook(name, step, sampling)))
            return None
        return hook

    def _grad_hook(self, name: str, step: int, sampling: bool):
        def hook(grad):
            if self._removed:
                return None
            stats = self._stats[name]
            if step in stats.get("grad_std", {}):
                return None   # a second backward through the same graph: keep the first
            g = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
            if g.size:
                stats.setdefault("grad_mean", {})[step] = float(g.mean(dtype=np.float64))
                stats.setdefault("grad_std", {})[step] = float(g.std(dtype=np.float64))
            if sampling:
                self._samples["grad"].setdefault(name, {})[step] = _sample(g, self.max_samples)
            return None
        return hook

    def _param_hook(self, name: str, pname: str):
        def hook(grad):
            if not self._active():
                return None
            g = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
            slot = self._pending.setdefault(name, {})
            if pname in slot:   # another backward in the same step: statistics of the summed gradient
                g = slot[pname] + g
            slot[pname] = g     # the engine never changes a gradient array in place: no copy needed
            step = self.current_step
            self._stats[name].setdefault(f"{pname}_grad_std", {})[step] = (
                float(g.std(dtype=np.float64)) if g.size else float("nan"))
            if self._sample_at(step):
                self._samples["weight_grad"].setdefault(f"{name}.{pname}", {})[step] = _sample(g, self.max_samples)
            return None
        return hook

    # ---------------------------------------------------------------------------------- control
    def step(self) -> None:
        """Close the current step (call it after backward) and start the next one."""
        self._pending.clear()
        self._seen.clear()
        for h in self._grad_handles:   # this step's output-gradient hooks: their backward has run
            h.remove()
        self._grad_handles.clear()
        self.current_step += 1

    @contextlib.contextmanager
    def paused(self) -> Iterator[Monitor]:
        """Within the block nothing is recorded (e.g. an evaluation pass)."""
        prev, self._paused = self._paused, True
        try:
            yield self
        finally:
            self._paused = prev

    def remove(self) -> None:
        """Detach every hook; the data recorded so far stays readable."""
        self._pending.clear()
        for h in self._handles + self._grad_handles:
            h.remove()
        self._handles.clear()
        self._grad_handles.clear()
        self._removed = True

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    # ---------------------------------------------------------------------------------- data
    @property
    def layers(self) -> list[str]:
        return list(self.modules)

    @property
    def steps(self) -> np.ndarray:
        """The steps with any recorded statistic, ascending."""
        seen = {s for stats in self._stats.values() for per in stats.values() for s in per}
        return np.array(sorted(seen), dtype=np.int64)

    def history(self, layer: str | None = None) -> dict:
        """{layer: {stat: array over `steps`}} (NaN where a layer had no record), or one layer's dict.

        `act_percentiles` is 2-d: one row per step, one column per entry of `percentiles`.
        """
        steps = self.steps
        pos = {int(s): i for i, s in enumerate(steps)}
        if layer is not None and layer not in self._stats:
            raise ValueError(f"Monitor: no layer {layer!r}; monitored: {self.layers}")
        out = {}
        for name in ([layer] if layer is not None else self.layers):
            d = {}
            for stat, per in self._stats[name].items():
                width = len(self.percentiles) if stat == "act_percentiles" else None
                arr = np.full((len(steps),) if width is None else (len(steps), width), np.nan)
                for s, v in per.items():
                    arr[pos[s]] = v
                d[stat] = arr
            out[name] = d
        return out[layer] if layer is not None else out

    def sampled_steps(self, what: str = "activation") -> list[int]:
        """Steps at which samples of `what` ('activation', 'grad', 'weight_grad') were kept."""
        self._check_what(what)
        return sorted({s for per in self._samples[what].values() for s in per})

    def samples(self, what: str = "activation", step: int | None = None) -> dict[str, np.ndarray]:
        """{layer: values} kept at `step` (default: the latest sampled step) for histograms.

        what: 'activation' (layer outputs), 'grad' (gradients w.r.t. layer outputs) or 'weight_grad'
        (gradients of each layer's parameters, keyed 'layer.param').
        """
        steps = self.sampled_steps(what)
        if not steps:
            raise ValueError(f"Monitor: no {what} samples were kept; pass sample_steps=(...) to Monitor and run "
                             f"forward{' and backward' if what != 'activation' else ''} at those steps")
        if step is None:
            step = steps[-1]
        if step not in steps:
            raise ValueError(f"Monitor: no {what} samples at step {step}; sampled steps: {steps}")
        rank = {n: i for i, n in enumerate(self.layers)}
        found = {name: per[step] for name, per in self._samples[what].items() if step in per}
        key = (lambda k: rank[k]) if what != "weight_grad" else (lambda k: rank[k.rsplit(".", 1)[0]])
        return {k: found[k] for k in sorted(found, key=key)}   # in layer order, not in hook order

    @staticmethod
    def _check_what(what: str) -> None:
        if what not in SAMPLE_KINDS:
            raise ValueError(f"Monitor: unknown sample kind {what!r}; allowed: {', '.join(SAMPLE_KINDS)}")

    def to_dict(self) -> dict:
        """Everything recorded, as plain lists and dicts (JSON-serializable)."""
        def clean(v):
            arr = np.asarray(v, dtype=np.float64)
            return np.where(np.isfinite(arr), arr, None).tolist() if arr.ndim else (
                float(arr) if np.isfinite(arr) else None)
        return {
            "steps": self.steps.tolist(),
            "percentiles": list(self.percentiles),
            "kinds": {n: (k if isinstance(k, str) or k is None else getattr(k, "__name__", "custom"))
                      for n, k in self.kinds.items()},
            "layers": {n: {s: clean(a) for s, a in d.items()} for n, d in self.history().items()},
            "samples": {w: {n: {str(s): v.tolist() for s, v in per.items()} for n, per in d.items()}
                        for w, d in self._samples.items()},
        }

    def __repr__(self) -> str:
        return (f"Monitor(layers={self.layers}, step={self.current_step}"
                f"{', removed' if self._removed else ''})")
