"""The margin, embedding and likelihood losses of nn.more_losses against torch: values for every reduction and
option, float64 gradients with respect to every float input, the modules' results and errors."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

from test_torch_parity_ops import _arr, both  # noqa: E402

REDUCTIONS = ["mean", "sum", "none"]


def _signs(shape, seed=0):
    return np.where(np.random.default_rng(seed).uniform(size=shape) > 0.5, 1.0, -1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_margin_ranking(reduction, margin):
    y = _signs((5,))
    both(lambda a, b: F.margin_ranking_loss(a, b, ad.tensor(y), margin, reduction),
         lambda a, b: tF.margin_ranking_loss(a, b, torch.from_numpy(y), margin, reduction=reduction),
         _arr((5,)), _arr((5,)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target", [[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, 0.0, 2.0]])
def test_hinge_embedding(reduction, target):
    y = np.array(target)
    both(lambda a: F.hinge_embedding_loss(a, ad.tensor(y), 1.2, reduction),
         lambda a: tF.hinge_embedding_loss(a, torch.from_numpy(y), 1.2, reduction=reduction),
         np.array([0.3, 0.5, 2.0, -1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin(reduction):
    y = _signs((3, 4))
    both(lambda a: F.soft_margin_loss(a, ad.tensor(y), reduction),
         lambda a: tF.soft_margin_loss(a, torch.from_numpy(y), reduction=reduction), _arr((3, 4), -30, 30))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (3,)])
def test_cosine_embedding(reduction, shape):
    y = _signs(shape[:-1], 1) if len(shape) == 2 else np.array(-1.0)
    both(lambda a, b: F.cosine_embedding_loss(a, b, ad.tensor(y), -0.2, reduction),
         lambda a, b: tF.cosine_embedding_loss(a, b, torch.from_numpy(y), -0.2, reduction=reduction),
         _arr(shape), _arr(shape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, swap", [(2.0, False), (1.0, True), (3.0, False)])
def test_triplet_margin(reduction, p, swap):
    both(lambda a, b, c: F.triplet_margin_loss(a, b, c, 0.8, p, 1e-6, swap, reduction),
         lambda a, b, c: tF.triplet_margin_loss(a, b, c, margin=0.8, p=p, swap=swap, reduction=reduction),
         _arr((4, 3)), _arr((4, 3)), _arr((4, 3)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, weight", [(1, None), (2, None), (1, [0.5, 1.0, 2.0])])
def test_multi_margin(reduction, p, weight):
    y = np.array([0, 2, 1, 2])
    w = None if weight is None else np.array(weight)
    both(lambda a: F.multi_margin_loss(a, ad.tensor(y), p, 0.9, None if w is None else ad.tensor(w), reduction),
         lambda a: tF.multi_margin_loss(a, torch.from_numpy(y), p, 0.9,
                                        None if w is None else torch.from_numpy(w), reduction=reduction),
         _arr((4, 3)))
    for one in ([1], 1):  # one sample (C,): the loss has the target's shape
        both(lambda a, one=one: F.multi_margin_loss(a, ad.tensor(one), p, reduction=reduction),
             lambda a, one=one: tF.multi_margin_loss(a, torch.tensor(one), p, reduction=reduction), _arr((3,)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin(reduction, weighted):
    y = (np.random.default_rng(2).uniform(size=(3, 4)) > 0.5).astype(np.float64)
    w = np.array([0.5, 1.0, 2.0, 1.5]) if weighted else None
    both(lambda a: F.multilabel_soft_margin_loss(a, ad.tensor(y), None if w is None else ad.tensor(w), reduction),
         lambda a: tF.multilabel_soft_margin_loss(a, torch.from_numpy(y), None if w is None else torch.from_numpy(w),
                                                  reduction=reduction), _arr((3, 4)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input, full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll(reduction, log_input, full):
    counts = np.array([[0.0, 1.0, 3.0], [2.0, 7.0, 0.5]])
    x = _arr((2, 3), -1, 1) if log_input else _arr((2, 3), 0.2, 3)
    both(lambda a: F.poisson_nll_loss(a, ad.tensor(counts), log_input, full, reduction=reduction),
         lambda a: tF.poisson_nll_loss(a, torch.from_numpy(counts), log_input, full, reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(reduction, var_shape, full):
    var = _arr(var_shape, 0.3, 2)
    var.reshape(-1)[0] = 1e-9  # below eps: clamped for the value, the gradient as if not (PyTorch's)
    both(lambda a, t, v: F.gaussian_nll_loss(a, t, v, full, reduction=reduction),
         lambda a, t, v: tF.gaussian_nll_loss(a, t, v, full, reduction=reduction),
         _arr((4, 3)), _arr((4, 3)), var, rtol=1e-9)


def test_modules_match_their_functions_and_torch():
    x, y = _arr((4, 3)), np.array([0, 2, 1, 2])
    cases = [(nn.MultiMarginLoss(p=2, margin=0.5), torch.nn.MultiMarginLoss(p=2, margin=0.5), (x, y)),
             (nn.SoftMarginLoss(reduction="sum"), torch.nn.SoftMarginLoss(reduction="sum"), (x, _signs((4, 3)))),
             (nn.MarginRankingLoss(0.3), torch.nn.MarginRankingLoss(0.3), (x[:, 0], x[:, 1], _signs((4,)))),
             (nn.HingeEmbeddingLoss(2.0), torch.nn.HingeEmbeddingLoss(2.0), (x, _signs((4, 3)))),
             (nn.CosineEmbeddingLoss(0.1), torch.nn.CosineEmbeddingLoss(0.1), (x, x[::-1].copy(), _signs((4,)))),
             (nn.TripletMarginLoss(swap=True), torch.nn.TripletMarginLoss(swap=True), (x, x * 0.5, x[::-1].copy())),
             (nn.MultiLabelSoftMarginLoss(), torch.nn.MultiLabelSoftMarginLoss(), (x, (x > 0).astype(float))),
             (nn.PoissonNLLLoss(full=True), torch.nn.PoissonNLLLoss(full=True), (x, np.abs(x) * 3)),
             (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True), (x, x * 0.9, np.abs(x) + 0.1))]
    for ours, theirs, args in cases:
        o = ours(*[ad.tensor(a) for a in args])
        t = theirs(*[torch.from_numpy(np.ascontiguousarray(a)) for a in args])
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10, err_msg=type(ours).__name__)
    w = nn.MultiMarginLoss(weight=[1.0, 2.0, 3.0])
    assert "weight" in w.state_dict()


def test_errors_name_the_loss_and_the_problem():
    x = ad.ones(4, 3)
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.SoftMarginLoss(reduction="avg")
    with pytest.raises(ValueError, match="multi_margin_loss: only p == 1 and p == 2 supported, got 3"):
        F.multi_margin_loss(x, ad.tensor([0, 1, 2, 0]), p=3)
    with pytest.raises(ValueError, match=r"multi_margin_loss: target must be 4 class indices in \[0, 3\)"):
        F.multi_margin_loss(x, ad.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var is of incorrect size: \(3,\)"):
        F.gaussian_nll_loss(x, x, ad.ones(3))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative entry"):
        F.gaussian_nll_loss(x, x, -ad.ones(4, 3))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: the target's shape \(3,\) does not match"):
        F.cosine_embedding_loss(x, x, ad.ones(3))
    with pytest.raises(ValueError, match=r"margin_ranking_loss: shapes \(4, 3\) and \(2,\) and \(4, 3\) cannot"):
        F.margin_ranking_loss(x, ad.ones(2), x)
    with pytest.raises(ValueError, match="triplet_margin_loss: expected anchor, positive and negative"):
        F.triplet_margin_loss(x, x, ad.ones(3))


def test_second_order_gradients():
    rng = np.random.default_rng(5)
    y = ad.tensor([0, 2, 1])
    for fn, n in [(lambda a: F.multi_margin_loss(a, y, p=2), 1),
                  (lambda a, b: F.cosine_embedding_loss(a, b, ad.tensor([1.0, -1.0, 1.0]), -0.5), 2),
                  (lambda a: F.poisson_nll_loss(a, ad.tensor([[1.0, 2.0, 0.0]] * 3), full=True), 1),
                  (lambda a: F.soft_margin_loss(a, ad.tensor(_signs((3, 3)))), 1)]:
        args = [ad.tensor(rng.uniform(-1, 1, (3, 3)), requires_grad=True) for _ in range(n)]
        assert ad.gradgradcheck(fn, args)
