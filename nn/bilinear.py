"""`Bilinear` (as `torch.nn.Bilinear`): y = x1^T A x2 + b, weight (out, in1, in2)."""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.device import check_device

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Bilinear(Module):
    """Bilinear map of (*, in1_features) and (*, in2_features) to (*, out_features).

    Default init (PyTorch's): weight and bias ~ U[-1/sqrt(in1_features), 1/sqrt(in1_features)], drawn from
    `ad.default_rng()`.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(device, "Bilinear")
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        dt = ad.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
