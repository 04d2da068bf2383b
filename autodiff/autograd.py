"""`backward` and `grad`: the user-facing entry points to reverse mode (as `torch.autograd`)."""
from __future__ import annotations

import numpy as np

from ._state import config
from .engine import run_backward
from .function import Function, FunctionCtx  # noqa: F401  (as torch.autograd.Function)
from .tensor import Tensor


def _as_list(x) -> list:
    if x is None:
        return []
    return [x] if isinstance(x, (Tensor, np.ndarray)) else list(x)


def _root_grads(outputs: list, grad_outputs, create_graph: bool) -> list:
    """Check each output can be differentiated and build its seed gradient."""
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grads)} elements but there are {len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not isinstance(out, Tensor):
            raise TypeError(f"outputs[{i}] must be a Tensor, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:  # (not `out.size`: that builds a callable Size)
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            dt = out._data.dtype
            seed = np.array(1, dtype=dt) if out.ndim == 0 else np.ones(out.shape, dtype=dt)  # (np.ones: Python)
            seeds.append(Tensor._wrap(seed) if create_graph else seed)
            continue
        gdata = g._data if isinstance(g, Tensor) else np.asarray(g)
        if np.shape(gdata) != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(np.shape(gdata))} "
                               f"and output[{i}] has a shape of {out.shape}.")
        if create_graph and isinstance(g, Tensor):
            seeds.append(g if g.dtype == out.dtype else g.astype(out.dtype))
        else:
            arr = np.array(gdata, dtype=out.dtype, copy=True)
            seeds.append(Tensor._wrap(arr) if create_graph else arr)
    return seeds


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate gradients of `tensors` into the `.grad` of the leaves (as `torch.autograd.backward`)."""
    outputs = _as_list(tensors)
    seeds = _root_grads(outputs, grad_tensors, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        targets = _as_list(inputs)
        grads = run_backward(outputs, seeds, retain, create_graph, targets=targets)
        for t, g in zip(targets, grads):
            if g is None:
                continue
            g = g if create_graph else Tensor._wrap(np.array(g, copy=True))
            t.grad = g if t.grad is None else t.grad + g
        return
    run_backward(outputs, seeds, retain, create_graph)


def _tensor_backward(self: Tensor, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                     inputs=None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's `.grad` (as `torch.Tensor.backward`)."""
    backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
             create_graph=create_graph, inputs=inputs)


_tensor_backward.__name__, _tensor_backward.__qualname__ = "backward", "Tensor.backward"
Tensor.backward = _tensor_backward


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, returned instead of accumulated (as `torch.autograd.grad`)."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if not ins:
        raise RuntimeError("grad requires at least one input")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs[{i}] must be a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (inputs[{i}], shape {t.shape}) does not "
                               f"require grad")
    seeds = _root_grads(outs, grad_outputs, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    found = run_backward(outs, seeds, retain, create_graph, targets=ins)
    result = []
    for i, (t, g) in enumerate(zip(ins, found)):
        if g is None:
            if materialize_grads:
                result.append(Tensor._wrap(np.zeros(t.shape, dtype=t.dtype)))
                continue
            if not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (inputs[{i}], shape {t.shape}) appears "
                                   f"to not have been used in the graph. Set allow_unused=True if this is "
                                   f"the desired behavior.")
            result.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._wrap(np.array(g, copy=True) if isinstance(g, np.ndarray) else g)
        result.append(g)
    return tuple(result)


class set_detect_anomaly:  # noqa: N801  (torch.autograd.set_detect_anomaly's name)
    """Turn anomaly detection on or off (as torch.autograd.set_detect_anomaly): called, it sets the mode; used
    in a `with` block, it restores the previous mode at the end."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = config.anomaly
        config.anomaly = bool(mode) and bool(check_nan)

    def __enter__(self) -> set_detect_anomaly:
        return self

    def __exit__(self, *exc) -> None:
        config.anomaly = self.prev


# the rest of torch.autograd's namespace (imported last: these modules import `grad` from here)
from . import functional  # noqa: E402, F401
from .anomaly import detect_anomaly, is_anomaly_enabled  # noqa: E402, F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402, F401
