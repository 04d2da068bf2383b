"""`draw_graph`: the recorded graph as a Graphviz picture, with values, gradients, shapes and dtypes.

    x, y, z = (ad.tensor(v, requires_grad=True) for v in (-2., 5., -4.))
    f = (x + y) * z
    f.backward()
    viz.draw_graph(f, params={"x": x, "y": y, "z": z})   # grads -4, -4, 3 on x, y, z

One box per op (its registry name, non-tensor arguments and params) and one per tensor (name, dtype,
shape, value, gradient); edges follow the data. Gradient magnitude (RMS) sets each tensor's border and
out-edge width; vanishing and exploding gradients are flagged in words and colour. Leaves keep `.grad`
after backward; to see intermediate gradients call `viz.retain_grads(out)` before `out.backward()`.
Ops run inside `with viz.trace_modules(model):` are grouped in one cluster per module call, or
collapsed into one box per module with `collapse_modules=`. Graphs larger than `max_nodes` show the
nodes nearest the outputs and one "N more nodes" node standing for the rest.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from autodiff import Tensor

from .modules import ModuleCall, calls_for, has_calls
from .render import GraphDigraph, check_format
from .summary import EXPLODING, VANISHING, fmt, grad_health, value_lines
from .walk import LEAF, OP, TENSOR, Walk, _flatten

MODULE = "module"
RANKDIRS = ("TB", "BT", "LR", "RL")

_FILL = {OP: "#e8e8e8", TENSOR: "#fff2cc", "param": "#cfe2f3", "const": "#ffffff", "output": "#d9ead3",
         MODULE: "#e6dcf5"}
_VANISH_COLOR, _EXPLODE_COLOR, _EXPLODE_FILL = "#1f4e9c", "#cc0000", "#f4cccc"
_LOW, _HIGH = (160, 160, 160), (224, 96, 0)   # border colour for the smallest / largest gradient drawn


def _esc(text: str) -> str:
    """Text for a DOT label: backslashes doubled so DOT reads them literally ("\\n" joins lines)."""
    return str(text).replace("\\", "\\\\")


def _label(lines: list[str]) -> str:
    return "\\n".join(_esc(s) for s in lines)


def _short(obj, limit: int = 28) -> str:
    """A constant or param, in one short line."""
    if isinstance(obj, np.ndarray):
        if obj.size <= 4:
            text = np.array2string(obj, precision=4, separator=", ")
        else:
            text = f"array{list(obj.shape)} {obj.dtype}"
    elif isinstance(obj, (float, np.floating)):
        text = fmt(obj)
    elif isinstance(obj, str):
        text = obj
    else:
        text = repr(obj)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _shape_line(t: Tensor) -> str:
    shape = t.shape
    return f"{t.dtype} " + ("scalar" if shape == () else "(" + ", ".join(map(str, shape)) + ")")


def _names(params) -> dict[int, tuple[str, Tensor]]:
    """`params` (a mapping or (name, tensor) pairs, e.g. model.named_parameters()) as id -> (name, tensor)."""
    if params is None:
        return {}
    items = params.items() if isinstance(params, Mapping) else params
    out: dict[int, tuple[str, Tensor]] = {}
    try:
        for item in items:
            name, t = item
            if not isinstance(t, Tensor):
                raise TypeError(f"draw_graph: params[{name!r}] is a {type(t).__name__}, not a Tensor")
            out.setdefault(id(t), (str(name), t))
    except (TypeError, ValueError) as e:
        if str(e).startswith("draw_graph"):
            raise
        raise TypeError("draw_graph: params must be a mapping name -> Tensor (e.g. dict(model.named_parameters())) "
                        f"or (name, Tensor) pairs, got {type(params).__name__}") from None
    return out


class _Modules:
    """Traced module calls present in a walk: members, nesting, and which element belongs where."""

    def __init__(self, walk: Walk) -> None:
        calls: dict[int, ModuleCall] = {}
        outputs: dict[int, list[int]] = {}
        for e, k in enumerate(walk.kind if has_calls() else ()):
            if k == OP:
                for c in calls_for(walk.obj[e]):
                    calls.setdefault(id(c), c)
                    outputs.setdefault(id(c), []).append(e)
        # parents before children: sort by start, then widest first; a stack of open calls gives the nesting
        self.calls: list[ModuleCall] = sorted(calls.values(), key=lambda c: (c.start, -c.end))
        self.parent: dict[int, ModuleCall | None] = {}
        stack: list[ModuleCall] = []
        for c in self.calls:
            while stack and stack[-1].end < c.start:
                stack.pop()
            self.parent[id(c)] = stack[-1] if stack and stack[-1].end > c.end else None
            stack.append(c)
        self.owner: dict[int, ModuleCall] = {}   # element -> innermost call it belongs to
        self.names: dict[int, str] = {}          # leaf element -> qualified parameter/buffer name
        kind, preds, obj = walk.kind, walk.preds, walk.obj
        for c in self.calls:
            todo = list(outputs[id(c)])
            seen = set(todo)
            while todo:
                op = todo.pop()
                self.owner[op] = c
                made = walk.made_by(obj[op])
                if made is not None:
                    self.owner[made] = c
                for p in preds[op]:
                    if kind[p] == TENSOR:
                        q = preds[p][0]
                        if q not in seen and c.start < obj[q].seq < c.end:
                            seen.add(q)
                            todo.append(q)
            for name, t in c.own_tensors():
                e = walk.leaf_element(t)
                if e is not None:
                    self.owner[e] = c
                    self.names.setdefault(e, name)

    def __bool__(self) -> bool:
        return bool(self.calls)

    def chain(self, c: ModuleCall | None) -> list[ModuleCall]:
        """`c` and its enclosing calls, outermost first."""
        out = []
        while c is not None:
            out.append(c)
            c = self.parent[id(c)]
        return out[::-1]

    def selected(self, collapse) -> set[int]:
        """ids of the calls drawn as one box each (outermost wins when selected calls nest)."""
        if collapse is True:
            pick = {id(c) for c in self.calls if c.is_leaf_module}
        elif isinstance(collapse, int) and not isinstance(collapse, bool):
            if collapse < 0:
                raise ValueError(f"draw_graph: collapse_modules depth must be >= 0, got {collapse}")
            pick = {id(c) for c in self.calls if c.depth == collapse or (c.is_leaf_module and c.depth < collapse)}
        else:
            if isinstance(collapse, str):
                collapse = [collapse]
            try:
                wanted = {str(n) for n in collapse}
            except TypeError:
                raise TypeError(f"draw_graph: collapse_modules must be a bool, a depth (int) or module names, "
                                f"got {type(collapse).__name__}") from None
            known = {c.name for c in self.calls}
            unknown = wanted - known
            if unknown:
                raise ValueError(f"draw_graph: collapse_modules names {sorted(unknown)} are not traced modules of "
                                 f"this graph; traced: {sorted(known)}")
            pick = {id(c) for c in self.calls if c.name in wanted}
        return {id(c) for c in self.calls if id(c) in pick and not any(id(a) in pick for a in self.chain(c)[:-1])}


def draw_graph(*outputs: Tensor, params=None, show_values: bool = True, show_grads: bool = True,
               max_nodes: int | None = 1000, collapse_modules: bool | int | Iterable[str] = False,
               cluster_modules: bool = True, format: str = "svg", rankdir: str = "TB",  # noqa: A002
               max_elements: int = 8, precision: int = 4, vanishing: float = VANISHING,
               exploding: float = EXPLODING, graph_attr: Mapping[str, str] | None = None) -> GraphDigraph:
    """Draw the graph recorded behind `outputs` (Tensors, or lists of them) as a `graphviz.Digraph`.

    params: names for tensors, a mapping name -> Tensor or (name, Tensor) pairs, e.g.
        `dict(model.named_parameters())`; unnamed tensors get short ids (t1, t2, ...), outputs 'output'.
    show_values / show_grads: label tensors with their value / `.grad` (the array itself for 0-d and up
        to `max_elements` entries, else mean/std/min/max); gradients also set border width and colour.
    max_nodes: draw at most this many nodes (ops + tensors + module boxes), those nearest the outputs,
        plus one node saying how many more there are. None draws everything.
    collapse_modules: with module calls recorded by `viz.trace_modules`, draw each selected call as one
        box listing its ops and parameters: True selects every layer (modules without submodules), an int
        the modules at that depth (1: the model's children), or an iterable of qualified module names.
    cluster_modules: group the ops of each traced module call in a labelled cluster.
    format: the output format of `.render()` / inline display (svg, png, pdf, ...).
    vanishing / exploding: gradient RMS thresholds for the flags (non-finite gradients are always flagged).
    rankdir: layout direction, TB (data flowing down), BT, LR or RL.
    """
    outs = _flatten(outputs, "draw_graph")
    fmt_ = check_format(format)
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer))
                                  or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if not (0 <= vanishing < exploding):
        raise ValueError(f"draw_graph: need 0 <= vanishing < exploding, got vanishing={vanishing}, "
                         f"exploding={exploding}")
    names = _names(params)
    walk = Walk(outs)
    mods = _Modules(walk) if (cluster_modules or collapse_modules) else None
    if collapse_modules is not False and collapse_modules is not None and not mods:
        raise ValueError("draw_graph: collapse_modules needs module records, and this graph has none: run the "
                         "forward pass inside `with viz.trace_modules(model):` (see viz.trace_modules)")
    return _Drawer(walk, mods, names, show_values, show_grads, max_nodes, collapse_modules, cluster_modules,
                   fmt_, rankdir, max_elements, precision, vanishing, exploding, graph_attr).graph


class _Drawer:
    """One drawing: maps elements to what is drawn (collapsing, budget), then writes the Digraph."""

    def __init__(self, walk, mods, names, show_values, show_grads, max_nodes, collapse, cluster, fmt_, rankdir,
                 max_elements, precision, vanishing, exploding, graph_attr) -> None:
        self.walk, self.mods, self.names = walk, mods, names
        self.cluster = bool(cluster)
        self.box_members: dict[int, list[int]] = {}
        self.box_of: dict[int, int] = {}
        self.show_values, self.show_grads = show_values, show_grads
        self.max_elements, self.precision = max_elements, precision
        self.vanishing, self.exploding = vanishing, exploding
        n = len(walk)
        self.boxes: list[ModuleCall] = []     # display element n + k is box k
        self.display = self._collapse(collapse) if collapse is not False and collapse is not None else None
        self.dpreds = self._display_preds()
        order = self._order()
        total = len(order)
        drawn = order if max_nodes is None else order[:max_nodes]
        self.drawn = set(drawn)
        self.order = drawn
        self.hidden = order[len(drawn):]
        self.n_elements = n
        self.health: dict[int, tuple[float, str]] = {}
        self.graph = GraphDigraph(name="autodiff", format=fmt_ or "svg")
        self.graph.attr(rankdir=rankdir, labelloc="b", fontsize="10", nodesep="0.25", ranksep="0.35")
        self.graph.attr("node", fontsize="10", shape="box", style="filled", margin="0.08,0.04", height="0.3")
        self.graph.attr("edge", arrowsize="0.6")
        if graph_attr:
            self.graph.attr(**{str(k): str(v) for k, v in graph_attr.items()})
        self._emit(total)

    # ---------------------------------------------------------------------------------- structure
    def _collapse(self, collapse) -> list[int]:
        walk, mods = self.walk, self.mods
        selected = mods.selected(collapse)
        box_index: dict[int, int] = {}
        for c in mods.calls:
            if id(c) in selected:
                box_index[id(c)] = len(walk) + len(self.boxes)
                self.boxes.append(c)
        display = list(range(len(walk)))
        box_of: dict[int, int] = {}
        for e, c in mods.owner.items():
            for a in mods.chain(c):
                if id(a) in selected:
                    box_of[e] = box_index[id(a)]
                    break
        roots = set(walk.roots)
        self.consumers = walk.consumers()
        for e, b in box_of.items():
            exported = e in roots or any(box_of.get(s) != b for s in self.consumers[e])
            if not exported:
                display[e] = b
        for e, b in box_of.items():
            if display[e] == b:
                self.box_members.setdefault(b, []).append(e)
        self.box_of = box_of
        return display

    def _display_preds(self) -> list[list[int]] | None:
        if self.display is None:
            return None
        d, preds = self.display, self.walk.preds
        out: list[list[int]] = [[] for _ in range(len(d) + len(self.boxes))]
        for e in range(len(d)):
            de = d[e]
            if de == e:
                out[e] = [d[p] for p in preds[e]]
            else:
                box = out[de]
                for p in preds[e]:
                    dp = d[p]
                    if dp != de and dp not in box:
                        box.append(dp)
        return out

    def preds_of(self, e: int) -> list[int]:
        return self.walk.preds[e] if self.dpreds is None else self.dpreds[e]

    def _order(self) -> list[int]:
        """Visible elements, breadth-first from the outputs (nearest first)."""
        if self.display is None:
            return list(range(len(self.walk)))
        d = self.display
        order = list(dict.fromkeys(d[r] for r in self.walk.roots))
        seen = set(order)
        i = 0
        while i < len(order):
            for p in self.dpreds[order[i]]:
                if p not in seen:
                    seen.add(p)
                    order.append(p)
            i += 1
        return order

    def kind(self, e: int) -> str:
        return self.walk.kind[e] if e < self.n_elements else MODULE

    # ---------------------------------------------------------------------------------- labels
    def _name(self, e: int, counter: list[int]) -> str:
        t = self.walk.obj[e]
        hit = self.names.get(id(t))
        if hit is not None and hit[1] is t:
            return hit[0]
        if self.mods is not None and e in self.mods.names:
            return self.mods.names[e]
        roots = self.walk.roots
        if e in roots:
            return "output" if len(roots) == 1 else f"output {roots.index(e)}"
        if self.walk.kind[e] == TENSOR and self.mods is not None:
            made = calls_for(t.grad_fn)
            if made:
                inner = max(made, key=lambda c: c.start)
                return f"{inner.label} output"
        counter[0] += 1
        return f"t{counter[0]}"

    def _grad_of(self, t: Tensor):
        g = t.grad
        return None if g is None else np.asarray(g._data)

    def _tensor_label(self, e: int, name: str) -> list[str]:
        t = self.walk.obj[e]
        lines = [name, _shape_line(t)]
        if self.show_values:
            lines += value_lines(t._data, self.max_elements, self.precision, prefix="= ")
        if self.show_grads:
            g = self._grad_of(t)
            if g is not None:
                lines += value_lines(g, self.max_elements, self.precision, prefix="grad ")
                rms, verdict = self.health[e]
                if verdict != "ok":
                    what = {"vanishing": f"VANISHING grad (rms {fmt(rms, 2)} < {fmt(self.vanishing, 2)})",
                            "exploding": f"EXPLODING grad (rms {fmt(rms, 2)} > {fmt(self.exploding, 2)})",
                            "non-finite": "NON-FINITE grad (nan/inf)"}[verdict]
                    lines.append("! " + what)
        return lines

    def _op_label(self, e: int) -> list[str]:
        node = self.walk.obj[e]
        lines = [node.op.name]
        extras = [f"{k}={_short(v)}" for k, v in (node.params or {}).items()]
        extras += [f"arg{pos}={_short(v)}" for pos, v in self.walk.consts.get(e, ())]
        line = ""
        for x in extras:
            if line and len(line) + len(x) > 34:
                lines.append(line)
                line = ""
            line = f"{line}, {x}" if line else x
        if line:
            lines.append(line)
        if node.inputs is None:
            lines.append("(inputs freed by backward)")
        return lines

    def _box_label(self, b: int) -> tuple[list[str], str]:
        c = self.boxes[b - self.n_elements]
        lines = [f"{c.label}: {c.type_name}"]
        if c.extra:
            lines.append(_short(c.extra, 44))
        members = self.box_members.get(b, [])
        nodes = sorted((self.walk.obj[e] for e in members if self.walk.kind[e] == OP), key=lambda n: n.seq)
        ops = [n.op.name for n in nodes]   # in the order they ran
        ops_text = ", ".join(dict.fromkeys(ops))
        lines.append(f"{len(ops)} op{'s' if len(ops) != 1 else ''}: {_short(ops_text, 40)}")
        worst = "ok"
        for e in members:
            if self.walk.kind[e] != LEAF:
                continue
            t = self.walk.obj[e]
            name = self.mods.names.get(e) or self._name(e, [0])
            if c.name and name.startswith(c.name + "."):
                name = name[len(c.name) + 1:]   # relative to the box: 'weight', or '0.weight' in a container
            text = f"{name} {_shape_line(t).split(' ', 1)[1]}"
            if self.show_grads and e in self.health:
                rms, verdict = self.health[e]
                text += f" grad rms {fmt(rms, 3)}"
                if verdict != "ok":
                    text += f" {verdict.upper()}"
                    worst = verdict if worst in ("ok", "vanishing") else worst
            lines.append(text)
        return lines, worst

    # ---------------------------------------------------------------------------------- emit
    def _compute_health(self) -> tuple[float, float]:
        """Gradient RMS and verdict of every drawn tensor (and boxed parameter); returns the log10 range."""
        walk = self.walk
        cand = [e for e in self.order if e < self.n_elements and walk.kind[e] != OP]
        for b in self.order:
            if b >= self.n_elements:
                cand += [e for e in self.box_members.get(b, []) if walk.kind[e] == LEAF]
        logs = []
        for e in cand:
            g = self._grad_of(walk.obj[e])
            if g is None:
                continue
            rms, verdict = self.health[e] = grad_health(g, self.vanishing, self.exploding)
            if verdict == "ok" and rms > 0:
                logs.append(math.log10(rms))
        return (min(logs), max(logs)) if logs else (0.0, 0.0)

    def _grad_style(self, e: int, lo: float, hi: float) -> dict[str, str]:
        rms, verdict = self.health[e]
        if verdict == "vanishing":
            return {"color": _VANISH_COLOR, "penwidth": "2.5", "dashed": "1"}
        if verdict in ("exploding", "non-finite"):
            return {"color": _EXPLODE_COLOR, "penwidth": "3.5", "fillcolor": _EXPLODE_FILL}
        if not rms > 0:   # an empty gradient
            s = 0.0
        else:
            s = 0.5 if hi <= lo else min(1.0, max(0.0, (math.log10(rms) - lo) / (hi - lo)))
        rgb = tuple(round(a + (b - a) * s) for a, b in zip(_LOW, _HIGH, strict=True))
        return {"color": "#{:02x}{:02x}{:02x}".format(*rgb), "penwidth": f"{1 + 2.5 * s:.2f}"}

    def _emit(self, total: int) -> None:
        walk, g = self.walk, self.graph
        lo, hi = self._compute_health() if self.show_grads else (0.0, 0.0)
        counter = [0]
        roots = set(walk.roots)
        edge_style: dict[int, dict[str, str]] = {}
        nodes: list[tuple[int, str, dict]] = []   # (element, id, attrs)
        missing_grads = False
        for e in self.order:
            k = self.kind(e)
            attrs: dict[str, str] = {}
            if k == OP:
                attrs.update(label=_label(self._op_label(e)), fillcolor=_FILL[OP], style="rounded,filled")
            elif k == MODULE:
                lines, worst = self._box_label(e)
                attrs.update(label=_label(lines), fillcolor=_FILL[MODULE], style="filled,bold", shape="box3d")
                if worst in ("exploding", "non-finite"):
                    attrs.update(color=_EXPLODE_COLOR, penwidth="3")
                elif worst == "vanishing":
                    attrs.update(color=_VANISH_COLOR, penwidth="2.5")
            else:
                t = walk.obj[e]
                role = ("output" if e in roots else TENSOR if k == TENSOR
                        else "param" if t.requires_grad else "const")
                attrs.update(label=_label(self._tensor_label(e, self._name(e, counter))), fillcolor=_FILL[role])
                if e in self.health:
                    st = self._grad_style(e, lo, hi)
                    dashed = st.pop("dashed", None)
                    attrs.update(st)
                    if dashed:
                        attrs["style"] = "filled,dashed"
                    edge_style[e] = {"color": st["color"], "penwidth": st["penwidth"]}
                elif k == TENSOR and self.show_grads and t.requires_grad:
                    missing_grads = True
            nodes.append((e, f"n{e}", attrs))
        self._place(nodes)
        boundary = []
        for e in self.order:
            ps = self.preds_of(e)
            cut = False
            for p in ps:
                if p in self.drawn:
                    g.edge(f"n{p}", f"n{e}", **edge_style.get(p, {}))
                else:
                    cut = True
            if cut:
                boundary.append(e)
        if self.hidden:
            self._summary(total, boundary)
        self._notes(missing_grads, lo, hi)

    def _place(self, nodes: list[tuple[int, str, dict]]) -> None:
        """Add the nodes, inside one (nested) cluster per traced module call when asked."""
        mods = self.mods
        if mods is None or not mods or not self.cluster:
            for _, nid, attrs in nodes:
                self.graph.node(nid, **attrs)
            return
        # cluster tree: call id -> (call, child call ids, node entries)
        tree: dict[int | None, tuple] = {None: (None, [], [])}
        for e, nid, attrs in nodes:
            if e >= self.n_elements or e in self.box_of:   # a box, or a tensor leaving one: beside the box
                box = self.boxes[(e if e >= self.n_elements else self.box_of[e]) - self.n_elements]
                chain = mods.chain(box)[:-1]
            else:
                chain = mods.chain(mods.owner.get(e))
            parent = None
            for a in chain:
                if id(a) not in tree:
                    tree[id(a)] = (a, [], [])
                    tree[parent][1].append(id(a))
                parent = id(a)
            tree[parent][2].append((nid, attrs))
        self._emit_cluster(self.graph, tree, None)

    def _emit_cluster(self, sub, tree: dict, key) -> None:
        call, children, entries = tree[key]
        for nid, attrs in entries:
            sub.node(nid, **attrs)
        for ck in children:
            c = tree[ck][0]
            with sub.subgraph(name=f"cluster_{ck}") as inner:
                inner.attr(label=_esc(f"{c.label}: {c.type_name}"), style="rounded,dashed", color="#8e7cc3",
                           fontsize="10", labeljust="l")
                self._emit_cluster(inner, tree, ck)

    def _summary(self, total: int, boundary: list[int]) -> None:
        kinds = Counter(self.walk.kind[e] if e < self.n_elements else MODULE for e in self.hidden)
        counts = {"ops": kinds[OP], "tensors": kinds[TENSOR] + kinds[LEAF], "module boxes": kinds[MODULE]}
        counts = {k: v for k, v in counts.items() if v}
        n = len(self.hidden)
        detail = ", ".join(f"{v} {k}" for k, v in counts.items())
        lines = [f"… {n} more node{'s' if n != 1 else ''} not drawn ({detail})",
                 f"{len(self.order)} of {total} drawn: raise max_nodes (or collapse modules) to see more"]
        self.graph.node("more", label=_label(lines), shape="note", style="filled", fillcolor="#fce5cd",
                        color="#b45f06")
        for e in boundary:
            self.graph.edge("more", f"n{e}", style="dashed", color="#b45f06")

    def _notes(self, missing_grads: bool, lo: float, hi: float) -> None:
        notes = []
        if self.walk.freed:
            notes.append(f"the graph was freed by backward(): the inputs of {len(self.walk.freed)} op(s) are "
                         "unknown, so the drawing stops there; call backward(retain_graph=True) to keep them")
        if self.health:
            notes.append(f"border and edge width grow with log |grad| (RMS {fmt(10 ** lo, 2)} .. {fmt(10 ** hi, 2)})")
            notes.append(f"blue dashed: vanishing (RMS < {fmt(self.vanishing, 2)}); red: exploding "
                         f"(RMS > {fmt(self.exploding, 2)} or nan/inf)")
            if missing_grads:
                notes.append("intermediate gradients were not kept: call viz.retain_grads(output) before "
                             "backward() to show them")
        if notes:
            self.graph.attr(label=_label(notes))

