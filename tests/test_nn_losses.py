"""Losses: closed forms for every reduction, gradients in float64, stability, PyTorch agreement, errors."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.gradcheck import gradcheck
from nn import functional as F

RNG = np.random.default_rng(1)
REDUCTIONS = ["mean", "sum", "none"]


def t64(a, requires_grad=True):
    return ad.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=requires_grad)


def reduce(v, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](v)


def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1_closed_form_and_gradients(reduction):
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    np.testing.assert_allclose(nn.MSELoss(reduction)(t64(x), y).data, reduce((x - y) ** 2, reduction))
    np.testing.assert_allclose(nn.L1Loss(reduction)(t64(x), y).data, reduce(np.abs(x - y), reduction))
    assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction), (t64(x), t64(y)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_closed_forms(reduction):
    x, t = RNG.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    per = -log_softmax(x)[np.arange(5), t]
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction=reduction)(t64(x), t).data, reduce(per, reduction))
    np.testing.assert_allclose(nn.NLLLoss(reduction=reduction)(t64(log_softmax(x)), t).data, reduce(per, reduction))
    assert gradcheck(lambda a: F.cross_entropy(a, t, reduction=reduction), (t64(x),))
    assert gradcheck(lambda a: F.nll_loss(a, t, reduction=reduction), (t64(x),))


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n_and_finite_for_huge_logits():
    x = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0], [-1e4, -1e4, 1e4 + 1]], dtype=np.float32)
    t = np.array([1, 1, 0])
    xt = ad.tensor(x, requires_grad=True)
    loss = F.cross_entropy(xt, t)
    loss.backward()
    assert loss.dtype == np.float32 and xt.grad.dtype == np.float32
    assert np.isfinite(loss.item()) and np.all(np.isfinite(xt.grad.data))
    soft = np.exp(log_softmax(x.astype(np.float64)))
    expected = (soft - np.eye(3)[t]) / 3
    np.testing.assert_allclose(xt.grad.data, expected, atol=1e-7)
    np.testing.assert_allclose(loss.item(), np.mean(-log_softmax(x.astype(np.float64))[np.arange(3), t]), rtol=1e-6)


def test_cross_entropy_options_match_closed_form():
    x, t = RNG.standard_normal((4, 3)), np.array([0, 2, 2, 1])
    w = np.array([0.5, 2.0, 1.0])
    logp = log_softmax(x)
    got = F.cross_entropy(t64(x), t, weight=w).item()
    np.testing.assert_allclose(got, np.sum(-w[t] * logp[np.arange(4), t]) / w[t].sum())
    got = F.cross_entropy(t64(x), np.array([0, -100, 2, 1])).item()
    np.testing.assert_allclose(got, np.mean(-logp[[0, 2, 3], [0, 2, 1]]))
    eps = 0.1
    got = F.cross_entropy(t64(x), t, label_smoothing=eps).item()
    q = (1 - eps) * np.eye(3)[t] + eps / 3
    np.testing.assert_allclose(got, np.mean(-(q * logp).sum(1)))
    probs = RNG.dirichlet(np.ones(3), 4)
    np.testing.assert_allclose(F.cross_entropy(t64(x), probs).item(), np.mean(-(probs * logp).sum(1)))
    spatial = RNG.standard_normal((2, 3, 2, 2))
    ts = RNG.integers(0, 3, (2, 2, 2))
    flat = F.cross_entropy(t64(np.moveaxis(spatial, 1, -1).reshape(-1, 3)), ts.reshape(-1), reduction="none")
    np.testing.assert_allclose(F.cross_entropy(t64(spatial), ts, reduction="none").data, flat.data.reshape(2, 2, 2))


def test_cross_entropy_and_nll_match_torch_with_weights_ignore_index_and_smoothing():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x, t = RNG.standard_normal((6, 5)), np.array([0, 4, 3, 3, 1, 4])
    w = RNG.uniform(0.5, 2, 5)
    for kw in [{}, {"weight": w}, {"ignore_index": 3}, {"label_smoothing": 0.2}, {"weight": w, "ignore_index": 4,
                                                                                  "label_smoothing": 0.3}]:
        tkw = {k: torch.tensor(v) if k == "weight" else v for k, v in kw.items()}
        for red in REDUCTIONS:
            xt, xr = t64(x), torch.tensor(x, requires_grad=True)
            ours, ref = F.cross_entropy(xt, t, reduction=red, **kw), tF.cross_entropy(xr, torch.tensor(t),
                                                                                       reduction=red, **tkw)
            np.testing.assert_allclose(ours.data, ref.detach().numpy(), atol=1e-12, err_msg=f"{kw} {red}")
            seed = np.arange(1.0, 1 + ours.size).reshape(ours.shape)
            ours.backward(seed)
            ref.backward(torch.tensor(seed))
            np.testing.assert_allclose(xt.grad.data, xr.grad.numpy(), atol=1e-12, err_msg=f"{kw} {red}")
            if "label_smoothing" not in kw:
                lp = log_softmax(x)
                np.testing.assert_allclose(F.nll_loss(t64(lp), t, reduction=red, **kw).data,
                                           tF.nll_loss(torch.tensor(lp), torch.tensor(t), reduction=red,
                                                       **tkw).numpy(), atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_closed_form_clamp_and_gradients(reduction):
    p, y = RNG.uniform(0.05, 0.95, (3, 2)), RNG.uniform(0, 1, (3, 2))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(nn.BCELoss(reduction=reduction)(t64(p), y).data, reduce(expected, reduction))
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), (t64(p), t64(y)))
    w = RNG.uniform(0.5, 2, 2)
    np.testing.assert_allclose(F.binary_cross_entropy(t64(p), y, weight=w, reduction=reduction).data,
                               reduce(expected * w, reduction))


def test_bce_clamps_log_at_minus_100_and_keeps_gradient_finite():
    p = t64([0.0, 1.0, 0.5])
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.data))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(t64([1.5]), np.array([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_closed_form_gradients_and_pos_weight(reduction):
    x, y = RNG.standard_normal((3, 2)) * 3, RNG.uniform(0, 1, (3, 2))
    sig = 1 / (1 + np.exp(-x))
    expected = -(y * np.log(sig) + (1 - y) * np.log(1 - sig))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(reduction=reduction)(t64(x), y).data,
                               reduce(expected, reduction), rtol=1e-10)
    pw = np.array([2.0, 0.5])
    expected = -(pw * y * np.log(sig) + (1 - y) * np.log(1 - sig))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(t64(x), y, reduction=reduction, pos_weight=pw).data,
                               reduce(expected, reduction), rtol=1e-10)
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, pos_weight=pw),
                     (t64(x), t64(y)))


def test_bce_with_logits_is_stable_for_huge_logits():
    x = ad.tensor(np.array([1e4, -1e4, 50.0, -50.0], dtype=np.float32), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [1e4, 1e4, 0, 0], atol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1, -1, 0, 0], atol=1e-6)  # sigmoid(x) - y


def test_bce_losses_match_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    p, y, w = RNG.uniform(0.01, 0.99, (4, 3)), RNG.uniform(0, 1, (4, 3)), RNG.uniform(0.5, 2, 3)
    for red in REDUCTIONS:
        np.testing.assert_allclose(F.binary_cross_entropy(t64(p), y, weight=w, reduction=red).data,
                                   tF.binary_cross_entropy(torch.tensor(p), torch.tensor(y), torch.tensor(w),
                                                           reduction=red).numpy(), atol=1e-12)
        x = RNG.standard_normal((4, 3)) * 10
        np.testing.assert_allclose(
            F.binary_cross_entropy_with_logits(t64(x), y, weight=w, reduction=red, pos_weight=w).data,
            tF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y), torch.tensor(w), reduction=red,
                                                pos_weight=torch.tensor(w)).numpy(), atol=1e-10)


def test_loss_errors_are_clear():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(ad.zeros(2, 3), np.array([0, 5]))
    with pytest.raises(ValueError, match=r"expected target of shape \(2,\)"):
        F.cross_entropy(ad.zeros(2, 3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy_with_logits(ad.zeros(2, 3), np.zeros(3))
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(ad.zeros(2, 3), np.zeros(3))
