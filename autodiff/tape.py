"""Recording: `apply` runs an op's forward and, when grad is on, records a `Node` on the tape."""
from __future__ import annotations

import traceback

import numpy as np

from ._state import config, state
from .tensor import Tensor

_NO_PARAMS: dict = {}
_ndarray = np.ndarray


class Node:
    """One recorded op application: what backward needs to run the op's VJP rules.

    `inputs` are the op's arguments as given (Tensors or constants), `args` their
    arrays, `ans` the output array. After a backward without `retain_graph`
    these are dropped and the node is marked freed.
    """

    __slots__ = ("op", "inputs", "args", "params", "ans", "versions", "out_vc", "hooks", "trace",
                 "__weakref__")

    def __init__(self, op, inputs, args, params, ans, versions, out_vc) -> None:
        self.op = op
        self.inputs = inputs
        self.args = args
        self.params = params
        self.ans = ans
        self.versions = versions
        self.out_vc = out_vc
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
        return tuple((a.grad_fn if isinstance(a, Tensor) else None, i) for i, a in enumerate(self.inputs))

    def register_prehook(self, fn) -> None:
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)

    def __repr__(self) -> str:
        return f"<{self.op.name.capitalize()}Backward>"


def apply(op, args, params=_NO_PARAMS) -> Tensor:
    """Run `op` on `args` (Tensors or array-likes); record a Node if any Tensor input requires grad."""
    datas = []
    req = False
    for a in args:
        if isinstance(a, Tensor):
            datas.append(a._data)
            if a.requires_grad:
                req = True
        else:
            datas.append(a)
    out = op.forward(*datas, **params)
    t = Tensor.__new__(Tensor)
    t._data = out
    t.grad = None
    t._vc = None
    t._hooks = None
    if req and state.grad_enabled:
        t.requires_grad = True
        versions = None
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a._vc is not None and a._vc[0]:
                versions = tuple(a._vc[0] if isinstance(a, Tensor) and a._vc is not None else 0
                                 for a in args)
                break
        out_vc = None
        if op.uses_ans:
            out_vc = t._vc = [0]
        node = Node(op, args, datas, params, out, versions, out_vc)
        if config.anomaly:
            node.trace = traceback.format_stack()[:-2]
        t.grad_fn = node
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
