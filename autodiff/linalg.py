"""`ad.linalg`: PyTorch's `torch.linalg` names, signatures and batching (leading batch dims) on our ops.

inv, det, slogdet, solve, cholesky, svd, svdvals, eigh, eigvalsh, qr, pinv and matrix_exp are registry rows
(`autodiff/ops/linalg.py`; the decompositions return their factors packed in one array, sliced apart here); the
norms, lstsq, matrix_power, matrix_rank, `matmul`, `vecdot`, `cross` and `multi_dot` are built from those and
existing ops. A singular or non-positive-definite matrix raises `LinAlgError`, which is
both NumPy's `np.linalg.LinAlgError` and a `RuntimeError` (as `torch.linalg.LinAlgError`); a non-square or
too-small input raises ValueError naming the function and the shape (the project's rule for shape errors).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .functions import ARRAY_FUNCTION_OPS, _as_tensor, concatenate, matmul, reshape, stack
from .functions import abs as _abs
from .functions import amax as _amax
from .functions import amin as _amin
from .functions import astype as _astype
from .functions import movedim as _movedim
from .functions import norm as _norm
from .functions import sum as _sum
from .grad_mode import is_grad_enabled, no_grad
from .ops import linalg as L
from .ops.common import norm_axes
from .ops.registry import Op
from .tape import apply
from .tensor import Tensor

LinAlgError = L.LinAlgError

__all__ = ["EighResult", "LinAlgError", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult", "cholesky", "cross",
           "det", "eigh", "eigvalsh", "inv", "lstsq", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "vecdot",
           "vector_norm"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _square(name: str, A) -> Tensor:
    """A as a Tensor, checked to be a float (batch of) square matrices."""
    A = _as_tensor(A)
    if A.ndim < 2:
        raise ValueError(f"linalg.{name}: A must have at least 2 dimensions, got shape {A.shape}")
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{name}: A must be batches of square matrices, but they are "
                         f"{A.shape[-2]} by {A.shape[-1]} matrices (shape {A.shape})")
    _float(name, A)
    return A


def _float(name: str, x: Tensor) -> None:
    if x.dtype not in _FLOATS:
        raise RuntimeError(f"linalg.{name}: Expected a float32 or float64 tensor as input. Got {x.dtype}")


def inv(A) -> Tensor:
    """The inverse of each square matrix in A (..., n, n)."""
    return apply(L.INV, (_square("inv", A),))


def det(A) -> Tensor:
    """The determinant of each square matrix in A (..., n, n); shape A.shape[:-2]."""
    return apply(L.DET, (_square("det", A),))


class SlogdetResult(NamedTuple):
    """(sign, logabsdet), as torch.linalg.slogdet's named tuple; only logabsdet carries a gradient."""

    sign: Tensor
    logabsdet: Tensor


def slogdet(A) -> SlogdetResult:
    """Sign and log |det| of each square matrix in A; det = sign * exp(logabsdet). Singular: (0, -inf)."""
    A = _square("slogdet", A)
    sign = Tensor._wrap(np.linalg.slogdet(A._data)[0])
    return SlogdetResult(sign, apply(L.SLOGDET, (A,)))


def cholesky(A, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of symmetric positive-definite A: lower L with A = L L^T (upper=True: U = L^T).

    Only A's lower triangle is read (as PyTorch); the gradient is symmetric, as PyTorch's.
    """
    L_ = apply(L.CHOLESKY, (_square("cholesky", A),))
    return L_.mT if upper else L_


def _solve(A, B, vector: bool, left: bool = True) -> Tensor:
    """X with A X = B (left) or X A = B; `vector`: B is a (batch of) vector(s) (..., n) rather than matrices."""
    A = _square("solve", A)
    B = _as_tensor(B)
    _float("solve", B)
    n = A.shape[-1]
    if vector and not left:
        raise ValueError(f"linalg.solve: left=False needs B to be a matrix, got shape {B.shape} for A {A.shape}")
    if vector:
        rows = B.shape[-1] if B.ndim else None
    else:
        rows = None if B.ndim < 2 else B.shape[-2] if left else B.shape[-1]
    try:
        batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-1] if vector else B.shape[:-2])
    except ValueError:
        batch = None
    if rows != n or batch is None:
        eq = "AX = B" if left else "XA = B"
        raise ValueError(f"linalg.solve: incompatible shapes of A {A.shape} and B {B.shape} for the equation {eq}")
    if vector:
        return apply(L.SOLVE, (A, B[..., None]))[..., 0]
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return apply(L.SOLVE, (A.mT, B.mT)).mT
    return apply(L.SOLVE, (A, B))


def solve(A, B, *, left: bool = True) -> Tensor:
    """The solution X of A X = B (left=False: X A = B) for square A (..., n, n); batch dims broadcast.

    As PyTorch, B is a (batch of) vector(s) when B.ndim == 1 or B.shape == A.shape[:-1], else matrices (..., n, k).
    """
    B_shape = B.shape if isinstance(B, Tensor) else np.shape(B)
    A_shape = A.shape if isinstance(A, Tensor) else np.shape(A)
    vector = len(B_shape) == 1 or tuple(B_shape) == tuple(A_shape[:-1])
    return _solve(A, B, vector, left)


def _np_solve(a, b) -> Tensor:
    """np.linalg.solve on Tensors (NumPy 2's rule: b is a vector only when b.ndim == 1)."""
    return _solve(a, b, np.ndim(b) == 1)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The vector ord-norm over `dim` (all elements when None): ord a number, inf or -inf (0 counts non-zeros)."""
    x = _as_tensor(x)
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)) or np.isnan(ord):
        raise ValueError(f"linalg.vector_norm: ord must be a number (inf and -inf included), got {ord!r}")
    if dtype is not None:
        x = _astype(x, dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input. Got {x.dtype}")
    return _norm(x, ord, dim=dim, keepdim=keepdim)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The matrix ord-norm over the two axes `dim`: 'fro', 'nuc' (sum of singular values), 2 / -2 (largest /
    smallest singular value), 1 / -1 (max / min absolute column sum) or inf / -inf (max / min absolute row sum)."""
    A = _as_tensor(A)
    if dtype is not None:
        A = _astype(A, dtype)
    if A.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: A must have at least 2 dimensions, got shape {A.shape}")
    if isinstance(ord, str) and ord not in ("fro", "nuc") or not isinstance(ord, str) and ord not in _MATRIX_ORDS:
        raise ValueError(f"linalg.matrix_norm: ord must be one of 'fro', 'nuc', 1, -1, 2, -2, inf, -inf, got {ord!r} "
                         f"(Order {ord} not supported)")
    if A.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point tensor as input. Got {A.dtype}")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else None
    if dims is None or len(dims) != 2:
        raise ValueError(f"linalg.matrix_norm: dim must be a 2-tuple of ints, got {dim!r}")
    d0, d1 = (norm_axes(d, A.ndim)[0] for d in dims)
    if d0 == d1:
        raise ValueError(f"linalg.matrix_norm: dims must be different, got {dim!r}")
    if ord == "fro":
        return _norm(A, 2, dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):  # from the singular values of the (d0, d1) matrices
        sv = apply(L.SVDVALS, (_movedim(A, (d0, d1), (-2, -1)),))
        out = _sum(sv, axis=-1) if ord == "nuc" else (_amax if ord == 2 else _amin)(sv, dim=-1)
    else:
        summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)
        extremum = _amax if ord > 0 else _amin
        out = extremum(_sum(_abs(A), axis=summed, keepdims=True), dim=reduced, keepdim=True)
    if keepdim:
        return reshape(out, tuple(1 if k in (d0, d1) else s for k, s in enumerate(A.shape)))
    return reshape(out, tuple(s for k, s in enumerate(A.shape) if k not in (d0, d1)))


def vecdot(x, y, *, dim: int = -1) -> Tensor:
    """sum(x * y) along `dim` after broadcasting x and y (real tensors: no conjugation needed)."""
    x, y = _as_tensor(x), _as_tensor(y)
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"linalg.vecdot: shapes {x.shape} and {y.shape} are not broadcastable") from None
    norm_axes(dim, len(shape))
    return _sum(x * y, axis=dim)


def _matrices(name: str, A) -> Tensor:
    """A as a Tensor, checked to be a float (batch of) matrices (..., m, n)."""
    A = _as_tensor(A)
    if A.ndim < 2:
        raise ValueError(f"linalg.{name}: The input tensor A must have at least 2 dimensions, got shape {A.shape}")
    _float(name, A)
    return A


# ---------------------------------------------------------------- decompositions
class SVDResult(NamedTuple):
    """(U, S, Vh), as torch.linalg.svd's named tuple: A = U diag(S) Vh."""

    U: Tensor
    S: Tensor
    Vh: Tensor


def svd(A, full_matrices: bool = True, *, driver: str | None = None) -> SVDResult:
    """A = U diag(S) Vh for A (..., m, n): S (..., k) descending, k = min(m, n); U (..., m, m) and Vh (..., n, n)
    with full_matrices (the default, as PyTorch), else (..., m, k) and (..., k, n).

    Gradients as PyTorch's: they need distinct singular values (and, through U or Vh of a non-square A, non-zero
    ones); with full_matrices the extra columns of U and rows of Vh get no gradient (PyTorch drops theirs too).
    `driver` is accepted for PyTorch's signature (it only selects a CUDA solver there).
    """
    A = _matrices("svd", A)
    m, n = A.shape[-2:]
    k = min(m, n)
    packed = apply(L.SVD, (A,), {"full_matrices": bool(full_matrices)})
    ucols, vcols = (m, n) if full_matrices else (k, k)
    return SVDResult(packed[..., :m, :ucols], packed[..., m, :k], packed[..., m + 1:, :vcols].mT)


def svdvals(A, *, driver: str | None = None) -> Tensor:
    """The singular values of A (..., m, n), descending (..., min(m, n)); gradient U diag(g) Vh."""
    return apply(L.SVDVALS, (_matrices("svdvals", A),))


class EighResult(NamedTuple):
    """(eigenvalues, eigenvectors), as torch.linalg.eigh's named tuple."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def _uplo(name: str, UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.{name}: Expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")
    return UPLO


def eigh(A, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric A, reading only its UPLO
    triangle. The gradient is symmetric, as PyTorch's, and needs distinct eigenvalues."""
    A = _square("eigh", A)
    packed = apply(L.EIGH, (A,), {"UPLO": _uplo("eigh", UPLO)})
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(A, UPLO: str = "L") -> Tensor:
    """Eigenvalues of symmetric A, ascending; gradient V diag(g) V^T."""
    A = _square("eigvalsh", A)
    return apply(L.EIGVALSH, (A,), {"UPLO": _uplo("eigvalsh", UPLO)})


class QRResult(NamedTuple):
    """(Q, R), as torch.linalg.qr's named tuple."""

    Q: Tensor
    R: Tensor


def qr(A, mode: str = "reduced") -> QRResult:
    """A = Q R with orthonormal Q and upper-triangular R. mode 'reduced': Q (..., m, k), R (..., k, n) with
    k = min(m, n); 'complete': Q (..., m, m), R (..., m, n); 'r': R only (Q empty), not differentiable.

    As PyTorch: not differentiable with mode='complete' when m > n; R's leading k x k block must be invertible
    for the gradient. m < n is the square QR of A's first m columns, with R = [R1, Q^T A2].
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: qr received unrecognized mode {mode!r} but expected one of 'reduced' "
                         "(default), 'r', or 'complete'")
    A = _matrices("qr", A)
    m, n = A.shape[-2:]
    if mode == "r":
        with no_grad():
            r = qr(A.detach(), "reduced").R
        return QRResult(Tensor._wrap(np.zeros(0, dtype=A.dtype)), _RDerivativeRefused.attach(r, A))
    if m < n:  # A = [A1 | A2] with A1 square: Q R1 = A1, R = [R1 | Q^T A2]
        q, r1 = qr(A[..., :m], "reduced")
        return QRResult(q, concatenate([r1, matmul(q.mT, A[..., m:])], axis=-1))
    packed = apply(L.QR, (A,), {"mode": mode})
    qcols = m if mode == "complete" else n
    return QRResult(packed[..., :m, :qcols], packed[..., m:, :n])


class _RDerivativeRefused:
    """mode='r' gives R without Q; as PyTorch, differentiating it raises (at backward) and says what to use."""

    MESSAGE = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
               "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")

    @staticmethod
    def attach(r: Tensor, A: Tensor) -> Tensor:
        if not A.requires_grad or not is_grad_enabled():
            return r
        return apply(_REFUSE_R, (A,), {"r": r._data})


def _refuse(*args, **kwargs):
    raise RuntimeError(_RDerivativeRefused.MESSAGE)


_REFUSE_R = Op("qr_r", lambda a, r: r, (_refuse,), (_refuse,),
               doc="R of mode='r' (not registered: it only raises PyTorch's error when differentiated)")


# ---------------------------------------------------------------- pseudo-inverse, rank, least squares
def _tolerances(A: Tensor, atol, rtol) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's atol / rtol defaults: atol 0; rtol eps * max(m, n) where atol is not positive, else 0."""
    a = np.zeros(()) if atol is None else np.asarray(atol._data if isinstance(atol, Tensor) else atol, dtype=float)
    if rtol is None:
        default = np.finfo(A.dtype).eps * max(A.shape[-2:])
        r = np.where(a > 0, 0.0, default) if atol is not None else np.asarray(default)
    else:
        r = np.asarray(rtol._data if isinstance(rtol, Tensor) else rtol, dtype=float)
    return a, r


def pinv(A, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse of A (..., m, n) -> (..., n, m): singular values at most
    max(atol, rtol * s_max) count as zero (PyTorch's defaults). hermitian=True reads A's lower triangle and uses
    eigh. The gradient (Golub & Pereyra, as PyTorch's) assumes the rank does not change near A."""
    A = _square("pinv", A) if hermitian else _matrices("pinv", A)
    a, r = _tolerances(A, atol, rtol)
    return apply(L.PINV, (A,), {"atol": a, "rtol": r, "hermitian": bool(hermitian)})


def matrix_rank(A, tol=None, hermitian: bool = False, *, atol=None, rtol=None) -> Tensor:
    """The number of singular values of A above max(atol, rtol * s_max), as an int64 tensor of A's batch shape
    (`tol`, PyTorch's older spelling, is atol with rtol 0). Not differentiable."""
    A = _square("matrix_rank", A) if hermitian else _matrices("matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    a, r = _tolerances(A, atol, rtol)
    s = np.abs(np.linalg.eigvalsh(A._data)) if hermitian else np.linalg.svd(A._data, compute_uv=False)
    smax = s.max(axis=-1, initial=0.0)
    cutoff = np.maximum(a, r * smax)[..., None]
    return Tensor._wrap(np.sum(s > cutoff, axis=-1).astype(np.int64))


class LstsqResult(NamedTuple):
    """(solution, residuals, rank, singular_values), as torch.linalg.lstsq's named tuple."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares (minimum-norm where A is rank deficient) solution X of A X = B, A (..., m, n),
    B (..., m, k) or a batch of vectors (..., m) when B.ndim == A.ndim - 1; batch dims broadcast.

    X = pinv(A, rtol=rcond) B, so its gradient is pinv's (as PyTorch's). The other fields follow PyTorch's CPU
    drivers (default 'gelsy'): residuals ||A X - B||^2 per column when m > n, A has full rank and the driver is
    not 'gelsy' (else empty); rank except for 'gels'; singular values for 'gelsd' and 'gelss'.
    """
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise ValueError(f"torch.linalg.lstsq: parameter `driver` should be one of {_DRIVERS}, got {driver!r}")
    A = _matrices("lstsq", A)
    B = _as_tensor(B)
    _float("lstsq", B)
    vector = B.ndim == A.ndim - 1
    m, n = A.shape[-2:]
    if B.ndim < 1 or (B.shape[-1] if vector else B.ndim >= 2 and B.shape[-2]) != m:
        raise ValueError(f"linalg.lstsq: input.size(-2) should match other.size(-2): A has shape {A.shape}, "
                         f"B has shape {B.shape}")
    rtol = np.finfo(A.dtype).eps * max(m, n) if rcond is None or rcond < 0 else rcond
    B2 = B[..., None] if vector else B
    try:
        np.broadcast_shapes(A.shape[:-2], B2.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.lstsq: the batch dimensions of A {A.shape} and B {B.shape} do not broadcast") \
            from None
    P = pinv(A, atol=0.0, rtol=rtol)
    X = matmul(P, B2)
    with no_grad():
        s = np.linalg.svd(A._data, compute_uv=False)
        rank = np.sum(s > rtol * s.max(axis=-1, initial=0.0)[..., None], axis=-1).astype(np.int64)
    empty = reshape(X, (-1,))[:0]
    residuals = empty
    if driver != "gelsy" and m > n and np.all(rank == n):
        residuals = _sum((matmul(A, X) - B2) ** 2, axis=-2)
        residuals = residuals[..., 0] if vector else residuals
    return LstsqResult(X[..., 0] if vector else X, residuals,
                       Tensor._wrap(np.zeros(0, np.int64) if driver == "gels" else rank),
                       Tensor._wrap(s.astype(A.dtype) if driver in ("gelsd", "gelss") else np.zeros(0, A.dtype)))


# ---------------------------------------------------------------- matrix functions and products
def matrix_power(A, n: int) -> Tensor:
    """A^n for square A (..., k, k) by repeated squaring; n = 0 gives the identity, n < 0 inv(A)^-n (float A)."""
    A = _as_tensor(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                         f"{A.shape[-2] if A.ndim >= 2 else A.ndim} by {A.shape[-1] if A.ndim else 0} matrices "
                         f"(shape {A.shape})")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    n = int(n)
    if n == 0:  # the identity, still connected to A (a zero gradient, as PyTorch's)
        zero = _sum(A[..., :0, :], axis=(-2, -1))
        return np.eye(A.shape[-1], dtype=A.dtype) + reshape(zero, zero.shape + (1, 1))
    base = inv(A) if n < 0 else A
    result, k = None, abs(n)
    while True:  # binary powering: the bits of |n|, least significant first
        if k & 1:
            result = base if result is None else matmul(result, base)
        k >>= 1
        if not k:
            return result
        base = matmul(base, base)


def matrix_exp(A) -> Tensor:
    """exp(A) for square A (..., n, n): scaling and squaring with a [13/13] Pade approximant (Higham 2005);
    derivatives by the block-matrix identity exp([[X, E], [0, X]]) = [[exp X, D exp(X)[E]], [0, exp X]]."""
    return apply(L.MATRIX_EXP, (_square("matrix_exp", A),))


def cross(input, other, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along `dim` (input and other broadcast; as PyTorch, same ndim)."""
    x, y = _as_tensor(input), _as_tensor(other)
    if x.ndim != y.ndim:
        raise ValueError(f"linalg.cross: inputs must have the same number of dimensions, got shapes {x.shape} "
                         f"and {y.shape}")
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"linalg.cross: shapes {x.shape} and {y.shape} are not broadcastable") from None
    d = norm_axes(dim, len(shape))[0]
    if shape[d] != 3 or x.shape[d - len(shape)] != 3 or y.shape[d - len(shape)] != 3:
        raise ValueError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                         f"{x.shape[dim] if x.ndim else 0} and {y.shape[dim] if y.ndim else 0}")
    x, y = _movedim(x, d - len(shape), -1), _movedim(y, d - len(shape), -1)
    x0, x1, x2 = x[..., 0], x[..., 1], x[..., 2]
    y0, y1, y2 = y[..., 0], y[..., 1], y[..., 2]
    out = stack([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0], axis=-1)
    return _movedim(out, -1, d)


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices (the first may be a row vector, the last a column vector; 1-d results
    are squeezed as PyTorch's)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    ts = [_as_tensor(t) for t in tensors]
    for k, t in enumerate(ts):
        allowed = (1, 2) if k in (0, len(ts) - 1) else (2,)
        if t.ndim not in allowed:
            raise ValueError(f"linalg.multi_dot: tensor {k} must be {' or '.join(f'{a}D' for a in allowed)} "
                             f"but got {t.ndim}D")
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """torch.linalg.norm: a vector norm when `dim` is an int (or A is 1-d), a matrix norm when `dim` is a 2-tuple
    (or A is 2-d and ord is given); with neither ord nor dim, the 2-norm of A flattened."""
    A = _as_tensor(A)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims[0], keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise ValueError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ValueError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")


# NumPy's functions on Tensors dispatch here (the ops' own rules call them, so create_graph records their derivatives)
ARRAY_FUNCTION_OPS.update({np.linalg.inv: inv, np.linalg.det: det, np.linalg.slogdet: slogdet,
                           np.linalg.solve: _np_solve, np.linalg.cholesky: cholesky})
ARRAY_FUNCTION_OPS.update({
    np.linalg.svd: lambda a, full_matrices=True, compute_uv=True, hermitian=False:
        svd(a, full_matrices) if compute_uv else svdvals(a),
    np.linalg.eigh: lambda a, UPLO="L": eigh(a, UPLO), np.linalg.eigvalsh: lambda a, UPLO="L": eigvalsh(a, UPLO),
    np.linalg.qr: lambda a, mode="reduced": qr(a, mode), np.linalg.matrix_power: matrix_power,
})
