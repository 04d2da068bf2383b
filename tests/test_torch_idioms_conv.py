"""PyTorch idioms for convolution and resampling, checked against torch in float64.

conv2d with dilation / groups / 'same' and 'valid' padding, conv1d, conv_transpose2d, interpolate and
Upsample, max_pool1d / avg_pool1d: forward values and the gradients of input, weight and bias against
torch's; gradcheck and gradgradcheck on small cases; argument errors.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

import autodiff as ad  # noqa: E402
import nn  # noqa: E402
from autodiff.gradcheck import gradcheck, gradgradcheck  # noqa: E402
from nn import functional as F  # noqa: E402

RTOL, ATOL = 1e-10, 1e-12


def ours(a, requires_grad: bool = True):
    a = np.asarray(a)
    return ad.tensor(a, dtype=a.dtype, requires_grad=requires_grad)


def theirs(a, requires_grad: bool = True):
    return torch.tensor(np.asarray(a), requires_grad=requires_grad)


def close(a, b) -> None:
    a = np.asarray(a.data if isinstance(a, ad.Tensor) else a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def compare_fn(our_fn, their_fn, arrays, seed: int = 1) -> None:
    """our_fn(*Tensors) and their_fn(*torch tensors): the same output, and the same gradient of every input
    (None entries stay None: no bias) for one random output gradient."""
    o = [None if a is None else ours(a) for a in arrays]
    t = [None if a is None else theirs(a) for a in arrays]
    yo, yt = our_fn(*o), their_fn(*t)
    close(yo, yt)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape))
    yo.backward(ours(g, False))
    yt.backward(theirs(g, False))
    for a, b in zip(o, t):
        if a is not None:
            close(a.grad, b.grad)


def compare_module(our: nn.Module, their: torch.nn.Module, x: np.ndarray, **forward_kwargs) -> None:
    our.double()
    their.double()
    our.load_state_dict({k: v.detach().numpy() for k, v in their.state_dict().items()})
    assert repr(our) == repr(their)
    xo, xt = ours(x), theirs(x)
    yo, yt = our(xo, **forward_kwargs), their(xt, **forward_kwargs)
    close(yo, yt)
    g = np.random.default_rng(2).standard_normal(tuple(yt.shape))
    yo.backward(ours(g, False))
    yt.backward(theirs(g, False))
    close(xo.grad, xt.grad)
    for (_, po), (_, pt) in zip(our.named_parameters(), their.named_parameters(), strict=True):
        close(po.grad, pt.grad)


def rand(*shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------------------------- conv2d
# (cin, cout, kernel, stride, padding, dilation, groups, (H, W), bias)
CONV2D = [
    (2, 3, 3, 1, 0, 2, 1, (7, 8), True),
    (2, 2, (3, 2), (2, 1), (1, 2), (2, 3), 1, (8, 9), True),
    (4, 6, 3, 1, 1, 1, 2, (5, 6), True),
    (4, 4, 3, 2, 1, 1, 4, (7, 7), False),        # depthwise
    (6, 4, (2, 3), 1, 0, (2, 1), 2, (6, 5), True),
    (2, 4, 3, 1, "same", 1, 1, (5, 6), True),
    (2, 4, 4, 1, "same", 1, 2, (5, 6), True),    # even kernel: the extra padding goes bottom/right
    (3, 3, (2, 3), 1, "same", (1, 2), 3, (4, 7), True),
    (2, 2, 3, 1, "same", 3, 1, (6, 5), False),
    (2, 3, (2, 3), (1, 2), "valid", 1, 1, (5, 6), True),
    (1, 2, 3, 1, 0, 1, 1, (1, 5, 5), True),        # unbatched input (C, H, W)
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # (torch's note on its copy)
@pytest.mark.parametrize("cin, cout, k, stride, padding, dilation, groups, hw, bias", CONV2D)
def test_conv2d_matches_torch(cin, cout, k, stride, padding, dilation, groups, hw, bias):
    kk = (k, k) if isinstance(k, int) else k
    x = rand(*((2, cin) + hw if len(hw) == 2 else hw))
    w, b = rand(cout, cin // groups, *kk, seed=1), rand(cout, seed=2) if bias else None
    compare_fn(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups),
               lambda x, w, b: TF.conv2d(x, w, b, stride, padding, dilation, groups), [x, w, b])


@pytest.mark.parametrize("cin, cout, k, stride, padding, dilation, groups, hw, bias", CONV2D[:9:2])
def test_conv2d_module_matches_torch(cin, cout, k, stride, padding, dilation, groups, hw, bias):
    torch.manual_seed(0)
    args = (cin, cout, k, stride, padding, dilation, groups, bias)
    compare_module(nn.Conv2d(*args), torch.nn.Conv2d(*args), rand(2, cin, *hw))


def test_conv2d_default_path_is_still_one_conv2d_node():
    """groups=1 keeps the single fused `conv2d` node (the benchmarked path); groups > 1 is a batched matmul."""
    x, w = ours(rand(1, 2, 5, 5)), ours(rand(4, 2, 3, 3))
    assert F.conv2d(x, w).grad_fn.name == "conv2d"
    assert F.conv2d(x, w, dilation=2).grad_fn.name == "conv2d"
    assert F.conv2d(x, ours(rand(4, 1, 3, 3)), groups=2).grad_fn.name != "conv2d"


def test_conv2d_weight_init_uses_grouped_fan_in():
    conv = nn.Conv2d(8, 4, 3, groups=4)
    assert conv.weight.shape == (4, 2, 3, 3)
    bound = 1 / np.sqrt(2 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.weight.data).max() > 0.5 * bound
    assert np.abs(conv.bias.data).max() <= bound


# --------------------------------------------------------------------------------------------- conv1d
# (cin, cout, k, stride, padding, dilation, groups, length, bias)
CONV1D = [
    (2, 3, 3, 1, 0, 1, 1, 8, True),
    (2, 4, 3, 2, 1, 2, 2, 11, True),
    (3, 3, 4, "1tuple", "same", 1, 3, 7, False),
    (2, 2, 2, 1, "same", 3, 1, 9, True),
    (2, 3, 5, 3, "valid", 1, 1, 12, True),
]


@pytest.mark.parametrize("cin, cout, k, stride, padding, dilation, groups, length, bias", CONV1D)
def test_conv1d_matches_torch(cin, cout, k, stride, padding, dilation, groups, length, bias):
    stride = (1,) if stride == "1tuple" else stride
    x, w = rand(2, cin, length), rand(cout, cin // groups, k, seed=1)
    b = rand(cout, seed=2) if bias else None
    compare_fn(lambda x, w, b: F.conv1d(x, w, b, stride, padding, dilation, groups),
               lambda x, w, b: TF.conv1d(x, w, b, stride, padding, dilation, groups), [x, w, b])
    torch.manual_seed(0)
    args = (cin, cout, k, stride, padding, dilation, groups, bias)
    compare_module(nn.Conv1d(*args), torch.nn.Conv1d(*args), x)


def test_conv1d_unbatched():
    compare_fn(lambda x, w: F.conv1d(x, w, padding=1), lambda x, w: TF.conv1d(x, w, padding=1),
               [rand(2, 6), rand(3, 2, 3, seed=1)])


# ----------------------------------------------------------------------------------- conv_transpose2d
# (cin, cout, k, stride, padding, output_padding, groups, dilation, (H, W), bias)
CONVT = [
    (2, 3, 3, 1, 0, 0, 1, 1, (4, 5), True),
    (2, 3, 3, 2, 1, 1, 1, 1, (3, 4), True),
    (3, 2, (2, 3), (2, 3), (0, 1), (1, 2), 1, 1, (3, 3), False),
    (4, 6, 3, 2, 1, (0, 1), 2, 1, (4, 3), True),
    (4, 4, 3, 1, 2, 0, 4, 2, (5, 5), True),
    (2, 2, (3, 2), 3, 0, 0, 1, (2, 3), (2, 4), True),
    (2, 3, 3, 2, 0, 0, 1, 1, (2, 4, 4), True),  # unbatched
]


@pytest.mark.parametrize("cin, cout, k, stride, padding, output_padding, groups, dilation, hw, bias", CONVT)
def test_conv_transpose2d_matches_torch(cin, cout, k, stride, padding, output_padding, groups, dilation, hw, bias):
    kk = (k, k) if isinstance(k, int) else k
    x = rand(*((2, cin) + hw if len(hw) == 2 else hw))
    w, b = rand(cin, cout // groups, *kk, seed=1), rand(cout, seed=2) if bias else None
    compare_fn(lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
               lambda x, w, b: TF.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
               [x, w, b])


@pytest.mark.parametrize("row", CONVT[1:6:2])
def test_conv_transpose2d_module_matches_torch(row):
    cin, cout, k, stride, padding, output_padding, groups, dilation, hw, bias = row
    torch.manual_seed(0)
    args = (cin, cout, k, stride, padding, output_padding, groups, bias, dilation)
    compare_module(nn.ConvTranspose2d(*args), torch.nn.ConvTranspose2d(*args), rand(2, cin, *hw))


def test_conv_transpose2d_output_size_and_adjointness():
    torch.manual_seed(0)
    x = rand(1, 2, 4, 4)
    compare_module(nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(2, 3, 3, 2, 1), x,
                   output_size=(8, 8))
    # conv_transpose2d is the adjoint of conv2d: <conv2d(a, w), b> == <a, conv_transpose2d(b, w)>
    a, w = rand(2, 3, 7, 6, seed=3), rand(4, 3, 3, 2, seed=4)
    y = F.conv2d(ours(a, False), ours(w, False), stride=2, padding=1, dilation=(1, 2)).data
    b = rand(*y.shape, seed=5)
    back = F.conv_transpose2d(ours(b, False), ours(w, False), stride=2, padding=1, dilation=(1, 2),
                              output_padding=(0, 1)).data
    assert back.shape == a.shape
    np.testing.assert_allclose((y * b).sum(), (a * back).sum(), rtol=1e-12)


# --------------------------------------------------------------------------------------- interpolate
INTERP = [
    ((2, 3, 4, 5), dict(scale_factor=2)),
    ((2, 3, 4, 5), dict(size=(7, 3))),
    ((1, 2, 5, 4), dict(scale_factor=(1.5, 0.75))),
    ((1, 2, 5, 4), dict(scale_factor=1.7)),           # coordinates use 1/scale_factor, not in/out
    ((1, 2, 5, 4), dict(scale_factor=1.7, recompute_scale_factor=True)),
    ((1, 1, 3, 6), dict(size=5)),
    ((1, 1, 2, 3), dict(scale_factor=(1.25, 2.0))),   # an axis whose size stays is copied
    ((1, 1, 6, 1), dict(size=(13, 2))),
]
MODES = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True), ("area", None)]


@pytest.mark.parametrize("mode, align_corners", MODES)
@pytest.mark.parametrize("shape, kwargs", INTERP)
def test_interpolate_matches_torch(shape, kwargs, mode, align_corners):
    compare_fn(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **kwargs),
               lambda x: TF.interpolate(x, mode=mode, align_corners=align_corners, **kwargs), [rand(*shape)])


@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("linear", False), ("linear", True)])
@pytest.mark.parametrize("kwargs", [dict(size=9), dict(scale_factor=0.6)])
def test_interpolate_3d_matches_torch(kwargs, mode, align_corners):
    compare_fn(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **kwargs),
               lambda x: TF.interpolate(x, mode=mode, align_corners=align_corners, **kwargs), [rand(2, 3, 5)])


def test_interpolate_float32_rounds_indices_as_torch():
    """Nearest indices and bilinear weights computed in float32 as torch's kernel does (ties included)."""
    for h in range(3, 10):
        x = rand(1, 1, h, 2).astype(np.float32)
        for sf in (1.7, 0.75, 2.5, 1 / 3):
            for mode, ac in MODES[:4]:
                got = F.interpolate(ours(x, False), scale_factor=(sf, 1.0), mode=mode, align_corners=ac).data
                want = TF.interpolate(torch.tensor(x), scale_factor=(sf, 1.0), mode=mode, align_corners=ac).numpy()
                assert got.dtype == np.float32
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=f"{h} {sf} {mode} {ac}")


@pytest.mark.parametrize("build", [
    lambda lib: lib.Upsample(scale_factor=2),
    lambda lib: lib.Upsample(size=(5, 7), mode="bilinear"),
    lambda lib: lib.Upsample(scale_factor=(1.5, 2), mode="bilinear", align_corners=True),
    lambda lib: lib.UpsamplingNearest2d(size=6),
    lambda lib: lib.UpsamplingBilinear2d(scale_factor=3),
])
def test_upsample_modules_match_torch(build):
    compare_module(build(nn), build(torch.nn), rand(2, 2, 3, 4))


# --------------------------------------------------------------------------------------------- pool1d
@pytest.mark.parametrize("k, s, p, ceil_mode, count_include_pad", [
    (2, None, 0, False, True), (3, 1, 1, False, True), (3, 2, 1, True, False), ((4,), (3,), (2,), True, True),
])
def test_pool1d_matches_torch(k, s, p, ceil_mode, count_include_pad):
    x = rand(2, 3, 9)
    compare_fn(lambda x: F.avg_pool1d(x, k, s, p, ceil_mode, count_include_pad),
               lambda x: TF.avg_pool1d(x, k, s, p, ceil_mode, count_include_pad), [x])
    compare_module(nn.AvgPool1d(k, s, p, ceil_mode, count_include_pad),
                   torch.nn.AvgPool1d(k, s, p, ceil_mode, count_include_pad), x)
    if not ceil_mode:
        compare_fn(lambda x: F.max_pool1d(x, k, s, p), lambda x: TF.max_pool1d(x, k, s, p), [x])
        compare_module(nn.MaxPool1d(k, s, p), torch.nn.MaxPool1d(k, s, p), x)
    compare_fn(lambda x: F.max_pool1d(x, 2), lambda x: TF.max_pool1d(x, 2), [rand(3, 7)])  # unbatched


# ------------------------------------------------------------------------------------------ gradcheck
@pytest.mark.parametrize("fn, shapes", [
    (lambda x, w, b: F.conv2d(x, w, b, 1, "same", (2, 1), 2), [(1, 4, 4, 3), (2, 2, 2, 3), (2,)]),
    (lambda x, w: F.conv1d(x, w, None, 2, 1, 1, 2), [(2, 2, 5), (4, 1, 3)]),
    (lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2, (1, 2)), [(1, 2, 2, 3), (2, 2, 2, 2), (4,)]),
    (lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"), [(1, 2, 2, 3)]),
    (lambda x: F.interpolate(x, size=(3, 2), mode="bilinear", align_corners=True), [(1, 1, 2, 3)]),
    (lambda x: F.interpolate(x, size=(5, 2), mode="nearest"), [(1, 1, 2, 3)]),
    (lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), [(1, 2, 6)]),
])
def test_gradcheck_and_gradgradcheck(fn, shapes):
    inputs = [ours(rand(*s, seed=i)) for i, s in enumerate(shapes)]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ----------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv2d(ad.zeros(1, 2, 5, 5), ad.zeros(3, 2, 3, 3), stride=2, padding="same"), ValueError,
     r"conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv2d(2, 3, 3, stride=2, padding="same"), ValueError,
     "Conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(ad.zeros(1, 2, 5, 5), ad.zeros(3, 2, 3, 3), padding="full"), ValueError,
     r"conv2d: invalid padding string 'full'"),
    (lambda: F.conv2d(ad.zeros(1, 4, 5, 5), ad.zeros(3, 2, 3, 3), groups=2), ValueError,
     r"conv2d: weight \(3, 2, 3, 3\) has 3 output channels, not divisible by groups=2"),
    (lambda: F.conv2d(ad.zeros(1, 3, 5, 5), ad.zeros(4, 2, 3, 3), groups=2), ValueError,
     r"conv2d: input has 3 channels but weight \(4, 2, 3, 3\) expects 4 .*groups=2"),
    (lambda: F.conv2d(ad.zeros(1, 2, 5, 5), ad.zeros(4, 2, 3, 3), groups=0), ValueError,
     "conv2d: groups must be a positive int, got 0"),
    (lambda: F.conv2d(ad.zeros(1, 2, 5, 5), ad.zeros(4, 2, 3, 3), dilation=3), ValueError,
     r"conv2d: kernel \(3, 3\) is larger than the padded input .*dilation \(3, 3\)"),
    (lambda: F.conv2d(ad.zeros(1, 2, 5, 5), ad.zeros(4, 2, 3, 3), dilation=0), ValueError,
     "conv2d: dilation must be >= 1, got 0"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, r"Conv2d: in_channels \(4\) and out_channels \(6\) must be "
     r"divisible by groups \(4\)"),
    (lambda: nn.Conv2d(2, 2, 3, padding_mode="reflect"), NotImplementedError,
     "Conv2d: only padding_mode='zeros' is supported, got 'reflect'"),
    (lambda: nn.Conv2d(2, 2, 3, padding_mode="mirror"), ValueError, "Conv2d: padding_mode must be one of"),
    (lambda: nn.Conv1d(2, 2, (3, 3)), TypeError, r"Conv1d: kernel_size must be an int or a 1-tuple of ints"),
    (lambda: F.conv1d(ad.zeros(1, 2, 5, 5), ad.zeros(3, 2, 3)), ValueError,
     r"conv1d: expected input of shape \(N, C, L\) or unbatched \(C, L\), got \(1, 2, 5, 5\)"),
    (lambda: F.conv1d(ad.zeros(1, 2, 5), ad.zeros(3, 3, 3)), ValueError,
     r"conv1d: input of shape \(1, 2, 5\) does not match weight of shape \(3, 3, 3\)"),
    (lambda: F.conv1d(ad.zeros(1, 2, 4), ad.zeros(3, 2, 3), dilation=2), ValueError,
     r"conv1d: kernel size 3 \(dilation 2\) is larger than the padded input of length 4"),
    (lambda: nn.Conv1d(2, 3, 3)(ad.zeros(1, 3, 8)), ValueError, r"Conv1d: expected input of shape \(N, 2, L\)"),
    (lambda: F.conv_transpose2d(ad.zeros(1, 2, 3, 3), ad.zeros(2, 1, 3, 3), stride=2, output_padding=2), ValueError,
     "conv_transpose2d: output padding must be smaller than either stride or dilation"),
    (lambda: F.conv_transpose2d(ad.zeros(1, 2, 3, 3), ad.zeros(2, 1, 3, 3), dilation=2, output_padding=1),
     NotImplementedError, r"conv_transpose2d: output_padding >= stride is not supported"),
    (lambda: F.conv_transpose2d(ad.zeros(1, 3, 3, 3), ad.zeros(2, 1, 3, 3)), ValueError,
     r"conv_transpose2d: input has 3 channels but weight \(2, 1, 3, 3\)"),
    (lambda: F.conv_transpose2d(ad.zeros(1, 2, 1, 1), ad.zeros(2, 1, 1, 1), padding=1), ValueError,
     r"conv_transpose2d: output size \(-1, -1\) is too small"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding="same"), TypeError, "ConvTranspose2d: padding must be an int"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2)(ad.zeros(1, 2, 3, 3), output_size=(9, 9)), ValueError,
     r"ConvTranspose2d: requested output_size \(9, 9\) is not reachable"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=3, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2)), ValueError, "either size or scale_factor should be defined"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=3, mode="bicubic"), NotImplementedError,
     "interpolate: mode 'bicubic' is not supported"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=3, mode="cubic"), ValueError, "interpolate: unknown mode"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=3, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2), size=3, mode="bilinear"), NotImplementedError,
     "interpolate: got 3D input, but mode 'bilinear' needs 4D input"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2, 2), size=3), NotImplementedError,
     r"interpolate: only 3-d \(N, C, L\) and 4-d \(N, C, H, W\) input is supported"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=(3, 2, 1)), ValueError, "needs size of length 2"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=2.5), TypeError, "size must be an int or a tuple of ints"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), scale_factor=-1), ValueError, "scale_factor must be positive"),
    (lambda: F.interpolate(ad.zeros(1, 1, 1, 2), scale_factor=0.5), ValueError,
     "input and output sizes should be greater than 0"),
    (lambda: F.interpolate(ad.zeros(1, 1, 2, 2), size=4, antialias=True, mode="bilinear"), NotImplementedError,
     "antialias=True is not supported"),
    (lambda: F.max_pool1d(ad.zeros(1, 2, 5), 2, dilation=2), NotImplementedError,
     "max_pool1d: only dilation=1"),
    (lambda: F.max_pool1d(ad.zeros(1, 2, 5), 2, padding=2), ValueError,
     "max_pool1d: padding 2 must be at most half the kernel size 2"),
    (lambda: F.avg_pool1d(ad.zeros(1, 2, 2), 4, padding=0), ValueError,
     r"avg_pool1d: kernel size 4 is larger than the padded input of length 2 \(padding 0\)"),
    (lambda: F.avg_pool1d(ad.zeros(1, 2, 5), (2, 2)), TypeError,
     r"avg_pool1d: kernel_size must be an int or a 1-tuple of ints, got \(2, 2\)"),
    (lambda: nn.AvgPool1d(2, padding=2), ValueError, "AvgPool1d: padding 2 must be at most half the kernel size 2"),
    (lambda: nn.MaxPool1d(2, ceil_mode=True), NotImplementedError, "MaxPool1d: only dilation=1"),
    (lambda: nn.MaxPool2d(2, dilation=(1, 2)), NotImplementedError, "MaxPool2d: only dilation=1"),
    (lambda: nn.Conv2d(1, 2, 3, output_padding=1), TypeError, "unexpected keyword argument 'output_padding'"),
    (lambda: nn.MaxPool2d(2, return_indices=True), NotImplementedError, "MaxPool2d: only dilation=1"),
    (lambda: F.max_pool2d(ad.zeros(1, 1, 4, 4), 2, ceil_mode=True), NotImplementedError,
     "max_pool2d: only dilation=1"),
])
def test_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
