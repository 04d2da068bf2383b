"""The op registry: each differentiable op is one `Op` holding its forward, VJP and JVP rules.

Rules are written in NumPy. In a plain backward they run on arrays; with
`create_graph=True` they run on Tensors (Tensor implements NumPy's ufunc
protocol), so the same rule records its own derivative.

A rule for input i is called as ``rule(g, ans, *inputs, **params)`` where
``g`` is the upstream gradient (VJP) or the input's tangent (JVP) and
``ans`` is the forward output. `vjp` may also be one callable
``rule(i, g, ans, *inputs, **params)`` for variadic ops (concatenate, stack).

An op with ``residuals=True`` (as JAX's ``custom_vjp`` forward) returns ``(out, res)``: values its
forward computed on the way that the VJP rules would otherwise compute again (cross-entropy's
exponentials). A plain backward hands them to the rules as the keyword ``res``; under
``create_graph=True`` the rules get ``res=None`` and recompute from their inputs, which are Tensors
then, so that the recomputation is recorded and second derivatives stay exact. JVP rules get no ``res``.
"""
from __future__ import annotations

import dis
from collections.abc import Callable, Sequence

OPS: dict[str, Op] = {}


class Op:
    """One differentiable primitive: forward, reverse rule(s) and forward rule(s) side by side."""

    __slots__ = ("name", "forward", "vjp", "jvp", "doc", "uses_ans", "saved_inputs", "is_view",
                 "differentiable", "variadic", "pointwise", "residuals")

    def __init__(self, name: str, forward: Callable, vjp, jvp, doc: str = "", is_view: bool = False,
                 differentiable: Sequence[int] | None = None, pointwise: bool = False,
                 residuals: bool = False) -> None:
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.jvp = jvp
        self.doc = doc
        self.is_view = is_view
        # pointwise: with every other input a Python scalar (NumPy 2's promotion rules), or an array of input
        # i's shape and dtype, the output has input i's shape and dtype, and so does rule i's result given an
        # upstream gradient of the output's (tested for every such op); the fast paths (tape.unary,
        # tape.binary) then tell the engine it need not fit that gradient to the input
        self.pointwise = pointwise
        self.residuals = residuals  # forward returns (out, res); see the module's docstring
        self.variadic = callable(vjp)
        # which positional inputs the rules may differentiate (None: all)
        self.differentiable = None if differentiable is None else frozenset(differentiable)
        rules = [vjp] if self.variadic else [r for r in vjp if r is not None]
        self.uses_ans, self.saved_inputs = _what_rules_read(rules, offset=1 if self.variadic else 0)

    def vjp_rule(self, i: int):
        """The reverse rule for input i, as a callable ``(g, ans, *inputs, **params)``, or None."""
        if self.variadic:
            rule = self.vjp
            return lambda g, ans, *args, **kw: rule(i, g, ans, *args, **kw)
        return self.vjp[i] if i < len(self.vjp) else None

    def jvp_rule(self, i: int):
        if callable(self.jvp):
            rule = self.jvp
            return lambda t, ans, *args, **kw: rule(i, t, ans, *args, **kw)
        return self.jvp[i] if i < len(self.jvp) else None

    def __repr__(self) -> str:
        return f"<op {self.name}>"


_METADATA = frozenset({"shape", "ndim", "dtype", "size"})


def _data_reads(rule) -> set:
    """Names of arguments whose *values* a rule reads (reading only `.shape`/`.ndim`/`.dtype` does not count)."""
    ins = list(dis.get_instructions(rule))
    read = set()
    for k, i in enumerate(ins):
        if not i.opname.startswith("LOAD_FAST"):
            continue
        names = i.argval if isinstance(i.argval, tuple) else (i.argval,)
        nxt = ins[k + 1] if k + 1 < len(ins) else None
        meta_only = (len(names) == 1 and nxt is not None and nxt.opname in ("LOAD_ATTR", "LOAD_METHOD")
                     and nxt.argval in _METADATA)
        if not meta_only:
            read.update(names)
    return read


def _what_rules_read(rules, offset: int) -> tuple[bool, frozenset | None]:
    """Find which saved values (the output, which inputs) the rules read, from their bytecode.

    The engine checks version counters only for what a rule reads, so an
    in-place change to a value no rule needs is not reported (as in PyTorch).
    Returns (uses_ans, input positions read; None means "all", for *args rules).
    """
    uses_ans = False
    read: set[int] = set()
    for rule in rules:
        code = rule.__code__
        names = code.co_varnames[: code.co_argcount]
        flat = _data_reads(rule)
        if code.co_flags & 0x04 and code.co_varnames[code.co_argcount] in flat:
            return True, None  # reads *args: cannot tell which inputs; assume all
        if len(names) > offset + 1 and names[offset + 1] in flat:
            uses_ans = True
        for pos, name in enumerate(names[offset + 2:]):
            if name in flat:
                read.add(pos)
    return uses_ans, frozenset(read)


def defop(name: str, forward: Callable, vjp, jvp, doc: str = "", is_view: bool = False,
          differentiable: Sequence[int] | None = None, pointwise: bool = False, residuals: bool = False) -> Op:
    """Register an op. Every registered op is picked up by the registry-driven tests."""
    if name in OPS:
        raise ValueError(f"defop: an op named {name!r} is already registered")
    op = Op(name, forward, vjp, jvp, doc=doc, is_view=is_view, differentiable=differentiable, pointwise=pointwise,
            residuals=residuals)
    OPS[name] = op
    return op
