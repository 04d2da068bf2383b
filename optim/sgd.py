"""`SGD`: stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any

import numpy as np

import autodiff as ad

from ._foreach import effective_grad
from .optimizer import Optimizer, ParamsT, check_hparam, check_unsupported


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (as `torch.optim.SGD`).

    For each parameter p with gradient g, at step t (`maximize` negates g first)::

        g   <- g + weight_decay * p                          (if weight_decay != 0)
        buf <- g                                             (first step)
        buf <- momentum * buf + (1 - dampening) * g          (later steps; if momentum != 0)
        g   <- g + momentum * buf   if nesterov  else  buf   (if momentum != 0)
        p   <- p - lr * g

    Rumelhart, Hinton & Williams (1986) write the momentum rule as

        Δw(t) = -ε ∂E/∂w(t) + α Δw(t-1),        w <- w + Δw(t).

    That is this optimizer with `lr=ε, momentum=α, dampening=0`: set Δw(t) = -lr * buf(t). Then
    Δw(t) = -lr (α buf(t-1) + g(t)) = -ε g(t) + α Δw(t-1), and the first step buf(1) = g(1) gives
    Δw(1) = -ε g(1), i.e. Δw(0) = 0. (The two forms differ only if lr changes during training:
    here a new lr rescales the whole accumulated velocity, in Rumelhart's form only new gradients.)

    Args:
        params: tensors or param-group dicts (see `Optimizer`).
        lr: learning rate (default 1e-3).
        momentum: momentum factor α (default 0).
        dampening: dampening of the gradient's contribution to the momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening = 0).
        maximize: ascend the objective instead of descending.
        foreach, differentiable, fused: accepted for PyTorch compatibility; only their defaults.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _validate(self, hp: dict[str, Any]) -> None:
        check_hparam(hp["lr"], "learning rate")
        check_hparam(hp["momentum"], "momentum value")
        check_hparam(hp["dampening"], "dampening value", lo=-float("inf"))
        check_hparam(hp["weight_decay"], "weight_decay value")
        if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={hp['momentum']}, dampening={hp['dampening']})")
        check_unsupported(hp, "differentiable", "fused")

    @ad.no_grad()
    def step(self, closure=None):
        """One SGD step on every parameter that has a gradient; returns `closure()`'s loss if given."""
        loss = self._eval_closure(closure)
        for group, items in self._gradients():
            lr, wd = float(group["lr"]), float(group["weight_decay"])
            mom, damp = float(group["momentum"]), float(group["dampening"])
            nesterov, maximize = bool(group["nesterov"]), bool(group["maximize"])
            for p, arr, g in items:
                if mom == 0:
                    self._run(p, _kernel(lr, wd, 0.0, 0.0, False, maximize, first=False), [arr, g], 2)
                else:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    first = buf is None
                    if first:
                        buf = state["momentum_buffer"] = np.empty(arr.shape, dtype=arr.dtype)
                    self._run(p, _kernel(lr, wd, mom, damp, nesterov, maximize, first), [arr, g, buf], 2)
        return loss


def _kernel(lr: float, wd: float, mom: float, damp: float, nesterov: bool, maximize: bool, first: bool):
    """The SGD update on one chunk: `p` and `buf` in place, `s1`, `s2` scratch, `g` read only."""
    keep = 1.0 - damp

    def kernel(p, g, *rest):
        if mom:
            buf, s1, s2 = rest
        else:
            s1, s2 = rest
        d = effective_grad(p, g, wd, maximize, s1)
        if mom:
            if first:
                np.copyto(buf, d)
            else:
                np.multiply(buf, mom, out=buf)
                if keep != 1.0:
                    np.multiply(d, keep, out=s2)
                    np.add(buf, s2, out=buf)
                else:
                    np.add(buf, d, out=buf)
            if nesterov:
                np.multiply(buf, mom, out=s2)
                d = np.add(d, s2, out=s2)
            else:
                d = buf
        np.multiply(d, lr, out=s2)
        np.subtract(p, s2, out=p)

    return kernel
