"""Recording: `apply` runs an op's forward and, when grad is on, records a `Node` on the tape.

`unary` and `binary` build the same thing unrolled for one- and two-input ops (the hot path).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._state import config, forward_mode_users, grad_off_threads, state
from .anomaly import user_frames
from .tensor import Tensor, _to_array

_NO_PARAMS: dict = {}
_ndarray = np.ndarray
_new = Tensor.__new__


class Node:
    """One recorded op application (made by `record_node`): what backward needs to run the op's VJP rules.

    `inputs` are the op's arguments as given (Tensors or constants), `args` their
    arrays, `ans` the output array, `seq` the creation order (backward runs
    nodes in decreasing `seq`, which is a reverse topological order). After a
    backward without `retain_graph` these are dropped and the node is freed.

    One or two inputs (nearly every op) are kept in slots of their own rather than
    in tuples: two fewer objects per op for the allocator and, as the graph grows,
    one fewer for the cyclic garbage collector to walk (`_n`: 1, 2, -1 when `_x` and
    `_ax` hold tuples, 0 once freed).

    `exact`: None, or (as a tuple) the positions of a pointwise op's inputs whose gradients from the rules
    already have their shapes and dtypes (see registry.Op), so backward need not check that: the only tensor
    input, when the others are Python scalars (and then backward visits no other input), or both inputs,
    when they are arrays of one shape and dtype.

    `_res`: set only on the nodes of ops with residuals (see registry): what their forward computed for the
    VJP rules (read it as `res`).

    `versions`: the inputs' versions when recorded, one per input (None: all at version 0, the common case; a
    parameter that an optimizer has updated in place is not at 0, so nodes reading one keep versions).

    `extra`: None, or the NodeExtras that few nodes need (read them as `out_vc`, `hooks`, `trace`).
    """

    __slots__ = ("op", "_n", "_x", "_y", "_ax", "_ay", "params", "ans", "versions", "seq", "exact", "extra", "_res",
                 "__weakref__")

    def _extras(self) -> NodeExtras:
        if self.extra is None:
            self.extra = NodeExtras()
        return self.extra

    @property
    def out_vc(self) -> tuple | None:
        """(the output's version counter, its version when recorded), or None while the output has no counter."""
        return None if self.extra is None else self.extra.out_vc

    @property
    def hooks(self) -> list | None:
        """Hooks on this node's output gradient (`Tensor.register_hook` on a non-leaf), or None."""
        return None if self.extra is None else self.extra.hooks

    @hooks.setter
    def hooks(self, hooks: list | None) -> None:
        self._extras().hooks = hooks

    @property
    def trace(self) -> list | None:
        """Where the forward ran (user frames, formatted), recorded under detect_anomaly; else None."""
        return None if self.extra is None else self.extra.trace

    def output_counter(self, version: int = 0) -> list:
        """The version counter of this node's output, made at `version` if it has none yet.

        Made on first need (Tensor._new_counter, or the output's stand-in in a create_graph backward), since
        most outputs never change; `out_vc` keeps it with the version it had when the rules' saved output was
        current.
        """
        extra = self._extras()
        if extra.out_vc is None:
            extra.out_vc = ([version], version)
        return extra.out_vc[0]

    def _pack(self, first, second):
        n = self._n
        return (first, second) if n == 2 else (first,) if n == 1 else first if n else None

    @property
    def inputs(self) -> tuple | None:
        """The op's arguments as given (Tensors or constants); None once freed."""
        return self._pack(self._x, self._y)

    @property
    def args(self) -> tuple | None:
        """The inputs' arrays as the forward saw them; None once freed."""
        return self._pack(self._ax, self._ay)

    @property
    def name(self) -> str:
        """The op's registry name (as drawn in graphs)."""
        return self.op.name

    @property
    def freed(self) -> bool:
        return self._n == 0

    @property
    def res(self):
        """What the forward of an op with residuals saved for its VJP rules; None for other ops and once freed."""
        return getattr(self, "_res", None)

    @property
    def next_functions(self) -> tuple:
        """(node or None, input index) per input, as PyTorch's `grad_fn.next_functions`."""
        if self.inputs is None:
            return ()
        from .engine import recorded_parent
        return tuple((recorded_parent(self, i, a)[1] if isinstance(a, Tensor) else None, i)
                     for i, a in enumerate(self.inputs))

    def __repr__(self) -> str:
        return f"<{''.join(part.capitalize() for part in self.op.name.split('_'))}Backward>"  # as PyTorch's


class NodeExtras:
    """The parts of a Node that few nodes need, kept apart so that recording sets one slot (`Node.extra`,
    None for most nodes) instead of three, and backward tests one.

    `out_vc`: see Node.output_counter. `hooks`: see Tensor.register_hook. `trace`: the forward's call site,
    under detect_anomaly.
    """

    __slots__ = ("out_vc", "hooks", "trace")

    def __init__(self, trace: list | None = None) -> None:
        self.out_vc = None
        self.hooks = None
        self.trace = trace


_next_seq = itertools.count().__next__
_blank_node = object.__new__


def record_node(out: Tensor, op, params: dict, n: int, x, y, ax, ay, moved: bool, exact: tuple | None) -> Node:
    """Record that `out` was made by `op` from inputs `x`, `y` (their arrays `ax`, `ay`) in Node's layout
    (`n` is 1, 2, or -1 for tuples in `x` and `ax`); mark it as requiring grad.

    `moved`: some input was changed in place since it was made, so the versions seen now are kept
    (None stands for "every input at version 0", the common case). No argument tuples for one or two
    inputs, no `__init__` dispatch: this runs for every recorded op.
    """
    node = _blank_node(Node)
    node.op = op
    node._n = n
    node._x = x
    node._y = y
    node._ax = ax
    node._ay = ay
    node.params = params
    node.ans = out._data
    out._vc = None  # made when first needed: see Node.output_counter
    node.seq = _next_seq()
    node.exact = exact
    node.versions = _versions(n, x, y) if moved else None
    node.extra = NodeExtras(user_frames()) if config.anomaly else None
    out.requires_grad = True
    out.grad_fn = node
    return node


def _versions(n: int, x, y) -> tuple:
    """The inputs' versions now, one per input (Node's layout)."""
    if n == 2:
        return _version(x), _version(y)
    if n == 1:
        return (_version(x),)
    return tuple([_version(a) for a in x])


def _version(a) -> int:
    """An input's version now (0 for constants and for tensors never changed in place)."""
    return a._vc[0] if isinstance(a, Tensor) and a._vc is not None else 0


_PY_SCALARS = (float, int, bool)
# Exact nodes (see Node) rely on NumPy 2's promotion (NEP 50): a Python float or int with a float array or
# scalar keeps its dtype (bool and complex aside). NumPy 1 turns a float32 scalar times 0.5 into float64.
_NEP50 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"
_WEAK_SCALARS = (float, int) if _NEP50 else ()
_FIRST, _SECOND, _BOTH = (0,), (1,), (0, 1)  # Node.exact
_AS_IS = (float, int, _ndarray, np.generic)  # constants NumPy takes directly (Python scalars stay weak)


def apply(op, args, params=_NO_PARAMS) -> Tensor:
    """Run `op` on `args` (Tensors or array-likes); record a Node if any Tensor input requires grad."""
    datas = []
    push = datas.append
    req = False
    moved = False
    for a in args:
        if isinstance(a, Tensor):
            push(a._data)
            if a.requires_grad:
                req = True
            if a._vc is not None and a._vc[0]:
                moved = True
        else:
            push(a if isinstance(a, _AS_IS) else _to_array(a))
    out = op.forward(*datas, **params) if params else op.forward(*datas)
    if op.residuals:
        out, res = out
    if type(out) is not _ndarray and type(out) in _PY_SCALARS:
        out = _to_array(out)
    t = _new(Tensor)
    t._data = out
    t.grad = None
    t._hooks = None
    if req and (not grad_off_threads or state.grad_enabled):  # (Node's layout: see record_node)
        n = len(args)
        if n == 2:
            node = record_node(t, op, params, 2, args[0], args[1], datas[0], datas[1], moved, None)
        elif n == 1:
            node = record_node(t, op, params, 1, args[0], None, datas[0], None, moved, None)
        else:
            node = record_node(t, op, params, -1, args, None, tuple(datas), None, moved, None)
        if op.residuals:
            node._res = res
    else:
        t.requires_grad = False
        t.grad_fn = None
        t._vc = None
    if op.is_view:
        _share_version_counter(args[0], t)
    if forward_mode_users[0] and state.forward_tangents is not None:
        _push_tangent(op, args, datas, params, t)
    return t


def unary(op, defaults: dict = _NO_PARAMS) -> Callable[[Any], Tensor]:
    """`x -> apply(op, (x,), defaults)` for a one-input op, with the generic steps unrolled.

    Elementwise math dominates define-by-run code; this is its hot path. `defaults`: params to record,
    which must be those the op's forward uses when called with the input alone (e.g. a full reduction's).
    A pointwise op's nodes are `exact` (see Node): backward skips fitting the gradient to the input.
    """
    if op.is_view or op.residuals:
        raise ValueError(f"unary: {op.name} is a view op or has residuals; use apply")
    forward = op.forward
    exact = _FIRST if op.pointwise and _NEP50 else None

    def fn(x) -> Tensor:
        if not isinstance(x, Tensor):
            return apply(op, (x,), defaults)
        d = x._data
        t = _new(Tensor)
        t._data = forward(d)
        t.grad = None
        t._hooks = None
        if x.requires_grad and (not grad_off_threads or state.grad_enabled):
            vc = x._vc
            record_node(t, op, defaults, 1, x, None, d, None, vc is not None and vc[0] != 0, exact)
        else:
            t.requires_grad = False
            t.grad_fn = None
            t._vc = None
        if forward_mode_users[0] and state.forward_tangents is not None:
            _push_tangent(op, (x,), (d,), defaults, t)
        return t

    fn.__name__ = op.name
    fn.__doc__ = op.doc or f"elementwise {op.name}"
    return fn


def binary(op, reflected: bool = False, on_error: Callable | None = None) -> Callable[[Any, Any], Tensor]:
    """`(x, y) -> apply(op, (x, y))` for a two-input pointwise op without parameters, generic steps unrolled.

    `reflected` gives `(x, y) -> op(y, x)` (for `__radd__` and friends); `on_error(name, x, y, error)`
    returns the exception to raise for a ValueError from the forward (e.g. one naming the shapes). A tensor
    with a Python scalar (`x * 0.5`, `1 - x`), or with an array of its own shape and dtype (`p * p`), records
    an `exact` node (see Node).
    """
    if op.is_view or not op.pointwise or op.residuals:
        raise ValueError(f"binary: {op.name} is not a pointwise op without residuals; use apply")
    forward = op.forward

    def fn(x, y) -> Tensor:
        if reflected:
            x, y = y, x
        rx = ry = moved = False
        exact = None
        if isinstance(x, Tensor):
            dx = x._data
            rx = x.requires_grad
            moved = x._vc is not None and x._vc[0] != 0
        else:
            dx = x if isinstance(x, _AS_IS) else _to_array(x)
            if type(x) in _WEAK_SCALARS:
                exact = _SECOND
        if isinstance(y, Tensor):
            dy = y._data
            ry = y.requires_grad
            moved = moved or (y._vc is not None and y._vc[0] != 0)
        else:
            dy = y if isinstance(y, _AS_IS) else _to_array(y)
            if type(y) in _WEAK_SCALARS:
                exact = _FIRST
        try:
            out = forward(dx, dy)
        except ValueError as e:
            err = e if on_error is None else on_error(op.name, x, y, e)
            if err is e:
                raise
            raise err from e
        if type(out) is not _ndarray and type(out) in _PY_SCALARS:
            out = _to_array(out)
        t = _new(Tensor)
        t._data = out
        t.grad = None
        t._hooks = None
        if (rx or ry) and (not grad_off_threads or state.grad_enabled):
            if exact is None and _NEP50:  # two arrays (or NumPy scalars) of one shape and dtype: exact too
                kind = type(dx)
                if kind is type(dy) and (kind is not _ndarray or (dx.shape == dy.shape and dx.dtype is dy.dtype)):
                    exact = _BOTH
            record_node(t, op, _NO_PARAMS, 2, x, y, dx, dy, moved, exact)
        else:
            t.requires_grad = False
            t.grad_fn = None
            t._vc = None
        if forward_mode_users[0] and state.forward_tangents is not None:
            _push_tangent(op, (x, y), (dx, dy), _NO_PARAMS, t)
        return t

    fn.__name__ = op.name
    return fn


def _share_version_counter(base, view: Tensor) -> None:
    """A view shares its base's version counter, so an in-place change through either is seen."""
    if isinstance(base, Tensor):
        view._vc = base._counter()  # view ops' rules never read their output, so no out_vc to keep


def _push_tangent(op, args, datas, params, out: Tensor) -> None:
    """Forward mode: the output's tangent is the sum over inputs of the op's JVP rules."""
    tangents = state.forward_tangents
    total = None
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            ta = tangents.get(a)
            if ta is None:
                continue
            rule = op.jvp_rule(i)
            if rule is None:
                continue
            ti = rule(ta, out._data, *datas, **params)
            total = ti if total is None else total + ti
    if total is not None:
        d = out._data
        if type(total) is not type(d) or (type(d) is _ndarray and (total.shape != d.shape or total.dtype != d.dtype)):
            # (a rule's tangent of another shape or dtype than the output's; the usual case skips the checks)
            shape = np.shape(d)
            if np.shape(total) != shape:
                total = np.broadcast_to(total, shape)
            dt = np.result_type(d)
            if dt.kind == "f" and np.result_type(total) != dt:
                total = np.asarray(total, dtype=dt)
        tangents[out] = total
        if out.grad_fn is not None:  # forward mode over a create_graph backward: the rules' saved output
            tangents[out.grad_fn] = total  # has this tangent (engine.run_backward)
