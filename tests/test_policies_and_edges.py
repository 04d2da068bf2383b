"""Anomaly detection, the dtype policy (README, "Dtypes") and hand-written gradient edge cases.

Each section pins down behaviour the project's issue promises: a NaN/Inf made in backward names its op and the
user line of its forward; dtypes follow the README table; ties, kinks and odd indexes follow PyTorch's rules.
"""
from __future__ import annotations

import inspect
import math
import os

import numpy as np
import pytest

import autodiff as ad
from autodiff import functional
from autodiff._state import config

THIS_FILE = os.path.basename(__file__)


@pytest.fixture(autouse=True)
def _restore_global_switches():
    """Anomaly mode and the default dtype are process-wide: leave them as each test found them."""
    anomaly, dtype = config.anomaly, ad.get_default_dtype()
    try:
        yield
    finally:
        ad.set_detect_anomaly(anomaly)
        ad.set_default_dtype(dtype)


def f64(values, requires_grad: bool = True) -> ad.Tensor:
    return ad.Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def f32(values, requires_grad: bool = True) -> ad.Tensor:
    return ad.Tensor(np.array(values, dtype=np.float32), requires_grad=requires_grad)


def next_line() -> int:
    """The line number just after the caller's line: put the call right above the forward to locate."""
    return inspect.currentframe().f_back.f_lineno + 1


def quiet():
    """NumPy's divide/invalid warnings are the point of the anomaly tests, not noise to print."""
    return np.errstate(divide="ignore", invalid="ignore")


# ====================================================================== 1. detect_anomaly


def test_anomaly_off_by_default():
    """Anomaly mode costs a stack walk per op, so it must start disabled."""
    assert ad.is_anomaly_enabled() is False


def test_anomaly_nan_in_backward_names_op_and_forward_line():
    """0 * d sqrt(x)/dx at x = 0 is 0 * inf = nan: the error names sqrt, says nan, and points at the forward line."""
    x = f64([0.0, 1.0])
    with ad.detect_anomaly(), quiet():
        line = next_line()
        y = ad.sqrt(x)  # the forward the message must point at
        loss = (y * 0.0).sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg and "(sqrt)" in msg
    assert "nan" in msg and "inf" not in msg
    assert f'{THIS_FILE}", line {line}' in msg
    assert "y = ad.sqrt(x)  # the forward the message must point at" in msg
    assert ad.is_anomaly_enabled() is False


def test_anomaly_inf_in_backward_is_called_inf():
    """d sqrt(x)/dx at 0 is +inf (no nan): the message says inf."""
    x = f64([0.0, 4.0])
    with ad.detect_anomaly(), quiet():
        line = next_line()
        y = ad.sqrt(x)
        with pytest.raises(RuntimeError, match=r"SqrtBackward.*returned inf values") as info:
            y.sum().backward()
    assert f'{THIS_FILE}", line {line}' in str(info.value)


def test_anomaly_custom_op_returning_nan_is_named():
    """A user op whose VJP returns nan is reported under its own name, at the line where it was called."""
    nan_rule = ad.custom_op("nan_rule_op", lambda a: a * 2, vjp=(lambda g, ans, a: g * np.nan,))
    x = f64([1.0, 2.0])
    with ad.detect_anomaly():
        line = next_line()
        y = nan_rule(x)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "nan_rule_op" in msg and "nan values" in msg
    assert f'{THIS_FILE}", line {line}' in msg


def _sqrt_in_helper(x):
    """A forward one frame below the test: the innermost user line is this one."""
    return ad.sqrt(x)  # helper forward


def test_anomaly_points_at_innermost_user_frame():
    """When the forward ran inside a user helper, the helper's line is named (the innermost user frame)."""
    helper_line = inspect.getsourcelines(_sqrt_in_helper)[1] + 2
    x = f64([0.0])
    with ad.detect_anomaly(), quiet(), pytest.raises(RuntimeError) as info:
        (_sqrt_in_helper(x) * 0.0).sum().backward()
    msg = str(info.value)
    assert f'{THIS_FILE}", line {helper_line}, in _sqrt_in_helper' in msg
    assert "return ad.sqrt(x)  # helper forward" in msg


def test_anomaly_with_create_graph_and_grad():
    """The check also runs when the rules run on Tensors (create_graph) and under ad.grad."""
    x = f64([0.0, 1.0])
    with ad.detect_anomaly(), quiet():
        y = (ad.sqrt(x) * 0.0).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward.*nan"):
            y.backward(create_graph=True)
        y = (ad.sqrt(x) * 0.0).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward.*nan"):
            ad.grad(y, [x])


def test_without_anomaly_the_same_backward_gives_nan_silently():
    """Outside detect_anomaly the nan is not checked: backward finishes and .grad holds it."""
    x = f64([0.0, 1.0])
    with quiet():
        (ad.sqrt(x) * 0.0).sum().backward()
    assert np.isnan(x.grad.data[0])
    assert x.grad.data[1] == 0.0


def test_anomaly_finite_backward_is_untouched():
    """A NaN made in forward whose gradient is finite is not an anomaly (only backward values are checked)."""
    x = f64([-1.0, 2.0])
    with ad.detect_anomaly(), quiet():
        y = ad.log(x)
        assert np.isnan(y.data[0])
        y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-1.0, 0.5])


def test_anomaly_forward_outside_backward_inside():
    """Backward under anomaly mode still raises when the forward ran without it, saying no trace was recorded."""
    x = f64([0.0])
    with quiet():
        y = (ad.sqrt(x) * 0.0).sum()
    with ad.detect_anomaly(), quiet(), pytest.raises(RuntimeError) as info:
        y.backward()
    assert "SqrtBackward" in str(info.value)
    assert "forward trace not recorded" in str(info.value)


def test_detect_anomaly_check_nan_false_does_not_raise():
    """detect_anomaly(check_nan=False) does not check values, as in PyTorch."""
    x = f64([0.0])
    with ad.detect_anomaly(check_nan=False), quiet():
        (ad.sqrt(x) * 0.0).sum().backward()
    assert np.isnan(x.grad.data[0])


def test_set_detect_anomaly_and_is_anomaly_enabled():
    """The function form switches the same global mode as the context manager."""
    ad.set_detect_anomaly(True)
    assert ad.is_anomaly_enabled() is True
    x = f64([0.0])
    with quiet():
        y = (ad.sqrt(x) * 0.0).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward"):
            y.backward()
    ad.set_detect_anomaly(False)
    assert ad.is_anomaly_enabled() is False


def test_detect_anomaly_restores_previous_state():
    """Leaving the block restores the mode it found (on or off), also when an exception propagates out of it."""
    assert not ad.is_anomaly_enabled()
    with ad.detect_anomaly():
        assert ad.is_anomaly_enabled()
        with ad.detect_anomaly(check_nan=False):
            assert not ad.is_anomaly_enabled()
        assert ad.is_anomaly_enabled()
    assert not ad.is_anomaly_enabled()

    with pytest.raises(ValueError, match="boom"), ad.detect_anomaly():
        raise ValueError("boom")
    assert not ad.is_anomaly_enabled()

    x = f64([0.0])
    with pytest.raises(RuntimeError, match="SqrtBackward"), quiet(), ad.detect_anomaly():
        (ad.sqrt(x) * 0.0).sum().backward()
    assert not ad.is_anomaly_enabled()

    ad.set_detect_anomaly(True)
    with ad.detect_anomaly(check_nan=False):
        assert not ad.is_anomaly_enabled()
    assert ad.is_anomaly_enabled()


def test_detect_anomaly_instance_is_reentrant():
    """One instance used in nested blocks restores each level's previous state."""
    cm = ad.detect_anomaly()
    with cm:
        ad.set_detect_anomaly(False)
        with cm:
            assert ad.is_anomaly_enabled()
        assert not ad.is_anomaly_enabled()
    assert not ad.is_anomaly_enabled()


def test_detect_anomaly_as_decorator():
    """@detect_anomaly() enables the mode for each call only, keeps the function's name, and restores on raise."""
    seen = []

    @ad.detect_anomaly()
    def step(x, fail=False):
        """Docstring kept by functools.wraps."""
        seen.append(ad.is_anomaly_enabled())
        if fail:
            raise KeyError("inside")
        (ad.sqrt(x) * 0.0).sum().backward()

    assert step.__name__ == "step" and "functools.wraps" in step.__doc__
    assert not ad.is_anomaly_enabled()
    with pytest.raises(KeyError):
        step(f64([1.0]), fail=True)
    assert not ad.is_anomaly_enabled()
    with quiet(), pytest.raises(RuntimeError, match="SqrtBackward.*nan"):
        step(f64([0.0]))
    assert not ad.is_anomaly_enabled()
    x = f64([4.0])
    step(x)
    assert x.grad.data.tolist() == [0.0]
    assert seen == [True, True, True]


# ====================================================================== 2. the dtype policy


@pytest.mark.parametrize("data, expected", [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    ([1, 2.5], np.float32),
    ([[1.0], [2.0]], np.float32),
    ([1, 2], np.int64),
    (3, np.int64),
    (True, np.bool_),
    ([True, False], np.bool_),
])
def test_python_data_dtype(data, expected):
    """Python floats become the default dtype (float32), Python ints int64, bools bool (README table)."""
    assert ad.Tensor(data).dtype == expected
    assert ad.tensor(data).dtype == expected


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.bool_])
def test_ndarray_keeps_its_dtype_and_is_copied(dtype):
    """Any ndarray keeps its dtype, whatever the default; Tensor copies it, from_numpy shares it."""
    arr = np.array([1, 0, 1], dtype=dtype)
    t = ad.Tensor(arr)
    assert t.dtype == dtype
    arr[0] = 0
    assert t.data[0] == 1
    shared = ad.from_numpy(arr)
    assert shared.dtype == dtype
    arr[1] = 1
    assert shared.data[1] == 1


def test_numpy_float64_scalar_keeps_float64():
    """A NumPy scalar is NumPy data, not a Python float: it keeps float64."""
    assert ad.Tensor(np.float64(1.5)).dtype == np.float64
    assert ad.Tensor(np.float32(1.5)).dtype == np.float32


def test_explicit_dtype_wins():
    """dtype= overrides the policy."""
    assert ad.Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert ad.Tensor(1.5, dtype=np.float64).dtype == np.float64
    assert ad.Tensor(np.ones(2, np.float64), dtype=np.float32).dtype == np.float32


def test_default_dtype_get_set():
    """float32 by default; set_default_dtype changes what Python floats become, nothing else."""
    assert ad.get_default_dtype() == np.float32
    ad.set_default_dtype(np.float64)
    assert ad.get_default_dtype() == np.float64
    assert ad.Tensor(1.5).dtype == np.float64
    assert ad.Tensor([1.0, 2.0]).dtype == np.float64
    assert ad.Tensor([1, 2]).dtype == np.int64
    assert ad.Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert (ad.Tensor(np.ones(2, np.float32)) * 2.5).dtype == np.float32
    ad.set_default_dtype("float32")
    assert ad.get_default_dtype() == np.float32
    assert ad.Tensor(1.5).dtype == np.float32


@pytest.mark.parametrize("bad", [np.int32, np.int64, np.bool_, "int8"])
def test_set_default_dtype_rejects_non_float(bad):
    """Only floating dtypes can be the default; a rejected call leaves the default alone."""
    with pytest.raises(TypeError, match="floating"):
        ad.set_default_dtype(bad)
    assert ad.get_default_dtype() == np.float32


_F32 = np.array([1.0, 2.0], np.float32)
_F64 = np.array([3.0, 4.0], np.float64)
_I64 = np.array([1, 2], np.int64)
_I32 = np.array([5, 6], np.int32)
_B = np.array([True, False])
_F64_0D = np.array(2.0, np.float64)

_MIXED = [
    ("f32 * f64 tensor", _F32, _F64, "mul"),
    ("f32 * python float", _F32, 2.0, "mul"),
    ("python float * f32", 2.0, _F32, "mul"),
    ("f32 + python int", _F32, 3, "add"),
    ("f32 / python float", _F32, 3.0, "truediv"),
    ("f32 * numpy float64 scalar", _F32, np.float64(2.0), "mul"),
    ("f32 * 0-d f64 tensor", _F32, _F64_0D, "mul"),
    ("i64 + f32 tensor", _I64, _F32, "add"),
    ("i64 + f64 tensor", _I64, _F64, "add"),
    ("i64 * python float", _I64, 1.5, "mul"),
    ("i64 / i64", _I64, _I64, "truediv"),
    ("i32 + i64", _I32, _I64, "add"),
    ("i32 + python int", _I32, 7, "add"),
    ("bool + i64", _B, _I64, "add"),
    ("bool * f32", _B, _F32, "mul"),
    ("f32 ** python float", _F32, 2.0, "pow"),
    ("f32 - f64 tensor", _F32, _F64, "sub"),
]


@pytest.mark.parametrize("a, b, op", [c[1:] for c in _MIXED], ids=[c[0] for c in _MIXED])
def test_mixed_dtypes_follow_numpy_promotion(a, b, op):
    """Result dtype (and values) of tensor ops equal NumPy's for the same operands: Python scalars are weak."""
    fn = {"add": lambda u, v: u + v, "sub": lambda u, v: u - v, "mul": lambda u, v: u * v,
          "truediv": lambda u, v: u / v, "pow": lambda u, v: u ** v}[op]
    expected = fn(a, b)
    ta = ad.Tensor(a) if isinstance(a, np.ndarray) else a
    tb = ad.Tensor(b) if isinstance(b, np.ndarray) else b
    got = fn(ta, tb)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got.data, expected)


def test_readme_promotion_rows():
    """The two README rows spelled out: float32 * 2.0 is float32, float32 * float64 tensor is float64."""
    a = f32([1.0, 2.0], requires_grad=False)
    assert (a * 2.0).dtype == np.float32
    assert (2.0 * a).dtype == np.float32
    assert (a * f64([1.0, 2.0], requires_grad=False)).dtype == np.float64
    assert (ad.Tensor([1, 2]) + a).dtype == np.float64  # NumPy: int64 with float32 is float64 (PyTorch says float32)


def test_gradient_has_its_tensors_dtype():
    """A float32 leaf gets a float32 .grad whatever float64 values it met downstream (README: always its dtype)."""
    w64 = f64([0.5, 4.0], requires_grad=False)

    x = f32([1.0, 2.0])
    y = x * w64
    assert y.dtype == np.float64
    (y * np.float64(3.0)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [1.5, 12.0])

    x.sum().backward()  # accumulation keeps the dtype
    assert x.grad.dtype == np.float32

    x = f32([1.0, 2.0])
    (x * 3.0).backward(np.ones(2, np.float64))  # a float64 seed
    assert x.grad.dtype == np.float32

    x = f32([1.0, 2.0])
    x.backward(np.ones(2, np.float64))  # seeding the leaf itself
    assert x.grad.dtype == np.float32

    x = f32([1.0, 2.0])
    (g,) = ad.grad((x.double() * w64).sum(), [x])
    assert g.dtype == np.float32

    x = f32([1.0, 2.0])
    (x * w64).sum().backward(create_graph=True)
    assert x.grad.dtype == np.float32

    x = f32(1.5)  # 0-d
    (x * ad.Tensor(np.float64(2.0))).backward()
    assert x.grad.dtype == np.float32

    x64 = f64([1.0, 2.0])  # the other way: a float64 leaf that met float32 values
    (x64.float() * f32([2.0, 2.0], requires_grad=False)).sum().backward()
    assert x64.grad.dtype == np.float64


def test_intermediate_gradient_has_its_tensors_dtype():
    """retain_grad on a float32 intermediate gives float32, even with float64 downstream."""
    x = f32([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    (y * f64([1.0, 1.0], requires_grad=False)).sum().backward()
    assert y.grad.dtype == np.float32 and x.grad.dtype == np.float32


def test_leaf_hook_result_is_cast_to_leaf_dtype():
    """A hook on a float32 leaf that returns float64 still leaves a float32 .grad (the README's promise)."""
    x = f32([1.0, 2.0])
    x.register_hook(lambda g: g.data.astype(np.float64) * 2.0)
    (x * 3.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [6.0, 6.0])

    x = f32([1.0, 2.0])
    x.register_hook(lambda g: g * f64([1.0, 1.0], requires_grad=False))
    (g,) = ad.grad((x * 3.0).sum(), [x])
    assert g.dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda: ad.Tensor([1, 2], requires_grad=True),
    lambda: ad.tensor([1, 2], requires_grad=True),
    lambda: ad.Tensor(np.array([1, 2], np.int32), requires_grad=True),
    lambda: ad.Tensor([True, False], requires_grad=True),
    lambda: ad.Tensor([1, 2]).requires_grad_(),
    lambda: ad.Tensor(3).requires_grad_(True),
], ids=["Tensor-int", "tensor-int", "int32-array", "bool", "requires_grad_", "0-d-int"])
def test_requires_grad_on_non_float_raises(make):
    """Only floating tensors can require grad (README: int64 'cannot require grad')."""
    with pytest.raises(RuntimeError, match="floating point"):
        make()


def test_requires_grad_on_float_kinds_is_fine():
    """float16/32/64 and integer data cast with dtype= can require grad."""
    for dt in (np.float16, np.float32, np.float64):
        assert ad.Tensor(np.ones(2, dt), requires_grad=True).requires_grad
    assert ad.Tensor([1, 2], dtype=np.float64, requires_grad=True).requires_grad


# ====================================================================== 3. gradient edge cases (float64)

_TIES = np.array([[1.0, 3.0, 3.0],
                  [2.0, 2.0, 2.0]])


def _even_split(x, reduce, axis, keepdims):
    """What 'ties share the gradient evenly' means, in NumPy: mask / count, times the upstream gradient."""
    r = reduce(x, axis=axis, keepdims=True)
    hit = (x == r).astype(x.dtype)
    return hit / hit.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, False), (-1, True), ((0, 1), False),
                                            (1, True)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_reduction_ties_split_evenly(name, axis, keepdims):
    """max/min over axes give each tied element an equal share of the gradient (as torch.amax/amin)."""
    x = f64(_TIES)
    out = getattr(ad, name)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(out.data, getattr(np, name)(_TIES, axis=axis, keepdims=keepdims))
    w = np.arange(1.0, out.size + 1).reshape(out.shape)  # distinct upstream gradients
    (out * ad.Tensor(w)).sum().backward()
    share = _even_split(_TIES, getattr(np, name), axis, keepdims)
    w_full = w if keepdims or axis is None else np.expand_dims(w, axis)
    np.testing.assert_allclose(x.grad.data, share * w_full)


def test_max_ties_concrete_values():
    """Spelled out: row [2, 2, 2] gives 1/3 each; [1, 3, 3] gives 0, 1/2, 1/2; a unique max gets everything."""
    x = f64(_TIES)
    ad.max(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = f64(_TIES)
    y.max().backward()
    np.testing.assert_allclose(y.grad.data, [[0, 0.5, 0.5], [0, 0, 0]])
    z = f64(_TIES)
    z.min().backward()
    np.testing.assert_allclose(z.grad.data, [[1, 0, 0], [0, 0, 0]])


def test_max_ties_forward_mode_averages_tangents():
    """The JVP of max at a tie is the mean of the tied tangents (the transpose of the even split)."""
    x = f64([1.0, 3.0, 3.0], requires_grad=False)
    out, tangent = functional.jvp(lambda t: ad.max(t), (x,), (f64([10.0, 2.0, 4.0], requires_grad=False),))
    assert out.data == 3.0
    assert tangent.data == pytest.approx(3.0)


def test_maximum_minimum_ties_split_half():
    """maximum/minimum: the winner takes all, a tie gives half to each side (also against a broadcast scalar)."""
    a, b = f64([1.0, 2.0, 3.0]), f64([1.0, 1.0, 4.0])
    ad.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(b.grad.data, [0.5, 0.0, 1.0])

    a, b = f64([1.0, 2.0, 3.0]), f64([1.0, 1.0, 4.0])
    ad.minimum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.5, 0.0, 1.0])
    np.testing.assert_allclose(b.grad.data, [0.5, 1.0, 0.0])

    x = f64([-1.0, 0.0, 2.0])
    ad.maximum(x, 0.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.5, 1.0])

    x = f64([[-1.0, 0.0, 2.0]])
    s = f64(0.0)
    ad.minimum(s, x).sum().backward()  # the 0-d side sums its shares over the broadcast
    np.testing.assert_allclose(x.grad.data, [[1.0, 0.5, 0.0]])
    assert s.grad.data == pytest.approx(0.0 + 0.5 + 1.0)


def test_abs_and_relu_have_zero_gradient_at_zero():
    """At the kink, abs and relu both use gradient 0 (as PyTorch: sign(0) = 0, relu'(0) = 0)."""
    x = f64([-2.0, 0.0, 3.0])
    ad.abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])
    x = f64([-2.0, 0.0, 3.0])
    abs(x).sum().backward()  # the operator form
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])
    x = f64([-2.0, 0.0, 3.0])
    ad.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])
    x = f64([-2.0, 0.0, 3.0])
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # (torch.func's import-time torch.jit notices)
def test_ties_and_kinks_match_torch():
    """Cross-check the tie and kink conventions with PyTorch itself."""
    torch = pytest.importorskip("torch")

    def both(fn_ad, fn_torch, *arrays):
        ins = [f64(a) for a in arrays]
        tins = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        out, tout = fn_ad(*ins), fn_torch(*tins)
        w = np.arange(1.0, out.size + 1).reshape(out.shape)
        (out * ad.Tensor(w)).sum().backward()
        (tout * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(out.data, tout.detach().numpy())
        for t, tt in zip(ins, tins):
            np.testing.assert_allclose(t.grad.data, tt.grad.numpy())

    both(lambda x: x.max(), lambda x: x.max(), _TIES)
    both(lambda x: x.min(), lambda x: x.min(), _TIES)
    for dim in (0, 1, -1):
        both(lambda x, d=dim: ad.max(x, axis=d), lambda x, d=dim: torch.amax(x, dim=d), _TIES)
        both(lambda x, d=dim: ad.min(x, axis=d, keepdims=True), lambda x, d=dim: torch.amin(x, dim=d, keepdim=True),
             _TIES)
    both(lambda x: ad.max(x, axis=(0, 1)), lambda x: torch.amax(x, dim=(0, 1)), _TIES)
    both(ad.maximum, torch.maximum, [1.0, 2.0, 3.0, 0.0], [1.0, 1.0, 4.0, 0.0])
    both(ad.minimum, torch.minimum, [1.0, 2.0, 3.0, 0.0], [1.0, 1.0, 4.0, 0.0])
    both(ad.abs, torch.abs, [-2.0, 0.0, 3.0])
    both(ad.relu, torch.relu, [-2.0, 0.0, 3.0])
    both(lambda x: x[[0, 0, 1]], lambda x: x[[0, 0, 1]], [1.0, 2.0, 3.0])
    both(lambda x: x[np.array([True, False, True])], lambda x: x[torch.tensor([True, False, True])], [1.0, 2.0, 3.0])

    x = np.array([1.0, 3.0, 3.0])
    t = np.array([10.0, 2.0, 4.0])
    _, tan = functional.jvp(lambda a: ad.max(a), (f64(x, False),), (f64(t, False),))
    _, ttan = torch.func.jvp(lambda a: torch.amax(a, dim=0), (torch.tensor(x),), (torch.tensor(t),))
    assert tan.data == pytest.approx(ttan.item())


@pytest.mark.parametrize("index", [slice(2, 2), np.array([], dtype=int), [], (slice(None), slice(0, 0))],
                         ids=["slice-2-2", "empty-int-array", "empty-list", "empty-column-slice"])
def test_empty_index_gives_empty_result_and_zero_gradient(index):
    """An index that selects nothing gives an empty tensor; its backward gives zeros of x's shape."""
    x = f64(np.arange(6.0).reshape(3, 2) if isinstance(index, tuple) else np.arange(5.0))
    y = x[index]
    expected = x.data[index]
    assert y.shape == expected.shape and y.size == 0
    y.sum().backward()
    assert x.grad.shape == x.shape and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, np.zeros(x.shape))


def test_repeated_integer_indices_scatter_add():
    """x[[0, 0, 1]] uses x[0] twice, so its gradient counts twice (scatter-add, not overwrite)."""
    x = f64([1.0, 2.0, 3.0])
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 1.0, 0.0])

    x = f64([1.0, 2.0, 3.0])
    (x[np.array([2, 0, 2, 2])] * f64([1.0, 10.0, 100.0, 1000.0], False)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [10.0, 0.0, 1101.0])

    x = f64(np.arange(6.0).reshape(2, 3))
    x[[0, 0, 1], [1, 1, 2]].sum().backward()  # repeated (row, column) pairs
    np.testing.assert_array_equal(x.grad.data, [[0, 2, 0], [0, 0, 1]])

    x = f64([1.0, 2.0, 3.0])
    x[ad.Tensor([1, 1])].sum().backward()  # an int Tensor as the index
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 0.0])


def test_repeated_indices_second_order():
    """Under create_graph the scatter-add is differentiable too: d/dx sum(grad of sum(x[idx]**2)) = counts * 2."""
    x = f64([1.0, 2.0, 3.0])
    (g,) = ad.grad((x[[0, 0, 1]] ** 2).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, [4.0, 4.0, 0.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 2.0, 0.0])


def test_boolean_mask_indexing():
    """A boolean mask (array or bool Tensor) selects in row-major order; unselected elements get 0 gradient."""
    data = np.arange(6.0).reshape(2, 3)
    x = f64(data)
    mask = x > 2.0
    assert mask.dtype == np.bool_
    y = x[mask]
    np.testing.assert_array_equal(y.data, [3.0, 4.0, 5.0])
    (y * f64([1.0, 2.0, 3.0], False)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0], [1, 2, 3]])

    x = f64(data)
    x[np.array([False, True])].sum().backward()  # a mask over the first axis picks rows
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0], [1, 1, 1]])

    x = f64(data)
    y = x[np.zeros((2, 3), dtype=bool)]  # selects nothing
    assert y.shape == (0,)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


@pytest.mark.parametrize("index, expected_grad", [
    (slice(None, None, -1), [5.0, 4.0, 3.0, 2.0, 1.0]),
    (slice(None, None, -2), [3.0, 0.0, 2.0, 0.0, 1.0]),
    (slice(3, 0, -1), [0.0, 3.0, 2.0, 1.0, 0.0]),
    (slice(-1, -6, -3), [0.0, 2.0, 0.0, 0.0, 1.0]),
])
def test_negative_step_slices(index, expected_grad):
    """Reversed and strided slices: values as NumPy's, and each weight lands back on the element it read."""
    data = np.arange(5.0)
    x = f64(data)
    y = x[index]
    np.testing.assert_array_equal(y.data, data[index])
    (y * ad.Tensor(np.arange(1.0, y.size + 1))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, expected_grad)


def test_negative_step_2d():
    """x[::-1, ::-2] on a matrix: the gradient is the upstream weights placed back, zeros elsewhere."""
    data = np.arange(12.0).reshape(3, 4)
    x = f64(data)
    y = x[::-1, ::-2]
    np.testing.assert_array_equal(y.data, data[::-1, ::-2])
    w = np.arange(1.0, y.size + 1).reshape(y.shape)
    (y * ad.Tensor(w)).sum().backward()
    expected = np.zeros_like(data)
    expected[::-1, ::-2] = w
    np.testing.assert_array_equal(x.grad.data, expected)


@pytest.mark.parametrize("shape, axis", [((0, 3), 0), ((2, 0), 1), ((2, 0), None), ((2, 0, 3), (1, 2)), ((0,), 0)])
def test_sum_over_empty_axis(shape, axis):
    """Summing over a zero-length axis gives zeros (NumPy's empty sum); the gradient has x's (empty) shape."""
    x = f64(np.zeros(shape))
    s = ad.sum(x, axis=axis)
    expected = np.sum(np.zeros(shape), axis=axis)
    assert s.shape == np.shape(expected)
    np.testing.assert_array_equal(s.data, expected)
    (s * ad.Tensor(np.ones(np.shape(expected)))).sum().backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64


def test_sum_over_empty_axis_keeps_other_gradients():
    """Summing a (2, 0) tensor along axis 0 gives a (0,) result: nothing flows, and nothing breaks."""
    x = f64(np.zeros((2, 0)))
    s = x.sum(axis=0)
    assert s.shape == (0,)
    s.sum().backward()
    assert x.grad.shape == (2, 0)


@pytest.mark.parametrize("shape, axis", [((2, 0), 1), ((2, 0), None), ((0, 3), 0), ((2, 0, 3), (1, 2))])
def test_prod_over_empty_axis(shape, axis):
    """The empty product is 1; its backward (plain, create_graph and forward mode) gives x's empty shape."""
    x = f64(np.zeros(shape))
    p = ad.prod(x, axis=axis)
    np.testing.assert_array_equal(p.data, np.prod(np.zeros(shape), axis=axis))
    p.sum().backward()
    assert x.grad.shape == shape
    (g,) = ad.grad(ad.prod(x, axis=axis).sum(), [x], create_graph=True)
    assert g.shape == shape
    _, tangent = functional.jvp(lambda t: ad.prod(t, axis=axis), (x,), (f64(np.zeros(shape), False),))
    np.testing.assert_array_equal(tangent.data, np.zeros(np.shape(p.data)))


def test_max_pool_gradient_goes_to_a_nan_in_its_window():
    """A window holding NaN pools to NaN and its (first) NaN takes the gradient, as PyTorch's "NaN is the max"."""
    import nn.functional as F

    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 1] = np.nan
    t = ad.tensor(x, requires_grad=True)
    F.max_pool2d(t, 2).backward(np.ones((1, 1, 2, 2)))
    out = F.max_pool2d(ad.tensor(x), 2).numpy()
    assert np.isnan(out[0, 0, 0, 0]) and not np.isnan(out[0, 0, 1:, 1:]).any()
    expected = np.zeros((4, 4))
    expected[1, 1] = expected[1, 3] = expected[3, 1] = expected[3, 3] = 1
    np.testing.assert_array_equal(t.grad.numpy()[0, 0], expected)


@pytest.mark.parametrize("name, ref", [("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
                                       ("softplus", lambda v: np.log1p(np.exp(v))),
                                       ("erf", lambda v: np.vectorize(math.erf)(v))])
def test_float_functions_of_integer_tensors_give_floats(name, ref):
    """As np.exp: an integer input gives float64 values, never results cast back to the integers."""
    out = getattr(ad, name)(ad.tensor([1, -2]))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), ref(np.array([1.0, -2.0])), rtol=1e-12)


@pytest.mark.parametrize("exponent", ["tensor", "python"])
def test_pow_gradient_at_zero_to_the_zero_is_zero(exponent):
    """d(x ** y)/dx at y == 0 is 0 (x ** 0 is constant), also at x == 0 where y x^(y-1) reads 0 * inf (PyTorch too)."""
    x = ad.tensor(np.array([0.0, 2.0]), requires_grad=True)
    y = ad.tensor(np.zeros(2), requires_grad=True) if exponent == "tensor" else 0
    (x ** y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    if exponent == "tensor":  # d/dy = x^y log x: log 2 at x = 2, and 0 at x = 0 (log taken as 0 where x <= 0)
        np.testing.assert_allclose(y.grad.numpy(), [0.0, math.log(2.0)])


def test_permute_rejects_out_of_range_dims_instead_of_wrapping():
    x = ad.ones(2, 3, 4)
    assert x.permute(-1, 0, 1).shape == (4, 2, 3)
    with pytest.raises(IndexError, match=r"permute: Dimension out of range \(expected to be in range of "
                                         r"\[-3, 2\], but got 5\)"):
        x.permute(5, 0, 1)  # (once read as 5 % 3 = 2)


def test_reductions_of_python_numbers_and_small_unsigned_ints():
    assert ad.sum(1.5).item() == 1.5 and ad.prod(3).item() == 3 and ad.sum([1, 2]).item() == 3
    u = ad.tensor(np.array([200, 100], dtype=np.uint8))
    assert u.sum().dtype == np.int64 and u.sum().item() == 300  # as PyTorch: int64, not NumPy's uint64
