"""`trace_modules`: remember which recorded ops each `nn.Module` call produced, for clusters in `draw_graph`.

    with viz.trace_modules(model):
        loss = loss_fn(model(x), y)
    viz.draw_graph(loss, collapse_modules=True)     # one box per layer

While tracing, forward pre- and post-hooks on every submodule note the range of op creation numbers
(`Node.seq`) that the module's forward spans, the nodes that made its outputs, and its own parameters
and buffers (with qualified names). `draw_graph` then treats the ops reachable from a call's outputs
within that range as the call's body. The notes are kept in a weak table keyed by the output nodes, so
they vanish with the graph; nothing is attached to tensors or modules once the `with` block ends.
"""
from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field

from autodiff import Tensor
from autodiff import tape as _tape

# output Node -> list of ModuleCall records whose outputs include that node (nested calls share outputs)
_CALLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(eq=False)
class ModuleCall:
    """One traced call of a module: its name, type, op-number range and own tensors (weakly held)."""

    name: str                     # qualified name ('' for the root module)
    type_name: str
    extra: str                    # the module's extra_repr(), e.g. 'in_features=784, out_features=256, bias=True'
    depth: int                    # 0 for the root, 1 for its children, ...
    is_leaf_module: bool          # has no child modules (a layer such as Linear or Tanh)
    call_index: int               # 0 for the first call of this module in the trace, 1 for the second, ...
    start: int                    # ops with start < seq < end were created during this call
    end: int = 0
    own: list = field(default_factory=list)   # (qualified name, weakref to the Parameter/buffer)

    @property
    def label(self) -> str:
        base = self.name if self.name else "(model)"
        return base if self.call_index == 0 else f"{base} (call {self.call_index + 1})"

    def own_tensors(self) -> list[tuple[str, Tensor]]:
        """(qualified name, tensor) for this module's own parameters and buffers still alive."""
        out = []
        for name, ref in self.own:
            t = ref()
            if t is not None:
                out.append((name, t))
        return out


def has_calls() -> bool:
    """Whether any traced module call is still recorded (graphs drawn without tracing skip the lookups)."""
    return len(_CALLS) > 0


def calls_for(node) -> list[ModuleCall]:
    """The traced module calls whose outputs include `node` (empty if none)."""
    return _CALLS.get(node, [])


def _next_seq() -> int:
    """The next op creation number (consumes one: numbers only need to be increasing, not dense)."""
    return _tape._next_seq()


def _tensors_in(obj) -> Iterator[Tensor]:
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _tensors_in(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors_in(o)


def _own_tensors(module, prefix: str) -> list:
    own = []
    for getter in ("named_parameters", "named_buffers"):
        fn = getattr(module, getter, None)
        if fn is None:
            continue
        for local, t in fn(recurse=False):
            if isinstance(t, Tensor):
                own.append((f"{prefix}.{local}" if prefix else local, weakref.ref(t)))
    return own


@contextlib.contextmanager
def trace_modules(model) -> Iterator[list[ModuleCall]]:
    """Within the block, record each module call of `model` (and its submodules) for `draw_graph`.

    Yields the list of `ModuleCall` records made so far (for inspection). The hooks are removed on exit,
    also when the block raises.
    """
    if not hasattr(model, "named_modules") or not hasattr(model, "register_forward_hook"):
        raise TypeError(f"trace_modules expects an nn.Module (with named_modules and register_forward_hook), "
                        f"got {type(model).__name__}")
    records: list[ModuleCall] = []
    handles = []
    counts: dict[int, int] = {}
    for name, module in model.named_modules():
        stack: list[ModuleCall] = []   # a module may be re-entered (recursion): one pending record per level
        children = getattr(module, "children", None)
        is_leaf = not any(True for _ in children()) if children is not None else True
        extra = ""
        if hasattr(module, "extra_repr"):
            try:
                extra = str(module.extra_repr())
            except Exception:  # a user's extra_repr failing must not break their forward pass
                extra = ""

        def pre(mod, args, _name=name, _stack=stack, _leaf=is_leaf, _extra=extra):
            k = counts.get(id(mod), 0)
            counts[id(mod)] = k + 1
            _stack.append(ModuleCall(_name, type(mod).__name__, _extra, _name.count(".") + 1 if _name else 0,
                                     _leaf, k, _next_seq(), own=_own_tensors(mod, _name)))

        def post(mod, args, out, _stack=stack):
            if not _stack:
                return None
            rec = _stack.pop()
            rec.end = _next_seq()
            nodes = {id(t.grad_fn): t.grad_fn for t in _tensors_in(out) if t.grad_fn is not None}
            if nodes:
                records.append(rec)
                for node in nodes.values():
                    _CALLS.setdefault(node, []).append(rec)
            return None

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))
    try:
        yield records
    finally:
        for h in handles:
            h.remove()
