"""viz.trace_modules + draw_graph: one cluster per module call, or one box per module (collapse)."""
from __future__ import annotations

import re

import numpy as np
import pytest
from test_viz_graph import node_with, recorded, svg_nodes

import autodiff as ad
import nn
import viz


class Block(nn.Module):
    """A module with its own parameter and a child: ops of both nest in clusters."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.scale = nn.Parameter(np.full(4, 2.0, dtype=np.float32))

    def forward(self, x):
        return ad.tanh(self.lin(x)) * self.scale + x


@pytest.fixture
def traced():
    ad.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), Block(), nn.Linear(4, 2))
    x = ad.randn(5, 3)
    with viz.trace_modules(model) as calls:
        loss = (model(x) ** 2).mean()
    loss.backward(retain_graph=True)
    return model, x, loss, calls


def test_trace_records_each_call_and_removes_its_hooks(traced):
    model, _, _, calls = traced
    assert sorted(c.name for c in calls) == ["", "0", "1", "2", "2.lin", "3"]
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks
    by_name = {c.name: c for c in calls}
    assert by_name["2.lin"].depth == 2 and by_name["2.lin"].is_leaf_module and not by_name["2"].is_leaf_module
    assert [n for n, _ in by_name["2"].own_tensors()] == ["2.scale"]


def test_clusters_group_ops_by_module(traced):
    model, _, loss, _ = traced
    g = viz.draw_graph(loss)
    svg = g.pipe("svg").decode()
    ops, tensors = recorded(loss)
    assert len(svg_nodes(svg)) == len(ops) + len(tensors)    # grouping hides nothing
    assert svg.count('class="cluster"') == 6
    for label in ("(model): Sequential", "0: Linear", "1: ReLU", "2: Block", "2.lin: Linear", "3: Linear"):
        assert f'label="{label}"' in g.source
    # parameters are named from the trace, inside their module's cluster
    lin_cluster = re.search(r'subgraph cluster_\d+ \{\n[^\n]*label="2.lin: Linear"(.*?)\}', g.source, re.S).group(1)
    assert 'label="2.lin.weight\\n' in lin_cluster and "linear" in lin_cluster
    nodes = svg_nodes(svg)
    assert node_with(nodes, "2.scale")[1] == "float32 (4)"
    assert node_with(nodes, "2 output")                      # a module's output is named after it


def test_collapse_layers_into_boxes(traced):
    model, _, loss, _ = traced
    g = viz.draw_graph(loss, collapse_modules=True)
    nodes = svg_nodes(g.pipe("svg").decode())
    boxes = {lines[0]: lines for lines in nodes.values() if re.fullmatch(r"[\w.]+: [A-Z]\w*", lines[0])}
    assert sorted(boxes) == ["0: Linear", "1: ReLU", "2.lin: Linear", "3: Linear"]
    assert boxes["0: Linear"][1] == "in_features=3, out_features=4, bias=True"
    assert boxes["0: Linear"][2] == "1 op: linear"
    assert boxes["0: Linear"][3].startswith("weight (4, 3) grad rms ")
    # Block itself is not a layer: its own ops (tanh, mul, add) and parameter stay visible around the box
    first = [lines[0] for lines in nodes.values()]
    assert {"tanh", "mul", "add", "2.scale"} <= set(first)
    assert "linear" not in first

    g1 = viz.draw_graph(loss, collapse_modules=1)              # the model's children: Block is one box
    first = [lines[0] for lines in svg_nodes(g1.pipe("svg").decode()).values()]
    assert "2: Block" in first and "tanh" not in first and "2.scale" not in first
    block = next(lines for lines in svg_nodes(g1.pipe("svg").decode()).values() if lines[0] == "2: Block")
    assert block[1] == "4 ops: linear, tanh, mul, add"

    g0 = viz.draw_graph(loss, collapse_modules=0)              # depth 0: the whole model in one box
    nodes0 = svg_nodes(g0.pipe("svg").decode())
    box = node_with(nodes0, "(model): Sequential")
    assert box[1] == "7 ops: linear, relu, tanh, mul, add"              # distinct op names, in run order
    assert [s.split(" grad")[0] for s in box[2:]] == ["0.weight (4, 3)", "0.bias (4)", "2.scale (4)",
                                                      "2.lin.weight (4, 4)", "2.lin.bias (4)", "3.weight (2, 4)",
                                                      "3.bias (2)"]
    assert len(nodes0) == 7                                    # x, box, model output, pow, t, mean, loss

    g2 = viz.draw_graph(loss, collapse_modules=["3"])
    first = [lines[0] for lines in svg_nodes(g2.pipe("svg").decode()).values()]
    assert "3: Linear" in first and first.count("linear") == 2


def test_collapse_bad_names(traced):
    *_, loss, _ = traced
    with pytest.raises(ValueError, match=r"\['nope'\] are not traced modules.*'2.lin'"):
        viz.draw_graph(loss, collapse_modules=["nope"])
    with pytest.raises(ValueError, match="depth"):
        viz.draw_graph(loss, collapse_modules=-1)
    with pytest.raises(TypeError, match="trace_modules expects an nn.Module"):
        with viz.trace_modules(object()):
            pass


def test_collapse_with_budget_counts_boxes(traced):
    *_, loss, _ = traced
    src = viz.draw_graph(loss, collapse_modules=True, max_nodes=4).source
    assert re.search(r"… \d+ more nodes not drawn \(.*module boxes", src)


def test_training_step_graph_with_parameter_names():
    ad.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3))
    x, y = ad.randn(4, 8), ad.tensor(np.array([0, 2, 1, 0]))
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward(retain_graph=True)
    nodes = svg_nodes(viz.draw_graph(loss, params=dict(model.named_parameters())).pipe("svg").decode())
    for name, p in model.named_parameters():
        lines = node_with(nodes, name)
        g = p.grad.numpy()
        assert lines[1] == f"float32 ({', '.join(map(str, p.shape))})"
        grad = [s for s in lines if s.startswith("grad")][0]
        if g.size > 8:
            assert grad == f"grad mean {g.astype(np.float64).mean():.4g} std {g.astype(np.float64).std():.4g}"
    assert {lines[0] for lines in nodes.values()} >= {"linear", "tanh", "cross_entropy"}
