"""`RAdam` (Liu et al., 2020): Adam whose adaptive step is rectified for the variance of its early estimates."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import decayed_grad, ema_sq_, lerp_
from .optimizer import Optimizer, ParamsT, check_adam_family, check_unsupported


class RAdam(Optimizer):
    r"""RAdam (as `torch.optim.RAdam`).

    State per parameter: `step`, `exp_avg` and `exp_avg_sq` (arrays start at zero). At step t (`maximize`
    negates g first)::

        p          <- p * (1 - lr * weight_decay)          (decoupled_weight_decay, as in AdamW)
        g          <- g + weight_decay * p                 (otherwise, if weight_decay != 0: L2 penalty)
        exp_avg    <- lerp(exp_avg, g, 1 - beta1)
        exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * g * g
        m_hat       = exp_avg / (1 - beta1**t)
        rho_inf     = 2 / (1 - beta2) - 1
        rho_t       = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:                                      (the variance estimate is tractable)
            r  = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p <- p - lr * m_hat * sqrt(1 - beta2**t) / (sqrt(exp_avg_sq) + eps) * r
        else:                                              (the first few steps: SGD with momentum)
            p <- p - lr * m_hat

    With the default beta2 = 0.999 the rectified step starts at t = 6.

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the moment estimates, each in [0, 1) (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay (default 0): an L2 penalty, or decoupled as in AdamW.
        decoupled_weight_decay: shrink the weights directly (RAdamW) instead of adding to the gradient.
        maximize: ascend the objective instead of descending.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; only their defaults.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_adam_family(hp)
        check_unsupported(hp, "capturable", "differentiable")

    @ad.no_grad()
    def step(self, closure=None):
        """One RAdam step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
            rho_inf = 2 / (1 - beta2) - 1
            for p, arr, g in items:
                state = self._next_step(p, arr, "exp_avg", "exp_avg_sq")
                t = state["step"]
                bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
                rho_t = rho_inf - 2 * t * (beta2 ** t) / bc2
                rect = None
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                kernel = _kernel(lr, beta1, beta2, eps, wd, decoupled, maximize, bc1, bc2 ** 0.5, rect)
                self._run(p, kernel, [arr, g, state["exp_avg"], state["exp_avg_sq"]], 2)
        return loss


def _kernel(lr: float, beta1: float, beta2: float, eps: float, wd: float, decoupled: bool, maximize: bool,
            bc1: float, bc2_sqrt: float, rect: float | None):
    """The RAdam update on one chunk (`rect` None: the unrectified first steps); `g` is read only."""
    def kernel(p, g, exp_avg, exp_avg_sq, s1, s2):
        d = decayed_grad(p, g, lr, wd, decoupled, maximize, s1)
        lerp_(exp_avg, d, 1.0 - beta1, s2)
        ema_sq_(exp_avg_sq, d, beta2, s2)
        np.divide(exp_avg, bc1, out=s2)
        np.multiply(s2, lr, out=s2)             # lr * m_hat
        if rect is not None:
            np.sqrt(exp_avg_sq, out=s1)         # d (in g or s1) is not needed any more
            np.add(s1, eps, out=s1)
            np.divide(bc2_sqrt, s1, out=s1)     # the adaptive learning rate
            np.multiply(s2, s1, out=s2)
            np.multiply(s2, rect, out=s2)
        np.subtract(p, s2, out=p)

    return kernel
