"""`Tensor`: a NumPy array that remembers how it was computed."""
from __future__ import annotations

import numbers
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ._state import config

_ndarray = np.ndarray
_generic = np.generic


def _to_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    """Convert user data to an array under the dtype policy (see README, "Dtypes")."""
    if isinstance(data, Tensor):
        arr = np.array(data._data, copy=copy)
        from_python = False
    elif isinstance(data, (_ndarray, _generic)):
        arr = np.array(data, copy=copy)
        from_python = False
    else:
        try:
            arr = np.array(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"Tensor: could not convert data of type {type(data).__name__} "
                            f"to a numeric array ({e})") from None
        from_python = True
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numeric (bool, int or float), got dtype {arr.dtype} "
                        f"from {type(data).__name__}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif from_python and arr.dtype == np.float64:
        arr = arr.astype(config.default_dtype, copy=False)
    return arr


class Size(int):
    """`Tensor.size`: the element count (an int, as NumPy's `ndarray.size`) that can also be called as
    PyTorch's `Tensor.size()`: `x.size()` is the shape, `x.size(d)` the length of dim `d`.

    So `x.size == 6`, `range(x.size)` and `x.size(0)` all do what NumPy and PyTorch users write them for.
    """

    def __new__(cls, shape: tuple) -> Size:
        n = 1
        for s in shape:
            n *= s
        self = super().__new__(cls, n)
        self._shape = shape
        return self

    def __call__(self, dim: int | None = None) -> tuple | int:
        shape = self._shape
        if dim is None:
            return shape
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"size(): dim must be an int, got {type(dim).__name__}")
        n = len(shape)
        if n == 0:
            raise IndexError(f"size(): Dimension specified as {dim} but tensor has no dimensions")
        if not -n <= dim < n:
            raise IndexError(f"size(): Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {dim})")
        return shape[dim]


class RemovableHandle:
    """Returned by `register_hook`; `.remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor:
    """An n-d array with an optional gradient and a link (`grad_fn`) to the op that made it."""

    # _history (set only by recorded in-place ops): [(version, requires_grad, grad_fn) before each rebase]
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_vc", "_hooks", "_history", "__weakref__")
    __array_priority__ = 1000
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, dtype=None) -> None:
        self._data = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._vc = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data) -> Tensor:
        """Wrap an array (or NumPy scalar) without copying or checking: the engine's constructor."""
        t = cls.__new__(cls)
        t._data = data
        t.grad = None
        t.requires_grad = False
        t.grad_fn = None
        t._vc = None
        t._hooks = None
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied); assigning replaces it."""
        d = self._data
        if type(d) is not _ndarray:
            d = self._data = np.asarray(d)
        return d

    @data.setter
    def data(self, value) -> None:
        if type(value) is not _ndarray:  # (`p.data -= lr * g` assigns the same array back: the common case)
            value = np.asarray(value._data if isinstance(value, Tensor) else value)
        self._data = value

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def size(self) -> Size:
        """The number of elements (NumPy's attribute); call it for PyTorch's `size()` / `size(dim)` (see Size)."""
        return Size(self._data.shape)

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (parameters, inputs)."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self) -> None:
        """Count a change made to this tensor's data in place."""
        self._counter()[0] += 1

    def _counter(self) -> list:
        """This tensor's version counter, made on first need (shared with views and detached copies)."""
        return self._vc if self._vc is not None else self._new_counter(0)

    def _new_counter(self, version: int) -> list:
        """Give this tensor a new version counter at `version`.

        An output that its op's rule reads back (tanh's, exp's) shares the counter with the node that saved
        it, so a later change in place is caught at backward instead of giving a wrong gradient. Nodes make
        no counter when they record (most outputs never change), so the link is made here.
        """
        node = self.grad_fn
        if node is not None and node.ans is self._data and node.op.uses_ans:
            vc = node.output_counter(version)
        else:
            vc = [version]
        self._vc = vc
        return vc

    def _as_of(self, version: int) -> tuple:
        """(requires_grad, grad_fn) this tensor had at `version`: in-place ops rebase its history."""
        for v, req, fn in getattr(self, "_history", ()):
            if version < v:
                return req, fn
        return self.requires_grad, self.grad_fn

    def numpy(self) -> np.ndarray:
        return np.asarray(self._data)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self._data)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item(): a Tensor with {self._data.size} elements cannot be converted to "
                             f"a Python scalar")
        return self._data.item() if hasattr(self._data, "item") else self._data

    def tolist(self):
        return np.asarray(self._data).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return bool(self._data)

    def __index__(self) -> int:
        if self._data.ndim != 0 or self._data.dtype.kind not in "iub":
            raise TypeError("only integer 0-d tensors can be converted to an index")
        return int(self._data)

    # ------------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients "
                               f"(got dtype {self._data.dtype})")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                               "to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._counter()  # same storage: in-place changes through either are seen
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        from . import functions as F
        return F.clone(self)

    # backward: bound in autograd.py (it needs the engine, which imports this module)

    def register_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep `.grad` for a non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                g = grad if grad.grad_fn is not None else Tensor._wrap(np.array(grad._data))
                t.grad = g if t.grad is None else t.grad + g
        keep.retains_grad = True
        if not any(getattr(h, "retains_grad", False) for h in (self.grad_fn.hooks or ())):
            self.register_hook(keep)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and any(getattr(h, "retains_grad", False)
                                               for h in (self.grad_fn.hooks or ()))

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        body = np.array2string(np.asarray(self._data), separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (config.default_dtype, np.dtype(np.int64), np.dtype(bool)):
            extra += f", dtype={self._data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return repr(self)

    # ------------------------------------------------------------------ NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs on Tensors run the registered op, so VJP rules written in NumPy record."""
        fn = UFUNC_OPS.get(ufunc)
        if fn is None or method != "__call__" or (kwargs and kwargs.get("out") is not None):
            return NotImplemented
        return fn(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        fn = ARRAY_FUNCTION_OPS.get(func)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)


# NumPy function -> our function; filled in by `functions` (which imports this module)
UFUNC_OPS: dict = {}
ARRAY_FUNCTION_OPS: dict = {}


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def _is_scalar(x) -> bool:
    return isinstance(x, numbers.Number)
