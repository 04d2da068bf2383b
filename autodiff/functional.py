"""Higher-level transforms, as `torch.autograd.functional`: vjp, jvp (true forward mode), jacobian, hessian, hvp."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._state import count_forward_mode_user, state
from .autograd import grad
from .grad_mode import enable_grad
from .tensor import Tensor


def _tup(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _fresh(inputs):
    """Leaves sharing the inputs' data, requiring grad, so the transform sees only func's graph."""
    out = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensors as inputs, got {type(x).__name__}")
        t = Tensor._wrap(x._data)
        if t.dtype.kind == "f":
            t.requires_grad = True
        out.append(t)
    return tuple(out)


def _unwrap(xs, was_tuple):
    return xs if was_tuple else xs[0]


def _zeros_if_none(gs, like, strict, what):
    res = []
    for g, x in zip(gs, like):
        if g is None:
            if strict:
                raise RuntimeError(f"{what}: the output is independent of an input (strict=True)")
            g = Tensor._wrap(np.zeros(x.shape, dtype=x.dtype))
        res.append(g)
    return tuple(res)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J)."""
    xs, tup = _tup(inputs)
    xs = _fresh(xs)
    with enable_grad():
        out = func(*xs)
    outs, out_tup = _tup(out)
    vs = None if v is None else _tup(v)[0]
    live = [(k, o) for k, o in enumerate(outs) if o.requires_grad]
    if not live:
        gs = (None,) * len(xs)
    else:
        gs = grad([o for _, o in live], xs, grad_outputs=None if vs is None else [vs[k] for k, _ in live],
                  create_graph=create_graph, allow_unused=True)
    res = _zeros_if_none(gs, xs, strict, "vjp")
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _unwrap(outs, out_tup), _unwrap(res, tup)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v), computed by forward mode: each op's JVP rule carries tangents along."""
    xs, tup = _tup(inputs)
    xs = tuple(Tensor._wrap(x._data) for x in xs)
    if v is None:
        if any(x.size != 1 for x in xs):
            raise RuntimeError("jvp: v can be omitted only when every input has a single element")
        vs = tuple(np.ones(x.shape, dtype=x.dtype) for x in xs)
    else:
        vs = tuple(np.asarray(t._data if isinstance(t, Tensor) else t) for t in _tup(v)[0])
    if len(vs) != len(xs):
        raise RuntimeError(f"jvp: got {len(vs)} tangents for {len(xs)} inputs")
    for x, t in zip(xs, vs):
        if t.shape != x.shape:
            raise RuntimeError(f"jvp: tangent of shape {t.shape} does not match input of shape {x.shape}")
    prev = state.forward_tangents
    tangents = {} if prev is None else dict(prev)
    for x, t in zip(xs, vs):
        tangents[x] = t.astype(x.dtype, copy=False)
    state.forward_tangents = tangents
    count_forward_mode_user(+1)
    try:
        out = func(*xs)
    finally:
        count_forward_mode_user(-1)
        state.forward_tangents = prev
    outs, out_tup = _tup(out)
    res = []
    for o in outs:
        t = tangents.get(o)
        if t is None:
            if strict:
                raise RuntimeError("jvp: the output is independent of the inputs (strict=True)")
            t = np.zeros(o.shape, dtype=o.dtype)
        res.append(Tensor._wrap(np.asarray(t)))
    return _unwrap(tuple(o.detach() for o in outs), out_tup), _unwrap(tuple(res), out_tup)


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False):
    """d func / d inputs, shaped output.shape + input.shape (nested tuples as PyTorch for tuple in/out)."""
    xs, tup = _tup(inputs)
    xs = _fresh(xs)
    with enable_grad():
        out = func(*xs)
    outs, out_tup = _tup(out)
    table = []
    for o in outs:
        rows = [[] for _ in xs]
        for r in range(o.size):
            if not o.requires_grad:
                gs = (None,) * len(xs)
            else:
                seed = np.zeros(o.size, dtype=o.dtype)
                seed[r] = 1
                gs = grad(o, xs, grad_outputs=seed.reshape(o.shape), retain_graph=True,
                          create_graph=create_graph, allow_unused=True)
            for k, g in enumerate(_zeros_if_none(gs, xs, strict, "jacobian")):
                rows[k].append(g)
        per_input = []
        for k, x in enumerate(xs):
            if create_graph:
                from .functions import reshape, stack
                j = reshape(stack(rows[k]), o.shape + x.shape) if rows[k] else \
                    Tensor._wrap(np.zeros(o.shape + x.shape, dtype=x.dtype))
            else:
                j = Tensor._wrap(np.stack([np.asarray(g._data) for g in rows[k]]).reshape(o.shape + x.shape)
                                 if rows[k] else np.zeros(o.shape + x.shape, dtype=x.dtype))
            per_input.append(j)
        table.append(_unwrap(tuple(per_input), tup))
    return _unwrap(tuple(table), out_tup)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False):
    """Second derivatives of a scalar function, shaped input.shape + input.shape."""
    xs, tup = _tup(inputs)

    def gradient(*args):
        with enable_grad():
            out = func(*args)
        if not isinstance(out, Tensor) or out.size != 1:
            raise RuntimeError("hessian: func must return a single-element Tensor")
        gs = grad(out, args, create_graph=True, allow_unused=True)
        return _unwrap(_zeros_if_none(gs, args, strict, "hessian"), tup)

    return jacobian(gradient, _unwrap(xs, tup), create_graph=create_graph, strict=strict)


def hvp(func: Callable, inputs, v, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) by double backward: the VJP of grad f with v (as PyTorch's vhp; H is symmetric)."""
    xs, tup = _tup(inputs)
    xs = _fresh(xs)
    vs = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in _tup(v)[0])
    with enable_grad():
        out = func(*xs)
        if not isinstance(out, Tensor) or out.size != 1:
            raise RuntimeError("hvp: func must return a single-element Tensor")
        gs = _zeros_if_none(grad(out, xs, create_graph=True, allow_unused=True), xs, strict, "hvp")
        # H v as the VJP of the gradient with v (H is symmetric): no (g * v).sum() graph to build and walk
        pairs = [(g, t) for g, t in zip(gs, vs) if g.requires_grad]
        if not pairs:
            res = tuple(Tensor._wrap(np.zeros(x.shape, dtype=x.dtype)) for x in xs)
        else:
            res = _zeros_if_none(grad([g for g, _ in pairs], xs, grad_outputs=[t for _, t in pairs],
                                      create_graph=create_graph, allow_unused=True), xs, strict, "hvp")
    return out.detach(), _unwrap(res, tup)


vhp = hvp  # the Hessian is symmetric
