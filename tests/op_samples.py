"""Sample inputs for every core op in the registry (the registry tests run each one).

Each entry is ``make(draw) -> (fn, inputs)``: `draw` is hypothesis's `data.draw`,
`fn(*inputs)` must record the op named by the key, inputs are float64 tensors
(requiring grad unless they are constants). Domains avoid kinks and poles so
central differences are meaningful; kinks are tested by hand elsewhere.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import autodiff as ad
from autodiff.ops import elementwise as E
from autodiff.ops import shape as S
from autodiff.tape import apply
from autodiff.testing import broadcastable_shapes, shape_pairs, shapes, tensors

SMALL = dict(max_dims=3, max_side=3)


def T(draw, shape=None, lo=-2.0, hi=2.0, unique=False, requires_grad=True):
    shape = draw(shapes(**SMALL)) if shape is None else shape
    if unique:  # well separated (no near-ties within the finite-difference step): a shuffled grid
        n = int(np.prod(shape))
        order = np.array(draw(st.permutations(range(n))), dtype=float)
        vals = (lo + (hi - lo) * (order + 0.5) / max(n, 1)).reshape(shape)
        return ad.Tensor(vals, dtype=np.float64, requires_grad=requires_grad)
    return draw(tensors(shape=shape, min_value=lo, max_value=hi, requires_grad=requires_grad))


def away(draw, shape=None, lo=0.2, hi=2.0):
    """Values with |x| in [lo, hi] and random signs (away from a kink at 0)."""
    x = T(draw, shape, lo, hi)
    signs = np.where(draw(tensors(shape=x.shape, min_value=-1, max_value=1, requires_grad=False)).data >= 0, 1.0, -1.0)
    return ad.Tensor(x.data * signs, dtype=np.float64, requires_grad=True)


def binary(op_fn, lo=-2.0, hi=2.0, ylo=None, yhi=None, unique=False):
    def make(draw):
        a, b = draw(shape_pairs(**SMALL))
        x = T(draw, a, lo, hi, unique)
        if unique:  # y on a grid shifted by 0.1: no value of y is within 0.05 of a value of x
            y = T(draw, b, lo, hi, unique)
            return op_fn, (x, ad.Tensor(y.data + 0.1 / max(y.size, 1) / 2 + 0.05, requires_grad=True))
        return op_fn, (x, T(draw, b, ylo if ylo is not None else lo, yhi if yhi is not None else hi))
    return make


def unary(op_fn, lo=-2.0, hi=2.0, kink=False):
    def make(draw):
        x = away(draw, None, 0.2, hi) if kink else T(draw, None, lo, hi)
        return op_fn, (x,)
    return make


def _axis(draw, ndim):
    """None, an int (maybe negative) or a tuple of axes."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1))))


def reduction(fn, unique=False, lo=-2.0, hi=2.0, extra=None):
    def make(draw):
        x = T(draw, draw(shapes(min_dims=0, max_dims=3, max_side=3)), lo, hi, unique)
        axis, keep = _axis(draw, x.ndim), draw(st.booleans())
        kw = extra(draw) if extra else {}
        return (lambda x: fn(x, axis=axis, keepdims=keep, **kw)), (x,)
    return make


def _var_like(fn):
    def make(draw):
        x = T(draw, draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=3)), unique=True)
        axis, keep = _axis(draw, x.ndim), draw(st.booleans())
        ddof = draw(st.sampled_from([0, 1]))
        return (lambda x: fn(x, axis=axis, ddof=ddof, keepdims=keep)), (x,)
    return make


def _normalizer(fn):
    def make(draw):
        x = T(draw, draw(shapes(min_dims=1, max_dims=3, max_side=3)))
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        return (lambda x: fn(x, axis=axis)), (x,)
    return make


def _where(draw):
    a, b = draw(shape_pairs(**SMALL))
    c = draw(broadcastable_shapes(np.broadcast_shapes(a, b), max_dims=3, max_side=3))
    cond = draw(tensors(shape=c, requires_grad=False)).data > 0
    return (lambda x, y: ad.where(cond, x, y)), (T(draw, a), T(draw, b))


def _pow(draw):
    a, b = draw(shape_pairs(**SMALL))
    if draw(st.booleans()):
        k = draw(st.sampled_from([2, 3, 0.5, -1.5]))
        return (lambda x: x ** k), (T(draw, a, 0.3, 2.0),)
    return ad.pow, (T(draw, a, 0.3, 2.0), T(draw, b, -2.0, 2.0))


def _clip(draw):
    x = T(draw, None, -2.0, 2.0)
    # keep every value at least 0.05 from the bounds
    vals = np.where(np.abs(x.data - 0.5) < 0.05, x.data + 0.2, x.data)
    vals = np.where(np.abs(vals + 0.5) < 0.05, vals - 0.2, vals)
    x = ad.Tensor(vals, dtype=np.float64, requires_grad=True)
    lo, hi = draw(st.sampled_from([(-0.5, 0.5), (None, 0.5), (-0.5, None)]))
    return (lambda x: ad.clip(x, lo, hi)), (x,)


def _reshape(draw):
    x = T(draw, draw(shapes(min_dims=0, max_dims=3, max_side=3)))
    dims = [int(d) for d in x.shape]
    draw(st.randoms()).shuffle(dims)
    target = tuple(dims) if draw(st.booleans()) else (-1,)
    return (lambda x: x.reshape(target)), (x,)


def _permute(draw):
    x = T(draw, draw(shapes(min_dims=0, max_dims=3, max_side=3)))
    axes = draw(st.permutations(range(x.ndim)))
    return (lambda x: ad.permute(x, *axes) if axes else ad.transpose(x)), (x,)


def _broadcast_to(draw):
    a = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    target = draw(broadcastable_shapes(a, max_dims=3, max_side=3))
    full = np.broadcast_shapes(a, target)
    if full == a:
        full = (2,) + tuple(a)
    return (lambda x: ad.broadcast_to(x, full)), (T(draw, a),)


@st.composite
def indices(draw, shape):
    """Basic (slices with negative steps, ints, None, Ellipsis) and advanced (int arrays with repeats, masks)."""
    kind = draw(st.sampled_from(["basic", "int_array", "mask", "mixed", "empty"]))
    if kind == "mask":
        return draw(tensors(shape=shape, requires_grad=False)).data > 0
    idx = []
    for n in shape:
        if kind == "empty":
            idx.append(slice(n, n))
        elif kind == "int_array" or (kind == "mixed" and draw(st.booleans())):
            idx.append(np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))))
        else:
            choice = draw(st.sampled_from(["slice", "int", "all"]))
            if choice == "int":
                idx.append(draw(st.integers(-n, n - 1)))
            elif choice == "slice":
                idx.append(slice(draw(st.integers(-n, n)), draw(st.integers(-n - 1, n)),
                                 draw(st.sampled_from([1, 2, -1, -2]))))
            else:
                idx.append(slice(None))
    if kind == "int_array":
        arrays = [i for i in idx if isinstance(i, np.ndarray)]
        m = max(len(a) for a in arrays)
        idx = [np.resize(i, m) for i in idx]  # same length so they broadcast
    if kind == "mixed":
        arr = [i for i in idx if isinstance(i, np.ndarray)]
        if len(arr) > 1:
            idx = [i[:1] if isinstance(i, np.ndarray) else i for i in idx]
    if kind == "basic" and draw(st.booleans()):
        idx.insert(draw(st.integers(0, len(idx))), None)
    return tuple(idx)


def _getitem(draw):
    x = T(draw, draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    index = draw(indices(x.shape))
    return (lambda x: x[index]), (x,)


def _index_scatter(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    index = draw(indices(shape))
    out_shape = np.zeros(shape)[index].shape
    g = T(draw, out_shape)
    return (lambda g: apply(S.INDEX_SCATTER, (g,), {"index": index, "shape": shape})), (g,)


def _index_put(draw):
    x = T(draw, draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    index = draw(indices(x.shape))
    if not isinstance(index, np.ndarray):
        # repeated positions make assignment order-dependent; keep them unique
        index = tuple(np.unique(i % n) if isinstance(i, np.ndarray) else i for i, n in zip(index, x.shape))
        if sum(isinstance(i, np.ndarray) for i in index) > 1:
            index = tuple(i[:1] if isinstance(i, np.ndarray) else i for i in index)
    target = np.zeros(x.shape)[index].shape
    v = T(draw, draw(st.sampled_from([target, target[1:] if len(target) else target, ()])))

    def fn(x, v):
        y = x * 1.0
        y[index] = v
        return y
    return fn, (x, v)


def _join(fn, new_axis):
    def make(draw):
        base = draw(shapes(min_dims=1, max_dims=3, max_side=3))
        n = draw(st.integers(1, 3))
        axis = draw(st.integers(-len(base) - new_axis, len(base) - 1 + new_axis))
        shapes_ = []
        for _ in range(n):
            s = list(base)
            if not new_axis:
                s[axis % len(base)] = draw(st.integers(0, 3))
            shapes_.append(tuple(s))
        xs = tuple(T(draw, s) for s in shapes_)
        return (lambda *xs: fn(xs, axis=axis)), xs
    return make


def _pad(draw):
    x = T(draw, draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    width = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(x.ndim))
    value = draw(st.sampled_from([0.0, 1.5]))
    return (lambda x: ad.pad(x, width, value=value)), (x,)


def _matmul(draw):
    kind = draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched"]))
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    if kind == "vv":
        a, b = (k,), (k,)
    elif kind == "vm":
        a, b = (k,), draw(st.sampled_from([(k, n), (2, k, n)]))
    elif kind == "mv":
        a, b = draw(st.sampled_from([(m, k), (2, m, k)])), (k,)
    elif kind == "mm":
        a, b = (m, k), (k, n)
    else:
        a, b = draw(st.sampled_from([((2, m, k), (2, k, n)), ((2, 1, m, k), (3, k, n)), ((m, k), (2, k, n))]))
    return ad.matmul, (T(draw, a), T(draw, b))


def _einsum(draw):
    spec, shapes_ = draw(st.sampled_from([
        ("ij,jk->ik", [(2, 3), (3, 2)]), ("i,i->", [(3,), (3,)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("ij->j", [(2, 3)]), ("ij,k->ijk", [(2, 3), (2,)]), ("ij,ij->i", [(2, 3), (2, 3)]),
        ("ijk->kji", [(2, 3, 2)]), ("ij,jk,kl->il", [(2, 2), (2, 3), (3, 2)])]))
    xs = tuple(T(draw, s) for s in shapes_)
    return (lambda *xs: ad.einsum(spec, *xs)), xs


def _astype(draw):
    return (lambda x: apply(E.ASTYPE, (x,), {"dtype": np.dtype(np.float64)})), (T(draw),)


def _gelu(draw):
    approx = draw(st.sampled_from(["none", "tanh"]))
    return (lambda x: ad.gelu(x, approximate=approx)), (T(draw),)


def _gelu_slope(draw):
    approx = draw(st.sampled_from(["none", "tanh"]))
    return (lambda x: apply(E.GELU_SLOPE, (x,), {"approximate": approx})), (T(draw),)


def _piecewise_constant(fn, lo=0.2, hi=0.8, decimals=(0,)):
    """Integers plus a fractional part in [lo, hi] (scaled by 10**-decimals): no step within reach of eps."""
    def make(draw):
        d = draw(st.sampled_from(decimals))
        frac = T(draw, None, lo, hi)
        ints = draw(tensors(shape=frac.shape, min_value=-3, max_value=3, requires_grad=False)).data.round()
        x = ad.Tensor((ints + frac.data) * 10.0 ** -d, dtype=np.float64, requires_grad=True)
        return (lambda x: fn(x, d)) if d else fn, (x,)
    return make


def _division_like(fn):
    """x / y with |x| in [3.1, 4.5] and |y| in [2.5, 3]: |x / y| in [1.03, 1.8], never an integer."""
    def make(draw):
        a, b = draw(shape_pairs(**SMALL))
        return fn, (away(draw, a, 3.1, 4.5), away(draw, b, 2.5, 3.0))
    return make


def _scan(fn, nonzero=False):
    def make(draw):
        shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
        x = away(draw, shape, 0.5, 1.5) if nonzero else T(draw, shape)
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        return (lambda x: fn(x, axis)), (x,)
    return make


def _norm(draw):
    """Magnitudes on a grid in [0.2, 2] (no zeros, no ties for the inf-norms) with random signs."""
    p = draw(st.sampled_from([1, 2, 3, 1.5, 0.5, -1.0, float("inf"), float("-inf"), 0]))
    x = T(draw, draw(shapes(min_dims=0, max_dims=3, max_side=3)), 0.2, 2.0, unique=True)
    signs = np.where(draw(tensors(shape=x.shape, min_value=-1, max_value=1, requires_grad=False)).data >= 0, 1., -1.)
    x = ad.Tensor(x.data * signs, dtype=np.float64, requires_grad=True)
    axis, keep = _axis(draw, x.ndim), draw(st.booleans())
    return (lambda x: ad.norm(x, p, dim=axis, keepdim=keep)), (x,)


def _dims_subset(draw, ndim):
    """A tuple of distinct dims (some negative), possibly empty."""
    dims = draw(st.lists(st.integers(0, max(ndim, 1) - 1), unique=True, max_size=max(ndim, 1)))
    return tuple(d - max(ndim, 1) if draw(st.booleans()) else d for d in dims)


def _flip(draw):
    x = T(draw, draw(shapes(min_dims=0, max_dims=3, max_side=3)))
    dims = _dims_subset(draw, x.ndim)
    return (lambda x: ad.flip(x, dims)), (x,)


def _roll(draw):
    x = T(draw, draw(shapes(min_dims=0, max_dims=3, max_side=3)))
    dims = _dims_subset(draw, x.ndim) if x.ndim and draw(st.booleans()) else None
    shifts = tuple(draw(st.integers(-4, 4)) for _ in (dims if dims else (0,)))
    return (lambda x: ad.roll(x, shifts, dims if dims else None)), (x,)


def _triangle(fn):
    def make(draw):
        x = T(draw, draw(shapes(min_dims=2, max_dims=3, max_side=3)))
        k = draw(st.integers(-2, 2))
        return (lambda x: fn(x, k)), (x,)
    return make


def _diagonal(draw):
    x = T(draw, draw(shapes(min_dims=2, max_dims=3, max_side=3)))
    d1, d2 = draw(st.permutations(range(x.ndim)))[:2]
    offset = draw(st.integers(-2, 2))
    d1 = d1 - x.ndim if draw(st.booleans()) else d1
    return (lambda x: ad.diagonal(x, offset, d1, d2)), (x,)


def _repeat(draw):
    x = T(draw, draw(shapes(min_dims=0, max_dims=2, max_side=3)))
    reps = tuple(draw(st.integers(0, 2)) for _ in range(x.ndim + draw(st.integers(0, 1))))
    return (lambda x: x.repeat(*reps) if reps else x.repeat(())), (x,)


def _gather(draw):
    x = T(draw, draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    ishape = tuple(draw(st.integers(0, 3)) if k == axis % x.ndim else draw(st.integers(0, n))
                   for k, n in enumerate(x.shape))
    n = x.shape[axis]
    index = np.array(draw(st.lists(st.integers(0, n - 1), min_size=int(np.prod(ishape)),
                                   max_size=int(np.prod(ishape)))), dtype=np.int64).reshape(ishape)
    return (lambda x: ad.gather(x, axis, index)), (x,)


def _masked_fill(draw):
    a = draw(shapes(min_dims=0, max_dims=3, max_side=3))
    mask = draw(tensors(shape=draw(broadcastable_shapes(a, max_dims=3, max_side=3)), requires_grad=False)).data > 0
    x = T(draw, a)
    if draw(st.booleans()):
        return (lambda x, v: ad.masked_fill(x, mask, v)), (x, T(draw, ()))
    return (lambda x: x.masked_fill(mask, -1.5)), (x,)



def _invertible(draw, batch=None, n=None):
    """Well-conditioned square matrices: entries in [-1, 1] plus (n + 1) I (diagonally dominant), rows flipped at
    random so determinants of both signs occur; batch shape (), (2,) or (2, 1)."""
    batch = draw(st.sampled_from([(), (2,), (2, 1)])) if batch is None else batch
    n = draw(st.integers(1, 3)) if n is None else n
    m = T(draw, batch + (n, n), -1.0, 1.0).data + (n + 1) * np.eye(n)
    flips = np.where(draw(tensors(shape=batch + (n, 1), min_value=-1, max_value=1, requires_grad=False)).data >= 0,
                     1.0, -1.0)
    return ad.Tensor(m * flips, dtype=np.float64, requires_grad=True)


def _linalg_unary(fn):
    def make(draw):
        return fn, (_invertible(draw),)
    return make


def _solve(draw):
    """B: matrices with broadcast batch dims (left or right), a vector, or a batch of vectors (A.shape[:-1])."""
    a = _invertible(draw)
    n, batch = a.shape[-1], a.shape[:-2]
    kind = draw(st.sampled_from(["matrix", "vector", "batched_vector", "right"]))
    if kind == "vector":
        b_shape = (n,)
    elif kind == "batched_vector":
        b_shape = batch + (n,)
    else:
        b_batch = draw(st.sampled_from([(), batch, (3,) + batch]))
        k = draw(st.integers(1, 3))
        b_shape = b_batch + ((n, k) if kind == "matrix" else (k, n))
        if b_shape == a.shape[:-1]:  # PyTorch would read this B as a batch of vectors
            b_shape = (1,) + b_shape
    return (lambda a, b: ad.linalg.solve(a, b, left=kind != "right")), (a, T(draw, b_shape))


def _cholesky(draw):
    """Symmetric positive-definite M M^T + n I, symmetrized inside fn so every perturbation stays symmetric."""
    batch = draw(st.sampled_from([(), (2,), (2, 1)]))
    n = draw(st.integers(1, 3))
    m = T(draw, batch + (n, n), -1.0, 1.0).data
    a = ad.Tensor(m @ np.swapaxes(m, -1, -2) + n * np.eye(n), dtype=np.float64, requires_grad=True)
    upper = draw(st.booleans())
    return (lambda a: ad.linalg.cholesky((a + a.mT) / 2, upper=upper)), (a,)



# ---------------------------------------------------------------- decompositions: well-separated spectra
def _orthonormal(draw, batch, m, k):
    """Orthonormal columns (..., m, k), from the QR of a drawn matrix."""
    q, _ = np.linalg.qr(T(draw, batch + (m, k), -1.0, 1.0, requires_grad=False).data + 2.0 * np.eye(m, k))
    return q


def _separated(draw, batch, k, lo, gap):
    """(..., k) values lo, lo + gap, ... shuffled: distinct by `gap` (no near-ties within the difference step)."""
    vals = lo + gap * np.array(draw(st.permutations(range(k))), dtype=float)
    return np.broadcast_to(vals, batch + (k,))


def _spectral(draw, m, n, lo=0.5, gap=0.7, symmetric=False):
    """U diag(d) V^T with d well separated (sample inputs for svd, eigh, qr, pinv), batch (), (2,) or (2, 1)."""
    batch = draw(st.sampled_from([(), (2,), (2, 1)]))
    k = min(m, n)
    d = _separated(draw, batch, k, lo, gap)
    u = _orthonormal(draw, batch, m, k)
    v = u if symmetric else _orthonormal(draw, batch, n, k)
    return ad.Tensor((u * d[..., None, :]) @ np.swapaxes(v, -1, -2), dtype=np.float64, requires_grad=True)


def _flat(*xs):
    return ad.concatenate([x.reshape(-1) for x in xs])


def _svd_sample(draw):
    """Sign-invariant functions of U, S, Vh: S, U diag(c) Vh, U diag(c) U^T, V diag(c) V^T (c fixed weights);
    with full_matrices only the first min(m, n) columns of U and rows of Vh are used (as PyTorch's gradient)."""
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    full = draw(st.booleans())
    c = np.array([1.0, -0.7, 0.4])[: min(m, n)]

    def fn(a):
        u, s, vh = ad.linalg.svd(a, full_matrices=full)
        k = s.shape[-1]
        u, v = u[..., :k], vh[..., :k, :].mT
        return _flat(s, (u * c) @ v.mT, (u * c) @ u.mT, (v * c) @ v.mT)
    return fn, (_spectral(draw, m, n),)


def _eigh_sample(draw):
    n = draw(st.integers(1, 3))
    c = np.array([1.0, -0.7, 0.4])[:n]
    uplo = draw(st.sampled_from(["L", "U"]))

    def fn(a):
        w, v = ad.linalg.eigh((a + a.mT) / 2, UPLO=uplo)
        return _flat(w, (v * c) @ v.mT)
    return fn, (_spectral(draw, n, n, lo=-1.0, symmetric=True),)


def _eigvalsh_sample(draw):
    n = draw(st.integers(1, 3))
    uplo = draw(st.sampled_from(["L", "U"]))
    return (lambda a: ad.linalg.eigvalsh((a + a.mT) / 2, UPLO=uplo)), (_spectral(draw, n, n, lo=-1.0,
                                                                                   symmetric=True),)


def _qr_sample(draw):
    """m >= n (m < n composes the square case); Q diag(c) R, Q diag(c) Q^T, R^T diag(c) R: sign-invariant."""
    n = draw(st.integers(1, 3))
    m = draw(st.integers(n, 3))
    c = np.array([1.0, -0.7, 0.4])[:n]

    def fn(a):
        q, r = ad.linalg.qr(a)
        return _flat((q * c) @ r, (q * c) @ q.mT, (r.mT * c) @ r)
    return fn, (_spectral(draw, m, n),)


def _pinv_sample(draw):
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    if draw(st.booleans()):
        return (lambda a: ad.linalg.pinv((a + a.mT) / 2, hermitian=True)), (_spectral(draw, m, m, symmetric=True),)
    return (lambda a: ad.linalg.pinv(a)), (_spectral(draw, m, n),)


def _matrix_exp_sample(draw):
    batch = draw(st.sampled_from([(), (2,), (2, 1)]))
    n = draw(st.integers(1, 3))
    return ad.linalg.matrix_exp, (T(draw, batch + (n, n), -1.0, 1.0),)


SAMPLES = {
    "add": binary(ad.add), "sub": binary(ad.sub), "mul": binary(ad.mul),
    "div": binary(ad.div, ylo=0.5, yhi=2.0), "pow": _pow,
    "maximum": binary(ad.maximum, unique=True), "minimum": binary(ad.minimum, unique=True), "where": _where,
    "neg": unary(ad.neg), "exp": unary(ad.exp), "log": unary(ad.log, 0.3, 3.0), "log1p": unary(ad.log1p, -0.5, 2.0),
    "sqrt": unary(ad.sqrt, 0.3, 3.0), "abs": unary(ad.abs, kink=True), "sign": unary(ad.sign, kink=True),
    "sin": unary(ad.sin), "cos": unary(ad.cos), "tan": unary(ad.tan, -1.0, 1.0), "tanh": unary(ad.tanh),
    "sigmoid": unary(ad.sigmoid, -4.0, 4.0), "relu": unary(ad.relu, kink=True), "softplus": unary(ad.softplus, -4, 4),
    "softsign": unary(ad.softsign, kink=True), "erf": unary(ad.erf),
    "leaky_relu": unary(lambda x: ad.leaky_relu(x, 0.1), kink=True), "elu": unary(lambda x: ad.elu(x, 0.7), kink=True),
    "tanh_backward": binary(lambda g, y: apply(E.TANH_BACKWARD, (g, y)), -1.0, 1.0),
    "sigmoid_backward": binary(lambda g, y: apply(E.SIGMOID_BACKWARD, (g, y)), 0.0, 1.0),
    "gelu": _gelu, "gelu_slope": _gelu_slope, "clip": _clip, "astype": _astype, "clone": unary(ad.clone),
    "contiguous": unary(lambda x: apply(E.CONTIGUOUS, (x,))),
    "sum": reduction(ad.sum), "mean": reduction(ad.mean), "var": _var_like(ad.var), "std": _var_like(ad.std),
    "max": reduction(ad.max, unique=True), "min": reduction(ad.min, unique=True),
    "prod": reduction(ad.prod, lo=0.5, hi=1.5), "logsumexp": reduction(ad.logsumexp),
    "softmax": _normalizer(ad.softmax), "log_softmax": _normalizer(ad.log_softmax),
    "reshape": _reshape, "permute": _permute, "broadcast_to": _broadcast_to, "getitem": _getitem,
    "index_scatter": _index_scatter, "index_put": _index_put, "concatenate": _join(ad.concatenate, 0),
    "stack": _join(ad.stack, 1), "pad": _pad, "matmul": _matmul, "einsum": _einsum,
    "expm1": unary(ad.expm1), "log2": unary(ad.log2, 0.3, 3.0), "log10": unary(ad.log10, 0.3, 3.0),
    "reciprocal": unary(ad.reciprocal, kink=True), "rsqrt": unary(ad.rsqrt, 0.3, 3.0),
    "sinh": unary(ad.sinh), "cosh": unary(ad.cosh), "asin": unary(ad.asin, -0.8, 0.8),
    "acos": unary(ad.acos, -0.8, 0.8), "atan": unary(ad.atan), "atan2": binary(ad.atan2, ylo=0.5, yhi=2.0),
    "floor": _piecewise_constant(ad.floor), "ceil": _piecewise_constant(ad.ceil),
    "trunc": _piecewise_constant(ad.trunc), "round": _piecewise_constant(ad.round, 0.1, 0.4, decimals=(0, 1)),
    "remainder": _division_like(ad.remainder), "floor_divide": _division_like(ad.floor_divide),
    "cumsum": _scan(ad.cumsum), "cumprod": _scan(ad.cumprod, nonzero=True), "norm": _norm,
    "flip": _flip, "roll": _roll, "tril": _triangle(ad.tril), "triu": _triangle(ad.triu), "diagonal": _diagonal,
    "repeat": _repeat, "gather": _gather, "masked_fill": _masked_fill,
    "inv": _linalg_unary(ad.linalg.inv), "det": _linalg_unary(ad.linalg.det),
    "slogdet": _linalg_unary(lambda a: ad.linalg.slogdet(a).logabsdet), "solve": _solve, "cholesky": _cholesky,
    "svd": _svd_sample, "svdvals": lambda draw: (ad.linalg.svdvals, (_spectral(draw, *draw(st.tuples(
        st.integers(1, 3), st.integers(1, 3)))),)),
    "eigh": _eigh_sample, "eigvalsh": _eigvalsh_sample, "qr": _qr_sample, "pinv": _pinv_sample,
    "matrix_exp": _matrix_exp_sample,
}


def all_samples() -> dict:
    """Core samples plus those that other packages register (nn's conv ops, ...)."""
    out = dict(SAMPLES)
    try:
        from op_samples_nn import SAMPLES as NN
    except ImportError:
        NN = {}
    out.update(NN)
    return out
