"""Dense layers: `Identity`, `Linear`, `Flatten`, `Unflatten`, `Embedding` (as in `torch.nn`)."""
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


def _dtype(dtype) -> np.dtype:
    return ad.get_default_dtype() if dtype is None else np.dtype(dtype)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x @ W.T + b, W of shape (out_features, in_features) as PyTorch.

    Default init (PyTorch's): W ~ kaiming_uniform_(a=sqrt(5)), i.e. U[-1/sqrt(in_features),
    1/sqrt(in_features)], and b ~ U[-1/sqrt(in_features), 1/sqrt(in_features)]; drawn from
    `ad.default_rng()` (seed with `ad.manual_seed`). Re-initialize with `nn.init` for other schemes.

    `weight.data` is column-major (F-contiguous), so `weight.data.T` is a row-major (in, out) matrix: the
    products of the forward and of the weight gradient then run as plain GEMMs.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device, "Linear")
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: feature counts must be non-negative, got ({in_features}, {out_features})")
        self.in_features = in_features
        self.out_features = out_features
        dt = _dtype(dtype)
        # Stored column-major: W.T is then a plain row-major (in, out) matrix, so x @ W.T and the weight
        # gradient x.T @ g are plain GEMMs (BLAS is slower with a transposed operand); the shape, values and
        # state_dict are PyTorch's (out, in).
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt, order="F"))
        self.bias = Parameter(np.empty((out_features,), dtype=dt)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        p = self._parameters  # (what self.weight reads, without the failed-lookup detour: ~1 us a call)
        return F.linear(x, p["weight"], p["bias"])

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flatten dims start_dim..end_dim (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return ad.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim `dim` into `unflattened_size`."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        d = self.dim % x.ndim
        return x.reshape(x.shape[:d] + self.unflattened_size + x.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _check_embedding_options(max_norm, scale_grad_by_freq: bool, sparse: bool) -> None:
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(f"Embedding: max_norm, scale_grad_by_freq and sparse are not supported, got "
                                  f"max_norm={max_norm}, scale_grad_by_freq={scale_grad_by_freq}, sparse={sparse}")


class Embedding(Module):
    """A lookup table: integer indices (...) -> rows of weight (num_embeddings, embedding_dim).

    Default init as PyTorch: weight ~ N(0, 1); the `padding_idx` row starts at zero and gets no gradient.
    max_norm, scale_grad_by_freq and sparse take only PyTorch's defaults here.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        _check_embedding_options(max_norm, scale_grad_by_freq, sparse)
        check_device(device, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings {num_embeddings}")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is not None:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {tuple(_weight.shape)}, expected "
                                 f"{(num_embeddings, embedding_dim)}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        else:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=_dtype(dtype)),
                                    requires_grad=not _freeze)
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ad.no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, indices) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        _check_embedding_options(max_norm, scale_grad_by_freq, sparse)
        arr = np.array(embeddings._data if isinstance(embeddings, Tensor) else embeddings)
        if arr.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-d, got shape {arr.shape}")
        emb = cls(arr.shape[0], arr.shape[1], padding_idx=padding_idx, _weight=Tensor(arr))
        emb.weight.requires_grad_(not freeze)
        return emb
