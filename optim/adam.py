"""`Adam` (Kingma & Ba, 2015) and `AdamW` (Loshchilov & Hutter, 2019: weight decay decoupled from the gradient)."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import decayed_grad, ema_sq_, lerp_
from .optimizer import Optimizer, ParamsT, check_adam_family, check_unsupported


class Adam(Optimizer):
    r"""Adam (as `torch.optim.Adam`).

    State per parameter: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad (arrays start
    at zero). At step t (`maximize` negates g first)::

        p          <- p * (1 - lr * weight_decay)         (decoupled_weight_decay, i.e. AdamW)
        g          <- g + weight_decay * p                (otherwise, if weight_decay != 0: L2 penalty)
        exp_avg    <- lerp(exp_avg, g, 1 - beta1)         (= beta1 * exp_avg + (1 - beta1) * g)
        exp_avg_sq <- beta2 * exp_avg_sq + (1 - beta2) * g * g
        v           = max_exp_avg_sq <- max(max_exp_avg_sq, exp_avg_sq)  if amsgrad  else  exp_avg_sq
        denom       = sqrt(v) / sqrt(1 - beta2**t) + eps
        p          <- p - lr / (1 - beta1**t) * exp_avg / denom

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the moment estimates, each in [0, 1) (default (0.9, 0.999)).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: weight decay (default 0): an L2 penalty, or decoupled as in AdamW.
        amsgrad: normalize by the running maximum of `exp_avg_sq` (Reddi et al., 2018).
        maximize: ascend the objective instead of descending.
        decoupled_weight_decay: shrink the weights directly (AdamW) instead of adding to the gradient.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility; only their defaults.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_adam_family(hp)
        check_unsupported(hp, "capturable", "differentiable", "fused")

    @ad.no_grad()
    def step(self, closure=None):
        """One Adam step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            amsgrad, maximize = bool(group["amsgrad"]), bool(group["maximize"])
            decoupled = bool(group["decoupled_weight_decay"])
            for p, arr, g in items:
                state = self._next_step(p, arr, "exp_avg", "exp_avg_sq", *(("max_exp_avg_sq",) if amsgrad else ()))
                t = state["step"]
                step_size = lr / (1 - beta1 ** t)
                bc2_sqrt = (1 - beta2 ** t) ** 0.5
                arrays = [arr, g, state["exp_avg"], state["exp_avg_sq"]]
                if amsgrad:
                    if state.get("max_exp_avg_sq") is None:
                        state["max_exp_avg_sq"] = np.zeros(arr.shape, dtype=arr.dtype)
                    arrays.append(state["max_exp_avg_sq"])
                kernel = _kernel(lr, beta1, beta2, eps, wd, decoupled, amsgrad, maximize, step_size, bc2_sqrt)
                self._run(p, kernel, arrays, 2)
        return loss


def _kernel(lr, beta1, beta2, eps, wd, decoupled, amsgrad, maximize, step_size, bc2_sqrt):
    def kernel(p, g, exp_avg, exp_avg_sq, *rest):
        if amsgrad:
            max_sq, s1, s2 = rest
        else:
            s1, s2 = rest
        d = decayed_grad(p, g, lr, wd, decoupled, maximize, s1)
        lerp_(exp_avg, d, 1.0 - beta1, s2)
        ema_sq_(exp_avg_sq, d, beta2, s2)
        if amsgrad:
            np.maximum(max_sq, exp_avg_sq, out=max_sq)
            np.sqrt(max_sq, out=s2)
        else:
            np.sqrt(exp_avg_sq, out=s2)
        np.divide(s2, bc2_sqrt, out=s2)
        np.add(s2, eps, out=s2)
        np.divide(exp_avg, s2, out=s2)
        np.multiply(s2, step_size, out=s2)
        np.subtract(p, s2, out=p)

    return kernel


class AdamW(Adam):
    r"""AdamW (as `torch.optim.AdamW`): Adam whose weight decay shrinks the weights directly,
    `p <- p * (1 - lr * weight_decay)`, instead of entering the gradient (and so the moment estimates).

    Same arguments as `Adam`, with `weight_decay` defaulting to 1e-2; `decoupled_weight_decay` is
    always True.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _validate(self, hp: dict[str, Any]) -> None:
        super()._validate(hp)
        if not hp["decoupled_weight_decay"]:
            raise ValueError("AdamW always decouples weight decay: decoupled_weight_decay must be True")
