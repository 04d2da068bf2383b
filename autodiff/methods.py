"""Tensor's operators, methods and in-place ops, bound to the public functions."""
from __future__ import annotations

import numpy as np

from . import composites as _composites
from . import device as _device
from . import functions as F
from . import joining as _joining
from . import linalg as _linalg
from . import queries as _queries
from . import random
from ._state import state
from .device import CPU, check_device, parse_to
from .linalg import matrix_exp as _matrix_exp
from .linalg import matrix_power as _matrix_power
from .ops import elementwise as E
from .ops import shape as S
from .tape import apply, binary
from .tensor import Tensor

_EMPTY: dict = {}


def _binary(op, reflected: bool = False):
    return binary(op, reflected, on_error=F._shape_error_for)


Tensor.__add__ = _binary(E.ADD)
Tensor.__radd__ = _binary(E.ADD, True)
Tensor.__sub__ = _binary(E.SUB)
Tensor.__rsub__ = _binary(E.SUB, True)
Tensor.__mul__ = _binary(E.MUL)
Tensor.__rmul__ = _binary(E.MUL, True)
Tensor.__truediv__ = _binary(E.DIV)
Tensor.__rtruediv__ = _binary(E.DIV, True)
Tensor.__pow__ = _binary(E.POW)
Tensor.__rpow__ = _binary(E.POW, True)
Tensor.__floordiv__ = _binary(E.FLOOR_DIVIDE)
Tensor.__rfloordiv__ = _binary(E.FLOOR_DIVIDE, True)
Tensor.__mod__ = _binary(E.REMAINDER)
Tensor.__rmod__ = _binary(E.REMAINDER, True)
Tensor.__matmul__ = lambda self, other: F.matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: F.matmul(other, self)
Tensor.__neg__ = lambda self: apply(E.NEG, (self,), _EMPTY)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: apply(E.ABS, (self,), _EMPTY)
Tensor.__eq__ = F.eq
Tensor.__ne__ = F.ne
Tensor.__lt__ = F.lt
Tensor.__le__ = F.le
Tensor.__gt__ = F.gt
Tensor.__ge__ = F.ge
Tensor.__and__ = F.bitwise_and
Tensor.__or__ = F.bitwise_or
Tensor.__xor__ = F.bitwise_xor
Tensor.__rand__ = lambda self, other: F.bitwise_and(other, self)
Tensor.__ror__ = lambda self, other: F.bitwise_or(other, self)
Tensor.__rxor__ = lambda self, other: F.bitwise_xor(other, self)
Tensor.__invert__ = F.bitwise_not
Tensor.__getitem__ = F.getitem

for _name in ("exp", "log", "log1p", "sqrt", "abs", "sign", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
              "softplus", "softsign", "erf", "square", "leaky_relu", "elu", "gelu", "clip", "clamp",
              "sum", "mean", "max", "min", "prod", "logsumexp", "var", "std", "softmax", "log_softmax",
              "reshape", "view", "flatten", "squeeze", "unsqueeze", "permute", "swapaxes", "moveaxis",
              "broadcast_to", "expand", "split", "chunk", "pad", "matmul", "dot", "maximum", "minimum",
              "astype", "argmax", "argmin", "pow", "expm1", "log2", "log10", "reciprocal", "rsqrt", "sinh", "cosh",
              "asin", "acos", "atan", "atan2", "floor", "ceil", "trunc", "round", "remainder", "floor_divide",
              "amax", "amin", "cumsum", "cumprod", "norm", "flip", "roll", "tril", "triu", "diagonal", "diag",
              "trace", "repeat", "tile", "gather", "masked_fill", "outer", "bmm", "mv", "any", "all", "sort",
              "topk", "neg", "contiguous", "mm", "index_select", "unbind", "argsort", "clamp_min", "clamp_max",
              "eq", "ne", "gt", "lt", "ge", "le", "equal", "nonzero", "movedim", "unflatten", "masked_select",
              "lerp", "scatter", "scatter_add", "index_add", "logical_and", "logical_or", "logical_xor",
              "logical_not", "isnan", "isfinite"):
    setattr(Tensor, _name, getattr(F, _name))


Tensor.transpose = F.transpose  # (dim0, dim1) swaps two axes as PyTorch; no arguments reverse them as NumPy
Tensor.T = property(lambda self: F.transpose(self), doc="the axes reversed (as NumPy's .T)")


def _t(self) -> Tensor:
    """Transpose a matrix (0-d and 1-d tensors come back as they are), as torch.Tensor.t."""
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return F.transpose(self) if self.ndim == 2 else F.reshape(self, self.shape)


Tensor.t = _t
Tensor.mT = property(lambda self: F.swapaxes(self, -1, -2), doc="the last two axes swapped")
Tensor.float = lambda self: F.astype(self, np.float32)
Tensor.double = lambda self: F.astype(self, np.float64)
Tensor.long = lambda self: F.astype(self, np.int64)
Tensor.int = lambda self: F.astype(self, np.int32)
Tensor.bool = lambda self: F.astype(self, np.bool_)


Tensor.half = lambda self: F.astype(self, np.float16)
Tensor.expand_as = lambda self, other: F.expand(self, other.shape)
Tensor.view_as = lambda self, other: F.view(self, other.shape)
Tensor.reshape_as = lambda self, other: F.reshape(self, other.shape)
Tensor.bernoulli = lambda self, p=None, *, generator=None: random.bernoulli(self, p, generator=generator)
Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: random.multinomial(
    self, num_samples, replacement, generator=generator)


# ---------------------------------------------------------------- devices (autodiff computes on the CPU only)
Tensor.device = property(lambda self: CPU, doc="the CPU: autodiff computes with NumPy (as torch.Tensor.device)")
Tensor.is_cuda = property(lambda self: False, doc="False: autodiff computes with NumPy on the CPU")
Tensor.is_cpu = property(lambda self: True, doc="True: autodiff computes with NumPy on the CPU")


def _cpu(self, memory_format=None) -> Tensor:
    """This tensor itself: it is already on the CPU (as torch.Tensor.cpu)."""
    return self


def _cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    """Refused: autodiff has no GPU (as torch.Tensor.cuda on a machine without CUDA)."""
    check_device(_device.device("cuda", device) if isinstance(device, int) else device or "cuda", "Tensor.cuda")


def _to(self, *args, **kwargs) -> Tensor:
    """As torch.Tensor.to: to(dtype), to(device), to(device, dtype), to(other) (other's dtype), then non_blocking
    and copy, or the keywords dtype=, device=, non_blocking=, copy=. Returns this tensor itself when nothing
    changes (unless copy=True), else a differentiable cast. Any device but the CPU is refused."""
    device, dtype, copy = parse_to(args, kwargs, "Tensor.to")
    check_device(device, "Tensor.to")
    out = self if dtype is None else F.astype(self, dtype)
    return F.clone(out) if copy and out is self else out


Tensor.cpu = _cpu
Tensor.cuda = _cuda
Tensor.to = _to
Tensor.type_as = lambda self, other: F.astype(self, other.dtype)
Tensor.is_floating_point = lambda self: self.dtype.kind == "f"


# ---------------------------------------------------------------- factories with this tensor's dtype
def _new_factory(name: str, make):
    def method(self, *args, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
        check_device(device, f"Tensor.{name}")
        return Tensor(make(self.dtype if dtype is None else dtype, *args), requires_grad=requires_grad)
    method.__name__ = name
    method.__doc__ = f"as torch.Tensor.{name}: a new tensor with this tensor's dtype unless `dtype` is given"
    return method


Tensor.new_zeros = _new_factory("new_zeros", lambda dt, *size: np.zeros(F._shape_arg(size), dtype=dt))
Tensor.new_ones = _new_factory("new_ones", lambda dt, *size: np.ones(F._shape_arg(size), dtype=dt))
Tensor.new_empty = _new_factory("new_empty", lambda dt, *size: np.zeros(F._shape_arg(size), dtype=dt))  # zeroed
Tensor.new_full = _new_factory("new_full", lambda dt, size, fill_value: np.full(F._shape_arg((size,)), fill_value,
                                                                                dtype=dt))
Tensor.new_tensor = _new_factory("new_tensor", lambda dt, data: np.array(
    data._data if isinstance(data, Tensor) else data, dtype=dt))


# ---------------------------------------------------------------- in-place ops
def _records(self, others) -> bool:
    """Whether an in-place op must go through the tape (reverse mode) or carry tangents (forward mode)."""
    if state.forward_tangents is not None:
        return True
    return state.grad_enabled and (self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad
                                                             for o in others))


def _check_leaf(self) -> None:
    if state.grad_enabled and self.requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _snapshot(self) -> Tensor:
    """A stand-in for `self` before an in-place op: same data, history, version counter and tangent."""
    snap = Tensor._wrap(self._data)
    snap.requires_grad, snap.grad_fn, snap._vc = self.requires_grad, self.grad_fn, self._vc
    tangents = state.forward_tangents
    if tangents is not None and self in tangents:
        tangents[snap] = tangents[self]
    return snap


def _become(self, result: Tensor, opname: str) -> Tensor:
    """Make `self` the recorded result of an in-place op (a new buffer; saved values stay valid)."""
    if result.shape != self.shape:
        raise RuntimeError(f"{opname}: output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(result.shape)}")
    if result.dtype != self.dtype:
        if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
            raise RuntimeError(f"{opname}: result type {result.dtype} can't be cast to the desired output "
                               f"type {self.dtype}")
        result = F.astype(result, self.dtype)
    # ops that already consumed `self` must keep seeing its old history: record it, and move
    # `self` to a new version so their recorded versions no longer match the current one
    version = self._version + 1
    history = list(getattr(self, "_history", ()))
    history.append((version, self.requires_grad, self.grad_fn))
    self._history = history
    self._data = result._data
    self.grad_fn = result.grad_fn
    self.requires_grad = result.requires_grad
    self._new_counter(version)
    tangents = state.forward_tangents
    if tangents is not None:
        if result in tangents:
            tangents[self] = tangents[result]
        else:
            tangents.pop(self, None)
    return self


def _inplace(op, ufunc):
    def method(self, other):
        _check_leaf(self)
        if _records(self, (other,)):
            snapshot = _snapshot(self)
            return _become(self, apply(op, (snapshot, other), _EMPTY), op.name + "_")
        o = other._data if isinstance(other, Tensor) else other
        d = self._data
        if type(d) is not np.ndarray:
            d = self._data = np.asarray(d).copy()
        oshape = np.shape(o)
        try:
            if oshape != d.shape and oshape != () and np.broadcast_shapes(d.shape, oshape) != d.shape:
                raise RuntimeError(f"{op.name}_: output with shape {list(d.shape)} doesn't match the "
                                   f"broadcast shape {list(np.broadcast_shapes(d.shape, np.shape(o)))}")
        except ValueError:
            raise F._shape_error(op.name + "_", self, other) from None
        ufunc(d, o, out=d, casting="same_kind")
        self._bump_version()
        return self
    method.__name__ = op.name + "_"
    return method


Tensor.add_ = Tensor.__iadd__ = _inplace(E.ADD, np.add)
Tensor.sub_ = Tensor.__isub__ = _inplace(E.SUB, np.subtract)
Tensor.mul_ = Tensor.__imul__ = _inplace(E.MUL, np.multiply)
Tensor.div_ = Tensor.__itruediv__ = _inplace(E.DIV, np.true_divide)
Tensor.pow_ = Tensor.__ipow__ = _inplace(E.POW, np.power)
Tensor.remainder_ = Tensor.__imod__ = _inplace(E.REMAINDER, np.remainder)
Tensor.floor_divide_ = Tensor.__ifloordiv__ = _inplace(E.FLOOR_DIVIDE, np.floor_divide)


def _setitem(self, index, value) -> None:
    _check_leaf(self)
    index = F._normalize_index(index)
    if _records(self, (value,)):
        snapshot = _snapshot(self)
        _become(self, apply(S.INDEX_PUT, (snapshot, value), {"index": index}), "__setitem__")
        return
    d = self._data
    if type(d) is not np.ndarray:
        d = self._data = np.asarray(d).copy()
    d[index] = value._data if isinstance(value, Tensor) else value
    self._bump_version()


Tensor.__setitem__ = _setitem


def _unary_inplace(name, compute):
    def method(self, *args, **kwargs):
        _check_leaf(self)
        if _records(self, args + tuple(kwargs.values())):
            snapshot = _snapshot(self)
            return _become(self, compute(snapshot, *args, **kwargs), name)
        d = self._data
        if type(d) is not np.ndarray:
            d = self._data = np.asarray(d).copy()
        d[...] = compute(Tensor._wrap(d), *args, **kwargs)._data
        self._bump_version()
        return self
    method.__name__ = name
    return method


Tensor.fill_ = _unary_inplace("fill_", lambda t, v: apply(S.INDEX_PUT, (t, v), {"index": Ellipsis}))
Tensor.zero_ = _unary_inplace("zero_", lambda t: apply(S.INDEX_PUT, (t, 0), {"index": Ellipsis}))
Tensor.clamp_ = Tensor.clip_ = _unary_inplace("clamp_", F.clip)
Tensor.relu_ = _unary_inplace("relu_", F.relu)
Tensor.neg_ = _unary_inplace("neg_", F.neg)
Tensor.exp_ = _unary_inplace("exp_", F.exp)
Tensor.tanh_ = _unary_inplace("tanh_", F.tanh)
Tensor.sigmoid_ = _unary_inplace("sigmoid_", F.sigmoid)
Tensor.masked_fill_ = _unary_inplace("masked_fill_", F.masked_fill)
Tensor.scatter_ = _unary_inplace("scatter_", F.scatter)
Tensor.scatter_add_ = _unary_inplace("scatter_add_", F.scatter_add)
Tensor.index_add_ = _unary_inplace("index_add_", F.index_add)
Tensor.lerp_ = _unary_inplace("lerp_", F.lerp)
for _name in ("abs", "sqrt", "log", "sin", "cos", "floor", "ceil", "trunc", "round", "reciprocal"):
    setattr(Tensor, _name + "_", _unary_inplace(_name + "_", getattr(F, _name)))


def _copy_(self, src) -> Tensor:
    """Copy `src`'s values into this tensor (broadcasting); recorded when grad is on."""
    _check_leaf(self)
    if _records(self, (src,)):
        snapshot = _snapshot(self)
        return _become(self, apply(S.INDEX_PUT, (snapshot, src), {"index": Ellipsis}), "copy_")
    self[...] = src
    return self


Tensor.copy_ = _copy_


def _fill_random(self, name: str, draw, generator: np.random.Generator | None) -> Tensor:
    """copy_ of `draw(generator, shape)`, from the global generator (ad.manual_seed) unless one is given."""
    if self.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {self.dtype}")
    g = generator if generator is not None else random.default_rng()
    return _copy_(self, draw(g, self.shape).astype(self.dtype, copy=False))


def _uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples from U[a, b) (as torch.Tensor.uniform_)."""
    return _fill_random(self, "uniform_", lambda g, shape: g.uniform(a, b, shape), generator)


def _normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples from N(mean, std^2) (as torch.Tensor.normal_)."""
    return _fill_random(self, "normal_", lambda g, shape: g.normal(mean, std, shape), generator)


Tensor.uniform_ = _uniform_
Tensor.normal_ = _normal_

Tensor.matrix_power = _matrix_power  # as torch.Tensor.matrix_power / matrix_exp (torch.linalg's)
Tensor.matrix_exp = _matrix_exp


# ---------------------------------------------------------------- torch's joining, query and layout methods
for _name in ("frac", "fmod", "exp2", "hypot", "logit", "xlogy", "diff"):
    setattr(Tensor, _name, getattr(_composites, _name))
for _name in ("narrow", "repeat_interleave"):
    setattr(Tensor, _name, getattr(_joining, _name))
for _name in ("isclose", "count_nonzero", "argwhere", "unique", "bincount"):
    setattr(Tensor, _name, getattr(_queries, _name))
Tensor.nan_to_num = F.nan_to_num
Tensor.det = _linalg.det
Tensor.inverse = _linalg.inv


def _is_contiguous(self, memory_format=None) -> bool:
    """Whether the data is laid out in row-major order without gaps (as torch; NumPy's C_CONTIGUOUS)."""
    return bool(np.asarray(self._data).flags.c_contiguous)


def _stride(self, dim: int | None = None):
    """Steps in elements (torch's unit; NumPy's strides are in bytes) between neighbours along each dim."""
    a = np.asarray(self._data)
    steps = tuple(s // a.itemsize for s in a.strides)
    if dim is None:
        return steps
    if not -max(a.ndim, 1) <= dim < max(a.ndim, 1):
        raise IndexError(f"stride(): Dimension out of range (expected to be in range of [{-max(a.ndim, 1)}, "
                         f"{max(a.ndim, 1) - 1}], but got {dim})")
    return steps[dim] if a.ndim else 1


_TYPE_NAMES = {np.dtype(t): n for t, n in ((np.float32, "FloatTensor"), (np.float64, "DoubleTensor"),
                                           (np.float16, "HalfTensor"), (np.int64, "LongTensor"),
                                           (np.int32, "IntTensor"), (np.int16, "ShortTensor"),
                                           (np.int8, "CharTensor"), (np.uint8, "ByteTensor"),
                                           (np.bool_, "BoolTensor"))}


def _type(self, dtype=None, non_blocking: bool = False):
    """With a dtype: the tensor cast to it (differentiable; itself if already of it), as torch.Tensor.type. With
    none: torch's type string for the dtype, e.g. 'torch.FloatTensor' for float32 (so code comparing it works)."""
    if dtype is None:
        return "torch." + _TYPE_NAMES.get(self.dtype, f"{self.dtype.name}Tensor")
    if isinstance(dtype, str):  # 'torch.DoubleTensor' and friends
        names = {f"torch.{n}": t for t, n in _TYPE_NAMES.items()}
        if dtype not in names:
            raise ValueError(f"type(): unknown tensor type {dtype!r} (expected one of {sorted(names)})")
        dtype = names[dtype]
    return self if np.dtype(dtype) == self.dtype else F.astype(self, dtype)


Tensor.is_contiguous = _is_contiguous
Tensor.stride = _stride
Tensor.element_size = lambda self: self.dtype.itemsize
Tensor.element_size.__doc__ = "Bytes per element (as torch.Tensor.element_size)."
Tensor.nelement = Tensor.numel
Tensor.type = _type
