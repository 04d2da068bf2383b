"""`Optimizer`: the base class of every optimizer (as `torch.optim.Optimizer`).

It owns what all optimizers share: parameter groups (one dict of hyperparameters per group, which is how
per-layer learning rates are written), per-parameter state, `zero_grad`, and `state_dict` /
`load_state_dict` in PyTorch's layout (parameters referenced by their index across the groups). A
subclass supplies its defaults, `_validate` (hyperparameter checks) and `step`, which updates each
parameter's ndarray in place through a vectorized kernel (see `optim._foreach`).
"""
from __future__ import annotations

import copy
import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autodiff as ad
from autodiff import Tensor

from . import _foreach


class _RequiredParameter:
    """Marks a default that every param group must set itself (as `torch.optim.optimizer.required`)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


def check_hparam(value: Any, label: str, lo: float = 0.0, hi: float = math.inf, hi_open: bool = False) -> None:
    """Raise unless `value` is a finite real number in [lo, hi] (or [lo, hi) when `hi_open`).

    The message starts with PyTorch's wording: "Invalid learning rate: -0.1".
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid {label}: expected a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    upper = v < hi if hi_open else v <= hi
    if not (math.isfinite(v) and lo <= v and upper):
        rng = f"in [{lo:g}, {hi:g}{')' if hi_open else ']'}" if math.isfinite(hi) else f">= {lo:g}"
        raise ValueError(f"Invalid {label}: {value} (must be a finite number {rng})")


def check_betas(betas: Any) -> None:
    """Raise unless `betas` is a pair of numbers each in [0, 1) (PyTorch's wording, as the Adam family checks)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: expected a pair (beta1, beta2), got {betas!r}")
    check_hparam(betas[0], "beta parameter at index 0", hi=1.0, hi_open=True)
    check_hparam(betas[1], "beta parameter at index 1", hi=1.0, hi_open=True)


def check_adam_family(hp: dict[str, Any]) -> None:
    """The checks every Adam-like optimizer makes: lr, eps, betas and weight_decay (PyTorch's wording)."""
    check_hparam(hp["lr"], "learning rate")
    check_hparam(hp["eps"], "epsilon value")
    check_betas(hp["betas"])
    check_hparam(hp["weight_decay"], "weight_decay value")


def scalar_dtype() -> np.dtype:
    """The dtype of 0-d state kept beside the arrays (NAdam's `mu_product`), as torch's `_get_scalar_dtype`:
    float64 when the default dtype is float64, else float32 (so the update rounds as PyTorch's does)."""
    return np.dtype(np.float64) if ad.get_default_dtype() == np.float64 else np.dtype(np.float32)


def check_unsupported(hp: dict[str, Any], *flags: str) -> None:
    """PyTorch's device/compiler flags are accepted for compatibility, but only in their off position."""
    for name in flags:
        if hp.get(name):
            raise ValueError(f"{name}={hp[name]!r} is not supported: this optimizer runs on NumPy arrays "
                             f"(leave {name} at its default)")


def _typename(x: Any) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _load_scalar(sid: Any, key: str, value: Any) -> np.ndarray:
    """A saved 0-d state entry as a fresh 0-d array: a float array keeps its dtype (so a resumed run rounds
    as the saved one did), a Python number becomes `scalar_dtype()`."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)):
        raise ValueError(f"loaded state of parameter {sid!r}: {key!r} must be a real number or a 0-d array, "
                         f"got {_typename(value)}")
    arr = np.asarray(value)
    if arr.shape != ():
        raise ValueError(f"loaded state of parameter {sid!r}: {key!r} must be 0-d, got shape {arr.shape}")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"loaded state of parameter {sid!r}: {key!r} has non-numeric dtype {arr.dtype}")
    keep = isinstance(value, (np.ndarray, np.generic)) and arr.dtype.kind == "f"
    return np.array(arr, dtype=arr.dtype if keep else scalar_dtype())


def _copy_value(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else copy.deepcopy(v)


class Optimizer:
    """Base class for all optimizers.

    Args:
        params: an iterable of Tensors (or of `(name, Tensor)` pairs), or of dicts each holding a
            `"params"` entry plus the hyperparameters that group overrides, e.g.
            `[{"params": layer1_params, "lr": 0.1}, {"params": layer2_params}]`.
        defaults: the hyperparameters of groups that do not set their own.
    """

    #: per-parameter state entries that are 0-d arrays rather than arrays of the parameter's shape
    #: (e.g. NAdam's `mu_product`); `load_state_dict` checks and keeps them as such.
    _scalar_state_keys: frozenset[str] = frozenset()

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self._validate(defaults)  # (the hyperparameters first, as PyTorch: a bad lr is named before bad params)
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch = _foreach.ScratchPool()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}") from None
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------------------------ groups
    def _validate(self, hp: dict[str, Any]) -> None:
        """Check one set of hyperparameters (the defaults, or a whole group); subclasses override."""

    def _init_group_state(self, group: dict[str, Any]) -> None:
        """Create state eagerly for a new group (Adagrad does); most optimizers create it lazily."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones come from the defaults).

        Rejects, changing nothing: a non-dict, a set of params, anything that is not a leaf Tensor
        requiring grad, a parameter listed twice, or one already in another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (the tensors it optimizes)")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            try:
                params = list(params)
            except TypeError:
                raise TypeError(f"param_group['params'] must be a Tensor or an iterable of Tensors, "
                                f"but got {_typename(params)}") from None
        names, tensors = [], []
        for item in params:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                names.append(item[0])
                tensors.append(item[1])
            else:
                tensors.append(item)
        if names and len(names) != len(tensors):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for i, p in enumerate(tensors):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)} "
                                f"(param {i} of the group)")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (param {i} of the group, shape {p.shape}, "
                                 f"made by {p.grad_fn.name!r})")
        if len({id(p) for p in tensors}) != len(tensors):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        group: dict[str, Any] = {"params": tensors}
        group.update((k, v) for k, v in param_group.items() if k != "params")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            group.setdefault(name, default)
        if names:
            group["param_names"] = names
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in group) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names. cannot add param group "
                             f"{'with' if names else 'without'} names to the optimizer")
        try:
            self._validate(group)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{e} (in param group {len(self.param_groups)})") from None
        self.param_groups.append(group)
        self._init_group_state(group)

    # ------------------------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (the default), or to a fresh array of zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:  # a new array: the old one may be shared with other tensors or be read-only
                    p.grad = Tensor._wrap(np.zeros(p.shape, dtype=p.dtype))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once from their `.grad`; returns `closure()`'s loss if given."""
        raise NotImplementedError

    def _eval_closure(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with ad.enable_grad():
            return closure()

    def _gradients(self) -> list[tuple[dict[str, Any], list[tuple[Tensor, np.ndarray, np.ndarray]]]]:
        """Per group, `(param, param array, gradient array)` for every param with a `.grad`.

        Checks every gradient before anything is updated (so a bad one changes nothing). The gradient
        array is read only: it is cast to the parameter's dtype, made contiguous, and copied if it
        shares memory with the parameter.
        """
        out = []
        for gi, group in enumerate(self.param_groups):
            items = []
            for pi, p in enumerate(group["params"]):
                grad = p.grad
                if grad is None:
                    continue
                g = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
                arr = p.data
                if g.shape != arr.shape:
                    raise ValueError(f"{type(self).__name__}.step: the gradient of param {pi} in group {gi} has "
                                     f"shape {g.shape} but the parameter has shape {arr.shape}")
                if not arr.flags.writeable:
                    raise ValueError(f"{type(self).__name__}.step: param {pi} in group {gi} (shape {arr.shape}) "
                                     "is backed by a read-only array and cannot be updated in place")
                if g.dtype != arr.dtype:
                    g = g.astype(arr.dtype)
                elif np.may_share_memory(g, arr):
                    g = g.copy()
                if not g.flags.c_contiguous:
                    g = np.ascontiguousarray(g)
                items.append((p, arr, g))
            out.append((group, items))
        return out

    def _next_step(self, p: Tensor, arr: np.ndarray, *moments: str) -> dict[str, Any]:
        """p's state, its `step` counted up by one; on p's first step (an empty state) `step` starts at 0 and
        each name in `moments` gets a zero array of p's shape and dtype, in that order (PyTorch's layout)."""
        state = self.state[p]
        if not state:
            state["step"] = 0.0
            for name in moments:
                state[name] = np.zeros(arr.shape, dtype=arr.dtype)
        state["step"] += 1
        return state

    def _run(self, p: Tensor, kernel: Callable[..., None], arrays: list[np.ndarray], n_scratch: int) -> None:
        """Run the update `kernel` over `arrays` (p's array first) in chunks, then count p as changed in place."""
        _foreach.apply(kernel, arrays, n_scratch, self._scratch)
        p._bump_version()

    # ------------------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as `{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`.

        As PyTorch: parameters are numbered in order across the groups; the parameters themselves are
        not saved. Unlike PyTorch the state arrays are copies, so the dict is a snapshot that later
        steps do not change.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = {k: _copy_value(v) for k, v in st.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a `state_dict()` (hyperparameters and per-parameter state, copied) into this optimizer.

        The saved groups must match this optimizer's in number and size; every state array must have its
        parameter's shape (it is cast to the parameter's dtype), except the 0-d entries named in
        `_scalar_state_keys`, which keep their floating dtype. On any mismatch it raises ValueError and
        changes nothing.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {_typename(state_dict)}")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise ValueError(f"loaded state dict has no {key!r} entry")
        saved_groups = state_dict["param_groups"]
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} saved, {len(groups)} in this optimizer)")
        for i, (g, sg) in enumerate(zip(groups, saved_groups, strict=True)):
            if not isinstance(sg, dict) or "params" not in sg:
                raise ValueError(f"loaded param group {i} is not a dict with a 'params' entry")
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group (group {i}: {len(sg['params'])} saved, {len(g['params'])} here)")
        id_map = {}
        new_groups = []
        for i, (g, sg) in enumerate(zip(groups, saved_groups, strict=True)):
            for sid, p in zip(sg["params"], g["params"], strict=True):
                if sid in id_map:
                    raise ValueError(f"loaded state dict lists parameter {sid!r} twice")
                id_map[sid] = p
            # flags PyTorch added over versions (bool/None options) take this optimizer's defaults when an
            # older checkpoint lacks them; a missing numeric hyperparameter means a different optimizer
            missing = [k for k, v in self.defaults.items() if k not in sg and not (v is None or isinstance(v, bool))]
            if missing:
                raise ValueError(f"loaded param group {i} lacks {missing}: is the state dict from a different "
                                 f"optimizer than {type(self).__name__}?")
            ng: dict[str, Any] = {"params": g["params"]}
            ng.update((k, copy.deepcopy(v)) for k, v in sg.items() if k != "params")
            for k, v in self.defaults.items():
                ng.setdefault(k, v)
            if "param_names" in g and "param_names" not in sg:
                ng["param_names"] = list(g["param_names"])
            try:
                self._validate(ng)
            except (TypeError, ValueError) as e:
                raise ValueError(f"loaded param group {i}: {e}") from None
            new_groups.append(ng)
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for sid, st in state_dict["state"].items():
            if sid not in id_map:
                raise ValueError(f"loaded state dict has state for parameter {sid!r}, which is in none of its "
                                 "parameter groups")
            if not isinstance(st, dict):
                raise ValueError(f"loaded state of parameter {sid!r} is not a dict")
            p = id_map[sid]
            new_state[p] = {k: self._load_value(sid, p, k, v) for k, v in st.items()}
        self.param_groups[:] = new_groups
        self.state = new_state

    def _load_value(self, sid: Any, p: Tensor, key: str, value: Any) -> Any:
        """A copy of one saved state entry: `step` as a float, arrays checked against the parameter."""
        if isinstance(value, Tensor):
            value = np.asarray(value._data)
        if key == "step":
            try:
                return float(value)
            except (TypeError, ValueError):
                raise ValueError(f"loaded state of parameter {sid!r}: 'step' must be a number, "
                                 f"got {_typename(value)}") from None
        if key in self._scalar_state_keys:
            return _load_scalar(sid, key, value)
        if isinstance(value, (np.ndarray, np.generic)):
            arr = np.asarray(value)
            if arr.shape != p.shape:
                raise ValueError(f"loaded state of parameter {sid!r}: {key!r} has shape {arr.shape} but the "
                                 f"parameter has shape {p.shape}")
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"loaded state of parameter {sid!r}: {key!r} has non-numeric dtype {arr.dtype}")
            return np.array(arr, dtype=p.dtype if p.dtype.kind == "f" else arr.dtype, order="C", copy=True)
        return copy.deepcopy(value)

    # -------------------------------------------------------------------------------- printing
    def __repr__(self) -> str:
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"
