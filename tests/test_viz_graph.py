"""viz.draw_graph: rendered for real (SVG parsed, PNG decoded, PDF checked) and its bad-input behaviour."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import autodiff as ad
import viz

SVG = "{http://www.w3.org/2000/svg}"


def svg_nodes(svg: str) -> dict[str, list[str]]:
    """DOT node id -> the text lines drawn in it, from rendered SVG."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            title = g.find(f"{SVG}title").text
            out[title] = [(t.text or "").replace("\xa0", " ") for t in g.iter(f"{SVG}text")]
    return out


def svg_edges(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


def node_with(nodes: dict[str, list[str]], first_line: str) -> list[str]:
    hits = [lines for lines in nodes.values() if lines and lines[0] == first_line]
    assert len(hits) == 1, (first_line, nodes)
    return hits[0]


def recorded(*outputs) -> tuple[list, set]:
    """Ops and tensors of a graph, counted independently of viz (by identity of nodes and leaves)."""
    ops, tensors = {}, set()
    stack = list(outputs)
    while stack:
        t = stack.pop()
        node = t.grad_fn
        key = ("leaf", id(t)) if node is None else ("made", id(node))
        if key in tensors:
            continue
        tensors.add(key)
        if node is not None and id(node) not in ops:
            ops[id(node)] = node
            stack.extend(a for a in node.inputs if isinstance(a, ad.Tensor))
    return list(ops.values()), tensors


@pytest.fixture
def tutorial():
    x, y, z = (ad.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q = x + y
    f = q * z
    return x, y, z, q, f


def test_tutorial_example_shows_values_and_gradients(tutorial, tmp_path):
    x, y, z, q, f = tutorial
    f.backward(retain_graph=True)
    g = viz.draw_graph(f, params={"x": x, "y": y, "z": z})
    assert isinstance(g, graphviz.Digraph)
    path = g.render(filename="tutorial", directory=str(tmp_path), format="svg")
    svg = open(path, encoding="utf-8").read()
    nodes = svg_nodes(svg)
    assert len(nodes) == 2 + 5                                 # ops add, mul; tensors x, y, z, x + y, f
    assert node_with(nodes, "x")[2:] == ["= -2", "grad -4"]
    assert node_with(nodes, "y")[2:] == ["= 5", "grad -4"]
    assert node_with(nodes, "z")[2:] == ["= -4", "grad 3"]
    assert node_with(nodes, "output")[2:] == ["= -12"]
    assert {lines[0] for lines in nodes.values()} >= {"add", "mul"}
    assert node_with(nodes, "x")[1] == "float32 scalar"
    assert len(svg_edges(svg)) == 6


def test_intermediate_gradients_need_retain_grads(tutorial):
    x, y, z, q, f = tutorial
    assert viz.retain_grads(f) == 2                          # x + y and f
    f.backward(retain_graph=True)
    nodes = svg_nodes(viz.draw_graph(f, params={"x": x, "y": y, "z": z, "q": q}).pipe("svg").decode())
    assert node_with(nodes, "q")[2:] == ["= 3", "grad -4"]
    assert node_with(nodes, "output")[2:] == ["= -12", "grad 1"]

    x2, y2, z2 = (ad.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q2 = x2 + y2
    f2 = q2 * z2
    f2.backward(retain_graph=True)
    g = viz.draw_graph(f2, params={"q": q2})
    assert node_with(svg_nodes(g.pipe("svg").decode()), "q")[2:] == ["= 3"]
    assert "viz.retain_grads(output)" in g.source            # the drawing says how to see them


def test_every_op_and_tensor_of_an_mlp_is_drawn_once(tmp_path):
    ad.manual_seed(1)
    x = ad.randn(4, 6)
    w1, b1 = ad.randn(6, 5, requires_grad=True), ad.zeros(5, requires_grad=True)
    w2 = ad.randn(5, 3, requires_grad=True)
    h = ad.tanh(x @ w1 + b1)
    logits = h @ w2
    loss = (ad.log_softmax(logits, axis=1)[np.arange(4), np.array([0, 2, 1, 0])]).mean() * -1.0 + (h * h).sum() * 1e-3
    loss.backward(retain_graph=True)
    ops, tensors = recorded(loss)
    g = viz.draw_graph(loss, params={"w1": w1, "b1": b1, "w2": w2})
    svg = open(g.render(filename="mlp", directory=str(tmp_path), format="svg"), encoding="utf-8").read()
    nodes = svg_nodes(svg)
    assert len(nodes) == len(ops) + len(tensors)
    first_lines = [lines[0] for lines in nodes.values()]
    for node in ops:
        assert node.op.name in first_lines
    assert sorted(first_lines).count("tanh") == 1
    for name, t in (("w1", w1), ("b1", b1), ("w2", w2)):
        lines = node_with(nodes, name)
        assert lines[1] == f"float32 ({', '.join(map(str, t.shape))})"
        grad_line = next(s for s in lines if s.startswith("grad"))
        assert grad_line.startswith("grad mean ") or grad_line.startswith("grad [")


def test_a_fork_is_one_tensor_feeding_several_ops():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2.0
    b = a + 1.0
    c = a * 3.0
    d = (b + c).sum()
    g = viz.draw_graph(d, params={"a": a, "x": x})
    src = g.source
    a_id = re.search(r'(n\d+) \[label="a\\n', src).group(1)
    assert len(re.findall(rf"^\s*{a_id} -> ", src, re.M)) == 2
    assert src.count('label="a\\n') == 1
    assert "arg1=2" in src and "arg1=3" in src                 # constants shown in the op's box


def test_repeated_input_draws_one_edge_per_use():
    x = ad.tensor(3.0, requires_grad=True)
    y = x * x
    src = viz.draw_graph(y, params={"x": x}).source
    x_id = re.search(r'(n\d+) \[label="x\\n', src).group(1)
    assert len(re.findall(rf"^\s*{x_id} -> ", src, re.M)) == 2


def test_gradient_magnitude_sets_width_and_flags():
    a = ad.tensor(1.0, requires_grad=True)
    b = ad.tensor(1.0, requires_grad=True)
    c = ad.tensor(1.0, requires_grad=True)
    d = ad.tensor([0.0, 1.0], requires_grad=True)
    e = ad.tensor(2.0, requires_grad=True)
    with np.errstate(divide="ignore"):
        out = a * 1e-9 + b * 1e6 + ad.log(d).sum() + c * e
        out.backward(retain_graph=True)
    g = viz.draw_graph(out, params={"a": a, "b": b, "c": c, "d": d, "e": e})
    labels = {m.group(1): m.group(0) for m in re.finditer(r'n\d+ \[label="(\w+)\\n[^\n]*', g.source)}
    assert "VANISHING" in labels["a"] and "dashed" in labels["a"]
    assert "EXPLODING" in labels["b"] and "#cc0000" in labels["b"]
    assert "NON-FINITE" in labels["d"]
    for name in "ce":
        assert "!" not in labels[name]

    def width(name):
        return float(re.search(r"penwidth=([\d.]+)", labels[name]).group(1))
    assert width("c") > width("e")                             # |dc| = 2 > |de| = 1
    nodes = svg_nodes(g.pipe("svg").decode())
    assert any("VANISHING" in s for s in node_with(nodes, "a"))


def test_large_tensors_are_summarized_small_ones_printed():
    big = ad.tensor(np.linspace(-1, 1, 100), requires_grad=True)
    small = ad.tensor([1.5, -2.0, 3.0], requires_grad=True)
    out = (big * 2.0).sum() + (small * small).sum()
    out.backward(retain_graph=True)
    nodes = svg_nodes(viz.draw_graph(out, params={"big": big, "small": small}).pipe("svg").decode())
    big_lines = node_with(nodes, "big")
    assert big_lines[1] == "float64 (100)"                 # an ndarray keeps its dtype
    assert re.fullmatch(r"= mean \S+ std 0.5832", big_lines[2]) and big_lines[3].strip() == "min -1 max 1"
    assert big_lines[4] == "grad mean 2 std 0" and big_lines[5].strip() == "min 2 max 2"
    small_lines = node_with(nodes, "small")
    assert small_lines[2:] == ["= [1.5, -2, 3]", "grad [3, -4, 6]"]


def test_png_and_pdf_render(tutorial, tmp_path):
    import matplotlib.image as mpimg
    *_, f = tutorial
    f.backward(retain_graph=True)
    g = viz.draw_graph(f, format="png")
    png = g.render(filename="g", directory=str(tmp_path))
    assert png.endswith(".png")
    img = mpimg.imread(png)
    assert img.ndim == 3 and img.shape[0] > 150 and img.shape[1] > 150
    assert img.std() > 0.05                                    # not a blank image
    pdf = g.render(filename="g", directory=str(tmp_path), format="pdf")
    data = open(pdf, "rb").read()
    assert data.startswith(b"%PDF") and len(data) > 1000


def test_inline_display_in_jupyter(tutorial):
    *_, f = tutorial
    bundle = viz.draw_graph(f)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_a_tensor_without_graph_is_a_single_node():
    t = ad.tensor([[1.0, 2.0], [3.0, 4.0]])
    svg = viz.draw_graph(t).pipe("svg").decode()
    nodes = svg_nodes(svg)
    assert len(nodes) == 1 and not svg_edges(svg)
    lines = next(iter(nodes.values()))
    assert lines[:2] == ["output", "float32 (2, 2)"]


def test_unknown_format_names_the_allowed_ones(tutorial):
    *_, f = tutorial
    with pytest.raises(ValueError, match=r"unknown format 'jpgg'.*svg, png, pdf"):
        viz.draw_graph(f, format="jpgg")
    g = viz.draw_graph(f)
    for call in (lambda: g.render(format="nope"), lambda: g.pipe(format="nope")):
        with pytest.raises(ValueError, match=r"'nope'.*svg, png, pdf"):
            call()


def test_missing_dot_keeps_source_and_says_how_to_install(tutorial, tmp_path, monkeypatch):
    *_, f = tutorial
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    g = viz.draw_graph(f)
    assert "mul" in g.source and "add" in g.source
    saved = g.save(filename="g.dot", directory=str(tmp_path))
    assert open(saved).read() == g.source
    for call in (lambda: g.render(filename="g2", directory=str(tmp_path)), lambda: g.pipe("svg")):
        with pytest.raises(graphviz.ExecutableNotFound) as info:
            call()
        assert isinstance(info.value, viz.ExecutableNotFound)
        msg = str(info.value)
        for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz", ".source"):
            assert hint in msg
    bundle = g._repr_mimebundle_()
    assert "apt-get install graphviz" in bundle["text/plain"] and "digraph" in bundle["text/plain"]


def test_100k_op_chain_with_a_node_budget():
    x = ad.tensor(1.0, requires_grad=True)
    t = x
    for _ in range(50_000):
        t = t * 0.99999
        t = t + 0.00001
    g = viz.draw_graph(t, max_nodes=200)
    total = 100_000 + 100_001                                  # ops, tensors (x and each op's output)
    assert f"… {total - 200} more nodes not drawn (99900 ops, 99901 tensors)" in g.source
    nodes = svg_nodes(g.pipe("svg").decode())
    assert len(nodes) == 201
    assert node_with(nodes, "output")
    more = [lines for lines in nodes.values() if lines[0].startswith("…")]
    assert more and f"200 of {total} drawn" in more[0][1]


def test_budget_keeps_nodes_nearest_the_output():
    x = ad.tensor(1.0, requires_grad=True)
    t = x
    for _ in range(10):
        t = ad.sin(t)
    t = ad.exp(t)
    src = viz.draw_graph(t, max_nodes=3).source
    assert "exp" in src and "sin" not in src.replace("… ", "")
    assert "… 20 more nodes not drawn (10 ops, 10 tensors)" in src


def test_freed_graph_is_drawn_as_far_as_known(tutorial):
    *_, f = tutorial
    f.backward()
    g = viz.draw_graph(f)
    nodes = svg_nodes(g.pipe("svg").decode())
    assert len(nodes) == 2
    assert "(inputs freed by backward)" in node_with(nodes, "mul")
    assert "retain_graph=True" in g.source


def test_bad_arguments():
    x = ad.tensor(1.0, requires_grad=True)
    y = x * 2.0
    with pytest.raises(ValueError, match="at least one Tensor"):
        viz.draw_graph()
    with pytest.raises(TypeError, match="ndarray at argument 0"):
        viz.draw_graph(np.ones(3))
    with pytest.raises(TypeError, match=r"params\['w'\] is a list"):
        viz.draw_graph(y, params={"w": [1.0]})
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(y, max_nodes=0)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(y, rankdir="UP")
    with pytest.raises(ValueError, match="trace_modules"):
        viz.draw_graph(y, collapse_modules=True)
    # lists of outputs and (name, tensor) pairs are accepted
    src = viz.draw_graph([y, x * 3.0], params=[("x", x)]).source
    assert "output 0" in src and "output 1" in src and 'label="x\\n' in src


def test_options_hide_values_and_grads(tutorial):
    x, y, z, q, f = tutorial
    f.backward(retain_graph=True)
    src = viz.draw_graph(f, params={"x": x}, show_values=False, show_grads=False, rankdir="LR").source
    assert "= -2" not in src and "grad" not in src and "rankdir=LR" in src
