"""`NAdam` (Dozat, 2016): Adam with Nesterov momentum, its momentum coefficient warmed up by a schedule."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import decayed_grad, ema_sq_, lerp_
from .optimizer import Optimizer, ParamsT, check_adam_family, check_hparam, check_unsupported, scalar_dtype


class NAdam(Optimizer):
    r"""NAdam (as `torch.optim.NAdam`).

    State per parameter: `step`, `mu_product` (a 0-d array starting at 1), `exp_avg` and `exp_avg_sq`
    (arrays start at zero). At step t (`maximize` negates g first)::

        p          <- p * (1 - lr * weight_decay)          (decoupled_weight_decay, as in AdamW)
        g          <- g + weight_decay * p                 (otherwise, if weight_decay != 0: L2 penalty)
        mu_t        = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))
        mu_next     = beta1 * (1 - 0.5 * 0.96**((t + 1) * momentum_decay))
        mu_product <- mu_product * mu_t                    (= mu_1 * ... * mu_t)
        exp_avg    <- lerp(exp_avg, g, 1 - beta1)
        exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * g * g
        denom       = sqrt(exp_avg_sq / (1 - beta2**t)) + eps
        p          <- p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
                        - lr * mu_next / (1 - mu_product * mu_next) * exp_avg / denom

    As PyTorch, `mu_product` is held in float32 unless the default dtype is float64 (whatever the
    parameter's dtype), so trajectories round as PyTorch's do; a loaded `mu_product` keeps its saved dtype
    (PyTorch casts it to the parameter's), so a resumed run repeats the uninterrupted one bit for bit.

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 2e-3).
        betas: decay rates (beta1, beta2) of the moment estimates, each in [0, 1) (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay (default 0): an L2 penalty, or decoupled as in AdamW.
        momentum_decay: how fast the momentum coefficient mu_t rises to beta1 (default 4e-3).
        decoupled_weight_decay: shrink the weights directly (NAdamW) instead of adding to the gradient.
        maximize: ascend the objective instead of descending.
        foreach, capturable, differentiable: accepted for PyTorch compatibility; only their defaults.
    """

    _scalar_state_keys = frozenset({"mu_product"})

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_adam_family(hp)
        check_hparam(hp["momentum_decay"], "momentum_decay value")
        check_unsupported(hp, "capturable", "differentiable")

    @ad.no_grad()
    def step(self, closure=None):
        """One NAdam step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            psi = float(group["momentum_decay"])
            decoupled, maximize = bool(group["decoupled_weight_decay"]), bool(group["maximize"])
            for p, arr, g in items:
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["mu_product"] = np.ones((), dtype=scalar_dtype())
                    state["exp_avg"] = np.zeros(arr.shape, dtype=arr.dtype)
                    state["exp_avg_sq"] = np.zeros(arr.shape, dtype=arr.dtype)
                state["step"] += 1
                t = state["step"]
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
                state["mu_product"] *= mu  # in place, in its own dtype (float32 by default), as PyTorch
                mu_product = float(state["mu_product"])
                grad_coef = lr * (1.0 - mu) / (1.0 - mu_product)
                avg_coef = lr * mu_next / (1.0 - mu_product * mu_next)
                kernel = _kernel(lr, beta1, beta2, eps, wd, decoupled, maximize, 1 - beta2 ** t, grad_coef, avg_coef)
                self._run(p, kernel, [arr, g, state["exp_avg"], state["exp_avg_sq"]], 2)
        return loss


def _kernel(lr: float, beta1: float, beta2: float, eps: float, wd: float, decoupled: bool, maximize: bool,
            bc2: float, grad_coef: float, avg_coef: float):
    """The NAdam update on one chunk: `p` and the moments in place, `s1`, `s2` scratch, `g` read only."""
    def kernel(p, g, exp_avg, exp_avg_sq, s1, s2):
        d = decayed_grad(p, g, lr, wd, decoupled, maximize, s1)
        lerp_(exp_avg, d, 1.0 - beta1, s2)
        ema_sq_(exp_avg_sq, d, beta2, s2)
        np.divide(exp_avg_sq, bc2, out=s2)
        np.sqrt(s2, out=s2)
        np.add(s2, eps, out=s2)                 # denom
        np.divide(d, s2, out=s1)                # d is g or s1: either way it is not needed after this
        np.multiply(s1, grad_coef, out=s1)
        np.subtract(p, s1, out=p)
        np.divide(exp_avg, s2, out=s2)
        np.multiply(s2, avg_coef, out=s2)
        np.subtract(p, s2, out=p)

    return kernel
