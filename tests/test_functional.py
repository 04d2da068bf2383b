"""`ad.functional`: vjp, jvp (forward mode), jacobian, hessian and hvp, against closed forms,
central differences and, when installed, `torch.autograd.functional`."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import functional as AF

RNG = np.random.default_rng(7)


def t64(a) -> ad.Tensor:
    return ad.Tensor(np.asarray(a, dtype=np.float64))


def numeric_jacobian(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences, shaped f(x).shape + x.shape."""
    out = np.asarray(f(x))
    jac = np.zeros(out.shape + x.shape)
    for j in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[j] += eps
        lo[j] -= eps
        jac[(...,) + j] = (np.asarray(f(hi)) - np.asarray(f(lo))) / (2 * eps)
    return jac


def f_np(x):
    return np.sin(x) * x ** 2


def f_ad(x):
    return ad.sin(x) * x ** 2


def df_np(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def mlp_np(W1, W2):
    return lambda x: np.sum(np.tanh(W2 @ np.tanh(W1 @ x)))


def mlp_ad(W1, W2):
    w1, w2 = t64(W1), t64(W2)
    return lambda x: ad.tanh(w2 @ ad.tanh(w1 @ x)).sum()


# ----------------------------------------------------------------------------------------- vjp
def test_vjp_is_v_times_the_derivative():
    x, v = RNG.standard_normal(5), RNG.standard_normal(5)
    out, g = AF.vjp(f_ad, t64(x), t64(v))
    np.testing.assert_allclose(out.numpy(), f_np(x))
    np.testing.assert_allclose(g.numpy(), v * df_np(x), rtol=1e-12)
    assert not out.requires_grad and not g.requires_grad


def test_vjp_with_tuple_inputs_and_outputs():
    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    va, vb = RNG.standard_normal(3), RNG.standard_normal(())
    outs, (gx, gy) = AF.vjp(lambda x, y: (x * y, (x * x).sum()), (t64(x), t64(y)), (t64(va), t64(vb)))
    assert isinstance(outs, tuple) and len(outs) == 2
    np.testing.assert_allclose(gx.numpy(), va * y + vb * 2 * x, rtol=1e-12)
    np.testing.assert_allclose(gy.numpy(), va * x, rtol=1e-12)


def test_vjp_of_an_unused_input_is_zero_or_an_error_when_strict():
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0])
    _, (gx, gy) = AF.vjp(lambda x, y: (x * 2).sum(), (x, y))
    np.testing.assert_array_equal(gy.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="independent"):
        AF.vjp(lambda x, y: (x * 2).sum(), (x, y), strict=True)


# ----------------------------------------------------------------------------------------- jvp
def test_jvp_matches_a_numerical_directional_derivative():
    x, v = RNG.standard_normal(6), RNG.standard_normal(6)
    out, jv = AF.jvp(f_ad, t64(x), t64(v))
    eps = 1e-6
    numeric = (f_np(x + eps * v) - f_np(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(out.numpy(), f_np(x))
    np.testing.assert_allclose(jv.numpy(), numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(jv.numpy(), df_np(x) * v, rtol=1e-12)


def test_jvp_through_matmul_and_reductions_with_two_inputs():
    A, x, ta, tx = (RNG.standard_normal(s) for s in ((3, 4), (4,), (3, 4), (4,)))
    out, jv = AF.jvp(lambda A, x: ad.tanh(A @ x).sum(), (t64(A), t64(x)), (t64(ta), t64(tx)))
    z = A @ x
    np.testing.assert_allclose(jv.numpy(), np.sum((1 - np.tanh(z) ** 2) * (ta @ x + A @ tx)), rtol=1e-12)


def test_jvp_checks_its_tangents():
    with pytest.raises(RuntimeError, match="does not match"):
        AF.jvp(f_ad, t64([1.0, 2.0]), t64([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="single element"):
        AF.jvp(f_ad, t64([1.0, 2.0]))
    _, jv = AF.jvp(f_ad, t64(0.5))  # a one-element input: v defaults to 1
    np.testing.assert_allclose(jv.numpy(), df_np(0.5), rtol=1e-12)


# ------------------------------------------------------------------------------------ jacobian
def test_jacobian_matches_central_differences_and_has_pytorchs_shape():
    A = RNG.standard_normal((2, 3))
    x = RNG.standard_normal((3, 2))
    jac = AF.jacobian(lambda x: ad.tanh(t64(A) @ x), t64(x))
    assert jac.shape == (2, 2, 3, 2)  # output shape + input shape
    np.testing.assert_allclose(jac.numpy(), numeric_jacobian(lambda x: np.tanh(A @ x), x), rtol=1e-6, atol=1e-9)


def test_jacobian_of_tuple_inputs_and_outputs_is_nested_as_pytorch():
    x, y = RNG.standard_normal(2), RNG.standard_normal(3)
    jac = AF.jacobian(lambda x, y: (x * x, (x.reshape(2, 1) * y).sum(axis=0)), (t64(x), t64(y)))
    (jxx, jxy), (jyx, jyy) = jac
    np.testing.assert_allclose(jxx.numpy(), np.diag(2 * x))
    np.testing.assert_array_equal(jxy.numpy(), np.zeros((2, 3)))
    np.testing.assert_allclose(jyx.numpy(), np.tile(y[:, None], (1, 2)))
    np.testing.assert_allclose(jyy.numpy(), np.eye(3) * x.sum())


# ------------------------------------------------------------------------------------- hessian
def test_hessian_matches_the_closed_form():
    x = RNG.standard_normal(3)

    def f(x):
        return (x ** 3).sum() + x[0] * x[1]

    H = AF.hessian(f, t64(x))
    expected = np.diag(6 * x)
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(H.numpy(), expected, rtol=1e-12)


def test_hessian_refuses_a_non_scalar_function():
    with pytest.raises(RuntimeError, match="single-element"):
        AF.hessian(lambda x: x * x, t64([1.0, 2.0]))


def test_jvp_of_a_create_graph_gradient_carries_tangents_through_the_backward():
    """Forward-over-reverse by hand: jvp of a gradient taken with create_graph. The tangent must reach the
    rules' saved outputs (tanh's backward reads tanh(x)) and upstream gradients that depend on the tangent's
    input without requiring grad (z below, through sum's backward)."""
    x = t64([0.5, -1.0, 2.0]).requires_grad_()
    v = t64([0.2, 0.4, -0.3])
    z = ad.Tensor(np.array([1.0, 2.0]))  # does not require grad
    vz = ad.Tensor(np.array([0.3, -0.1]))

    def grad_of(f, at):
        return ad.grad(f, at, create_graph=True)[0]

    _, hv = AF.jvp(lambda x: grad_of(ad.tanh(x.requires_grad_()).sum(), x), x, v)
    np.testing.assert_allclose(hv.numpy(), AF.hvp(lambda x: ad.tanh(x).sum(), x, v)[1].numpy(), rtol=1e-12)
    _, mixed = AF.jvp(lambda z: grad_of((ad.tanh(x).sum() * z).sum(), x), z, vz)  # d/dz of d/dx, along vz
    np.testing.assert_allclose(mixed.numpy(), (1 - np.tanh(x.numpy()) ** 2) * vz.numpy().sum(), rtol=1e-12)


# ----------------------------------------------------------------------------------------- hvp
def test_hvp_equals_the_hessian_times_v_and_the_hand_written_r_op():
    n = 6
    W1, W2 = RNG.standard_normal((n, n)) / 2, RNG.standard_normal((n, n)) / 2
    x, v = RNG.standard_normal(n), RNG.standard_normal(n)
    f = mlp_ad(W1, W2)
    out, hv = AF.hvp(f, t64(x), t64(v))
    np.testing.assert_allclose(out.numpy(), mlp_np(W1, W2)(x))
    H = AF.hessian(f, t64(x)).numpy()
    np.testing.assert_allclose(hv.numpy(), H @ v, rtol=1e-10, atol=1e-12)
    # Pearlmutter's R-op on the gradient, by hand
    h1 = np.tanh(W1 @ x)
    h2 = np.tanh(W2 @ h1)
    d1, d2 = 1 - h1 * h1, 1 - h2 * h2
    r_h1 = d1 * (W1 @ v)
    r_h2 = d2 * (W2 @ r_h1)
    r_a1 = (W2.T @ (-2 * h2 * r_h2)) * d1 + (W2.T @ d2) * (-2 * h1 * r_h1)
    np.testing.assert_allclose(hv.numpy(), W1.T @ r_a1, rtol=1e-10, atol=1e-12)
    assert not hv.requires_grad


def test_hvp_with_two_inputs_and_an_input_the_gradient_does_not_depend_on():
    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    vx, vy = RNG.standard_normal(3), RNG.standard_normal(3)
    _, (hx, hy) = AF.hvp(lambda x, y: (x * x * y).sum(), (t64(x), t64(y)), (t64(vx), t64(vy)))
    np.testing.assert_allclose(hx.numpy(), 2 * y * vx + 2 * x * vy, rtol=1e-12)
    np.testing.assert_allclose(hy.numpy(), 2 * x * vx, rtol=1e-12)
    _, (hx, hy) = AF.hvp(lambda x, y: (x * x).sum() + y.sum(), (t64(x), t64(y)), (t64(vx), t64(vy)))
    np.testing.assert_allclose(hx.numpy(), 2 * vx, rtol=1e-12)
    np.testing.assert_array_equal(hy.numpy(), np.zeros(3))  # y's gradient is constant


def test_hvp_of_a_linear_function_is_zero_and_a_wrong_v_is_refused():
    _, hv = AF.hvp(lambda x: (x * 3.0).sum(), t64([1.0, 2.0]), t64([1.0, 1.0]))
    np.testing.assert_array_equal(hv.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="shape"):
        AF.hvp(lambda x: (x ** 3).sum(), t64([1.0, 2.0]), t64([1.0, 1.0, 1.0]))


def test_hvp_with_create_graph_is_differentiable_in_v():
    x = t64([0.3, -0.7])
    v = ad.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    _, hv = AF.hvp(lambda x: (x ** 4).sum(), x, v, create_graph=True)
    np.testing.assert_allclose(hv.detach().numpy(), 12 * x.numpy() ** 2 * v.detach().numpy(), rtol=1e-12)
    (gv,) = ad.grad(hv.sum(), v)  # d(1 . H v)/dv = H 1 = 12 x^2
    np.testing.assert_allclose(gv.numpy(), 12 * x.numpy() ** 2, rtol=1e-12)


# ------------------------------------------------------------------------------- against torch
def test_the_transforms_agree_with_torch():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    W1, W2 = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))
    x, v = RNG.standard_normal(4), RNG.standard_normal(4)
    tw1, tw2 = torch.from_numpy(W1), torch.from_numpy(W2)

    def f_torch(x):
        return torch.tanh(tw2 @ torch.tanh(tw1 @ x)).sum()

    def g_torch(x):
        return torch.sin(tw1 @ x) * x

    def g_ad(x):
        return ad.sin(t64(W1) @ x) * x

    tx, tv = torch.from_numpy(x), torch.from_numpy(v)
    f = mlp_ad(W1, W2)
    np.testing.assert_allclose(AF.hvp(f, t64(x), t64(v))[1].numpy(), TF.hvp(f_torch, tx, tv)[1].numpy(), rtol=1e-10)
    np.testing.assert_allclose(AF.hessian(f, t64(x)).numpy(), TF.hessian(f_torch, tx).numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(AF.jacobian(g_ad, t64(x)).numpy(), TF.jacobian(g_torch, tx).numpy(), rtol=1e-12)
    np.testing.assert_allclose(AF.jvp(g_ad, t64(x), t64(v))[1].numpy(), TF.jvp(g_torch, tx, tv)[1].numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(AF.vjp(g_ad, t64(x), t64(v))[1].numpy(), TF.vjp(g_torch, tx, tv)[1].numpy(),
                               rtol=1e-12)
