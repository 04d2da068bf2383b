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


# ---------------------------------------------------------------- decompositions: SVD, eigh, QR, pinv, matrix_exp
# Each decomposition is one op whose output packs its factors into one array (rows stacked along axis -2, padded
# on the right to a common width); the public functions slice the factors out, so the engine's single-output tape
# carries a gradient for each factor. The rules read the factors back out of `ans`, and use only matmul, ufuncs,
# slicing, np.linalg.solve and np.concatenate / np.pad / np.diagonal (which dispatch to our ops on Tensors), so
# every rule records its own derivative under create_graph. Their gradients are those of PyTorch: valid where the
# spectrum is simple (distinct singular values / eigenvalues) and, for U's or V's extra terms, S invertible.
def _eye(n: int, like) -> np.ndarray:
    return np.eye(n, dtype=np.result_type(like))


def _offdiag_inverse(d, like):
    """F with F_ij = 1 / d_ij off the diagonal and 0 on it (d: (..., k, k) differences, 0 on the diagonal)."""
    eye = _eye(d.shape[-1], like)
    return (1 - eye) / (d + eye)


def _diag_embed(v):
    """(..., k) -> (..., k, k) with v on the diagonal (a product with the identity: recorded on Tensors)."""
    return np.expand_dims(v, -2) * _eye(v.shape[-1], v)


def _pad_cols(x, width: int):
    """x (..., r, c) padded with zero columns to (..., r, width)."""
    extra = width - x.shape[-1]
    if extra == 0:
        return x
    return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, extra)])


def _pack(*blocks):
    """Matrices (..., r_i, c_i) stacked along -2, each padded on the right to the widest."""
    width = max(b.shape[-1] for b in blocks)
    return np.concatenate([_pad_cols(b, width) for b in blocks], axis=-2)


def _svd_forward(a, full_matrices: bool):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return _pack(u, s[..., None, :], vh.mT)


def _svd_parts(x, m: int, n: int):
    """(U, S, V) of a packed SVD (or their gradients / tangents), reduced to k = min(m, n) columns."""
    k = min(m, n)
    return x[..., :m, :k], x[..., m, :k], x[..., m + 1:, :k]


def _svd_vjp(g, ans, a, full_matrices):
    """PyTorch's svd_backward (real case); with full_matrices the extra columns' gradients are dropped, as there."""
    m, n = a.shape[-2:]
    u, s, v = _svd_parts(ans, m, n)
    gu, gs, gv = _svd_parts(g, m, n)
    s_col, s_row = np.expand_dims(s, -1), np.expand_dims(s, -2)
    f = _offdiag_inverse(s_row * s_row - s_col * s_col, s)   # F_ij = 1 / (s_j^2 - s_i^2)
    utgu, vtgv = u.mT @ gu, v.mT @ gv
    inner = (f * (utgu - utgu.mT)) * s_row + s_col * (f * (vtgv - vtgv.mT)) + _diag_embed(gs)
    out = u @ inner @ v.mT
    k = s.shape[-1]
    if m > k:  # (I - U U^T) gU S^-1 V^T
        out = out + ((gu - u @ utgu) / s_row) @ v.mT
    if n > k:  # U S^-1 gV^T (I - V V^T)
        out = out + u @ ((gv - v @ vtgv) / s_row).mT
    return out


def _svd_jvp(t, ans, a, full_matrices):
    """dS = diag(U^T dA V); dU, dV from the symmetric eigenproblems of A A^T and A^T A (PyTorch's svd_jvp);
    with full_matrices the extra columns get a zero tangent."""
    m, n = a.shape[-2:]
    u, s, v = _svd_parts(ans, m, n)
    s_col, s_row = np.expand_dims(s, -1), np.expand_dims(s, -2)
    f = _offdiag_inverse(s_row * s_row - s_col * s_col, s)
    dp = u.mT @ t @ v
    ds = np.diagonal(dp, 0, -2, -1)
    du = u @ (f * (dp * s_row + s_col * dp.mT))
    dv = v @ (f * (s_col * dp + dp.mT * s_row))
    k = s.shape[-1]
    if m > k:
        du = du + (t @ v - u @ dp) / s_row
    if n > k:
        dv = dv + (t.mT @ u - v @ dp.mT) / s_row
    width = ans.shape[-1]
    if full_matrices:  # zero tangents for the extra columns, to U's and V's full widths
        du, dv = _pad_cols(du, m), _pad_cols(dv, n)
    out = _pack(du, np.expand_dims(ds, -2), dv)
    return _pad_cols(out, width)


SVD = defop("svd", _svd_forward, (_svd_vjp,), (_svd_jvp,),
            doc="singular value decomposition A = U diag(S) V^T, packed [U; S; V] along axis -2 (ad.linalg.svd "
                "unpacks it); gradients need distinct singular values")


def _svdvals_vjp(g, ans, a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)  # on Tensors: ad.linalg.svd, so second order records
    return (u * np.expand_dims(g, -2)) @ vh


def _svdvals_jvp(t, ans, a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(u * (t @ vh.mT), axis=-2)  # diag(U^T dA V)


SVDVALS = defop("svdvals", lambda a: np.linalg.svd(a, compute_uv=False), (_svdvals_vjp,), (_svdvals_jvp,),
                doc="singular values, descending: gA = U diag(g) V^T (first order well defined for repeated values)")


def _eigh_forward(a, UPLO: str):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_vjp(g, ans, a, UPLO):
    """PyTorch's hermitian eig backward: V (diag(gL) + skew(V^T gV) / E) V^T with E_ij = L_j - L_i; symmetric."""
    w, v = ans[..., 0, :], ans[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    f = _offdiag_inverse(np.expand_dims(w, -2) - np.expand_dims(w, -1), w)
    x = v.mT @ gv
    return v @ (f * (0.5 * (x - x.mT)) + _diag_embed(gw)) @ v.mT


def _eigh_jvp(t, ans, a, UPLO):
    """dL = diag(V^T dA V), dV = V (F o V^T dA V) for a symmetric tangent dA (as PyTorch)."""
    w, v = ans[..., 0, :], ans[..., 1:, :]
    f = _offdiag_inverse(np.expand_dims(w, -2) - np.expand_dims(w, -1), w)
    dp = v.mT @ t @ v
    return np.concatenate([np.expand_dims(np.diagonal(dp, 0, -2, -1), -2), v @ (f * dp)], axis=-2)


EIGH = defop("eigh", _eigh_forward, (_eigh_vjp,), (_eigh_jvp,),
             doc="symmetric eigendecomposition A = V diag(L) V^T (reads one triangle, UPLO), packed [L; V]; "
                 "the gradient is symmetric, as PyTorch's, and needs distinct eigenvalues")


def _eigvalsh_vjp(g, ans, a, UPLO):
    _, v = np.linalg.eigh(a, UPLO=UPLO)  # on Tensors: ad.linalg.eigh
    return (v * np.expand_dims(g, -2)) @ v.mT


def _eigvalsh_jvp(t, ans, a, UPLO):
    _, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.sum(v * (t @ v), axis=-2)


EIGVALSH = defop("eigvalsh", lambda a, UPLO: np.linalg.eigvalsh(a, UPLO=UPLO), (_eigvalsh_vjp,), (_eigvalsh_jvp,),
                 doc="eigenvalues of a symmetric matrix, ascending: gA = V diag(g) V^T")


_QR_COMPLETE_TALL = "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."


def _qr_forward(a, mode: str):
    q, r = np.linalg.qr(a, mode=mode)
    return _pack(q, r)


def _qr_parts(x, m: int, n: int):
    """(Q, R) of a packed QR with m >= n and Q (m, n), R (n, n) (reduced, or complete with m == n)."""
    return x[..., :m, :n], x[..., m:, :n]


def _copyltu(x):
    """The symmetric matrix with x's lower triangle."""
    return np.tril(x) + np.tril(x, -1).mT


def _right_solve_rt(b, r):
    """b R^-T, i.e. the X with X R^T = b."""
    return np.linalg.solve(r, b.mT).mT


def _qr_vjp(g, ans, a, mode):
    """PyTorch's linalg_qr_backward for m >= n: gA = (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T."""
    m, n = a.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError(_QR_COMPLETE_TALL)
    q, r = _qr_parts(ans, m, n)
    gq, gr = _qr_parts(g, m, n)
    return _right_solve_rt(gq + q @ _copyltu(r @ gr.mT - gq.mT @ q), r)


def _qr_jvp(t, ans, a, mode):
    """B = Q^T dA R^-1, Omega = tril(B, -1) - tril(B, -1)^T: dR = (B - Omega) R, dQ = dA R^-1 - Q (B - Omega)."""
    m, n = a.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError(_QR_COMPLETE_TALL)
    q, r = _qr_parts(ans, m, n)
    t_rinv = np.linalg.solve(r.mT, t.mT).mT  # dA R^-1
    b = q.mT @ t_rinv
    low = np.tril(b, -1)
    upper = b - (low - low.mT)
    return _pack(t_rinv - q @ upper, upper @ r)


QR = defop("qr", _qr_forward, (_qr_vjp,), (_qr_jvp,),
           doc="QR decomposition of a (..., m, n) matrix with m >= n, packed [Q; R] along axis -2 (ad.linalg.qr "
               "reduces m < n to the square case); R must be invertible for the gradient")


def _pinv_forward(a, atol, rtol, hermitian: bool):
    """Moore-Penrose inverse by SVD (eigh when hermitian), singular values below max(atol, rtol * s_max) dropped."""
    if hermitian:
        w, v = np.linalg.eigh(a)
        s, left, right = np.abs(w), v * np.sign(w)[..., None, :], v
    else:
        left, s, vh = np.linalg.svd(a, full_matrices=False)
        right = vh.mT
    smax = s.max(axis=-1, initial=0.0)
    cutoff = np.maximum(np.asarray(atol), np.asarray(rtol) * smax)[..., None]
    keep = s > cutoff
    inv_s = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(a.dtype)
    return (right * inv_s[..., None, :]) @ left.mT


def _pinv_vjp(g, ans, a, atol, rtol, hermitian):
    """Golub & Pereyra's derivative (constant rank), as PyTorch's pinv_backward:
    gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    p, gt = ans, g.mT
    x = gt @ p @ p.mT
    y = p.mT @ p @ gt
    return -(p.mT @ g @ p.mT) + (x - a @ (p @ x)) + (y - (y @ p) @ a)


def _pinv_jvp(t, ans, a, atol, rtol, hermitian):
    """dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P."""
    p, tt = ans, t.mT
    x = p @ p.mT @ tt
    y = tt @ p.mT @ p
    return -(p @ t @ p) + (x - (x @ a) @ p) + (y - p @ (a @ y))


PINV = defop("pinv", _pinv_forward, (_pinv_vjp,), (_pinv_jvp,),
             doc="Moore-Penrose pseudo-inverse (SVD, cutoff max(atol, rtol s_max)); gradient for constant rank")


# Higham (2005), "The scaling and squaring method for the matrix exponential revisited": Pade [13/13]
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    """exp(A) for (..., n, n) by scaling and squaring with the [13/13] Pade approximant (in float64)."""
    x = np.asarray(a, dtype=np.float64)
    if x.size == 0:
        return np.array(x, dtype=a.dtype)
    norm1 = np.abs(x).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore"):
        s = np.where(np.isfinite(norm1), np.maximum(0, np.ceil(np.log2(norm1 / _THETA13))), 0).astype(np.int64)
    x = x / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = np.eye(x.shape[-1])
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for j in range(int(s.max(initial=0))):  # square back, each matrix its own number of times
        r = np.where((j < s)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)


def _expm_any(m):
    """_expm on arrays; on Tensors the registered op (so a rule calling it records under create_graph)."""
    if isinstance(m, np.ndarray):
        return _expm(m)
    from ..tape import apply
    return apply(MATRIX_EXP, (m,))


def _block_upper_right(x, y):
    """The upper-right block of exp([[X, Y], [0, X]]): the derivative of exp at X in direction Y."""
    n = x.shape[-1]
    zero = np.zeros(np.broadcast_shapes(x.shape, y.shape), dtype=np.result_type(x, y))
    top = np.concatenate([x + zero, y + zero], axis=-1)
    bottom = np.concatenate([zero, x + zero], axis=-1)
    return _expm_any(np.concatenate([top, bottom], axis=-2))[..., :n, n:]


MATRIX_EXP = defop("matrix_exp", _expm,
                   (lambda g, ans, a: _block_upper_right(a.mT, g),),
                   (lambda t, ans, a: _block_upper_right(a, t),),
                   doc="matrix exponential (scaling and squaring, Pade 13); derivatives by the block-matrix trick")
