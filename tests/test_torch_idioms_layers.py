"""PyTorch idioms of `nn` layers and `nn.functional`, checked against torch: padding modes and padding layers, the
shrink/threshold/GLU/softmin activations, distance modules, Bilinear, channel dropout, adaptive max pooling,
instance and local response normalization, unfold/fold, pixel (un)shuffle, gumbel_softmax, softmax's dtype= and
scaled_dot_product_attention. Values, dtypes, shapes, reprs and float64 gradients are compared with torch's;
every differentiable one is gradchecked; bad input gets a clear error."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

# the harness of test_torch_parity_ops: outputs, dtypes and float64 gradients compared with torch's
from test_torch_parity_ops import _arr, both  # noqa: E402

RNG = np.random.default_rng(7)


def _t(a, grad=True):
    return ad.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _gc(fn, *arrays):
    assert ad.gradcheck(fn, tuple(_t(a) for a in arrays))


# ====================================================================== padding
PAD_CASES = [((1, 1, 3, 3), (1, 1, 1, 1)), ((2, 3, 4), (2, 1)), ((3, 4), (1, 3)), ((1, 2, 3, 4), (0, 2, 1, 0)),
             ((2, 5, 4), (-1, 2)), ((1, 1, 2, 3, 4), (1, 1, 1, 0, 0, 1)), ((2, 2, 3, 3), (2, -1, 0, 2))]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PAD_CASES)
def test_pad_modes_match_torch(mode, shape, pad):
    both(lambda x: F.pad(x, pad, mode=mode), lambda x: tF.pad(x, pad, mode=mode), _arr(shape))


@pytest.mark.parametrize("mode", ["replicate", "circular"])
def test_pad_modes_wider_than_the_input_scatter_add_gradients(mode):
    # replicate reads the border many times; circular reads every entry twice: gradients sum
    a = _arr((1, 2, 3))
    both(lambda x: F.pad(x, (3, 3), mode=mode), lambda x: tF.pad(x, (3, 3), mode=mode), a)
    _gc(lambda x: F.pad(x, (3, 2), mode=mode), a)
    x = _t(a)
    F.pad(x, (3, 3), mode=mode).sum().backward()
    expected = tF.pad(torch.ones(1, 2, 3, dtype=torch.float64, requires_grad=True), (3, 3), mode=mode)
    assert x.grad.numpy().sum() == expected.numel()


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_gradcheck(mode):
    _gc(lambda x: F.pad(x, (1, 2, 2, 1), mode=mode), _arr((1, 2, 3, 3)))
    assert ad.gradgradcheck(lambda x: F.pad(x, (1, 1), mode=mode) ** 2, (_t(_arr((1, 2, 3))),))


def test_pad_modes_keep_integer_dtype():
    a = np.arange(6).reshape(1, 2, 3)
    for mode in ("reflect", "replicate", "circular"):
        out = F.pad(ad.tensor(a), (1, 2), mode=mode)
        ref = tF.pad(torch.from_numpy(a.copy()), (1, 2), mode=mode)
        assert out.dtype == np.int64 and out.tolist() == ref.tolist()


def test_pad_mode_errors():
    x = ad.ones(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"pad: Padding size should be less than the corresponding input "
                                         r"dimension, but got: padding \(3, 0\) at dimension 2"):
        F.pad(ad.ones(1, 3, 3), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="Padding value causes wrapping around more than once"):
        F.pad(ad.ones(1, 3, 3), (0, 4), mode="circular")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input tensor"):
        F.pad(ad.ones(3), (1, 1), mode="replicate")
    with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 5D input tensor"):
        F.pad(ad.ones(1, 1, 1, 2, 2), (1, 1, 1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="pad: Unrecognised padding mode 'wrap'"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match='Padding mode "reflect" doesn\'t take in value argument'):
        F.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(ValueError, match="padding length must be divisible by 2"):
        F.pad(x, (1,), mode="reflect")


PAD_LAYERS = [("ConstantPad1d", (2, 3.5), (1, 2, 4)), ("ConstantPad2d", ((1, 2, 3, 4), 0.5), (1, 2, 3, 3)),
              ("ConstantPad3d", (1, 2.0), (1, 2, 2, 2, 2)), ("ConstantPad1d", (1, 2.0), (2, 3, 4)),
              ("ZeroPad1d", ((1, 2),), (2, 3)), ("ZeroPad2d", (1,), (1, 2, 4, 4)), ("ZeroPad3d", (1,), (1, 1, 2, 2, 2)),
              ("ReflectionPad1d", ((1, 2),), (1, 2, 4)), ("ReflectionPad2d", (1,), (1, 1, 4, 4)),
              ("ReflectionPad3d", (1,), (1, 1, 2, 3, 3)), ("ReplicationPad1d", (3,), (2, 3)),
              ("ReplicationPad2d", ((1, 0, 2, 1),), (2, 3, 3)), ("ReplicationPad3d", (1,), (1, 1, 2, 2, 2)),
              ("CircularPad1d", (2,), (1, 2, 3)), ("CircularPad2d", (1,), (1, 1, 3, 3)),
              ("CircularPad3d", ((1, 0, 0, 1, 1, 1),), (1, 1, 2, 2, 2))]


@pytest.mark.parametrize("name,args,shape", PAD_LAYERS)
def test_padding_layers_match_torch(name, args, shape):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    both(ours, theirs, _arr(shape))


def test_padding_layer_errors():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4 ints, got \(1, 2, 3\)"):
        nn.ZeroPad2d((1, 2, 3))
    with pytest.raises(TypeError, match="ReflectionPad1d: padding must be an int or a tuple of 2 ints"):
        nn.ReflectionPad1d(1.5)
    with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D input tensor"):
        nn.ReflectionPad2d(1)(ad.ones(2, 2))


# ====================================================================== activations
ACTS = {
    "softshrink": (lambda x: F.softshrink(x, 0.7), lambda x: tF.softshrink(x, 0.7)),
    "softshrink_default": (F.softshrink, tF.softshrink),
    "hardshrink": (lambda x: F.hardshrink(x, 0.7), lambda x: tF.hardshrink(x, 0.7)),
    "tanhshrink": (F.tanhshrink, tF.tanhshrink),
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), lambda x: tF.threshold(x, 0.3, -2.0)),
    "glu": (F.glu, tF.glu),
    "glu_dim0": (lambda x: F.glu(x, 0), lambda x: tF.glu(x, 0)),
    "softmin": (lambda x: F.softmin(x, dim=1), lambda x: tF.softmin(x, dim=1)),
    "softmin_dim0": (lambda x: F.softmin(x, 0), lambda x: tF.softmin(x, 0)),
}


@pytest.mark.parametrize("name", ACTS)
def test_activations_match_torch(name):
    fa, ft = ACTS[name]
    a = _arr((4, 6))
    a[0, :3] = [0.7, -0.7, 0.3]  # at the kinks: PyTorch's gradient there
    both(fa, ft, a)
    _gc(fa, _arr((4, 6)))


def test_activation_modules_match_torch():
    cases = [("Softmin", (1,)), ("Softmin", ()), ("Threshold", (0.5, 0.0)), ("Threshold", (0.1, 2.0)),
             ("Tanhshrink", ()), ("Softshrink", (0.5,)), ("Softshrink", ()), ("Hardshrink", (0.25,)), ("GLU", ()),
             ("GLU", (0,))]
    assert repr(nn.Threshold(0.1, 2, True)) == repr(torch.nn.Threshold(0.1, 2, True))
    for name, args in cases:
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (Softmin() warns about the implicit dim in both)
            both(ours, theirs, _arr((4, 6)))


def test_threshold_keeps_integer_dtype_and_casts_value():
    a = np.array([1, 2, 3])
    for th, v in [(1.5, 0.5), (1, 20)]:
        out, ref = F.threshold(ad.tensor(a), th, v), tF.threshold(torch.from_numpy(a.copy()), th, v)
        assert out.dtype == np.int64 and out.tolist() == ref.tolist()


def test_softmax_family_dtype_casts_first():
    a = np.array([[1.0, 2.0, 0.5]], dtype=np.float32)
    for ours, theirs in [(F.softmax, tF.softmax), (F.log_softmax, tF.log_softmax), (F.softmin, tF.softmin)]:
        both(lambda x, f=ours: f(x, dim=1, dtype=np.float64), lambda x, f=theirs: f(x, dim=1, dtype=torch.float64),
             a, rtol=1e-6)
        x = ad.tensor(a, requires_grad=True)
        ours(x, 1, dtype=ad.float64).sum().backward()
        assert x.grad.dtype == np.float32  # (the cast is differentiable; the gradient has the input's dtype)
    both(lambda x: F.softmax(x, dim=1, dtype=np.float64), lambda x: tF.softmax(x, dim=1, dtype=torch.float64),
         np.array([[1, 2]]))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin has been deprecated"):
        F.softmin(ad.ones(2, 3))


def test_activation_errors():
    with pytest.raises(ValueError, match="glu: Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(ad.ones(2, 3))
    with pytest.raises(ValueError, match="glu does not support scalars"):
        nn.GLU()(ad.tensor(1.0))
    with pytest.raises(IndexError, match="glu: Dimension out of range"):
        F.glu(ad.ones(2, 4), 2)
    with pytest.raises(ValueError, match="softshrink: lambda must be in range"):
        nn.Softshrink(-1.0)(ad.ones(2))


# ====================================================================== distances
def test_distance_modules_match_torch():
    for name, args in [("CosineSimilarity", ()), ("CosineSimilarity", (0, 1e-6)), ("PairwiseDistance", ()),
                       ("PairwiseDistance", (1.0, 1e-6, True))]:
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        both(ours, theirs, _arr((3, 4)), _arr((3, 4)))
    assert nn.CosineSimilarity(dim=1)(ad.ones(2, 3), ad.ones(2, 3)).tolist() == \
        torch.nn.CosineSimilarity(dim=1)(torch.ones(2, 3), torch.ones(2, 3)).tolist()


# ====================================================================== Bilinear
@pytest.mark.parametrize("lead", [(5,), (), (2, 3)])
def test_bilinear_matches_torch(lead):
    w, b = _arr((4, 2, 3)), _arr((4,))
    both(F.bilinear, tF.bilinear, _arr(lead + (2,)), _arr(lead + (3,)), w, b)
    both(F.bilinear, tF.bilinear, _arr(lead + (2,)), _arr(lead + (3,)), w)
    _gc(F.bilinear, _arr(lead + (2,)), _arr(lead + (3,)), w, b)


def test_bilinear_module_init_repr_and_output():
    ad.manual_seed(0)
    m, tm = nn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)
    assert repr(m) == repr(tm) and repr(nn.Bilinear(2, 3, 4, bias=False)) == repr(torch.nn.Bilinear(2, 3, 4, False))
    assert m.weight.shape == tuple(tm.weight.shape) and m.bias.shape == tuple(tm.bias.shape)
    assert m.weight.dtype == np.float32
    big = nn.Bilinear(16, 3, 200)  # U[-1/sqrt(in1), 1/sqrt(in1)] = U[-0.25, 0.25]
    for p in (big.weight.numpy(), big.bias.numpy()):
        assert np.abs(p).max() <= 0.25 and np.abs(p).max() > 0.2
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(m.weight.numpy()))
        tm.bias.copy_(torch.from_numpy(m.bias.numpy()))
    x1, x2 = _arr((5, 2)).astype(np.float32), _arr((5, 3)).astype(np.float32)
    np.testing.assert_allclose(m(ad.tensor(x1), ad.tensor(x2)).numpy(),
                               tm(torch.from_numpy(x1), torch.from_numpy(x2)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)  # (float32 sums: an output near 0 keeps only an absolute accuracy)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]


def test_bilinear_errors():
    m = nn.Bilinear(2, 3, 4)
    with pytest.raises(ValueError, match="bilinear\\(\\): input batch dimensions do not match at dim 0: got 5 and 4"):
        m(ad.ones(5, 2), ad.ones(4, 3))
    with pytest.raises(ValueError, match="bilinear\\(\\): input1 size does not match weight size: got 3 but "
                                         "expected 2"):
        m(ad.ones(5, 3), ad.ones(5, 3))


# ====================================================================== channel dropout
@pytest.mark.parametrize("fn,shape,mask_shape", [
    (F.dropout1d, (4, 6, 5), (4, 6, 1)), (F.dropout1d, (6, 5), (6, 1)), (F.dropout2d, (3, 5, 2, 3), (3, 5, 1, 1)),
    (F.dropout2d, (3, 5, 4), (3, 5, 1)), (F.dropout3d, (2, 5, 2, 2, 2), (2, 5, 1, 1, 1)),
    (F.dropout3d, (5, 2, 2, 2), (5, 1, 1, 1))])
def test_channel_dropout_zeroes_whole_channels(fn, shape, mask_shape):
    x = _t(RNG.uniform(1, 2, shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(x, 0.5, generator=np.random.default_rng(3))
    ratio = y.numpy() / x.numpy()
    per_channel = ratio.reshape(mask_shape[:len(mask_shape) - sum(s == 1 for s in mask_shape[1:])] + (-1,))
    assert np.all(per_channel == per_channel[..., :1])  # one draw per channel
    assert set(np.unique(ratio)) <= {0.0, 2.0} and len(np.unique(ratio)) == 2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), ratio)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a 3-d input to dropout2d warns, as in torch; tested elsewhere)
        assert fn(x, 0.5, training=False) is x


def test_channel_dropout_modules_repr_eval_and_seed():
    for name in ("Dropout1d", "Dropout2d", "Dropout3d"):
        assert repr(getattr(nn, name)(0.3)) == repr(getattr(torch.nn, name)(0.3))
    m = nn.Dropout2d(0.5)
    m.eval()
    x = ad.ones(1, 2, 3, 3)
    assert m(x).shape == (1, 2, 3, 3) and np.array_equal(m(x).numpy(), x.numpy())
    m.train()
    ad.manual_seed(5)
    a = m(ad.ones(8, 16, 2, 2)).numpy()
    ad.manual_seed(5)
    assert np.array_equal(a, m(ad.ones(8, 16, 2, 2)).numpy())
    assert 0.3 < (a == 0).mean() < 0.7


def test_channel_dropout_warnings_and_errors():
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                                         "1D dropout"):
        F.dropout2d(ad.ones(2, 3, 4), 0.5)
    with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input to dropout3d, which is deprecated"):
        F.dropout3d(ad.ones(2, 3, 4), 0.5)
    with pytest.raises(ValueError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(ad.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout2d(ad.ones(2, 3, 4, 5), 1.5)
    assert not F.dropout2d(ad.ones(2, 3, 4, 5), 1.0).numpy().any()


# ====================================================================== adaptive pooling
@pytest.mark.parametrize("shape,size", [((2, 3, 7, 5), (3, 2)), ((1, 2, 4, 4), 3), ((2, 1, 5, 6), (None, 4)),
                                        ((3, 5, 6), (2, 4)), ((1, 2, 4, 4), (1, 1))])
def test_adaptive_max_pool2d_matches_torch(shape, size):
    a = RNG.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)  # distinct: one argmax per window
    both(lambda x: F.adaptive_max_pool2d(x, size), lambda x: tF.adaptive_max_pool2d(x, size), a)
    both(lambda x: F.adaptive_max_pool2d(x, size, return_indices=True),
         lambda x: tF.adaptive_max_pool2d(x, size, return_indices=True), a)
    m, tm = nn.AdaptiveMaxPool2d(size, return_indices=True), torch.nn.AdaptiveMaxPool2d(size, return_indices=True)
    assert repr(m) == repr(tm)
    out, idx = m(ad.tensor(a, requires_grad=True))
    assert idx.dtype == np.int64 and not idx.requires_grad and out.requires_grad
    _gc(lambda x: F.adaptive_max_pool2d(x, size), a)


def test_adaptive_max_pool_ties_go_to_the_first_maximum():
    a = np.zeros((1, 1, 4, 5))
    a[0, 0, 1:3, 1:4] = 1.0
    both(lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True),
         lambda x: tF.adaptive_max_pool2d(x, (2, 3), return_indices=True), a)


@pytest.mark.parametrize("shape,size", [((2, 3, 7), 3), ((3, 5), 4), ((1, 2, 6), (2,))])
def test_adaptive_pool1d_matches_torch(shape, size):
    a = RNG.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)
    both(lambda x: F.adaptive_max_pool1d(x, size, True), lambda x: tF.adaptive_max_pool1d(x, size, True), a)
    both(lambda x: F.adaptive_avg_pool1d(x, size), lambda x: tF.adaptive_avg_pool1d(x, size), a)
    for name in ("AdaptiveMaxPool1d", "AdaptiveAvgPool1d"):
        ours, theirs = getattr(nn, name)(size), getattr(torch.nn, name)(size)
        assert repr(ours) == repr(theirs)
        both(ours, theirs, a)


def test_adaptive_max_pool_errors():
    with pytest.raises(ValueError, match="adaptive_max_pool2d: Expected input to have non-zero size for non-batch "
                                         "dimensions"):
        F.adaptive_max_pool2d(ad.ones(1, 1, 0, 4), 3)
    with pytest.raises(TypeError, match="AdaptiveMaxPool2d: output_size must be an int or a pair of ints"):
        nn.AdaptiveMaxPool2d((1, 2, 3))
    with pytest.raises(TypeError, match="adaptive_max_pool2d: expected a floating point input"):
        F.adaptive_max_pool2d(ad.tensor(np.ones((1, 2, 2), dtype=np.int64)), 1)


# ====================================================================== instance norm, local response norm
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 4), (1, 2, 2, 3, 2)])
def test_instance_norm_matches_torch(shape):
    c = shape[1]
    w, b = _arr((c,)), _arr((c,))
    both(F.instance_norm, tF.instance_norm, _arr(shape))
    both(lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-3),
         lambda x, w, b: tF.instance_norm(x, weight=w, bias=b, eps=1e-3), _arr(shape), w, b)
    _gc(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), _arr(shape), w, b)


def test_instance_norm_running_stats_match_torch():
    a = _arr((3, 2, 5))
    rm, rv = ad.zeros(2, dtype=np.float64), ad.ones(2, dtype=np.float64)
    trm, trv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    F.instance_norm(ad.tensor(a), rm, rv, momentum=0.3)
    tF.instance_norm(torch.from_numpy(a), trm, trv, momentum=0.3)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)
    both(lambda x: F.instance_norm(x, rm, rv, use_input_stats=False),
         lambda x: tF.instance_norm(x, trm, trv, use_input_stats=False), a)


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                        ("InstanceNorm2d", (2, 3, 4, 4)), ("InstanceNorm2d", (3, 2, 4)),
                                        ("InstanceNorm3d", (1, 3, 2, 2, 3))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True, "momentum": 0.2},
                                    {"affine": True, "track_running_stats": True, "momentum": None}])
def test_instance_norm_modules_match_torch(name, shape, kwargs):
    m, tm = getattr(nn, name)(3, **kwargs), getattr(torch.nn, name)(3, **kwargs).double()
    m.double()
    assert repr(m) == repr(tm)
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for _ in range(2):
        both(m, tm, _arr(shape))
    if kwargs.get("track_running_stats"):
        np.testing.assert_allclose(m.running_mean.numpy(), tm.running_mean.numpy(), rtol=1e-10)
        np.testing.assert_allclose(m.running_var.numpy(), tm.running_var.numpy(), rtol=1e-10)
    m.eval()
    tm.eval()
    both(m, tm, _arr(shape))


def test_instance_norm_errors_and_warning():
    with pytest.raises(ValueError, match="InstanceNorm2d: expected 3D or 4D input \\(got 2D input\\)"):
        nn.InstanceNorm2d(2)(ad.ones(2, 3))
    with pytest.raises(ValueError, match="expected input's size at dim=1 to match num_features \\(3\\), but got: 2"):
        nn.InstanceNorm1d(3, affine=True)(ad.randn(1, 2, 3))
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm1d(3)(ad.randn(1, 2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(ad.ones(1, 2, 1))


@pytest.mark.parametrize("shape,size", [((2, 5, 3), 3), ((1, 4, 2, 2), 2), ((2, 6, 2, 3), 5), ((1, 3, 2, 2, 2), 1)])
def test_local_response_norm_matches_torch(shape, size):
    both(lambda x: F.local_response_norm(x, size, 0.1, 0.6, 1.5), lambda x: tF.local_response_norm(x, size, 0.1, 0.6,
                                                                                                  1.5), _arr(shape))
    m, tm = nn.LocalResponseNorm(size), torch.nn.LocalResponseNorm(size)
    assert repr(m) == repr(tm)
    both(m, tm, _arr(shape))
    _gc(lambda x: F.local_response_norm(x, size, 0.1, 0.6, 1.5), _arr(shape))
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input \\(got 2 dimensions\\)"):
        nn.LocalResponseNorm(2)(ad.ones(2, 3))


# ====================================================================== unfold, fold, pixel shuffle
GEOMS = [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1, dilation=(2, 1)),
         dict(kernel_size=3, padding=1), dict(kernel_size=(1, 2), stride=(1, 2))]


@pytest.mark.parametrize("geo", GEOMS)
def test_unfold_fold_match_torch(geo):
    a = _arr((2, 3, 5, 6))
    cols = both(lambda x: F.unfold(x, **geo), lambda x: tF.unfold(x, **geo), a)[0]
    both(lambda x: F.fold(x, (5, 6), **geo), lambda x: tF.fold(x, (5, 6), **geo), _arr(cols.shape))
    both(lambda x: F.unfold(x, **geo), lambda x: tF.unfold(x, **geo), a[0])  # unbatched
    both(lambda x: F.fold(x, (5, 6), **geo), lambda x: tF.fold(x, (5, 6), **geo), _arr(cols.shape[1:]))
    _gc(lambda x: F.unfold(x, **geo), a[:1, :2])
    _gc(lambda c: F.fold(c, (5, 6), **geo), _arr((1,) + cols.shape[1:]))
    u, tu = nn.Unfold(**geo), torch.nn.Unfold(**geo)
    f, tf_ = nn.Fold((5, 6), **geo), torch.nn.Fold((5, 6), **geo)
    assert repr(u) == repr(tu) and repr(f) == repr(tf_)
    both(lambda x: f(u(x)), lambda x: tf_(tu(x)), a)


def test_unfold_fold_errors():
    with pytest.raises(ValueError, match="fold: Given output_size=\\(4, 4\\), kernel_size=\\(2, 2\\).*expected size "
                                         "of input's dimension 2 to match the calculated number of sliding blocks "
                                         "3 \\* 3 = 9, but got input.size\\(2\\)=8"):
        F.fold(ad.ones(1, 4, 8), (4, 4), 2)
    with pytest.raises(ValueError, match="Expected size of input's dimension 1 to be divisible by the product of "
                                         "kernel_size, but got input.size\\(1\\)=5"):
        F.fold(ad.ones(1, 5, 9), (4, 4), 2)
    with pytest.raises(ValueError, match="unfold: Given input with spatial size \\(4, 4\\).*calculated shape of the "
                                         "array of sliding blocks as \\(0, 0\\)"):
        F.unfold(ad.ones(1, 1, 4, 4), 5)
    with pytest.raises(ValueError, match="unfold: Input Error: Only 3D or 4D input Tensors are supported \\(got 2D\\)"):
        F.unfold(ad.ones(4, 4), 2)


@pytest.mark.parametrize("shape,r", [((1, 4, 2, 2), 2), ((2, 18, 2, 3), 3), ((2, 3, 8, 2, 2), 2), ((4, 2, 3), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    out = both(lambda x: F.pixel_shuffle(x, r), lambda x: tF.pixel_shuffle(x, r), _arr(shape))[0]
    back = both(lambda x: F.pixel_unshuffle(x, r), lambda x: tF.pixel_unshuffle(x, r), out.numpy())[0]
    assert back.shape == shape
    _gc(lambda x: F.pixel_shuffle(x, r), _arr(shape))
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))
    both(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), _arr(shape))


def test_pixel_shuffle_errors():
    with pytest.raises(ValueError, match="pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                                         "square of upscale_factor, but input.size\\(-3\\)=3 is not divisible by 4"):
        F.pixel_shuffle(ad.ones(1, 3, 2, 2), 2)
    with pytest.raises(ValueError, match="pixel_shuffle expects input to have at least 3 dimensions"):
        F.pixel_shuffle(ad.ones(8, 2), 2)
    with pytest.raises(ValueError, match="pixel_unshuffle expects height to be divisible by downscale_factor, but "
                                         "input.size\\(-2\\)=3 is not divisible by 2"):
        F.pixel_unshuffle(ad.ones(1, 1, 3, 4), 2)


# ====================================================================== gumbel_softmax
def test_gumbel_softmax_soft_and_hard():
    logits = _t(_arr((4, 5)))
    ad.manual_seed(11)
    soft = F.gumbel_softmax(logits, tau=0.5)
    ad.manual_seed(11)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    np.testing.assert_allclose(soft.numpy().sum(axis=-1), 1.0)
    assert soft.dtype == np.float64 and hard.dtype == np.float64
    h = hard.numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and np.all(h.sum(axis=-1) == 1)
    assert np.array_equal(h.argmax(axis=-1), soft.numpy().argmax(axis=-1))
    w = _arr((4, 5))
    g_hard = ad.grad((hard * ad.tensor(w)).sum(), logits)[0]
    g_soft = ad.grad((soft * ad.tensor(w)).sum(), logits)[0]
    np.testing.assert_allclose(g_hard.numpy(), g_soft.numpy(), rtol=1e-12)  # straight-through
    assert F.gumbel_softmax(ad.zeros(2, 3), tau=1.0, hard=True).sum().item() == 2.0
    assert F.gumbel_softmax(ad.zeros(2, 3, dtype=np.float32), dim=0).dtype == np.float32


def test_gumbel_softmax_noise_is_gumbel():
    ad.manual_seed(0)
    picks = F.gumbel_softmax(ad.tensor(np.log(np.tile([0.2, 0.3, 0.5], (20000, 1)))), hard=True).numpy().mean(0)
    np.testing.assert_allclose(picks, [0.2, 0.3, 0.5], atol=0.015)  # argmax(logits + Gumbel) ~ softmax(logits)


# ====================================================================== scaled_dot_product_attention
def _sdpa(**kw):
    return (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
            lambda q, k, v: tF.scaled_dot_product_attention(q, k, v, **kw))


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.3}, {"is_causal": True, "scale": 2.0}])
@pytest.mark.parametrize("shapes", [((1, 2, 3), (1, 2, 3), (1, 2, 3)), ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
                                    ((4, 3), (2, 3), (2, 5))])
def test_sdpa_matches_torch(kw, shapes):
    fa, ft = _sdpa(**kw)
    arrays = [_arr(s) for s in shapes]
    both(fa, ft, *arrays)
    _gc(fa, *arrays)


def test_sdpa_masks_match_torch():
    q, k, v = _arr((2, 3, 4)), _arr((2, 5, 4)), _arr((2, 5, 3))
    bool_mask = RNG.random((3, 5)) > 0.4
    bool_mask[:, 0] = True
    for mask in (bool_mask, _arr((2, 3, 5))):
        fa = lambda q, k, v, m=mask: F.scaled_dot_product_attention(q, k, v, attn_mask=ad.tensor(m))  # noqa: E731
        ft = lambda q, k, v, m=mask: tF.scaled_dot_product_attention(q, k, v, attn_mask=torch.from_numpy(m))  # noqa
        both(fa, ft, q, k, v)
    # a float mask that requires grad gets its gradient
    both(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
         lambda q, k, v, m: tF.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v, _arr((3, 5)))
    # a fully masked row gives 0, as PyTorch's safe softmax
    dead = np.array([[True, False], [False, False]])
    both(lambda q: F.scaled_dot_product_attention(q, q, q, attn_mask=ad.tensor(dead)),
         lambda q: tF.scaled_dot_product_attention(q, q, q, attn_mask=torch.from_numpy(dead)), _arr((1, 2, 3)))
    _gc(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=ad.tensor(bool_mask)), q, k, v)


def test_sdpa_grouped_query_attention_matches_torch():
    fa, ft = _sdpa(enable_gqa=True)
    both(fa, ft, _arr((1, 4, 2, 3)), _arr((1, 2, 5, 3)), _arr((1, 2, 5, 3)))


def test_sdpa_dropout_uses_our_generator():
    q, k, v = (ad.tensor(_arr((2, 4, 3))) for _ in range(3))
    ad.manual_seed(1)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ad.manual_seed(1)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert np.array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, k, v).numpy())
    assert not F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy().any()


def test_sdpa_errors():
    x = ad.ones(1, 2, 3)
    with pytest.raises(ValueError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(TypeError, match="Expected query, key, and value to have the same dtype, but got query.dtype: "
                                        "float32 key.dtype: float64"):
        F.scaled_dot_product_attention(x, ad.ones(1, 2, 3, dtype=np.float64), x)
    with pytest.raises(ValueError, match="Expected query, key, and value to all be at least 2 dimensional"):
        F.scaled_dot_product_attention(ad.ones(3), ad.ones(3), ad.ones(3))
    with pytest.raises(ValueError, match="query \\(1, 2, 3\\), key \\(1, 3, 4\\)"):
        F.scaled_dot_product_attention(x, ad.ones(1, 3, 4), x)
    with pytest.raises(ValueError, match="attn_mask of shape \\(3, 3\\) does not broadcast"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((3, 3), bool))


# ====================================================================== the idioms, line by line
def test_the_idioms_run_as_in_torch():
    lines = [
        "m = nn.Bilinear(2, 3, 4); r = m(T.ones(5, 2), T.ones(5, 3)).shape",
        "m = nn.Dropout2d(0.5); m.eval(); r = m(T.ones(1, 2, 3, 3)).shape",
        "m = nn.AdaptiveMaxPool2d((1, 1)); r = m(T.ones(1, 2, 4, 4)).shape",
        "m = nn.ZeroPad2d(1); r = m(T.ones(1, 2, 4, 4)).shape",
        "m = nn.ConstantPad1d(2, 3.5); r = m(T.ones(1, 2, 4)).sum().item()",
        "m = nn.ReflectionPad2d(1); r = m(T.arange(16.).reshape(1, 1, 4, 4)).sum().item()",
        "r = F.pad(T.arange(9.).reshape(1, 1, 3, 3), (1, 1, 1, 1), mode='reflect').sum().item()",
        "r = F.pad(T.arange(9.).reshape(1, 1, 3, 3), (1, 1, 1, 1), mode='replicate').sum().item()",
        "m = nn.Softmin(dim=1); r = m(T.ones(2, 3)).sum().item()",
        "m = nn.Threshold(0.5, 0.0); r = m(T.tensor([0.2, 1.0])).tolist()",
        "m = nn.Tanhshrink(); r = m(T.tensor([0.5])).shape",
        "m = nn.Softshrink(0.5); r = m(T.tensor([0.2, 1.0])).tolist()",
        "m = nn.Hardshrink(0.5); r = m(T.tensor([0.2, 1.0])).tolist()",
        "m = nn.GLU(); r = m(T.ones(2, 4)).shape",
        "m = nn.CosineSimilarity(dim=1); r = m(T.ones(2, 3), T.ones(2, 3)).tolist()",
        "m = nn.PairwiseDistance(); r = m(T.ones(2, 3), T.zeros(2, 3)).shape",
        "m = nn.InstanceNorm2d(2); r = m(T.randn(1, 2, 4, 4)).shape",
        "m = nn.LocalResponseNorm(2); r = m(T.ones(1, 4, 2, 2)).shape",
        "r = F.gumbel_softmax(T.zeros(2, 3), tau=1.0, hard=True).sum().item()",
        "r = F.unfold(T.ones(1, 1, 4, 4), kernel_size=2).shape",
        "r = F.fold(T.ones(1, 4, 9), output_size=(4, 4), kernel_size=2).shape",
        "r = F.pixel_shuffle(T.ones(1, 4, 2, 2), 2).shape",
        "r = str(F.softmax(T.tensor([[1., 2.]]), dim=1, dtype=T.float64).dtype).split('.')[-1]",
        "r = F.scaled_dot_product_attention(T.ones(1, 2, 3), T.ones(1, 2, 3), T.ones(1, 2, 3)).shape",
    ]
    for line in lines:
        got = {}
        for key, env in (("ours", {"T": ad, "nn": nn, "F": F, "m": None}),
                         ("torch", {"T": torch, "nn": torch.nn, "F": tF, "m": None})):
            exec(line, env)
            r = env["r"]
            got[key] = (repr(env["m"]), tuple(r) if isinstance(r, (tuple, torch.Size)) else r)
        assert got["ours"] == got["torch"], line
