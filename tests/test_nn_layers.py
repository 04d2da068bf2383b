"""Layers and activations: gradients in float64 (input and every parameter), values against closed forms
and against PyTorch when it is installed, training/eval behaviour, default init, errors."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.gradcheck import gradcheck, gradgradcheck, jvpcheck
from nn import functional as F

RNG = np.random.default_rng(0)


def t64(a, requires_grad=True):
    return ad.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=requires_grad)


def check_module(module: nn.Module, x, second_order: bool = False, before=None):
    """gradcheck d out / d (input, every parameter), feeding the probed tensors in place of the parameters."""
    module.double()
    names = [n for n, _ in module.named_parameters()]
    owners = [(module.get_submodule(n.rpartition(".")[0]), n.rpartition(".")[2]) for n in names]
    params = [t64(p.data) for p in module.parameters()]

    def fn(x, *ps):
        saved = [m._parameters[k] for m, k in owners]
        for (m, k), p in zip(owners, ps, strict=False):
            m._parameters[k] = p  # a functional call: the probe tensors stand in for the parameters
        try:
            if before is not None:
                before()
            return module(x)
        finally:
            for (m, k), p in zip(owners, saved, strict=False):
                m._parameters[k] = p

    inputs = (x,) + tuple(params)
    assert gradcheck(fn, inputs)
    if second_order:
        assert gradgradcheck(fn, inputs)


def distinct(shape):
    n = int(np.prod(shape))
    return (RNG.permutation(n).reshape(shape) - n / 2) / n * 4


# ----------------------------------------------------------------------------------------- gradients
def test_linear_gradients():
    check_module(nn.Linear(3, 2), t64(RNG.standard_normal((4, 3))), second_order=True)
    check_module(nn.Linear(3, 2, bias=False), t64(RNG.standard_normal((2, 2, 3))))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_weight_is_column_major_and_its_gradient_matches_in_value_and_layout(dtype):
    """nn.Linear stores W column-major (W.T is a plain GEMM operand); the shape, values, state_dict and the
    gradients are those of the (out, in) matrix, and a large weight's gradient comes back in W's own layout."""
    lin = nn.Linear(80, 64, dtype=dtype)  # 5120 weights: the large-weight gradient path
    w0 = RNG.standard_normal((64, 80)).astype(dtype)
    lin.load_state_dict({"weight": w0, "bias": np.zeros(64, dtype)})
    assert lin.weight.shape == (64, 80) and lin.weight.data.flags.f_contiguous
    np.testing.assert_array_equal(lin.state_dict()["weight"], w0)
    x = RNG.standard_normal((7, 80)).astype(dtype)
    g = RNG.standard_normal((7, 64)).astype(dtype)
    out = lin(ad.tensor(x))
    out.backward(g)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.data, x @ w0.T, rtol=tol, atol=tol)
    gw = lin.weight.grad.data
    np.testing.assert_allclose(gw, g.T.astype(np.float64) @ x, rtol=tol, atol=tol)
    np.testing.assert_allclose(lin.bias.grad.data, g.astype(np.float64).sum(axis=0), rtol=tol, atol=tol)
    assert gw.dtype == dtype and lin.bias.grad.dtype == dtype
    assert gw.flags.f_contiguous and gw.flags.owndata  # W's layout; aliases nothing
    lin.double()
    assert lin.weight.data.flags.f_contiguous  # kept through dtype changes
    nn.init.xavier_uniform_(lin.weight)
    assert lin.weight.data.flags.f_contiguous  # and through in-place init


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1)])
def test_conv2d_gradients(stride, padding):
    check_module(nn.Conv2d(2, 2, 2, stride=stride, padding=padding), t64(RNG.standard_normal((2, 2, 4, 3))),
                 second_order=stride == 2)


def test_maxpool_flatten_gradients():
    check_module(nn.Sequential(nn.MaxPool2d(2, stride=1), nn.Flatten()), t64(distinct((2, 2, 3, 3))))


AVG_POOLS = [  # (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override), input (N, C, H, W)
    ((2, 2, 0, False, True, None), (2, 2, 4, 6)),    # tiled: the reshape path
    ((2, 2, 0, False, True, None), (1, 2, 5, 7)),    # tiled, last row and column dropped
    ((3, 1, 1, False, True, None), (2, 1, 4, 5)),    # overlapping windows, padding counted
    ((3, 2, 1, False, False, None), (1, 2, 5, 4)),   # padding not counted: divisor varies per window
    ((2, 2, 0, True, True, None), (1, 2, 5, 5)),     # ceil_mode: a last, partial window past the input
    (((3, 2), (2, 1), (1, 0), True, False, 2), (2, 1, 6, 5)),
]


@pytest.mark.parametrize("args, shape", AVG_POOLS)
def test_avgpool_gradients(args, shape):
    check_module(nn.AvgPool2d(*args), t64(RNG.standard_normal(shape)), second_order=True)


@pytest.mark.parametrize("output_size, shape", [
    (2, (2, 2, 4, 6)),            # divides: tiled
    ((3, 2), (1, 2, 5, 7)),       # neither divides: overlapping windows of two sizes
    ((None, 4), (2, 1, 3, 5)),    # None keeps the height
    (1, (1, 2, 3, 3)),            # global average
    ((4, 3), (2, 3, 2)),          # larger than the input, unbatched
])
def test_adaptive_avgpool_gradients(output_size, shape):
    check_module(nn.AdaptiveAvgPool2d(output_size), t64(RNG.standard_normal(shape)), second_order=True)


@pytest.mark.parametrize("fn", [lambda x: F.avg_pool2d(x, 3, 2, 1, True, False),
                                lambda x: F.avg_pool2d(x, 2),
                                lambda x: F.adaptive_avg_pool2d(x, (3, None))], ids=["avg", "avg-tiled", "adaptive"])
def test_pooling_forward_mode(fn):
    assert jvpcheck(fn, (t64(RNG.standard_normal((2, 2, 5, 4))),))


def test_embedding_gradient_scatters_into_rows_and_skips_padding_idx():
    emb = nn.Embedding(5, 3, padding_idx=1).double()
    assert not np.any(emb.weight.data[1])
    idx = np.array([[0, 1, 4], [4, 4, 2]])
    check = lambda w: F.embedding(idx, w)  # noqa: E731
    assert gradcheck(check, (t64(emb.weight.data),))
    emb(idx).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 1, 0, 3])  # row 1 is padding


def test_dropout_gradient_with_a_fixed_mask():
    drop = nn.Dropout(0.4)

    def reseed():
        drop.generator = np.random.default_rng(7)  # the same mask for every probe
    check_module(drop, t64(RNG.standard_normal((3, 4))), before=reseed)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm1d_gradients_in_train_and_eval(shape, training):
    bn = nn.BatchNorm1d(3)
    bn.running_mean.data[...] = RNG.standard_normal(3)
    bn.running_var.data[...] = RNG.uniform(0.5, 2, 3)
    bn.weight.data[...] = RNG.uniform(0.5, 2, 3)
    bn.bias.data[...] = RNG.standard_normal(3)
    bn.train(training)
    check_module(bn, t64(RNG.standard_normal(shape)), second_order=training and len(shape) == 2)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm2d_gradients_in_train_and_eval(training):
    bn = nn.BatchNorm2d(2)
    bn.running_mean.data[...] = RNG.standard_normal(2)
    bn.running_var.data[...] = RNG.uniform(0.5, 2, 2)
    bn.weight.data[...] = RNG.uniform(0.5, 2, 2)
    bn.bias.data[...] = RNG.standard_normal(2)
    bn.train(training)
    check_module(bn, t64(RNG.standard_normal((2, 2, 3, 2))), second_order=training)


@pytest.mark.parametrize("pad", [(1, 2), (0, 1, 2, 0), (1, 0, 0, 2, 1, 1), (-1, 2, 1, -1), (-1, -1)])
def test_pad_gradients(pad):
    assert gradcheck(lambda x: F.pad(x, pad, value=0.5), (t64(RNG.standard_normal((2, 3, 4))),))


@pytest.mark.parametrize("normalized_shape, shape", [(3, (4, 3)), ((2, 3), (2, 2, 3))])
def test_layernorm_gradients(normalized_shape, shape):
    ln = nn.LayerNorm(normalized_shape)
    ln.weight.data[...] = RNG.uniform(0.5, 2, ln.weight.shape)
    ln.bias.data[...] = RNG.standard_normal(ln.bias.shape)
    check_module(ln, t64(RNG.standard_normal(shape)))


ACTIVATIONS = [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(0.1), nn.ELU(0.7), nn.GELU(), nn.GELU("tanh"),
               nn.Softplus(), nn.Softplus(beta=2.0, threshold=3.0), nn.Softsign(), nn.ScaledTanh(),
               nn.Softmax(dim=1), nn.LogSoftmax(dim=1)]


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda m: repr(m))
def test_activation_gradients(act):
    x = RNG.uniform(0.2, 2.5, (3, 4)) * RNG.choice([-1, 1], (3, 4))  # away from kinks at 0
    check_module(act, t64(x))


# ---------------------------------------------------------------------------------- values (closed form)
def test_activation_values_match_their_formulas():
    x = np.linspace(-30, 30, 13)
    xt = ad.tensor(x, dtype=np.float64)
    np.testing.assert_allclose(nn.ScaledTanh()(xt).data, 1.7159 * np.tanh(2 * x / 3))
    np.testing.assert_allclose(nn.ScaledTanh()(ad.tensor([1.0, -1.0], dtype=np.float64)).data, [1, -1], atol=2e-4)
    np.testing.assert_allclose(nn.Softsign()(xt).data, x / (1 + np.abs(x)))
    sp = nn.Softplus(beta=2.0, threshold=20.0)(xt).data
    np.testing.assert_allclose(sp, np.where(2 * x > 20, x, np.log1p(np.exp(2 * x)) / 2))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(xt).data, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(nn.ELU(0.5)(xt).data, np.where(x > 0, x, 0.5 * np.expm1(x)))
    gelu = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(nn.GELU()(xt).data, gelu)


def test_linear_and_conv_match_direct_formulas():
    lin = nn.Linear(4, 3).double()
    x = RNG.standard_normal((5, 4))
    np.testing.assert_allclose(lin(ad.tensor(x)).data, x @ lin.weight.data.T + lin.bias.data)
    conv = nn.Conv2d(2, 3, (2, 3), stride=(2, 1), padding=1).double()
    x = RNG.standard_normal((2, 2, 5, 4))
    out = conv(ad.tensor(x)).data
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    w, b = conv.weight.data, conv.bias.data
    ref = np.zeros(out.shape)
    for i in range(out.shape[2]):  # the definition, one output pixel at a time (test only)
        for j in range(out.shape[3]):
            patch = xp[:, :, 2 * i:2 * i + 2, j:j + 3]
            ref[:, :, i, j] = np.einsum("nckl,ockl->no", patch, w) + b
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_maxpool_routes_gradient_to_the_first_maximum_on_ties():
    x = ad.tensor(np.zeros((1, 1, 2, 4)), dtype=np.float64, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])


def avg_pool_reference(x, k, s, p, ceil_mode=False, count_include_pad=True, divisor_override=None):
    """PyTorch's CPU avg_pool2d kernel transliterated, one output pixel at a time (test only)."""
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    h, w = x.shape[-2:]

    def out_size(size, k, s, p):
        o = (size + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
        return o - 1 if ceil_mode and (o - 1) * s >= size + p else o
    ho, wo = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    y = np.zeros(x.shape[:-2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            h0, w0 = i * sh - ph, j * sw - pw
            h1, w1 = min(h0 + kh, h + ph), min(w0 + kw, w + pw)
            pool_size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            div = divisor_override or (pool_size if count_include_pad else (h1 - h0) * (w1 - w0))
            y[..., i, j] = x[..., h0:h1, w0:w1].sum(axis=(-2, -1)) / div
    return y


def adaptive_avg_pool_reference(x, oh, ow):
    """Window i is [floor(i*H/oh), ceil((i+1)*H/oh)), columns likewise (test only)."""
    h, w = x.shape[-2:]
    y = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, -(-(i + 1) * h // oh))
            cols = slice(j * w // ow, -(-(j + 1) * w // ow))
            y[..., i, j] = x[..., rows, cols].mean(axis=(-2, -1))
    return y


def test_avgpool_values_in_closed_form():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(F.avg_pool2d(ad.tensor(x), 2).data[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    ones = ad.ones(1, 3, 3, dtype=np.float64)
    counted = F.avg_pool2d(ones, 3, 1, 1).data[0]  # zero padding counted: corners see 4 of 9 cells
    np.testing.assert_allclose(counted, [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]])
    np.testing.assert_array_equal(F.avg_pool2d(ones, 3, 1, 1, count_include_pad=False).data, np.ones((1, 3, 3)))
    np.testing.assert_array_equal(F.avg_pool2d(ones, 3, 1, 1, divisor_override=2).data[0, 0, 0], 2.0)
    # ceil_mode: 5 columns, kernel 2: a third window holding only the last column (divided by 1, not 2)
    np.testing.assert_array_equal(F.avg_pool2d(ad.tensor(x[..., :1, :]), (1, 2), ceil_mode=True).data[0, 0],
                                  [[0.5, 2.5]])
    five = ad.tensor(np.arange(5.0).reshape(1, 1, 1, 5))
    np.testing.assert_array_equal(F.avg_pool2d(five, (1, 2), ceil_mode=True).data[0, 0], [[0.5, 2.5, 4.0]])
    np.testing.assert_array_equal(F.avg_pool2d(five, (1, 2)).data[0, 0], [[0.5, 2.5]])
    # adaptive 5 -> 3: windows [0, 2), [1, 4), [3, 5) overlap and differ in size
    np.testing.assert_allclose(F.adaptive_avg_pool2d(five, (1, 3)).data[0, 0], [[0.5, 2.0, 3.5]])


@pytest.mark.parametrize("args", [(2,), (3, 1, 1), (3, 2, 1, True), (3, 2, 1, True, False), ((2, 3), (1, 2), (1, 1)),
                                  ((3, 2), (2, 3), (1, 1), True, False), (2, 1, 1, False, True, -3), (4, 3, 2, True)])
@pytest.mark.parametrize("shape", [(2, 2, 7, 6), (3, 5, 4), (1, 1, 4, 9)])
def test_avgpool_matches_pytorchs_kernel_definition(args, shape):
    x = RNG.standard_normal(shape)
    full = dict(zip(["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"],
                    args))
    def pair(v):  # (the reference reads the arguments itself, not through the code under test)
        return (v, v) if isinstance(v, int) else tuple(v)
    k = pair(full["kernel_size"])
    s, p = pair(full.get("stride", k)), pair(full.get("padding", 0))
    ref = avg_pool_reference(x, k, s, p, *args[3:])
    out = F.avg_pool2d(ad.tensor(x), *args)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("output_size", [1, 2, 3, (4, 5), (None, 2), (3, None), (7, 6), (9, 8)])
@pytest.mark.parametrize("shape", [(2, 2, 7, 6), (3, 5, 4)])
def test_adaptive_avgpool_matches_the_window_definition(output_size, shape):
    x = RNG.standard_normal(shape)
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    ref = adaptive_avg_pool_reference(x, oh or shape[-2], ow or shape[-1])
    out = nn.AdaptiveAvgPool2d(output_size)(ad.tensor(x))
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("pool", [nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                                  nn.AvgPool2d(2), nn.AdaptiveAvgPool2d((3, 2))], ids=repr)
def test_pooling_keeps_float32(pool):
    x = RNG.standard_normal((2, 3, 5, 7)).astype(np.float32)
    xt = ad.tensor(x, requires_grad=True)
    out = pool(xt)
    out.sum().backward()
    assert out.dtype == np.float32 and xt.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, pool(ad.tensor(x.astype(np.float64))).data, rtol=1e-5, atol=1e-6)


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    x = ad.ones(200, 500)
    drop = nn.Dropout(0.3, generator=np.random.default_rng(1))
    y = drop(x).data
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.02  # inverted: expectation preserved
    ad.manual_seed(3)
    a = nn.Dropout(0.5)(x).data
    ad.manual_seed(3)
    np.testing.assert_array_equal(a, nn.Dropout(0.5)(x).data)
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 1.0).data.sum() == 0 and F.dropout(x, 0.0) is x


def test_batchnorm_normalizes_with_biased_variance_and_updates_running_stats_as_pytorch():
    bn = nn.BatchNorm1d(3, momentum=0.1).double()
    x = RNG.standard_normal((8, 3)) * [1, 2, 3] + [0, 1, -1]
    y = bn(ad.tensor(x)).data
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.mean(0))
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.var(0, ddof=1))
    assert int(bn.num_batches_tracked.item()) == 1
    bn.eval()
    np.testing.assert_allclose(bn(ad.tensor(x)).data, (x - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5))
    cumulative = nn.BatchNorm1d(3, momentum=None).double()
    for k in range(3):
        cumulative(ad.tensor(x + k))
    np.testing.assert_allclose(cumulative.running_mean.data, x.mean(0) + 1)


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm2d_normalizes_per_channel_over_n_h_w_and_updates_running_stats(momentum):
    bn = nn.BatchNorm2d(3, momentum=momentum).double()
    x = RNG.standard_normal((4, 3, 2, 5)) * np.array([1, 2, 3])[:, None, None] + np.array([0, 1, -1])[:, None, None]
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    c = lambda v: v[None, :, None, None]  # noqa: E731
    np.testing.assert_allclose(bn(ad.tensor(x)).data, (x - c(mean)) / np.sqrt(c(var) + 1e-5))
    n = 4 * 2 * 5
    np.testing.assert_allclose(bn.running_mean.data, momentum * mean)
    np.testing.assert_allclose(bn.running_var.data, (1 - momentum) + momentum * var * n / (n - 1))
    x2 = x * 2 - 1
    bn(ad.tensor(x2))
    np.testing.assert_allclose(bn.running_mean.data, (1 - momentum) * momentum * mean + momentum * x2.mean((0, 2, 3)))
    assert int(bn.num_batches_tracked.item()) == 2
    bn.eval()
    rm, rv = bn.running_mean.data.copy(), bn.running_var.data.copy()
    np.testing.assert_allclose(bn(ad.tensor(x)).data, (x - c(rm)) / np.sqrt(c(rv) + 1e-5))
    np.testing.assert_array_equal(bn.running_mean.data, rm)  # eval leaves the statistics alone
    cumulative = nn.BatchNorm2d(3, momentum=None).double()
    for k in range(3):
        cumulative(ad.tensor(x + k))
    np.testing.assert_allclose(cumulative.running_mean.data, mean + 1)  # the plain average of the 3 batch means
    np.testing.assert_allclose(cumulative.running_var.data, var * n / (n - 1))


def test_batch_norm_functional_takes_any_trailing_dims():
    x = RNG.standard_normal((3, 2, 2, 2, 3))  # (N, C, D, H, W)
    y = F.batch_norm(ad.tensor(x), None, None, training=True).data
    axes = (0, 2, 3, 4)
    np.testing.assert_allclose(y, (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5))


@pytest.mark.parametrize("pad, crop, width", [
    ((1, 2), np.s_[...], [(0, 0), (0, 0), (1, 2)]),                   # (left, right) of the last dim
    ((0, 1, 2, 0), np.s_[...], [(0, 0), (2, 0), (0, 1)]),             # then (top, bottom) of the one before
    ((1, 1, 0, 0, 2, 0), np.s_[...], [(2, 0), (0, 0), (1, 1)]),
    ((-1, 2), np.s_[:, :, 1:], [(0, 0), (0, 0), (0, 2)]),             # negative: crop first, then pad
    ((-1, -2, 1, 0), np.s_[:, :, 1:2], [(0, 0), (1, 0), (0, 0)]),
    ((), np.s_[...], [(0, 0)] * 3),
])
def test_pad_follows_pytorchs_last_dim_first_pairs(pad, crop, width):
    x = np.arange(24.0).reshape(2, 3, 4)
    y = F.pad(ad.tensor(x, dtype=np.float64), pad, value=-1.0)
    np.testing.assert_array_equal(y.data, np.pad(x[crop], width, constant_values=-1.0))
    assert F.pad(ad.tensor(x), pad).data.sum() == x[crop].sum()  # default value 0


def test_batchnorm_and_layernorm_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((6, 4, 5))
    ours, ref = nn.BatchNorm1d(4).double(), torch.nn.BatchNorm1d(4).double()
    for k in range(3):
        a = ours(ad.tensor(x * (k + 1))).data
        b = ref(torch.tensor(x * (k + 1))).detach().numpy()
        np.testing.assert_allclose(a, b, atol=1e-10)
    np.testing.assert_allclose(ours.running_var.data, ref.running_var.numpy(), atol=1e-12)
    ours.eval()
    ref.eval()
    np.testing.assert_allclose(ours(ad.tensor(x)).data, ref(torch.tensor(x)).detach().numpy(), atol=1e-10)
    ln, tln = nn.LayerNorm((4, 5)).double(), torch.nn.LayerNorm((4, 5)).double()
    np.testing.assert_allclose(ln(ad.tensor(x)).data, tln(torch.tensor(x)).detach().numpy(), atol=1e-10)


def test_conv_pool_and_activations_match_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x = RNG.standard_normal((2, 3, 7, 6))
    w, b = RNG.standard_normal((4, 3, 3, 2)), RNG.standard_normal(4)
    for stride, padding in [(1, 0), (2, 1), ((1, 2), (0, 1))]:
        ours = F.conv2d(ad.tensor(x), ad.tensor(w), ad.tensor(b), stride, padding).data
        ref = tF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride, padding).numpy()
        np.testing.assert_allclose(ours, ref, atol=1e-12)
        k = (3, 2)
        np.testing.assert_allclose(F.max_pool2d(ad.tensor(x), k, stride, (1, 1)).data,
                                   tF.max_pool2d(torch.tensor(x), k, stride, (1, 1)).numpy())
    z = RNG.standard_normal(50) * 5
    for ours, ref in [(F.gelu, tF.gelu), (F.elu, tF.elu), (F.softplus, tF.softplus), (F.softsign, tF.softsign),
                      (lambda v: F.softplus(v, 3.0, 2.0), lambda v: tF.softplus(v, 3.0, 2.0))]:
        np.testing.assert_allclose(ours(ad.tensor(z)).data, ref(torch.tensor(z)).numpy(), atol=1e-12)


# ------------------------------------------------------------------------------------------- init/errors
def test_default_init_is_pytorchs_documented_bounds():
    ad.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert lin.weight.dtype == np.float32 and np.abs(lin.weight.data).max() <= bound
    assert abs(lin.weight.data.var() - bound ** 2 / 3) < 0.05 * bound ** 2 / 3
    assert np.abs(lin.bias.data).max() <= bound
    conv = nn.Conv2d(4, 8, 3)
    assert np.abs(conv.weight.data).max() <= 1 / math.sqrt(4 * 9)
    ad.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.data, lin.weight.data)  # seeded


def test_layer_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\).*weight of shape \(3, 4\)"):
        nn.Linear(4, 3)(ad.zeros(2, 5))
    with pytest.raises(ValueError, match=r"Conv2d: expected input of shape \(N, 3, H, W\), got \(1, 2, 5, 5\)"):
        nn.Conv2d(3, 1, 3)(ad.zeros(1, 2, 5, 5))
    with pytest.raises(ValueError, match="BatchNorm1d"):
        nn.BatchNorm1d(3)(ad.zeros(4, 2))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ad.zeros(1, 3))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected input of shape \(N, 3, H, W\), got \(2, 3, 4\)"):
        nn.BatchNorm2d(3)(ad.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected .*, got \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(ad.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(3)(ad.zeros(1, 3, 1, 1))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected input of shape \(N, 3\) or \(N, 3, L\)"):
        nn.BatchNorm1d(3)(ad.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="batch_norm: expected input of shape \\(N, C, \\*\\)"):
        F.batch_norm(ad.zeros(3), None, None)
    with pytest.raises(IndexError, match="index 7 is out of range"):
        nn.Embedding(5, 2)(np.array([1, 7]))
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="kernel"):
        F.max_pool2d(ad.zeros(1, 1, 2, 2), 3)


def test_pooling_errors_name_the_function_and_shapes():
    x = ad.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel \(3, 3\) is larger than the padded input: input of shape "
                                         r"\(1, 1, 2, 2\) with padding \(0, 0\) gives an output of size \(0, 0\)"):
        F.avg_pool2d(x, 3)
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel \(1, 5\) is larger .* input of shape \(1, 2, 2\) "
                                         r"with padding \(0, 1\)"):
        F.avg_pool2d(ad.zeros(1, 2, 2), (1, 5), 1, (0, 1))  # unbatched: its own shape named
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 2\) must be at most half the kernel size \(3, 3\)"):
        F.avg_pool2d(ad.zeros(1, 1, 9, 9), 3, padding=2)
    with pytest.raises(ValueError, match=r"AvgPool2d: padding \(0, 2\) must be at most half the kernel size \(2, 3\)"):
        nn.AvgPool2d((2, 3), padding=(0, 2))  # refused at construction
    for fn in (lambda v: F.avg_pool2d(v, 2), lambda v: F.adaptive_avg_pool2d(v, 2)):
        for shape in [(4, 4), (1, 1, 1, 4, 4)]:
            with pytest.raises(ValueError, match=r"avg_pool2d: expected input of shape \(N, C, H, W\) or unbatched "
                                                 rf"\(C, H, W\), got {re.escape(str(shape))}"):
                fn(ad.zeros(*shape))
    with pytest.raises(TypeError, match="avg_pool2d: expected a floating point input, got dtype int64"):
        F.avg_pool2d(ad.tensor(np.zeros((1, 1, 2, 2), dtype=np.int64)), 2)
    with pytest.raises(TypeError, match="adaptive_avg_pool2d: expected a floating point input, got dtype int64"):
        nn.AdaptiveAvgPool2d(1)(ad.tensor(np.zeros((1, 2, 2), dtype=np.int64)))
    with pytest.raises(ValueError, match="avg_pool2d: divisor_override must be a nonzero int or None, got 0"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="AvgPool2d: divisor_override must be a nonzero int or None, got 1.5"):
        nn.AvgPool2d(2, divisor_override=1.5)
    with pytest.raises(TypeError, match=r"avg_pool2d: kernel_size must be an int or a pair of ints, got \(1, 2, 3\)"):
        F.avg_pool2d(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"avg_pool2d: stride must be >= 1, got \(1, 0\)"):
        F.avg_pool2d(x, 1, (1, 0))
    with pytest.raises(ValueError, match="avg_pool2d: padding must be >= 0, got -1"):
        F.avg_pool2d(x, 2, 1, -1)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be >= 0, got \(-1, 2\)"):
        F.adaptive_avg_pool2d(x, (-1, 2))
    with pytest.raises(TypeError, match=r"AdaptiveAvgPool2d: output_size must be an int or a pair .* got 2.5"):
        nn.AdaptiveAvgPool2d(2.5)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: expected an input with non-zero height and width, "
                                         r"got shape \(2, 0, 3\)"):
        F.adaptive_avg_pool2d(ad.zeros(2, 0, 3), 1)
    assert F.adaptive_avg_pool2d(ad.zeros(0, 2, 3, 3), (2, 2)).shape == (0, 2, 2, 2)  # an empty batch is fine


def test_pad_errors():
    x = ad.zeros(2, 3)
    with pytest.raises(NotImplementedError, match="pad: Unrecognised padding mode 'bogus'"):
        F.pad(x, (1, 1), mode="bogus")
    with pytest.raises(ValueError, match="padding length must be divisible by 2, got 3"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match=r"padding length 6 is more than two times .* shape \(2, 3\)"):
        F.pad(x, (1,) * 6)
    with pytest.raises(TypeError, match="pad must be a tuple of ints"):
        F.pad(x, (1.5, 1))
    with pytest.raises(TypeError, match="pad must be a tuple of ints"):
        F.pad(x, 1)
    with pytest.raises(ValueError, match=r"negative padding \(-2, -2\) crops more than the 3 elements of dimension 1"):
        F.pad(x, (-2, -2))
    assert F.pad(x, (-2, -1)).shape == (2, 0)  # cropping to nothing is allowed, as PyTorch


def test_one_hot_and_flatten():
    oh = F.one_hot(np.array([2, 0, 1]), 4)
    assert oh.dtype == np.int64
    np.testing.assert_array_equal(oh.data, np.eye(4, dtype=int)[[2, 0, 1]])
    assert F.one_hot(np.array([[1], [3]])).shape == (2, 1, 4)
    with pytest.raises(ValueError, match="out of range"):
        F.one_hot(np.array([5]), 3)
    assert nn.Flatten()(ad.zeros(2, 3, 4, 5)).shape == (2, 60)
    assert nn.Flatten(0, 1)(ad.zeros(2, 3, 4)).shape == (6, 4)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.conv2d(x, ad.ones(2, 1, 3, 3), stride=1.5), r"conv2d: stride must be an int or a pair of ints"),
    (lambda x: F.max_pool2d(x, 2.0), r"max_pool2d: kernel_size must be an int or a pair of ints, got 2.0"),
    (lambda x: F.max_pool2d(x, (2, True)), r"max_pool2d: kernel_size must be an int or a pair of ints"),
    (lambda x: F.avg_pool2d(x, 2, stride=(1, 1, 1)), r"avg_pool2d: stride must be an int or a pair of ints"),
])
def test_conv_and_pool_sizes_must_be_ints_not_truncated_floats(call, message):
    with pytest.raises(TypeError, match=message):
        call(ad.ones(1, 1, 6, 6))
    with pytest.raises(ValueError, match="max_pool2d: padding must be >= 0, got -1"):
        F.max_pool2d(ad.ones(1, 1, 6, 6), 2, padding=-1)


def test_conv2d_module_refuses_float_or_too_small_sizes():
    with pytest.raises(TypeError, match="Conv2d: kernel_size must be an int or a pair of ints, got 2.5"):
        nn.Conv2d(1, 2, 2.5)
    with pytest.raises(ValueError, match="Conv2d: stride must be >= 1, got 0"):
        nn.Conv2d(1, 2, 3, stride=0)
    with pytest.raises(ValueError, match=r"Conv2d: padding must be >= 0, got \(1, -1\)"):
        nn.Conv2d(1, 2, 3, padding=(1, -1))
