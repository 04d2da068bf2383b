"""Devices, for PyTorch scripts that name one: autodiff computes with NumPy, on the CPU only.

`ad.device("cpu")`, `x.to("cpu")`, `x.cpu()` and `device=` arguments are accepted so that a script
ports unchanged; any other device is refused with an error that says so. `ad.cuda.is_available()` is
False, so `ad.device("cuda" if ad.cuda.is_available() else "cpu")` picks the CPU.
"""
from __future__ import annotations

import types

import numpy as np

_KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia", "vulkan", "privateuseone")


class device:  # noqa: N801  (torch.device's name)
    """A device name as PyTorch parses it (`"cpu"`, `"cuda:1"`, `device("cuda", 0)`); only "cpu" computes."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index  # noqa: A001
        if not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if name not in _KNOWN:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN)} device type at start of device string: {type}")
        if idx:
            if index is not None or not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must be a non-negative integer, got {index!r}")
        self.type = name
        self.index = index

    def __eq__(self, other) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = device("cpu")


def is_device(obj) -> bool:
    """Whether `obj` names a device (a `device`, or a string such as "cpu" or "cuda:0")."""
    if isinstance(obj, device):
        return True
    return isinstance(obj, str) and obj.partition(":")[0] in _KNOWN


def check_device(dev, where: str) -> device:
    """`dev` as a device, if it is the CPU (None counts as the CPU); otherwise a RuntimeError naming `where`."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(f"{where}: autodiff computes with NumPy on the CPU only; device '{d}' is not available "
                           f"(ad.cuda.is_available() is False)")
    return d


cuda = types.SimpleNamespace(
    is_available=lambda: False,
    device_count=lambda: 0,
    manual_seed=lambda seed: None,
    manual_seed_all=lambda seed: None,
)
cuda.__doc__ = "torch.cuda's queries, answered for a machine without a GPU (is_available() is False)."


def _is_dtype(obj) -> bool:
    if obj is None or isinstance(obj, (bool, str, device)):  # (a string names a device, as in torch)
        return False
    try:
        np.dtype(obj)
    except TypeError:
        return False
    return True


def parse_to(args: tuple, kwargs: dict, where: str, copy: bool = True) -> tuple:
    """(device, dtype, copy) from PyTorch's `.to` call forms, shared by Tensor.to and Module.to:
    `to(dtype)`, `to(device, dtype=None)`, `to(tensor)` (its dtype), then `non_blocking` (and, where `copy`
    is allowed, `copy`) positionally or by keyword; `memory_format=` is accepted and ignored. An int device
    names a CUDA device, as in torch. The device is returned unchecked (see check_device)."""
    allowed = ("device", "dtype", "non_blocking", "memory_format") + (("copy",) if copy else ())
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")
    dev, dtype, want_copy = kwargs.get("device"), kwargs.get("dtype"), bool(kwargs.get("copy", False))
    rest = list(args)
    if rest:
        first = rest.pop(0)
        if hasattr(first, "_data") and hasattr(first, "grad_fn"):  # a Tensor: its dtype
            dtype = first.dtype
        elif _is_dtype(first):
            dtype = first
        elif first is None or isinstance(first, (device, str, int)):  # (bool went to the dtype test above)
            dev = first  # (a string that names no device: check_device says so, in torch's words)
            if rest and _is_dtype(rest[0]):
                dtype = rest.pop(0)
        else:
            raise TypeError(f"{where}() received an invalid combination of arguments: expected a dtype, a device "
                            f"or a Tensor first, got {first!r}")
    if len(rest) > (2 if copy else 1) or not all(isinstance(a, bool) for a in rest):
        raise TypeError(f"{where}() received an invalid combination of arguments {args!r}: expected (dtype), "
                        f"(device, dtype=None) or (tensor), then non_blocking" + (" and copy" if copy else ""))
    if len(rest) == 2:
        want_copy = rest[1]
    if isinstance(dev, int) and not isinstance(dev, bool):
        dev = device("cuda", dev)
    if dtype is not None and not _is_dtype(dtype):
        raise TypeError(f"{where}(): dtype must be a data type, got {dtype!r}")
    return dev, dtype, want_copy
