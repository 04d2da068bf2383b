"""`Module`: the base class of every layer (as `torch.nn.Module`).

Assigning a `Parameter`, a `Module` or (for a name registered with `register_buffer`) a Tensor to
an attribute registers it, so `parameters()`, `state_dict()`, `train()`/`eval()` and `zero_grad()`
reach every nested layer without any bookkeeping in user code.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.device import check_device, parse_to
from autodiff.device import device as Device

from .parameter import Parameter

_hook_ids = itertools.count()

# bumped by every change to any module's parameters or children (see _Registry); a module's cached
# parameter list is current while the count it was made at is
_structure = [0]


class _Registry(OrderedDict):
    """A module's parameters or children: each change bumps the structure count (after the change, so a walk
    that read the count before it cannot cache what it saw as current)."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        _structure[0] += 1

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        _structure[0] += 1

    def pop(self, *args):
        out = super().pop(*args)
        _structure[0] += 1
        return out

    def popitem(self, last: bool = True):
        out = super().popitem(last)
        _structure[0] += 1
        return out

    def setdefault(self, key, default=None):
        out = super().setdefault(key, default)
        _structure[0] += 1
        return out

    def update(self, *args, **kwargs) -> None:
        super().update(*args, **kwargs)
        _structure[0] += 1

    def move_to_end(self, key, last: bool = True) -> None:
        super().move_to_end(key, last)
        _structure[0] += 1

    def clear(self) -> None:
        super().clear()
        _structure[0] += 1

    def __ior__(self, other):
        self.update(other)
        return self


class RemovableHandle:
    """Returned by the `register_*_hook` methods; `.remove()` unregisters the hook."""

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = next(_hook_ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict(strict=False)` skipped (as PyTorch's return value)."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _shape(value) -> tuple:
    return tuple(np.shape(value._data if isinstance(value, Tensor) else value))


class Module:
    """Base class for layers and models: subclass it, assign layers/Parameters in `__init__`, define `forward`."""

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = _Registry()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = _Registry()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" function")

    # ------------------------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        for hook in list(self._forward_pre_hooks.values()):
            res = hook(self, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
        state = None
        if self._backward_hooks and ad.is_grad_enabled():
            state = _BackwardHookState(self)
            args = state.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            res = hook(self, args, out)
            if res is not None:
                out = res
        if state is not None:
            out = state.wrap_outputs(out)
        return out

    # ------------------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            if name not in params:  # (a parameter assigned again keeps its place, as in PyTorch)
                self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if d.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            if name not in d["_modules"]:  # (a child assigned again keeps its place, as in PyTorch)
                self._forget(name)
            d["_modules"][name] = value
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(nn.Module or None expected)")
            d["_modules"][name] = None
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Remove `name` from every registry and the instance dict (before re-registering it)."""
        d = self.__dict__
        d.pop(name, None)
        for reg in ("_parameters", "_buffers", "_modules"):
            d[reg].pop(name, None)
        d["_non_persistent_buffers"].discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            r = d.get(reg)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            if name in d[reg]:
                del d[reg][name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def _check_name(self, name: str, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name can't be empty or contain \".\", got {name!r}")
        if hasattr(type(self), name) and name not in self._parameters and name not in self._buffers \
                and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists on {type(self).__name__}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` (or None, a declared but absent parameter) under `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(nn.Parameter or None required)")
        if name in self.__dict__ or name in self._modules or name in self._buffers:
            self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is not learned (running statistics): saved in state_dict unless not persistent."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(Tensor or None required)")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a child module under `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path `target` ('' is self)."""
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no submodule `{part}` (looking up '{target}')")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    # -------------------------------------------------------------------------------- iteration
    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for self and every descendant, depth first; each module once."""
        return iter(self._module_list(memo, prefix, remove_duplicate))

    def _module_list(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
                     ) -> list[tuple[str, Module]]:
        """named_modules as a list, walked with an explicit stack (no generator per level: it runs every step)."""
        memo = set() if memo is None else memo
        out = []
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if id(m) in memo:
                    continue
                memo.add(id(m))
            out.append((name, m))
            children = [(name + "." + k if name else k, c) for k, c in m._modules.items() if c is not None]
            stack.extend(reversed(children))
        return out

    def modules(self) -> Iterator[Module]:
        return iter(self._unique_modules())

    def _unique_modules(self) -> list[Module]:
        """Self and every descendant once, depth first, without names (the per-step fast path)."""
        seen: set = set()
        out = []
        stack = [self]
        while stack:
            m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            out.append(m)
            children = m.__dict__["_modules"]
            if children:
                stack.extend([c for c in reversed(children.values()) if c is not None])
        return out

    def _parameter_list(self) -> list[Parameter]:
        """Every parameter once, in `parameters()` order (kept until a module's parameters or children change).

        Shared with callers that only read it: zero_grad runs it every step.
        """
        cached = self.__dict__.get("_cached_parameters")
        if cached is not None and cached[0] == _structure[0]:
            return cached[1]
        version = _structure[0]
        seen: set = set()
        out = []
        for m in self._unique_modules():
            for p in m.__dict__["_parameters"].values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        self.__dict__["_cached_parameters"] = (version, out)
        return out

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool) -> Iterator:
        seen: set = set()
        out = []
        mods = self._module_list(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, v in m.__dict__[registry].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                out.append((mprefix + "." + name if mprefix else name, v))
        return iter(out)

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter; a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        if recurse:
            return iter(self._parameter_list())
        return iter([p for _, p in self.named_parameters(recurse=False)])

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode on self and every descendant (Dropout and BatchNorm read it)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self._unique_modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (the default, as PyTorch 2) or to zeros in place."""
        for p in self._parameter_list():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad = p.grad.detach()
                p.grad.data[...] = 0

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every submodule (children first) and on self; e.g. `model.apply(init_weights)`."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply_to_tensors(self, fn: Callable[[np.ndarray], np.ndarray]) -> Module:
        for m in self.modules():
            for reg in (m._parameters, m._buffers):
                for t in reg.values():
                    if t is None:
                        continue
                    t._data = fn(np.asarray(t._data))
                    if t.grad is not None:
                        t.grad = Tensor(fn(np.asarray(t.grad._data)))
        return self

    def to(self, *args, **kwargs) -> Module:
        """Cast floating-point parameters and buffers in place, in PyTorch's forms: `to(dtype)`, `to(device)`,
        `to(device, dtype)`, `to(tensor)` (its dtype), keywords `device=`, `dtype=`, `non_blocking=`,
        `memory_format=` (the last two accepted and ignored). There is only the CPU: a CPU device changes
        nothing, any other raises (before anything is cast). Returns self."""
        device, dtype, _ = parse_to(args, kwargs, "Module.to", copy=False)
        check_device(device, "Module.to")
        if dtype is None:
            return self
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dt}")
        return self._apply_to_tensors(lambda a: a.astype(dt) if a.dtype.kind == "f" else a)

    def cpu(self) -> Module:
        """Self: parameters and buffers always live on the CPU."""
        return self

    def cuda(self, device=None) -> Module:
        """Refused: autodiff computes with NumPy on the CPU only (RuntimeError, nothing changed)."""
        check_device("cuda" if device is None else device if isinstance(device, (str, Device)) else f"cuda:{device}",
                     "Module.cuda")
        return self  # (not reached: check_device refuses every CUDA device)

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16 (NumPy computes float16 slowly; for storage)."""
        return self.to(np.float16)

    # ---------------------------------------------------------------------------------- hooks
    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, args)` runs before forward; a non-None return replaces args."""
        h = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[h.id] = hook
        return h

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, args, output)` runs after forward; a non-None return replaces the output."""
        h = RemovableHandle(self._forward_hooks)
        self._forward_hooks[h.id] = hook
        return h

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(module, grad_input, grad_output)` runs once the gradients of the module's inputs are known.

        grad_input / grad_output are tuples with one entry per Tensor argument / output (None
        where there is no gradient). A non-None return replaces grad_input; this is supported when
        one input requires grad (the usual case). Built on tensor hooks around the forward call.
        """
        h = RemovableHandle(self._backward_hooks)
        self._backward_hooks[h.id] = hook
        return h

    # ------------------------------------------------------------------------------ state dict
    def _state_entries(self) -> OrderedDict[str, tuple[str, Module, Tensor]]:
        """key -> (module path, module, tensor) for every parameter and persistent buffer."""
        out: OrderedDict = OrderedDict()
        for path, m in self.named_modules(remove_duplicate=False):
            pre = path + "." if path else ""
            for name, p in m._parameters.items():
                if p is not None:
                    out[pre + name] = (path, m, p)
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent_buffers:
                    out[pre + name] = (path, m, b)
        return out

    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> dict:
        """Every parameter and persistent buffer by dotted name (detached Tensors sharing the data)."""
        dest = OrderedDict() if destination is None else destination
        for key, (_, _, t) in self._state_entries().items():
            dest[prefix + key] = t if keep_vars else t.detach()
        return dest

    def load_state_dict(self, state_dict: Mapping, strict: bool = True) -> _IncompatibleKeys:
        """Copy values into parameters and buffers after checking every key and shape first.

        Raises RuntimeError naming each missing/unexpected key (when strict) and each shape
        mismatch (always), with the layer it belongs to; then nothing has been written.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self._state_entries()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors: list[str] = []
        staged: list[tuple[Tensor, np.ndarray]] = []
        for key, (path, mod, t) in own.items():
            if key not in state_dict:
                continue
            where = f"{type(mod).__name__} at '{path}'" if path else type(mod).__name__
            value = state_dict[key]
            raw = value._data if isinstance(value, Tensor) else value
            try:
                arr = np.asarray(raw)
            except Exception as e:  # noqa: BLE001 - anything unconvertible is reported per key
                errors.append(f"value for {key!r} ({where}) could not be converted to an array: {e}")
                continue
            if arr.dtype.kind not in "biuf":
                errors.append(f"value for {key!r} ({where}) has non-numeric dtype {arr.dtype}")
                continue
            if arr.shape != t.shape:
                errors.append(f"size mismatch for {key!r} ({where}): copying a param with shape {arr.shape} from "
                              f"checkpoint, the shape in current model is {t.shape}.")
                continue
            staged.append((t, np.array(arr, dtype=np.asarray(t._data).dtype, copy=True)))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(
                    f"{k!r} (shape {_shape(state_dict[k])})" for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(
                    f"{k!r} ({_where(own[k])}, shape {own[k][2].shape})" for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with ad.no_grad():
            for t, arr in staged:
                t.copy_(ad.from_numpy(arr))
        return _IncompatibleKeys(missing, unexpected)

    # ---------------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The layer's settings for its repr (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _where(entry) -> str:
    path, mod, _ = entry
    return f"{type(mod).__name__} at '{path}'" if path else type(mod).__name__


class _BackwardHookState:
    """One forward call's bookkeeping for `register_full_backward_hook`.

    Inputs and outputs pass through identity (reshape) nodes whose gradient hooks collect
    grad_output and grad_input; the user hooks run when the last expected input gradient arrives
    (or, when no input requires grad, when the outputs' gradients do).
    """

    def __init__(self, module: Module) -> None:
        self.module = module
        self.n_in = 0
        self.n_out = 0
        self.grad_in: list = []
        self.grad_out: list = []
        self.pending_in = 0
        self.pending_out = 0
        self._in_expected = 0
        self._out_expected = 0

    def _reset(self) -> None:
        self.grad_in = [None] * self.n_in
        self.grad_out = [None] * self.n_out
        self.pending_in = self._in_expected
        self.pending_out = self._out_expected

    def wrap_inputs(self, args: tuple) -> tuple:
        tensors = [k for k, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_in = len(tensors)
        self._in_expected = 0
        out = list(args)
        for slot, k in enumerate(tensors):
            a = args[k]
            if a.requires_grad:
                w = a.reshape(a.shape)
                w.register_hook(self._input_hook(slot))
                out[k] = w
                self._in_expected += 1
        return tuple(out)

    def wrap_outputs(self, out):
        single = isinstance(out, Tensor)
        outs = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
        if outs is None:
            self._reset()
            return out
        self.n_out = sum(isinstance(o, Tensor) for o in outs)
        self._out_expected = 0
        slot = 0
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                continue
            if o.requires_grad:
                w = o.reshape(o.shape)
                w.register_hook(self._output_hook(slot))
                outs[k] = w
                self._out_expected += 1
            slot += 1
        self._reset()
        if single:
            return outs[0]
        return type(out)(outs) if isinstance(out, tuple) else outs

    def _output_hook(self, slot: int):
        def hook(grad):
            self.grad_out[slot] = grad
            self.pending_out -= 1
            if self.pending_out == 0 and self._in_expected == 0:
                self._fire(None, None)
        return hook

    def _input_hook(self, slot: int):
        def hook(grad):
            self.grad_in[slot] = grad
            self.pending_in -= 1
            if self.pending_in == 0:
                return self._fire(slot, grad)
            return None
        return hook

    def _fire(self, last_slot, last_grad):
        grad_in, grad_out = tuple(self.grad_in), tuple(self.grad_out)
        self._reset()
        result = None
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_in, grad_out)
            if res is None:
                continue
            res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
            if len(res) != len(grad_in):
                raise RuntimeError(f"backward hook of {type(self.module).__name__} returned {len(res)} "
                                   f"gradients, expected {len(grad_in)} (one per Tensor input)")
            for k, (new, old) in enumerate(zip(res, grad_in, strict=False)):
                if k != last_slot and new is not old:
                    raise RuntimeError(f"backward hook of {type(self.module).__name__}: replacing grad_input is "
                                       f"supported only for a module with one input that requires grad")
            grad_in = res
            result = res[last_slot] if last_slot is not None else None
        return result
