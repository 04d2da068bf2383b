"""`RMSprop`: divide the gradient by a running root-mean-square of recent gradients (Tieleman & Hinton, 2012)."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import effective_grad, lerp_
from .optimizer import Optimizer, ParamsT, check_hparam, check_unsupported


class RMSprop(Optimizer):
    r"""RMSprop (as `torch.optim.RMSprop`).

    State per parameter: `step`, `square_avg`, plus `momentum_buffer` if momentum > 0 and `grad_avg` if
    centered (all arrays start at zero). At each step (`maximize` negates g first)::

        g          <- g + weight_decay * p                             (if weight_decay != 0)
        square_avg <- alpha * square_avg + (1 - alpha) * g * g
        grad_avg   <- lerp(grad_avg, g, 1 - alpha)                      (if centered)
        avg         = sqrt(square_avg - grad_avg**2) + eps  if centered  else  sqrt(square_avg) + eps
        buf        <- momentum * buf + g / avg;  p <- p - lr * buf      (if momentum > 0)
        p          <- p - lr * g / avg                                  (otherwise)

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the averages, in [0, 1] (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty added to the gradient (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its second moment.
        maximize: ascend the objective instead of descending.
        capturable, foreach, differentiable: accepted for PyTorch compatibility; only their defaults.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_hparam(hp["lr"], "learning rate")
        check_hparam(hp["eps"], "epsilon value")
        check_hparam(hp["momentum"], "momentum value")
        check_hparam(hp["weight_decay"], "weight_decay value")
        check_hparam(hp["alpha"], "alpha value", hi=1.0)
        check_unsupported(hp, "capturable", "differentiable")

    @ad.no_grad()
    def step(self, closure=None):
        """One RMSprop step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            wd, mom = float(group["weight_decay"]), float(group["momentum"])
            centered, maximize = bool(group["centered"]), bool(group["maximize"])
            kernel = _kernel(lr, alpha, eps, wd, mom, centered, maximize)
            for p, arr, g in items:
                state = self._next_step(p, arr, "square_avg", *(("momentum_buffer",) if mom > 0 else ()),
                                        *(("grad_avg",) if centered else ()))
                arrays = [arr, g, state["square_avg"]]
                if mom > 0:
                    arrays.append(_state_array(state, "momentum_buffer", arr))
                if centered:
                    arrays.append(_state_array(state, "grad_avg", arr))
                self._run(p, kernel, arrays, 2)
        return loss


def _state_array(state: dict, key: str, like: np.ndarray) -> np.ndarray:
    """A state array that may be missing when a group's options changed after the first step."""
    buf = state.get(key)
    if buf is None:
        buf = state[key] = np.zeros(like.shape, dtype=like.dtype)
    return buf


def _kernel(lr: float, alpha: float, eps: float, wd: float, mom: float, centered: bool, maximize: bool):
    def kernel(p, g, square_avg, *rest):
        rest = list(rest)
        buf = rest.pop(0) if mom > 0 else None
        grad_avg = rest.pop(0) if centered else None
        s1, s2 = rest
        d = effective_grad(p, g, wd, maximize, s1)
        np.multiply(square_avg, alpha, out=square_avg)
        np.multiply(d, 1.0 - alpha, out=s2)
        np.multiply(s2, d, out=s2)
        np.add(square_avg, s2, out=square_avg)
        if centered:
            lerp_(grad_avg, d, 1.0 - alpha, s2)
            np.multiply(grad_avg, grad_avg, out=s2)
            np.subtract(square_avg, s2, out=s2)
            np.sqrt(s2, out=s2)
        else:
            np.sqrt(square_avg, out=s2)
        np.add(s2, eps, out=s2)
        np.divide(d, s2, out=s2)
        if buf is not None:
            np.multiply(buf, mom, out=buf)
            np.add(buf, s2, out=buf)
            np.multiply(buf, lr, out=s2)
        else:
            np.multiply(s2, lr, out=s2)
        np.subtract(p, s2, out=p)

    return kernel
