"""`Adagrad`: per-coordinate learning rates from the running sum of squared gradients (Duchi et al., 2011)."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import effective_grad
from .optimizer import Optimizer, ParamsT, check_hparam, check_unsupported


class Adagrad(Optimizer):
    r"""Adagrad (as `torch.optim.Adagrad`).

    State per parameter: `step` and `sum`, created when the parameter is added, with `sum` filled with
    `initial_accumulator_value`. At step t (`maximize` negates g first)::

        g   <- g + weight_decay * p                      (if weight_decay != 0)
        clr  = lr / (1 + (t - 1) * lr_decay)
        sum <- sum + g * g
        p   <- p - clr * g / (sqrt(sum) + eps)

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        initial_accumulator_value: starting value of `sum` (default 0).
        eps: added to the denominator for numerical stability (default 1e-10).
        foreach, differentiable, fused: accepted for PyTorch compatibility; only their defaults.
        maximize: ascend the objective instead of descending.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_hparam(hp["lr"], "learning rate")
        check_hparam(hp["lr_decay"], "lr_decay value")
        check_hparam(hp["weight_decay"], "weight_decay value")
        check_hparam(hp["initial_accumulator_value"], "initial_accumulator_value value")
        check_hparam(hp["eps"], "epsilon value")
        check_unsupported(hp, "differentiable", "fused")

    def _init_group_state(self, group: dict[str, Any]) -> None:
        init = float(group["initial_accumulator_value"])
        for p in group["params"]:
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["sum"] = np.full(p.shape, init, dtype=p.dtype)

    @ad.no_grad()
    def step(self, closure=None):
        """One Adagrad step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            wd, maximize = float(group["weight_decay"]), bool(group["maximize"])
            for p, arr, g in items:
                state = self.state[p]
                if not state:  # e.g. after load_state_dict of a dict without this parameter's state
                    state["step"] = 0.0
                    state["sum"] = np.full(arr.shape, float(group["initial_accumulator_value"]), dtype=arr.dtype)
                state["step"] += 1
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                self._run(p, _kernel(clr, eps, wd, maximize), [arr, g, state["sum"]], 2)
        return loss


def _kernel(clr: float, eps: float, wd: float, maximize: bool):
    def kernel(p, g, total, s1, s2):
        d = effective_grad(p, g, wd, maximize, s1)
        np.multiply(d, d, out=s2)
        np.add(total, s2, out=total)
        np.sqrt(total, out=s2)
        np.add(s2, eps, out=s2)
        np.divide(d, s2, out=s2)
        np.multiply(s2, clr, out=s2)
        np.subtract(p, s2, out=p)

    return kernel
