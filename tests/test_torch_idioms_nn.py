"""PyTorch idioms in `nn`, checked against torch in float64: more activations (SiLU ... LogSigmoid, PReLU),
normalize / cosine_similarity / pairwise_distance, SmoothL1 / Huber / KL-divergence losses, GroupNorm, and
Module.to / cpu / cuda / half in torch's call forms."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_torch_parity_nn import ATOL, RTOL, close, rng  # noqa: E402  (the parity harness; these use float64)

import autodiff as ad  # noqa: E402
import nn  # noqa: E402
from autodiff.gradcheck import jvpcheck  # noqa: E402
from nn import functional as F  # noqa: E402

TF = torch.nn.functional


def ours(a, requires_grad: bool = False):
    a = np.asarray(a, dtype=np.float64)
    return ad.tensor(a, dtype=a.dtype, requires_grad=requires_grad)


def theirs(a, requires_grad: bool = False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def compare_fn(our_fn, their_fn, *arrays, rtol=RTOL, atol=ATOL, seed: int = 1):
    """Forward values and the gradient of every input (under a random upstream gradient) through both."""
    xo = [ours(a, True) for a in arrays]
    xt = [theirs(a, True) for a in arrays]
    yo, yt = our_fn(*xo), their_fn(*xt)
    close(yo, yt, rtol, atol)
    g = rng(seed).standard_normal(tuple(yt.shape))
    yo.backward(ours(g))
    yt.backward(theirs(g))
    for a, b in zip(xo, xt, strict=True):
        close(a.grad, b.grad, rtol, atol)
    return yo, yt


# ---------------------------------------------------------------------------------------------- activations
# kinks (-3, 0, 3, 6, the hardtanh bounds), and |x| large enough to overflow a naive exp
KINKS = np.array([-1000.0, -40.0, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0, 40.0, 1000.0])

ACTIVATIONS = {
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh(-2, 0.5)": (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: TF.hardtanh(x, -2.0, 0.5)),
    "relu6": (F.relu6, TF.relu6),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "celu(0.5)": (lambda x: F.celu(x, 0.5), lambda x: TF.celu(x, 0.5)),
    "celu(-0.5)": (lambda x: F.celu(x, -0.5), lambda x: TF.celu(x, -0.5)),
    "hardswish": (F.hardswish, TF.hardswish),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "prelu": (lambda x: F.prelu(x, ours([0.25])), lambda x: TF.prelu(x, theirs([0.25]))),
}
# PyTorch's hardsigmoid backward multiplies by a float32 1/6 even in float64
LOOSE = {"hardsigmoid": 1e-7}
# celu with a negative alpha overflows for x << 0 (in both): keep |x| moderate there. (Alphas exact in float32:
# PyTorch's celu backward scales by 1/alpha rounded to float32, off by ~|x| 1e-8 relative otherwise.)
MODERATE = {"celu(-0.5)"}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_torch_at_kinks_and_large_inputs(name):
    our_fn, their_fn = ACTIVATIONS[name]
    x = KINKS[np.abs(KINKS) < 100] if name in MODERATE else KINKS
    x = np.concatenate([x, rng(3).standard_normal(20) * 4])
    compare_fn(our_fn, their_fn, x, rtol=LOOSE.get(name, RTOL))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_0d_and_empty(name):
    our_fn, their_fn = ACTIVATIONS[name]
    compare_fn(our_fn, their_fn, np.array(-1.5), rtol=LOOSE.get(name, RTOL))
    compare_fn(our_fn, their_fn, np.array(2.5), rtol=LOOSE.get(name, RTOL))
    compare_fn(our_fn, their_fn, np.zeros((0, 3)))


def test_logsigmoid_and_silu_stay_finite_for_huge_inputs():
    x = ours([-1e300, -1e5, 1e5, 1e300], True)
    y = F.logsigmoid(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [-1e300, -1e5, 0.0, 0.0])
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 0.0, 0.0])
    x = ours([-1e5, 1e5], True)
    y = F.silu(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 1e5])
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


GRADCHECKED = {
    "silu": F.silu, "mish": F.mish, "selu": F.selu, "celu(0.5)": lambda x: F.celu(x, 0.5),
    "celu(-0.7)": lambda x: F.celu(x, -0.7), "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid,
    "hardtanh": lambda x: F.hardtanh(x, -0.5, 0.7), "relu6": lambda x: F.relu6(x * 4), "logsigmoid": F.logsigmoid,
    "normalize": lambda x: F.normalize(x, dim=1), "normalize(p=3, dim=0)": lambda x: F.normalize(x, 3.0, 0),
}


@pytest.mark.parametrize("name", list(GRADCHECKED))
def test_gradcheck_activations_and_normalize(name):
    fn = GRADCHECKED[name]
    # away from every kink (|x - k| > 0.05 for k in -3, -0.5, 0, 0.7, 3) so central differences are exact
    x = np.array([[-3.9, -1.7, -0.31, 0.21], [0.43, 1.1, 2.6, 3.8]])
    t = ours(x, True)
    assert ad.gradcheck(fn, (t,))
    assert ad.gradgradcheck(fn, (t,))
    assert jvpcheck(fn, (t,))


def test_gradcheck_prelu_weight_and_input():
    x = ours(rng(1).standard_normal((2, 3, 2)), True)
    w = ours([0.1, -0.3, 0.6], True)
    assert ad.gradcheck(F.prelu, (x, w))
    assert ad.gradgradcheck(F.prelu, (x, w))


@pytest.mark.parametrize("cls, args", [
    ("SiLU", ()), ("Mish", ()), ("Hardtanh", (-2.0, 1.5)), ("ReLU6", ()), ("SELU", ()), ("CELU", (0.5,)),
    ("Hardswish", ()), ("Hardsigmoid", ()), ("LogSigmoid", ()),
])
def test_activation_modules_match_torch(cls, args):
    our, their = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(our) == repr(their)
    assert list(our.state_dict()) == []
    compare_fn(our, their, rng(2).standard_normal((3, 4)) * 4, rtol=LOOSE.get(cls.lower(), RTOL))


@pytest.mark.parametrize("cls", ["ReLU", "SiLU", "Mish", "ReLU6", "SELU", "Hardswish", "Hardsigmoid"])
def test_inplace_argument_is_accepted(cls):
    our, their = getattr(nn, cls)(inplace=True), getattr(torch.nn, cls)(inplace=True)
    assert repr(our) == repr(their)
    x = ours([-1.0, 2.0])
    close(our(x), their(theirs([-1.0, 2.0])), rtol=1e-7)
    assert repr(nn.Hardtanh(-2, 2, inplace=True)) == repr(torch.nn.Hardtanh(-2, 2, inplace=True))
    close(F.relu6(x, inplace=True), TF.relu6(theirs([-1.0, 2.0])))


@pytest.mark.parametrize("num, shape", [(1, (2, 3, 4)), (3, (2, 3, 4)), (3, (2, 3)), (1, (5,)), (1, ())])
def test_prelu_module_matches_torch(num, shape):
    our, their = nn.PReLU(num, init=0.1).double(), torch.nn.PReLU(num, init=0.1).double()
    assert repr(our) == repr(their) and list(our.state_dict()) == list(their.state_dict()) == ["weight"]
    assert our.weight.shape == tuple(their.weight.shape) and our.weight.requires_grad
    x = rng(4).standard_normal(shape)
    yo, yt = our(ours(x, True)), their(theirs(x, True))
    close(yo, yt)
    yo.sum().backward()
    yt.sum().backward()
    close(our.weight.grad, their.weight.grad)
    nn.init.constant_(our.weight, 3.0)
    our.reset_parameters()
    np.testing.assert_array_equal(our.weight.data, np.full(num, 0.1))


def test_prelu_and_hardtanh_errors():
    with pytest.raises(ValueError, match=r"prelu: Mismatch of parameter numbers and input channel size.*= 3 .*= 4"):
        nn.PReLU(3)(ad.ones((2, 4)))
    with pytest.raises(ValueError, match=r"channel size = 1"):
        nn.PReLU(3)(ad.ones(3))
    with pytest.raises(ValueError, match=r"prelu: Expected `weight` to be a scalar or 1D tensor.*ndim = 2"):
        F.prelu(ad.ones((2, 3)), ad.ones((3, 1)))
    with pytest.raises(ValueError, match="hardtanh: min_val cannot be greater than max_val"):
        F.hardtanh(ad.ones(2), 1.0, -1.0)
    with pytest.raises(ValueError, match="Hardtanh: max_val must be greater than min_val"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(ad.ones(2), 0.0)
    with pytest.raises(RuntimeError, match="PReLU: .*CPU only"):
        nn.PReLU(device="cuda")


# ------------------------------------------------------------------------------------------------- distances
@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 1), (3.0, 0), (float("inf"), -1), (2.0, 0)])
def test_normalize_matches_torch(p, dim):
    x = rng(5).standard_normal((3, 4))
    x[1] = 0.0  # a zero row: the norm is clamped at eps and its gradient cut there, as torch
    compare_fn(lambda a: F.normalize(a, p, dim), lambda a: TF.normalize(a, p, dim), x)


def test_normalize_0d_tiny_norms_and_errors():
    compare_fn(lambda a: F.normalize(a, dim=0), lambda a: TF.normalize(a, dim=0), np.array(3.0))
    compare_fn(lambda a: F.normalize(a, dim=1, eps=1e-3), lambda a: TF.normalize(a, dim=1, eps=1e-3),
               np.array([[1e-4, -2e-4], [3.0, 4.0]]))
    with pytest.raises(IndexError, match="out of range"):
        F.normalize(ad.ones(3))


@pytest.mark.parametrize("s1, s2, dim", [((4, 3), (4, 3), 1), ((4, 3), (3,), 1), ((2, 3, 5), (2, 1, 5), -1),
                                          ((3,), (3,), 0), ((2, 3), (2, 3), 0)])
def test_cosine_similarity_matches_torch(s1, s2, dim):
    a, b = rng(6).standard_normal(s1), rng(7).standard_normal(s2)
    compare_fn(lambda x, y: F.cosine_similarity(x, y, dim), lambda x, y: TF.cosine_similarity(x, y, dim), a, b)


def test_cosine_similarity_zero_vector_gradient_is_torchs():
    """torch 2.x clamps the norms in place under no_grad: the gradient at a zero vector is x2 / (|x2| eps)."""
    a, b = np.zeros((2, 3)), np.ones((2, 3))
    a[1] = [1e-9, 0.0, -2e-9]
    compare_fn(F.cosine_similarity, TF.cosine_similarity, a, b, rtol=1e-9)
    compare_fn(lambda x, y: F.cosine_similarity(x, y, eps=0.5), lambda x, y: TF.cosine_similarity(x, y, eps=0.5),
               rng(8).standard_normal((3, 2)) * 0.2, rng(9).standard_normal((3, 2)))


def test_cosine_similarity_errors():
    with pytest.raises(ValueError, match=r"cosine_similarity: x1 of shape \(2, 3\) and x2 of shape \(4, 3\)"):
        F.cosine_similarity(ad.ones((2, 3)), ad.ones((4, 3)))
    with pytest.raises(IndexError, match="out of range"):
        F.cosine_similarity(ad.ones(3), ad.ones(3))


@pytest.mark.parametrize("s1, s2, p, keepdim", [((4, 3), (4, 3), 2.0, False), ((4, 3), (3,), 1.0, True),
                                                 ((2, 3, 5), (5,), 3.0, False), ((3,), (3,), 2.0, True),
                                                 ((4, 3), (4, 3), float("inf"), False), ((), (), 2.0, False)])
def test_pairwise_distance_matches_torch(s1, s2, p, keepdim):
    a, b = rng(10).standard_normal(s1), rng(11).standard_normal(s2)
    compare_fn(lambda x, y: F.pairwise_distance(x, y, p, keepdim=keepdim),
               lambda x, y: TF.pairwise_distance(x, y, p, keepdim=keepdim), a, b)


def test_pairwise_distance_of_equal_inputs_has_finite_gradients():
    a = rng(12).standard_normal((2, 3))
    for eps in (1e-6, 0.0):
        compare_fn(lambda x, y, e=eps: F.pairwise_distance(x, y, eps=e),
                   lambda x, y, e=eps: TF.pairwise_distance(x, y, eps=e), a, a.copy())
    x, y = ours(rng(13).standard_normal((3, 4)), True), ours(rng(14).standard_normal((3, 4)), True)
    assert ad.gradcheck(F.pairwise_distance, (x, y))
    assert ad.gradcheck(F.cosine_similarity, (x, y))
    assert ad.gradgradcheck(F.cosine_similarity, (x, y))


# ---------------------------------------------------------------------------------------------------- losses
DIFFS = np.array([-3.0, -1.0, -0.7, -0.2, 0.0, 0.3, 1.0, 1.5, 2.0, 4.0])  # input - target, kinks at +-beta


def loss_pair(shape=(10,), seed=15):
    t = rng(seed).standard_normal(shape)
    return DIFFS.reshape(shape) + t, t


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
def test_smooth_l1_loss_matches_torch(reduction, beta):
    x, t = loss_pair()
    compare_fn(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
               lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, t)
    compare_fn(nn.SmoothL1Loss(reduction=reduction, beta=beta), torch.nn.SmoothL1Loss(reduction=reduction, beta=beta),
               x.reshape(2, 5), t.reshape(2, 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
def test_huber_loss_matches_torch(reduction, delta):
    x, t = loss_pair()
    compare_fn(lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=delta),
               lambda a, b: TF.huber_loss(a, b, reduction=reduction, delta=delta), x, t)
    compare_fn(nn.HuberLoss(reduction=reduction, delta=delta), torch.nn.HuberLoss(reduction=reduction, delta=delta),
               x.reshape(5, 2), t.reshape(5, 2))
    w = rng(16).uniform(0.5, 2.0, 10)
    compare_fn(lambda a, b, c: F.huber_loss(a, b, reduction, delta, c),
               lambda a, b, c: TF.huber_loss(a, b, reduction, delta, c), x, t, w)


def kl_inputs(shape=(3, 4), seed=17):
    r = rng(seed)
    logp = np.log(r.dirichlet(np.ones(shape[-1]), shape[:-1]))
    q = r.dirichlet(np.ones(shape[-1]), shape[:-1])
    return logp, q


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    logp, q = kl_inputs()
    target = np.log(q) if log_target else q
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch and we both warn about 'mean'
        compare_fn(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                   lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target), logp, target)
        compare_fn(nn.KLDivLoss(reduction=reduction, log_target=log_target),
                   torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), logp, target)


def test_kl_div_zero_target_batchmean_0d_and_constant_targets():
    logp, q = kl_inputs()
    q[0, 1] = 0.0  # 0 log 0 = 0
    lo = ours(logp, True)
    yo = F.kl_div(lo, q, reduction="batchmean")
    lt = theirs(logp, True)
    yt = TF.kl_div(lt, theirs(q), reduction="batchmean")
    close(yo, yt)
    yo.backward()
    yt.backward()
    close(lo.grad, lt.grad)
    compare_fn(lambda a, b: F.kl_div(a, b, reduction="batchmean"),
               lambda a, b: TF.kl_div(a, b, reduction="batchmean"), np.array(-0.5), np.array(0.3))
    with np.errstate(invalid="ignore"):  # (an empty batch: 0 / 0, as torch's nan)
        out = F.kl_div(ad.zeros((0, 3)), np.zeros((0, 3)), reduction="batchmean")
    assert np.isnan(out.item()) and np.isnan(TF.kl_div(torch.zeros(0, 3), torch.zeros(0, 3),
                                                       reduction="batchmean").item())


def test_kl_div_mean_warns_as_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(ad.zeros((2, 2)), np.full((2, 2), 0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(ad.zeros((2, 2)), np.full((2, 2), 0.5), reduction="batchmean")


@pytest.mark.filterwarnings(r"ignore:Using a target size \(torch.Size")  # (torch's own warning, in its wording)
def test_losses_broadcast_target_with_warning_as_torch():
    x, t = rng(18).standard_normal((3, 2)), rng(19).standard_normal(2)
    for ofn, tfn in ((F.smooth_l1_loss, TF.smooth_l1_loss), (F.huber_loss, TF.huber_loss)):
        with pytest.warns(UserWarning, match=r"Using a target size \(\(2,\)\) that is different to the input size"):
            compare_fn(ofn, tfn, x, t)
        with pytest.raises(ValueError, match=r"input of shape \(3, 2\) and target of shape \(4,\) cannot be "
                                             r"broadcast"):
            ofn(ours(x), ours(np.ones(4)))


def test_legacy_size_average_and_reduce():
    x, t = loss_pair()
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        m = nn.SmoothL1Loss(size_average=False)
    assert m.reduction == "sum"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_fn(m, torch.nn.SmoothL1Loss(size_average=False), x, t)
        assert nn.KLDivLoss(reduce=False).reduction == "none"
        compare_fn(lambda a, b: F.smooth_l1_loss(a, b, reduce=False),
                   lambda a, b: TF.smooth_l1_loss(a, b, reduce=False), x, t)


def test_loss_errors():
    x = ad.zeros(3)
    with pytest.raises(ValueError, match="smooth_l1_loss does not support negative values for beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss does not support non-positive values for delta"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match=r"huber_loss: Weights and input must have the same size.*\(2,\)"):
        F.huber_loss(x, x, weight=np.ones(2))
    with pytest.raises(ValueError, match="'batchmean' is not a valid value for reduction"):
        F.smooth_l1_loss(x, x, reduction="batchmean")
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.HuberLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"kl_div: 'avg' is not a valid value for reduction \(use 'mean', 'batchmean'"):
        F.kl_div(x, x, reduction="avg")
    with pytest.raises(ValueError, match="KLDivLoss: 'avg' is not a valid value"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"kl_div: input of shape \(3,\) and target of shape \(4,\)"):
        F.kl_div(x, np.ones(4), reduction="sum")


def test_loss_modules_repr_and_empty_input():
    assert repr(nn.SmoothL1Loss()) == repr(torch.nn.SmoothL1Loss()) == "SmoothL1Loss()"
    assert repr(nn.KLDivLoss()) == repr(torch.nn.KLDivLoss())
    assert (nn.HuberLoss(delta=2.0).delta, nn.KLDivLoss(log_target=True).log_target) == (2.0, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(F.smooth_l1_loss(ad.zeros(0), np.zeros(0)).item())
        assert np.isnan(TF.smooth_l1_loss(torch.zeros(0), torch.zeros(0)).item())
    assert F.huber_loss(ad.zeros(0), np.zeros(0), reduction="sum").item() == 0.0


def test_gradcheck_losses():
    x, t = loss_pair((2, 5))  # no |d| at a kink (0.45, 0.6): the second derivative jumps there
    xo, to = ours(x, True), ours(t, True)
    for fn in (lambda a, b: F.smooth_l1_loss(a, b, beta=0.45), lambda a, b: F.huber_loss(a, b, delta=0.6),
               lambda a, b: F.kl_div(a, b.abs() + 0.1, reduction="batchmean"),
               lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True)):
        assert ad.gradcheck(fn, (xo, to))
        assert ad.gradgradcheck(fn, (xo, to))


# -------------------------------------------------------------------------------------------------- GroupNorm
def compare_norm(our, their, x):
    our.double()
    their.double()
    our.load_state_dict({k: v.detach().numpy() for k, v in their.state_dict().items()})
    assert list(our.state_dict()) == list(their.state_dict())
    assert repr(our) == repr(their)
    xo, xt = ours(x, True), theirs(x, True)
    yo, yt = our(xo), their(xt)
    close(yo, yt, 1e-9, 1e-11)
    g = rng(20).standard_normal(tuple(yt.shape))
    yo.backward(ours(g))
    yt.backward(theirs(g))
    close(xo.grad, xt.grad, 1e-9, 1e-11)
    for (name, po), (_, pt) in zip(our.named_parameters(), their.named_parameters(), strict=True):
        assert po.grad is not None, name
        close(po.grad, pt.grad, 1e-9, 1e-11)


@pytest.mark.parametrize("groups, shape", [(2, (3, 4, 5)), (1, (2, 6, 3, 2)), (6, (2, 6)), (3, (2, 6, 4)),
                                           (2, (0, 4, 3))])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(groups, shape, affine):
    torch.manual_seed(0)
    their = torch.nn.GroupNorm(groups, shape[1], affine=affine)
    if affine:
        with torch.no_grad():
            their.weight.normal_()
            their.bias.normal_()
    compare_norm(nn.GroupNorm(groups, shape[1], affine=affine), their, rng(21).standard_normal(shape) * 3 + 1)


def test_group_norm_bias_false_eps_and_functional():
    compare_norm(nn.GroupNorm(2, 4, eps=0.1, bias=False), torch.nn.GroupNorm(2, 4, eps=0.1, bias=False),
                 rng(22).standard_normal((3, 4, 2)))
    w, b = rng(23).standard_normal(4), rng(24).standard_normal(4)
    compare_fn(lambda x, w, b: F.group_norm(x, 2, w, b, 1e-3), lambda x, w, b: TF.group_norm(x, 2, w, b, 1e-3),
               rng(25).standard_normal((2, 4, 3)), w, b)
    m = nn.GroupNorm(2, 4)
    m.eval()
    x = ad.tensor(rng(26).standard_normal((1, 4, 3)).astype(np.float32))
    close(m(x), torch.nn.GroupNorm(2, 4).eval()(torch.tensor(x.data)), rtol=1e-5, atol=1e-6)  # float32 default
    assert m.weight.dtype == np.float32


def test_gradcheck_group_norm():
    x = ours(rng(27).standard_normal((2, 4, 3)), True)
    w, b = ours(rng(28).standard_normal(4), True), ours(rng(29).standard_normal(4), True)
    fn = lambda x, w, b: F.group_norm(x, 2, w, b)  # noqa: E731
    assert ad.gradcheck(fn, (x, w, b))
    assert ad.gradgradcheck(fn, (x, w, b))


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"Expected weight to be a vector of size equal to the number of channels.*"
                                         r"\(4,\) and input of shape \(2, 6, 3\)"):
        nn.GroupNorm(2, 4)(ad.ones((2, 6, 3)))
    with pytest.raises(ValueError, match=r"divisible by num_groups, but got input of shape \(2, 6, 3\) and "
                                         r"num_groups=4"):
        F.group_norm(ad.ones((2, 6, 3)), 4)
    with pytest.raises(ValueError, match="Expected at least 2 dimensions for input tensor but received 1"):
        F.group_norm(ad.ones(6), 2)
    with pytest.raises(RuntimeError, match="GroupNorm: .*CPU only"):
        nn.GroupNorm(2, 4, device="cuda:0")


# ---------------------------------------------------------------------------------------------- Module devices
def small_model():
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def dtypes(m):
    return {k: np.asarray(v.data if isinstance(v, ad.Tensor) else v).dtype for k, v in m.state_dict().items()}


@pytest.mark.parametrize("call, expected", [
    (lambda m: m.to("cpu"), np.float32),
    (lambda m: m.to(ad.device("cpu")), np.float32),
    (lambda m: m.to(np.float64), np.float64),
    (lambda m: m.to("cpu", np.float64), np.float64),
    (lambda m: m.to(ad.device("cpu"), dtype=np.float64), np.float64),
    (lambda m: m.to(device="cpu", dtype=np.float64, non_blocking=True), np.float64),
    (lambda m: m.to(dtype=np.float64), np.float64),
    (lambda m: m.to(np.float64, True), np.float64),
    (lambda m: m.to(ad.zeros(2, dtype=np.float64)), np.float64),
    (lambda m: m.cpu(), np.float32),
    (lambda m: m.double().float(), np.float32),
    (lambda m: m.half(), np.float16),
])
def test_module_to_forms(call, expected):
    m = small_model()
    before = {k: np.array(v.data) for k, v in m.state_dict().items()}
    assert call(m) is m
    got = dtypes(m)
    assert got.pop("1.num_batches_tracked") == np.int64  # integer buffers are never cast
    assert set(got.values()) == {np.dtype(expected)}
    for k, v in m.state_dict().items():
        np.testing.assert_allclose(np.asarray(v.data, dtype=np.float64), before[k], rtol=1e-3)


def test_module_to_cast_keeps_grads_and_training_works():
    m = nn.Linear(3, 2)
    m(ad.ones((1, 3))).sum().backward()
    m.to("cpu", np.float64)
    assert m.weight.grad.dtype == np.float64
    y = m(ad.ones((1, 3), dtype=np.float64))
    assert y.dtype == np.float64


@pytest.mark.parametrize("call", [
    lambda m: m.to("cuda"),
    lambda m: m.to("cuda:0", np.float64),
    lambda m: m.to(device="cuda", dtype=np.float64),
    lambda m: m.to(ad.device("cuda", 1)),
    lambda m: m.cuda(),
    lambda m: m.cuda(0),
])
def test_module_cuda_refused_before_anything_changes(call):
    m = small_model()
    with pytest.raises(RuntimeError, match=r"Module\.(to|cuda): autodiff computes with NumPy on the CPU only; "
                                           r"device 'cuda"):
        call(m)
    assert set(dtypes(m).values()) == {np.dtype(np.float32), np.dtype(np.int64)}


def test_module_to_reads_a_string_as_a_device_as_torch():
    m = small_model()
    with pytest.raises(RuntimeError, match="device type at start of device string: float64"):
        m.to("float64")
    with pytest.raises(RuntimeError, match="device string: 'float64'"):  # (torch's wording for this one differs)
        torch.nn.Linear(2, 2).to("float64")
    with pytest.raises(TypeError, match="Module.to\\(\\) got an unexpected keyword argument 'copy'"):
        m.to(np.float64, copy=True)
    assert set(dtypes(m).values()) == {np.dtype(np.float32), np.dtype(np.int64)}


def test_module_to_bad_arguments():
    m = small_model()
    with pytest.raises(TypeError, match="Module.to only accepts floating point dtypes, got int64"):
        m.to(np.int64)
    with pytest.raises(TypeError, match="Module.to only accepts floating point dtypes, got int64"):
        m.to(ad.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError, match="unexpected keyword argument 'devices'"):
        m.to(devices="cpu")
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        m.to("cpu", np.float64, False, 3)
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        m.to("gpu")
    assert set(dtypes(m).values()) == {np.dtype(np.float32), np.dtype(np.int64)}
