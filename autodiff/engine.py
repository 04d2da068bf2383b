"""Reverse mode: walk the recorded nodes in reverse topological order (Kahn, no recursion)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ._state import config, state
from .tensor import Tensor

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


def _check_versions(node) -> None:
    """Raise if a value the node's rules read was changed in place since it was recorded."""
    op = node.op
    saved = op.saved_inputs
    versions = node.versions
    for i, a in enumerate(node.inputs):
        if isinstance(a, Tensor) and a._vc is not None and (saved is None or i in saved):
            expected = versions[i] if versions is not None else 0
            if a._vc[0] != expected:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{a.dtype} {list(a.shape)}], which is input {i} of "
                    f"{node!r} ({op.name}), is at version {a._vc[0]}; expected version {expected} "
                    f"instead. Hint: the operation that changed it ran after this op recorded it; "
                    f"use an out-of-place op or .clone().")
    if node.out_vc is not None and node.out_vc[0] != 0:
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: the output of {node!r} ({op.name}) is at version {node.out_vc[0]}; expected "
            f"version 0 instead.")


def _anomaly_check(node, i: int, gi) -> None:
    if not np.all(np.isfinite(np.asarray(gi.data if isinstance(gi, Tensor) else gi))):
        where = "".join(node.trace[-3:]) if node.trace else "(forward trace not recorded)\n"
        bad = "nan" if np.any(np.isnan(np.asarray(gi.data if isinstance(gi, Tensor) else gi))) else "inf"
        raise RuntimeError(
            f"Function '{node!r}' ({node.op.name}) returned {bad} values in its gradient for input {i}. "
            f"Its forward was called at:\n{where}")


def _wrap_grad(g, create_graph: bool):
    return g if create_graph else Tensor._wrap(g)


def run_backward(roots: Sequence[Tensor], root_grads: Sequence, retain_graph: bool, create_graph: bool,
                 targets: Sequence[Tensor] | None = None):
    """Backpropagate `root_grads` from `roots`.

    Without `targets`, leaf gradients accumulate into `.grad`. With `targets`,
    nothing is accumulated and the gradients reaching each target are returned
    (None where it is not reached), as `autograd.grad` does.
    """
    # 1. find reachable nodes and count each one's consumers
    deps: dict = {}
    stack = []
    for r in roots:
        n = r.grad_fn
        if n is not None and n not in deps:
            deps[n] = 0
            stack.append(n)
    consumers: dict | None = {} if targets is not None else None
    while stack:
        node = stack.pop()
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(FREED_MSG)
        for a in inputs:
            if isinstance(a, Tensor) and a.requires_grad:
                p = a.grad_fn
                if p is None:
                    continue
                if p in deps:
                    deps[p] += 1
                else:
                    deps[p] = 1
                    stack.append(p)
                if consumers is not None:
                    consumers.setdefault(p, []).append(node)

    # 2. with targets, only nodes that lead to a target are worth running
    needed = None
    target_nodes: dict = {}
    target_leaves: dict = {}
    if targets is not None:
        for k, t in enumerate(targets):
            if t.grad_fn is not None:
                target_nodes.setdefault(t.grad_fn, []).append(k)
            else:
                target_leaves.setdefault(t, []).append(k)
        needed = set()
        frontier = [n for n in target_nodes if n in deps]
        for n in deps:  # nodes that consume a target leaf directly
            if n.inputs is not None and any(isinstance(a, Tensor) and a in target_leaves for a in n.inputs):
                frontier.append(n)
        while frontier:
            n = frontier.pop()
            if n in needed:
                continue
            needed.add(n)
            frontier.extend(consumers.get(n, ()))
        captured: list = [None] * len(targets)

    # 3. seed and run
    grads: dict = {}
    leaf_grads: dict = {}
    for r, g in zip(roots, root_grads):
        n = r.grad_fn
        if n is None:
            if targets is not None:
                for k in target_leaves.get(r, ()):
                    captured[k] = g if captured[k] is None else captured[k] + g
            else:
                leaf_grads[r] = g if r not in leaf_grads else leaf_grads[r] + g
        else:
            grads[n] = g if n not in grads else grads[n] + g
    ready = [n for n in grads if deps[n] == 0]
    anomaly = config.anomaly
    prev_mode = state.grad_enabled
    state.grad_enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            g = grads.pop(node, None)
            if needed is not None and node not in needed:
                continue
            args = node.args
            if args is None:
                raise RuntimeError(FREED_MSG)
            if g is not None and node.hooks:
                for hook in node.hooks:
                    out = hook(_wrap_grad(g, create_graph))
                    if out is not None:
                        g = out if create_graph else np.asarray(out._data if isinstance(out, Tensor) else out)
            if targets is not None and node in target_nodes and g is not None:
                for k in target_nodes[node]:
                    captured[k] = g
            op = node.op
            inputs = node.inputs
            if g is not None:
                _check_versions(node)
                if create_graph:
                    from .tape import apply
                    ans = apply(op, inputs, node.params) if op.uses_ans else None
                    args = tuple(inputs)
                else:
                    ans = node.ans
                params = node.params
            for i, a in enumerate(inputs):
                if not (isinstance(a, Tensor) and a.requires_grad):
                    continue
                p = a.grad_fn
                if needed is not None and (p is None and a not in target_leaves or
                                           p is not None and p not in needed):
                    continue
                gi = None
                if g is not None:
                    rule = op.vjp_rule(i)
                    if rule is not None:
                        gi = rule(g, ans, *args, **params)
                        if np.shape(gi) != a.shape:
                            try:
                                gi = sum_to(gi, a.shape)
                            except ValueError as e:
                                raise RuntimeError(f"{op.name}: gradient for input {i}: {e}") from None
                        if gi.dtype != a.dtype:
                            gi = gi.astype(a.dtype)
                        if anomaly:
                            _anomaly_check(node, i, gi)
                if p is None:
                    if gi is not None:
                        leaf_grads[a] = gi if a not in leaf_grads else leaf_grads[a] + gi
                    continue
                if gi is not None:
                    grads[p] = gi if p not in grads else grads[p] + gi
                deps[p] -= 1
                if deps[p] == 0:
                    ready.append(p)
            if not retain_graph:
                node.args = node.ans = node.inputs = None
    finally:
        state.grad_enabled = prev_mode

    # 4. leaves: hooks, then accumulate (or capture)
    handed: set = set()
    for a, g in leaf_grads.items():
        if a._hooks:
            for hook in a._hooks:
                out = hook(_wrap_grad(g, create_graph))
                if out is not None:
                    g = out if create_graph else (out._data if isinstance(out, Tensor) else np.asarray(out))
        if targets is not None:
            for k in target_leaves.get(a, ()):
                captured[k] = g
            continue
        if not create_graph and type(g) is np.ndarray and (not g.flags.owndata or id(g) in handed):
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
