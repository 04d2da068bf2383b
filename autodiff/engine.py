"""Reverse mode: walk the recorded nodes in reverse topological order (Kahn, no recursion)."""
from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush

import numpy as np

from ._state import config, set_grad_mode, state
from .tensor import Tensor

_ndarray = np.ndarray

FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
             "backward through the graph a second time or if you need to access saved tensors after "
             "calling backward.")


def sum_to(g, shape: tuple):
    """Undo broadcasting: sum `g` down to `shape` (works on arrays and on Tensors)."""
    gshape = np.shape(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ValueError(f"cannot sum a gradient of shape {gshape} down to shape {shape}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    for i, s in enumerate(shape):
        if s != 1 and gshape[lead + i] != s:
            raise ValueError(f"cannot sum a gradient of shape {gshape} down to shape {shape}")
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


def _version_error(node, i, a, expected) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{a.dtype} {list(a.shape)}], which is input {i} of {node!r} ({node.op.name}), is at "
        f"version {a._vc[0]}; expected version {expected} instead. Hint: the in-place change ran after "
        f"this op recorded the value; use an out-of-place op or .clone().")


def _output_version_error(node) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"the output of {node!r} ({node.op.name}) is at version {node.out_vc[0][0]}; expected version "
        f"{node.out_vc[1]} instead.")


def _anomaly_check(node, i: int, gi) -> None:
    arr = np.asarray(gi._data if isinstance(gi, Tensor) else gi)
    if not np.all(np.isfinite(arr)):
        where = "".join(node.trace[-2:]) if node.trace else "(forward trace not recorded)\n"
        bad = "nan" if np.any(np.isnan(arr)) else "inf"
        raise RuntimeError(
            f"Function '{node!r}' ({node.op.name}) returned {bad} values in its gradient for input {i}. "
            f"Its forward was called at:\n{where}")


_POSITIONS = (None, (0,), (0, 1))  # input positions of a node with _n = 1, 2


def _parent_as_recorded(node, i: int, a: Tensor) -> tuple:
    """(requires_grad, grad_fn) of input `a`, which changed in place after `node` recorded it.

    Raises if the node's rules read that input; otherwise follows the input's history as recorded.
    """
    saved = node.op.saved_inputs
    if saved is None or i in saved:
        raise _version_error(node, i, a, _recorded_version(node, i))
    return recorded_parent(node, i, a)


def _fit_to_input(gi, data, op, i: int):
    """An input's gradient with the input's shape (broadcasting undone) and dtype."""
    if gi.shape != data.shape:
        try:
            gi = sum_to(gi, data.shape)
        except ValueError as e:
            raise RuntimeError(f"{op.name}: gradient for input {i}: {e}") from None
    if gi.dtype != data.dtype:
        gi = gi.astype(data.dtype)
    return gi


def _run_node_hooks(node, g, create_graph: bool):
    """The gradient of a node's output after the hooks registered on it (which may replace it)."""
    for hook in node.hooks:
        out = hook(_wrap_grad(g, create_graph))
        if out is not None:
            g = _unwrap_hook_result(out, create_graph)
            if np.shape(g) != np.shape(node.ans):  # the rules rely on g having the output's shape
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} on {node!r} changed the "
                                   f"gradient's shape from {np.shape(node.ans)} to {np.shape(g)}")
            dtype = np.result_type(node.ans)
            if g.dtype != dtype:  # ... and its dtype (exact nodes pass it on unchecked: see tape.Node)
                g = g.astype(dtype)
    return g


def _wrap_grad(g, create_graph: bool):
    return g if create_graph else Tensor._wrap(g)


def _unwrap_hook_result(out, create_graph: bool):
    if create_graph:
        return out if isinstance(out, Tensor) else Tensor(out)
    return out._data if isinstance(out, Tensor) else np.asarray(out)


def _recorded_version(node, i: int) -> int:
    """The version input i had when `node` recorded it (`versions` None: every input was at version 0)."""
    return node.versions[i] if node.versions is not None else 0


def recorded_parent(node, i: int, a: Tensor) -> tuple:
    """(requires_grad, grad_fn) of input `a` as it was when `node` recorded it."""
    if a._vc is not None:
        expected = _recorded_version(node, i)
        if a._vc[0] != expected:
            return a._as_of(expected)
    return a.requires_grad, a.grad_fn


def _needed_nodes(roots, targets) -> tuple[set | None, dict, dict]:
    """Nodes whose VJPs lead to a target (so `grad` runs nothing else), found without recursion.

    Returns None for the set when every node leads to a target: each recorded node reaches some leaf
    that requires grad, so when every such leaf is a target there is nothing to prune.
    """
    target_nodes: dict = {}
    target_leaves: dict = {}
    for k, t in enumerate(targets):
        if t.grad_fn is not None:
            target_nodes.setdefault(t.grad_fn, []).append(k)
        else:
            target_leaves.setdefault(t, []).append(k)
    edges = []  # (parent, consumer); turned into a consumer map only if pruning turns out to be needed
    frontier = []
    other_leaf = False
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    seen = set(stack)
    while stack:
        node = stack.pop()
        n = node._n  # (the inputs read from Node's slots, as run_backward does)
        if not n:
            raise RuntimeError(FREED_MSG)
        if node in target_nodes:
            frontier.append(node)
        x = node._x
        for i in _POSITIONS[n] if n > 0 else range(len(x)):
            a = x[i] if n < 0 else node._y if i else x
            if not isinstance(a, Tensor):
                continue
            if a._vc is None:
                req, p = a.requires_grad, a.grad_fn
            else:
                req, p = recorded_parent(node, i, a)
            if req:
                if p is None:
                    if a in target_leaves:
                        frontier.append(node)
                    else:
                        other_leaf = True
                    continue
                edges.append((p, node))
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
    if not other_leaf:
        return None, target_nodes, target_leaves
    consumers: dict = {}
    for p, node in edges:
        consumers.setdefault(p, []).append(node)
    needed = set()
    while frontier:
        n = frontier.pop()
        if n not in needed:
            needed.add(n)
            frontier.extend(consumers.get(n, ()))
    return needed, target_nodes, target_leaves


def run_backward(roots: Sequence[Tensor], root_grads: Sequence, retain_graph: bool, create_graph: bool,
                 targets: Sequence[Tensor] | None = None):
    """Backpropagate `root_grads` from `roots`.

    Nodes run in decreasing creation order (`seq`): every consumer of a value
    was created after it, so each node runs once, after all the gradients
    flowing into it have been summed. Without `targets`, leaf gradients
    accumulate into `.grad`; with `targets`, only nodes leading to them run and
    the gradients reaching each target are returned (None where unreached).
    """
    needed = target_nodes = None
    if targets is not None:
        needed, target_nodes, target_leaves = _needed_nodes(roots, targets)
        captured: list = [None] * len(targets)
    grads: dict = {}
    leaf_grads: dict = {}
    heap: list = []
    for r, g in zip(roots, root_grads):
        n = r.grad_fn
        if n is None:
            leaf_grads[r] = g if r not in leaf_grads else leaf_grads[r] + g
        elif n in grads:
            grads[n] = grads[n] + g
        else:
            grads[n] = g
            heappush(heap, (-n.seq, n))
    anomaly = config.anomaly
    tangents = state.forward_tangents
    prev_mode = set_grad_mode(create_graph)
    # `held`: the one pending node while nothing else is pending (a chain's common case), kept off the heap
    # with its gradient `held_g` out of `grads`
    held = held_g = None
    if len(heap) == 1:
        held = heappop(heap)[1]
        held_g = grads.pop(held)
    try:
        while held is not None or heap:
            if held is not None:
                node, g, held = held, held_g, None
            else:
                node = heappop(heap)[1]
                g = grads.pop(node)
            n = node._n  # 1 or 2 inputs in slots of their own, or -1 for tuples (see Node); 0 once freed
            if not n:
                raise RuntimeError(FREED_MSG)
            if needed is not None and node not in needed:
                continue
            if target_nodes and node in target_nodes:
                for k in target_nodes[node]:
                    captured[k] = g
            extra = node.extra  # (None for most nodes: see tape.NodeExtras)
            if extra is not None:
                if extra.hooks:
                    g = _run_node_hooks(node, g, create_graph)
                if extra.out_vc is not None and extra.out_vc[0][0] != extra.out_vc[1]:
                    raise _output_version_error(node)
            op = node.op
            x, y = node._x, node._y
            if create_graph:
                ans = None
                if op.uses_ans:  # the output itself, as a tensor whose history is this node
                    ans = Tensor._wrap(node.ans)
                    ans.requires_grad, ans.grad_fn, ans._vc = True, node, node.output_counter()
                    if tangents is not None and node in tangents:  # forward mode over this backward: the
                        tangents[ans] = tangents[node]               # output's tangent (tape._push_tangent)
                ax, ay = x, y  # the rules get the inputs themselves, so that they are recorded
            else:
                ans = node.ans
                ax, ay = node._ax, node._ay
            params = node.params
            if op.residuals:  # what the forward saved for the rules; under create_graph they recompute (registry)
                params = {**params, "res": None if create_graph else node._res}
            vjps = op.vjp
            variadic = op.variadic
            versions = node.versions
            exact = node.exact
            # the loop below reads inputs from the slots, without building tuples (the hot path);
            # only tuple-input and variadic nodes need the argument tuple
            args = ax if n < 0 else ((ax, ay) if n == 2 else (ax,)) if variadic else None
            for i in exact or (_POSITIONS[n] if n > 0 else range(len(x))):
                a = x[i] if n < 0 else y if i else x
                if not isinstance(a, Tensor):
                    continue
                vc = a._vc
                if vc is not None and vc[0] != (versions[i] if versions is not None else 0):
                    req, p = _parent_as_recorded(node, i, a)  # changed in place since (or raises)
                else:
                    req = a.requires_grad
                    p = a.grad_fn
                if not req:
                    continue
                if needed is not None and (p not in needed if p is not None else a not in target_leaves):
                    continue
                if variadic:
                    gi = vjps(i, g, ans, *args, **params)
                else:
                    rule = vjps[i]
                    if rule is None:
                        continue
                    if n == 2:  # plain calls, no argument tuple to build: the hot path
                        gi = rule(g, ans, ax, ay, **params) if params else rule(g, ans, ax, ay)
                    elif n == 1:
                        gi = rule(g, ans, ax, **params) if params else rule(g, ans, ax)
                    else:
                        gi = rule(g, ans, *args, **params) if params else rule(g, ans, *args)
                if not exact:  # fit gi to the input's shape and dtype, unless the node vouches for them
                    data = a._data
                    kind = type(gi)
                    if (kind is not type(data) or kind is _ndarray) and (  # (two NumPy scalars of one type agree)
                            gi.shape != data.shape or gi.dtype is not data.dtype):
                        gi = _fit_to_input(gi, data, op, i)
                if anomaly:
                    _anomaly_check(node, i, gi)
                if p is None:
                    leaf_grads[a] = gi if a not in leaf_grads else leaf_grads[a] + gi
                elif p is held:
                    held_g = held_g + gi
                elif held is None and not heap:  # nothing else pending (so nothing in grads): hold p
                    held, held_g = p, gi
                elif p in grads:
                    grads[p] = grads[p] + gi
                else:
                    if held is not None:
                        grads[held] = held_g
                        heappush(heap, (-held.seq, held))
                        held = None
                    grads[p] = gi
                    heappush(heap, (-p.seq, p))
            if not retain_graph:  # free what backward needed (see Node: _n is 0 once freed)
                node._n = 0
                node._x = node._y = node._ax = node._ay = node.ans = None
                if op.residuals:
                    node._res = None
    finally:
        set_grad_mode(prev_mode)

    # leaves: hooks, then accumulate (or capture)
    handed: set = set()
    for a, g in leaf_grads.items():
        if a._hooks:
            for hook in a._hooks:
                out = hook(_wrap_grad(g, create_graph))
                if out is not None:
                    g = _unwrap_hook_result(out, create_graph)
                    if np.shape(g) != a.shape:
                        raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} on a leaf changed the "
                                           f"gradient's shape from {a.shape} to {np.shape(g)}")
                    if g.dtype != a.dtype:  # a gradient always has its tensor's dtype (README, "Dtypes")
                        g = g.astype(a.dtype)
        if targets is not None:
            for k in target_leaves.get(a, ()):
                captured[k] = g
            continue
        if not create_graph and type(g) is np.ndarray and (g.base is not None or id(g) in handed):
            g = g.copy()  # never let two .grad's (or a .grad and a user's array) share memory
        handed.add(id(g))
        if a.grad is None:
            a.grad = g if create_graph else Tensor._wrap(g)
        elif create_graph:
            a.grad = a.grad + g
        else:
            a.grad = Tensor._wrap(a.grad._data + g)
    if targets is not None:
        return captured
    return None
