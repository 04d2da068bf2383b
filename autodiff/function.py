"""Your own differentiable ops: `custom_op` (rules as in the registry) and `Function` (as `torch.autograd.Function`).

    # 1. rules, one per input, written in NumPy (as the built-in ops are):
    cube = ad.custom_op("cube", lambda x: x ** 3,
                        vjp=(lambda g, ans, x: 3 * g * x * x,),
                        jvp=(lambda t, ans, x: 3 * t * x * x,))

    # 2. PyTorch style:
    class Cube(ad.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x * x

    y = Cube.apply(t)

Either is checked with the same tools as built-in ops (`ad.gradcheck`,
`ad.testing.check_gradients`). Rules written with NumPy ufuncs and operators
also work under `create_graph=True` (they then receive Tensors), so second
derivatives come for free.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .ops.registry import OPS, Op
from .tape import apply
from .tensor import Tensor


def custom_op(name: str, forward: Callable, vjp: Sequence[Callable | None],
              jvp: Sequence[Callable | None] | None = None,
              doc: str = "", register: bool = False) -> Callable:
    """Make an op from a NumPy forward and one VJP (and optional JVP) rule per input.

    Rules are called as ``rule(g, ans, *inputs, **params)``. With `register=True`
    the op also joins the global registry (then the registry tests expect samples for it).
    """
    vjp = tuple(vjp)
    if jvp is None:
        jvp = tuple(_no_jvp(name) for _ in vjp)
    if len(tuple(jvp)) != len(vjp):
        raise ValueError(f"custom_op {name!r}: {len(vjp)} VJP rules but {len(tuple(jvp))} JVP rules")
    if register:
        from .ops.registry import defop
        op = defop(name, forward, vjp, tuple(jvp), doc=doc)
    else:
        if name in OPS:
            raise ValueError(f"custom_op: {name!r} is the name of a built-in op; choose another")
        op = Op(name, forward, vjp, tuple(jvp), doc=doc)

    def call(*inputs, **params):
        return apply(op, inputs, params)

    call.__name__ = name
    call.__doc__ = doc or f"custom op {name}"
    call.op = op
    return call


def _no_jvp(name):
    def rule(t, ans, *args, **kw):
        raise NotImplementedError(f"custom op {name!r} has no JVP rule: pass jvp= to use it in forward mode")
    return rule


class FunctionCtx:
    """What `Function.forward` saves for `backward` (as PyTorch's ctx)."""

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()
        self._cache = None

    def save_for_backward(self, *values) -> None:
        self.saved_tensors = values


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        if bases and hasattr(cls, "forward"):  # (also a subclass that overrides only backward: its own op)
            cls._op = Op(name, cls._forward_arrays, cls._vjp, cls._jvp, doc=(cls.__doc__ or "").strip())


class Function(metaclass=_FunctionMeta):
    """Subclass with static `forward(ctx, *arrays)` and `backward(ctx, *grads)` (and optionally `jvp(ctx, *tangents)`).

    `forward` gets NumPy arrays and returns one array; `backward` returns one
    gradient per input (None for inputs without one). Call with `Cls.apply(*inputs)`.
    """

    @classmethod
    def apply(cls, *inputs):
        return apply(cls._op, inputs, {"ctx": FunctionCtx()})

    @classmethod
    def _forward_arrays(cls, *args, ctx):
        return cls.forward(ctx, *args)

    @classmethod
    def _vjp(cls, i, g, ans, *args, ctx):
        cache = ctx._cache
        if cache is None or cache[0] is not g:
            if isinstance(g, Tensor):  # create_graph: backward sees the Tensors it saved, so it records
                saved = ctx.saved_tensors
                lookup = {id(a._data): a for a in (*args, ans) if isinstance(a, Tensor)}
                ctx.saved_tensors = tuple(lookup.get(id(s), s) for s in saved)
                try:
                    grads = cls.backward(ctx, g)
                finally:  # only for this pass: a later plain backward must see the arrays again
                    ctx.saved_tensors = saved
            else:
                grads = cls.backward(ctx, g)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(args):
                raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients, expected {len(args)} "
                                   f"(one per input of forward)")
            cache = ctx._cache = (g, grads)
        gi = cache[1][i]
        return g * 0 if gi is None else gi

    @classmethod
    def _jvp(cls, i, t, ans, *args, ctx):
        if not hasattr(cls, "jvp"):
            raise NotImplementedError(f"{cls.__name__} has no jvp(ctx, *tangents): forward mode is unavailable")
        tangents = [t if k == i else 0 * a for k, a in enumerate(args)]
        return cls.jvp(ctx, *tangents)
