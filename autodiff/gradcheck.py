"""Check analytic gradients against float64 central differences (as `torch.autograd.gradcheck`)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .autograd import grad
from .grad_mode import enable_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic derivative disagrees with the numerical one; the message says where."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _leaf(arr) -> Tensor:
    t = Tensor._wrap(arr)
    t.requires_grad = True
    return t


def _outputs(fn, inputs) -> tuple:
    out = _as_tuple(fn(*inputs))
    for k, o in enumerate(out):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: output {k} of fn is a {type(o).__name__}, not a Tensor")
    return out


def _checked_inputs(inputs, what: str) -> tuple:
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError(f"{what}: at least one input must be a Tensor with requires_grad=True")
    for i in diff:
        if inputs[i].dtype != np.float64:
            raise ValueError(f"{what}: input {i} has dtype {inputs[i].dtype}; central differences need float64 "
                             f"inputs (use dtype=np.float64)")
    return inputs


def _numeric_columns(fn, inputs, i: int, eps: float):
    """Yield (flat index, [d out_k / d x_i[j] for each output k]) by central differences."""
    x = inputs[i]
    base = np.array(x._data, dtype=np.float64, copy=True)
    flat = base.reshape(-1)
    for j in range(flat.size):
        cols = []
        for sign in (1, -1):
            pert = flat.copy()
            pert[j] += sign * eps
            probe = list(inputs)
            probe[i] = _leaf(pert.reshape(base.shape))
            with enable_grad():  # fn may itself take gradients (gradgradcheck)
                cols.append([np.asarray(o._data, dtype=np.float64).reshape(-1) for o in _outputs(fn, probe)])
        yield j, [(p - m) / (2 * eps) for p, m in zip(cols[0], cols[1])]


def _analytic_rows(outputs, inputs, diff):
    """Yield (output k, flat index r, [d out_k[r] / d x_i for i in diff]) by one backward per element."""
    targets = [inputs[i] for i in diff]
    for k, o in enumerate(outputs):
        if not o.requires_grad:
            for r in range(o.size):
                yield k, r, [np.zeros(inputs[i].shape) for i in diff]
            continue
        for r in range(o.size):
            seed = np.zeros(o.size, dtype=o.dtype)
            seed[r] = 1
            gs = grad(o, targets, grad_outputs=seed.reshape(o.shape), retain_graph=True, allow_unused=True)
            yield k, r, [np.zeros(t.shape) if g is None else np.asarray(g._data, dtype=np.float64)
                         for g, t in zip(gs, targets)]


def _fail(k, i, idx, a, n, kind="gradient"):
    raise GradcheckError(
        f"Jacobian mismatch for output {k} with respect to input {i}, {kind} at element {idx}:\n"
        f"  analytic: {a!r}\n  numerical: {n!r}")


def gradcheck(fn: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, seed: int = 0) -> bool:
    """Compare every d output / d input with central differences in float64.

    Returns True, or raises `GradcheckError` naming the output, the input, the
    element index, and the analytic and numerical values. `fast_mode` compares
    random projections v^T J u instead of whole Jacobians (one backward, two
    extra forwards per input).
    """
    inputs = _checked_inputs(inputs, "gradcheck")
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    try:
        if fast_mode:
            _fast_check(fn, inputs, diff, eps, atol, rtol, seed)
            return True
        outputs = _outputs(fn, inputs)
        analytic = {(k, i): np.zeros((o.size, inputs[i].size)) for k, o in enumerate(outputs) for i in diff}
        for k, r, row in _analytic_rows(outputs, inputs, diff):
            for i, gi in zip(diff, row):
                analytic[(k, i)][r] = gi.reshape(-1)
        for i in diff:
            for j, cols in _numeric_columns(fn, inputs, i, eps):
                for k, col in enumerate(cols):
                    a = analytic[(k, i)][:, j]
                    bad = np.abs(a - col) > atol + rtol * np.abs(col)
                    bad |= np.isnan(a) != np.isnan(col)
                    if bad.any():
                        r = int(np.argmax(bad))
                        idx = np.unravel_index(j, inputs[i].shape) if inputs[i].ndim else ()
                        out_idx = np.unravel_index(r, outputs[k].shape) if outputs[k].ndim else ()
                        where = f"output element {tuple(int(v) for v in out_idx)}, input"
                        _fail(k, i, tuple(int(v) for v in idx), float(a[r]), float(col[r]), kind=where)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _fast_check(fn, inputs, diff, eps, atol, rtol, seed):
    rng = np.random.default_rng(seed)
    outputs = _outputs(fn, inputs)
    vs = [rng.standard_normal(o.shape) for o in outputs]
    live = [(o, v) for o, v in zip(outputs, vs) if o.requires_grad]
    for i in diff:
        u = rng.standard_normal(inputs[i].shape)
        if live:
            gs = grad([o for o, _ in live], [inputs[i]], grad_outputs=[v for _, v in live],
                      retain_graph=True, allow_unused=True)
            analytic = 0.0 if gs[0] is None else float(np.sum(np.asarray(gs[0]._data) * u))
        else:
            analytic = 0.0
        sides = []
        for sign in (1, -1):
            probe = list(inputs)
            probe[i] = _leaf(np.asarray(inputs[i]._data, dtype=np.float64) + sign * eps * u)
            with enable_grad():
                sides.append(_outputs(fn, probe))
        numeric = float(sum(np.sum(v * (np.asarray(p._data) - np.asarray(m._data)) / (2 * eps))
                            for v, p, m in zip(vs, sides[0], sides[1])))
        if abs(analytic - numeric) > atol + rtol * abs(numeric) or np.isnan(analytic) != np.isnan(numeric):
            _fail("(all, projected on random v)", i, "(all, projected on random u)", analytic, numeric,
                  kind="v^T J u")


def gradgradcheck(fn: Callable, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v, create_graph=True)."""
    inputs = _checked_inputs(inputs, "gradgradcheck")
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outputs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        vs = [Tensor(rng.standard_normal(o.shape), dtype=np.float64, requires_grad=True) for o in outputs]
    else:
        vs = [v if isinstance(v, Tensor) else Tensor(v, dtype=np.float64) for v in _as_tuple(grad_outputs)]
    n = len(inputs)

    def first_derivative(*args):
        xs, v = args[:n], args[n:]
        outs = _outputs(fn, xs)
        live = [(o, g) for o, g in zip(outs, v) if o.requires_grad]
        if not live:
            return tuple(Tensor._wrap(np.zeros(xs[i].shape)) for i in diff)
        gs = grad([o for o, _ in live], [xs[i] for i in diff], grad_outputs=[g for _, g in live],
                  create_graph=True, allow_unused=True)
        return tuple(Tensor._wrap(np.zeros(xs[i].shape)) if g is None else g for g, i in zip(gs, diff))

    return gradcheck(first_derivative, tuple(inputs) + tuple(vs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)


def jvpcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
             seed: int = 0) -> bool:
    """Check forward mode: `functional.jvp` against a numerical directional derivative, one input at a time.

    Returns True, or raises `GradcheckError` naming the output, the input, the
    output element, and the analytic and numerical values of J u (u a random tangent).
    """
    from .functional import jvp
    inputs = _checked_inputs(inputs, "jvpcheck")
    rng = np.random.default_rng(seed)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    us = {i: rng.standard_normal(inputs[i].shape) for i in diff}

    def f_of_diff(*xs):
        full = list(inputs)
        for i, x in zip(diff, xs):
            full[i] = x
        return _outputs(fn, full)  # (a tuple of Tensors, or a TypeError naming the output that is not one)

    for i in diff:  # a tangent on one input at a time, so that a failure names the input
        us_i = tuple(Tensor._wrap(us[i] if d == i else np.zeros(inputs[d].shape)) for d in diff)
        _, tangents = jvp(f_of_diff, tuple(inputs[d] for d in diff), us_i)
        plus, minus = list(inputs), list(inputs)
        plus[i] = _leaf(np.asarray(inputs[i]._data) + eps * us[i])
        minus[i] = _leaf(np.asarray(inputs[i]._data) - eps * us[i])
        with enable_grad():
            p, m = _outputs(fn, plus), _outputs(fn, minus)
        for k, (t, a, b) in enumerate(zip(_as_tuple(tangents), p, m)):
            numeric = (np.asarray(a._data, dtype=np.float64) - np.asarray(b._data, dtype=np.float64)) / (2 * eps)
            analytic = np.broadcast_to(np.asarray(t._data, dtype=np.float64), numeric.shape)
            bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
            bad |= np.isnan(analytic) != np.isnan(numeric)
            if bad.any():
                r = int(np.argmax(bad.reshape(-1)))
                idx = tuple(int(v) for v in np.unravel_index(r, numeric.shape)) if numeric.ndim else ()
                _fail(k, i, idx, float(analytic.reshape(-1)[r]), float(numeric.reshape(-1)[r]),
                      kind="forward-mode (JVP) J u for a random tangent u, output")
    return True
