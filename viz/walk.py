"""The recorded graph behind some output tensors, as a flat list of elements (ops and tensors).

Found breadth-first from the outputs without recursion, so element order is distance from the outputs
(what a node budget keeps) and a chain of any length is walked in linear time. Each op (`Node`) is one
element, each tensor another: a non-leaf tensor is identified by the node that made it (one tensor per
op output, however many Python objects refer to it), a leaf by identity. A tensor used by several ops
is one element with several consumers, so forks stay visible.
"""
from __future__ import annotations

from collections.abc import Iterable

from autodiff import Tensor

OP, TENSOR, LEAF = "op", "tensor", "leaf"


class Walk:
    """Elements in breadth-first order from the outputs (outputs first).

    kind[e]   OP, TENSOR (made by an op) or LEAF
    obj[e]    the Node for ops, the Tensor for tensors (one with `.grad` set, when several refer to it)
    preds[e]  elements flowing into e: an op's Tensor inputs in argument order (repeats kept, so
              `x * x` has two edges), a tensor's producing op, nothing for leaves
    consts[e] an op's non-tensor arguments as (position, value)
    freed     ops whose inputs were released by a backward() without retain_graph
    """

    def __init__(self, outputs: Iterable[Tensor]) -> None:
        self.kind: list[str] = []
        self.obj: list = []
        self.preds: list[list[int]] = []
        self.consts: dict[int, list] = {}
        self.freed: list[int] = []
        self._op: dict[int, int] = {}     # id(node) -> op element
        self._made: dict[int, int] = {}   # id(node) -> element of the tensor it made
        self._leaf: dict[int, int] = {}   # id(tensor) -> leaf element
        self.roots = [self._tensor(t) for t in outputs]
        self.roots = list(dict.fromkeys(self.roots))
        self._run()

    def _new(self, kind: str, obj) -> int:
        self.kind.append(kind)
        self.obj.append(obj)
        self.preds.append([])
        return len(self.kind) - 1

    def _tensor(self, t: Tensor) -> int:
        node = t.grad_fn
        if node is None:
            e = self._leaf.get(id(t))
            if e is None:
                e = self._leaf[id(t)] = self._new(LEAF, t)
            return e
        e = self._made.get(id(node))
        if e is None:
            e = self._made[id(node)] = self._new(TENSOR, t)
        elif t.grad is not None and self.obj[e].grad is None:
            self.obj[e] = t
        return e

    def _run(self) -> None:
        kind, obj, preds, consts = self.kind, self.obj, self.preds, self.consts
        ops, made, leaves = self._op, self._made, self._leaf
        i = 0
        while i < len(kind):   # the element list is its own queue: appended in breadth-first order
            k = kind[i]
            if k is TENSOR:
                node = obj[i].grad_fn
                e = ops.get(id(node))
                if e is None:
                    e = ops[id(node)] = len(kind)
                    kind.append(OP)
                    obj.append(node)
                    preds.append([])
                preds[i].append(e)
            elif k is OP:
                inputs = obj[i].inputs
                if inputs is None:
                    self.freed.append(i)
                else:
                    p = preds[i]
                    for pos, a in enumerate(inputs):
                        if not isinstance(a, Tensor):
                            consts.setdefault(i, []).append((pos, a))
                            continue
                        node = a.grad_fn
                        if node is None:
                            e = leaves.get(id(a))
                            if e is None:
                                e = leaves[id(a)] = len(kind)
                                kind.append(LEAF)
                                obj.append(a)
                                preds.append([])
                        else:
                            e = made.get(id(node))
                            if e is None:
                                e = made[id(node)] = len(kind)
                                kind.append(TENSOR)
                                obj.append(a)
                                preds.append([])
                            elif a.grad is not None and obj[e].grad is None:
                                obj[e] = a
                        p.append(e)
            i += 1

    def __len__(self) -> int:
        return len(self.kind)

    def op_element(self, node) -> int | None:
        return self._op.get(id(node))

    def made_by(self, node) -> int | None:
        """The element of the tensor that `node` made."""
        return self._made.get(id(node))

    def leaf_element(self, t: Tensor) -> int | None:
        e = self._leaf.get(id(t))
        return e if e is not None and self.obj[e] is t else None

    def consumers(self) -> list[list[int]]:
        """For each element, the elements it flows into (once per use)."""
        out: list[list[int]] = [[] for _ in self.kind]
        for e, ps in enumerate(self.preds):
            for p in ps:
                out[p].append(e)
        return out


def retain_grads(*outputs: Tensor) -> int:
    """Call `retain_grad()` on every non-leaf tensor in the graph of `outputs`; returns how many.

    Call it after the forward pass and before `backward()`, so that `draw_graph` can show the gradient
    of every intermediate tensor (by default only leaves keep `.grad`, as in PyTorch).
    """
    outs = _flatten(outputs, "retain_grads")
    seen: set[int] = set()
    count = 0
    stack = list(outs)
    done_nodes: set[int] = set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t.grad_fn
        if node is None:
            continue
        if t.requires_grad:
            t.retain_grad()
            count += 1
        if id(node) in done_nodes or node.inputs is None:
            continue
        done_nodes.add(id(node))
        stack.extend(a for a in node.inputs if isinstance(a, Tensor))
    return count


def _flatten(outputs: tuple, who: str) -> list[Tensor]:
    """Tensors given as arguments, or as lists/tuples of them; anything else is a TypeError."""
    out: list[Tensor] = []
    for k, o in enumerate(outputs):
        items = o if isinstance(o, (list, tuple)) else [o]
        for j, t in enumerate(items):
            if not isinstance(t, Tensor):
                where = f"argument {k}" if items is not o else f"argument {k}[{j}]"
                raise TypeError(f"{who} expects Tensors, got {type(t).__name__} at {where}")
            out.append(t)
    if not out:
        raise ValueError(f"{who} needs at least one Tensor")
    return out
