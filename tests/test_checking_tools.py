"""The user-facing checking tools: `gradcheck`/`gradgradcheck`/`jvpcheck`, user-defined ops, and `ad.testing`.

These are what users rely on to test their own ops, so each check is shown both to pass on a correct
op and to fail, with the documented message, on a deliberately wrong one.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import functional
from autodiff.testing import arrays, broadcastable_shapes, check_gradients, shape_pairs, shapes, tensors

FAIL_RE = re.compile(r"Jacobian mismatch for output (?P<out>.+?) with respect to input (?P<inp>\d+), (?P<kind>.+?) "
                     r"at element (?P<elem>\(.*?\)):\n  analytic: (?P<a>\S+)\n  numerical: (?P<n>\S+)$")


def t64(values, requires_grad: bool = True) -> ad.Tensor:
    return ad.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def failure(excinfo) -> dict:
    """The fields of a GradcheckError message, with the two values as floats."""
    m = FAIL_RE.fullmatch(str(excinfo.value))
    assert m is not None, f"unexpected GradcheckError message: {excinfo.value}"
    d = m.groupdict()
    d["a"], d["n"] = float(d["a"]), float(d["n"])
    return d


# ---------------------------------------------------------------- user-defined ops used throughout

cube = ad.custom_op("cube", lambda x: x ** 3,
                    vjp=(lambda g, ans, x: 3 * g * x * x,),
                    jvp=(lambda t, ans, x: 3 * t * x * x,))

# d(x^2)/dx is 2x; both rules say 3x, so every check reports analytic = 1.5 * numerical
square_wrong = ad.custom_op("square_wrong", lambda x: x * x,
                            vjp=(lambda g, ans, x: 3 * g * x,),
                            jvp=(lambda t, ans, x: 3 * t * x,))

# right below 1, twice the true derivative above 1: the failure is at a known element
square_wrong_above_one = ad.custom_op("square_wrong_above_one", lambda x: x * x,
                                      vjp=(lambda g, ans, x: 2 * g * x * (1 + (x > 1)),))

# a right first derivative that detaches x (np.asarray), so its own derivative in x is lost
cube_detached = ad.custom_op("cube_detached", lambda x: x ** 3,
                             vjp=(lambda g, ans, x: 3 * g * np.asarray(x) ** 2,),
                             jvp=(lambda t, ans, x: 3 * t * x * x,))

clip_unit = ad.custom_op("clip_unit", lambda x: np.clip(x, -1.0, 1.0),
                         vjp=(lambda g, ans, x: g * (np.abs(x) < 1),),
                         jvp=(lambda t, ans, x: t * (np.abs(x) < 1),))

# straight-through estimator: rounds forward, passes the gradient through unchanged
round_ste = ad.custom_op("round_ste", np.round, vjp=(lambda g, ans, x: g,))

# two inputs with broadcasting: the rules return output-shaped gradients, the engine sums them down
scale_exp = ad.custom_op("scale_exp", lambda x, y: x * np.exp(y),
                         vjp=(lambda g, ans, x, y: g * np.exp(y), lambda g, ans, x, y: g * ans),
                         jvp=(lambda t, ans, x, y: t * np.exp(y), lambda t, ans, x, y: t * ans))

scale_exp_no_jvp = ad.custom_op("scale_exp_no_jvp", lambda x, y: x * np.exp(y),
                                vjp=(lambda g, ans, x, y: g * np.exp(y), lambda g, ans, x, y: g * ans))


class Cube(ad.Function):
    """x ** 3, no forward-mode rule."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * g * x * x


class MulAdd(ad.Function):
    """x * y + x, with a JVP."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y + x

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * (y + 1), g * x

    @staticmethod
    def jvp(ctx, tx, ty):
        x, y = ctx.saved_tensors
        return tx * (y + 1) + ty * x


class ScaleBy(ad.Function):
    """x * k; k is a constant, so backward returns None for it."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(k)
        return x * k

    @staticmethod
    def backward(ctx, g):
        (k,) = ctx.saved_tensors
        return g * k, None


class WrongCube(Cube):
    """Cube's forward with a wrong backward (a subclass that overrides only backward must use it)."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x * x  # should be 3 g x^2


# ---------------------------------------------------------------- gradcheck / gradgradcheck / jvpcheck pass

CORRECT_CASES = {
    "tanh": (ad.tanh, lambda: (t64([[0.3, -1.2, 2.0], [0.1, 0.7, -0.4]]),)),
    "matmul": (ad.matmul, lambda: (t64(np.linspace(-1, 1, 6).reshape(2, 3)),
                                   t64(np.linspace(0.5, -2, 12).reshape(3, 4)))),
    "broadcast_composition": (lambda x, y: ad.tanh(x * y) + ad.exp(y) / (1 + x * x),
                              lambda: (t64([[0.3, -1.2, 2.0], [0.1, 0.7, -0.4]]), t64([0.5, -0.25, 1.5]))),
    "zero_d": (lambda x: x * ad.sin(x) + x ** 3, lambda: (t64(0.7),)),
    "zero_d_with_vector": (lambda s, v: ad.sum(v * s) * s, lambda: (t64(-1.3), t64([0.2, 0.5, -2.0]))),
    "several_inputs_and_a_constant": (lambda a, b, c, k: a * b + ad.sigmoid(c) * k - a / (2 + b * b),
                                      lambda: (t64([1.0, -2.0]), t64([[0.5, 0.1], [-0.3, 2.0]]), t64(0.25), 3.0)),
    "two_outputs": (lambda x, y: (ad.sin(x) * y, ad.sum(x * x)),
                    lambda: (t64([0.4, -1.1, 2.2]), t64([1.5, 0.5, -0.5]))),
}


@pytest.mark.parametrize("name", list(CORRECT_CASES))
def test_checks_pass_on_correct_ops(name):
    """Correct built-in ops and compositions (broadcasting, 0-d, several inputs/outputs) pass every check in float64."""
    fn, make = CORRECT_CASES[name]
    assert ad.gradcheck(fn, make()) is True
    assert ad.gradcheck(fn, make(), fast_mode=True) is True
    assert ad.gradgradcheck(fn, make()) is True
    assert ad.gradgradcheck(fn, make(), fast_mode=True) is True
    assert ad.jvpcheck(fn, make()) is True


def test_gradcheck_leaves_inputs_alone():
    """A check must not change the inputs' values nor accumulate into their .grad (it uses ad.grad)."""
    x, y = t64([[0.3, -1.2, 2.0], [0.1, 0.7, -0.4]]), t64([0.5, -0.25, 1.5])
    before = (x.numpy().copy(), y.numpy().copy())
    fn = CORRECT_CASES["broadcast_composition"][0]
    for check in (ad.gradcheck, ad.gradgradcheck, ad.jvpcheck):
        assert check(fn, (x, y))
    assert ad.gradcheck(fn, (x, y), fast_mode=True)
    np.testing.assert_array_equal(x.numpy(), before[0])
    np.testing.assert_array_equal(y.numpy(), before[1])
    assert x.grad is None and y.grad is None


def test_gradcheck_accepts_a_single_tensor_and_lists():
    """`inputs` may be one Tensor or a list, not only a tuple (as torch.autograd.gradcheck)."""
    x = t64([0.5, -1.0])
    assert ad.gradcheck(ad.tanh, x) and ad.gradgradcheck(ad.tanh, x) and ad.jvpcheck(ad.tanh, x)
    assert ad.gradcheck(ad.mul, [x, t64([2.0, 3.0])])


# ---------------------------------------------------------------- failures name where and what

def test_gradcheck_failure_names_output_input_element_and_values():
    """The message names output 1, input 1, the one wrong element (1, 0), and the wrong analytic vs true value."""
    a = t64([0.2, -0.4])
    b = t64([[0.5, -1.0, 0.25], [1.5, 0.3, -2.0]])  # only b[1, 0] = 1.5 is above 1
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(lambda a, b: (ad.tanh(a), square_wrong_above_one(b)), (a, b))
    f = failure(excinfo)
    assert f["out"] == "1" and f["inp"] == "1"
    assert f["kind"] == "output element (1, 0), input"
    assert f["elem"] == "(1, 0)"
    assert f["a"] == pytest.approx(6.0, abs=1e-9)  # the wrong rule: 2 * 2 * 1.5
    assert f["n"] == pytest.approx(3.0, abs=1e-6)  # the true derivative 2 * 1.5


def test_gradcheck_failure_on_a_0d_input():
    """A 0-d input and output are reported with the empty index ()."""
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(square_wrong, t64(0.8))
    f = failure(excinfo)
    assert (f["out"], f["inp"], f["elem"], f["kind"]) == ("0", "0", "()", "output element (), input")
    assert f["a"] == pytest.approx(2.4, abs=1e-9) and f["n"] == pytest.approx(1.6, abs=1e-6)


def test_gradcheck_failure_off_diagonal_element():
    """A wrong cross term d out[r] / d x[j], r != j, is located by both indices."""
    def wrong_cumsum(x):  # out[1] = x[0] + x[1], but its rule gives d out[1] / d x[0] = 0
        op = ad.custom_op("cumsum2", lambda x: np.cumsum(x),
                          vjp=(lambda g, ans, x: g * 1.0,))  # the true VJP is the reversed cumsum of g
        return op(x)
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(wrong_cumsum, t64([0.5, 2.0]))
    f = failure(excinfo)
    assert f["kind"] == "output element (1,), input" and f["elem"] == "(0,)"
    assert f["a"] == 0.0 and f["n"] == pytest.approx(1.0, abs=1e-6)


def test_fast_mode_passes_and_fails():
    """fast_mode compares v^T J u: the message says so, names the input, and its values are in the wrong ratio."""
    x, y = t64([0.5, -1.0, 2.0]), t64([[0.3, -0.6, 1.2]])
    assert ad.gradcheck(lambda x, y: cube(x) * y, (x, y), fast_mode=True)
    for seed in (0, 1, 7):
        with pytest.raises(ad.GradcheckError) as excinfo:
            ad.gradcheck(lambda x, y: ad.tanh(x) + square_wrong(y), (x, y), fast_mode=True, seed=seed)
        f = failure(excinfo)
        assert f["inp"] == "1" and f["kind"] == "v^T J u"
        assert "random v" in f["out"] and "random u" in f["elem"]
        assert f["a"] == pytest.approx(1.5 * f["n"], rel=1e-6)  # v^T (3y) u against v^T (2y) u


def test_raise_exception_false_returns_false():
    """With raise_exception=False a mismatch returns False (full and fast mode, first and second order)."""
    x = t64([0.5, -1.0, 2.0])
    assert ad.gradcheck(square_wrong, x, raise_exception=False) is False
    assert ad.gradcheck(square_wrong, x, raise_exception=False, fast_mode=True) is False
    assert ad.gradgradcheck(cube_detached, x, raise_exception=False) is False
    assert ad.gradgradcheck(cube_detached, x, raise_exception=False, fast_mode=True) is False
    assert ad.gradcheck(cube, x, raise_exception=False) is True


def test_gradcheck_flags_nan_gradients():
    """An analytic NaN where the numerical derivative is finite is a mismatch, in full and fast mode."""
    nan_vjp = ad.custom_op("nan_vjp", lambda x: x * x, vjp=(lambda g, ans, x: g * np.nan,))
    x = t64([0.5, 1.0])
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(nan_vjp, x)
    assert f"{failure(excinfo)['a']}" == "nan"
    assert ad.gradcheck(nan_vjp, x, fast_mode=True, raise_exception=False) is False


def test_gradgradcheck_catches_a_detached_double_backward():
    """A first derivative that is right but not differentiable (detached x) passes gradcheck, fails gradgradcheck."""
    x = t64([0.5, -1.0, 2.0])
    assert ad.gradcheck(cube_detached, x)
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradgradcheck(cube_detached, x, grad_outputs=np.ones(3))
    f = failure(excinfo)
    # the checked function is (x, v) -> 3 v x^2; its derivative in x (input 0) is 6 v x = 3.0 at x[0] = 0.5
    assert (f["out"], f["inp"], f["elem"]) == ("0", "0", "(0,)")
    assert f["a"] == 0.0 and f["n"] == pytest.approx(3.0, abs=1e-5)


def test_jvpcheck_failure_names_output_input_element_and_values():
    """A wrong forward rule for input 1 only, above 1 only: the message names input 1, the element and both values."""
    op = ad.custom_op("mul_bad_jvp", lambda x, y: x * y,
                      vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x),
                      jvp=(lambda t, ans, x, y: t * y, lambda t, ans, x, y: 2 * t * x * (x > 1) + t * x * (x <= 1)))
    x, y = t64([0.5, 1.5, -1.0]), t64([2.0, -0.5, 0.25])
    assert ad.gradcheck(op, (x, y))
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.jvpcheck(op, (x, y))
    f = failure(excinfo)
    assert (f["out"], f["inp"], f["elem"]) == ("0", "1", "(1,)")
    assert "forward-mode (JVP)" in f["kind"]
    assert f["a"] == pytest.approx(2 * f["n"], rel=1e-6) and f["n"] != 0


def test_jvpcheck_flags_nan_tangents():
    """A forward rule that yields NaN must not pass (the reverse-mode checks already treat NaN as a mismatch)."""
    op = ad.custom_op("nan_jvp", lambda x: x * x, vjp=(lambda g, ans, x: 2 * g * x,),
                      jvp=(lambda t, ans, x: t * np.nan,))
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.jvpcheck(op, t64([0.5, 1.0]))
    assert f"{failure(excinfo)['a']}" == "nan"


# ---------------------------------------------------------------- argument checks

@pytest.mark.parametrize("check", [ad.gradcheck, ad.gradgradcheck, ad.jvpcheck], ids=lambda c: c.__name__)
def test_argument_checks(check):
    """Each checker refuses inputs it cannot check, naming itself and the problem; float32 constants are fine."""
    name = check.__name__
    x = t64([0.5, -1.0])
    with pytest.raises(ValueError, match=rf"^{name}: at least one input must be a Tensor with requires_grad=True"):
        check(ad.tanh, t64([0.5, -1.0], requires_grad=False))
    with pytest.raises(ValueError, match=rf"^{name}: at least one input must be a Tensor"):
        check(lambda a: ad.tanh(ad.tensor(a)), (np.array([0.5, 1.0]),))
    x32 = ad.tensor(np.array([0.5, 2.0], dtype=np.float32), requires_grad=True)
    with pytest.raises(ValueError, match=rf"^{name}: input 1 has dtype float32; central differences need float64"):
        check(ad.mul, (x, x32))
    with pytest.raises(TypeError, match=r"output 0 of fn is a float, not a Tensor"):
        check(lambda a: 1.0, x)
    # a float32 input that does not require grad is a constant: nothing to differentiate, so it is accepted
    assert check(ad.mul, (x, ad.tensor(np.array([2.0, 3.0], dtype=np.float32))))


# ---------------------------------------------------------------- custom_op

def test_custom_op_cube():
    """custom_op: forward values, VJP and JVP against 3 x^2, and all three checks pass (double backward too)."""
    xs = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.3]])
    x = t64(xs)
    y = cube(x)
    np.testing.assert_allclose(y.numpy(), xs ** 3)
    y.backward(np.ones_like(xs))
    np.testing.assert_allclose(x.grad.numpy(), 3 * xs ** 2)
    tangent = np.linspace(-1, 1, 6).reshape(2, 3)
    _, jv = functional.jvp(cube, (t64(xs),), (ad.tensor(tangent),))
    np.testing.assert_allclose(jv.numpy(), 3 * xs ** 2 * tangent)
    assert cube.__name__ == "cube" and cube.op.name == "cube"
    assert ad.gradcheck(cube, x) and ad.gradgradcheck(cube, x) and ad.jvpcheck(cube, x)


def test_custom_op_straight_through_estimator():
    """round_ste rounds forward and passes g through; gradcheck rightly reports it is not round's derivative (0)."""
    xs = np.array([0.2, 1.7, -2.3])
    x = t64(xs)
    y = round_ste(x)
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0, -2.0])
    (y * t64([1.0, 2.0, 3.0], requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(round_ste, x)
    f = failure(excinfo)
    assert f["elem"] == "(0,)" and f["a"] == 1.0 and f["n"] == 0.0


def test_custom_op_clip():
    """clip_unit: clipped forward, masked gradient, and every check passes away from the kinks at +-1."""
    xs = np.array([-2.0, -0.5, 0.3, 0.9, 1.4])
    x = t64(xs)
    y = clip_unit(x)
    np.testing.assert_array_equal(y.numpy(), [-1.0, -0.5, 0.3, 0.9, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])
    assert ad.gradcheck(clip_unit, x) and ad.gradgradcheck(clip_unit, x) and ad.jvpcheck(clip_unit, x)


@pytest.mark.parametrize("y_shape", [(3,), (2, 1), (), (1, 2, 3)])
def test_custom_op_two_inputs_with_broadcasting(y_shape):
    """scale_exp(x, y) = x e^y: the engine sums output-shaped gradients down to each input's shape."""
    xs = np.array([[0.5, -1.0, 2.0], [0.1, 0.7, -0.4]])
    ys = np.linspace(-0.5, 0.8, int(np.prod(y_shape))).reshape(y_shape)
    x, y = t64(xs), t64(ys)
    out = scale_exp(x, y)
    np.testing.assert_allclose(out.numpy(), xs * np.exp(ys))
    out.sum().backward()
    assert x.grad.shape == xs.shape and y.grad.shape == y_shape
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(np.exp(ys), out.shape).sum(
        axis=tuple(range(out.ndim - xs.ndim))))
    expected_y = (xs * np.exp(ys)).reshape(out.shape)
    lead = out.ndim - len(y_shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(y_shape) if n == 1 and out.shape[lead + i] != 1)
    np.testing.assert_allclose(y.grad.numpy(), expected_y.sum(axis=axes, keepdims=True).reshape(y_shape))
    assert ad.gradcheck(scale_exp, (x, y))
    assert ad.gradgradcheck(scale_exp, (x, y))
    assert ad.jvpcheck(scale_exp, (x, y))


def test_custom_op_without_jvp():
    """Without jvp= reverse mode works; forward mode raises a NotImplementedError that says how to add one."""
    x, y = t64([[0.5, -1.0, 2.0]]), t64([0.3, 0.1, -0.2])
    assert ad.gradcheck(scale_exp_no_jvp, (x, y)) and ad.gradgradcheck(scale_exp_no_jvp, (x, y))
    with pytest.raises(NotImplementedError, match=r"custom op 'scale_exp_no_jvp' has no JVP rule: pass jvp="):
        ad.jvpcheck(scale_exp_no_jvp, (x, y))
    assert check_gradients(scale_exp_no_jvp, x, y, forward_mode=False)


def test_custom_op_with_a_wrong_vjp_fails_gradcheck():
    """A wrong VJP is caught by gradcheck with the wrong and the true values (3x vs 2x at x = 0.5)."""
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(square_wrong, t64([0.5, -1.0, 2.0]))
    f = failure(excinfo)
    assert (f["out"], f["inp"], f["elem"]) == ("0", "0", "(0,)")
    assert f["a"] == pytest.approx(1.5, abs=1e-9) and f["n"] == pytest.approx(1.0, abs=1e-6)


def test_custom_op_definition_errors():
    """custom_op refuses a built-in op's name, a duplicate registration, and mismatched rule counts."""
    n_ops, tanh_op = len(ad.OPS), ad.OPS["tanh"]
    with pytest.raises(ValueError, match=r"custom_op: 'tanh' is the name of a built-in op; choose another"):
        ad.custom_op("tanh", np.tanh, vjp=(lambda g, ans, x: g * (1 - ans * ans),))
    with pytest.raises(ValueError, match=r"an op named 'tanh' is already registered"):
        ad.custom_op("tanh", np.tanh, vjp=(lambda g, ans, x: g * (1 - ans * ans),), register=True)
    assert len(ad.OPS) == n_ops and ad.OPS["tanh"] is tanh_op  # the registry is unchanged
    with pytest.raises(ValueError, match=r"custom_op 'two_jvps': 1 VJP rules but 2 JVP rules"):
        ad.custom_op("two_jvps", np.sin, vjp=(lambda g, ans, x: g * np.cos(x),),
                     jvp=(lambda t, ans, x: t * np.cos(x), lambda t, ans, x: t))


def test_custom_op_gradient_of_the_wrong_shape():
    """A VJP whose result cannot be summed down to the input's shape raises, naming the op, input and shapes."""
    bad = ad.custom_op("bad_shape", lambda x: 2 * x, vjp=(lambda g, ans, x: np.ones(2),))
    x = t64([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"bad_shape: gradient for input 0: cannot sum a gradient of shape \(2,\) "
                                           r"down to shape \(3,\)"):
        bad(x).sum().backward()
    assert x.grad is None


# ---------------------------------------------------------------- Function subclasses

def test_function_cube():
    """Function: forward/backward values, gradcheck and gradgradcheck pass; no jvp() means no forward mode."""
    xs = np.array([[0.5, -1.0], [2.0, 0.3]])
    x = t64(xs)
    y = Cube.apply(x)
    np.testing.assert_allclose(y.numpy(), xs ** 3)
    (y * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * xs ** 2)
    assert ad.gradcheck(Cube.apply, x) and ad.gradgradcheck(Cube.apply, x)
    with pytest.raises(NotImplementedError, match=r"Cube has no jvp\(ctx, \*tangents\)"):
        ad.jvpcheck(Cube.apply, x)


def test_function_with_jvp_and_broadcasting():
    """MulAdd(x, y) = x y + x with y broadcast: closed-form gradients and JVP; every check passes."""
    xs, ys = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]]), np.array([1.5, -0.5, 0.25])
    x, y = t64(xs), t64(ys)
    out = MulAdd.apply(x, y)
    np.testing.assert_allclose(out.numpy(), xs * ys + xs)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(ys + 1, xs.shape))
    np.testing.assert_allclose(y.grad.numpy(), xs.sum(axis=0))
    tx, ty = np.full(xs.shape, 0.5), np.array([1.0, -2.0, 3.0])
    _, jv = functional.jvp(MulAdd.apply, (t64(xs), t64(ys)), (ad.tensor(tx), ad.tensor(ty)))
    np.testing.assert_allclose(jv.numpy(), tx * (ys + 1) + ty * xs)
    assert ad.gradcheck(MulAdd.apply, (x, y)) and ad.gradgradcheck(MulAdd.apply, (x, y))
    assert ad.jvpcheck(MulAdd.apply, (x, y))


def test_function_none_gradient_for_a_constant_input():
    """backward may return None for an input without a gradient (here a Python float)."""
    x = t64([1.0, -2.0])
    ScaleBy.apply(x, 2.5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.5, 2.5])
    assert ad.gradcheck(ScaleBy.apply, (x, 2.5)) and ad.gradgradcheck(ScaleBy.apply, (x, 2.5))


def test_function_ctx_is_per_call():
    """Each apply gets its own ctx: two pending graphs backpropagate with their own saved inputs."""
    a, b = t64([1.0, 2.0]), t64([3.0, -1.0])
    ya, yb = Cube.apply(a), Cube.apply(b)
    yb.sum().backward()
    ya.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 12.0])
    np.testing.assert_allclose(b.grad.numpy(), [27.0, 3.0])


def test_function_with_a_wrong_backward_fails_gradcheck():
    """WrongCube's 2 g x^2 is reported against the true 3 x^2."""
    with pytest.raises(ad.GradcheckError) as excinfo:
        ad.gradcheck(WrongCube.apply, t64([2.0, 1.0]))
    f = failure(excinfo)
    assert (f["out"], f["inp"], f["elem"]) == ("0", "0", "(0,)")
    assert f["a"] == pytest.approx(8.0, abs=1e-9) and f["n"] == pytest.approx(12.0, abs=1e-5)


def test_function_backward_error_paths():
    """Too few gradients, or one of the wrong shape, raise errors that name the Function and what was expected."""
    class TooFew(ad.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    class WrongShape(ad.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return np.ones(5) * g

    x, y = t64([1.0, 2.0]), t64([3.0, 4.0])
    with pytest.raises(RuntimeError, match=r"TooFew\.backward returned 1 gradients, expected 2 \(one per input"):
        TooFew.apply(x, y).sum().backward()
    with pytest.raises(RuntimeError, match=r"WrongShape: gradient for input 0: cannot sum a gradient of shape \(5,\) "
                                           r"down to shape \(2,\)"):
        WrongShape.apply(x).backward()


def test_function_plain_backward_after_create_graph():
    """A create_graph pass shows backward the saved Tensors (so it records); a later plain pass sees arrays again."""
    seen = []

    class RecordingCube(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append(type(x))
            return 3 * g * x * x

    x = t64([0.5, 2.0])
    y = RecordingCube.apply(x).sum()
    (g,) = ad.grad(y, [x], create_graph=True)
    assert g.requires_grad
    (gg,) = ad.grad(g.sum(), [x], retain_graph=True)
    np.testing.assert_allclose(gg.numpy(), [3.0, 12.0])  # 6 x
    y.backward()
    assert seen == [ad.Tensor, np.ndarray]
    assert type(x.grad.numpy()) is np.ndarray and not x.grad.requires_grad
    np.testing.assert_allclose(x.grad.numpy(), [0.75, 12.0])


# ---------------------------------------------------------------- ad.testing strategies

@given(st.data())
def test_shapes_respect_their_bounds(data):
    """shapes() draws tuples of ints within [min_dims, max_dims] axes and [min_side, max_side] sides."""
    min_dims = data.draw(st.integers(0, 3))
    max_dims = data.draw(st.integers(min_dims, 4))
    min_side = data.draw(st.integers(1, 3))
    max_side = data.draw(st.integers(min_side, 5))
    s = data.draw(shapes(min_dims, max_dims, min_side, max_side))
    assert isinstance(s, tuple) and all(isinstance(n, int) for n in s)
    assert min_dims <= len(s) <= max_dims
    assert all(min_side <= n <= max_side for n in s)


def test_shapes_default_includes_0d_and_size_1_axes():
    """The documented default covers the edge cases: a 0-d shape and shapes with a size-1 axis among longer ones."""
    assert find(shapes(), lambda s: s == ()) == ()
    s = find(shapes(), lambda s: 1 in s and any(n > 1 for n in s))
    assert 1 in s and len(s) <= 3 and max(s) <= 4


@given(st.data())
def test_broadcastable_shapes_broadcast(data):
    """broadcastable_shapes(shape) broadcasts with `shape` under NumPy's rules, within its dims and side bounds."""
    base = data.draw(shapes(max_dims=4, max_side=5))
    min_dims = data.draw(st.integers(0, 2))
    max_dims = data.draw(st.integers(max(min_dims, 1), 5))
    s = data.draw(broadcastable_shapes(base, min_dims=min_dims, max_dims=max_dims, max_side=3))
    np.broadcast_shapes(base, s)  # raises if they do not broadcast
    assert min_dims <= len(s) <= max_dims
    for n, m in zip(reversed(s), reversed(base)):
        assert n in (1, m) or (m == 1 and 1 <= n <= 3)


@given(shape_pairs(max_dims=3, max_side=4))
def test_shape_pairs_broadcast(pair):
    """shape_pairs() gives two shapes that broadcast together, each within the bounds."""
    a, b = pair
    out = np.broadcast_shapes(a, b)
    assert len(a) <= 3 and len(b) <= 3 and len(out) == max(len(a), len(b))
    assert all(1 <= n <= 4 for n in a + b)


def test_shape_pairs_cover_both_orders_and_differing_ranks():
    """Both orders occur, so an op is tested with the smaller operand on either side."""
    a, b = find(shape_pairs(), lambda p: len(p[0]) < len(p[1]))  # find raises NoSuchExample if there is none
    assert len(a) < len(b)
    a, b = find(shape_pairs(), lambda p: len(p[0]) > len(p[1]))
    assert len(a) > len(b)


@given(st.data())
def test_arrays_have_dtype_shape_and_bounds(data):
    """arrays() draws finite arrays of the asked dtype and shape, inside [min_value, max_value], unique if asked."""
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    shape = data.draw(shapes())
    lo = data.draw(st.floats(-10, 0))
    hi = lo + data.draw(st.floats(0.5, 10))
    unique = data.draw(st.booleans())
    a = data.draw(arrays(shape, dtype=dtype, min_value=lo, max_value=hi, unique=unique))
    assert isinstance(a, np.ndarray) and a.dtype == dtype and a.shape == shape
    assert np.all(np.isfinite(a)) and np.all(a >= dtype(lo)) and np.all(a <= dtype(hi))
    if unique:
        assert np.unique(a).size == a.size


@given(tensors(min_value=-0.5, max_value=2.0))
def test_tensors_defaults(t):
    """tensors() are float64 Tensors that require grad, with values inside the bounds and a drawn shape."""
    assert isinstance(t, ad.Tensor) and t.dtype == np.float64 and t.requires_grad
    assert t.grad_fn is None and t.ndim <= 3
    assert np.all((t.numpy() >= -0.5) & (t.numpy() <= 2.0))


@given(tensors(shape=(2, 3), requires_grad=False, noncontiguous=False),
       tensors(shape=shapes(min_dims=2, max_dims=2), dtype=np.float32))
def test_tensors_fixed_shape_strategy_shape_and_options(a, b):
    """shape may be a tuple or a strategy; requires_grad=False and dtype are honoured; noncontiguous=False: C order."""
    assert a.shape == (2, 3) and not a.requires_grad and a.numpy().flags.c_contiguous
    assert b.ndim == 2 and b.dtype == np.float32 and b.requires_grad


@given(tensors(noncontiguous=True))
def test_tensors_noncontiguous(t):
    """noncontiguous=True backs every tensor with more than one element by memory that is not C-contiguous."""
    data = t.numpy()
    if data.size > 1:
        assert not data.flags.c_contiguous, f"shape {data.shape} strides {data.strides}"
    np.testing.assert_array_equal(ad.tensor(np.ascontiguousarray(data)).numpy(), data)


def test_tensors_default_mixes_contiguous_and_not():
    """With noncontiguous left to hypothesis, both layouts are drawn."""
    assert not find(tensors(shape=(2, 3)), lambda t: not t.numpy().flags.c_contiguous).numpy().flags.c_contiguous
    assert find(tensors(shape=(2, 3)), lambda t: t.numpy().flags.c_contiguous).numpy().flags.c_contiguous


# ---------------------------------------------------------------- check_gradients

def test_check_gradients_passes_and_fails():
    """check_gradients runs all three checks: each wrong part is caught, and each can be switched off."""
    x, y = t64([[0.5, -1.0, 2.0]]), t64([0.3, 0.1, -0.2])
    assert check_gradients(lambda a, b: ad.tanh(a * b) + b, x, y) is True
    with pytest.raises(ad.GradcheckError, match=r"with respect to input 0"):
        check_gradients(square_wrong, x)
    with pytest.raises(ad.GradcheckError):  # second order only
        check_gradients(cube_detached, x)
    assert check_gradients(cube_detached, x, second_order=False)
    with pytest.raises(NotImplementedError):  # no JVP rule
        check_gradients(scale_exp_no_jvp, x, y)
    assert check_gradients(scale_exp_no_jvp, x, y, forward_mode=False)


def test_hypothesis_finds_a_wrong_custom_op():
    """Used as the README shows, a property over drawn tensors fails for a wrong op with GradcheckError."""
    @settings(max_examples=10, database=None)
    @given(tensors(shape=shapes()))
    def prop(x):
        check_gradients(square_wrong, x)

    with pytest.raises(ad.GradcheckError, match=r"analytic: .*\n  numerical: "):
        prop()


# written exactly as a user would test their own ops (README, "Check your own ops")

@settings(max_examples=10)
@given(tensors(shape=shapes()))
def test_user_cube(x):
    """A user's custom op checked over drawn shapes: 0-d, size-1 axes, non-contiguous."""
    assert check_gradients(cube, x)


@settings(max_examples=10)
@given(st.data())
def test_user_two_input_op_over_broadcast_shapes(data):
    """A user's two-input op checked over pairs of broadcastable shapes, with each Function and custom_op."""
    sa, sb = data.draw(shape_pairs())
    x = data.draw(tensors(shape=sa))
    y = data.draw(tensors(shape=sb, min_value=-1.0, max_value=1.0))
    assert check_gradients(scale_exp, x, y)
    assert check_gradients(MulAdd.apply, x, y)
