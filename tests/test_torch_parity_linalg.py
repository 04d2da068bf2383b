"""PyTorch parity of `ad.linalg`: values, dtypes, shapes and float64 gradients, batched and not; errors.

Errors: a singular / non-positive-definite matrix raises `ad.linalg.LinAlgError` (both `np.linalg.LinAlgError`
and RuntimeError, as `torch.linalg.LinAlgError`); a non-square input raises ValueError naming the op and shape.
"""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
INF = float("inf")


def _arr(shape, dtype=np.float64):
    return RNG.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _invertible(shape, dtype=np.float64):
    n = shape[-1]
    flips = np.where(RNG.uniform(size=shape[:-1] + (1,)) < 0.5, -1.0, 1.0)
    return ((_arr(shape) + (n + 1) * np.eye(n)) * flips).astype(dtype)


def _spd(shape, dtype=np.float64):
    m = _arr(shape)
    return (m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _grid(shape):
    """Magnitudes 0.1, 0.2, ... shuffled, random signs: no zeros, no ties (the inf-norms' kinks)."""
    return RNG.permutation(np.arange(1, np.prod(shape) + 1)).reshape(shape) * 0.1 * np.where(_arr(shape) < 0, -1, 1)


def both(fn_ad, fn_t, *arrays, rtol=1e-10, atol=1e-12):
    """Compare fn's output(s) (value, dtype, shape) and, for float64, the gradients of a random weighting of them."""
    grad = all(a.dtype == np.float64 for a in arrays)
    xs = [ad.tensor(a, requires_grad=grad) for a in arrays]
    ts = [torch.from_numpy(a.copy()).requires_grad_(grad) for a in arrays]
    outs, touts = fn_ad(*xs), fn_t(*ts)
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    touts = list(touts) if isinstance(touts, tuple) else [touts]
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape) and o.dtype == t.detach().numpy().dtype, (o.shape, o.dtype, t.shape, t.dtype)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
        assert o.requires_grad <= t.requires_grad  # (slogdet's sign: torch's requires grad, with a zero gradient)
    if not grad:
        return
    loss_o = loss_t = 0.0
    for o, t in zip(outs, touts):
        if o.requires_grad:
            w = _arr(o.shape)
            loss_o = loss_o + (o * ad.tensor(w)).sum()
            loss_t = loss_t + (t * torch.from_numpy(w)).sum()
    loss_o.backward()
    loss_t.backward()
    for x, t in zip(xs, ts):
        if t.grad is None:  # (ord-0 norm: torch sends no gradient; ours is zero)
            assert x.grad is None or not np.any(x.grad.numpy())
            continue
        assert x.grad is not None and x.grad.dtype == x.dtype
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


BATCHES = [(), (2,), (2, 3)]


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("name", ["inv", "det", "slogdet"])
def test_square_matrix_functions(name, batch):
    for n in (1, 3):
        both(getattr(ad.linalg, name), getattr(torch.linalg, name), _invertible(batch + (n, n)))


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky"])
def test_float32_keeps_its_dtype(name):
    a = _spd((2, 3, 3), np.float32)
    both(getattr(ad.linalg, name), getattr(torch.linalg, name), a, rtol=1e-5, atol=1e-5)


def test_slogdet_is_a_named_tuple_and_det_is_its_product():
    a = _invertible((4, 3, 3))
    res = ad.linalg.slogdet(a)
    assert type(res).__name__ == "SlogdetResult" and res.sign is res[0] and res.logabsdet is res[1]
    assert set(np.unique(res.sign.numpy())) <= {-1.0, 1.0} and not res.sign.requires_grad
    np.testing.assert_allclose((res.sign * ad.exp(res.logabsdet)).numpy(), ad.linalg.det(a).numpy(), rtol=1e-12)


@pytest.mark.parametrize("a_shape, b_shape, left", [
    ((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (3,), True), ((2, 3, 3), (2, 3), True),
    ((2, 3, 3), (3, 4), True), ((3, 3), (4, 3, 2), True), ((2, 1, 3, 3), (5, 3, 1), True),
    ((3, 3), (2, 3), False), ((2, 3, 3), (4, 3), False), ((3, 3), (5, 2, 3), False),
])
def test_solve(a_shape, b_shape, left):
    both(lambda a, b: ad.linalg.solve(a, b, left=left), lambda a, b: torch.linalg.solve(a, b, left=left),
         _invertible(a_shape), _arr(b_shape))


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(batch, upper):
    both(lambda a: ad.linalg.cholesky(a, upper=upper), lambda a: torch.linalg.cholesky(a, upper=upper),
         _spd(batch + (3, 3)))


def test_cholesky_reads_only_the_lower_triangle():
    a = _spd((3, 3))
    junk = a + np.triu(_arr((3, 3)) + 5, 1)
    np.testing.assert_array_equal(ad.linalg.cholesky(junk).numpy(), ad.linalg.cholesky(a).numpy())
    np.testing.assert_allclose(ad.linalg.cholesky(junk).numpy(), torch.linalg.cholesky(torch.from_numpy(junk)).numpy())


@pytest.mark.parametrize("name, make", [("inv", _invertible), ("cholesky", _spd), ("det", _invertible),
                                        ("slogdet", _invertible)])
def test_second_derivatives_match_torch(name, make):
    """The gradient of (sum of the weighted gradient) with create_graph, against torch's double backward."""
    a = make((2, 3, 3))
    w = _arr((2, 3, 3))

    def second(lib, grad, x, w):
        out = getattr(lib.linalg, name)(x)
        out = out[1] if name == "slogdet" else out
        (g,) = grad(out.sum(), [x], create_graph=True)
        return grad((g * w).sum(), [x])[0]

    ours = second(ad, ad.grad, ad.tensor(a, requires_grad=True), ad.tensor(w))
    theirs = second(torch, torch.autograd.grad, torch.from_numpy(a).requires_grad_(), torch.from_numpy(w))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-8, atol=1e-10)


VECTOR_CASES = [(2, None, False), (1, -1, True), (INF, 0, False), (-INF, (0, 2), False), (3, (1, 2), True),
                (0.5, 1, False), (0, None, False)]


@pytest.mark.parametrize("ord_, dim, keepdim", VECTOR_CASES)
def test_vector_norm(ord_, dim, keepdim):
    x = _grid((2, 3, 4))
    both(lambda x: ad.linalg.vector_norm(x, ord_, dim, keepdim), lambda x: torch.linalg.vector_norm(x, ord_, dim,
                                                                                                    keepdim), x)


@pytest.mark.parametrize("ord_", ["fro", 1, -1, INF, -INF])
@pytest.mark.parametrize("shape, dim, keepdim", [((3, 4), (-2, -1), False), ((2, 3, 4), (-2, -1), True),
                                                 ((2, 3, 4), (2, 0), False), ((3, 2, 4), (0, -1), True)])
def test_matrix_norm(ord_, shape, dim, keepdim):
    x = _grid(shape)
    both(lambda x: ad.linalg.matrix_norm(x, ord_, dim, keepdim),
         lambda x: torch.linalg.matrix_norm(x, ord_, dim, keepdim), x)


def test_matmul_and_vecdot():
    both(ad.linalg.matmul, torch.linalg.matmul, _arr((2, 3, 4)), _arr((4, 5)))
    both(lambda x, y: ad.linalg.vecdot(x, y), lambda x, y: torch.linalg.vecdot(x, y), _arr((2, 3)), _arr((3,)))
    both(lambda x, y: ad.linalg.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
         _arr((3, 1)), _arr((3, 4)))
    assert "matmul" in ad.linalg.matmul(ad.ones(2, 2, requires_grad=True), ad.ones(2, 2)).grad_fn.name


def test_singular_and_degenerate_values_match_torch():
    z = np.array([[1.0, 2.0], [2.0, 4.0]])
    both(ad.linalg.det, torch.linalg.det, z.astype(np.float32))
    sign, logabs = ad.linalg.slogdet(z)
    tsign, tlog = torch.linalg.slogdet(torch.from_numpy(z))
    assert sign.item() == tsign.item() == 0 and logabs.item() == tlog.item() == -INF
    for name in ("inv", "det", "cholesky"):  # 0 x 0 matrices
        np.testing.assert_array_equal(getattr(ad.linalg, name)(np.zeros((2, 0, 0))).numpy(),
                                      getattr(torch.linalg, name)(torch.zeros(2, 0, 0, dtype=torch.float64)).numpy())


@pytest.mark.parametrize("call, pattern", [
    (lambda lib, a: lib.linalg.inv(a), r"linalg\.inv: .*singular.*\(batch element \(1,\)\).*\(2, 2, 2\)"),
    (lambda lib, a: lib.linalg.solve(a, a[..., 0]), r"linalg\.solve: .*singular"),
    (lambda lib, a: lib.linalg.cholesky(a), r"linalg\.cholesky: .*not positive-definite"),
])
def test_singular_matrix_raises_linalg_error(call, pattern):
    a = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]])
    with pytest.raises(RuntimeError):
        call(torch, torch.from_numpy(a))
    with pytest.raises(ad.linalg.LinAlgError, match=pattern) as info:
        call(ad, ad.tensor(a, requires_grad=True))
    assert isinstance(info.value, np.linalg.LinAlgError) and isinstance(info.value, RuntimeError)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky"])
def test_non_square_and_non_float_inputs_raise_naming_the_op(name):
    for shape, msg in [((2, 3), r"square matrices.*\(2, 3\)"), ((2, 4, 3), r"square.*\(2, 4, 3\)"),
                       ((3,), r"at least 2 dimensions.*\(3,\)")]:
        with pytest.raises(RuntimeError):
            getattr(torch.linalg, name)(torch.zeros(shape, dtype=torch.float64))
        with pytest.raises(ValueError, match=rf"linalg\.{name}: .*{msg}"):
            getattr(ad.linalg, name)(np.zeros(shape))
    with pytest.raises(RuntimeError, match=rf"linalg\.{name}: .*int64"):
        getattr(ad.linalg, name)(np.eye(2, dtype=np.int64))


def test_bad_shapes_and_orders_raise():
    with pytest.raises(ValueError, match=r"linalg\.solve: .*\(3, 3\).*\(4,\)"):
        ad.linalg.solve(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match=r"linalg\.solve: .*\(2, 3, 3\).*\(4, 3, 1\)"):
        ad.linalg.solve(np.eye(3)[None].repeat(2, 0), np.ones((4, 3, 1)))
    with pytest.raises(ValueError, match=r"linalg\.solve: left=False"):
        ad.linalg.solve(np.eye(3), np.ones(3), left=False)
    assert float(ad.linalg.matrix_norm(np.eye(3), "nuc")) == 3.0  # (the nuclear norm: once refused, now supported)
    with pytest.raises(ValueError, match=r"linalg\.matrix_norm: ord"):
        ad.linalg.matrix_norm(np.eye(3), 3)
    with pytest.raises(ValueError, match=r"linalg\.vector_norm: ord"):
        ad.linalg.vector_norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match=r"linalg\.vecdot: .*\(2, 3\).*\(4,\)"):
        ad.linalg.vecdot(np.ones((2, 3)), np.ones(4))


@pytest.mark.parametrize("name", ["det", "slogdet"])
def test_determinant_gradient_at_a_singular_matrix_raises_naming_the_op(name):
    """A deliberate difference: PyTorch falls back to an SVD there; our rules need A^-1."""
    a = ad.tensor(np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]), requires_grad=True)
    out = getattr(ad.linalg, name)(a)
    out = out[1] if name == "slogdet" else out
    with pytest.raises(ad.linalg.LinAlgError, match=rf"linalg\.{name}: the gradient needs an invertible.*\(1,\)"):
        out[0].backward()


def test_numpy_linalg_functions_dispatch_on_tensors():
    a = ad.tensor(_invertible((2, 3, 3)), requires_grad=True)
    assert np.linalg.inv(a).grad_fn.name == "inv" and np.linalg.det(a).grad_fn.name == "det"
    assert np.linalg.solve(a, ad.ones(3)).shape == (2, 3)  # NumPy's rule: a 1-d b is a vector
    assert np.linalg.solve(a, np.ones((2, 3, 3))).grad_fn is not None
