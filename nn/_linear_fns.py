"""bilinear (as `torch.nn.functional.bilinear`): y = x1^T A x2 + b per output feature, one einsum."""
from __future__ import annotations

import autodiff as ad
from autodiff import Tensor


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = sum_ij x1_i A_oij x2_j + b_o for inputs (*, in1) and (*, in2) with the same leading dims, weight
    (out, in1, in2) and bias (out,); output (*, out)."""
    x1 = input1 if isinstance(input1, Tensor) else ad.tensor(input1)
    x2 = input2 if isinstance(input2, Tensor) else ad.tensor(input2)
    w = weight if isinstance(weight, Tensor) else ad.tensor(weight)
    if w.ndim != 3:
        raise ValueError(f"bilinear(): weight must be three-dimensional (out, in1, in2), got shape {w.shape}")
    if x1.ndim != x2.ndim or x1.ndim < 1:
        raise ValueError(f"bilinear(): input dimensions do not match: got {x1.ndim} and {x2.ndim}")
    for d in range(x1.ndim - 1):
        if x1.shape[d] != x2.shape[d]:
            raise ValueError(f"bilinear(): input batch dimensions do not match at dim {d}: got {x1.shape[d]} and "
                             f"{x2.shape[d]}")
    if x1.shape[-1] != w.shape[1]:
        raise ValueError(f"bilinear(): input1 size does not match weight size: got {x1.shape[-1]} but expected "
                         f"{w.shape[1]}")
    if x2.shape[-1] != w.shape[2]:
        raise ValueError(f"bilinear(): input2 size does not match weight size: got {x2.shape[-1]} but expected "
                         f"{w.shape[2]}")
    if bias is not None and tuple(bias.shape) != (w.shape[0],):
        raise ValueError(f"bilinear(): bias size does not match weight size: got {tuple(bias.shape)} but expected "
                         f"({w.shape[0]},)")
    lead = x1.shape[:-1]
    out = ad.einsum("bi,oij,bj->bo", x1.reshape(-1, x1.shape[-1]), w, x2.reshape(-1, x2.shape[-1]))
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (w.shape[0],))
