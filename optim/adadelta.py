"""`Adadelta`: step sizes from running averages of squared gradients and squared updates (Zeiler, 2012)."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import effective_grad
from .optimizer import Optimizer, ParamsT, check_hparam, check_unsupported


class Adadelta(Optimizer):
    r"""Adadelta (as `torch.optim.Adadelta`).

    State per parameter: `step`, `square_avg` and `acc_delta` (arrays start at zero). At each step
    (`maximize` negates g first)::

        g          <- g + weight_decay * p                               (if weight_decay != 0)
        square_avg <- rho * square_avg + (1 - rho) * g * g
        delta       = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
        acc_delta  <- rho * acc_delta + (1 - rho) * delta * delta
        p          <- p - lr * delta

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: coefficient that scales delta before it is applied (default 1.0).
        rho: smoothing constant of the running averages, in [0, 1] (default 0.9).
        eps: added inside both square roots for numerical stability (default 1e-6).
        weight_decay: L2 penalty added to the gradient (default 0).
        foreach, capturable, differentiable: accepted for PyTorch compatibility; only their defaults.
        maximize: ascend the objective instead of descending.
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_hparam(hp["lr"], "learning rate")
        check_hparam(hp["rho"], "rho value", hi=1.0)
        check_hparam(hp["eps"], "epsilon value")
        check_hparam(hp["weight_decay"], "weight_decay value")
        check_unsupported(hp, "capturable", "differentiable")

    @ad.no_grad()
    def step(self, closure=None):
        """One Adadelta step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            kernel = _kernel(float(group["lr"]), float(group["rho"]), float(group["eps"]),
                             float(group["weight_decay"]), bool(group["maximize"]))
            for p, arr, g in items:
                state = self._next_step(p, arr, "square_avg", "acc_delta")
                self._run(p, kernel, [arr, g, state["square_avg"], state["acc_delta"]], 3)
        return loss


def _kernel(lr: float, rho: float, eps: float, wd: float, maximize: bool):
    def kernel(p, g, square_avg, acc_delta, s1, s2, s3):
        d = effective_grad(p, g, wd, maximize, s1)
        np.multiply(square_avg, rho, out=square_avg)
        np.multiply(d, 1.0 - rho, out=s2)
        np.multiply(s2, d, out=s2)
        np.add(square_avg, s2, out=square_avg)
        np.add(square_avg, eps, out=s2)
        np.sqrt(s2, out=s2)                 # std
        np.add(acc_delta, eps, out=s3)
        np.sqrt(s3, out=s3)
        np.divide(s3, s2, out=s3)
        np.multiply(s3, d, out=s3)          # delta
        np.multiply(acc_delta, rho, out=acc_delta)
        np.multiply(s3, 1.0 - rho, out=s2)
        np.multiply(s2, s3, out=s2)
        np.add(acc_delta, s2, out=acc_delta)
        np.multiply(s3, lr, out=s3)
        np.subtract(p, s3, out=p)

    return kernel
