"""Recording: `apply` runs an op's forward and, when grad is on, records a `Node` on the tape."""
from __future__ import annotations

import itertools

import numpy as np

from ._state import config, state
from .anomaly import user_frames
from .tensor import Tensor, _to_array

_NO_PARAMS: dict = {}
_ndarray = np.ndarray
_new = Tensor.__new__


class Node:
    """One recorded op application: what backward needs to run the op's VJP rules.

    `inputs` are the op's arguments as given (Tensors or constants), `args` their
    arrays, `ans` the output array, `seq` the creation order (backward runs
    nodes in decreasing `seq`, which is a reverse topological order). After a
    backward without `retain_graph` these are dropped and the node is freed.
    """

    __slots__ = ("op", "inputs", "args", "params", "ans", "versions", "out_vc", "seq", "hooks", "trace",
                 "__weakref__")

    def __init__(self, op, inputs, args, params, ans, versions, out_vc) -> None:
        self.op = op
        self.inputs = inputs
        self.args = args
        self.params = params
        self.ans = ans
        self.versions = versions
        self.out_vc = out_vc
        self.seq = _next_seq()
        self.hooks = None
        self.trace = None

    @property
    def name(self) -> str:
        """The op's registry name (as drawn in graphs)."""
        return self.op.name

    @property
    def freed(self) -> bool:
        return self.args is None

    @property
    def next_functions(self) -> tuple:
        """(node or None, input index) per input, as PyTorch's `grad_fn.next_functions`."""
        if self.inputs is None:
            return ()
        from .engine import recorded_parent
        return tuple((recorded_parent(self, i, a)[1] if isinstance(a, Tensor) else None, i)
                     for i, a in enumerate(self.inputs))

    def __repr__(self) -> str:
        return f"<{self.op.name.capitalize()}Backward>"


_next_seq = itertools.count().__next__
_PY_SCALARS = (float, int, bool)


def _constant(a):
    """A non-Tensor argument as NumPy sees it: Python scalars stay weak, sequences become arrays."""
    if isinstance(a, (float, int, _ndarray, np.generic)):
        return a
    return _to_array(a)


def apply(op, args, params=_NO_PARAMS) -> Tensor:
    """Run `op` on `args` (Tensors or array-likes); record a Node if any Tensor input requires grad."""
    datas = []
    req = False
    has_vc = False
    for a in args:
        if isinstance(a, Tensor):
            datas.append(a._data)
            if a.requires_grad:
                req = True
            if a._vc is not None:
                has_vc = True
        else:
            datas.append(_constant(a))
    out = op.forward(*datas, **params) if params else op.forward(*datas)
    if type(out) in _PY_SCALARS:
        out = _to_array(out)
    t = _new(Tensor)
    t._data = out
    t.grad = None
    t._vc = None
    t._hooks = None
    if req and state.grad_enabled:
        t.requires_grad = True
        versions = None
        if has_vc:
            versions = tuple([a._vc[0] if isinstance(a, Tensor) and a._vc is not None else 0 for a in args])
        out_vc = None
        if op.uses_ans:
            out_vc = t._vc = [0]
        # a tuple (not the list): tuples of arrays drop out of the garbage collector's sight
        node = t.grad_fn = Node(op, args, tuple(datas), params, out, versions, out_vc)
        if config.anomaly:
            node.trace = user_frames()
    else:
        t.requires_grad = False
        t.grad_fn = None
    if op.is_view:
        _share_version_counter(args[0], t)
    if state.forward_tangents is not None:
        _push_tangent(op, args, datas, params, t)
    return t


def _share_version_counter(base, view: Tensor) -> None:
    """A view shares its base's version counter, so an in-place change through either is seen."""
    if isinstance(base, Tensor):
        if base._vc is None:
            base._vc = [0]
        view._vc = base._vc  # view ops' rules never read their output, so no out_vc to keep


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
        shape = np.shape(out._data)
        if np.shape(total) != shape:
            total = np.broadcast_to(total, shape)
        dt = np.result_type(out._data)
        if dt.kind == "f" and np.result_type(total) != dt:
            total = np.asarray(total, dtype=dt)
        tangents[out] = total
