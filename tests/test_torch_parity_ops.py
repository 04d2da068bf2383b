"""PyTorch parity of the core tensor API: forward values, result dtypes and shapes, and float64 gradients.

Each case runs the same computation through `autodiff` and through `torch` (CPU) and compares what a PyTorch user
would look at: the output's values, dtype and shape, and, for float inputs, the gradient of a random weighted sum
of the output with respect to every input. Cases cover 0-d tensors, size-1 axes, empty tensors and broadcasting.
Where the README deliberately follows NumPy instead of PyTorch (dtype promotion, `var`'s default `ddof=0`, `max`
over a dim returning values only), the cases stay inside the part both libraries agree on.
"""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import functions as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


# ====================================================================== harness
def _np_dtype(tdtype) -> np.dtype:
    return torch.empty(0, dtype=tdtype).numpy().dtype


def _arr(shape, low=-2.0, high=2.0, dtype=np.float64) -> np.ndarray:
    return np.asarray(RNG.uniform(low, high, size=shape)).astype(dtype)


def _ours(a, grad):
    return ad.tensor(a, requires_grad=grad and a.dtype.kind == "f") if isinstance(a, np.ndarray) else a


def _theirs(a, grad):
    if not isinstance(a, np.ndarray):
        return a
    t = torch.from_numpy(a.copy())
    return t.requires_grad_(grad and a.dtype.kind == "f")


def _check_out(o, t, rtol, atol, where=""):
    assert isinstance(o, ad.Tensor), f"{where}expected a Tensor, got {type(o).__name__}"
    assert o.shape == tuple(t.shape), f"{where}shape {o.shape} != torch {tuple(t.shape)}"
    assert o.dtype == _np_dtype(t.dtype), f"{where}dtype {o.dtype} != torch {t.dtype}"
    np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)


def both(fn_ad, fn_t, *arrays, grad=True, rtol=1e-10, atol=1e-12):
    """Run fn on our tensors and on torch's; compare output(s) and the gradients of a random weighting of them."""
    xs = [_ours(a, grad) for a in arrays]
    ts = [_theirs(a, grad) for a in arrays]
    out, tout = fn_ad(*xs), fn_t(*ts)
    for kind in (tuple, list):  # the same container as torch's (split gives a tuple, so `a, b = ...` reads alike)
        assert isinstance(out, kind) == isinstance(tout, kind), f"returns {type(out).__name__}, torch {type(tout)}"
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    touts = list(tout) if isinstance(tout, (list, tuple)) else [tout]
    assert len(outs) == len(touts), f"{len(outs)} outputs != torch {len(touts)}"
    for k, (o, t) in enumerate(zip(outs, touts)):
        _check_out(o, t, rtol, atol, f"output {k}: ")
    leaves = [(x, t) for x, t in zip(xs, ts) if isinstance(x, ad.Tensor) and x.requires_grad]
    if not grad or not leaves:
        return outs
    pairs = [(o, t) for o, t in zip(outs, touts) if t.requires_grad]
    assert len(pairs) == sum(o.requires_grad for o in outs), "requires_grad of outputs differs from torch"
    if not pairs:
        return outs
    loss_o, loss_t = 0.0, 0.0
    for o, t in pairs:
        w = _arr(o.shape)
        loss_o = loss_o + (o * ad.tensor(w)).sum()
        loss_t = loss_t + (t * torch.from_numpy(w)).sum()
    loss_o.backward()
    loss_t.backward()
    for i, (x, t) in enumerate(leaves):
        if t.grad is None:
            assert x.grad is None or not np.any(x.grad.numpy()), f"input {i}: torch has no grad, ours {x.grad}"
            continue
        assert x.grad is not None, f"input {i}: no gradient, torch has {t.grad}"
        _check_out(x.grad, t.grad, rtol, atol, f"grad of input {i}: ")
    return outs


# ====================================================================== elementwise math
POS = {"log", "log1p", "sqrt"}
UNARY = {
    "exp": (ad.exp, torch.exp), "log": (ad.log, torch.log), "log1p": (ad.log1p, torch.log1p),
    "sqrt": (ad.sqrt, torch.sqrt), "abs": (ad.abs, torch.abs), "sign": (ad.sign, torch.sign),
    "sin": (ad.sin, torch.sin), "cos": (ad.cos, torch.cos), "tan": (ad.tan, torch.tan),
    "tanh": (ad.tanh, torch.tanh), "sigmoid": (ad.sigmoid, torch.sigmoid), "relu": (ad.relu, torch.relu),
    "softplus": (ad.softplus, torch.nn.functional.softplus), "softsign": (ad.softsign, torch.nn.functional.softsign),
    "erf": (ad.erf, torch.erf), "neg": (ad.neg, torch.neg), "square": (ad.square, torch.square),
    "leaky_relu": (lambda x: ad.leaky_relu(x, 0.2), lambda x: torch.nn.functional.leaky_relu(x, 0.2)),
    "elu": (lambda x: ad.elu(x, 0.7), lambda x: torch.nn.functional.elu(x, 0.7)),
    "gelu": (ad.gelu, torch.nn.functional.gelu),
    "gelu_tanh": (lambda x: ad.gelu(x, approximate="tanh"), lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
    "method_exp": (lambda x: x.exp(), lambda x: x.exp()), "unary_minus": (lambda x: -x, lambda x: -x),
    "builtin_abs": (lambda x: abs(x), lambda x: abs(x)),
}


@pytest.mark.parametrize("shape", [(2, 3), (), (0, 3), (1,)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_math(name, shape):
    fa, ft = UNARY[name]
    a = _arr(shape, 0.1, 2.0) if name in POS else _arr(shape)
    both(fa, ft, a, rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_keeps_float_dtype(dtype):
    a = _arr((3,), 0.1, 2.0, dtype)
    for fa, ft in UNARY.values():
        both(fa, ft, a, rtol=1e-5, atol=1e-6)


BINARY = {
    "add": (lambda x, y: x + y), "sub": (lambda x, y: x - y), "mul": (lambda x, y: x * y),
    "div": (lambda x, y: x / y), "pow": (lambda x, y: x ** y),
}
SHAPE_PAIRS = [((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((2, 3), ()), ((0, 3), (3,)), ((1,), (1,)),
               ((3, 1), (1, 0))]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY) + ["maximum", "minimum"])
def test_binary_broadcasting(name, shapes):
    a, b = _arr(shapes[0], 0.5, 2.0), _arr(shapes[1], 0.5, 2.0)
    if name in BINARY:
        both(BINARY[name], BINARY[name], a, b)
    else:
        both(getattr(ad, name), getattr(torch, name), a, b)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("scalar", [3, 0.5, -2.0])
def test_binary_with_python_scalar_both_sides(name, scalar):
    """x op s and s op x: Python scalars are weak (the tensor's float dtype is kept)."""
    f = BINARY[name]
    for dtype in (np.float32, np.float64):
        a = _arr((2, 3), 0.5, 2.0, dtype)
        both(lambda x: f(x, scalar), lambda x: f(x, scalar), a, rtol=1e-6)
        both(lambda x: f(scalar, x), lambda x: f(scalar, x), a, rtol=1e-6)


def test_functional_binary_forms_match_operators():
    a, b = _arr((2, 3)), _arr((3,), 0.5, 2.0)
    for fa, ft in [(ad.add, torch.add), (ad.sub, torch.sub), (ad.mul, torch.mul), (ad.div, torch.div)]:
        both(fa, ft, a, b)
    both(ad.pow, torch.pow, np.abs(a) + 0.1, b)
    both(lambda x, y: x.pow(y), lambda x, y: x.pow(y), np.abs(a) + 0.1, b)


@pytest.mark.parametrize("x, y", [(0.0, 1.0), (0.0, 2.0), (0.0, 3.5), (2.0, 0.0), (1.5, -1.0), (0.5, 0.0)])
def test_pow_gradients_at_special_points(x, y):
    """Both partials of x ** y at zero bases and zero exponents (tensor, scalar exponent, scalar base)."""
    a, b = np.array(x), np.array(y)
    both(lambda p, q: p ** q, lambda p, q: p ** q, a, b)
    both(lambda p: p ** y, lambda p: p ** y, a)
    both(lambda q: x ** q, lambda q: x ** q, b)


def test_pow_negative_base_and_integer_powers():
    a = np.array([-2.0, -0.5, 0.0, 1.5])
    for k in (2, 3, -1.0, 0.5, 1):
        with np.errstate(divide="ignore", invalid="ignore"):
            both(lambda x, k=k: x ** k, lambda x, k=k: x ** k, a)
    both(lambda x: x ** 2, lambda x: x ** 2, np.array([-3, 0, 4]), grad=False)
    both(lambda x, y: x ** y, lambda x, y: x ** y, np.array([2, 3]), np.array([3, 0]), grad=False)


def test_maximum_minimum_ties():
    a = np.array([1.0, 2.0, 3.0, 2.0])
    b = np.array([1.0, 3.0, 3.0, 0.0])
    both(ad.maximum, torch.maximum, a, b)
    both(ad.minimum, torch.minimum, a, b)


def test_kinks_abs_relu_sign_sqrt_at_zero():
    z = np.array([0.0, -1.0, 1.0])
    for fa, ft in [(ad.abs, torch.abs), (ad.relu, torch.relu), (ad.sign, torch.sign)]:
        both(fa, ft, z)


# ====================================================================== comparisons and logical ops
CMP = ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("op", CMP)
def test_comparisons_broadcast_to_bool_without_grad(op, shapes):
    a = np.asarray(np.round(_arr(shapes[0])))
    b = np.asarray(np.round(_arr(shapes[1])))
    (o,) = both(lambda x, y: getattr(x, op)(y), lambda x, y: getattr(x, op)(y), a, b)
    assert not o.requires_grad and o.grad_fn is None


@pytest.mark.parametrize("op", CMP)
def test_comparisons_with_scalars_and_functions(op):
    a = np.array([[1.0, 2.0, 3.0]])
    both(lambda x: getattr(x, op)(2.0), lambda x: getattr(x, op)(2.0), a)
    both(lambda x: getattr(x, op)(2), lambda x: getattr(x, op)(2), a)
    fn = {"__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge"}[op]
    both(getattr(ad, fn), getattr(torch, fn), a, np.array([2.0]))


@pytest.mark.parametrize("dtype", [np.bool_, np.int64, np.int32, np.uint8])
def test_bitwise_operators(dtype):
    """`~ & | ^` are bitwise as in PyTorch (logical on bool tensors), never turning ints into bools."""
    a = np.array([0, 1, 5, 6]).astype(dtype)
    b = np.array([1, 1, 3, 0]).astype(dtype)
    both(lambda x: ~x, lambda x: ~x, a)
    for f in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y):
        both(f, f, a, b)
    s = True if dtype is np.bool_ else 3
    for f in (lambda x: x & s, lambda x: s & x, lambda x: x | s, lambda x: s | x, lambda x: x ^ s, lambda x: s ^ x):
        both(f, f, a)


def test_logical_functions():
    """(Not exported as ad.logical_and etc. yet: reached through autodiff.functions.)"""
    a, b = np.array([True, False, True, False]), np.array([True, True, False, False])
    for name in ("logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor"):
        both(getattr(F, name), getattr(torch, name), a, b)
        both(getattr(F, name), getattr(torch, name), a.astype(np.int64), b.astype(np.int64))
    both(F.logical_not, torch.logical_not, a)
    both(F.logical_not, torch.logical_not, np.array([0.0, 2.0, -1.0]))
    both(F.bitwise_not, torch.bitwise_not, np.array([0, 3, -1]))
    f = np.array([1.0, np.nan, np.inf, -np.inf])
    both(ad.isnan, torch.isnan, f)
    both(ad.isfinite, torch.isfinite, f)


# ====================================================================== reductions
DIMS = [None, 0, -1, 1, (0, 2), (-1, 0), (2, 1, 0)]


def _torch_dim(d, ndim):
    return tuple(range(ndim)) if d is None else d


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp"])
def test_reductions_dims(name, dim, keepdim):
    a = _arr((2, 3, 4))
    tname = {"max": "amax", "min": "amin"}.get(name, name)

    def ft(x):
        if dim is None and not keepdim and name != "logsumexp":
            return getattr(x, tname)()
        return getattr(x, tname)(dim=_torch_dim(dim, 3), keepdim=keepdim)

    both(lambda x: getattr(x, name)(dim=dim, keepdim=keepdim), ft, a)
    both(lambda x: getattr(ad, name)(x, axis=dim, keepdims=keepdim), ft, a)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, 2])
def test_prod(dim, keepdim):
    a = _arr((2, 3, 4))
    a[0, 1, 2] = 0.0
    a[1, 2, :2] = 0.0  # one zero and two zeros in a reduced slice: exact gradients either way
    if dim is None:
        both(lambda x: x.prod(), lambda x: x.prod(), a)
    else:
        both(lambda x: x.prod(dim=dim, keepdim=keepdim), lambda x: x.prod(dim=dim, keepdim=keepdim), a)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "logsumexp", "softmax", "log_softmax"])
def test_reductions_of_0d_tensor_accept_dim_0_and_minus_1(name, dim):
    tname = {"max": "amax", "min": "amin"}.get(name, name)
    kw = {} if name in ("softmax", "log_softmax") else {"keepdim": True}
    both(lambda x: getattr(x, name)(dim=dim, **kw), lambda x: getattr(x, tname)(dim=dim, **kw), np.array(1.5))
    both(lambda x: getattr(x, name)(dim=dim), lambda x: getattr(x, tname)(dim=dim), np.array(1.5))


@pytest.mark.parametrize("dim", [0, -1])
def test_var_std_of_0d_tensor(dim):
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in ("var", "std"):
            both(lambda x, n=name: getattr(x, n)(dim=dim, correction=0),
                 lambda x, n=name: getattr(x, n)(dim=dim, correction=0), np.array(1.5), grad=False)


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "logsumexp"])
def test_reductions_over_empty_tensors(name, dim):
    """Sums of nothing are 0, products 1, logsumexp -inf, means nan: as in torch (no error)."""
    if name == "prod" and isinstance(dim, tuple):
        return
    a = np.zeros((0, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        both(lambda x: getattr(x, name)(dim=dim), lambda x: getattr(x, name)(dim=dim), a, grad=name != "mean")
        both(lambda x: getattr(x, name)(dim=dim, keepdim=True), lambda x: getattr(x, name)(dim=dim, keepdim=True),
             a, grad=name != "mean")


def test_full_empty_sum_and_prod():
    a = np.zeros((0, 3))
    both(lambda x: x.sum(), lambda x: x.sum(), a)
    both(lambda x: x.prod(), lambda x: x.prod(), a)


def test_reductions_with_size1_axes():
    a = _arr((1, 3, 1))
    for name in ("sum", "mean", "logsumexp"):
        both(lambda x, n=name: getattr(x, n)(dim=0), lambda x, n=name: getattr(x, n)(dim=0), a)
        both(lambda x, n=name: getattr(x, n)(dim=(0, 2), keepdim=True),
             lambda x, n=name: getattr(x, n)(dim=(0, 2), keepdim=True), a)
    both(lambda x: x.max(dim=-1), lambda x: x.amax(dim=-1), a)


@pytest.mark.parametrize("dim", [None, 1, -1, (0, 1)], ids=str)
def test_max_min_reduction_ties_split_as_amax(dim):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    td = _torch_dim(dim, 2)
    both(lambda x: x.max(dim=dim), lambda x: x.amax(dim=td), a)
    both(lambda x: x.min(dim=dim), lambda x: x.amin(dim=td), a)
    both(lambda x: x.max(), lambda x: x.max(), a)


def test_integer_and_bool_sums_promote_like_torch():
    for dtype in (np.int32, np.int64, np.bool_, np.uint8, np.int8):
        a = np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
        both(lambda x: x.sum(), lambda x: x.sum(), a)
        both(lambda x: x.sum(dim=1), lambda x: x.sum(dim=1), a)
        both(lambda x: x.prod(dim=0), lambda x: x.prod(dim=0), a)
        if dtype is not np.bool_:
            both(lambda x: x.max(dim=0), lambda x: x.amax(dim=0), a)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, dim, keepdim):
    a = np.array([[1.0, 5.0, 5.0, 0.0], [7.0, 7.0, -1.0, -1.0], [0.0, 2.0, 3.0, 3.0]])  # ties: the first wins
    (o,) = both(lambda x: getattr(x, name)(dim=dim, keepdim=keepdim),
                lambda x: getattr(x, name)(dim=dim, keepdim=keepdim), a, grad=False)
    both(lambda x: getattr(ad, name)(x, dim, keepdim), lambda x: getattr(torch, name)(x, dim, keepdim), a, grad=False)


def test_argmax_of_0d():
    both(lambda x: x.argmax(), lambda x: x.argmax(), np.array(2.0), grad=False)
    both(lambda x: x.argmax(dim=0), lambda x: x.argmax(dim=0), np.array(2.0), grad=False)


# ---------------------------------------------------------------------- var / std
VAR_KW = [{"correction": 0}, {"correction": 1}, {"correction": 2}, {"unbiased": True}, {"unbiased": False}]


@pytest.mark.parametrize("kw", VAR_KW, ids=str)
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), (1,)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, dim, kw, keepdim):
    a = _arr((3, 4, 5))
    kw = dict(kw)
    if "unbiased" in kw and isinstance(dim, tuple) and len(dim) > 1:
        pass
    if dim is None and not keepdim:
        both(lambda x: getattr(x, name)(**kw), lambda x: getattr(x, name)(**kw), a)
    else:
        both(lambda x: getattr(x, name)(dim=dim, keepdim=keepdim, **kw),
             lambda x: getattr(x, name)(dim=dim, keepdim=keepdim, **kw), a)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_positional_pytorch_style(name):
    """torch spells `x.var(dim, unbiased, keepdim)` positionally; ours reads (axis, ddof, keepdims): same numbers."""
    a = _arr((3, 4))
    both(lambda x: getattr(x, name)(1, True, True), lambda x: getattr(x, name)(1, True, True), a)
    both(lambda x: getattr(ad, name)(x, 0, correction=1), lambda x: getattr(torch, name)(x, 0, correction=1), a)


def test_var_default_is_numpy_population_variance():
    """README: var/std default to ddof=0 (torch's default is correction=1) -- pinned so a change is deliberate."""
    a = _arr((4, 3))
    both(lambda x: x.var(dim=0), lambda x: x.var(dim=0, correction=0), a)
    both(lambda x: x.std(), lambda x: x.std(correction=0), a)


# ---------------------------------------------------------------------- softmax family
@pytest.mark.parametrize("shape, dim", [((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((3, 1), -1), ((1, 3), 0),
                                        ((5,), 0), ((0, 3), -1), ((0, 3), 0)], ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name, shape, dim):
    a = _arr(shape, -5, 5)
    tf = getattr(torch, name)
    both(lambda x: getattr(ad, name)(x, dim=dim), lambda x: tf(x, dim=dim), a)
    both(lambda x: getattr(x, name)(dim), lambda x: getattr(x, name)(dim), a)


def test_softmax_family_large_logits():
    a = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]])
    for name in ("softmax", "log_softmax"):
        both(lambda x, n=name: getattr(ad, n)(x, dim=-1), lambda x, n=name: getattr(torch, n)(x, dim=-1), a)
    both(lambda x: ad.logsumexp(x, dim=1), lambda x: torch.logsumexp(x, dim=1), a)


def test_logsumexp_infinities():
    a = np.array([[-np.inf, -np.inf], [np.inf, 0.0], [-np.inf, 1.0]])
    both(lambda x: ad.logsumexp(x, dim=1), lambda x: torch.logsumexp(x, dim=1), a, grad=False)


# ====================================================================== matmul
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3,)),
                 ((3,), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((0, 3), (3, 4)), ((2, 0), (0, 4)), ((0,), (0,)),
                 ((2, 5, 1, 3), (3, 2)), ((1, 3), (3, 1))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_shapes_and_grads(shapes):
    a, b = _arr(shapes[0]), _arr(shapes[1])
    both(lambda x, y: x @ y, lambda x, y: x @ y, a, b)
    both(ad.matmul, torch.matmul, a, b)


def test_matmul_with_one_side_constant_and_float32():
    a, b = _arr((4, 2, 3)), _arr((3, 2))
    both(lambda x: x @ ad.tensor(b), lambda x: x @ torch.from_numpy(b), a)
    both(lambda y: ad.tensor(a) @ y, lambda y: torch.from_numpy(a) @ y, b)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    both(lambda x, y: x @ y, lambda x, y: x @ y, a32, b32, rtol=1e-5, atol=1e-6)


def test_dot_and_mismatched_matmul():
    a, b = _arr((4,)), _arr((4,))
    both(ad.dot, torch.dot, a, b)
    both(lambda x, y: x.dot(y), lambda x, y: x.dot(y), a, b)
    with pytest.raises(ValueError):
        ad.matmul(ad.tensor(_arr((2, 3))), ad.tensor(_arr((4, 2))))
    with pytest.raises((ValueError, RuntimeError)):
        ad.tensor(_arr((2, 3))) @ ad.tensor(1.0)


# ====================================================================== shape ops
SHAPE_CASES = {
    "reshape": (lambda x: x.reshape(3, -1), lambda x: x.reshape(3, -1)),
    "reshape_tuple": (lambda x: x.reshape((4, 6)), lambda x: x.reshape((4, 6))),
    "view": (lambda x: x.view(-1), lambda x: x.view(-1)),
    "ad_reshape": (lambda x: ad.reshape(x, (2, 12)), lambda x: torch.reshape(x, (2, 12))),
    "flatten": (lambda x: x.flatten(), lambda x: x.flatten()),
    "flatten_1": (lambda x: x.flatten(1), lambda x: x.flatten(1)),
    "flatten_0_1": (lambda x: x.flatten(0, 1), lambda x: x.flatten(0, 1)),
    "flatten_neg": (lambda x: x.flatten(-2, -1), lambda x: x.flatten(-2, -1)),
    "flatten_same": (lambda x: ad.flatten(x, 1, 1), lambda x: torch.flatten(x, 1, 1)),
    "permute": (lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1)),
    "permute_neg": (lambda x: x.permute(-1, -3, -2), lambda x: x.permute(-1, -3, -2)),
    "permute_tuple": (lambda x: x.permute((1, 2, 0)), lambda x: x.permute((1, 2, 0))),
    "ad_permute": (lambda x: ad.permute(x, (1, 0, 2)), lambda x: torch.permute(x, (1, 0, 2))),
    "transpose": (lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2)),
    "transpose_neg": (lambda x: x.transpose(-1, 0), lambda x: x.transpose(-1, 0)),
    "ad_transpose": (lambda x: ad.transpose(x, 0, 1), lambda x: torch.transpose(x, 0, 1)),
    "ad_transpose_neg": (lambda x: ad.transpose(x, -1, -2), lambda x: torch.transpose(x, -1, -2)),
    "swapaxes": (lambda x: x.swapaxes(1, 2), lambda x: x.swapaxes(1, 2)),
    "moveaxis": (lambda x: ad.moveaxis(x, 0, -1), lambda x: torch.moveaxis(x, 0, -1)),
    "mT": (lambda x: x.mT, lambda x: x.mT),
    "unsqueeze0": (lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0)),
    "unsqueeze_end": (lambda x: x.unsqueeze(3), lambda x: x.unsqueeze(3)),
    "unsqueeze_neg": (lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1)),
    "unsqueeze_neg2": (lambda x: ad.unsqueeze(x, -2), lambda x: torch.unsqueeze(x, -2)),
    "expand": (lambda x: x[:, :1].expand(2, 2, 3, 4), lambda x: x[:, :1].expand(2, 2, 3, 4)),
    "expand_minus1": (lambda x: x[:, :1].expand(5, -1, 3, -1), lambda x: x[:, :1].expand(5, -1, 3, -1)),
    "expand_tuple": (lambda x: x[:1].expand((2, 3, 4)), lambda x: x[:1].expand((2, 3, 4))),
    "expand_same": (lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4)),
    "broadcast_to": (lambda x: ad.broadcast_to(x[:, :1], (3, 2, 3, 4)),
                     lambda x: torch.broadcast_to(x[:, :1], (3, 2, 3, 4))),
    "split_int": (lambda x: x.split(2, dim=2), lambda x: x.split(2, dim=2)),
    "split_uneven": (lambda x: x.split(2, dim=1), lambda x: x.split(2, dim=1)),
    "split_list": (lambda x: x.split([1, 3], dim=-1), lambda x: x.split([1, 3], dim=-1)),
    "split_list_zero": (lambda x: ad.split(x, [0, 3], 1), lambda x: torch.split(x, [0, 3], 1)),
    "split_big": (lambda x: x.split(10), lambda x: x.split(10)),
    "chunk": (lambda x: x.chunk(2, dim=1), lambda x: x.chunk(2, dim=1)),
    "chunk_more": (lambda x: x.chunk(3, dim=-1), lambda x: x.chunk(3, dim=-1)),
    "chunk_many": (lambda x: ad.chunk(x, 7, 0), lambda x: torch.chunk(x, 7, 0)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shape_ops(name):
    fa, ft = SHAPE_CASES[name]
    both(fa, ft, _arr((2, 3, 4)))


SQUEEZE_CASES = [None, 0, 2, -1, 1, (0, 2), (0, 1)]


@pytest.mark.parametrize("dim", SQUEEZE_CASES, ids=str)
def test_squeeze(dim):
    a = _arr((1, 3, 1))
    if dim is None:
        both(lambda x: x.squeeze(), lambda x: x.squeeze(), a)
        both(ad.squeeze, torch.squeeze, a)
    else:
        both(lambda x: x.squeeze(dim), lambda x: x.squeeze(dim), a)
        both(lambda x: ad.squeeze(x, dim=dim), lambda x: torch.squeeze(x, dim=dim), a)


def test_shape_ops_on_0d_and_empty():
    s = np.array(2.5)
    for f in (lambda x: x.reshape(1, 1), lambda x: x.flatten(), lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(-1),
              lambda x: x.expand(3, 2), lambda x: x.squeeze(), lambda x: x.view(-1), lambda x: x.reshape(()),
              lambda x: x.squeeze(0), lambda x: x.squeeze(-1), lambda x: x.flatten(0, -1),
              lambda x: x[None, ..., None], lambda x: x.transpose(0, -1),
              lambda x: x.mT if x.ndim >= 2 else x.moveaxis(0, -1)):
        both(f, f, s)
    e = np.zeros((0, 3))
    for f in (lambda x: x.reshape(3, 0), lambda x: x.flatten(), lambda x: x.permute(1, 0), lambda x: x.unsqueeze(1),
              lambda x: x.expand(2, 0, 3), lambda x: x.split(1, dim=1), lambda x: x.transpose(0, 1),
              lambda x: x.reshape(-1, 3), lambda x: x.split(2, dim=0)):
        both(f, f, e)


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_cat_and_stack(dim):
    a, b, c = _arr((2, 3)), _arr((2, 3)), _arr((2, 3))
    both(lambda *xs: ad.cat(xs, dim=dim), lambda *xs: torch.cat(xs, dim=dim), a, b, c)
    both(lambda *xs: ad.concatenate(list(xs), dim), lambda *xs: torch.cat(list(xs), dim), a, b)
    both(lambda *xs: ad.stack(xs, dim=dim), lambda *xs: torch.stack(xs, dim=dim), a, b, c)


def test_cat_with_empty_piece_and_mixed_dtypes():
    a, e = _arr((2, 3)), np.zeros((0, 3))
    both(lambda x, y: ad.cat([x, y]), lambda x, y: torch.cat([x, y]), a, e)
    both(lambda x, y: ad.cat([x, y]), lambda x, y: torch.cat([x, y]), a, _arr((1, 3), dtype=np.float32))
    both(lambda x, y: ad.stack([x, y], -1), lambda x, y: torch.stack([x, y], -1), np.array(1.0), np.array(2.0))
    both(lambda x: ad.cat([x, x], dim=1), lambda x: torch.cat([x, x], dim=1), a)  # the same tensor twice


OUT_OF_RANGE = {
    "sum": lambda x, L: x.sum(dim=2), "max": lambda x, L: L.amax(x, dim=-3) if L is torch else x.max(dim=-3),
    "softmax": lambda x, L: x.softmax(2), "squeeze": lambda x, L: x.squeeze(2),
    "unsqueeze": lambda x, L: x.unsqueeze(3),
    "transpose": lambda x, L: x.transpose(0, 2), "lib_transpose": lambda x, L: L.transpose(x, 2, 0),
    "swapaxes": lambda x, L: x.swapaxes(-3, 1), "moveaxis": lambda x, L: L.moveaxis(x, 2, 0),
    "flatten": lambda x, L: x.flatten(0, 2), "flatten_reversed": lambda x, L: x.flatten(1, 0),
    "cat": lambda x, L: L.cat([x, x], dim=2), "cat_neg": lambda x, L: L.cat([x, x], dim=-3),
    "stack": lambda x, L: L.stack([x, x], dim=3), "stack_neg": lambda x, L: L.stack([x, x], dim=-4),
    "split": lambda x, L: x.split(1, dim=2), "chunk": lambda x, L: x.chunk(2, dim=-3),
    "chunk_zero": lambda x, L: x.chunk(0), "split_zero": lambda x, L: x.split(0),
    "permute": lambda x, L: x.permute(0, 2), "permute_dup": lambda x, L: x.permute(1, 1),
    "var": lambda x, L: x.var(dim=2), "argmax": lambda x, L: x.argmax(dim=2), "argmin": lambda x, L: x.argmin(dim=-3),
    "expand_lead": lambda x, L: x.expand(-1, 2, 3), "expand_bad": lambda x, L: x.expand(4, 3),
    "split_sizes": lambda x, L: x.split([1, 2], dim=0), "sum_0d": lambda x, L: x[0, 0].sum(dim=1),
    "softmax_0d": lambda x, L: x[0, 0].softmax(-2), "flatten_0d": lambda x, L: x[0, 0].flatten(0, 1),
    "unsqueeze_0d": lambda x, L: x[0, 0].unsqueeze(1), "squeeze_0d": lambda x, L: x[0, 0].squeeze(1),
    "transpose_0d": lambda x, L: x[0, 0].transpose(0, 1), "moveaxis_0d": lambda x, L: L.moveaxis(x[0, 0], -2, 0),
}


@pytest.mark.parametrize("name", sorted(OUT_OF_RANGE))
def test_bad_dims_raise_like_torch(name):
    """Out-of-range or inconsistent dims raise (torch: IndexError/RuntimeError) instead of wrapping around."""
    f = OUT_OF_RANGE[name]
    with pytest.raises((IndexError, RuntimeError, ValueError)):
        f(torch.zeros(2, 3), torch)
    with pytest.raises((IndexError, ValueError)):
        f(ad.tensor(np.zeros((2, 3))), ad)


# ====================================================================== indexing
INDEXES = {
    "int": lambda: 1, "neg_int": lambda: -1, "slice": lambda: slice(1, 3), "slice_step": lambda: slice(None, None, 2),
    "tuple": lambda: (0, slice(1, None)), "none": lambda: (None, 1), "ellipsis": lambda: (Ellipsis, 0),
    "ellipsis_none": lambda: (Ellipsis, None, slice(0, 2)), "int_list": lambda: [0, 2, 2, 1],
    "int_array_2d": lambda: np.array([[0, 1], [2, 2]]), "neg_array": lambda: np.array([-1, 0, -1]),
    "mask": lambda: np.array([True, False, True]),
    "mask_2d": lambda: (np.arange(12).reshape(3, 4) % 3 == 0),
    "mixed_adv_slice": lambda: (np.array([0, 2, 0]), slice(None), np.array([1, 1, 0])),
    "adjacent_adv": lambda: (np.array([[0], [2]]), np.array([0, 3, 3]), slice(None)),
    "adv_broadcast": lambda: (np.array([[0], [2]]), slice(1, 3), np.array([1, 0, 1])),
    "adv_int": lambda: (np.array([2, 0]), 1), "mask_slice": lambda: (np.array([True, False, True]), slice(1, 3)),
    "slice_mask": lambda: (slice(None), np.array([True, False, True, True])),
    "empty_list": lambda: [], "empty_slice": lambda: slice(2, 1), "none_ellipsis_int": lambda: (None, Ellipsis, -1),
    "tensor_idx": lambda: ad.tensor([2, 0]), "bool_tensor": lambda: ad.tensor([False, True, True]),
    "zero_d_int_tensor": lambda: ad.tensor(1), "all": lambda: (slice(None), slice(None), slice(None)),
}


def _torch_index(i):
    if isinstance(i, tuple):
        return tuple(_torch_index(k) for k in i)
    if isinstance(i, ad.Tensor):
        return torch.from_numpy(np.asarray(i.numpy()))
    if isinstance(i, np.ndarray):
        return torch.from_numpy(i)
    return i


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_getitem(name):
    index = INDEXES[name]()
    a = _arr((3, 4, 2))
    both(lambda x: x[index], lambda x: x[_torch_index(index)], a)


@pytest.mark.parametrize("index", [slice(None, None, -1), slice(-1, 0, -2), (slice(None), slice(3, None, -2)),
                                   (Ellipsis, slice(None, None, -1)), (np.array([2, 0]), slice(None, None, -1))],
                         ids=str)
def test_getitem_negative_steps_match_numpy(index):
    """torch has no negative steps; NumPy's semantics are the reference, the gradient a scatter-add."""
    a = _arr((3, 4))
    x = ad.tensor(a, requires_grad=True)
    y = x[index]
    np.testing.assert_array_equal(y.numpy(), a[index])
    w = _arr(y.shape)
    (y * ad.tensor(w)).sum().backward()
    expected = np.zeros_like(a)
    np.add.at(expected, index, w)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_getitem_repeated_indices_scatter_add_and_0d():
    a = _arr((4,))
    both(lambda x: x[[1, 1, 1, 3]], lambda x: x[[1, 1, 1, 3]], a)
    both(lambda x: x[np.array([[0, 0], [0, 0]])], lambda x: x[torch.tensor([[0, 0], [0, 0]])], a)
    both(lambda x: x[None], lambda x: x[None], np.array(3.0))
    both(lambda x: x[...], lambda x: x[...], np.array(3.0))
    both(lambda x: x[2], lambda x: x[2], a)


SETITEM = {
    "int": (1, (4,)), "slice": (slice(0, 2), (2, 4)), "slice_bcast": (slice(0, 2), (4,)), "scalar": (slice(1, 3), ()),
    "mask": (np.array([True, False, True]), (2, 4)), "mask_bcast": (np.array([True, False, True]), (1,)),
    "int_array": (np.array([2, 0]), (2, 4)), "tuple": ((0, slice(1, 3)), (2,)), "ellipsis": ((Ellipsis, 1), (3,)),
    "adv_pair": ((np.array([0, 2]), np.array([1, 3])), (2,)), "elem_mask": (None, ()),
}


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem_values_and_grads(name):
    index, vshape = SETITEM[name]
    a = _arr((3, 4))
    if index is None:
        index = a > 0

    def f(x, v, lib):
        y = x * 1.0
        y[index if lib is ad or not isinstance(index, (np.ndarray, tuple)) else _torch_index(index)] = v
        return y * 2.0

    both(lambda x, v: f(x, v, ad), lambda x, v: f(x, v, torch), a, _arr(vshape))
    both(lambda x: f(x, 7.5, ad), lambda x: f(x, 7.5, torch), a)


def test_setitem_without_grad_and_dtype_cast():
    a = np.zeros((2, 3))
    x, t = ad.tensor(a), torch.from_numpy(a.copy())
    x[0, 1:] = 5
    t[0, 1:] = 5
    x[1] = ad.tensor(np.array([1, 2, 3], dtype=np.int64))
    t[1] = torch.tensor([1, 2, 3])
    x[x > 2] = -1.0
    t[t > 2] = -1.0
    _check_out(x, t, 0, 0)
    xi, ti = ad.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    xi[0] = 2.7  # a float into an int tensor truncates, as in torch
    ti[0] = 2.7
    _check_out(xi, ti, 0, 0)


# ====================================================================== where / clamp
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (1,)), ((3,), (2, 3), ()),
                                    ((), (2, 3), (2, 3)), ((0, 3), (3,), (0, 3))], ids=str)
def test_where_broadcasting(shapes):
    cond = np.asarray(RNG.random(shapes[0]) > 0.5)
    a, b = _arr(shapes[1]), _arr(shapes[2])
    both(lambda x, y: ad.where(ad.tensor(cond), x, y), lambda x, y: torch.where(torch.from_numpy(cond), x, y), a, b)
    both(lambda x, y: ad.where(cond, x, y), lambda x, y: torch.where(torch.from_numpy(cond), x, y), a, b)


def test_where_with_scalars():
    cond = np.array([[True, False, True]])
    tc = torch.from_numpy(cond)
    for dtype in (np.float32, np.float64):
        a = _arr((2, 3), dtype=dtype)
        both(lambda x: ad.where(ad.tensor(cond), x, 0.0), lambda x: torch.where(tc, x, 0.0), a)
        both(lambda x: ad.where(ad.tensor(cond), 1.5, x), lambda x: torch.where(tc, 1.5, x), a)
    both(lambda c: ad.where(c, 1.0, 0.0), lambda c: torch.where(c, 1.0, 0.0), cond)
    both(lambda c: ad.where(c, 1, 0), lambda c: torch.where(c, 1, 0), cond)
    both(lambda c: ad.where(c, 1.0, 0), lambda c: torch.where(c, 1.0, 0), cond)


CLAMPS = [{"min": -0.5}, {"max": 0.3}, {"min": -0.5, "max": 0.5}, {"min": 1.0, "max": 1.0}, {"min": 0.0, "max": 0.0}]


@pytest.mark.parametrize("kw", CLAMPS, ids=str)
def test_clamp_clip(kw):
    a = np.concatenate([_arr((8,)), [-0.5, 0.5, 0.3, 0.0, 1.0]])  # bounds themselves included: gradient 1 there
    both(lambda x: x.clamp(**kw), lambda x: x.clamp(**kw), a)
    both(lambda x: ad.clamp(x, **kw), lambda x: torch.clamp(x, **kw), a)
    both(lambda x: ad.clip(x, **kw), lambda x: torch.clip(x, **kw), a)
    both(lambda x: x.clamp(kw.get("min"), kw.get("max")), lambda x: x.clamp(kw.get("min"), kw.get("max")), a)


def test_clamp_keeps_float32_and_int_dtype():
    both(lambda x: x.clamp(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), _arr((4,), dtype=np.float32))
    both(lambda x: x.clamp(0, 2), lambda x: x.clamp(0, 2), np.array([-3, 1, 5]), grad=False)


@pytest.mark.parametrize("which", ["min", "max", "both"])
def test_clamp_with_tensor_bounds_gets_gradients(which):
    a = np.array([[-2.0, 0.0, 0.5, 3.0], [1.0, -1.0, 2.0, 0.2]])
    lo, hi = np.array([-1.0, 0.0, 1.0, 0.0]), np.array([[1.2], [1.5]])  # (torch drops the gradient when lo == hi)
    if which == "min":
        both(lambda x, m: x.clamp(min=m), lambda x, m: x.clamp(min=m), a, lo)
    elif which == "max":
        both(lambda x, m: ad.clamp(x, max=m), lambda x, m: torch.clamp(x, max=m), a, hi)
    else:
        both(lambda x, m, n: ad.clamp(x, m, n), lambda x, m, n: torch.clamp(x, m, n), a, lo, hi)


# ====================================================================== in-place ops and version counters
def test_inplace_ops_record_like_torch():
    a, b, c = _arr((2, 3)), _arr((3,), 0.5, 2.0), _arr((2,))

    def f(x, y, z, lib):
        h = x * 1.0
        h.mul_(y)
        h.add_(1.5)
        h.sub_(y)
        h.div_(y)
        h += x
        h *= 2.0
        h[:, 0] = z
        h.clamp_(-1.0, 1.0)
        return h.exp()

    both(lambda x, y, z: f(x, y, z, ad), lambda x, y, z: f(x, y, z, torch), a, b, c)


def test_inplace_unary_ops():
    a = _arr((5,))
    for name in ("relu_", "neg_", "exp_", "tanh_", "sigmoid_", "zero_"):
        both(lambda x, n=name: getattr(x * 1.0, n)() * 3.0, lambda x, n=name: getattr(x * 1.0, n)() * 3.0, a)
    both(lambda x: (x * 1.0).fill_(2.0) * x, lambda x: (x * 1.0).fill_(2.0) * x, a)
    both(lambda x, y: (x * 1.0).copy_(y) * x, lambda x, y: (x * 1.0).copy_(y) * x, a, _arr((1,)))


def test_version_counter_matches_torch():
    x, t = ad.zeros(2, 3, dtype=np.float64), torch.zeros(2, 3, dtype=torch.float64)
    assert x._version == t._version == 0
    for f in (lambda v: v.add_(1), lambda v: v.mul_(2), lambda v: v.__setitem__(0, 1.0), lambda v: v.zero_(),
              lambda v: v.fill_(3.0), lambda v: v.clamp_(0, 1)):
        f(x)
        f(t)
        assert x._version == t._version
    x += 1
    t += 1
    assert x._version == t._version


def test_views_share_the_version_counter():
    x, t = ad.zeros(2, 3, dtype=np.float64), torch.zeros(2, 3, dtype=torch.float64)
    vx, vt = x[0], t[0]
    vx.add_(1)
    vt.add_(1)
    assert x._version == vx._version == t._version == vt._version == 1
    np.testing.assert_array_equal(x.numpy(), t.numpy())  # the base sees the change through the view


def test_inplace_on_leaf_requiring_grad_raises():
    x, t = ad.tensor(_arr((3,)), requires_grad=True), torch.tensor(_arr((3,)), requires_grad=True)
    for f in (lambda v: v.add_(1.0), lambda v: v.mul_(2.0), lambda v: v.__setitem__(0, 1.0), lambda v: v.zero_()):
        with pytest.raises(RuntimeError):
            f(t)
        with pytest.raises(RuntimeError):
            f(x)
    with ad.no_grad():
        x.add_(1.0)
    with torch.no_grad():
        t.add_(1.0)
    assert x.requires_grad and x.grad_fn is None and x._version == 1 == t._version


def test_modifying_saved_tensor_is_detected():
    """exp saves its output, mul its inputs: changing them in place (untracked) before backward raises."""
    x, t = ad.tensor(_arr((3,)), requires_grad=True), torch.tensor(_arr((3,)), requires_grad=True)
    for v in (x, t):
        y = v.exp()
        with (ad.no_grad() if v is x else torch.no_grad()):
            y.mul_(2.0)
        with pytest.raises(RuntimeError):
            y.sum().backward()
        a = v * 1.0
        b = a * a
        with (ad.no_grad() if v is x else torch.no_grad()):
            a.add_(1.0)
        with pytest.raises(RuntimeError):
            b.sum().backward()


def test_inplace_shape_and_dtype_errors():
    x = ad.zeros(3, dtype=np.float64)
    with pytest.raises(RuntimeError):
        x.add_(ad.zeros(2, 3, dtype=np.float64))
    with pytest.raises(RuntimeError):
        torch.zeros(3).add_(torch.zeros(2, 3))
    xi = ad.tensor([1, 2])
    with pytest.raises((RuntimeError, TypeError)):
        xi.mul_(1.5)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).mul_(1.5)


# ====================================================================== dtype promotion (where NumPy and torch agree)
DT = {"f32": np.float32, "f64": np.float64, "i64": np.int64, "i32": np.int32, "bool": np.bool_, "u8": np.uint8,
      "i8": np.int8, "f16": np.float16}
PROMOTE = [("f32", "f64"), ("f32", "f32"), ("f64", "i64"), ("i32", "i64"), ("u8", "i8"), ("bool", "i64"),
           ("bool", "f32"), ("i8", "i64"), ("f16", "f32"), ("bool", "bool"), ("u8", "u8")]


@pytest.mark.parametrize("pair", PROMOTE, ids=str)
@pytest.mark.parametrize("op", ["add", "mul", "maximum", "eq", "where"])
def test_tensor_tensor_promotion(pair, op):
    a = np.array([1, 0, 1]).astype(DT[pair[0]])
    b = np.array([1, 1, 0]).astype(DT[pair[1]])
    cond = np.array([True, False, True])
    fa = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "maximum": ad.maximum, "eq": lambda x, y: x == y,
          "where": lambda x, y: ad.where(cond, x, y)}[op]
    ft = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "maximum": torch.maximum, "eq": lambda x, y: x == y,
          "where": lambda x, y: torch.where(torch.from_numpy(cond), x, y)}[op]
    if op == "add" and pair == ("bool", "bool"):
        return
    both(fa, ft, a, b, grad=False, rtol=1e-3)


@pytest.mark.parametrize("dtype", ["f32", "f64", "f16", "i64", "i32", "u8"])
@pytest.mark.parametrize("scalar", [2, True])
def test_python_int_scalar_is_weak(dtype, scalar):
    a = np.array([1, 2, 3]).astype(DT[dtype])
    for f in (lambda x: x + scalar, lambda x: scalar * x, lambda x: x > scalar, lambda x: scalar <= x):
        both(f, f, a, grad=False)
    if scalar is not True:  # (torch refuses to subtract bools)
        both(lambda x: x - scalar, lambda x: x - scalar, a, grad=False)
        both(lambda x: scalar - x, lambda x: scalar - x, a, grad=False)


@pytest.mark.parametrize("dtype", ["f32", "f64", "f16"])
def test_python_float_scalar_keeps_float_dtype(dtype):
    a = np.array([1, 2, 3]).astype(DT[dtype])
    for f in (lambda x: x * 2.5, lambda x: 2.5 / x, lambda x: x ** 0.5, lambda x: x.clamp(min=1.5)):
        both(f, f, a, grad=False, rtol=1e-3)


def test_creation_dtypes_follow_torch():
    pairs = [(ad.tensor(1.5), torch.tensor(1.5)), (ad.tensor([1, 2]), torch.tensor([1, 2])),
             (ad.tensor([True]), torch.tensor([True])), (ad.zeros(2, 3), torch.zeros(2, 3)),
             (ad.ones((2,)), torch.ones((2,))), (ad.full((2,), 3), torch.full((2,), 3)),
             (ad.full((2,), 3.0), torch.full((2,), 3.0)), (ad.full((2,), True), torch.full((2,), True)),
             (ad.arange(5), torch.arange(5)), (ad.arange(0.0, 1.0, 0.25), torch.arange(0.0, 1.0, 0.25)),
             (ad.linspace(0, 1, 5), torch.linspace(0, 1, 5)), (ad.eye(3), torch.eye(3)),
             (ad.zeros_like(ad.tensor([1, 2])), torch.zeros_like(torch.tensor([1, 2]))),
             (ad.ones_like(ad.zeros(2, dtype=np.float64)), torch.ones_like(torch.zeros(2, dtype=torch.float64)))]
    for o, t in pairs:
        _check_out(o, t, 1e-7, 0)


def test_float_int_conversions():
    a = np.array([1.7, -1.7, 0.0])
    for f in (lambda x: x.long(), lambda x: x.int(), lambda x: x.float(), lambda x: x.double(), lambda x: x.bool()):
        both(f, f, a, grad=False, rtol=1e-7)
    both(lambda x: x.float() * 2.0, lambda x: x.float() * 2.0, a, rtol=1e-6)  # gradient cast back to float64
    both(lambda x: x.to(np.float32), lambda x: x.to(torch.float32), a, rtol=1e-6)


# ====================================================================== grad modes
def test_no_grad_enable_grad_set_grad_enabled():
    x, t = ad.tensor(_arr((2,)), requires_grad=True), torch.tensor(_arr((2,)), requires_grad=True)
    with ad.no_grad(), torch.no_grad():
        assert not ad.is_grad_enabled() and not torch.is_grad_enabled()
        y, u = x * 2, t * 2
        assert y.requires_grad == u.requires_grad is False and y.grad_fn is None
        with ad.enable_grad(), torch.enable_grad():
            y, u = x * 2, t * 2
            assert y.requires_grad == u.requires_grad is True
    with ad.set_grad_enabled(False), torch.set_grad_enabled(False):
        assert (x + 1).requires_grad == (t + 1).requires_grad is False
    assert ad.is_grad_enabled() and torch.is_grad_enabled()
    ad.set_grad_enabled(False)
    try:
        assert (x + 1).requires_grad is False
    finally:
        ad.set_grad_enabled(True)
    assert (x + 1).requires_grad


def test_grad_modes_as_decorators():
    @ad.no_grad()
    def f(v):
        return v * 2

    @ad.enable_grad()
    def g(v):
        return v * 2

    x = ad.tensor(_arr((2,)), requires_grad=True)
    assert not f(x).requires_grad
    with ad.no_grad():
        assert g(x).requires_grad
    assert ad.is_grad_enabled()


def test_requires_grad_propagation_and_detach():
    a = _arr((3,))
    both(lambda x: x.detach() * x, lambda x: x.detach() * x, a)
    x = ad.tensor(a, requires_grad=True)
    assert x.is_leaf and not (x * 2).is_leaf and (x * 2).detach().is_leaf
    assert not ad.tensor(a).requires_grad and not (ad.tensor(a) * 2).requires_grad
    with pytest.raises(RuntimeError):
        ad.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).requires_grad_()


# ====================================================================== more pointwise ops (values, dtypes, grads)
MORE_UNARY = {  # name: (low, high) of a domain where the op is smooth
    "expm1": (-2.0, 2.0), "log2": (0.1, 3.0), "log10": (0.1, 3.0), "rsqrt": (0.1, 3.0), "sinh": (-2.0, 2.0),
    "cosh": (-2.0, 2.0), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": (-3.0, 3.0), "reciprocal": (0.2, 2.0),
    "floor": (-3.0, 3.0), "ceil": (-3.0, 3.0), "trunc": (-3.0, 3.0), "round": (-3.0, 3.0),
}


@pytest.mark.parametrize("shape", [(2, 3), (), (0, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(MORE_UNARY))
def test_more_unary_ops(name, shape):
    lo, hi = MORE_UNARY[name]
    a = _arr(shape, lo, hi)
    if name == "reciprocal":
        a = np.asarray(a * np.where(_arr(shape) > 0, 1.0, -1.0))
    both(getattr(ad, name), getattr(torch, name), a, rtol=1e-9)
    both(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), a, rtol=1e-9)


@pytest.mark.parametrize("name", sorted(MORE_UNARY))
def test_more_unary_ops_on_integers_follow_torch_dtypes(name):
    """floor/ceil/trunc/round keep integers; the others give floats (float64 here: the README's NumPy policy)."""
    a = np.array([0, 1, -1] if name in ("asin", "acos") else [1, 2, 3], dtype=np.int64)  # inside the domain
    ours, theirs = getattr(ad, name)(ad.tensor(a)), getattr(torch, name)(torch.from_numpy(a))
    assert (ours.dtype.kind == "f") == theirs.dtype.is_floating_point
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_round_is_half_to_even_and_takes_decimals():
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49, 1.2345, -2.675])
    both(ad.round, torch.round, a)
    both(lambda x: ad.round(x, decimals=2), lambda x: torch.round(x, decimals=2), a)
    both(lambda x: x.round(1), lambda x: x.round(decimals=1), a)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", ["atan2", "remainder"])
def test_more_binary_ops_broadcast(name, shapes):
    a, b = _arr(shapes[0], 0.5, 2.0), _arr(shapes[1], 0.5, 2.0)
    a = np.asarray(a * np.where(_arr(shapes[0]) > 0, 1.0, -1.0))
    b = np.asarray(b * np.where(_arr(shapes[1]) > 0, 1.0, -1.0))
    both(getattr(ad, name), getattr(torch, name), a, b)


def test_atan2_in_every_quadrant():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.5, -2.0])
    x = np.array([1.0, -1.0, -1.0, 1.0, 0.0, 3.0])
    both(ad.atan2, torch.atan2, y, x)


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_remainder_and_floor_divide_operators_follow_python_signs(dtype):
    x = np.array([5.5, -5.5, 7.0, -7.0, 3.25, 0.0]).astype(dtype)
    y = np.array([2.0, 2.0, -2.0, -2.0, 0.75 if dtype == np.float64 else 4, 3.0]).astype(dtype)
    both(lambda a, b: a % b, lambda a, b: a % b, x, y)
    both(lambda a, b: a // b, lambda a, b: a // b, x, y, grad=False)


@pytest.mark.parametrize("dtype, s", [(np.float64, 3), (np.float64, -2), (np.float64, 2.5), (np.int64, 3),
                                      (np.int64, -2)])
def test_remainder_and_floor_divide_with_a_python_scalar_on_either_side(dtype, s):
    x = np.array([5.5, -5.5, 7.0, -7.0, 3.25, 0.0]).astype(dtype)
    y = np.array([2.0, 2.0, -2.0, -2.0, 0.75 if dtype == np.float64 else 4, 3.0]).astype(dtype)
    both(lambda a: a % s, lambda a: a % s, x)
    both(lambda a: s % a, lambda a: s % a, y, grad=False)  # torch: no derivative for remainder(Scalar, Tensor)
    both(lambda a: a // s, lambda a: a // s, x, grad=False)
    both(lambda a: s // a, lambda a: s // a, y, grad=False)
    if dtype == np.float64:  # ours: d(s % a)/da = -floor(s / a), as for a tensor dividend
        a = ad.tensor(y, requires_grad=True)
        (s % a).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), -np.floor(s / y))


def test_floor_divide_records_a_zero_gradient():
    """torch raises at backward ("derivative for aten::floor_divide is not implemented"); its derivative is 0
    almost everywhere, which is what we give (as floor, and as JAX)."""
    x = ad.tensor([5.5, -3.2], dtype=np.float64, requires_grad=True)
    y = (x // 2.0) + x
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("shape", [(2, 3), (3,), (), (1, 1)], ids=str)
def test_t_transposes_matrices_and_keeps_vectors(shape):
    both(lambda x: x.t(), lambda x: x.t(), _arr(shape))


def test_t_rejects_more_than_two_dims_with_torchs_message():
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        ad.zeros(2, 2, 2).t()
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        torch.zeros(2, 2, 2).t()


# ====================================================================== amax/amin, scans, norms, reorderings, gathers
@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("shape, dim", [((2, 3), 1), ((2, 3), -1), ((2, 3, 4), (0, 2)), ((2, 3), ()), ((), 0),
                                        ((), ()), ((1,), 0), ((0, 3), 1), ((2, 3), (-1, 0))], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(name, shape, dim, keepdim):
    both(lambda x: getattr(ad, name)(x, dim, keepdim), lambda x: getattr(torch, name)(x, dim, keepdim), _arr(shape))
    both(lambda x: getattr(x, name)(dim=dim, keepdim=keepdim), lambda x: getattr(x, name)(dim=dim, keepdim=keepdim),
         _arr(shape))


def test_amax_amin_split_the_gradient_evenly_among_ties():
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 5.0], [-1.0, -1.0, 4.0, -1.0]])
    for name in ("amax", "amin"):
        ours, theirs = getattr(ad, name), getattr(torch, name)
        both(lambda x, f=ours: f(x, 1), lambda x, f=theirs: f(x, 1), a)
        both(lambda x, f=ours: f(x, (0, 1)), lambda x, f=theirs: f(x, (0, 1)), a)
        both(lambda x, f=ours: f(x, 0), lambda x, f=theirs: f(x, 0), np.round(a))
    both(lambda x: ad.amax(x, axis=1, keepdims=True), lambda x: torch.amax(x, 1, True), a)  # NumPy's names too
    both(lambda x: x.amax(0), lambda x: x.amax(0), np.array([[3, 1], [3, 7]], dtype=np.int32))


def test_amax_amin_errors_name_the_op_and_the_dim():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(IndexError, match=r"amax: Dimension out of range \(expected to be in range of \[-2, 1\], "
                                         r"but got 2\)"):
        ad.amax(x, 2)
    with pytest.raises(RuntimeError, match="amin: dim 1 appears multiple times"):
        ad.amin(x, (1, -1))
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 0 to have non-zero size"):
        ad.amax(ad.zeros(0, 3), 0)
    with pytest.raises(RuntimeError, match=r"amin\(\): Expected reduction dim to be specified"):
        ad.amin(ad.zeros(0, 3))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("shape, dim", [((2, 3), 1), ((2, 3), -2), ((2, 3, 4), 1), ((), 0), ((), -1), ((1,), 0),
                                        ((0, 3), 1), ((0, 3), 0)], ids=str)
def test_cumsum_cumprod(name, shape, dim):
    both(lambda x: getattr(ad, name)(x, dim), lambda x: getattr(torch, name)(x, dim), _arr(shape, 0.5, 1.5))
    both(lambda x: getattr(x, name)(dim=dim), lambda x: getattr(x, name)(dim=dim), _arr(shape, -1.5, -0.5))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float32])
def test_cumsum_cumprod_dtypes_follow_torch(dtype):
    a = np.array([[1, 0, 2], [3, 1, 1]]).astype(dtype)
    for name in ("cumsum", "cumprod"):
        both(lambda x, f=getattr(ad, name): f(x, 1), lambda x, f=getattr(torch, name): f(x, 1), a, rtol=1e-6)


@pytest.mark.parametrize("a", [[1.5, 0.0, 2.0, -1.0], [0.0, 2.0, 0.0, 3.0], [2.0, -1.0, 3.0, 0.0], [0.0, 0.0, 0.0],
                               [[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]]], ids=str)
def test_cumprod_gradient_is_exact_with_zeros(a):
    a = np.array(a)
    both(lambda x: ad.cumprod(x, -1), lambda x: torch.cumprod(x, -1), a)
    x = ad.tensor(a, requires_grad=True)
    assert ad.gradcheck(lambda x: ad.cumprod(x, -1), (x,))
    assert ad.jvpcheck(lambda x: ad.cumprod(x, -1), (x,))


def test_cumsum_cumprod_need_a_dim_in_range():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(IndexError, match=r"cumsum: Dimension out of range .*but got 2\)"):
        ad.cumsum(x, 2)
    with pytest.raises(IndexError, match=r"cumprod: Dimension out of range \(expected to be in range of \[-1, 0\]"):
        ad.cumprod(ad.tensor(1.0), 1)
    with pytest.raises(TypeError, match="cumsum"):
        ad.cumsum(x)


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, 0.5, float("inf"), float("-inf"), 0, "fro"], ids=str)
@pytest.mark.parametrize("shape, dim", [((2, 3), None), ((2, 3), 1), ((2, 3, 4), (0, -1)), ((), None), ((1,), 0),
                                        ((4,), -1)], ids=str)
def test_norm(p, shape, dim):
    # no zeros: the p < 1 gradients are finite
    a = np.asarray(_arr(shape, 0.2, 2.0) * np.where(_arr(shape) > 0, 1.0, -1.0))
    for keepdim in (False, True):
        both(lambda x, k=keepdim: ad.norm(x, p, dim, k), lambda x, k=keepdim: torch.norm(x, p, dim, k), a, rtol=1e-9)
    if p != "fro":
        both(lambda x: x.norm(p, dim=dim), lambda x: torch.linalg.vector_norm(x, p, dim=dim), a, rtol=1e-9)


def test_norm_gradient_at_zero_and_at_ties_follows_torch():
    z = np.zeros((2, 3))
    for p in (2, 1, 3, float("inf")):
        both(lambda x, p=p: ad.norm(x, p), lambda x, p=p: torch.norm(x, p), z)
        both(lambda x, p=p: ad.norm(x, p, 1), lambda x, p=p: torch.norm(x, p, 1), np.array([[0.0, 0.0], [3.0, -4.0]]))
    ties = np.array([[1.0, -3.0, 3.0], [2.0, 2.0, -1.0]])
    for p in (float("inf"), float("-inf")):
        both(lambda x, p=p: ad.norm(x, p, 1), lambda x, p=p: torch.norm(x, p, 1), ties)
        both(lambda x, p=p: ad.norm(x, p), lambda x, p=p: torch.norm(x, p), ties)
    both(lambda x: ad.norm(x, dim=1), lambda x: torch.norm(x, dim=1), _arr((0, 3)))  # empty: 0, as torch
    both(lambda x: ad.norm(x), lambda x: torch.norm(x), _arr((2, 3), dtype=np.float32), rtol=1e-6)


def test_norm_errors():
    with pytest.raises(RuntimeError, match="norm: Expected a floating point tensor as input. Got int64"):
        ad.norm(ad.tensor([1, 2]))
    with pytest.raises(IndexError, match=r"norm: Dimension out of range .*but got 3\)"):
        ad.norm(ad.tensor(_arr((2, 3))), 2, 3)
    with pytest.raises(RuntimeError, match="norm: cannot compute the inf norm on an empty tensor"):
        ad.norm(ad.zeros(0, 3), float("inf"), 0)
    with pytest.raises(ValueError, match="norm: p must be"):
        ad.norm(ad.tensor(_arr((2,))), "nuc")


@pytest.mark.parametrize("shape, dims", [((2, 3), (0,)), ((2, 3), (-1, 0)), ((2, 3, 4), (1,)), ((), (0,)),
                                         ((0, 3), (1,)), ((2, 3), ())], ids=str)
def test_flip(shape, dims):
    both(lambda x: ad.flip(x, dims), lambda x: torch.flip(x, dims), _arr(shape))
    both(lambda x: x.flip(dims), lambda x: x.flip(dims), _arr(shape))
    both(lambda x: x.flip(dims), lambda x: x.flip(dims), np.arange(int(np.prod(shape))).reshape(shape))


@pytest.mark.parametrize("shape, shifts, dims", [((2, 3), 1, 1), ((2, 3), -4, 0), ((2, 3), (1, 2), (0, -1)),
                                                 ((2, 3), 4, None), ((2, 3, 2), (5,), (2,)), ((), 3, None),
                                                 ((0, 3), 1, 1), ((3,), 0, None)], ids=str)
def test_roll(shape, shifts, dims):
    both(lambda x: ad.roll(x, shifts, dims), lambda x: torch.roll(x, shifts, dims), _arr(shape))
    both(lambda x: x.roll(shifts, dims), lambda x: x.roll(shifts, dims), _arr(shape))


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (2, 3, 3), (0, 3), (1, 1)], ids=str)
@pytest.mark.parametrize("k", [0, 1, -1, 5, -5])
def test_tril_triu(name, shape, k):
    both(lambda x: getattr(ad, name)(x, k), lambda x: getattr(torch, name)(x, k), _arr(shape))
    both(lambda x: getattr(x, name)(diagonal=k), lambda x: getattr(x, name)(diagonal=k), _arr(shape))


@pytest.mark.parametrize("shape, offset, d1, d2", [((3, 3), 0, 0, 1), ((2, 4), 1, 0, 1), ((4, 2), -1, 0, 1),
                                                   ((3, 3), 1, 1, 0), ((2, 3, 4), 0, 0, 2), ((2, 3, 4), -1, -1, 1),
                                                   ((2, 3), 5, 0, 1), ((0, 3), 0, 0, 1), ((2, 3, 4), 2, 2, 0)],
                         ids=str)
def test_diagonal(shape, offset, d1, d2):
    both(lambda x: ad.diagonal(x, offset, d1, d2), lambda x: torch.diagonal(x, offset, d1, d2), _arr(shape))
    both(lambda x: x.diagonal(offset, d1, d2), lambda x: x.diagonal(offset, d1, d2), _arr(shape))


@pytest.mark.parametrize("shape", [(3,), (1,), (0,), (3, 3), (2, 4), (4, 2)], ids=str)
@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_and_trace(shape, k):
    both(lambda x: ad.diag(x, k), lambda x: torch.diag(x, k), _arr(shape))
    both(lambda x: x.diag(k), lambda x: x.diag(k), _arr(shape))
    if len(shape) == 2:
        both(ad.trace, torch.trace, _arr(shape))
        both(lambda x: x.trace(), lambda x: x.trace(), np.arange(6, dtype=np.int32).reshape(2, 3))


def test_diagonal_diag_trace_tril_errors():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(RuntimeError, match="diagonal: diagonal dimensions cannot be identical 0, -2"):
        ad.diagonal(x, 0, 0, -2)
    with pytest.raises(IndexError, match=r"diagonal: Dimension out of range .*but got 2\)"):
        ad.diagonal(x, 0, 0, 2)
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        ad.diag(ad.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 1"):
        ad.trace(ad.zeros(3))
    with pytest.raises(IndexError, match="roll: Dimension specified as 0 but tensor has no dimensions"):
        ad.roll(ad.tensor(1.0), 1, 0)
    with pytest.raises(RuntimeError, match=r"roll: shifts and dimensions must align. shifts: 2, dims:1"):
        ad.roll(x, (1, 2), 0)
    with pytest.raises(RuntimeError, match=r"tril: input tensor must have at least 2 dimensions \(got shape \(3,\)"):
        ad.tril(ad.zeros(3))


@pytest.mark.parametrize("shape, sizes", [((2, 3), (2, 1)), ((2, 3), (1, 2, 3)), ((3,), (2, 2)), ((), (3,)),
                                          ((2, 3), (0, 2)), ((0, 2), (2, 2)), ((1,), (4,))], ids=str)
def test_repeat_and_tile(shape, sizes):
    both(lambda x: x.repeat(*sizes), lambda x: x.repeat(*sizes), _arr(shape))
    both(lambda x: ad.repeat(x, sizes), lambda x: x.repeat(sizes), _arr(shape))
    both(lambda x: ad.tile(x, sizes), lambda x: torch.tile(x, sizes), _arr(shape))
    both(lambda x: x.tile(sizes[1:]), lambda x: x.tile(sizes[1:]), _arr(shape))


def test_repeat_errors():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(RuntimeError, match="repeat: Number of dimensions of repeat dims .* can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match=r"repeat: Trying to create tensor with negative dimension -2: \[-2, 6\]"):
        x.repeat(-1, 2)


GATHER = [((3, 4), 0, [[0, 2, 1, 0], [2, 2, 0, 1]]), ((3, 4), 1, [[3, 0], [1, 1], [0, 2]]),
          ((3, 4), -1, [[3], [0]]), ((2, 3, 2), 1, np.zeros((2, 4, 1), dtype=int)), ((3,), 0, [2, 2, 0, 1, 2]),
          ((3, 4), 0, np.zeros((0, 4), dtype=int)), ((), 0, 0), ((1,), 0, [0])]


@pytest.mark.parametrize("shape, dim, index", GATHER, ids=str)
def test_gather_scatters_gradients_of_repeated_indices(shape, dim, index):
    idx = np.asarray(index, dtype=np.int64)
    both(lambda x: ad.gather(x, dim, ad.tensor(idx)), lambda x: torch.gather(x, dim, torch.from_numpy(idx)),
         _arr(shape))
    both(lambda x: x.gather(dim, idx), lambda x: x.gather(dim, torch.from_numpy(idx)), _arr(shape))


def test_gather_errors_follow_torch():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(RuntimeError, match="gather: Index tensor must have the same number of dimensions"):
        ad.gather(x, 0, np.zeros(3, dtype=np.int64))
    with pytest.raises(RuntimeError, match=r"gather: Size does not match at dimension 1 expected index \[2, 4\] to "
                                           r"be no larger than self \[2, 3\] apart from dimension 0"):
        ad.gather(x, 0, np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(RuntimeError, match="gather: index 5 is out of bounds for dimension 0 with size 2"):
        ad.gather(x, 0, np.full((2, 3), 5))
    with pytest.raises(RuntimeError, match="gather: index -1 is out of bounds for dimension 1 with size 3"):
        ad.gather(x, 1, np.full((2, 3), -1))
    with pytest.raises(IndexError, match=r"gather: Dimension out of range .*but got 2\)"):
        ad.gather(x, 2, np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(RuntimeError, match="gather: Expected an integer dtype for index, got float64"):
        ad.gather(x, 0, np.zeros((2, 3)))


@pytest.mark.parametrize("shape, mshape", [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), (2, 1)), ((), ()),
                                           ((3,), (2, 3)), ((0, 3), (3,))], ids=str)
def test_masked_fill(shape, mshape):
    m = np.asarray(_arr(mshape) > 0)
    both(lambda x: x.masked_fill(ad.tensor(m), -7.5), lambda x: x.masked_fill(torch.from_numpy(m), -7.5), _arr(shape))
    # a 0-d tensor value gets the gradients of the filled places
    both(lambda x, v: ad.masked_fill(x, m, v), lambda x, v: torch.masked_fill(x, torch.from_numpy(m), v),
         _arr(shape), _arr(()))
    both(lambda x: x.masked_fill(m, 2.7), lambda x: x.masked_fill(torch.from_numpy(m), 2.7),
         np.arange(int(np.prod(shape))).reshape(shape))


def test_masked_fill_errors():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(RuntimeError, match="masked_fill: only supports boolean masks, but got mask with dtype float"):
        x.masked_fill(np.ones((2, 3)), 1.0)
    with pytest.raises(RuntimeError, match="masked_fill: only supports a 0-dimensional value tensor, but got tensor "
                                           r"with 1 dimension\(s\)"):
        x.masked_fill(np.ones((2, 3), dtype=bool), ad.ones(2))
    with pytest.raises(RuntimeError, match=r"masked_fill: the mask of shape \(4,\) does not broadcast with the tensor "
                                           r"of shape \(2, 3\)"):
        x.masked_fill(np.ones(4, dtype=bool), 1.0)


# ====================================================================== outer, bmm, mv
def test_outer_bmm_mv():
    both(ad.outer, torch.outer, _arr((3,)), _arr((4,)))
    both(lambda x, y: x.outer(y), lambda x, y: x.outer(y), _arr((1,)), _arr((0,)))
    both(ad.outer, torch.outer, _arr((2,), dtype=np.float32), _arr((3,)), rtol=1e-6)
    both(ad.bmm, torch.bmm, _arr((2, 3, 4)), _arr((2, 4, 5)))
    both(lambda x, y: x.bmm(y), lambda x, y: x.bmm(y), _arr((0, 3, 4)), _arr((0, 4, 1)))
    both(ad.mv, torch.mv, _arr((3, 4)), _arr((4,)))
    both(lambda x, y: x.mv(y), lambda x, y: x.mv(y), _arr((1, 0)), _arr((0,)))


def test_outer_bmm_mv_errors_follow_torch():
    m, v = ad.zeros(2, 3), ad.zeros(2)
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument self, but got 2-D"):
        ad.outer(m, v)
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument vec2, but got 0-D"):
        ad.outer(v, ad.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"bmm: batch1 must be a 3D tensor, got shape \(2, 3\)"):
        ad.bmm(m, m)
    with pytest.raises(RuntimeError, match=r"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                                           r"\[2, 3\] but got: \[3, 3\]\."):
        ad.bmm(ad.zeros(2, 2, 3), ad.zeros(3, 3, 2))
    with pytest.raises(RuntimeError, match=r"mv: size mismatch, got input \(2\), mat \(2x3\), vec \(2\)"):
        ad.mv(m, v)
    with pytest.raises(RuntimeError, match="mv: vector \\+ matrix @ vector expected, got 1, 2, 2"):
        ad.mv(m, m)


# ====================================================================== any, all, sort, topk
@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("shape, dim", [((2, 3), None), ((2, 3), 1), ((2, 3), -2), ((2, 3, 2), (0, 2)), ((), None),
                                        ((), 0), ((0, 3), 0), ((0, 3), None)], ids=str)
def test_any_all(name, shape, dim):
    a = np.asarray(np.round(_arr(shape, -0.6, 1.4)))
    for keepdim in (False, True):
        kw = {} if dim is None and not keepdim else {"dim": dim, "keepdim": keepdim}
        if dim is None and keepdim:
            continue  # (torch.any has no keepdim without dim)
        (o,) = both(lambda x, kw=kw: getattr(ad, name)(x, **kw), lambda x, kw=kw: getattr(torch, name)(x, **kw), a)
        assert not o.requires_grad
        both(lambda x, kw=kw: getattr(x, name)(**kw), lambda x, kw=kw: getattr(x, name)(**kw), np.asarray(a > 0))


def test_any_all_bad_dim():
    with pytest.raises(IndexError, match=r"any: Dimension out of range .*but got 2\)"):
        ad.any(ad.zeros(2, 3), 2)
    with pytest.raises(IndexError, match=r"all: Dimension out of range .*but got -3\)"):
        ad.zeros(2, 3).all(-3)


@pytest.mark.parametrize("shape, dim", [((5,), -1), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((), 0),
                                        ((0, 3), 1), ((1,), 0)], ids=str)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_returns_values_and_indices(shape, dim, descending):
    outs = both(lambda x: ad.sort(x, dim, descending), lambda x: torch.sort(x, dim=dim, descending=descending),
                _arr(shape))
    assert outs[1].dtype == np.int64 and not outs[1].requires_grad
    values, indices = ad.tensor(_arr(shape)).sort(dim=dim, descending=descending)  # unpacks, as torch's
    assert values.shape == indices.shape == shape


def test_sort_is_stable_with_ties_as_torchs_stable_sort():
    a = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [0.0, 0.0, -1.0, 0.0, -1.0]])
    for desc in (False, True):
        both(lambda x, desc=desc: ad.sort(x, descending=desc, stable=True),
             lambda x, desc=desc: torch.sort(x, descending=desc, stable=True), a)
    both(lambda x: ad.sort(x, 0, True), lambda x: torch.sort(x, stable=True, dim=0, descending=True),
         np.array([[3, 1], [3, 2], [-1, 2]], dtype=np.int32))
    both(lambda x: ad.sort(x, descending=True), lambda x: torch.sort(x, descending=True, stable=True),
         np.array([True, False, True]))


@pytest.mark.parametrize("shape, k, dim", [((5,), 2, -1), ((3, 4), 3, 0), ((3, 4), 0, 1), ((2, 3, 4), 4, -1),
                                           ((), 1, 0), ((1,), 1, 0), ((0, 3), 2, 1)], ids=str)
@pytest.mark.parametrize("largest", [True, False])
def test_topk(shape, k, dim, largest):
    both(lambda x: ad.topk(x, k, dim, largest), lambda x: torch.topk(x, k, dim, largest), _arr(shape))
    both(lambda x: x.topk(k, dim=dim, largest=largest), lambda x: x.topk(k, dim=dim, largest=largest), _arr(shape))


def test_sort_topk_errors():
    x = ad.tensor(_arr((2, 3)))
    with pytest.raises(IndexError, match=r"sort: Dimension out of range .*but got 2\)"):
        ad.sort(x, 2)
    with pytest.raises(RuntimeError, match="topk: selected index k out of range"):
        ad.topk(x, 4)
    with pytest.raises(RuntimeError, match="topk: selected index k out of range"):
        x.topk(-1)
    with pytest.raises(IndexError, match=r"topk: Dimension out of range .*but got -3\)"):
        ad.topk(x, 1, -3)


# ====================================================================== more in-place ops
@pytest.mark.parametrize("name, arg, grad", [
    (name, arg, grad) for name, arg in [("remainder_", 1.5), ("floor_divide_", 1.5), ("floor_", None), ("ceil_", None),
                                        ("trunc_", None), ("round_", None), ("abs_", None), ("sin_", None),
                                        ("cos_", None), ("reciprocal_", None)]
    for grad in (False, True) if not (name == "floor_divide_" and grad)])  # torch refuses floor_divide_'s backward
def test_more_inplace_ops_match_torch_in_values_and_gradients(name, arg, grad):
    """Recorded (grad on, applied to a non-leaf) and plain (no grad): same values as torch, same gradients."""
    a = np.array([2.75, -1.25, 0.4, -3.6])
    args = () if arg is None else (arg,)

    def ours(x):
        y = x * 1.0
        return getattr(y, name)(*args)

    def theirs(x):
        y = x * 1.0
        return getattr(y, name)(*args)

    both(ours, theirs, a, grad=grad)


def test_modulo_and_floor_division_assignments_are_in_place_and_version_counted():
    x = ad.tensor([5.5, -3.25, 7.0], dtype=np.float64)
    alias = x
    x %= 2.0
    assert alias is x and x._vc is not None and x._vc[0] == 1
    np.testing.assert_array_equal(alias.numpy(), [1.5, 0.75, 1.0])
    x //= 0.5
    np.testing.assert_array_equal(alias.numpy(), [3.0, 1.0, 2.0])
    w = ad.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    e = (w * 1.0).exp()  # saves its output
    with ad.no_grad():
        e %= 2.0  # changes, unrecorded, the value exp's rule reads
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()
    e = (w * 1.0).exp()
    e //= 2.0  # recorded: a new buffer, so exp's saved output stays valid and the gradient is exact (zero)
    e.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])


def test_masked_fill_in_place_with_a_scalar_and_with_a_tensor_value():
    mask = np.array([[True, False], [False, True]])
    tmask = torch.from_numpy(mask)
    both(lambda x: (x * 1.0).masked_fill_(mask, 0.5), lambda x: (x * 1.0).masked_fill_(tmask, 0.5), _arr((2, 2)))
    both(lambda x, v: (x * 1.0).masked_fill_(mask, v), lambda x, v: (x * 1.0).masked_fill_(tmask, v),
         _arr((2, 2)), np.array(0.25))
    x = ad.tensor([1.0, 2.0], dtype=np.float64)  # needs no grad, but the value does: still recorded
    v = ad.tensor(3.0, dtype=np.float64, requires_grad=True)
    x.masked_fill_(np.array([True, True]), v)
    x.sum().backward()
    assert v.grad.item() == 2.0


def test_grad_fn_names_are_camel_case_as_pytorch():
    x = ad.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    assert repr((x // 2).grad_fn) == "<FloorDivideBackward>"
    assert repr(ad.log_softmax(x, 0).grad_fn) == "<LogSoftmaxBackward>"
    assert repr((x * 2).grad_fn) == "<MulBackward>"


def test_clamp_in_place_with_a_tensor_bound_that_requires_grad_is_recorded():
    """The tensor being clamped needs no grad, the bound does: the bound still gets its gradient, as in torch."""
    def ours(lo):
        x = ad.tensor([0.0, 1.0, 2.0], dtype=np.float64)
        return x.clamp_(min=lo)

    def theirs(lo):
        x = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
        return x.clamp_(min=lo)

    both(ours, theirs, np.array(0.5))


# ====================================================================== more of PyTorch's tensor API
@pytest.mark.parametrize("shape, dim, index", [((4, 3), 0, [2, 0, 2]), ((4, 3), 1, [1]), ((2, 3, 4), -1, [3, 3, 0]),
                                               ((4, 3), 0, []), ((4, 3), 1, 2), ((), 0, [0]), ((), -1, 0),
                                               ((0, 3), 1, [0, 2])], ids=str)
def test_index_select_scatters_gradients_of_repeated_indices(shape, dim, index):
    idx = np.array(index, dtype=np.int64)
    both(lambda x: ad.index_select(x, dim, ad.tensor(idx)), lambda x: torch.index_select(x, dim, torch.tensor(idx)),
         _arr(shape))
    both(lambda x: x.index_select(dim, idx), lambda x: x.index_select(dim, torch.tensor(idx)), _arr(shape))


def test_index_select_errors_name_the_op():
    x = ad.tensor(_arr((3, 4)))
    with pytest.raises(IndexError, match="index_select: index 4 is out of range for dimension 1 with size 4"):
        x.index_select(1, [0, 4])
    with pytest.raises(IndexError, match="index_select: index -1 is out of range"):
        x.index_select(0, [-1])
    with pytest.raises(RuntimeError, match="index_select: Index is supposed to be a vector"):
        x.index_select(0, [[0]])
    with pytest.raises(RuntimeError, match="index_select: Expected an integer dtype for index, got float64"):
        x.index_select(0, np.array([1.0]))
    with pytest.raises(IndexError, match="index_select: Dimension out of range"):
        x.index_select(2, [0])
    with pytest.raises(IndexError, match="index_select: index \\[1\\] is out of range for a 0-d tensor"):
        ad.tensor(1.0).index_select(0, [1])


@pytest.mark.parametrize("shape, dim", [((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -2), ((1,), 0), ((0, 2), 1)], ids=str)
def test_unbind(shape, dim):
    outs = both(lambda x: ad.unbind(x, dim), lambda x: torch.unbind(x, dim), _arr(shape))
    assert len(outs) == shape[dim]
    assert isinstance(ad.tensor(_arr(shape)).unbind(dim), tuple)


def test_unbind_errors():
    with pytest.raises(IndexError, match="unbind: a 0-d tensor"):
        ad.tensor(1.0).unbind()
    with pytest.raises(IndexError, match="unbind: Dimension out of range"):
        ad.tensor(_arr((2, 3))).unbind(2)


@pytest.mark.parametrize("shape, dim", [((5,), -1), ((3, 4), 0), ((3, 4), 1), ((), 0), ((0, 3), 1)], ids=str)
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_gives_the_indices_of_sort(shape, dim, descending):
    a = np.asarray(np.round(_arr(shape), 0))  # (ties: both sorts are stable)
    out = ad.argsort(ad.tensor(a), dim, descending)
    _check_out(out, torch.argsort(torch.from_numpy(a), dim=dim, descending=descending, stable=True), 0, 0)
    np.testing.assert_array_equal(ad.tensor(a).argsort(dim=dim, descending=descending).numpy(),
                                  ad.sort(ad.tensor(a), dim, descending).indices.numpy())
    with pytest.raises(IndexError, match="argsort: Dimension out of range"):
        ad.argsort(ad.tensor(a), 2)


def test_mm_and_its_errors_follow_torch():
    both(lambda x, y: x.mm(y), lambda x, y: x.mm(y), _arr((2, 3)), _arr((3, 4)))
    both(lambda x, y: ad.mm(x, y), lambda x, y: torch.mm(x, y), _arr((1, 3)), _arr((3, 1)))
    x = ad.tensor(_arr((3, 2)))
    with pytest.raises(RuntimeError, match=r"mm: mat1 and mat2 shapes cannot be multiplied \(3x2 and 3x2\)"):
        x.mm(x)
    with pytest.raises(RuntimeError, match=r"mm: self must be a matrix, got shape \(3,\)"):
        ad.mm(ad.ones(3), x)
    with pytest.raises(RuntimeError, match=r"mm: mat2 must be a matrix, got shape \(2, 1, 1\)"):
        ad.mm(x, ad.ones(2, 1, 1))


@pytest.mark.parametrize("name, bound", [("clamp_min", 0.3), ("clamp_max", -0.2)])
def test_clamp_min_clamp_max(name, bound):
    a = _arr((3, 4))
    both(lambda x: getattr(x, name)(bound), lambda x: getattr(x, name)(bound), a)
    both(lambda x: getattr(ad, name)(x, bound), lambda x: getattr(torch, name)(x, bound), a)
    b = _arr((4,))
    both(lambda x, m: getattr(ad, name)(x, m), lambda x, m: getattr(torch, name)(x, m), a, b)  # tensor bound


def test_neg_method():
    both(lambda x: x.neg(), lambda x: x.neg(), _arr((2, 3)))


VIEWS = {"transposed": ((3, 4), lambda x: x.T), "strided": ((4, 6), lambda x: x[::2, 1::2]),
         "contiguous": ((3, 4), lambda x: x[1:]), "0d": ((), lambda x: x)}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_contiguous_copies_only_what_is_not_c_contiguous(view):
    shape, take = VIEWS[view]
    x = ad.tensor(_arr(shape), requires_grad=True)
    y = take(x)
    assert y.data.flags.c_contiguous == (view in ("contiguous", "0d"))
    c = y.contiguous()
    assert c.data.flags.c_contiguous and c.shape == y.shape
    np.testing.assert_array_equal(c.numpy(), y.numpy())
    if y.data.flags.c_contiguous:
        assert c is y
    else:
        assert c.grad_fn.name == "contiguous" and not np.shares_memory(c.data, y.data)
    w = _arr(c.shape)
    (c * ad.tensor(w)).sum().backward()
    expected = np.zeros(shape)
    take(expected)[...] = w  # where y's entries sit in x (take gives a view of an array too)
    np.testing.assert_allclose(x.grad.numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_new_factories_take_the_tensors_dtype(dtype):
    x, t = ad.tensor(np.zeros(2, dtype=dtype)), torch.zeros(2, dtype=torch.from_numpy(np.zeros(0, dtype)).dtype)
    for ours, theirs in [(x.new_zeros(2, 3), t.new_zeros(2, 3)), (x.new_ones((3,)), t.new_ones((3,))),
                         (x.new_full((2,), 7), t.new_full((2,), 7)), (x.new_tensor([1, 2]), t.new_tensor([1, 2])),
                         (x.new_zeros(2, dtype=np.int32), t.new_zeros(2, dtype=torch.int32)),
                         (x.new_empty(0, 2), t.new_empty(0, 2))]:
        assert ours.shape == tuple(theirs.shape) and ours.dtype == _np_dtype(theirs.dtype)
        if ours.size:
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if dtype != np.int64:
        assert x.new_ones(2, requires_grad=True).requires_grad


def test_dtype_names_are_numpys_types():
    assert ad.tensor([1, 2], dtype=ad.float32).dtype == np.float32
    assert ad.tensor([1, 2]).dtype == ad.int64 == ad.long
    assert (ad.float16, ad.float64, ad.int8, ad.int16, ad.int32, ad.uint8, ad.bool_) == (
        np.float16, np.float64, np.int8, np.int16, np.int32, np.uint8, np.bool_)
    assert ad.half is np.float16 and ad.double is np.float64


@pytest.mark.parametrize("name, args, mean, var", [("uniform_", (-1.0, 3.0), 1.0, 16 / 12),
                                                  ("uniform_", (), 0.5, 1 / 12), ("normal_", (2.0, 0.5), 2.0, 0.25),
                                                  ("normal_", (), 0.0, 1.0)])
def test_random_fills_are_seeded_and_have_the_right_moments(name, args, mean, var):
    x = ad.zeros(200, 500, dtype=np.float32)
    assert getattr(x, name)(*args) is x and x.dtype == np.float32 and x._version == 1
    s = x.numpy().astype(np.float64)
    n = s.size  # 4-sigma bounds on the sample mean and variance
    assert abs(s.mean() - mean) < 4 * np.sqrt(var / n)
    assert abs(s.var() - var) < 4 * var * np.sqrt(3 / n)
    if name == "uniform_":
        lo, hi = args or (0.0, 1.0)
        assert lo <= s.min() and s.max() < hi
    ad.manual_seed(7)
    first = getattr(ad.zeros(5), name)(*args).numpy()
    ad.manual_seed(7)
    np.testing.assert_array_equal(getattr(ad.zeros(5), name)(*args).numpy(), first)
    mine = getattr(ad.zeros(5), name)(*args, generator=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(mine, getattr(ad.zeros(5), name)(*args, generator=np.random.default_rng(3)).numpy())


def test_random_fills_refuse_integers_and_leaves_that_require_grad():
    with pytest.raises(TypeError, match="uniform_: expected a floating-point tensor, got dtype int64"):
        ad.tensor([1, 2]).uniform_()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ad.zeros(3, requires_grad=True).normal_()
    x = ad.zeros(3, requires_grad=True)
    y = x * 2
    y.normal_()  # a non-leaf: recorded, and x gets a zero gradient as in torch
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


def test_autograd_function_is_reachable_where_torch_users_look():
    assert ad.autograd.Function is ad.Function and ad.autograd.FunctionCtx is ad.FunctionCtx


@pytest.mark.parametrize("shape", [(2, 3, 4), (5,), (), (0, 3)], ids=str)
def test_size_is_numpys_count_and_torchs_size_call(shape):
    x, t = ad.zeros(shape), torch.zeros(shape)
    assert x.size == np.zeros(shape).size == t.numel() and isinstance(x.size, int)
    assert x.size() == tuple(t.size()) and np.size(x) == x.size
    for d in range(-len(shape), len(shape)):
        assert x.size(d) == x.size(dim=d) == t.size(d) == np.size(x, d)
    for d in (len(shape), -len(shape) - 1):  # out of range (on a 0-d tensor, every dim): IndexError as torch
        with pytest.raises(IndexError) as theirs:
            t.size(d)
        with pytest.raises(IndexError, match="size\\(\\): " + str(theirs.value)[:12]):
            x.size(d)
    with pytest.raises(TypeError, match="size\\(\\): dim must be an int, got float"):
        x.size(0.0)
    assert x.size + 1 == x.size.real + 1 and type(x.size * 2) is int  # arithmetic gives plain ints
