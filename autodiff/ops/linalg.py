"""Matrix products: matmul (1-d, 2-d, batched) and einsum."""
from __future__ import annotations

import numpy as np

from .registry import defop


def _matmul_vjp_x(g, ans, x, y):
    if y.ndim == 1:
        return g * y if x.ndim == 1 else np.expand_dims(g, -1) * y
    if x.ndim == 1:
        if g.ndim == 1:  # y is a matrix: a plain matrix-vector product
            return np.matmul(y, g)
        return np.matmul(y, np.expand_dims(g, -1))[..., 0]
    return np.matmul(g, np.swapaxes(y, -1, -2))


def _matmul_vjp_y(g, ans, x, y):
    if x.ndim == 1:
        return g * x if y.ndim == 1 else np.expand_dims(x, -1) * np.expand_dims(g, -2)
    if y.ndim == 1:
        return np.matmul(g, x) if x.ndim == 2 else np.matmul(np.expand_dims(g, -2), x)[..., 0, :]
    return np.matmul(np.swapaxes(x, -1, -2), g)


MATMUL = defop("matmul", np.matmul, (_matmul_vjp_x, _matmul_vjp_y),
               (lambda t, ans, x, y: np.matmul(t, y), lambda t, ans, x, y: np.matmul(x, t)),
               doc="x @ y; 1-d, 2-d and batched (broadcast batch dims)")


def _parse(subscripts: str, n: int):
    ins, out = subscripts.replace(" ", "").split("->")
    ins = ins.split(",")
    if len(ins) != n:
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, got {n}")
    return ins, out


def _einsum_vjp(i, g, ans, *xs, subscripts):
    """d/dx_i of einsum: contract g with the other operands into x_i's subscripts."""
    ins, out = _parse(subscripts, len(xs))
    target = ins[i]
    others = [s for k, s in enumerate(ins) if k != i]
    present = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in dict.fromkeys(target) if c in present)
    spec = ",".join([out] + others) + "->" + kept
    r = np.einsum(spec, g, *[x for k, x in enumerate(xs) if k != i])
    # letters only x_i has were summed away: broadcast back; repeated letters (diagonals) are unsupported
    shape = xs[i].shape
    expanded = r.reshape([shape[target.index(c)] if c in kept else 1 for c in dict.fromkeys(target)])
    return np.broadcast_to(expanded, shape)


def _einsum_jvp(i, t, ans, *xs, subscripts):
    ins, out = _parse(subscripts, len(xs))
    args = [t if k == i else x for k, x in enumerate(xs)]
    return np.einsum(subscripts, *args)


def _einsum(*xs, subscripts):
    ins, out = _parse(subscripts, len(xs))
    for s in ins:
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: repeated subscripts within one operand ({s!r}) are not supported")
    return np.einsum(subscripts, *xs)


EINSUM = defop("einsum", _einsum, _einsum_vjp, _einsum_jvp,
               doc="Einstein summation with explicit '->' output (no ellipsis, no repeated letters per operand)")
