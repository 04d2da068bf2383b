"""Matrix products (matmul, einsum) and the primitives behind `ad.linalg`: inv, det, slogdet, solve, cholesky."""
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


# ---------------------------------------------------------------- inverse, determinants, solve, Cholesky
# Rules use only matmul, `.mT`, np.tril, ufuncs and np.linalg.inv / np.linalg.solve, which dispatch to these
# registered ops on Tensors (ARRAY_FUNCTION_OPS), so each rule records its own derivative under create_graph.
class LinAlgError(np.linalg.LinAlgError, RuntimeError):
    """A matrix is singular or not positive-definite. Both NumPy's LinAlgError and a RuntimeError (as PyTorch's)."""


def _guarded(name: str, fn, problem: str):
    """`fn` as a forward that turns NumPy's LinAlgError into ours, naming the op, the shape and the batch element."""
    def forward(a, *rest):
        try:
            return fn(a, *rest)
        except np.linalg.LinAlgError as e:
            where = ""
            for idx in np.ndindex(a.shape[:-2]):  # the error path only: find the first failing matrix
                try:
                    fn(a[idx], *(r[idx] if r.shape[:-2] == a.shape[:-2] else r for r in rest))
                except np.linalg.LinAlgError:
                    where = f" (batch element {idx})" if idx else ""
                    break
            raise LinAlgError(f"linalg.{name}: {problem}{where}; A has shape {a.shape}") from e
    forward.__name__ = name
    return forward


def _sum_trace_form(m, t):
    """tr(m^T t) per matrix, summed over the last two axes (batched trace of a product, no diagonal op needed)."""
    return (m * t).sum(axis=(-2, -1))


def _bcast_mat(s):
    """A per-matrix scalar (batch shape) as (..., 1, 1), to scale whole matrices."""
    return s[..., None, None]


INV = defop("inv", _guarded("inv", np.linalg.inv, "the input matrix is singular, the inversion could not be completed"),
            (lambda g, ans, a: -(ans.mT @ g @ ans.mT),),
            (lambda t, ans, a: -(ans @ t @ ans),),
            doc="matrix inverse A^-1 over the last two axes: d inv = -A^-1 dA A^-1")

# The determinants' rules need A^-1: at a singular A they raise LinAlgError naming the op (PyTorch falls back to an SVD)
_GRAD_NEEDS_INV = "the gradient needs an invertible matrix and this one is singular"
_det_inv = _guarded("det", np.linalg.inv, _GRAD_NEEDS_INV)
_slogdet_inv = _guarded("slogdet", np.linalg.inv, _GRAD_NEEDS_INV)

DET = defop("det", np.linalg.det,
            (lambda g, ans, a: _bcast_mat(g * ans) * _det_inv(a).mT,),
            (lambda t, ans, a: ans * _sum_trace_form(_det_inv(a).mT, t),),
            doc="determinant over the last two axes: d det = det tr(A^-1 dA) (A must be invertible for the gradient)")

SLOGDET = defop("slogdet", lambda a: np.linalg.slogdet(a)[1],
                (lambda g, ans, a: _bcast_mat(g) * _slogdet_inv(a).mT,),
                (lambda t, ans, a: _sum_trace_form(_slogdet_inv(a).mT, t),),
                doc="log |det A| over the last two axes (the sign has no gradient): d = tr(A^-1 dA)")


def _solve_vjp_b(g, ans, a, b):
    return np.linalg.solve(a.mT, g)


def _solve_vjp_a(g, ans, a, b):
    return -(np.linalg.solve(a.mT, g) @ ans.mT)


SOLVE = defop("solve", _guarded("solve", np.linalg.solve, "the input matrix is singular, the solver failed"),
              (_solve_vjp_a, _solve_vjp_b),
              (lambda t, ans, a, b: -np.linalg.solve(a, t @ ans), lambda t, ans, a, b: np.linalg.solve(a, t)),
              doc="X = A^-1 B for matrices B (..., n, k), batch dims broadcast: gB = solve(A^T, G), gA = -gB X^T")


def _phi(x):
    """The lower triangle with the diagonal halved (Murray 2016)."""
    return 0.5 * (np.tril(x) + np.tril(x, -1))


def _cholesky_vjp(g, ans, a):
    """PyTorch's cholesky_backward: L^-T sym(Phi(L^T G)) L^-1, a symmetric gradient (Murray 2016, arXiv 1602.07527)."""
    p = np.tril(ans.mT @ g)
    s = 0.5 * (p + np.tril(p, -1).mT)  # Phi(p) + Phi(p)^T: symmetric, the diagonal once
    linv = np.linalg.inv(ans)
    return linv.mT @ s @ linv


def _cholesky_jvp(t, ans, a):
    """dL = L Phi(L^-1 dA L^-T), for a symmetric tangent dA (as PyTorch)."""
    linv = np.linalg.inv(ans)
    return ans @ _phi(linv @ t @ linv.mT)


CHOLESKY = defop("cholesky", _guarded("cholesky", np.linalg.cholesky,
                                      "the factorization could not be completed because the input is not "
                                      "positive-definite"),
                 (_cholesky_vjp,), (_cholesky_jvp,),
                 doc="lower Cholesky factor L of a symmetric positive-definite A = L L^T (reads A's lower triangle); "
                     "the gradient is symmetrized, as PyTorch's")
