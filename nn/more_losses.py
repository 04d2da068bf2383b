"""More of torch.nn's losses, as functions (re-exported by `nn.functional`) and modules: the margin and embedding
losses (margin_ranking, hinge_embedding, soft_margin, cosine_embedding, triplet_margin, multi_margin,
multilabel_soft_margin) and two likelihoods (poisson_nll, gaussian_nll). Each is composed from differentiable ops,
so gradients of any order follow; formulas, defaults and edge cases are PyTorch's."""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor

from . import functional as F
from .loss import _buffer, _Loss


def _t(x, fn: str) -> Tensor:
    return F._tensor(x, fn)


def _values(x) -> np.ndarray:
    return np.asarray(x._data if isinstance(x, Tensor) else x)


def _broadcastable(fn: str, *xs) -> None:
    try:
        np.broadcast_shapes(*(np.shape(_values(x)) for x in xs))
    except ValueError:
        shapes = " and ".join(str(np.shape(_values(x))) for x in xs)
        raise ValueError(f"{fn}: shapes {shapes} cannot be broadcast together") from None


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where y = -1."""
    F._check_reduction(reduction, "margin_ranking_loss")
    x1, x2 = _t(input1, "margin_ranking_loss"), _t(input2, "margin_ranking_loss")
    _broadcastable("margin_ranking_loss", x1, x2, target)
    return F._reduce(ad.relu(-target * (x1 - x2) + margin), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (as PyTorch, other targets get both terms)."""
    F._check_reduction(reduction, "hinge_embedding_loss")
    x = _t(input, "hinge_embedding_loss")
    _broadcastable("hinge_embedding_loss", x, target)
    y = _values(target)
    zero = np.zeros((), x.dtype)
    return F._reduce(ad.where(y != 1, ad.relu(margin - x), zero) + ad.where(y != -1, x, zero), reduction)


def soft_margin_loss(input, target, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) (a smooth hinge for y in {1, -1}), computed without overflow."""
    F._check_reduction(reduction, "soft_margin_loss")
    x = _t(input, "soft_margin_loss")
    _broadcastable("soft_margin_loss", x, target)
    return F._reduce(ad.softplus(-target * x), reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; rows of (N, D) or one pair of (D,).
    The cosine is PyTorch's: x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))."""
    F._check_reduction(reduction, "cosine_embedding_loss")
    x1, x2 = _t(input1, "cosine_embedding_loss"), _t(input2, "cosine_embedding_loss")
    if x1.shape != x2.shape or x1.ndim not in (1, 2):
        raise ValueError(f"cosine_embedding_loss: expected two 1-d or 2-d inputs of one shape, got {x1.shape} and "
                         f"{x2.shape}")
    y = _values(target)
    if y.shape != x1.shape[:-1]:
        raise ValueError(f"cosine_embedding_loss: the target's shape {y.shape} does not match the inputs' "
                         f"{x1.shape} (expected {x1.shape[:-1]})")
    eps = 1e-12
    cos = (x1 * x2).sum(-1) / ad.sqrt(((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps))
    zero = np.zeros((), cos.dtype)
    loss = ad.where(y == 1, 1.0 - cos, zero) + ad.where(y == -1, ad.relu(cos - margin), zero)
    return F._reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm distance (`pairwise_distance`, with its eps); swap
    uses min(d(a, n), d(p, n)) as the negative distance (Balntas et al.)."""
    F._check_reduction(reduction, "triplet_margin_loss")
    a, pos, neg = (_t(v, "triplet_margin_loss") for v in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim or a.ndim not in (1, 2):
        raise ValueError(f"triplet_margin_loss: expected anchor, positive and negative of 1 or 2 dims alike, got "
                         f"shapes {a.shape}, {pos.shape} and {neg.shape}")
    d_pos = F.pairwise_distance(a, pos, p, eps)
    d_neg = F.pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = ad.minimum(d_neg, F.pairwise_distance(pos, neg, p, eps))
    return F._reduce(ad.relu(margin + d_pos - d_neg), reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge: per sample, sum over classes j != y of max(0, margin - x[y] + x[j])^p / C (times
    weight[y]); input (N, C) or (C,), target class indices."""
    F._check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}")
    x = _t(input, "multi_margin_loss")
    if x.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: expected an input of 1 or 2 dims, got shape {x.shape}")
    rows = x if x.ndim == 2 else x.reshape(1, -1)
    target_shape = np.shape(_values(target))
    y = _values(target).reshape(-1).astype(np.int64)
    n, c = rows.shape
    if y.shape != (n,) or (y.size and (y.min() < 0 or y.max() >= c)):
        raise ValueError(f"multi_margin_loss: target must be {n} class indices in [0, {c}), got {_values(target)!r}")
    picked = rows[np.arange(n), y].reshape(n, 1)
    hinge = ad.relu(margin - picked + rows)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * _t(weight, "multi_margin_loss")[y].reshape(n, 1)
    others = (np.arange(c)[None, :] != y[:, None]).astype(x.dtype)
    loss = (hinge * others).sum(1) / c
    return F._reduce(loss if x.ndim == 2 else loss.reshape(target_shape), reduction)  # (a 0-d target: 0-d loss)


def multilabel_soft_margin_loss(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """Per sample, the mean over the C labels of the binary cross-entropy of sigmoid(x) and y (times weight)."""
    F._check_reduction(reduction, "multilabel_soft_margin_loss")
    x = _t(input, "multilabel_soft_margin_loss")
    _broadcastable("multilabel_soft_margin_loss", x, target)
    loss = -(target * F.logsigmoid(x) + (1.0 - target) * F.logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    return F._reduce(loss.mean(-1), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood of counts `target` with rate exp(input) (log_input) or input (then
    input - target log(input + eps)). full adds Stirling's log(target!) ~ t log t - t + log(2 pi t) / 2 where t > 1."""
    F._check_reduction(reduction, "poisson_nll_loss")
    x = _t(input, "poisson_nll_loss")
    _broadcastable("poisson_nll_loss", x, target)
    loss = ad.exp(x) - target * x if log_input else x - target * ad.log(x + eps)
    if full:
        t = _values(target).astype(x.dtype)
        safe = np.where(t > 1, t, 1)
        loss = loss + np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * math.pi * safe), 0).astype(
            x.dtype)
    return F._reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood 0.5 (log var + (input - target)^2 / var) (+ 0.5 log(2 pi) with full).
    var: input's shape, or one dim fewer / a last dim of 1 (one variance per sample, as PyTorch); clamped at eps
    for the value only (the gradient flows as if unclamped, as PyTorch's in-place clamp under no_grad)."""
    F._check_reduction(reduction, "gaussian_nll_loss")
    x = _t(input, "gaussian_nll_loss")
    v = _t(var, "gaussian_nll_loss")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.unsqueeze(-1)
        elif not (x.shape[:-1] == v.shape[:-1] and v.shape[-1:] == (1,)):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size: {v.shape} for input of shape {x.shape}")
    if np.any(_values(v) < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    v = v + (ad.clamp(v, min=eps) - v).detach()
    loss = 0.5 * (ad.log(v) + (x - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return F._reduce(loss, reduction)


# ---------------------------------------------------------------------------------------------- modules
class MarginRankingLoss(_Loss):
    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_Loss):
    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target) -> Tensor:
        return hinge_embedding_loss(input, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    def forward(self, input: Tensor, target) -> Tensor:
        return soft_margin_loss(input, target, self.reduction)


class CosineEmbeddingLoss(_Loss):
    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                   self.reduction)


class MultiMarginLoss(_Loss):
    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got {p}")
        self.p, self.margin = p, margin
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class PoissonNLLLoss(_Loss):
    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target) -> Tensor:
        return poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, self.reduction)


class GaussianNLLLoss(_Loss):
    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target, var) -> Tensor:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
