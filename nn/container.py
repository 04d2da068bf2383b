"""Containers: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList`, `ParameterDict` (as in `torch.nn`)."""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from autodiff import Tensor

from .module import Module, _addindent
from .parameter import Parameter


def _index(idx: int, n: int, what: str, items: str = "modules") -> int:
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{what}: index {idx} is out of range for {n} {items}")
    return idx % n


class Sequential(Module):
    """Modules applied in order: `Sequential(Linear(2, 16), ReLU(), Linear(16, 1))` or from an OrderedDict."""

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for k, m in enumerate(args):
                self.add_module(str(k), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self._modules), "Sequential")]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, idx) -> None:
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys), "Sequential")]]):
            del self._modules[key]
        if all(k.isdigit() for k in self._modules):  # keep 0..n-1 numbering, as PyTorch
            items = list(self._modules.values())
            self._modules.clear()
            for k, m in enumerate(items):
                self._modules[str(k)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert `module` before position `index` (-len <= index <= len); the keys are renumbered 0..n."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: {type(module).__name__} is not a Module subclass")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} modules")
        items = list(self._modules.values())
        items.insert(index, module)  # (a negative index counts from the end, as PyTorch's index + n)
        self._modules.clear()
        for k, m in enumerate(items):
            self.add_module(str(k), m)
        return self

    def pop(self, key: int | slice) -> Module:
        v = self[key]
        del self[key]
        return v

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return self.extend(list(other))


class ModuleList(Module):
    """A list of modules, registered so their parameters are found (no forward of its own)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self._modules), "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(idx, len(self._modules), "ModuleList")), module)

    def __delitem__(self, idx) -> None:
        items = list(self._modules.values())
        del items[idx]
        self._modules.clear()
        for k, m in enumerate(items):
            self.add_module(str(k), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        for k, m in enumerate(items):
            self.add_module(str(k), m)

    def pop(self, key: int | slice) -> Module:
        v = self[key]
        del self[key]
        return v

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def __repr__(self) -> str:
        """As PyTorch: runs of modules with the same repr are shown once, as `(i-j): n x Module(...)`."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return f"{type(self).__name__}()"
        runs: list[list] = []  # [start, end, repr]
        for k, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = k
            else:
                runs.append([k, k, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2) for a, b, r in runs]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward; iterate over it and call its modules")


class ModuleDict(Module):
    """A dict of modules by name, registered so their parameters are found."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules: Mapping[str, Module]) -> None:
        for k, m in (modules.items() if isinstance(modules, Mapping) else modules):
            self.add_module(k, m)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward; index it and call its modules")


def _as_parameter(value: Any, what: str) -> Parameter:
    """A Parameter as is; a Tensor or NumPy array wrapped as one (sharing its data), as PyTorch's containers do."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Tensor, np.ndarray)):
        return Parameter(value)
    raise TypeError(f"{what}: cannot store a '{type(value).__name__}' (a Parameter, Tensor or NumPy array expected)")


def _parameter_lines(items: Iterable[tuple[str, Parameter]]) -> str:
    """PyTorch's container extra_repr: one `(key): Parameter containing: [dtype of size AxB]` line per entry."""
    return "\n".join(f"  ({k}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                     for k, p in items)


class ParameterList(Module):
    """A list of Parameters registered under "0", "1", ... so `parameters()`, `state_dict()` etc. find them.

    Tensors and arrays stored in it are wrapped as Parameters (sharing their data), as PyTorch does.
    """

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(*idx.indices(len(self)))])
        return self._parameters[str(_index(idx, len(self), "ParameterList", "parameters"))]

    def __setitem__(self, idx: int, param: Any) -> None:
        key = str(_index(idx, len(self), "ParameterList", "parameters"))
        self.register_parameter(key, _as_parameter(param, "ParameterList"))  # an existing key keeps its place

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter([self._parameters[str(i)] for i in range(len(self))])

    def __iadd__(self, values: Iterable) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable) -> ParameterList:
        if isinstance(values, (Tensor, np.ndarray)) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}")
        for p in [_as_parameter(v, "ParameterList") for v in values]:  # all checked first, then stored
            self.append(p)
        return self

    def extra_repr(self) -> str:
        return _parameter_lines((str(k), p) for k, p in enumerate(self))

    def forward(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called; index it or iterate over it")


class ParameterDict(Module):
    """An ordered dict of Parameters by (string) name, registered so `parameters()`, `state_dict()` etc. find them.

    Tensors and arrays stored in it are wrapped as Parameters. As PyTorch, `update` (and the
    constructor) with a plain dict inserts its keys sorted; an OrderedDict, a ParameterDict or a
    sequence of pairs keeps its order.
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def _entry(self, key: str, value: Any) -> tuple[str, Parameter]:
        """(key, value as a Parameter), or the error storing it would raise."""
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__} {key!r}")
        self._check_name(key, "parameter")
        if key in self.__dict__:  # e.g. "training": the Module's own state, not a free name
            raise KeyError(f"ParameterDict: key {key!r} is the name of one of the module's own attributes")
        return key, _as_parameter(value, f"ParameterDict[{key!r}]")

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(*self._entry(key, value))  # an existing key keeps its place

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        return self._parameters.pop(key)

    def clear(self) -> None:
        self._parameters.clear()

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries (a replaced key keeps its place); every value is checked before any is stored."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        elif isinstance(parameters, Iterable) and not isinstance(parameters, (str, Tensor, np.ndarray)):
            pairs = [tuple(p) for p in parameters]
            for j, p in enumerate(pairs):
                if len(p) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} has length {len(p)}; "
                                     f"2 is required")
        else:
            raise TypeError(f"ParameterDict.update should be called with a mapping or an iterable of key/value "
                            f"pairs, but got {type(parameters).__name__}")
        staged = [self._entry(k, v) for k, v in pairs]  # all checked first: a bad entry leaves the dict unchanged
        for k, p in staged:
            self.register_parameter(k, p)

    def extra_repr(self) -> str:
        return _parameter_lines(self.items())

    def forward(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called; index it by key")
