"""Random graphs with fan-out and reuse, every gradient checked against a plain-Python reverse-mode reference.

A hypothesis state machine grows a pool of nodes (0-d and (2,)/(3,) float64 tensors) by applying ops to
nodes drawn from the pool, so values fork into many consumers and one node can feed both inputs of an
op. Each node is built twice, by the same recipe: once with autodiff, once with `RefArray`, a tiny
micrograd-style reference (one Python float per element, its parents and local derivatives). Checks run
`ad.grad`, `backward()` (twice, to see accumulation) and a non-retained `backward()` on a fresh rebuild,
and compare every leaf's gradient with the reference's, unused leaves included.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import autodiff as ad

BOUND = 4.0  # an operand larger than this is squashed by tanh first, so values stay small and nothing overflows
RTOL = 1e-9  # relative, on the sum of |path products|
DTOL = 1e-12  # absolute, per local derivative (eps-level rounding on values bounded by about 20)
FREED = "Trying to backward through the graph a second time"
UNUSED = "appears to not have been used in the graph"
NO_GRAD = "does not require grad"
VALUES = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
DIVISORS = st.floats(0.5, 2.0).flatmap(lambda c: st.sampled_from([c, -c]))  # |c| >= 0.5


# ---------------------------------------------------------------------------------------------------------
# The reference: scalars with parents and local derivatives, and arrays of them.


class Ref:
    """One reference scalar: its value, whether it depends on a leaf, and (parent, local derivative) pairs."""

    __slots__ = ("value", "req", "parents")

    def __init__(self, value: float, parents=(), leaf: bool = False):
        self.value = float(value)
        self.parents = tuple((p, float(d)) for p, d in parents if p.req)  # constants carry no gradient
        self.req = leaf or bool(self.parents)


def ref_backward(seeds) -> tuple[dict, dict, dict]:
    """Reverse mode from (Ref, weight) seeds: gradients and two error scales, by id(Ref).

    Gradients accumulate at forks. `scale` is the same sum with every term made positive (sum of
    |path products|), `slack` its first-order change when each |local derivative| grows by 1: a
    local derivative such as 1 - tanh(x)**2 is only good to an absolute rounding error (it cancels
    near saturation), so `|engine - reference| <= RTOL * scale + DTOL * slack` allows reordered sums
    and eps-level derivative errors, but no wrong term.
    """
    order, seen = [], set()
    for root, _ in seeds:
        stack = [(root, False)] if root.req else []
        while stack:  # iterative post-order: every Ref after all of its parents
            r, done = stack.pop()
            if done:
                order.append(r)
                continue
            if id(r) in seen:
                continue
            seen.add(id(r))
            stack.append((r, True))
            stack.extend((p, False) for p, _ in r.parents if id(p) not in seen)
    grads: dict = {}
    scales: dict = {}
    slacks: dict = {}
    for root, w in seeds:
        if root.req:
            grads[id(root)] = grads.get(id(root), 0.0) + w
            scales[id(root)] = scales.get(id(root), 0.0) + abs(w)
    for r in reversed(order):
        g, s, e = grads.get(id(r), 0.0), scales.get(id(r), 0.0), slacks.get(id(r), 0.0)
        for p, d in r.parents:
            grads[id(p)] = grads.get(id(p), 0.0) + g * d
            scales[id(p)] = scales.get(id(p), 0.0) + s * abs(d)
            slacks[id(p)] = slacks.get(id(p), 0.0) + e * abs(d) + s
    return grads, scales, slacks


class RefArray:
    """A 0-d or 1-d array of `Ref`s with the Tensor operators the recipes use (NumPy broadcasting)."""

    def __init__(self, items: list, shape: tuple):
        self.items, self.shape = items, shape

    @staticmethod
    def lift(x) -> RefArray:
        return x if isinstance(x, RefArray) else RefArray([Ref(x)], ())

    @property
    def req(self) -> bool:
        return any(r.req for r in self.items)

    def values(self) -> np.ndarray:
        return np.array([r.value for r in self.items], dtype=np.float64).reshape(self.shape)

    def _map(self, fn) -> RefArray:
        return RefArray([Ref(*fn(r)) for r in self.items], self.shape)

    def _zip(self, other, fn) -> RefArray:
        a, b = RefArray.lift(self), RefArray.lift(other)
        shape = np.broadcast_shapes(a.shape, b.shape)
        n = math.prod(shape)
        xs = a.items if len(a.items) == n else a.items * n
        ys = b.items if len(b.items) == n else b.items * n
        return RefArray([Ref(*fn(x, y)) for x, y in zip(xs, ys)], shape)

    def __add__(self, o):
        return self._zip(o, lambda x, y: (x.value + y.value, ((x, 1.0), (y, 1.0))))

    def __radd__(self, o):
        return RefArray.lift(o) + self

    def __sub__(self, o):
        return self._zip(o, lambda x, y: (x.value - y.value, ((x, 1.0), (y, -1.0))))

    def __rsub__(self, o):
        return RefArray.lift(o) - self

    def __mul__(self, o):
        return self._zip(o, lambda x, y: (x.value * y.value, ((x, y.value), (y, x.value))))

    def __rmul__(self, o):
        return RefArray.lift(o) * self

    def __truediv__(self, o):
        return self._zip(o, lambda x, y: (x.value / y.value,
                                          ((x, 1.0 / y.value), (y, -x.value / (y.value * y.value)))))

    def __rtruediv__(self, o):
        return RefArray.lift(o) / self

    def __neg__(self):
        return self._map(lambda x: (-x.value, ((x, -1.0),)))

    def sum(self):
        return RefArray([Ref(sum(r.value for r in self.items), [(r, 1.0) for r in self.items])], ())

    def mean(self):
        n = len(self.items)
        return RefArray([Ref(sum(r.value for r in self.items) / n, [(r, 1.0 / n) for r in self.items])], ())


def _tanh(x):
    t = math.tanh(x.value)
    return t, ((x, 1.0 - t * t),)


def _sigmoid(x):
    s = 1.0 / (1.0 + math.exp(-x.value))
    return s, ((x, s * (1.0 - s)),)


def _exp(x):
    e = math.exp(x.value)
    return e, ((x, e),)


class RefMath:
    """The reference's counterparts of the autodiff functions the recipes call (`ad.tanh`, ...)."""

    tanh = staticmethod(lambda a: a._map(_tanh))
    sigmoid = staticmethod(lambda a: a._map(_sigmoid))
    exp = staticmethod(lambda a: a._map(_exp))
    sin = staticmethod(lambda a: a._map(lambda x: (math.sin(x.value), ((x, math.cos(x.value)),))))
    relu = staticmethod(lambda a: a._map(lambda x: (max(x.value, 0.0), ((x, 1.0 if x.value > 0 else 0.0),))))

    @staticmethod
    def stack(arrays):
        return RefArray([a.items[0] for a in arrays], (len(arrays),))


# ---------------------------------------------------------------------------------------------------------
# Recipes: one expression, run with m=autodiff on Tensors and with m=RefMath on RefArrays.

UNARY = {
    "tanh": lambda m, x: m.tanh(x),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "sin": lambda m, x: m.sin(x),
    "exp_tanh": lambda m, x: m.exp(m.tanh(x)),  # exp of a bounded value
    "neg": lambda m, x: -x,
    "square": lambda m, x: x * x,  # the same node as both inputs of one op
    "relu": lambda m, x: m.relu(x),  # only applied away from the kink at 0
}
BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (1.5 + m.tanh(b)),  # denominator in [0.5, 2.5]
}
WITH_CONSTANT = {  # c is a Python float
    "add_c": lambda m, x, c: x + c,
    "c_add": lambda m, x, c: c + x,
    "c_sub": lambda m, x, c: c - x,
    "mul_c": lambda m, x, c: x * c,
    "c_mul": lambda m, x, c: c * x,
    "c_div": lambda m, x, c: c / (1.5 + m.tanh(x)),
}
REDUCE = {"sum": lambda m, x: x.sum(), "mean": lambda m, x: x.mean()}


def _sum_many(m, *xs):
    return sum(xs)  # builtin sum: 0 + x0 + x1 + ... (an int on the left first)


def _stack(m, *xs):
    return m.stack(list(xs))


def _div_c(m, x, c):
    return x / c


def _compatible(s: tuple, t: tuple) -> bool:
    return s == () or t == () or s == t


class RandomGraphs(RuleBasedStateMachine):
    """Grow a pool of (Tensor, RefArray) nodes with fan-out and reuse; check gradients of random outputs."""

    def __init__(self):
        super().__init__()
        self.tensors: list = []  # autodiff Tensors, by node index
        self.refs: list[RefArray] = []  # the reference, by node index
        self.recipes: list = []  # ("leaf" | "const", values) or (fn, operand indices, extra args)
        self.leaves: list[int] = []  # node indices of the leaves that require grad
        self.squashed: dict[int, int] = {}  # node index -> index of tanh(node), made once per large node

    # -- building -------------------------------------------------------------------------------------------

    def _add(self, t, ref: RefArray, recipe) -> int:
        """Record a node and check its forward value, dtype, shape and requires_grad against the reference."""
        assert isinstance(t, ad.Tensor), type(t)
        assert t.dtype == np.float64, t.dtype
        assert t.shape == ref.shape, (t.shape, ref.shape)
        assert t.requires_grad == ref.req, (t.requires_grad, ref.req)
        np.testing.assert_allclose(t.numpy(), ref.values(), rtol=RTOL, atol=RTOL)
        self.tensors.append(t)
        self.refs.append(ref)
        self.recipes.append(recipe)
        return len(self.tensors) - 1

    def _leaf(self, values, requires_grad: bool) -> int:
        arr = np.array(values, dtype=np.float64)
        t = ad.tensor(arr, dtype=np.float64, requires_grad=requires_grad)
        ref = RefArray([Ref(v, leaf=requires_grad) for v in arr.reshape(-1).tolist()], arr.shape)
        i = self._add(t, ref, ("leaf" if requires_grad else "const", arr))
        if requires_grad:
            self.leaves.append(i)
        return i

    def _apply(self, fn, idxs: list[int], extra=()) -> int:
        t = fn(ad, *(self.tensors[i] for i in idxs), *extra)
        ref = fn(RefMath, *(self.refs[i] for i in idxs), *extra)
        return self._add(t, ref, (fn, tuple(idxs), tuple(extra)))

    def _operand(self, i: int) -> int:
        """Node `i`, or tanh(node i) when it is larger than BOUND (made once, then reused)."""
        if np.max(np.abs(self.refs[i].values())) <= BOUND:
            return i
        if i not in self.squashed:
            self.squashed[i] = self._apply(UNARY["tanh"], [i])
        return self.squashed[i]

    def _pick(self, data, shape_ok=lambda s: True) -> int:
        return data.draw(st.sampled_from([i for i, r in enumerate(self.refs) if shape_ok(r.shape)]))

    def _rebuild(self, upto: int) -> tuple[list, dict]:
        """Replay the recipes of nodes 0..upto with fresh leaves: an independent graph for non-retained checks."""
        fresh: list = []
        leaves: dict = {}
        for i, recipe in enumerate(self.recipes[:upto + 1]):
            if recipe[0] in ("leaf", "const"):
                t = ad.tensor(recipe[1], dtype=np.float64, requires_grad=recipe[0] == "leaf")
                if recipe[0] == "leaf":
                    leaves[i] = t
            else:
                fn, idxs, extra = recipe
                t = fn(ad, *(fresh[j] for j in idxs), *extra)
            fresh.append(t)
        return fresh, leaves

    # -- rules ----------------------------------------------------------------------------------------------

    @initialize(a=VALUES, b=VALUES)
    def two_leaves(self, a, b):
        """Start with two 0-d leaves, so every shape has a broadcast partner in the pool."""
        self._leaf(a, True)
        self._leaf(b, True)

    @rule(value=VALUES)
    def leaf(self, value):
        self._leaf(value, True)

    @rule(values=st.lists(VALUES, min_size=2, max_size=3))
    def vector_leaf(self, values):
        self._leaf(values, True)

    @rule(values=st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3)))
    def constant(self, values):
        """A Tensor that does not require grad (0-d or a vector)."""
        self._leaf(values, False)

    @rule(data=st.data(), name=st.sampled_from(sorted(UNARY)))
    def unary(self, data, name):
        i = self._operand(self._pick(data))
        if name == "relu" and np.min(np.abs(self.refs[i].values())) < 1e-6:
            return  # relu's derivative at 0 is a convention; stay away from the kink
        self._apply(UNARY[name], [i])

    @rule(data=st.data(), name=st.sampled_from(sorted(BINARY)))
    def binary(self, data, name):
        """Two nodes from the pool (possibly the same one), broadcast against each other."""
        a = self._pick(data)
        b = self._pick(data, lambda s: _compatible(s, self.refs[a].shape))
        self._apply(BINARY[name], [self._operand(a), self._operand(b)])

    @precondition(lambda self: any(r.shape for r in self.refs))
    @rule(data=st.data(), name=st.sampled_from(sorted(BINARY)), vector_first=st.booleans())
    def broadcast(self, data, name, vector_first):
        """A vector node and a 0-d node in one op: the 0-d side's gradient is summed over the vector."""
        v = self._operand(self._pick(data, lambda s: s != ()))
        x = self._operand(self._pick(data, lambda s: s == ()))
        self._apply(BINARY[name], [v, x] if vector_first else [x, v])

    @rule(data=st.data(), name=st.sampled_from(sorted(WITH_CONSTANT)), c=VALUES)
    def with_python_constant(self, data, name, c):
        self._apply(WITH_CONSTANT[name], [self._operand(self._pick(data))], [c])

    @rule(data=st.data(), c=DIVISORS)
    def divide_by_python_constant(self, data, c):
        self._apply(_div_c, [self._operand(self._pick(data))], [c])

    @precondition(lambda self: any(r.shape for r in self.refs))
    @rule(data=st.data(), name=st.sampled_from(sorted(REDUCE)))
    def reduce(self, data, name):
        self._apply(REDUCE[name], [self._operand(self._pick(data, lambda s: s != ()))])

    @rule(data=st.data(), k=st.integers(2, 3))
    def stack(self, data, k):
        """A (k,) vector from k 0-d nodes drawn with replacement."""
        self._apply(_stack, [self._operand(self._pick(data, lambda s: s == ())) for _ in range(k)])

    @rule(data=st.data(), k=st.integers(2, 5))
    def sum_many(self, data, k):
        """Builtin sum of k nodes drawn with replacement, of one shape or 0-d."""
        shape = self.refs[self._pick(data)].shape
        idxs = [self._operand(self._pick(data, lambda s: s in ((), shape))) for _ in range(k)]
        self._apply(_sum_many, idxs)

    @rule(data=st.data())
    def check_random_output(self, data):
        """Any node as the output; a vector output gets random weights as its seed gradient."""
        i = self._pick(data)
        shape = self.refs[i].shape
        self._check(i, data.draw(st.lists(VALUES, min_size=shape[0], max_size=shape[0])) if shape else None)

    @invariant()
    def check_newest(self):
        """The newest (usually deepest) node as the output, after every step."""
        if self.tensors:
            i = len(self.tensors) - 1
            self._check(i, [1.0, -0.5, 2.0][:self.refs[i].shape[0]] if self.refs[i].shape else None)

    # -- checking -------------------------------------------------------------------------------------------

    def _expected(self, i: int, w) -> dict:
        """For each leaf index: (reference gradient, scale, slack), or None when the output does not reach it."""
        ref = self.refs[i]
        weights = [1.0] if w is None else w
        grads, scales, slacks = ref_backward(list(zip(ref.items, weights)))
        out = {}
        for j in self.leaves:
            items = self.refs[j].items
            if not any(id(r) in grads for r in items):
                out[j] = None
                continue
            shape = self.refs[j].shape
            out[j] = tuple(np.array([d.get(id(r), 0.0) for r in items]).reshape(shape) for d in (grads, scales, slacks))
        return out

    @staticmethod
    def _assert_grad(got, want, factor: float = 1.0, what: str = ""):
        """`got` is a float64 Tensor equal to factor * the reference gradient up to rounding."""
        g, scale, slack = want
        assert isinstance(got, ad.Tensor), (what, type(got))
        assert got.dtype == np.float64 and got.shape == g.shape, (what, got.dtype, got.shape, g.shape)
        err = np.abs(got.numpy() - factor * g)
        assert np.all(err <= factor * (RTOL * scale + DTOL * slack)), (what, got.numpy(), factor * g, scale, slack)

    def _check(self, i: int, w):
        """Compare ad.grad, backward (and its accumulation) and a non-retained backward with the reference."""
        out = self.tensors[i]
        seed = None if w is None else ad.tensor(np.array(w), dtype=np.float64)
        leaf_tensors = [self.tensors[j] for j in self.leaves]
        if not self.refs[i].req:
            with pytest.raises(RuntimeError, match=NO_GRAD):
                out.backward(seed)
            with pytest.raises(RuntimeError, match=NO_GRAD):
                ad.grad(out, leaf_tensors, grad_outputs=seed)
            return
        expected = self._expected(i, w)
        for t in leaf_tensors:
            t.grad = None

        # ad.grad, graph kept: None exactly for the leaves the output does not reach
        found = ad.grad(out, leaf_tensors, grad_outputs=seed, retain_graph=True, allow_unused=True)
        assert len(found) == len(leaf_tensors)
        for j, g in zip(self.leaves, found):
            if expected[j] is None:
                assert g is None, (j, g)
            else:
                self._assert_grad(g, expected[j], what=f"ad.grad, leaf {j}")
        unused = [j for j in self.leaves if expected[j] is None]
        if unused:
            with pytest.raises(RuntimeError, match=UNUSED):
                ad.grad(out, leaf_tensors, grad_outputs=seed, retain_graph=True)
            zeros = ad.grad(out, [self.tensors[j] for j in unused], grad_outputs=seed, retain_graph=True,
                            materialize_grads=True)
            for j, z in zip(unused, zeros):
                assert isinstance(z, ad.Tensor) and z.shape == self.refs[j].shape and not np.any(z.numpy()), (j, z)
        assert all(t.grad is None for t in leaf_tensors), "ad.grad must not touch .grad"

        # backward twice with retain_graph: .grad is the gradient, then twice it
        for factor in (1.0, 2.0):
            out.backward(seed, retain_graph=True)
            for j, t in zip(self.leaves, leaf_tensors):
                if expected[j] is None:
                    assert t.grad is None, (j, t.grad)
                else:
                    self._assert_grad(t.grad, expected[j], factor, what=f"backward #{factor:g}, leaf {j}")
        for t in leaf_tensors:
            t.grad = None

        # a fresh rebuild, backward without retain_graph: same gradients, then the graph is gone
        fresh, fresh_leaves = self._rebuild(i)
        fresh_out = fresh[i]
        fresh_out.backward(seed)
        for j, t in fresh_leaves.items():
            if expected[j] is None:
                assert t.grad is None, (j, t.grad)
            else:
                self._assert_grad(t.grad, expected[j], what=f"fresh backward, leaf {j}")
        if fresh_out.grad_fn is None:  # the output is a leaf: nothing to free, a second call accumulates
            fresh_out.backward(seed)
            self._assert_grad(fresh_out.grad, expected[i], 2.0, what="leaf output, second backward")
        else:
            with pytest.raises(RuntimeError, match=FREED):
                fresh_out.backward(seed)
            with pytest.raises(RuntimeError, match=FREED):
                ad.grad(fresh_out, list(fresh_leaves.values()), grad_outputs=seed, allow_unused=True)


TestRandomGraphs = RandomGraphs.TestCase
TestRandomGraphs.settings = settings(max_examples=30, stateful_step_count=25)
