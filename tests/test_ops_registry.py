"""Registry-driven checks: every registered op, first order, second order and forward mode.

An op cannot be added without samples: `test_every_op_has_samples` fails.
"""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_samples import all_samples

import autodiff as ad
from autodiff.gradcheck import gradcheck, gradgradcheck, jvpcheck
from autodiff.ops import OPS
from autodiff.tensor import Tensor

SAMPLES = all_samples()
NAMES = sorted(OPS)


def _graph_nodes(t: Tensor) -> list:
    """The recorded nodes behind `t`, each once (depth first from its grad_fn)."""
    nodes, stack, seen = [], [t.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        nodes.append(n)
        stack.extend(a.grad_fn for a in (n.inputs or ()) if isinstance(a, Tensor))
    return nodes


def _graph_op_names(t: Tensor) -> set:
    return {n.op.name for n in _graph_nodes(t)}


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


def _draw(name, data):
    fn, inputs = SAMPLES[name](data.draw)
    for o in _outputs(fn(*inputs)):
        assert name in _graph_op_names(o), f"the sample for {name!r} does not record {name!r}"
    return fn, inputs


def test_every_op_has_samples():
    missing = sorted(set(OPS) - set(SAMPLES))
    assert not missing, f"ops registered without samples in tests/op_samples*.py: {missing}"


def test_every_op_has_rules_for_each_input_and_a_doc_or_name():
    for name, op in OPS.items():
        if not op.variadic:
            assert len(op.vjp) == len(op.jvp), name
            assert any(r is not None for r in op.vjp), name


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=12)
@given(data=st.data())
def test_gradients_match_central_differences(name, data):
    fn, inputs = _draw(name, data)
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=6)
@given(data=st.data())
def test_second_derivatives_match_central_differences(name, data):
    fn, inputs = _draw(name, data)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=12)
@given(data=st.data())
def test_forward_mode_matches_directional_derivative(name, data):
    fn, inputs = _draw(name, data)
    assert jvpcheck(fn, inputs)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=4)
@given(data=st.data())
def test_forward_mode_over_a_create_graph_backward_gives_the_hvp(name, data):
    """jvp of a gradient taken with create_graph (forward-over-reverse) must carry tangents through every
    rule, the saved outputs and constant seeds included, and agree with the double-backward H v."""
    fn, inputs = _draw(name, data)
    pos = [k for k, a in enumerate(inputs) if isinstance(a, Tensor) and a.requires_grad]
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(o.shape) for o in _outputs(fn(*inputs))]
    vs = tuple(Tensor(rng.standard_normal(inputs[k].shape)) for k in pos)

    def scalar(*xs):
        args = list(inputs)
        for k, x in zip(pos, xs):
            args[k] = x
        terms = [(o * w).sum() for o, w in zip(_outputs(fn(*args)), weights) if o.requires_grad]
        assert terms, f"{name}: no differentiable output"
        return sum(terms[1:], terms[0])

    def gradient(*xs):
        gs = ad.grad(scalar(*(x.requires_grad_() for x in xs)), xs, create_graph=True, allow_unused=True)
        return tuple(ad.zeros_like(x) if g is None else g for g, x in zip(gs, xs))

    xs = tuple(inputs[k].detach() for k in pos)
    _, forward_over_reverse = ad.functional.jvp(gradient, xs, vs)
    _, double_backward = ad.functional.hvp(scalar, xs, vs)
    for k, a, b in zip(pos, forward_over_reverse, double_backward):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-9, err_msg=f"{name}: input {k}")


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=8)
@given(data=st.data())
def test_backward_with_random_upstream_gradient_keeps_invariants(name, data):
    """A random (not all-ones) upstream gradient; no aliasing; inputs untouched; buffers freed."""
    fn, inputs = _draw(name, data)
    before = [np.array(x.data, copy=True) for x in inputs]
    out = fn(*inputs)
    assert isinstance(out, Tensor)
    rng = np.random.default_rng(0)
    upstream = rng.standard_normal(out.shape)
    upstream_copy = upstream.copy()
    nodes = []
    stack = [out.grad_fn]
    while stack:
        n = stack.pop()
        if n is not None and n not in nodes:
            nodes.append(n)
            stack.extend(a.grad_fn for a in n.inputs if isinstance(a, Tensor))
    ans_refs = [weakref.ref(n.ans) for n in nodes if isinstance(n.ans, np.ndarray)]
    res_refs = [weakref.ref(r) for n in nodes for r in (n.res or ()) if isinstance(r, np.ndarray)]
    assert out.requires_grad, f"{name}: the sample's output does not require grad"
    out.backward(upstream)
    # 1. numerical J^T u, input by input
    eps = 1e-6
    for k, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        num = np.zeros(x.shape)
        flat = np.array(x.data, copy=True).reshape(-1)
        for j in range(flat.size):
            vals = []
            for s in (1, -1):
                p = flat.copy()
                p[j] += s * eps
                probe = list(inputs)
                probe[k] = Tensor._wrap(p.reshape(x.shape))
                with ad.no_grad():
                    vals.append(float(np.sum(upstream * np.asarray(fn(*probe).data))))
            num.reshape(-1)[j] = (vals[0] - vals[1]) / (2 * eps)
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        np.testing.assert_allclose(got, num, rtol=1e-4, atol=1e-6, err_msg=f"{name}: input {k}")
        assert x.grad is None or x.grad.dtype == x.dtype
    # 2. inputs and the upstream gradient are not mutated
    for x, b in zip(inputs, before):
        np.testing.assert_array_equal(x.data, b)
    np.testing.assert_array_equal(upstream, upstream_copy)
    # 3. no gradient aliases another gradient or the upstream gradient
    grads = [x.grad.data for x in inputs if x.grad is not None]
    for i, g in enumerate(grads):
        assert not np.shares_memory(g, upstream), f"{name}: a gradient aliases the upstream gradient"
        for h in grads[i + 1:]:
            assert not np.shares_memory(g, h), f"{name}: two input gradients share memory"
    # 4. the graph's saved buffers (residuals too) are released
    assert all(n.args is None and n.ans is None and n.res is None for n in nodes)
    del out, nodes
    gc.collect()
    assert all(r() is None for r in ans_refs[1:]), f"{name}: saved intermediate arrays are still alive"
    assert all(r() is None for r in res_refs), f"{name}: residuals are still alive"


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=4)
@given(data=st.data())
def test_a_retained_graph_gives_the_same_gradients_again(name, data):
    """With retain_graph=True a second backward gives the first's gradients: no rule changes what the graph
    saved (inputs, outputs, residuals) or the upstream gradient it was given."""
    fn, inputs = _draw(name, data)
    xs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    outs = [o for o in _outputs(fn(*inputs)) if o.requires_grad]
    assert xs and outs, f"{name}: the sample has no differentiable input or output"
    rng = np.random.default_rng(0)
    upstream = [rng.standard_normal(o.shape) for o in outs]
    first = ad.grad(outs, xs, upstream, retain_graph=True, allow_unused=True)
    second = ad.grad(outs, xs, upstream, allow_unused=True)
    for k, (a, b) in enumerate(zip(first, second)):
        assert (a is None) == (b is None), f"{name}: input {k}"
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"{name}: input {k}")


POINTWISE = sorted(name for name, op in OPS.items() if op.pointwise)


def _node_of(out: Tensor, name: str):
    found = [n for n in _graph_nodes(out) if n.op.name == name]
    assert found, f"no {name} node"
    return found[0]


@pytest.mark.parametrize("name", POINTWISE)
@settings(max_examples=10)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]), create_graph=st.booleans(),
       others=st.sampled_from(["python scalars", "arrays alike", "numpy scalars alike"]))
def test_pointwise_rules_keep_the_inputs_shape_and_dtype(name, data, dtype, create_graph, others):
    """What `pointwise` promises (registry.Op), which lets backward skip fitting gradients (tape.Node.exact):
    with the other inputs Python scalars, or arrays of input i's shape and dtype, rule i returns input i's
    shape and dtype, on arrays and on Tensors."""
    op = OPS[name]
    fn, inputs = _draw(name, data)
    node = _node_of(fn(*inputs), name)
    args, params = node.args, node.params
    arrays = [j for j, a in enumerate(args) if isinstance(a, (np.ndarray, np.generic))]
    shape = np.broadcast_shapes(*(np.shape(args[j]) for j in arrays))
    rng = np.random.default_rng(0)
    for i, rule in enumerate(op.vjp):
        if rule is None or i not in arrays:
            continue
        if others == "python scalars":
            xs = [np.asarray(a, dtype=dtype) if j == i else float(np.asarray(a).flat[0]) if j in arrays else a
                  for j, a in enumerate(args)]
        elif others == "arrays alike":  # every array input (the op's own values) of one shape and dtype
            xs = [np.array(np.broadcast_to(np.asarray(a, dtype=dtype), shape)) if j in arrays else a
                  for j, a in enumerate(args)]
        else:  # ... or every one a NumPy scalar of that dtype (0-d tensors may hold those)
            xs = [np.dtype(dtype).type(np.asarray(a).flat[0]) if j in arrays else a for j, a in enumerate(args)]
        ans = op.forward(*xs, **params)
        assert np.shape(ans) == np.shape(xs[i]) and np.result_type(ans) == dtype, f"{name}: forward"
        g = rng.standard_normal(np.shape(ans)).astype(dtype)
        if create_graph:
            xs[i] = Tensor(xs[i], requires_grad=True)
            with ad.enable_grad():
                gi = rule(Tensor(g, requires_grad=True), Tensor(np.asarray(ans)), *xs, **params)
            assert isinstance(gi, Tensor) and gi.requires_grad, f"{name}: rule {i} did not record"
        else:
            gi = rule(g, ans, *xs, **params)
        assert np.shape(gi) == np.shape(xs[i]), f"{name}: rule {i} gave shape {np.shape(gi)} for {np.shape(xs[i])}"
        assert np.result_type(gi) == dtype, f"{name}: rule {i} gave {np.result_type(gi)} for {np.dtype(dtype)}"
