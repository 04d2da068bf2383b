"""`Adamax` (Kingma & Ba, 2015, section 7.1): Adam with an infinity norm in place of the second moment."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import effective_grad, lerp_
from .optimizer import Optimizer, ParamsT, check_adam_family, check_unsupported


class Adamax(Optimizer):
    r"""Adamax (as `torch.optim.Adamax`).

    State per parameter: `step`, `exp_avg` and `exp_inf` (arrays start at zero). At step t (`maximize`
    negates g first)::

        g       <- g + weight_decay * p                  (if weight_decay != 0: L2 penalty)
        exp_avg <- lerp(exp_avg, g, 1 - beta1)           (= beta1 * exp_avg + (1 - beta1) * g)
        exp_inf <- max(beta2 * exp_inf, |g| + eps)       (elementwise: a decaying infinity norm)
        p       <- p - lr / (1 - beta1**t) * exp_avg / exp_inf

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 2e-3).
        betas: decay rates (beta1, beta2) of the first moment and of the infinity norm, each in [0, 1)
            (default (0.9, 0.999)).
        eps: added to |g| for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        maximize: ascend the objective instead of descending.
        foreach, differentiable, capturable: accepted for PyTorch compatibility; only their defaults.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_adam_family(hp)
        check_unsupported(hp, "capturable", "differentiable")

    @ad.no_grad()
    def step(self, closure=None):
        """One Adamax step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            maximize = bool(group["maximize"])
            for p, arr, g in items:
                state = self._next_step(p, arr, "exp_avg", "exp_inf")
                clr = lr / (1 - beta1 ** state["step"])
                kernel = _kernel(beta1, beta2, eps, wd, maximize, clr)
                self._run(p, kernel, [arr, g, state["exp_avg"], state["exp_inf"]], 2)
        return loss


def _kernel(beta1: float, beta2: float, eps: float, wd: float, maximize: bool, clr: float):
    """The Adamax update on one chunk: `p`, `exp_avg`, `exp_inf` in place, `s1`, `s2` scratch, `g` read only."""
    def kernel(p, g, exp_avg, exp_inf, s1, s2):
        d = effective_grad(p, g, wd, maximize, s1)
        lerp_(exp_avg, d, 1.0 - beta1, s2)
        np.multiply(exp_inf, beta2, out=exp_inf)
        np.abs(d, out=s2)
        np.add(s2, eps, out=s2)
        np.maximum(exp_inf, s2, out=exp_inf)
        np.divide(exp_avg, exp_inf, out=s2)
        np.multiply(s2, clr, out=s2)
        np.subtract(p, s2, out=p)

    return kernel
