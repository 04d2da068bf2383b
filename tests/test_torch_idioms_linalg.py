"""PyTorch idioms of `ad.linalg` beyond inverses and solves: svd / svdvals, eigh / eigvalsh, qr, pinv, matrix_rank,
lstsq, norm (with the SVD-based orders), matrix_power, matrix_exp, cross, multi_dot.

Values, dtypes, shapes and float64 gradients are compared with torch's. Decompositions' signs are not unique, so
(as torch's own tests do) factors are compared through sign-invariant quantities: |U|, U diag(c) Vh, U diag(c) U^T,
reconstructions, and the gradients of such functions.
"""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

torch = pytest.importorskip("torch")

from test_torch_parity_ops import _arr, both  # noqa: E402

RNG = np.random.default_rng(7)
TOL = dict(rtol=1e-8, atol=1e-10)


def _spectral(shape, lo=0.5, gap=0.7, symmetric=False):
    """(..., m, n) float64 U diag(d) V^T with well-separated d (and d = lo, lo + gap, ...)."""
    *batch, m, n = shape
    k = min(m, n)
    u = np.linalg.qr(RNG.standard_normal((*batch, m, k)))[0]
    v = u if symmetric else np.linalg.qr(RNG.standard_normal((*batch, n, k)))[0]
    d = lo + gap * RNG.permutation(k)
    return (u * d) @ np.swapaxes(v, -1, -2)


def _weights(k, like):
    """Fixed distinct weights, as a tensor of `like`'s library."""
    c = np.array([1.0, -0.7, 0.4, 0.25, -0.15])[:k]
    return torch.from_numpy(c) if isinstance(like, torch.Tensor) else ad.tensor(c)


def _svd_invariants(res):
    """S and sign-invariant functions of U and Vh (their first min(m, n) columns / rows)."""
    u, s, vh = res
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    c = _weights(k, s)
    return s, (u * c) @ vh, (u * c) @ u.mT, (vh.mT * c) @ vh


# ====================================================================== the idioms, exactly as written
@pytest.mark.parametrize("idiom", [
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.norm(x, ord=2).item()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.svd(x)[1].tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.svdvals(x).tolist()",
    "x = T.tensor([[2., 1.], [1., 2.]]); r = T.linalg.eigh(x)[0].tolist()",
    "x = T.tensor([[2., 1.], [1., 2.]]); r = T.linalg.eigvalsh(x).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = abs(T.linalg.qr(x)[1]).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.pinv(x).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.matrix_rank(x).item()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.lstsq(x, T.ones(2, 1)).solution.tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.matrix_power(x, 3).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.matrix_power(x, -1).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.matrix_power(x, 0).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.matrix_power(x, 2).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = x.matrix_power(2).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]) / 4; r = T.linalg.matrix_exp(x).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]) / 4; r = x.matrix_exp().tolist()",
    "x = T.tensor([[1., 2., 3.]]); r = T.linalg.cross(x, T.tensor([[0., 1., 5.]])).tolist()",
    "x = T.tensor([[1., 2.], [3., 4.]]); r = T.linalg.multi_dot([x, x, x]).tolist()",
])
def test_idiom_matches_torch(idiom):
    ours, theirs = {"T": ad}, {"T": torch}
    exec(idiom, ours)
    exec(idiom, theirs)
    np.testing.assert_allclose(np.asarray(ours["r"], dtype=float), np.asarray(theirs["r"], dtype=float),
                               rtol=2e-6, atol=2e-6)
    assert type(ours["r"]) is type(theirs["r"])


def test_return_types_are_named_tuples_with_torch_field_names():
    x = ad.tensor(_spectral((3, 2)))
    assert ad.linalg.svd(x)._fields == ("U", "S", "Vh")
    assert all(hasattr(torch.linalg.svd(torch.ones(2, 2)), f) for f in ("U", "S", "Vh"))
    assert ad.linalg.eigh(x[:2])._fields == ("eigenvalues", "eigenvectors")
    assert ad.linalg.qr(x)._fields == ("Q", "R")
    assert ad.linalg.lstsq(x, np.ones((3, 1)))._fields == ("solution", "residuals", "rank", "singular_values")


# ====================================================================== svd, svdvals
@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3), (2, 4, 3), (2, 1, 2, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd_shapes_values_and_gradients_of_sign_invariant_functions(shape, full):
    a = _spectral(shape)
    x, t = ad.tensor(a), torch.from_numpy(a)
    ours, theirs = ad.linalg.svd(x, full_matrices=full), torch.linalg.svd(t, full_matrices=full)
    for o, r in zip(ours, theirs):
        assert o.shape == tuple(r.shape) and o.dtype == np.float64
        np.testing.assert_allclose(np.abs(o.numpy()), np.abs(r.numpy()), **TOL)
    u, s, vh = ours
    np.testing.assert_allclose(((u[..., :s.shape[-1]] * s[..., None, :]) @ vh[..., :s.shape[-1], :]).numpy(), a, **TOL)
    both(lambda x: _svd_invariants(ad.linalg.svd(x, full)), lambda x: _svd_invariants(torch.linalg.svd(x, full)),
         a, **TOL)


def test_svd_full_matrices_extra_columns_are_orthonormal_and_get_no_gradient_as_torch():
    a = _spectral((4, 2))
    x, t = ad.tensor(a, requires_grad=True), torch.from_numpy(a).requires_grad_()
    u, _, _ = ad.linalg.svd(x)
    np.testing.assert_allclose((u.mT @ u).numpy(), np.eye(4), atol=1e-12)
    u[:, 3].sum().backward()
    torch.linalg.svd(t)[0][:, 3].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # both zero


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (2, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_svdvals(shape, dtype):
    a = _spectral(shape).astype(dtype)
    tol = TOL if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    both(ad.linalg.svdvals, torch.linalg.svdvals, a, **tol)


def test_svdvals_gradient_is_finite_at_repeated_singular_values_as_torch():
    x = ad.tensor(np.eye(3), requires_grad=True)
    ad.linalg.svdvals(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3))


# ====================================================================== eigh, eigvalsh
def _eigh_invariants(res):
    w, v = res
    return w, (v * _weights(w.shape[-1], w)) @ v.mT


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_values_and_gradients(shape, uplo):
    a = _spectral(shape, lo=-1.3, symmetric=True)
    both(lambda x: _eigh_invariants(ad.linalg.eigh(x, UPLO=uplo)),
         lambda x: _eigh_invariants(torch.linalg.eigh(x, UPLO=uplo)), a, **TOL)
    both(lambda x: ad.linalg.eigvalsh(x, UPLO=uplo), lambda x: torch.linalg.eigvalsh(x, UPLO=uplo), a, **TOL)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_only_the_uplo_triangle_as_torch(uplo):
    a = _spectral((3, 3), lo=-1.0, symmetric=True)
    a = a + (np.triu(RNG.standard_normal((3, 3)), 1) if uplo == "L" else np.tril(RNG.standard_normal((3, 3)), -1))
    both(lambda x: _eigh_invariants(ad.linalg.eigh(x, uplo)), lambda x: _eigh_invariants(torch.linalg.eigh(x, uplo)),
         a, **TOL)
    both(lambda x: ad.linalg.eigvalsh(x, uplo), lambda x: torch.linalg.eigvalsh(x, uplo), a, **TOL)


def test_eigh_float32():
    a = _spectral((3, 3), lo=-1.0, symmetric=True).astype(np.float32)
    w, v = ad.linalg.eigh(a)
    assert w.dtype == v.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), torch.linalg.eigvalsh(torch.from_numpy(a)).numpy(), rtol=1e-5, atol=1e-6)


# ====================================================================== qr
def _qr_invariants(res):
    q, r = res
    k = min(q.shape[-1], r.shape[-2])
    c = _weights(k, q)
    q, r = q[..., :k], r[..., :k, :]
    return (q * c) @ r, (q * c) @ q.mT, (r.mT * c) @ r


@pytest.mark.parametrize("shape", [(3, 2), (3, 3), (2, 3), (2, 4), (2, 4, 3), (2, 2, 4)])
def test_qr_reduced_values_and_gradients(shape):
    a = _spectral(shape)
    q, r = ad.linalg.qr(a)
    tq, tr = torch.linalg.qr(torch.from_numpy(a))
    assert q.shape == tuple(tq.shape) and r.shape == tuple(tr.shape)
    np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), **TOL)
    np.testing.assert_allclose(np.abs(q.numpy()), np.abs(tq.numpy()), **TOL)
    np.testing.assert_allclose((q @ r).numpy(), a, **TOL)
    assert np.allclose(np.tril(r.numpy(), -1), 0)
    both(lambda x: _qr_invariants(ad.linalg.qr(x)), lambda x: _qr_invariants(torch.linalg.qr(x)), a, **TOL)


@pytest.mark.parametrize("shape", [(4, 2), (2, 3), (3, 3)])
def test_qr_complete_and_r_modes(shape):
    a = _spectral(shape)
    for mode in ("complete", "r"):
        q, r = ad.linalg.qr(a, mode=mode)
        tq, tr = torch.linalg.qr(torch.from_numpy(a), mode=mode)
        assert q.shape == tuple(tq.shape) and r.shape == tuple(tr.shape), mode
        np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), **TOL)
        np.testing.assert_allclose(np.abs(q.numpy()), np.abs(tq.numpy()), **TOL)
    q, r = ad.linalg.qr(a, mode="complete")
    np.testing.assert_allclose((q @ r).numpy(), a, **TOL)


def test_qr_derivatives_torch_refuses_are_refused_with_its_message():
    x = ad.tensor(_spectral((4, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match="not computed when mode='r'.*mode='reduced'"):
        ad.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        ad.linalg.qr(x, mode="complete").R.sum().backward()
    ad.linalg.qr(x[:2], mode="complete").R.sum().backward()  # square: complete == reduced, differentiable


# ====================================================================== pinv, matrix_rank, lstsq
@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3), (2, 4, 3)])
def test_pinv_full_rank_values_and_gradients(shape):
    both(ad.linalg.pinv, torch.linalg.pinv, _spectral(shape), **TOL)


def test_pinv_hermitian_rank_deficient_and_tolerances():
    a = _spectral((3, 3), lo=-1.0, symmetric=True)
    both(lambda x: ad.linalg.pinv(x, hermitian=True), lambda x: torch.linalg.pinv(x, hermitian=True), a, **TOL)
    low = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])  # rank 1: the gradient is the constant-rank one, as torch's
    both(ad.linalg.pinv, torch.linalg.pinv, low, **TOL)
    d = np.diag([1.0, 1e-3, 1e-9])
    for kw in ({}, {"atol": 1e-2}, {"rtol": 1e-2}, {"atol": 1e-12, "rtol": 0.0}):
        np.testing.assert_allclose(ad.linalg.pinv(d, **kw).numpy(), torch.linalg.pinv(torch.from_numpy(d), **kw),
                                   rtol=1e-10, err_msg=str(kw))
    assert ad.linalg.pinv(d.astype(np.float32)).dtype == np.float32


def test_pinv_gradient_at_repeated_singular_values_is_finite():
    """Golub-Pereyra's formula needs no distinct singular values (composing from svd would give NaN here)."""
    both(ad.linalg.pinv, torch.linalg.pinv, np.eye(3) * 2.0 + 0.0, **TOL)


@pytest.mark.parametrize("a, kw", [
    (np.ones((3, 3)), {}), (np.eye(3), {}), (np.diag([1.0, 1e-3, 1e-9]), {}),
    (np.diag([1.0, 1e-3, 1e-9]), {"atol": 1e-2}), (np.diag([1.0, 1e-3, 1e-9]), {"rtol": 1e-4}),
    (np.diag([1.0, 1e-3, 1e-9]), {"tol": 1e-2}), (np.diag([1.0, -1e-3, 1e-9]), {"hermitian": True}),
    (np.stack([np.eye(3), np.ones((3, 3))]), {}), (np.ones((2, 3)), {}), (np.zeros((2, 2)), {}),
    (np.diag([1.0, 4e-16, 1.0]), {}), (np.diag([1.0, 2e-7, 1.0]), {}),  # rtol's default: eps * max(m, n)
])
def test_matrix_rank(a, kw):
    for dtype in (np.float64, np.float32):
        x = ad.tensor(a.astype(dtype), requires_grad=True)
        r, tr = ad.linalg.matrix_rank(x, **kw), torch.linalg.matrix_rank(torch.from_numpy(a.astype(dtype)), **kw)
        assert r.dtype == np.int64 and r.shape == tuple(tr.shape) and not r.requires_grad
        assert r.tolist() == tr.tolist(), (kw, dtype)


@pytest.mark.parametrize("a_shape, b_shape", [((3, 2), (3, 1)), ((3, 2), (3, 2)), ((2, 3), (2, 2)),
                                              ((3, 3), (3, 1)), ((2, 3, 2), (2, 3, 1)), ((2, 3, 2), (1, 3, 1)),
                                              ((3, 2), (3,)), ((2, 3, 2), (2, 3))])
def test_lstsq_solution_and_gradients(a_shape, b_shape):
    a, b = _spectral(a_shape), _arr(b_shape)
    both(lambda x, y: ad.linalg.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, a, b, **TOL)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("a_shape, b_shape", [((3, 2), (3, 1)), ((2, 3), (2, 2)), ((2, 4, 2), (2, 4, 3))])
def test_lstsq_all_fields_follow_torch_drivers(driver, a_shape, b_shape):
    a, b = _spectral(a_shape), _arr(b_shape)
    both(lambda x, y: ad.linalg.lstsq(x, y, driver=driver), lambda x, y: torch.linalg.lstsq(x, y, driver=driver),
         a, b, **TOL)


def test_lstsq_rank_deficient_gives_the_minimum_norm_solution():
    a = np.outer([1.0, 2.0, 3.0], [1.0, 1.0])
    res = ad.linalg.lstsq(a, np.ones((3, 1)), driver="gelsd")
    tres = torch.linalg.lstsq(torch.from_numpy(a), torch.ones(3, 1, dtype=torch.float64), driver="gelsd")
    np.testing.assert_allclose(res.solution.numpy(), tres.solution.numpy(), rtol=1e-10)
    assert res.rank.item() == tres.rank.item() == 1 and res.residuals.shape == (0,)


def test_lstsq_gradcheck_float64():
    a = ad.tensor(_spectral((4, 2)), requires_grad=True)
    b = ad.tensor(_arr((4, 2)), requires_grad=True)
    assert ad.gradcheck(lambda a, b: ad.linalg.lstsq(a, b).solution, (a, b))
    assert ad.gradgradcheck(lambda a, b: ad.linalg.lstsq(a, b).solution, (a, b))


# ====================================================================== norms
@pytest.mark.parametrize("shape, ord_, dim, keepdim", [
    ((3, 4), None, None, False), ((3, 4), None, None, True), ((2, 3, 4), None, None, True),
    ((3, 4), 2, None, False), ((3, 4), -2, None, False), ((3, 4), "nuc", None, True), ((3, 4), "fro", None, False),
    ((3, 4), 1, None, False), ((3, 4), -np.inf, None, False), ((4,), 3, None, False), ((4,), np.inf, None, True),
    ((2, 3, 4), 2, (0, 2), False), ((2, 3, 4), "nuc", (2, 0), True), ((2, 3, 4), -2, (-1, -2), True),
    ((2, 3, 4), None, 1, True), ((2, 3, 4), 1, -1, False), ((2, 3, 4), None, (0, 1), False),
])
def test_norm_matches_torch(shape, ord_, dim, keepdim):
    a = _spectral(shape) if len(shape) >= 2 else _arr(shape)
    both(lambda x: ad.linalg.norm(x, ord_, dim, keepdim), lambda x: torch.linalg.norm(x, ord_, dim, keepdim), a,
         **TOL)


@pytest.mark.parametrize("ord_", ["nuc", 2, -2])
def test_matrix_norm_spectral_orders(ord_):
    a = _spectral((2, 3, 4))
    both(lambda x: ad.linalg.matrix_norm(x, ord_), lambda x: torch.linalg.matrix_norm(x, ord_), a, **TOL)
    x = ad.tensor(a, requires_grad=True)
    assert ad.gradgradcheck(lambda x: ad.linalg.matrix_norm(x, ord_), (x,))


def test_norm_errors_name_the_function():
    with pytest.raises(ValueError, match=r"linalg\.norm: If dim is not specified but ord is.*3D"):
        ad.linalg.norm(np.ones((2, 3, 4)), ord=2)
    with pytest.raises(ValueError, match=r"linalg\.matrix_norm: .*Order 3 not supported"):
        ad.linalg.matrix_norm(np.eye(3), 3)


# ====================================================================== matrix_power, matrix_exp
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, -1, -2, -3])
@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2), (1, 1)])
def test_matrix_power(n, shape):
    a = _spectral(shape, lo=0.8, gap=0.3)
    both(lambda x: ad.linalg.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), a, **TOL)
    both(lambda x: x.matrix_power(n), lambda x: x.matrix_power(n), a, **TOL)
    both(lambda x: ad.matrix_power(x, n), lambda x: torch.matrix_power(x, n), a, **TOL)


def test_matrix_power_integers_and_errors():
    a = np.array([[1, 2], [3, 4]])
    for n in (0, 1, 3):
        r, tr = ad.linalg.matrix_power(a, n), torch.linalg.matrix_power(torch.from_numpy(a), n)
        assert r.dtype == np.int64 and r.tolist() == tr.tolist()
    with pytest.raises(RuntimeError, match=r"linalg\.inv: .*int64"):
        ad.linalg.matrix_power(a, -1)
    with pytest.raises(ValueError, match=r"linalg\.matrix_power: A must be batches of square matrices.*2 by 3"):
        ad.linalg.matrix_power(np.ones((2, 3)), 2)


@pytest.mark.parametrize("shape, scale", [((3, 3), 1.0), ((2, 2, 2), 0.3), ((4, 4), 8.0), ((1, 1), 2.0),
                                          ((2, 3, 3), 1e-4)])
def test_matrix_exp(shape, scale):
    a = _arr(shape) * scale
    both(ad.linalg.matrix_exp, torch.linalg.matrix_exp, a, rtol=1e-9, atol=1e-11)
    both(lambda x: x.matrix_exp(), lambda x: x.matrix_exp(), a, rtol=1e-9, atol=1e-11)
    # float32: rounding errors scale with the largest entry (exp(8 A) reaches ~1e3), not with each entry
    big = max(1.0, float(torch.linalg.matrix_exp(torch.from_numpy(a)).abs().max()))
    both(ad.matrix_exp, torch.matrix_exp, a.astype(np.float32), rtol=1e-5, atol=1e-6 * big)


def test_matrix_exp_of_a_skew_matrix_is_a_rotation():
    x = ad.tensor(np.array([[0.0, -1.0], [1.0, 0.0]]) * np.pi / 3)
    np.testing.assert_allclose(ad.linalg.matrix_exp(x).numpy(),
                               [[0.5, -np.sqrt(3) / 2], [np.sqrt(3) / 2, 0.5]], atol=1e-15)


# ====================================================================== cross, multi_dot, vecdot
@pytest.mark.parametrize("a_shape, b_shape, dim", [((3,), (3,), -1), ((2, 3), (1, 3), -1), ((3, 2), (3, 1), 0),
                                                   ((4, 3, 2), (1, 3, 2), 1)])
def test_cross(a_shape, b_shape, dim):
    both(lambda x, y: ad.linalg.cross(x, y, dim=dim), lambda x, y: torch.linalg.cross(x, y, dim=dim),
         _arr(a_shape), _arr(b_shape))


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(3,), (3, 4), (4, 2)], [(2, 3), (3, 4), (4,)],
                                    [(3,), (3, 2), (2,)], [(1, 2), (2, 5), (5, 3), (3, 2)]])
def test_multi_dot(shapes):
    arrays = [_arr(s) for s in shapes]
    both(lambda *xs: ad.linalg.multi_dot(xs), lambda *xs: torch.linalg.multi_dot(xs), *arrays)


def test_vecdot():
    both(lambda x, y: ad.linalg.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
         _arr((3, 2)), _arr((3, 1)))


# ====================================================================== errors
@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: ad.linalg.svd(np.ones(3)), ValueError, r"linalg\.svd: The input tensor A must have at least 2 dim"),
    (lambda: ad.linalg.svd(np.ones((2, 2), np.int64)), RuntimeError, r"linalg\.svd: Expected a float.*int64"),
    (lambda: ad.linalg.svdvals(np.ones(3)), ValueError, r"linalg\.svdvals: .*at least 2 dimensions"),
    (lambda: ad.linalg.eigh(np.ones((2, 3))), ValueError, r"linalg\.eigh: A must be batches of square.*2 by 3"),
    (lambda: ad.linalg.eigvalsh(np.ones((2, 3))), ValueError, r"linalg\.eigvalsh: A must be batches of square"),
    (lambda: ad.linalg.eigh(np.eye(2), UPLO="X"), ValueError, r"linalg\.eigh: Expected UPLO argument to be 'L' or"),
    (lambda: ad.linalg.qr(np.eye(2), mode="x"), ValueError, r"linalg\.qr: qr received unrecognized mode 'x'"),
    (lambda: ad.linalg.pinv(np.ones(3)), ValueError, r"linalg\.pinv: .*at least 2 dimensions"),
    (lambda: ad.linalg.matrix_rank(np.ones((2, 2), np.int64)), RuntimeError, r"linalg\.matrix_rank: .*int64"),
    (lambda: ad.linalg.lstsq(np.ones((3, 2)), np.ones((4, 1))), ValueError,
     r"linalg\.lstsq: input\.size\(-2\) should match other\.size\(-2\).*\(3, 2\).*\(4, 1\)"),
    (lambda: ad.linalg.lstsq(np.ones((3, 2)), np.ones((3, 1)), driver="x"), ValueError, r"lstsq: .*driver"),
    (lambda: ad.linalg.lstsq(np.ones((2, 3, 2)), np.ones((3, 1))), ValueError, r"linalg\.lstsq: .*\(3, 1\)"),
    (lambda: ad.linalg.cross(np.ones((2, 3)), np.ones(3)), ValueError,
     r"linalg\.cross: inputs must have the same number of dimensions"),
    (lambda: ad.linalg.matrix_exp(np.ones((2, 3))), ValueError, r"linalg\.matrix_exp: A must be batches of square"),
    (lambda: ad.linalg.cross(np.ones(2), np.ones(2)), ValueError,
     r"linalg\.cross: inputs dimension -1 must have length 3\. Got 2 and 2"),
    (lambda: ad.linalg.multi_dot([np.ones(3)]), ValueError, r"multi_dot\(\): expected at least 2 tensors but got 1"),
    (lambda: ad.linalg.multi_dot([np.ones(3), np.ones((3, 3, 3)), np.ones(3)]), ValueError,
     r"linalg\.multi_dot: tensor 1 must be 2D but got 3D"),
])
def test_bad_input_raises_naming_the_function(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# ====================================================================== dispatch from NumPy's functions
def test_numpy_linalg_functions_on_tensors_record():
    x = ad.tensor(_spectral((3, 2)), requires_grad=True)
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    assert isinstance(s, ad.Tensor) and s.requires_grad
    assert np.linalg.svd(x, compute_uv=False).requires_grad
    w, v = np.linalg.eigh(ad.tensor(np.eye(2) + 0.5, requires_grad=True))
    assert w.requires_grad and v.requires_grad
    q, r = np.linalg.qr(x)
    assert q.requires_grad and r.requires_grad
