"""Activation functions as modules (as in `torch.nn`), plus LeCun's `ScaledTanh`; each calls `nn.functional`."""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.device import check_device

from . import functional as F
from . import init as nn_init
from .module import Module
from .parameter import Parameter


class _Elementwise(Module):
    """An activation that is one `nn.functional` call, with PyTorch's accepted (and here ignored) `inplace`."""

    _fn = staticmethod(F.relu)
    _shows_inplace = True  # (as PyTorch's repr: Hardswish and Hardsigmoid leave it out)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return self._fn(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace and self._shows_inplace else ""


class ReLU(_Elementwise):
    """max(x, 0)."""

    _fn = staticmethod(F.relu)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x if x > 0 else alpha (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x Phi(x) (approximate='tanh' for the tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|) (compared with tanh and sigmoid by Glorot & Bengio)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)


class ScaledTanh(Module):
    """LeCun's 1.7159 tanh(2x/3) from "Efficient BackProp": f(+-1) = +-1, gain near 1 around the origin."""

    def forward(self, x: Tensor) -> Tensor:
        return F.scaled_tanh(x)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along `dim`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class SiLU(_Elementwise):
    """x sigmoid(x) (swish)."""

    _fn = staticmethod(F.silu)


class Mish(_Elementwise):
    """x tanh(softplus(x))."""

    _fn = staticmethod(F.mish)


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (gradient 0 at the bounds)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"{type(self).__name__}: max_val must be greater than min_val, got min_val={min_val}, "
                             f"max_val={max_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class PReLU(Module):
    """x if x > 0 else a x, with a learnable slope `a`: one (num_parameters=1) or one per channel (dim 1),
    initialized to `init` (He et al. 2015)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device, "PReLU")
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be at least 1, got {num_parameters}")
        self.num_parameters = num_parameters
        self.init = init
        dt = ad.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.full(num_parameters, init, dtype=dt))

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class SELU(_Elementwise):
    """scale * elu(x, alpha), self-normalizing (Klambauer et al. 2017)."""

    _fn = staticmethod(F.selu)


class CELU(Module):
    """x if x > 0 else alpha (exp(x / alpha) - 1) (continuously differentiable ELU)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardswish(_Elementwise):
    """x relu6(x + 3) / 6 (MobileNetV3)."""

    _fn = staticmethod(F.hardswish)
    _shows_inplace = False


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6."""

    _fn = staticmethod(F.hardsigmoid)
    _shows_inplace = False


class LogSigmoid(Module):
    """log(sigmoid(x)), stable for large |x|."""

    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)
