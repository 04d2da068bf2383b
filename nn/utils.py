"""Gradient clipping and parameter/vector conversion (as `torch.nn.utils`)."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autodiff as ad
from autodiff import Tensor


def _params(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _grads(parameters) -> list[np.ndarray]:
    return [p.grad.data for p in _params(parameters) if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so their joint `norm_type` norm is at most `max_norm`.

    Returns the total norm before clipping (a 0-d Tensor), as PyTorch: the `norm_type` norm of the
    per-gradient norms, for any order torch.linalg.vector_norm takes (inf, -inf, 0 counts nonzeros, p < 0).
    With error_if_nonfinite, a nan/inf total norm raises instead of scaling by nan.
    """
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.zeros((), dtype=ad.get_default_dtype()))
    dtype = np.result_type(*grads)
    total = _vector_norm(np.array([_vector_norm(np.ravel(g), norm_type) for g in grads]), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           f"so it cannot be clipped. To disable this error and scale the gradients by the "
                           f"non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(max_norm / (total + 1e-6), 1.0) if math.isfinite(total) else max_norm / total
    if coef < 1.0 or not math.isfinite(coef):
        for g in grads:
            np.multiply(g, coef, out=g, casting="unsafe")
    return Tensor(np.asarray(total, dtype=dtype))


def _vector_norm(x: np.ndarray, p: float) -> float:
    """torch.linalg.vector_norm of a 1-d array (float64 accumulation); an empty array has norm 0."""
    a = np.abs(x, dtype=np.float64)
    if p == 0:
        return float(np.count_nonzero(a))
    if not a.size:
        return 0.0
    if p == math.inf:
        return float(a.max())
    if p == -math.inf:
        return float(a.min())
    with np.errstate(divide="ignore"):  # p < 0 with a zero element: inf, then a norm of 0 (as torch)
        return float(np.sum(a ** p)) ** (1.0 / p)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-d Tensor (differentiable)."""
    params = _params(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    return ad.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d `vec` into the parameters, in place (the inverse of the above)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    params = _params(parameters)
    total = sum(p.size for p in params)
    if vec.ndim != 1 or vec.size != total:
        raise ValueError(f"vector_to_parameters: vec has shape {vec.shape}, but the parameters hold {total} values")
    data = np.asarray(vec._data)
    start = 0
    with ad.no_grad():
        for p in params:
            p.copy_(ad.from_numpy(np.ascontiguousarray(data[start:start + p.size]).reshape(p.shape)))
            start += p.size
