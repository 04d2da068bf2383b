"""Weight initialization schemes (as `torch.nn.init`), each in place, seeded by `generator=`.

Every function fills `tensor` in place without recording a graph and returns it. `generator`
is a `numpy.random.Generator`; by default autodiff's global one (`ad.default_rng()`, reset by
`ad.manual_seed`), so a seeded run is reproducible.

Variances (fan_in / fan_out as PyTorch: for a conv kernel (O, C, kh, kw), fan_in = C*kh*kw and
fan_out = O*kh*kw):

==========================  ==================================  =====================================
scheme                      distribution                        variance
==========================  ==================================  =====================================
standard_uniform_ (Glorot   U[-1/sqrt(fan_in), 1/sqrt(fan_in)]  1 / (3 fan_in): shrinks activations
& Bengio's "standard")                                          by ~1/3 per linear layer
xavier_uniform_ / _normal_  U[-a, a], a = gain sqrt(6/(fi+fo))  gain^2 * 2 / (fan_in + fan_out)
kaiming_uniform_ / _normal_ (He) std = gain / sqrt(fan)         gain^2 / fan; 2 / fan_in for ReLU
lecun_uniform_ / _normal_   ("Efficient BackProp")              1 / fan_in
orthogonal_                 Q from QR of a Gaussian matrix      rows/cols orthonormal (times gain)
==========================  ==================================  =====================================
"""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor

__all__ = ["calculate_gain", "zeros_", "ones_", "constant_", "uniform_", "normal_", "standard_uniform_",
           "standard_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "lecun_uniform_", "lecun_normal_", "orthogonal_", "eye_", "trunc_normal_"]


def _rng(generator) -> np.random.Generator:
    if generator is None:
        return ad.default_rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator, got {type(generator).__name__}")
    return generator


def _fill(tensor: Tensor, values, name: str) -> Tensor:
    """Write `values` into `tensor` in place, outside any graph (version-counted)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{name}: expected a Tensor, got {type(tensor).__name__}")
    dtype = np.asarray(tensor._data).dtype
    with ad.no_grad():
        tensor.copy_(ad.from_numpy(np.asarray(values, dtype=dtype)))
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (as PyTorch): tanh 5/3, relu sqrt(2), leaky_relu sqrt(2/(1+a^2))."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """(fan_in, fan_out) as PyTorch: shape (out, in, *kernel) -> (in * prod(kernel), out * prod(kernel))."""
    shape = tuple(np.shape(tensor._data if isinstance(tensor, Tensor) else tensor))
    if len(shape) < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {shape})")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _check_nonempty(tensor, name: str) -> bool:
    return 0 not in tuple(tensor.shape)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, np.zeros(tensor.shape), "zeros_")


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, np.ones(tensor.shape), "ones_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, np.full(tensor.shape, val), "constant_")


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (2-d tensors only)."""
    if tensor.ndim != 2:
        raise ValueError(f"nn.init.eye_: only 2-d tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape), "eye_")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """U[a, b)."""
    if a > b:
        raise ValueError(f"nn.init.uniform_: expected a <= b, got a={a}, b={b}")
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"nn.init.normal_: std must be non-negative, got {std}")
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape), "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """N(mean, std^2) redrawn until inside [a, b] (absolute bounds, as PyTorch)."""
    rng = _rng(generator)
    out = rng.normal(mean, std, size=tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, size=int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out, "trunc_normal_")


def standard_uniform_(tensor: Tensor, generator=None) -> Tensor:
    """Glorot & Bengio's "standard" scheme U[-1/sqrt(fan_in), 1/sqrt(fan_in)] (variance 1/(3 fan_in))."""
    bound = 1.0 / math.sqrt(_fan(tensor, "fan_in"))
    return uniform_(tensor, -bound, bound, generator=generator)


standard_ = standard_uniform_


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio's normalized init U[-a, a], a = gain sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, gain^2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator=generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He init, uniform: bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    if not _check_nonempty(tensor, "kaiming_uniform_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He init, normal: std = gain / sqrt(fan) (2 / fan_in variance for ReLU)."""
    if not _check_nonempty(tensor, "kaiming_normal_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator=generator)


def lecun_uniform_(tensor: Tensor, generator=None) -> Tensor:
    """LeCun's "Efficient BackProp" init, uniform: U[-sqrt(3/fan_in), sqrt(3/fan_in)] (variance 1/fan_in)."""
    bound = math.sqrt(3.0 / _fan(tensor, "fan_in"))
    return uniform_(tensor, -bound, bound, generator=generator)


def lecun_normal_(tensor: Tensor, generator=None) -> Tensor:
    """LeCun's init, normal: N(0, 1/fan_in) (an untruncated normal)."""
    return normal_(tensor, 0.0, 1.0 / math.sqrt(_fan(tensor, "fan_in")), generator=generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR of a Gaussian one (Saxe et al.), flattened past dim 0, times gain."""
    if tensor.ndim < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported (got shape {tensor.shape})")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # make Q unique (uniform over the orthogonal group)
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape), "orthogonal_")
