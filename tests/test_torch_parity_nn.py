"""PyTorch parity for `nn`: the same weights and inputs through our layer and torch's, float64.

Forward values, gradients (input and every parameter, by name), buffers after the call, state_dict
keys, Module API behaviour, utils and data loading, as a user porting a PyTorch script expects them.
"""
from __future__ import annotations

import math
import re
import warnings
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import autodiff as ad  # noqa: E402
import nn  # noqa: E402
from nn import functional as F  # noqa: E402

RTOL, ATOL = 1e-10, 1e-12


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def ours(a, requires_grad: bool = False):
    a = np.asarray(a)
    return ad.tensor(a, dtype=a.dtype, requires_grad=requires_grad)


def theirs(a, requires_grad: bool = False):
    return torch.tensor(np.asarray(a), requires_grad=requires_grad)


def close(a, b, rtol=RTOL, atol=ATOL) -> None:
    a = np.asarray(a.data if isinstance(a, ad.Tensor) else a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def copy_state(our: nn.Module, their: torch.nn.Module) -> None:
    """Load torch's state_dict into ours (this also checks that the key names agree)."""
    our.load_state_dict({k: v.detach().numpy() for k, v in their.state_dict().items()})


def compare_module(our: nn.Module, their: torch.nn.Module, x: np.ndarray, calls: int = 1, seed: int = 1):
    """Forward/backward `calls` times through both; compare outputs, grads (input and params) and buffers."""
    our.double()
    their.double()
    copy_state(our, their)
    assert list(our.state_dict()) == list(their.state_dict())
    assert [n for n, _ in our.named_parameters()] == [n for n, _ in their.named_parameters()]
    floating = x.dtype.kind == "f"
    r = rng(seed)
    for _ in range(calls):
        xo, xt = ours(x, floating), theirs(x, floating)
        yo, yt = our(xo), their(xt)
        close(yo, yt)
        g = r.standard_normal(tuple(yt.shape))
        yo.backward(ours(g))
        yt.backward(theirs(g))
        if floating:
            close(xo.grad, xt.grad)
        for (name, po), (_, pt) in zip(our.named_parameters(), their.named_parameters(), strict=True):
            if pt.grad is None:
                assert po.grad is None or not np.any(po.grad.data), name
            else:
                close(po.grad, pt.grad)
        for (_, bo), (_, bt) in zip(our.state_dict().items(), their.state_dict().items(), strict=True):
            close(bo, bt)
    return our, their


# ------------------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("shape, bias", [((4, 3), True), ((2, 5, 3), False), ((3,), True)])
def test_linear(shape, bias):
    torch.manual_seed(0)
    compare_module(nn.Linear(3, 2, bias=bias), torch.nn.Linear(3, 2, bias=bias), rng().standard_normal(shape))


@pytest.mark.parametrize("cin, cout, k, stride, padding, hw", [
    (2, 3, 3, 1, 0, (5, 5)),
    (2, 3, (2, 3), 1, 0, (5, 6)),
    (1, 2, 3, 2, 1, (7, 6)),
    (3, 2, (3, 2), (2, 1), (1, 0), (6, 5)),
    (2, 2, 3, 3, 2, (4, 9)),
])
def test_conv2d(cin, cout, k, stride, padding, hw):
    torch.manual_seed(0)
    x = rng().standard_normal((2, cin) + hw)
    compare_module(nn.Conv2d(cin, cout, k, stride=stride, padding=padding),
                   torch.nn.Conv2d(cin, cout, k, stride=stride, padding=padding), x)


def test_conv2d_without_bias():
    torch.manual_seed(0)
    compare_module(nn.Conv2d(2, 2, 2, bias=False), torch.nn.Conv2d(2, 2, 2, bias=False),
                   rng().standard_normal((1, 2, 4, 4)))


@pytest.mark.parametrize("padding, k", [("same", 3), ("same", (3, 5)), ("valid", 3), ("valid", (2, 3))])
def test_conv2d_padding_strings(padding, k):
    torch.manual_seed(0)
    compare_module(nn.Conv2d(2, 3, k, padding=padding), torch.nn.Conv2d(2, 3, k, padding=padding),
                   rng().standard_normal((2, 2, 6, 7)))


def test_conv2d_and_pool_accept_unbatched_input():
    torch.manual_seed(0)
    x = rng().standard_normal((2, 6, 5))
    compare_module(nn.Conv2d(2, 3, 3, padding=1), torch.nn.Conv2d(2, 3, 3, padding=1), x)
    compare_module(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)


def test_positional_signatures_match_torch():
    """Positional arguments land on the same parameters (dilation/groups before bias, max_norm before _weight...)."""
    o, t = nn.Conv2d(2, 3, 3, 1, 0, 1, 1, False), torch.nn.Conv2d(2, 3, 3, 1, 0, 1, 1, False)
    assert o.bias is None and t.bias is None
    o, t = nn.Embedding(4, 2, None, None, 2.0, False, False), torch.nn.Embedding(4, 2, None, None, 2.0, False, False)
    assert repr(o) == repr(t)
    o, t = nn.Embedding(4, 2, _freeze=True), torch.nn.Embedding(4, 2, _freeze=True)
    assert o.weight.requires_grad == t.weight.requires_grad is False
    o, t = nn.Linear(2, 3, True, None), torch.nn.Linear(2, 3, True, None)
    assert repr(o) == repr(t)
    o, t = nn.BatchNorm1d(3, 1e-3, 0.2, True, False, None), torch.nn.BatchNorm1d(3, 1e-3, 0.2, True, False, None)
    assert repr(o) == repr(t)
    o, t = nn.LayerNorm(3, 1e-3, True, False, None), torch.nn.LayerNorm(3, 1e-3, True, False, None)
    assert repr(o) == repr(t)
    o, t = nn.MaxPool2d(3, 2, 1, 1, False, False), torch.nn.MaxPool2d(3, 2, 1, 1, False, False)
    assert repr(o) == repr(t)
    o, t = nn.AvgPool2d(3, 2, 1, True, False, 5), torch.nn.AvgPool2d(3, 2, 1, True, False, 5)
    assert repr(o) == repr(t)
    assert (o.ceil_mode, o.count_include_pad, o.divisor_override) == (t.ceil_mode, t.count_include_pad,
                                                                       t.divisor_override)


@pytest.mark.parametrize("k, stride, padding, hw", [
    (2, None, 0, (4, 4)),
    (2, None, 0, (5, 7)),
    (3, 2, 1, (7, 6)),
    ((2, 3), (1, 2), (1, 1), (5, 7)),
    (3, 1, 0, (4, 5)),
])
def test_max_pool2d(k, stride, padding, hw):
    x = rng().permutation(2 * 3 * hw[0] * hw[1]).reshape((2, 3) + hw).astype(np.float64)  # no ties
    compare_module(nn.MaxPool2d(k, stride, padding), torch.nn.MaxPool2d(k, stride, padding), x)


def test_max_pool2d_negative_inputs_with_padding():
    x = -1.0 - rng().random((1, 1, 5, 5))  # padding must act as -inf, not 0
    compare_module(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), x)


AVG_POOL_CASES = [  # AvgPool2d's positional arguments, input (N, C, H, W) or (C, H, W)
    ((2,), (2, 3, 4, 4)),                                  # tiled
    ((2,), (2, 3, 5, 7)),                                  # odd sizes: last row/column dropped
    ((3, 2), (1, 2, 7, 6)),                                # stride != kernel
    ((3, 1, 1), (2, 2, 5, 4)),                             # padding, counted in the divisor
    ((3, 2, 1, False, False), (2, 2, 7, 6)),               # padding not counted
    (((2, 3), (1, 2), (1, 1)), (2, 3, 5, 7)),
    ((2, 2, 0, True), (1, 2, 5, 5)),                       # ceil_mode: a partial last window
    ((3, 2, 1, True), (2, 2, 6, 6)),                       # ceil_mode with padding: window clipped at the padding
    ((3, 2, 1, True, False), (2, 2, 6, 6)),
    (((3, 2), (2, 3), (1, 1), True, False), (2, 1, 8, 7)),
    ((3, 2, 0, True), (1, 1, 2, 2)),                       # ceil_mode: a kernel larger than the input still fits
    ((3, 1, 1, False, True, 4), (2, 2, 5, 5)),             # divisor_override
    ((2, 2, 1, True, False, -3), (1, 2, 5, 4)),
    ((4, 3, 2, True, False), (1, 1, 9, 10)),
    ((3, 2, 1), (3, 7, 6)),                                # unbatched
    ((2, None, 0, True), (2, 5, 5)),
]


@pytest.mark.parametrize("args, shape", AVG_POOL_CASES, ids=lambda v: str(v).replace(" ", ""))
def test_avg_pool2d(args, shape):
    x = rng().standard_normal(shape)
    compare_module(nn.AvgPool2d(*args), torch.nn.AvgPool2d(*args), x)
    ours_f = F.avg_pool2d(ours(x), *args)  # the functional form takes the same positional arguments
    close(ours_f, torch.nn.functional.avg_pool2d(theirs(x), *args))


ADAPTIVE_CASES = [
    (1, (2, 3, 7, 6)),           # global average
    (2, (2, 3, 4, 6)),           # divides: tiled
    ((3, 2), (2, 3, 7, 6)),      # neither divides
    (5, (1, 2, 7, 9)),
    ((4, 3), (2, 2, 4, 7)),      # one divides, the other not
    ((None, 3), (2, 2, 5, 7)),   # None keeps the height
    ((4, None), (2, 2, 5, 7)),
    ((9, 8), (1, 2, 5, 7)),      # larger than the input: overlapping windows
    ((3, 2), (3, 7, 6)),         # unbatched
    (2, (3, 5, 4)),
]


@pytest.mark.parametrize("output_size, shape", ADAPTIVE_CASES, ids=lambda v: str(v).replace(" ", ""))
def test_adaptive_avg_pool2d(output_size, shape):
    x = rng().standard_normal(shape)
    compare_module(nn.AdaptiveAvgPool2d(output_size), torch.nn.AdaptiveAvgPool2d(output_size), x)
    close(F.adaptive_avg_pool2d(ours(x), output_size), torch.nn.functional.adaptive_avg_pool2d(theirs(x), output_size))


@pytest.mark.parametrize("name, args", [("avg_pool2d", (3, 2, 1, True, False)), ("avg_pool2d", (2,)),
                                        ("adaptive_avg_pool2d", ((3, 4),))], ids=["avg", "avg-tiled", "adaptive"])
def test_pooling_float32(name, args):
    ours_fn = lambda v: getattr(F, name)(v, *args)  # noqa: E731
    theirs_fn = lambda v: getattr(torch.nn.functional, name)(v, *args)  # noqa: E731
    x = rng().standard_normal((2, 3, 7, 6)).astype(np.float32)
    xo, xt = ours(x, True), theirs(x, True)
    yo, yt = ours_fn(xo), theirs_fn(xt)
    close(yo, yt, rtol=1e-5, atol=1e-6)
    g = rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    yo.backward(ours(g))
    yt.backward(theirs(g))
    close(xo.grad, xt.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call, match", [
    (lambda f, x: f.avg_pool2d(x, 3), r"avg_pool2d: kernel \(3, 3\) is larger than the padded input: input of shape "
                                      r"\(1, 2, 2, 2\)"),
    (lambda f, x: f.avg_pool2d(x, (1, 5), 1, (0, 1)), r"avg_pool2d: kernel \(1, 5\) is larger than the padded "
                                                      r"input: input of shape \(1, 2, 2, 2\) with padding \(0, 1\)"),
    (lambda f, x: f.avg_pool2d(x, 3, padding=2), r"avg_pool2d: padding \(2, 2\) must be at most half the kernel size"),
    (lambda f, x: f.avg_pool2d(x, 2, 1, (0, 2)), r"avg_pool2d: padding \(0, 2\) must be at most half the kernel "
                                                 r"size \(2, 2\)"),
    (lambda f, x: f.avg_pool2d(x[0, 0], 1), r"avg_pool2d: expected input of shape \(N, C, H, W\) or unbatched "
                                            r"\(C, H, W\), got \(2, 2\)"),
    (lambda f, x: f.avg_pool2d(x, 2, divisor_override=0), "avg_pool2d: divisor_override must be a nonzero int"),
    (lambda f, x: f.avg_pool2d(x, 2, 0), r"avg_pool2d: stride must be >= 1, got 0"),
    (lambda f, x: f.adaptive_avg_pool2d(x[0, 0, 0], 1), r"adaptive_avg_pool2d: expected input of shape .* got \(2,\)"),
    (lambda f, x: f.adaptive_avg_pool2d(x, (2, -1)), r"adaptive_avg_pool2d: output_size must be >= 0, got \(2, -1\)"),
    (lambda f, x: f.adaptive_avg_pool2d(x[:, :, :0], 2), r"adaptive_avg_pool2d: expected an input with non-zero "
                                                         r"height and width, got shape \(1, 2, 0, 2\)"),
], ids=["kernel", "kernel-padded", "padding", "padding-w", "ndim", "divisor", "stride", "adaptive-ndim",
        "adaptive-size", "adaptive-empty"])
def test_pooling_refuses_what_torch_refuses(call, match):
    x = np.zeros((1, 2, 2, 2))
    with pytest.raises((RuntimeError, IndexError)):  # (IndexError for too few dimensions)
        call(torch.nn.functional, theirs(x))
    with pytest.raises(ValueError, match=match):
        call(F, ours(x))


@pytest.mark.parametrize("start, end", [(1, -1), (0, -1), (2, 3), (-3, -2), (1, 1), (0, 0)])
def test_flatten(start, end):
    compare_module(nn.Flatten(start, end), torch.nn.Flatten(start, end), rng().standard_normal((2, 3, 4, 5)))


def test_unflatten():
    compare_module(nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), rng().standard_normal((4, 6, 5)))


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding(dtype, padding_idx):
    torch.manual_seed(0)
    idx = np.array([[0, 2, 4, 2], [4, 4, 1, 3]], dtype=dtype)
    compare_module(nn.Embedding(5, 3, padding_idx=padding_idx), torch.nn.Embedding(5, 3, padding_idx=padding_idx),
                   idx)


def test_embedding_padding_row_starts_at_zero_and_repr():
    e, t = nn.Embedding(6, 2, padding_idx=-2), torch.nn.Embedding(6, 2, padding_idx=-2)
    assert e.padding_idx == t.padding_idx == 4
    assert not np.any(e.weight.data[4])
    assert repr(e) == repr(t)


def test_embedding_from_pretrained():
    w = rng().standard_normal((4, 3))
    e, t = nn.Embedding.from_pretrained(ours(w)), torch.nn.Embedding.from_pretrained(theirs(w))
    assert e.weight.requires_grad == t.weight.requires_grad
    idx = np.array([3, 0, 3])
    close(e(idx), t(theirs(idx)))


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_extremes(p):
    x = rng().standard_normal((3, 4))
    compare_module(nn.Dropout(p), torch.nn.Dropout(p), x)


def test_dropout_scaling_and_eval():
    d = nn.Dropout(0.25)
    x = ours(np.ones((200, 50)), True)
    y = d(x)
    vals = np.unique(y.data)
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # d y / d x is the mask times 1/(1-p)
    d.eval()
    assert np.array_equal(d(x).data, x.data)
    assert repr(d) == repr(torch.nn.Dropout(0.25))


BATCH_NORM_CASES = [
    {},
    {"momentum": None},
    {"momentum": 0.3},
    {"affine": False},
    {"track_running_stats": False},
    {"eps": 1e-2, "momentum": None, "affine": False},
]


@pytest.mark.parametrize("kwargs", BATCH_NORM_CASES)
@pytest.mark.parametrize("cls, shape, eval_shape", [("BatchNorm1d", (6, 3), (6, 3)),
                                                     ("BatchNorm1d", (4, 3, 5), (4, 3, 5)),
                                                     ("BatchNorm2d", (2, 3, 4, 5), (3, 3, 2, 2))])
def test_batch_norm_train_then_eval(kwargs, cls, shape, eval_shape):
    torch.manual_seed(0)
    o, t = getattr(nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    if kwargs.get("affine", True):
        with torch.no_grad():
            t.weight.copy_(torch.rand(3) + 0.5)
            t.bias.copy_(torch.randn(3))
    x = rng().standard_normal(shape) * 2 + 1
    compare_module(o, t, x, calls=3)
    o.eval()
    t.eval()
    compare_module(o, t, rng(5).standard_normal(eval_shape), calls=1)
    assert repr(o) == repr(t)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batch_norm1d_without_bias(shape):
    o, t = nn.BatchNorm1d(3, bias=False), torch.nn.BatchNorm1d(3, bias=False)
    with torch.no_grad():
        t.weight.copy_(torch.rand(3) + 0.5)
    compare_module(o, t, rng().standard_normal(shape), calls=2)
    assert repr(o) == repr(t)
    o.reset_parameters()
    t.reset_parameters()
    compare_module(o.eval(), t.eval(), rng().standard_normal(shape))


def test_batch_norm1d_eval_before_any_training():
    compare_module(nn.BatchNorm1d(4).eval(), torch.nn.BatchNorm1d(4).eval(), rng().standard_normal((3, 4)))


def test_batch_norm1d_repr_and_buffers():
    o, t = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    assert repr(o) == repr(t)
    assert [n for n, _ in o.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert o.num_batches_tracked.dtype == np.int64


def test_batch_norm2d_after_conv_without_bias_and_buffers():
    torch.manual_seed(0)
    build = lambda lib: lib.Sequential(lib.Conv2d(2, 3, 3, padding=1), lib.BatchNorm2d(3, bias=False),  # noqa: E731
                                       lib.ReLU())
    compare_module(build(nn), build(torch.nn), rng().standard_normal((2, 2, 5, 4)), calls=2)
    o, t = nn.BatchNorm2d(4, 1e-3, 0.2, True, False, None), torch.nn.BatchNorm2d(4, 1e-3, 0.2, True, False, None)
    assert repr(o) == repr(t)
    o, t = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    assert [n for n, _ in o.named_buffers()] == [n for n, _ in t.named_buffers()]


@pytest.mark.parametrize("normalized_shape, kwargs", [
    (5, {}),
    ((4, 5), {}),
    ([5], {"elementwise_affine": False}),
    ((4, 5), {"eps": 1e-1}),
    (5, {"bias": False}),
])
def test_layer_norm(normalized_shape, kwargs):
    torch.manual_seed(0)
    o, t = nn.LayerNorm(normalized_shape, **kwargs), torch.nn.LayerNorm(normalized_shape, **kwargs)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape))
    compare_module(o, t, rng().standard_normal((2, 3, 4, 5)) * 3)
    assert repr(o) == repr(t)


def test_layer_norm_reset_parameters():
    o, t = nn.LayerNorm((2, 3)), torch.nn.LayerNorm((2, 3))
    with ad.no_grad():
        o.weight.fill_(5.0)
        o.bias.fill_(2.0)
    o.reset_parameters()
    compare_module(o, t, rng().standard_normal((4, 2, 3)))


# -------------------------------------------------------------------------------------- activations
ACTIVATIONS = [
    ("ReLU", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softsign", {}),
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("LeakyReLU", {"negative_slope": -0.5}),
    ("ELU", {}), ("ELU", {"alpha": 0.5}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}),
    ("Softplus", {}), ("Softplus", {"beta": 2.0}), ("Softplus", {"beta": 0.5, "threshold": 1.0}),
    ("Softplus", {"beta": 3.0, "threshold": 2.0}),
    ("Softmax", {"dim": 1}), ("Softmax", {"dim": 0}), ("LogSoftmax", {"dim": 1}), ("LogSoftmax", {"dim": -1}),
]


@pytest.mark.parametrize("name, kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activation(name, kwargs):
    x = np.concatenate([np.linspace(-30, 30, 61), rng().standard_normal(19) * 3]).reshape(4, 20)
    x = x + 0.05 if name in ("ReLU", "LeakyReLU") else x  # away from the kink at 0
    o, t = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    compare_module(o, t, x)
    assert repr(o) == repr(t)


@pytest.mark.parametrize("name, kwargs", [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.3}), ("ELU", {}),
                                          ("ELU", {"alpha": -0.5}), ("GELU", {}), ("Softsign", {}),
                                          ("Softplus", {"beta": 2.0, "threshold": 4.0})], ids=str)
def test_activation_at_kinks_and_thresholds(name, kwargs):
    """Exact zeros (ReLU's and ELU's kink: PyTorch's one-sided choice) and beta*x exactly at the threshold."""
    x = np.array([[-1.0, 0.0, -0.0, 2.0, 1.9, 2.1]])
    compare_module(getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), x)


@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
def test_softmax_implicit_dim_like_torch(cls, shape):
    x = rng().standard_normal(shape)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        yo = getattr(nn, cls)()(ours(x))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        yt = getattr(torch.nn, cls)()(theirs(x))
    close(yo, yt)
    assert repr(getattr(nn, cls)()) == repr(getattr(torch.nn, cls)())


def test_scaled_tanh():
    x = rng().standard_normal((3, 4)) * 2
    xo, xt = ours(x, True), theirs(x, True)
    yo, yt = nn.ScaledTanh()(xo), 1.7159 * torch.tanh(2 * xt / 3)
    close(yo, yt)
    yo.sum().backward()
    yt.sum().backward()
    close(xo.grad, xt.grad)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "gelu", "softplus", "softsign", "sigmoid", "tanh"])
def test_functional_activation(name):
    x = rng().standard_normal((3, 5)) * 4
    close(getattr(F, name)(ours(x)), getattr(torch.nn.functional, name)(theirs(x)))


@pytest.mark.parametrize("pad", [(1, 1), (2, 0), (0, 3, 1, 0), (1, 2, 0, 1, 2, 0), (1, 0, 1, 0, 0, 0, 1, 1),
                                 (-1, 1), (1, -2, -1, 0), (-1, -1, 0, 0, 1, 1)])
@pytest.mark.parametrize("value", [0.0, -2.5])
def test_pad(pad, value):
    compare_loss(lambda a: F.pad(a, pad, value=value), lambda a: torch.nn.functional.pad(a, pad, value=value),
                 rng().standard_normal((2, 3, 4, 5)))


def test_pad_default_value_and_float32():
    x = rng().standard_normal((3, 4)).astype(np.float32)
    close(F.pad(ours(x), (1, 2, 0, 1)), torch.nn.functional.pad(theirs(x), (1, 2, 0, 1)))
    close(F.pad(ours(x), [2, 2], "constant", None), torch.nn.functional.pad(theirs(x), [2, 2], "constant", None))


# ------------------------------------------------------------------------------------------- losses
def compare_loss(our_fn, their_fn, x, *consts, target_grad: bool = False):
    xo, xt = ours(x, True), theirs(x, True)
    co = [ours(c, target_grad and k == 0) if isinstance(c, np.ndarray) else c for k, c in enumerate(consts)]
    ct = [theirs(c, target_grad and k == 0) if isinstance(c, np.ndarray) else c for k, c in enumerate(consts)]
    lo, lt = our_fn(xo, *co), their_fn(xt, *ct)
    close(lo, lt)
    g = rng(7).standard_normal(tuple(lt.shape))
    lo.backward(ours(g))
    lt.backward(theirs(g))
    close(xo.grad, xt.grad)
    if target_grad:
        close(co[0].grad, ct[0].grad)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    x, y = rng().standard_normal((4, 3)), rng(1).standard_normal((4, 3))
    compare_loss(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), x, y, target_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_loss(reduction):
    x, y = rng().standard_normal((4, 3)), rng(1).standard_normal((4, 3))
    compare_loss(nn.L1Loss(reduction=reduction), torch.nn.L1Loss(reduction=reduction), x, y, target_grad=True)


CE_CASES = [
    {},
    {"weight": np.array([0.2, 1.0, 3.0, 0.5])},
    {"ignore_index": 1},
    {"ignore_index": 1, "weight": np.array([0.2, 1.0, 3.0, 0.5])},
    {"label_smoothing": 0.1},
    {"label_smoothing": 0.3, "weight": np.array([0.2, 1.0, 3.0, 0.5])},
    {"label_smoothing": 0.2, "ignore_index": 2},
    {"label_smoothing": 0.2, "ignore_index": 2, "weight": np.array([0.2, 1.0, 3.0, 0.5])},
]


def _loss_modules(name, kwargs, reduction):
    ko = {k: ours(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kt = {k: theirs(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(nn, name)(reduction=reduction, **ko), getattr(torch.nn, name)(reduction=reduction, **kt)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", CE_CASES, ids=lambda d: ",".join(d) or "plain")
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (2, 4, 3, 2), (4,)])
def test_cross_entropy_class_indices(kwargs, reduction, shape):
    x = rng().standard_normal(shape) * 2
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    y = rng(1).integers(0, 4, tshape)
    o, t = _loss_modules("CrossEntropyLoss", kwargs, reduction)
    compare_loss(o, t, x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [c for c in CE_CASES if "ignore_index" not in c], ids=lambda d: ",".join(d) or "p")
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (4,)])
def test_cross_entropy_class_probabilities(kwargs, reduction, shape):
    x = rng().standard_normal(shape) * 2
    p = rng(1).random(shape)
    p /= p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    o, t = _loss_modules("CrossEntropyLoss", kwargs, reduction)
    compare_loss(o, t, x, p)


@pytest.mark.parametrize("fn, kwargs", [("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.2}),
                                        ("nll_loss", {}), ("cross_entropy", {"weight": np.zeros(4)}),
                                        ("nll_loss", {"weight": np.zeros(4)})], ids=str)
def test_zero_total_weight_gives_nan_loss_and_torch_gradient(fn, kwargs):
    """All targets ignored: nan loss, zero gradient; all weights zero: nan loss and nan gradient (as torch)."""
    x = rng().standard_normal((3, 4))
    y = np.full(3, -100) if "weight" not in kwargs else np.array([0, 1, 3])
    ko = {k: ours(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kt = {k: theirs(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    compare_loss(lambda a, b: getattr(F, fn)(a, b, **ko), lambda a, b: getattr(torch.nn.functional, fn)(a, b, **kt),
                 x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [c for c in CE_CASES if "label_smoothing" not in c],
                         ids=lambda d: ",".join(d) or "p")
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (4,)])
def test_nll_loss(kwargs, reduction, shape):
    x = np.log(rng().dirichlet(np.ones(4), size=int(np.prod(shape)) // 4)).reshape(shape)
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    y = rng(1).integers(0, 4, tshape)
    o, t = _loss_modules("NLLLoss", kwargs, reduction)
    compare_loss(o, t, x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(reduction, weighted):
    p = rng().uniform(0.02, 0.98, (5, 3))
    y = rng(1).random((5, 3))
    kwargs = {"weight": rng(2).random((5, 3)) + 0.5} if weighted else {}
    o, t = _loss_modules("BCELoss", kwargs, reduction)
    compare_loss(o, t, p, y, target_grad=True)


def test_bce_loss_clamps_logs_at_minus_100():
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    close(F.binary_cross_entropy(ours(p), y, reduction="none"),
          torch.nn.functional.binary_cross_entropy(theirs(p), theirs(y), reduction="none"))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"pos_weight": np.array([0.5, 2.0, 3.0])},
                                    {"weight": np.array([1.0, 0.3, 2.0])},
                                    {"weight": np.array([[1.0], [0.3], [2.0], [1.5], [0.1]]),
                                     "pos_weight": np.array([0.5, 2.0, 3.0])}], ids=lambda d: ",".join(d) or "p")
def test_bce_with_logits_loss(reduction, kwargs):
    x = rng().standard_normal((5, 3)) * 5
    y = rng(1).random((5, 3))
    o, t = _loss_modules("BCEWithLogitsLoss", kwargs, reduction)
    compare_loss(o, t, x, y, target_grad=True)


def test_bce_with_logits_extreme_logits():
    x, y = np.array([-800.0, -30.0, 30.0, 800.0]), np.array([1.0, 0.0, 1.0, 0.0])
    compare_loss(nn.BCEWithLogitsLoss(pos_weight=ours(np.array(2.0))),
                 torch.nn.BCEWithLogitsLoss(pos_weight=theirs(np.array(2.0))), x, y)


@pytest.mark.parametrize("name, kwargs", [("CrossEntropyLoss", {"weight": np.ones(3)}), ("NLLLoss", {}),
                                          ("BCELoss", {"weight": np.ones(2)}),
                                          ("BCEWithLogitsLoss", {"pos_weight": np.ones(2)}), ("MSELoss", {})])
def test_loss_state_dict_keys(name, kwargs):
    o, t = _loss_modules(name, kwargs, "mean")
    assert list(o.state_dict()) == list(t.state_dict())


# -------------------------------------------------------------------------------------- Module API
def _net(lib):
    """A small model with nesting, a shared submodule, a ModuleList, a named Sequential and a None child."""
    block = lib.Module()
    block.fc = lib.Linear(2, 3)
    block.bn = lib.BatchNorm1d(3)
    block.act = lib.ReLU()
    net = lib.Module()
    net.block = block
    net.shared = block.fc  # the same module under two names
    net.layers = lib.ModuleList([lib.Linear(3, 3), lib.Tanh()])
    net.seq = lib.Sequential(OrderedDict([("a", lib.Linear(3, 1)), ("b", lib.Sigmoid())]))
    net.register_module("head", None)
    return net


def _pair_nets():
    torch.manual_seed(0)
    return _net(nn), _net(torch.nn)


def test_state_dict_keys_and_order():
    o, t = _pair_nets()
    assert list(o.state_dict()) == list(t.state_dict())
    assert list(o.state_dict(prefix="m.")) == list(t.state_dict(prefix="m."))


@pytest.mark.parametrize("remove_duplicate", [True, False])
def test_named_members(remove_duplicate):
    o, t = _pair_nets()
    for meth in ("named_modules", "named_parameters", "named_buffers"):
        no = [n for n, _ in getattr(o, meth)(prefix="root", remove_duplicate=remove_duplicate)]
        nt = [n for n, _ in getattr(t, meth)(prefix="root", remove_duplicate=remove_duplicate)]
        assert no == nt, meth
    assert [n for n, _ in o.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in o.named_parameters(recurse=False)] == [n for n, _ in t.named_parameters(recurse=False)]
    assert len(list(o.parameters())) == len(list(t.parameters()))
    assert len(list(o.modules())) == len(list(t.modules()))


def test_load_state_dict_strict_false_return_value():
    o, t = _pair_nets()
    sd = {k: v.detach().numpy() for k, v in t.state_dict().items()}
    del sd["block.bn.running_var"]
    sd["extra.weight"] = np.zeros(2)
    ro = o.load_state_dict(sd, strict=False)
    rt = t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    assert ro.missing_keys == rt.missing_keys
    assert ro.unexpected_keys == rt.unexpected_keys
    assert tuple(ro) == tuple(rt)
    assert repr(o.load_state_dict(o.state_dict())) == repr(t.load_state_dict(t.state_dict()))


def test_load_state_dict_strict_raises_like_torch():
    o, t = _pair_nets()
    sd = {k: v.detach().numpy() for k, v in t.state_dict().items()}
    del sd["seq.a.bias"]
    with pytest.raises(RuntimeError, match="seq.a.bias"):
        o.load_state_dict(sd)
    with pytest.raises(RuntimeError, match="seq.a.bias"):
        t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})


def test_train_eval_propagate_and_apply_order():
    o, t = _pair_nets()
    o.eval()
    t.eval()
    assert [m.training for m in o.modules()] == [m.training for m in t.modules()]
    o.block.train()
    t.block.train()
    assert [m.training for m in o.modules()] == [m.training for m in t.modules()]
    assert o.train() is o and o.eval() is o
    seen_o, seen_t = [], []
    o.apply(lambda m: seen_o.append(type(m).__name__))
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_o == seen_t


@pytest.mark.parametrize("build", [
    lambda lib: lib.Sequential(lib.Linear(4, 3), lib.ReLU(), lib.Dropout(0.2), lib.Linear(3, 2, bias=False)),
    lambda lib: lib.Sequential(lib.Conv2d(1, 4, 3, stride=2, padding=1), lib.MaxPool2d(2), lib.Flatten(),
                               lib.BatchNorm1d(4), lib.LayerNorm(4), lib.Embedding(3, 2)),
    lambda lib: lib.Sequential(lib.LeakyReLU(0.1), lib.ELU(), lib.GELU(approximate="tanh"), lib.Softplus(2, 10),
                               lib.Softsign(), lib.Sigmoid(), lib.Tanh(), lib.Softmax(dim=1), lib.Identity()),
    lambda lib: lib.ModuleList([lib.Linear(2, 2), lib.Sequential(lib.Linear(2, 1), lib.Tanh())]),
    lambda lib: lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 2), lib.ReLU(), lib.Linear(2, 2), lib.Linear(2, 2)]),
    lambda lib: lib.ModuleList([lib.Sequential(lib.Linear(2, 2), lib.ReLU())] * 3),
    lambda lib: lib.Sequential(lib.MSELoss(), lib.CrossEntropyLoss(), lib.NLLLoss(reduction="sum"), lib.BCELoss(),
                               lib.BCEWithLogitsLoss(), lib.L1Loss()),
    lambda lib: lib.Conv2d(2, 3, (1, 2), bias=False),
    lambda lib: lib.MaxPool2d(3, 1, 1),
    lambda lib: lib.Sequential(lib.Conv2d(1, 4, 3), lib.BatchNorm2d(4, momentum=None, affine=False), lib.ReLU()),
    lambda lib: lib.Sequential(lib.AvgPool2d(2), lib.AvgPool2d((2, 3), (1, 2), (1, 0), True, False, 3),
                               lib.AdaptiveAvgPool2d(1), lib.AdaptiveAvgPool2d((None, 3)),
                               lib.AdaptiveAvgPool2d([2, 4])),
], ids=["mlp", "cnn", "activations", "modulelist", "modulelist-runs", "modulelist-nested-runs", "losses",
                              "conv-nobias", "pool", "conv-bn2d", "avg-pools"])
def test_repr(build):
    assert repr(build(nn)) == repr(build(torch.nn))


def test_sequential_and_modulelist_editing():
    for lib in (nn, torch.nn):
        s = lib.Sequential(lib.ReLU(), lib.Tanh(), lib.Sigmoid())
        s.insert(-1, lib.Identity())
        s.insert(0, lib.ELU())
        assert type(s.pop(1)).__name__ == "ReLU"
        s.extend([lib.Softsign()])
        s2 = s + lib.Sequential(lib.GELU())
        ml = lib.ModuleList([lib.ReLU(), lib.Tanh(), lib.Tanh()])
        popped = ml.pop(0)
        ml2 = ml + [lib.Sigmoid()]
        if lib is nn:
            got = (repr(s), repr(s2), repr(popped), repr(ml), repr(ml2), list(s._modules), list(ml2._modules))
        else:
            assert got == (repr(s), repr(s2), repr(popped), repr(ml), repr(ml2), list(s._modules), list(ml2._modules))


def _with_parameter_containers(lib, wrap):
    m = lib.Module()
    m.fc = lib.Linear(2, 3)
    m.scales = lib.ParameterList([wrap(np.ones(3)), lib.Parameter(wrap(np.full((2, 3), 2.0)))])
    m.scales.append(wrap(np.zeros(1)))
    m.shifts = lib.ParameterDict({"w": wrap(np.zeros(3)), "b": wrap(np.ones(2))})  # inserted sorted, as torch
    m.shifts.update([("z", wrap(np.ones(1))), ("a", wrap(np.ones(1)))])                # pairs keep their order
    m.shifts["b"] = wrap(np.full(2, 5.0))                                              # keeps its place
    return m


def test_parameter_list_and_dict_names_state_dict_and_repr():
    o, t = _with_parameter_containers(nn, ours), _with_parameter_containers(torch.nn, theirs)
    assert [n for n, _ in o.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(o.state_dict()) == list(t.state_dict())
    assert list(o.shifts.keys()) == list(t.shifts.keys()) and len(o.scales) == len(t.scales)
    assert all(isinstance(p, nn.Parameter) for p in o.scales) and all(p.requires_grad for p in o.shifts.values())
    assert repr(o.scales) == repr(t.scales).replace("torch.", "")  # (ours names NumPy dtypes)
    assert repr(o.scales[1:]) == repr(t.scales[1:]).replace("torch.", "")
    o.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    for po, pt in zip(o.parameters(), t.parameters(), strict=True):
        close(po, pt.detach())


def test_checkpoint_round_trip_into_torch(tmp_path):
    """nn.save of our state_dict, nn.load, then torch's load_state_dict: the same outputs."""
    torch.manual_seed(0)
    build = lambda lib: lib.Sequential(lib.Linear(3, 4), lib.BatchNorm1d(4), lib.ReLU(), lib.Linear(4, 2))  # noqa: E731
    o, t = build(nn).double(), build(torch.nn).double()
    x = rng().standard_normal((5, 3))
    o(ours(x))  # a training step moves the running statistics
    nn.save(o.state_dict(), tmp_path / "m.npz")
    sd = nn.load(tmp_path / "m.npz")
    t.load_state_dict({k: torch.from_numpy(np.asarray(v.data if isinstance(v, ad.Tensor) else v))
                       for k, v in sd.items()})
    close(o.eval()(ours(x)), t.eval()(theirs(x)))


# -------------------------------------------------------------------------------------------- utils
def _grads_pair(seed=0, scale=1.0):
    r = rng(seed)
    arrays = [r.standard_normal(s) * scale for s in [(3, 2), (4,), (2, 2, 2)]]
    po = [ad.tensor(a.copy(), requires_grad=True) for a in arrays]
    pt = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    for p, a in zip(po, arrays, strict=True):
        p.grad = ad.tensor(a * 3 + 1)
    for p, a in zip(pt, arrays, strict=True):
        p.grad = torch.tensor(a * 3 + 1)
    return po, pt


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf", -math.inf, 0.0, -1.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
@pytest.mark.parametrize("zeros", [False, True], ids=["dense", "with-zeros"])
def test_clip_grad_norm(norm_type, max_norm, zeros):
    """Every order torch.linalg.vector_norm takes; zeros matter for 0 (counts) and negative orders."""
    po, pt = _grads_pair()
    if zeros:
        for p in (po, pt):
            p[1].grad.data[1] = 0
            p[2].grad.data[...] = 0
    no = nn.utils.clip_grad_norm_(po, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=float(norm_type))
    close(no, nt)
    for a, b in zip(po, pt, strict=True):
        close(a.grad, b.grad)


def test_clip_grad_norm_single_tensor_and_nonfinite():
    po, pt = _grads_pair()
    close(nn.utils.clip_grad_norm_(po[0], 0.1), torch.nn.utils.clip_grad_norm_(pt[0], 0.1))
    close(po[0].grad, pt[0].grad)
    po[1].grad.data[0] = np.nan
    pt[1].grad[0] = np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(po, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(pt, 1.0, error_if_nonfinite=True)
    close(po[0].grad, pt[0].grad)  # nothing changed by the refused clip


def test_clip_grad_norm_with_an_infinite_gradient_scales_like_torch():
    po, pt = _grads_pair()
    po[0].grad.data[0, 0] = np.inf
    pt[0].grad[0, 0] = np.inf
    with np.errstate(invalid="ignore"):
        close(nn.utils.clip_grad_norm_(po, 1.0), torch.nn.utils.clip_grad_norm_(pt, 1.0))
    for a, b in zip(po, pt, strict=True):
        close(a.grad, b.grad)


@pytest.mark.parametrize("clip", [0.5, 2.0])
def test_clip_grad_value(clip):
    po, pt = _grads_pair()
    assert nn.utils.clip_grad_value_(po, clip) is None
    torch.nn.utils.clip_grad_value_(pt, clip)
    for a, b in zip(po, pt, strict=True):
        close(a.grad, b.grad)


def test_parameters_to_vector_and_back():
    po, pt = _grads_pair()
    vo, vt = nn.utils.parameters_to_vector(po), torch.nn.utils.parameters_to_vector(pt)
    close(vo, vt)
    (vo * ours(np.arange(vo.size, dtype=np.float64))).sum().backward()
    (vt * torch.arange(vt.numel(), dtype=torch.float64)).sum().backward()
    for a, b in zip(po, pt, strict=True):
        close(a.grad, b.grad)
    new = rng(3).standard_normal(vt.numel())
    nn.utils.vector_to_parameters(ours(new), po)
    torch.nn.utils.vector_to_parameters(theirs(new), pt)
    for a, b in zip(po, pt, strict=True):
        close(a, b)


# --------------------------------------------------------------------------------------------- init
@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3, 3), (6, 3, 1, 5), (2, 7, 4)])
def test_fan_computation(shape):
    ours_fan = nn.init._calculate_fan_in_and_fan_out(ad.zeros(shape))
    their_fan = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert ours_fan == their_fan


@pytest.mark.parametrize("nonlinearity, param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                                 ("tanh", None), ("relu", None), ("leaky_relu", None),
                                                 ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)])
def test_calculate_gain(nonlinearity, param):
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity,
                                                                                                      param))


@pytest.mark.parametrize("scheme, kwargs, shape", [
    ("kaiming_uniform_", {}, (64, 32, 3, 3)),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, (64, 32, 3, 3)),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, (64, 32, 3, 3)),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, (64, 32, 3, 3)),
    ("xavier_uniform_", {"gain": 2.0}, (64, 32, 3, 3)),
    ("xavier_normal_", {}, (200, 300)),
    ("uniform_", {"a": -2.0, "b": 1.0}, (200, 300)),
    ("normal_", {"mean": 1.0, "std": 0.5}, (200, 300)),
    ("orthogonal_", {"gain": 2.0}, (40, 90)),
    ("trunc_normal_", {"mean": 0.5, "std": 1.0, "a": -1.0, "b": 1.5}, (200, 300)),
    ("kaiming_normal_", {}, (64, 32, 3, 3)),
])
def test_init_distribution_matches_torch(scheme, kwargs, shape):
    """Same scheme, same shape: the spread (max |w| or std) agrees to sampling error."""
    torch.manual_seed(0)
    wo, wt = ad.zeros(shape, dtype=np.float64), torch.zeros(shape, dtype=torch.float64)
    getattr(nn.init, scheme)(wo, **kwargs)
    getattr(torch.nn.init, scheme)(wt, **kwargs)
    a, b = wo.data, wt.numpy()
    np.testing.assert_allclose(a.std(), b.std(), rtol=0.05)
    np.testing.assert_allclose(a.mean(), b.mean(), atol=0.05 * b.std() + 1e-12)
    if "uniform" in scheme:
        np.testing.assert_allclose(np.abs(a).max(), np.abs(b).max(), rtol=0.01)


@pytest.mark.parametrize("build", [lambda lib: lib.Linear(30, 2000), lambda lib: lib.Conv2d(4, 2000, (3, 5))],
                         ids=["linear", "conv"])
def test_default_layer_init_matches_torch(build):
    torch.manual_seed(0)
    o, t = build(nn), build(torch.nn)
    for (n, po), (_, pt) in zip(o.named_parameters(), t.named_parameters(), strict=True):
        np.testing.assert_allclose(np.abs(po.data).max(), np.abs(pt.detach().numpy()).max(), rtol=0.02, err_msg=n)


# --------------------------------------------------------------------------------------------- data
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True),
                                                      (2, 5, False), (2, 5, True)])
def test_dataloader_batches(n, batch_size, drop_last):
    x, y = np.arange(n * 2, dtype=np.float64).reshape(n, 2), np.arange(n)
    lo = nn.data.DataLoader(nn.data.TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    lt = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(theirs(x), theirs(y)), batch_size=batch_size,
                                     drop_last=drop_last)
    assert len(lo) == len(lt)
    bo, bt = list(lo), list(lt)
    assert len(bo) == len(bt)
    for (xo, yo), (xt, yt) in zip(bo, bt, strict=True):
        close(xo, xt)
        close(yo, yt)


def test_dataloader_shuffle_reproducible_and_a_permutation():
    x = np.arange(11)
    epochs = []
    for _ in range(2):
        loader = nn.data.DataLoader(nn.data.TensorDataset(x), batch_size=4, shuffle=True,
                                    generator=np.random.default_rng(42))
        epochs.append(np.concatenate([b[0].data for b in loader]))
    np.testing.assert_array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(np.sort(epochs[0]), x)
    assert [b[0].shape[0] for b in loader] == [4, 4, 3]


def test_dataloader_default_collate_of_a_plain_dataset():
    class Squares(nn.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float64), i

    class TorchSquares(torch.utils.data.Dataset):
        __len__ = Squares.__len__
        __getitem__ = Squares.__getitem__

    bo = list(nn.data.DataLoader(Squares(), batch_size=2))
    bt = list(torch.utils.data.DataLoader(TorchSquares(), batch_size=2))
    assert len(bo) == len(bt)
    for (xo, io), (xt, it) in zip(bo, bt, strict=True):
        close(xo, xt)
        close(io, it)


def test_dataloader_without_batching_and_dict_samples():
    x, y = rng().standard_normal((4, 2)), np.arange(4)
    lo = nn.data.DataLoader(nn.data.TensorDataset(x, y), batch_size=None)
    lt = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(theirs(x), theirs(y)), batch_size=None)
    assert len(lo) == len(lt)
    for (xo, yo), (xt, yt) in zip(lo, lt, strict=True):
        close(xo, xt)
        close(yo, yt)

    def sample(i):
        return {"x": np.full(2, float(i)), "label": i, "w": 0.5 * i}

    class Dicts(nn.data.Dataset):
        def __len__(self):
            return 5

        __getitem__ = staticmethod(sample)

    class TorchDicts(torch.utils.data.Dataset):
        __len__ = Dicts.__len__
        __getitem__ = staticmethod(sample)

    lt = torch.utils.data.DataLoader(TorchDicts(), batch_size=2)
    for bo, bt in zip(nn.data.DataLoader(Dicts(), batch_size=2), lt, strict=True):
        assert list(bo) == list(bt)
        for k in bo:
            close(bo[k], bt[k])


@pytest.mark.parametrize("n, fractions", [(10, [0.3, 0.3, 0.4]), (11, [0.25] * 4), (10, [0.1, 0.2, 0.7]),
                                          (7, [0.5, 0.5]), (3, [0.6, 0.2, 0.2]), (100, [0.8, 0.1, 0.1]),
                                          (5, [1]), (5, [0, 1]), (1, [1]), (4, [1, 3])])  # ints summing to 1: fractions
def test_random_split_fractional_lengths(n, fractions):
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs_split = torch.utils.data.random_split(range(n), fractions, torch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours_split = nn.data.random_split(nn.data.TensorDataset(np.arange(n)), fractions, np.random.default_rng(0))
    assert [len(s) for s in ours_split] == [len(s) for s in theirs_split]
    # each empty split is warned about, naming its index, as torch does
    assert [re.findall(r"index (\d+)", str(w.message)) for w in ours_warned] == [
        re.findall(r"index (\d+)", str(w.message)) for w in theirs_warned]


def test_subset_indexing_like_torch():
    x = np.arange(12.0).reshape(6, 2)
    so = nn.data.Subset(nn.data.TensorDataset(x), [4, 0, 5])
    st = torch.utils.data.Subset(torch.utils.data.TensorDataset(theirs(x)), [4, 0, 5])
    assert len(so) == len(st)
    for k in range(len(st)):
        close(so[k][0], st[k][0])
    for (bo,), (bt,) in zip(nn.data.DataLoader(so, batch_size=2), torch.utils.data.DataLoader(st, batch_size=2),
                            strict=True):
        close(bo, bt)
