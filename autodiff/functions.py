"""The public functions (`ad.exp`, `ad.sum`, ...) and the Tensor methods and operators built on them."""
from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from . import ops as _ops_pkg  # noqa: F401  (registers every op)
from . import tensor as _tensor_module
from .device import check_device
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reductions as R
from .ops import shape as S
from .ops.common import norm_axes
from .tape import _PY_SCALARS, apply, binary, unary
from .tensor import Tensor, _to_array

_EMPTY: dict = {}


def _axis(axis, dim):
    """Accept NumPy's `axis=` and PyTorch's `dim=`."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis= or dim=, not both")
        return dim
    return axis


def _keep(keepdims, keepdim):
    return bool(keepdims or keepdim)


def _shape_error(op: str, *xs):
    shapes = " and ".join(str(tuple(np.shape(x._data if isinstance(x, Tensor) else x))) for x in xs)
    return ValueError(f"{op}: shapes {shapes} are not compatible")


def _shape_error_for(name: str, *args):
    """The error to raise for a ValueError `args[-1]` from op `name` on `args[:-1]`: named shapes if about shapes."""
    *xs, e = args
    msg = str(e)
    if "broadcast" in msg or "mismatch" in msg or "shape" in msg or "align" in msg:
        return _shape_error(name, *xs)
    return e


def _checked(op, args, params=_EMPTY):
    """apply(), turning NumPy's shape errors into ones that name the op and the shapes."""
    try:
        return apply(op, args, params)
    except ValueError as e:
        err = _shape_error_for(op.name, *args, e)
        if err is e:
            raise
        raise err from e


# ---------------------------------------------------------------- elementwise
add = binary(E.ADD, on_error=_shape_error_for)
sub = binary(E.SUB, on_error=_shape_error_for)
mul = binary(E.MUL, on_error=_shape_error_for)
div = binary(E.DIV, on_error=_shape_error_for)
pow = binary(E.POW, on_error=_shape_error_for)  # noqa: A001
maximum = binary(E.MAXIMUM, on_error=_shape_error_for)
minimum = binary(E.MINIMUM, on_error=_shape_error_for)
atan2 = binary(E.ATAN2, on_error=_shape_error_for)
remainder = binary(E.REMAINDER, on_error=_shape_error_for)
floor_divide = binary(E.FLOOR_DIVIDE, on_error=_shape_error_for)


def where(condition, x=None, y=None) -> Tensor | tuple[Tensor, ...]:
    """`x` where `condition`, else `y` (broadcast; differentiable in both); `where(condition)` alone is
    `nonzero(condition, as_tuple=True)`, as torch.where."""
    if x is None and y is None:
        return nonzero(condition, as_tuple=True)
    if x is None or y is None:
        raise TypeError("where: give both x and y, or neither (where(condition) gives the indices)")
    if isinstance(condition, Tensor):
        condition = condition._data
    if isinstance(x, _PY_SCALARS) and isinstance(y, _PY_SCALARS):  # two Python scalars: the dtype policy decides
        x, y = _to_array([x, y])
    return _checked(E.WHERE, (np.asarray(condition, dtype=bool), x, y))


def nan_to_num(x, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's largest and
    lowest finite values), as torch.nan_to_num; the gradient is 1 where x is finite and 0 where replaced."""
    x = x if isinstance(x, Tensor) else tensor(x)
    a = np.asarray(x._data)
    if a.dtype.kind != "f":
        return x
    fixed = np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)
    return where(np.isfinite(a), x, fixed)


neg = unary(E.NEG)
exp = unary(E.EXP)
log = unary(E.LOG)
log1p = unary(E.LOG1P)
sqrt = unary(E.SQRT)
abs = unary(E.ABS)  # noqa: A001
sign = unary(E.SIGN)
sin = unary(E.SIN)
cos = unary(E.COS)
tan = unary(E.TAN)
tanh = unary(E.TANH)
sigmoid = unary(E.SIGMOID)
relu = unary(E.RELU)
softplus = unary(E.SOFTPLUS)
softsign = unary(E.SOFTSIGN)
erf = unary(E.ERF)
clone = unary(E.CLONE)
_contiguous_copy = unary(E.CONTIGUOUS)


def contiguous(x) -> Tensor:
    """`x` itself when its array is C-contiguous, else a C-ordered copy that records the op (as torch's)."""
    x = _as_tensor(x)
    d = x._data
    return x if type(d) is not np.ndarray or d.flags.c_contiguous else _contiguous_copy(x)
expm1 = unary(E.EXPM1)
log2 = unary(E.LOG2)
log10 = unary(E.LOG10)
reciprocal = unary(E.RECIPROCAL)
rsqrt = unary(E.RSQRT)
sinh = unary(E.SINH)
cosh = unary(E.COSH)
asin = unary(E.ASIN)
acos = unary(E.ACOS)
atan = unary(E.ATAN)
floor = unary(E.FLOOR)
ceil = unary(E.CEIL)
trunc = unary(E.TRUNC)


def round(x, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even (as torch.round and np.round), at `decimals` decimal places; zero gradient."""
    return apply(E.ROUND, (x,), {"decimals": int(decimals)}) if decimals else apply(E.ROUND, (x,))


def square(x) -> Tensor:
    return mul(x, x)


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    return apply(E.LEAKY_RELU, (x,), {"negative_slope": negative_slope})


def elu(x, alpha: float = 1.0) -> Tensor:
    return apply(E.ELU, (x,), {"alpha": alpha})


def gelu(x, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply(E.GELU, (x,), {"approximate": approximate})


def clip(x, a_min=None, a_max=None, *, min=None, max=None) -> Tensor:  # noqa: A002
    """Clamp to [a_min, a_max] (`min=`/`max=` as PyTorch's clamp)."""
    a_min = min if a_min is None else a_min
    a_max = max if a_max is None else a_max
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    if isinstance(a_min, Tensor) or isinstance(a_max, Tensor):
        # tensor bounds (as torch.clamp): gradients reach them where they win; x keeps ties at a bound
        out = x if isinstance(x, Tensor) else tensor(x)
        if a_min is not None:
            out = where(lt(out, a_min), a_min, out)
        if a_max is not None:
            out = where(gt(out, a_max), a_max, out)
        return out
    return apply(E.CLIP, (x,), {"a_min": a_min, "a_max": a_max})


clamp = clip


def clamp_min(x, min) -> Tensor:  # noqa: A002
    """max(x, min) elementwise (as torch.clamp_min)."""
    return clip(x, min, None)


def clamp_max(x, max) -> Tensor:  # noqa: A002
    """min(x, max) elementwise (as torch.clamp_max)."""
    return clip(x, None, max)


def astype(x, dtype) -> Tensor:
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor) and x.dtype == dtype:
        return x
    return apply(E.ASTYPE, (x,), {"dtype": dtype})


# ---------------------------------------------------------------- reductions
def _reduction(op, pairwise=None):
    # `x.sum()`: a full reduction is the op's forward with its defaults, recorded on the unary hot path
    full = unary(op, {"axis": None, "keepdims": False})

    def fn(x, axis=None, keepdims=False, *, dim=None, keepdim=False, dtype=None) -> Tensor:
        if dtype is not None:  # cast first (as torch's dtype=); the cast is recorded, so x's gradient keeps x's dtype
            x = (x if isinstance(x, Tensor) else tensor(x)).astype(dtype)
        if axis is None and dim is None and not keepdims and not keepdim:
            return full(x)
        if pairwise is not None and isinstance(axis, Tensor):  # torch.max(x, other): elementwise, not a dim
            return pairwise(x, axis)
        ax = _axis(axis, dim)
        x = x if isinstance(x, Tensor) else tensor(x)
        return apply(op, (x,), {"axis": _check_axis(op.name, ax, x.ndim), "keepdims": _keep(keepdims, keepdim)})
    fn.__name__ = op.name
    fn.__doc__ = op.doc or f"{op.name} over `axis` (all axes when None); `dim=`/`keepdim=`/`dtype=` accepted"
    return fn


def _check_axis(name, axis, ndim):
    if axis is None:
        return None
    try:
        axes = norm_axes(axis, ndim)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{name}: {e}") from None
    if ndim == 0:  # dim 0 or -1 of a 0-d tensor is the tensor itself: reduce over everything
        return None
    return axes[0] if isinstance(axis, (int, np.integer)) else axes


sum = _reduction(R.SUM)  # noqa: A001
mean = _reduction(R.MEAN)
max = _reduction(R.MAX, maximum)  # noqa: A001
min = _reduction(R.MIN, minimum)  # noqa: A001
max.__doc__ = ("max over `axis` (all axes when None; values only, as NumPy), `dim=`/`keepdim=` accepted; "
               "`max(x, other)` with a Tensor `other` is the elementwise maximum (as torch.max)")
min.__doc__ = ("min over `axis` (all axes when None; values only, as NumPy), `dim=`/`keepdim=` accepted; "
               "`min(x, other)` with a Tensor `other` is the elementwise minimum (as torch.min)")
prod = _reduction(R.PROD)
logsumexp = _reduction(R.LOGSUMEXP)


def var(x, axis=None, ddof: int = 0, keepdims=False, *, dim=None, keepdim=False, correction=None,
        unbiased=None) -> Tensor:
    """Variance; ddof=0 as NumPy. `correction=`/`unbiased=` are accepted as PyTorch spells them."""
    if correction is not None:
        ddof = correction
    if unbiased is not None:
        ddof = 1 if unbiased else 0
    x = x if isinstance(x, Tensor) else tensor(x)
    ax = _axis(axis, dim)
    return apply(R.VAR, (x,), {"axis": _check_axis("var", ax, x.ndim), "ddof": ddof,
                               "keepdims": _keep(keepdims, keepdim)})


def std(x, axis=None, ddof: int = 0, keepdims=False, *, dim=None, keepdim=False, correction=None,
        unbiased=None) -> Tensor:
    """Standard deviation; ddof=0 as NumPy."""
    if correction is not None:
        ddof = correction
    if unbiased is not None:
        ddof = 1 if unbiased else 0
    x = x if isinstance(x, Tensor) else tensor(x)
    ax = _axis(axis, dim)
    return apply(R.STD, (x,), {"axis": _check_axis("std", ax, x.ndim), "ddof": ddof,
                               "keepdims": _keep(keepdims, keepdim)})


def softmax(x, axis: int = -1, *, dim=None) -> Tensor:
    x = x if isinstance(x, Tensor) else tensor(x)
    ax = _axis(None if dim is not None else axis, dim)
    return apply(R.SOFTMAX, (x,), {"axis": _check_axis("softmax", ax, x.ndim)})


def log_softmax(x, axis: int = -1, *, dim=None) -> Tensor:
    x = x if isinstance(x, Tensor) else tensor(x)
    ax = _axis(None if dim is not None else axis, dim)
    return apply(R.LOG_SOFTMAX, (x,), {"axis": _check_axis("log_softmax", ax, x.ndim)})


# ---------------------------------------------------------------- shape
def _dim(name: str, d, ndim: int) -> int:
    """One dim as a non-negative index (`norm_axes`' rule: checked, never wrapped), its error naming `name`."""
    try:
        return norm_axes(operator.index(d), ndim)[0]
    except np.exceptions.AxisError as e:
        raise np.exceptions.AxisError(f"{name}: {e}") from None


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape) -> Tensor:
    shape = _shape_arg(shape)
    x = x if isinstance(x, Tensor) else tensor(x)
    try:
        return apply(S.RESHAPE, (x,), {"shape": shape})
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                         f"({x.size} elements) into shape {shape}") from None


view = reshape


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = x.shape
    s, e = _dim("flatten", start_dim, len(shape)), _dim("flatten", end_dim, len(shape))
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
    if not shape:
        return reshape(x, (1,))
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(x, shape[:s] + (n,) + shape[e + 1:])


def squeeze(x, axis=None, *, dim=None) -> Tensor:
    axis = _axis(axis, dim)
    shape = x.shape
    if axis is None:
        new = tuple(d for d in shape if d != 1)
    else:
        axes = {_dim("squeeze", a, len(shape)) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))}
        new = tuple(d for i, d in enumerate(shape) if not (i in axes and d == 1))
    return reshape(x, new)


def unsqueeze(x, dim: int) -> Tensor:
    nd = x.ndim + 1
    if not -nd <= dim < nd:
        raise ValueError(f"unsqueeze: dim {dim} out of range for a result of dimension {nd}")
    dim %= nd
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand_dims(x, axis) -> Tensor:
    return reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape)


def permute(x, *dims) -> Tensor:
    dims = _shape_arg(dims)
    axes = tuple(_dim("permute", d, x.ndim) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    return apply(S.PERMUTE, (x,), {"axes": axes})


def transpose(x, *axes) -> Tensor:
    """PyTorch's transpose(x, dim0, dim1) swaps two axes; NumPy's forms reverse the axes (no `axes`) or permute
    them by a tuple."""
    if not axes:
        return apply(S.PERMUTE, (x,), {"axes": tuple(range(x.ndim))[::-1]})
    if len(axes) == 2 and builtins.all(isinstance(d, (int, np.integer)) for d in axes):
        return swapaxes(x, *axes)
    return permute(x, *axes)


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    axes = list(range(x.ndim))
    a, b = _dim("transpose", axis1, x.ndim), _dim("transpose", axis2, x.ndim)
    if axes:  # (a 0-d tensor takes dims 0 and -1 and stays as it is)
        axes[a], axes[b] = axes[b], axes[a]
    return apply(S.PERMUTE, (x,), {"axes": tuple(axes)})


def moveaxis(x, source: int, destination: int) -> Tensor:
    axes = list(range(x.ndim))
    src, dst = _dim("moveaxis", source, x.ndim), _dim("moveaxis", destination, x.ndim)
    if axes:
        axes.insert(dst, axes.pop(src))
    return apply(S.PERMUTE, (x,), {"axes": tuple(axes)})


def broadcast_to(x, shape) -> Tensor:
    x = x if isinstance(x, Tensor) else tensor(x)
    shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    try:
        np.broadcast_shapes(x.shape, shape)
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape {shape}") from None
    if x.shape == shape:
        return x
    return apply(S.BROADCAST_TO, (x,), {"shape": shape})


def expand(x, *sizes) -> Tensor:
    """PyTorch's expand: -1 keeps a dimension's size."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if -1 in sizes[:builtins.max(lead, 0)]:
        raise ValueError(f"expand: size -1 is not allowed in a new leading dimension (sizes {sizes}, shape {x.shape})")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def _normalize_index(index):
    """Tensors and lists in an index become arrays; bool tensors become masks."""
    def one(i):
        if isinstance(i, Tensor):
            return np.asarray(i._data)
        if isinstance(i, list):
            a = np.asarray(i)
            return a.astype(np.intp) if a.size == 0 else a  # (`[]` indexes nothing, as in NumPy, not a float array)
        return i
    if isinstance(index, tuple):
        return tuple(one(i) for i in index)
    return one(index)


def getitem(x, index) -> Tensor:
    index = _normalize_index(index)
    try:
        return apply(S.GETITEM, (x,), {"index": index})
    except IndexError as e:
        raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape {x.shape}: {e}") from None


def concatenate(tensors: Sequence, axis: int = 0, *, dim=None) -> Tensor:
    axis = _axis(None if dim is not None else axis, dim)
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: expected a non-empty sequence of tensors")
    nd = tensors[0].ndim
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    ax = _dim("concatenate", axis, nd)
    for t in tensors[1:]:
        if t.ndim != nd or builtins.any(a != b for k, (a, b) in enumerate(zip(t.shape, tensors[0].shape))
                                        if k != ax):
            raise ValueError(f"concatenate: shapes {tensors[0].shape} and {t.shape} differ outside axis {ax}")
    sizes = tuple(t.shape[ax] for t in tensors)
    return apply(S.CONCATENATE, tuple(tensors), {"axis": ax, "sizes": sizes})


cat = concatenate


def stack(tensors: Sequence, axis: int = 0, *, dim=None) -> Tensor:
    axis = _axis(None if dim is not None else axis, dim)
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: all tensors must have the same shape, got {tensors[0].shape} and {t.shape}")
    nd = tensors[0].ndim + 1
    return apply(S.STACK, tuple(tensors), {"axis": _dim("stack", axis, nd)})


def split(x, split_size_or_sections, axis: int = 0, *, dim=None) -> tuple:
    """PyTorch's split: an int is the size of each chunk; a list gives each chunk's size. A tuple of views."""
    if x.ndim == 0:
        raise ValueError("split: a 0-d tensor cannot be split")
    axis = _dim("split", _axis(None if dim is not None else axis, dim), x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split size must be positive, got {step}")
        sizes = [builtins.min(step, n - s) for s in range(0, n, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of axis {axis}")
    out, start = [], 0
    for s in sizes:
        out.append(getitem(x, (slice(None),) * axis + (slice(start, start + s),)))
        start += s
    return tuple(out)


def chunk(x, chunks: int, axis: int = 0, *, dim=None) -> tuple:
    axis = _axis(None if dim is not None else axis, dim)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    if x.ndim == 0:
        raise ValueError("chunk: a 0-d tensor cannot be chunked")
    n = x.shape[_dim("chunk", axis, x.ndim)]
    if n == 0:  # (as PyTorch: `chunks` empty pieces)
        return split(x, [0] * chunks, axis)
    return split(x, -(-n // chunks), axis)


def pad(x, pad_width, value=0, mode: str = "constant") -> Tensor:
    """NumPy-style constant padding: `pad_width` is an int, a pair, or a pair per axis."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    x = x if isinstance(x, Tensor) else tensor(x)
    width = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    if (width < 0).any():
        raise ValueError(f"pad: negative padding {pad_width} is not allowed")
    return apply(S.PAD, (x,), {"pad_width": tuple((int(a), int(b)) for a, b in width), "value": value})


def matmul(x, y) -> Tensor:
    xs = x._data.shape if isinstance(x, Tensor) else np.shape(x)
    ys = y._data.shape if isinstance(y, Tensor) else np.shape(y)
    if not xs or not ys:
        raise ValueError(f"matmul: both operands must be at least 1-d, got shapes {xs} and {ys}")
    k1 = xs[-1]
    k2 = ys[0] if len(ys) == 1 else ys[-2]
    if k1 != k2:
        raise ValueError(f"matmul: shapes {xs} and {ys} are not aligned ({k1} != {k2})")
    return _checked(L.MATMUL, (x, y))


def dot(x, y) -> Tensor:
    if np.ndim(x._data if isinstance(x, Tensor) else x) != 1 or np.ndim(y._data if isinstance(y, Tensor) else y) != 1:
        raise ValueError("dot: both operands must be 1-d (use matmul for matrices)")
    return matmul(x, y)


def einsum(subscripts: str, *operands) -> Tensor:
    if "->" not in subscripts:
        raise ValueError("einsum: give the output explicitly, e.g. 'ij,jk->ik'")
    if "." in subscripts:
        raise ValueError("einsum: ellipsis ('...') is not supported")
    return _checked(L.EINSUM, operands, {"subscripts": subscripts.replace(" ", "")})


# ---------------------------------------------------------------- PyTorch-style reductions, scans, reorderings
def _dims(name: str, dims, ndim: int) -> tuple:
    """A dim or a sequence of dims, each by `_dim`'s rule, in the given order; a repeated dim raises (as PyTorch)."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    out = tuple(_dim(name, d, ndim) for d in dims)
    if len(set(out)) != len(out):
        d = next(d for k, d in enumerate(out) if d in out[:k])
        raise RuntimeError(f"{name}: dim {d} appears multiple times in the list of dims")
    return out


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else tensor(x)


def _extremum(op, name):
    def fn(x, dim=(), keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
        x = _as_tensor(x)
        ax = _axis(axis, None if dim == () else dim)
        axes = None if ax is None or ax == () else _dims(name, ax, x.ndim)
        if x.size == 0:
            if axes is None:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   f"Specify the reduction dim with the 'dim' argument.")
            for d in axes:
                if x.ndim and x.shape[d] == 0:
                    raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        if x.ndim == 0:
            axes = None
        return apply(op, (x,), {"axis": axes, "keepdims": _keep(keepdims, keepdim)})
    fn.__name__ = name
    fn.__doc__ = (f"PyTorch's {name}: the {name[1:]}imum over `dim` (an int or a tuple; all dims when ()), "
                  f"ties sharing the gradient evenly (it records the `{name[1:]}` op)")
    return fn


amax = _extremum(R.MAX, "amax")
amin = _extremum(R.MIN, "amin")


def _scan(op, name):
    def fn(x, dim=None, *, axis=None) -> Tensor:
        x = _as_tensor(x)
        d = _axis(axis, dim)
        if d is None:
            raise TypeError(f"{name}() missing required argument 'dim'")
        d = _dim(name, d, x.ndim)
        if x.ndim == 0:  # a 0-d tensor is its own running sum/product
            return reshape(apply(op, (reshape(x, (1,)),), {"axis": 0}), ())
        return apply(op, (x,), {"axis": d})
    fn.__name__ = name
    fn.__doc__ = f"PyTorch's {name} along `dim` (bool and integer tensors give int64)"
    return fn


cumsum = _scan(R.CUMSUM, "cumsum")
cumprod = _scan(R.CUMPROD, "cumprod")


def norm(x, p=2, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
    """Vector p-norm over `dim` (all elements when None), as torch.linalg.vector_norm / torch.norm with a number p.

    p may be any positive number, 0 (the count of non-zeros), inf or -inf; 'fro' is p=2. The gradient at a zero
    vector is 0 (as PyTorch); ties of the inf-norms share it evenly.
    """
    x = _as_tensor(x)
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, (int, float, np.integer, np.floating)) or np.isnan(p):
        raise ValueError(f"norm: p must be a number (inf and -inf included) or 'fro', got {p!r}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"norm: Expected a floating point tensor as input. Got {x.dtype}")
    ax = _axis(axis, dim)
    axes = None if ax is None else _dims("norm", ax, x.ndim)
    if x.ndim == 0 or axes == ():
        axes = None
    if np.isinf(p) and (x.size == 0 if axes is None else builtins.any(x.shape[d] == 0 for d in axes)):
        raise RuntimeError(f"norm: cannot compute the {p} norm on an empty tensor because the operation does not "
                           f"have an identity (shape {x.shape})")
    return apply(R.NORM, (x,), {"p": float(p), "axis": axes, "keepdims": _keep(keepdims, keepdim)})


def flip(x, dims) -> Tensor:
    """Reverse the order of elements along `dims` (an int or a sequence)."""
    x = _as_tensor(x)
    axes = _dims("flip", dims, x.ndim)
    return apply(S.FLIP, (x,), {"axes": axes if x.ndim else ()})


def roll(x, shifts, dims=None) -> Tensor:
    """Rotate elements by `shifts` along `dims` (the flattened tensor, shape kept, when dims is None)."""
    x = _as_tensor(x)
    shifts_t = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts_t) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts_t)}, dims:0")
        return apply(S.ROLL, (x,), {"shifts": tuple(int(s) for s in shifts_t), "axes": None})
    dims_t = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts_t)}, dims:{len(dims_t)}")
    if x.ndim == 0:
        raise np.exceptions.AxisError(f"roll: Dimension specified as {dims_t[0]} but tensor has no dimensions")
    axes = tuple(_dim("roll", d, x.ndim) for d in dims_t)
    return apply(S.ROLL, (x,), {"shifts": tuple(int(s) for s in shifts_t), "axes": axes})


def _triangle(op, name):
    def fn(x, diagonal: int = 0) -> Tensor:
        x = _as_tensor(x)
        if x.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions (got shape {x.shape})")
        return apply(op, (x,), {"k": int(diagonal)})
    fn.__name__ = name
    fn.__doc__ = f"PyTorch's {name}: the {'lower' if name == 'tril' else 'upper'} triangle of the last two dims"
    return fn


tril = _triangle(S.TRIL, "tril")
triu = _triangle(S.TRIU, "triu")


def diagonal(x, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """Diagonal `offset` of the planes (dim1, dim2), as a new last dim (a copy, where PyTorch gives a view)."""
    x = _as_tensor(x)
    if x.ndim < 2:
        raise RuntimeError(f"diagonal: expected a tensor with at least 2 dimensions, got shape {x.shape}")
    d1, d2 = _dim("diagonal", dim1, x.ndim), _dim("diagonal", dim2, x.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(S.DIAGONAL, (x,), {"offset": int(offset), "dim1": d1, "dim2": d2})


_diagonal = diagonal  # (diag's argument is named `diagonal`, as torch's)


def diag(x, diagonal: int = 0) -> Tensor:
    """torch.diag: a 1-d tensor becomes a square matrix with it on diagonal `diagonal`; a matrix gives that
    diagonal as a 1-d tensor."""
    x = _as_tensor(x)
    k = int(diagonal)
    if x.ndim == 2:
        return _diagonal(x, k)
    if x.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    n = x.shape[0] + builtins.abs(k)
    pos = np.arange(x.shape[0])
    index = (pos + builtins.max(-k, 0), pos + builtins.max(k, 0))
    return apply(S.INDEX_SCATTER, (x,), {"index": index, "shape": (n, n)})


def trace(x) -> Tensor:
    """Sum of a matrix's main diagonal."""
    x = _as_tensor(x)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    return sum(diagonal(x))


def repeat(x, *sizes) -> Tensor:
    """PyTorch's Tensor.repeat: `sizes[i]` copies along dim i (leading sizes add new dims); NumPy's tile."""
    x = _as_tensor(x)
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                           f"number of dimensions of tensor ({x.ndim}, shape {x.shape})")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    out = [r * s for r, s in zip(sizes, shape)]
    if builtins.any(r < 0 for r in sizes):
        bad = next(o for o in out if o < 0) if builtins.any(o < 0 for o in out) else builtins.min(sizes)
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension {bad}: {out}")
    return apply(S.REPEAT, (x,), {"reps": sizes})


def tile(x, dims) -> Tensor:
    """torch.tile: as repeat, with `dims` padded by leading 1s when shorter than the tensor's dims."""
    x = _as_tensor(x)
    dims = _shape_arg((dims,) if isinstance(dims, (int, np.integer)) else tuple(dims))
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def gather(x, dim: int, index) -> Tensor:
    """out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on), as torch.gather; index may be smaller than
    x in the other dims. Gradients scatter-add into x."""
    x = _as_tensor(x)
    idx = np.asarray(index._data if isinstance(index, Tensor) else index)
    d = _dim("gather", dim, x.ndim)
    if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind in "f"):
        raise RuntimeError(f"gather: Expected an integer dtype for index, got {idx.dtype}")
    idx = idx.astype(np.int64, copy=False)
    if builtins.max(idx.ndim, 1) != builtins.max(x.ndim, 1):
        raise RuntimeError(f"gather: Index tensor must have the same number of dimensions as input tensor "
                           f"(index shape {idx.shape}, input shape {x.shape})")
    if x.ndim == 0:
        return reshape(gather(reshape(x, (1,)), 0, idx.reshape(1)), ())
    for k in range(x.ndim):
        if k != d and idx.shape[k] > x.shape[k]:
            raise RuntimeError(f"gather: Size does not match at dimension {k} expected index {list(idx.shape)} to "
                               f"be no larger than self {list(x.shape)} apart from dimension {d}")
    if idx.size:
        bad = idx[(idx < 0) | (idx >= x.shape[d])]
        if bad.size:
            raise RuntimeError(f"gather: index {bad.flat[0]} is out of bounds for dimension {d} with size "
                               f"{x.shape[d]}")
    return apply(S.GATHER, (x,), {"axis": d, "index": idx})


def masked_fill(x, mask, value) -> Tensor:
    """`x` with `value` (a scalar or a 0-d tensor, which gets gradients) where the bool `mask` is True."""
    x = _as_tensor(x)
    m = np.asarray(mask._data if isinstance(mask, Tensor) else mask)
    if m.dtype != bool:
        raise RuntimeError(f"masked_fill: only supports boolean masks, but got mask with dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    try:
        np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask of shape {m.shape} does not broadcast with the tensor of "
                           f"shape {x.shape}") from None
    return apply(S.MASKED_FILL, (x, value), {"mask": m})


def _ndims(*xs) -> tuple:
    return tuple(np.ndim(a._data if isinstance(a, Tensor) else a) for a in xs)


def outer(x, vec2) -> Tensor:
    """Outer product of two 1-d tensors (as torch.outer)."""
    for name, a in (("self", x), ("vec2", vec2)):
        (nd,) = _ndims(a)
        if nd != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {nd}-D")
    x = _as_tensor(x)
    return mul(reshape(x, (x.shape[0], 1)), vec2)


def bmm(x, mat2) -> Tensor:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors (as torch.bmm: no broadcasting)."""
    x, mat2 = _as_tensor(x), _as_tensor(mat2)
    if x.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, got shape {x.shape}")
    if mat2.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, got shape {mat2.shape}")
    if mat2.shape[:2] != (x.shape[0], x.shape[2]):
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{x.shape[0]}, {x.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(x, mat2)


def mv(x, vec) -> Tensor:
    """Matrix-vector product (as torch.mv)."""
    x, vec = _as_tensor(x), _as_tensor(vec)
    if x.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: vector + matrix @ vector expected, got 1, {x.ndim}, {vec.ndim}")
    if x.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input ({x.shape[0]}), mat ({x.shape[0]}x{x.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    return matmul(x, vec)


def mm(x, mat2) -> Tensor:
    """Product of two matrices (as torch.mm: both 2-d, no broadcasting)."""
    x, mat2 = _as_tensor(x), _as_tensor(mat2)
    if x.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got shape {x.shape}")
    if mat2.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got shape {mat2.shape}")
    if x.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    return matmul(x, mat2)


def index_select(x, dim: int, index) -> Tensor:
    """The entries of `x` at the positions `index` (a 1-d or 0-d integer tensor) along `dim`, as
    torch.index_select; repeated indices are allowed and their gradients add up."""
    x = _as_tensor(x)
    idx = np.asarray(index._data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"index_select: Expected an integer dtype for index, got {idx.dtype}")
    if idx.ndim > 1:
        raise RuntimeError(f"index_select: Index is supposed to be a vector, got shape {idx.shape}")
    idx = idx.reshape(-1).astype(np.int64, copy=False)
    if x.ndim == 0:  # (as PyTorch: a 0-d tensor has one entry, at index 0, and stays 0-d)
        _dim("index_select", dim, 0)
        if idx.size != 1 or idx[0] != 0:
            raise IndexError(f"index_select: index {idx.tolist()} is out of range for a 0-d tensor")
        return clone(x)
    d = _dim("index_select", dim, x.ndim)
    bad = idx[(idx < 0) | (idx >= x.shape[d])]
    if bad.size:
        raise IndexError(f"index_select: index {bad[0]} is out of range for dimension {d} with size {x.shape[d]}")
    return getitem(x, (slice(None),) * d + (idx,))


def unbind(x, dim: int = 0) -> tuple:
    """The slices of `x` along `dim`, with that dim removed (as torch.unbind)."""
    x = _as_tensor(x)
    if x.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    d = _dim("unbind", dim, x.ndim)
    lead = (slice(None),) * d
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[d]))


# ---------------------------------------------------------------- PyTorch's selection, scatter and reshaping helpers
def numel(x) -> int:
    """The number of elements (as torch.numel)."""
    return int(np.size(x._data if isinstance(x, Tensor) else x))


def equal(x, y) -> bool:
    """True when both have the same shape and the same values (as torch.equal; NaN is never equal)."""
    a = np.asarray(x._data if isinstance(x, Tensor) else x)
    b = np.asarray(y._data if isinstance(y, Tensor) else y)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def nonzero(x, *, as_tuple: bool = False):
    """The indices of the non-zero elements (as torch.nonzero): an int64 tensor of shape (n, ndim), or with
    as_tuple=True one 1-d index tensor per dim (a 0-d tensor counts as 1-d). Never recorded."""
    a = np.asarray(x._data if isinstance(x, Tensor) else x)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(a.reshape(-1) if a.ndim == 0
                                                                                        else a))
    return Tensor._wrap(np.argwhere(a).astype(np.int64, copy=False))


def movedim(x, source, destination) -> Tensor:
    """Move the dims `source` (an int or a sequence) to the positions `destination` (as torch.movedim); the other
    dims keep their order."""
    x = _as_tensor(x)
    src, dst = _dims("movedim", source, x.ndim), _dims("movedim", destination, x.ndim)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    if x.ndim == 0:
        return x
    order = [k for k in range(x.ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return apply(S.PERMUTE, (x,), {"axes": tuple(order)})


def unflatten(x, dim: int, sizes) -> Tensor:
    """Split dim `dim` into the dims `sizes` (one of them may be -1), as torch.unflatten."""
    x = _as_tensor(x)
    d = _dim("unflatten", dim, x.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = x.shape[d] if x.ndim else 1
    known = int(np.prod([s for s in sizes if s != -1]))
    free = sizes.count(-1)
    if free > 1 or (free == 0 and known != n) or (free == 1 and (known == 0 or n % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({n}) in the input tensor")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def masked_select(x, mask) -> Tensor:
    """The elements of `x` where the bool `mask` is True, as a 1-d tensor (x and mask broadcast), as
    torch.masked_select; the gradient scatters back to the selected positions."""
    x = _as_tensor(x)
    m = np.asarray(mask._data if isinstance(mask, Tensor) else mask)
    if m.dtype != bool:
        raise RuntimeError(f"masked_select: expected a bool tensor for mask, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the mask of shape {m.shape} does not broadcast with the tensor of "
                           f"shape {x.shape}") from None
    return getitem(broadcast_to(x, shape), np.broadcast_to(m, shape))


def lerp(x, end, weight) -> Tensor:
    """x + weight * (end - x), as torch.lerp; differentiable in x, end and a tensor weight."""
    x = _as_tensor(x)
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype != x.dtype:
            raise RuntimeError(f"lerp: expected dtype {x.dtype} for `{name}` but got dtype {t.dtype}")
    return add(x, mul(weight, sub(end, x)))


def _index_array(name: str, index) -> np.ndarray:
    idx = np.asarray(index._data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu" and not (idx.size == 0 and idx.dtype.kind == "f"):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _check_bounds(name: str, idx: np.ndarray, d: int, n: int) -> None:
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise RuntimeError(f"{name}(): index {bad.flat[0]} is out of bounds for dimension {d} with size {n}")


def _scatter_args(name: str, x, dim, index, src):
    """Checked arguments of scatter/scatter_add (torch's rules); 0-d tensors become 1-d."""
    x = _as_tensor(x)
    idx = _index_array(name, index)
    d = _dim(name, dim, x.ndim)
    src_is_tensor = isinstance(src, (Tensor, np.ndarray))
    if src_is_tensor:
        src = _as_tensor(src)
        if src.dtype != x.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype (got {x.dtype} and "
                               f"{src.dtype})")
        if builtins.max(src.ndim, 1) != builtins.max(x.ndim, 1):
            raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as src tensor "
                               f"(index shape {idx.shape}, src shape {src.shape})")
    if builtins.max(idx.ndim, 1) != builtins.max(x.ndim, 1):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as self tensor "
                           f"(index shape {idx.shape}, self shape {x.shape})")
    xs = x.shape or (1,)
    idx = idx.reshape(idx.shape or (1,))
    ss = (src.shape or (1,)) if src_is_tensor else None
    for k in range(len(xs)):
        if (k != d and idx.shape[k] > xs[k]) or (ss is not None and idx.shape[k] > ss[k]):
            also = f" and to be no larger size than src {list(ss)}" if ss is not None else ""
            raise RuntimeError(f"{name}(): Expected index {list(idx.shape)} to be no larger than self {list(xs)} "
                               f"apart from dimension {d}{also}")
    _check_bounds(name, idx, d, xs[d])
    if src_is_tensor:
        if not src.ndim:
            src = reshape(src, (1,))
        if src.shape != idx.shape:  # (only the first index.shape elements of src are used, as in torch)
            src = getitem(src, tuple(slice(0, s) for s in idx.shape))
    return x, d, idx, src


def scatter(x, dim: int, index, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """A copy of `x` with x[..index[i, j]..] = src[i, j] along `dim` (as torch.scatter; `src` a tensor or a
    number, or `value=`). Gradients: to x where nothing was written, to src by gather. Duplicate indices
    leave the value written (and the gradient) undefined, as in torch."""
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use scatter_add or index_add "
                                  f"for sums")
    if src is None:
        if value is None:
            raise TypeError("scatter() missing argument 'src' (a tensor) or 'value' (a number)")
        src = value
    elif value is not None:
        raise TypeError("scatter: pass either src or value, not both")
    if not isinstance(src, (Tensor, np.ndarray, int, float, bool, np.number)):
        raise TypeError(f"scatter(): src must be a Tensor or a number, got {type(src).__name__}")
    x0 = _as_tensor(x)
    x, d, idx, src = _scatter_args("scatter", x0, dim, index, src)
    flat = reshape(x, (1,)) if not x.ndim else x
    out = apply(S.INDEX_PUT, (flat, src), {"index": S._gather_index(idx, d)})
    return reshape(out, ()) if not x.ndim else out


def scatter_add(x, dim: int, index, src) -> Tensor:
    """A copy of `x` with src[i, j] added at x[..index[i, j]..] along `dim`; repeated indices add up (as
    torch.scatter_add). Differentiable in x and src."""
    if not isinstance(src, (Tensor, np.ndarray)):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    x, d, idx, src = _scatter_args("scatter_add", x, dim, index, src)
    shape = x.shape or (1,)
    added = apply(S.INDEX_SCATTER, (src,), {"index": S._gather_index(idx, d), "shape": shape})
    return add(x, added if x.ndim else reshape(added, ()))


def index_add(x, dim: int, index, source, *, alpha=1) -> Tensor:
    """A copy of `x` with alpha * source's slices added at the positions `index` (a 1-d integer tensor) along
    `dim`; repeated indices add up (as torch.index_add). Differentiable in x and source."""
    x, source = _as_tensor(x), _as_tensor(source)
    idx = _index_array("index_add", index)
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with size: "
                         f"{list(idx.shape)}")
    if source.dtype != x.dtype:
        raise RuntimeError(f"index_add_(): self ({x.dtype}) and source ({source.dtype}) must have the same "
                           f"scalar type")
    d = _dim("index_add", dim, x.ndim)
    idx = idx.reshape(-1)
    xs, ss = x.shape or (1,), source.shape or (1,)
    if len(ss) != len(xs) or builtins.any(a != b for k, (a, b) in enumerate(zip(xs, ss)) if k != d):
        raise RuntimeError(f"index_add_(): source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(x.shape)} source.shape = "
                           f"{list(source.shape)}")
    if ss[d] != idx.size:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({ss[d]}), for dim: {d}")
    bad = idx[(idx < 0) | (idx >= xs[d])]
    if bad.size:
        raise IndexError(f"index_add_(): index {bad[0]} is out of range for dimension {d} with size {xs[d]}")
    if not isinstance(alpha, (int, float, np.number)) or isinstance(alpha, bool):
        raise TypeError(f"index_add: alpha must be a number, got {type(alpha).__name__}")
    if alpha != 1:
        source = mul(source, alpha)
    src = reshape(source, (1,)) if not source.ndim else source
    added = apply(S.INDEX_SCATTER, (src,), {"index": (slice(None),) * d + (idx,), "shape": xs})
    return add(x, added if x.ndim else reshape(added, ()))


def atleast_1d(x) -> Tensor:
    """`x` with at least 1 dim (a 0-d tensor becomes shape (1,)), as torch.atleast_1d."""
    x = _as_tensor(x)
    return x if x.ndim >= 1 else reshape(x, (1,))


def atleast_2d(x) -> Tensor:
    """`x` with at least 2 dims (new leading dims of size 1), as torch.atleast_2d."""
    x = _as_tensor(x)
    return x if x.ndim >= 2 else reshape(x, (1,) * (2 - x.ndim) + x.shape)


def atleast_3d(x) -> Tensor:
    """`x` with at least 3 dims, as torch.atleast_3d (a matrix (m, n) becomes (m, n, 1), a vector (1, n, 1))."""
    x = _as_tensor(x)
    if x.ndim >= 3:
        return x
    return reshape(x, {0: (1, 1, 1), 1: (1,) + x.shape + (1,), 2: x.shape + (1,)}[x.ndim])


def cdist(x1, x2, p: float = 2.0) -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): shape (..., P, R), as
    torch.cdist (batch dims broadcast). The gradient at a zero distance is 0."""
    x1, x2 = _as_tensor(x1), _as_tensor(x2)
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, dim=-1)


def _logical_reduction(np_fn, name):
    def fn(x, dim=None, keepdim: bool = False, *, axis=None, keepdims: bool = False) -> Tensor:
        x = _as_tensor(x)
        ax = _axis(axis, dim)
        axes = None if ax is None else _dims(name, ax, x.ndim)
        if x.ndim == 0:
            axes = None
        return Tensor._wrap(np.asarray(np_fn(x._data, axis=axes, keepdims=_keep(keepdims, keepdim))))
    fn.__name__ = name
    fn.__doc__ = f"whether {name} elements are non-zero over `dim` (a bool tensor; never recorded)"
    return fn


any = _logical_reduction(np.any, "any")  # noqa: A001
all = _logical_reduction(np.all, "all")  # noqa: A001


class SortResult(NamedTuple):
    """(values, indices), as torch.return_types.sort."""
    values: Tensor
    indices: Tensor


class TopkResult(NamedTuple):
    """(values, indices), as torch.return_types.topk."""
    values: Tensor
    indices: Tensor


def _argsort(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along axis; descending keeps equal elements in their original order (as PyTorch's stable)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    rev = (slice(None),) * axis + (slice(None, None, -1),)
    order = np.argsort(a[rev], axis=axis, kind="stable")[rev]  # ascending on the reversed axis, read backwards
    return a.shape[axis] - 1 - order


def _take(x: Tensor, axis: int, idx: np.ndarray) -> Tensor:
    if x.ndim == 0:
        return clone(x)
    return apply(S.GATHER, (x,), {"axis": axis, "index": idx})


def sort(x, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """(values, indices) sorted along `dim`; gradients flow through the values. The sort is always stable."""
    x = _as_tensor(x)
    d = _dim("sort", dim, x.ndim)
    if x.ndim == 0:
        return SortResult(clone(x), Tensor._wrap(np.zeros((), dtype=np.int64)))
    idx = _argsort(x._data, d, descending).astype(np.int64, copy=False)
    return SortResult(_take(x, d, idx), Tensor._wrap(idx))


def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:  # noqa: A002
    """The k largest (or smallest) elements along `dim` and their indices; always returned sorted."""
    x = _as_tensor(x)
    d = _dim("topk", dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    k = operator.index(k)
    if not (0 <= k <= n and (k or x.ndim)):
        raise RuntimeError(f"topk: selected index k out of range (k={k}, dim {d} has size {n})")
    if x.ndim == 0:
        return TopkResult(clone(x), Tensor._wrap(np.zeros((), dtype=np.int64)))
    idx = _argsort(x._data, d, largest)[(slice(None),) * d + (slice(0, k),)].astype(np.int64, copy=False)
    return TopkResult(_take(x, d, idx), Tensor._wrap(idx))


def argsort(x, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort `x` along `dim` (an int64 tensor; never recorded). The sort is always stable."""
    x = _as_tensor(x)
    d = _dim("argsort", dim, x.ndim)
    if x.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    return Tensor._wrap(_argsort(x._data, d, descending).astype(np.int64, copy=False))


# ---------------------------------------------------------------- comparisons (never recorded)
def _compare(ufunc):
    def fn(x, y) -> Tensor:
        a = x._data if isinstance(x, Tensor) else x
        b = y._data if isinstance(y, Tensor) else y
        try:
            return Tensor._wrap(ufunc(a, b))
        except ValueError:
            raise _shape_error(ufunc.__name__, x, y) from None
    fn.__name__ = ufunc.__name__
    return fn


eq, ne = _compare(np.equal), _compare(np.not_equal)
lt, le = _compare(np.less), _compare(np.less_equal)
gt, ge = _compare(np.greater), _compare(np.greater_equal)
logical_and, logical_or, logical_xor = _compare(np.logical_and), _compare(np.logical_or), _compare(np.logical_xor)


def logical_not(x) -> Tensor:
    return Tensor._wrap(np.logical_not(x._data if isinstance(x, Tensor) else x))


# `& | ^ ~` are bitwise, as in PyTorch (the same as logical on bool tensors)
bitwise_and, bitwise_or, bitwise_xor = _compare(np.bitwise_and), _compare(np.bitwise_or), _compare(np.bitwise_xor)


def bitwise_not(x) -> Tensor:
    return Tensor._wrap(np.invert(x._data if isinstance(x, Tensor) else x))


def isfinite(x) -> Tensor:
    return Tensor._wrap(np.isfinite(x._data if isinstance(x, Tensor) else x))


def isnan(x) -> Tensor:
    return Tensor._wrap(np.isnan(x._data if isinstance(x, Tensor) else x))


def argmax(x, axis=None, keepdims=False, *, dim=None, keepdim=False) -> Tensor:
    return Tensor._wrap(np.argmax(x._data, axis=_axis(axis, dim), keepdims=_keep(keepdims, keepdim)))


def argmin(x, axis=None, keepdims=False, *, dim=None, keepdim=False) -> Tensor:
    return Tensor._wrap(np.argmin(x._data, axis=_axis(axis, dim), keepdims=_keep(keepdims, keepdim)))


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol))


# ---------------------------------------------------------------- creation
# `device=` is accepted everywhere PyTorch takes it and checked: only the CPU computes (autodiff.device)
def tensor(data, requires_grad: bool = False, dtype=None, *, device=None) -> Tensor:
    """A new tensor holding a copy of `data` (as `torch.tensor`)."""
    check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (as `torch.from_numpy`)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    _to_array(array[:0] if array.ndim else array.reshape(1)[:0], copy=False)  # dtype check only
    return Tensor._wrap(array)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor without copying when it can (as `torch.as_tensor`): a Tensor of that dtype comes back
    as it is (another dtype: a differentiable cast), an ndarray of that dtype is shared (as from_numpy), and
    anything else is copied as `tensor(data, dtype=dtype)` does."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else astype(data, dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def _dtype(dtype):
    from ._state import config
    return config.default_dtype if dtype is None else np.dtype(dtype)


def _size(shape) -> tuple:
    return _shape_arg(shape)


def zeros(*shape, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "zeros")
    return Tensor(np.zeros(_size(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "ones")
    return Tensor(np.ones(_size(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def empty(*shape, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """As torch.empty, but zero-filled (NumPy's uninitialized memory would make runs irreproducible)."""
    check_device(device, "empty")
    return Tensor(np.zeros(_size(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    check_device(device, "full")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if dtype is None:
        dtype = _dtype(None) if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad=requires_grad)


def _like_dtype(x, dtype):
    return np.dtype(dtype) if dtype is not None else np.result_type(np.asarray(x))


def zeros_like(x, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    check_device(device, "zeros_like")
    return Tensor(np.zeros(np.shape(x), dtype=_like_dtype(x, dtype)), requires_grad=requires_grad)


def ones_like(x, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    check_device(device, "ones_like")
    return Tensor(np.ones(np.shape(x), dtype=_like_dtype(x, dtype)), requires_grad=requires_grad)


def empty_like(x, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    """As torch.empty_like, but zero-filled (see `empty`)."""
    check_device(device, "empty_like")
    return Tensor(np.zeros(np.shape(x), dtype=_like_dtype(x, dtype)), requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    """A tensor of x's shape and dtype (unless `dtype` is given) filled with `fill_value` (as torch.full_like)."""
    check_device(device, "full_like")
    return Tensor(np.full(np.shape(x), fill_value, dtype=_like_dtype(x, dtype)), requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    check_device(device, "arange")
    if stop is None:
        start, stop = 0, start
    if dtype is None and builtins.any(isinstance(v, float) for v in (start, stop, step)):
        dtype = _dtype(None)
    return Tensor(np.arange(start, stop, step, dtype=dtype), requires_grad=requires_grad)


def linspace(start, stop, num: int | None = None, dtype=None, requires_grad: bool = False, *, steps: int | None = None,
             device=None) -> Tensor:
    """`num` (torch: `steps`) evenly spaced values from start to stop, both included."""
    check_device(device, "linspace")
    num = _steps("linspace", num, steps)
    return Tensor(np.linspace(start, stop, num, dtype=_dtype(dtype)), requires_grad=requires_grad)


def logspace(start, stop, num: int | None = None, base: float = 10.0, dtype=None, requires_grad: bool = False, *,
             steps: int | None = None, device=None) -> Tensor:
    """base ** linspace(start, stop, num), as torch.logspace (`steps` is torch's name for `num`)."""
    check_device(device, "logspace")
    num = _steps("logspace", num, steps)
    return Tensor(np.logspace(start, stop, num, base=base, dtype=_dtype(dtype)), requires_grad=requires_grad)


def _steps(fn: str, num, steps) -> int:
    if (num is None) == (steps is None):
        raise TypeError(f"{fn}: give the number of points once, as `num` (NumPy) or `steps` (torch)")
    n = num if steps is None else steps
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{fn}: number of steps must be a non-negative int, got {n!r}")
    return int(n)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False, *, device=None) -> Tensor:
    check_device(device, "eye")
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


# ---------------------------------------------------------------- NumPy dispatch tables
UFUNC_OPS = _tensor_module.UFUNC_OPS
UFUNC_OPS.update({
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.power: pow,
    np.negative: neg, np.exp: exp, np.log: log, np.log1p: log1p, np.sqrt: sqrt, np.absolute: abs,
    np.sign: sign, np.sin: sin, np.cos: cos, np.tan: tan, np.tanh: tanh, np.maximum: maximum,
    np.minimum: minimum, np.matmul: matmul, np.equal: eq, np.not_equal: ne, np.less: lt,
    np.less_equal: le, np.greater: gt, np.greater_equal: ge, np.logical_and: logical_and,
    np.logical_or: logical_or, np.logical_not: logical_not, np.isfinite: isfinite, np.isnan: isnan,
    np.square: square, np.bitwise_and: bitwise_and, np.bitwise_or: bitwise_or, np.bitwise_xor: bitwise_xor,
    np.invert: bitwise_not, np.expm1: expm1, np.log2: log2, np.log10: log10, np.reciprocal: reciprocal,
    np.sinh: sinh, np.cosh: cosh, np.arcsin: asin, np.arccos: acos, np.arctan: atan, np.arctan2: atan2,
    np.floor: floor, np.ceil: ceil, np.trunc: trunc, np.rint: round, np.remainder: remainder,
    np.floor_divide: floor_divide,
})


def _np_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return sum(a, axis=axis, keepdims=keepdims)


def _np_mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return mean(a, axis=axis, keepdims=keepdims)


def _np_reshape(a, shape, *args, **kw):
    return reshape(a, shape)


def _np_transpose(a, axes=None):
    return transpose(a) if axes is None else permute(a, tuple(axes))


def _np_expand_dims(a, axis):
    return expand_dims(a, axis)


def _np_pad(a, pad_width, mode="constant", constant_values=0, **kw):
    return pad(a, pad_width, value=constant_values, mode=mode)


def _np_einsum(subscripts, *operands, **kw):
    return einsum(subscripts, *operands)


ARRAY_FUNCTION_OPS = _tensor_module.ARRAY_FUNCTION_OPS
ARRAY_FUNCTION_OPS.update({
    np.where: where, np.sum: _np_sum, np.mean: _np_mean, np.reshape: _np_reshape,
    np.transpose: _np_transpose, np.swapaxes: swapaxes, np.expand_dims: _np_expand_dims,
    np.broadcast_to: broadcast_to, np.concatenate: lambda arrays, axis=0, **kw: concatenate(arrays, axis),
    np.stack: lambda arrays, axis=0, **kw: stack(arrays, axis), np.pad: _np_pad, np.einsum: _np_einsum,
    np.clip: lambda a, a_min=None, a_max=None, **kw: clip(a, a_min, a_max),
    np.cumsum: lambda a, axis=None, dtype=None, out=None: cumsum(a if axis is not None else reshape(a, -1),
                                                                 0 if axis is None else axis),
    np.cumprod: lambda a, axis=None, dtype=None, out=None: cumprod(a if axis is not None else reshape(a, -1),
                                                                   0 if axis is None else axis),
    np.flip: lambda m, axis=None: flip(m, tuple(range(m.ndim)) if axis is None else axis),
    np.roll: lambda a, shift, axis=None: roll(a, shift, axis),
    np.tile: lambda A, reps: tile(A, reps), np.tril: lambda m, k=0: tril(m, k), np.triu: lambda m, k=0: triu(m, k),
    np.diagonal: lambda a, offset=0, axis1=0, axis2=1: diagonal(a, offset, axis1, axis2),
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: np.size(a._data, axis),
    np.result_type: lambda *a: np.result_type(*[x._data if isinstance(x, Tensor) else x for x in a]),
})
