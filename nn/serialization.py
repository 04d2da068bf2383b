"""`nn.save` / `nn.load`: checkpoints as NumPy `.npz` files that never execute code when loaded.

Layout: every array (ndarray, Tensor, NumPy scalar) is one member named ``a0``, ``a1``, ...;
the nesting (dicts with any str/int/float/bool/None/tuple keys, lists, tuples, Python numbers,
strings) is a JSON document in the member ``__nn_checkpoint__``. Member names are generated,
never built from user keys, so no key can collide with another or with the JSON member.

Loading uses ``np.load(allow_pickle=False)``: a member holding Python objects (a pickle) is
refused with `CheckpointError` before anything is unpickled. Saving writes a temporary file in
the target's directory, fsyncs it and renames it over the target (`os.replace`, atomic), so an
interrupted save leaves the previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from typing import Any

import numpy as np

from autodiff import Tensor, from_numpy

META = "__nn_checkpoint__"
FORMAT = "autodiff.nn checkpoint"
VERSION = 1
_ARRAY_KINDS = "biufcUS"  # numbers, bools, fixed-width strings: nothing that needs pickle


class CheckpointError(ValueError):
    """A file is not a checkpoint this library can load safely (pickled objects, bad structure)."""


# ------------------------------------------------------------------------------------------- save
def _path_str(path: list) -> str:
    return "obj" + "".join(f"[{k!r}]" for k in path)


def _encode_key(key, path: list) -> dict:
    if isinstance(key, np.generic) and key.dtype.kind in "biuf":
        key = key.item()
    if isinstance(key, tuple):
        return {"tuple": [_encode_key(k, path) for k in key]}
    if key is None or isinstance(key, (str, bool, int, float)):
        return _encode(key, {}, path)
    raise TypeError(f"nn.save: dict key {key!r} at {_path_str(path)} has type {type(key).__name__}; "
                    f"keys must be str, int, float, bool, None or tuples of those")


def _encode(obj: Any, arrays: dict, path: list) -> dict:
    """A JSON-able description of `obj`; arrays go into `arrays` under generated names."""
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        arr = np.asarray(obj._data if isinstance(obj, Tensor) else obj)
        if arr.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"nn.save: array at {_path_str(path)} has dtype {arr.dtype}, which would need pickle; "
                            f"only numeric, bool and string arrays can be saved")
        name = f"a{len(arrays)}"
        arrays[name] = arr
        if isinstance(obj, Tensor):
            return {"tensor": name, "requires_grad": bool(obj.requires_grad)}
        return {"ndarray" if isinstance(obj, np.ndarray) else "scalar": name}
    if obj is None:
        return {"none": None}
    if isinstance(obj, bool):
        return {"bool": obj}
    if isinstance(obj, int):
        return {"int": obj}
    if isinstance(obj, float):
        return {"float": obj.hex()}
    if isinstance(obj, str):
        return {"str": obj}
    if isinstance(obj, dict):
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {kind: [[_encode_key(k, path + [k]), _encode(v, arrays, path + [k])] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, arrays, path + [i]) for i, v in enumerate(obj)]
        return {"list" if isinstance(obj, list) else "tuple": items}
    hint = "; save module.state_dict() instead" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"nn.save: cannot save an object of type {type(obj).__name__} at {_path_str(path)}{hint} "
                    f"(supported: dicts, lists, tuples, arrays, Tensors, numbers, strings, None)")


def _new_file_mode(path: str) -> int:
    """The permission bits the file would get if written directly (kept from an existing target)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save(obj: Any, f) -> None:
    """Save nested dicts/lists of arrays, Tensors and numbers (e.g. a state_dict) as an `.npz` file.

    `f` is a path (written atomically: temp file in the same directory, then `os.replace`) or a
    binary file object. The file is written exactly at `f` (no `.npz` suffix is added).
    """
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, arrays, [])
    doc = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=False)
    arrays[META] = np.frombuffer(doc.encode("utf-8"), dtype=np.uint8)
    if not isinstance(f, (str, bytes, os.PathLike)):
        np.savez(f, **arrays)
        return
    path = os.fspath(f)
    path = path.decode() if isinstance(path, bytes) else path
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# ------------------------------------------------------------------------------------------- load
def _read_member(z, name: str, where: str) -> np.ndarray:
    try:
        return z[name]
    except ValueError as e:
        if "pickle" in str(e).lower() or "object arrays" in str(e).lower():
            raise CheckpointError(f"nn.load: {where}: member {name!r} holds pickled Python objects; refusing to "
                                  f"load it (checkpoints never execute code when loaded)") from None
        raise CheckpointError(f"nn.load: {where}: member {name!r} could not be read: {e}") from None


class _Decoder:
    def __init__(self, z, where: str) -> None:
        self.z = z
        self.where = where
        self.members = set(z.files)

    def fail(self, msg: str, path: list):
        raise CheckpointError(f"nn.load: {self.where}: {msg} at {_path_str(path)}")

    def array(self, name, path: list) -> np.ndarray:
        if not isinstance(name, str) or name == META or name not in self.members:
            self.fail(f"reference to missing array member {name!r}", path)
        arr = _read_member(self.z, name, self.where)
        if arr.dtype.kind not in _ARRAY_KINDS:
            self.fail(f"array member {name!r} has unsupported dtype {arr.dtype}", path)
        return arr

    def key(self, node, path: list):
        if isinstance(node, dict) and set(node) == {"tuple"} and isinstance(node["tuple"], list):
            return tuple(self.key(k, path) for k in node["tuple"])
        k = self.decode(node, path)
        if k is not None and not isinstance(k, (str, bool, int, float)):
            self.fail("invalid dict key", path)
        return k

    def decode(self, node, path: list):
        if not isinstance(node, dict) or not node:
            self.fail(f"malformed entry {node!r:.80}", path)
        kind = next(iter(node))
        value = node[kind]
        extra = set(node) - {kind, "requires_grad"}
        if extra or (kind != "tensor" and len(node) != 1):
            self.fail(f"malformed entry with fields {sorted(node)}", path)
        if kind == "none" and value is None:
            return None
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "float" and isinstance(value, str):
            try:
                return float.fromhex(value)
            except ValueError:
                self.fail(f"invalid float {value!r}", path)
        if kind == "str" and isinstance(value, str):
            return value
        if kind == "tensor":
            arr = self.array(value, path)
            if arr.dtype.kind not in "biuf":
                self.fail(f"tensor member {value!r} has non-numeric dtype {arr.dtype}", path)
            t = from_numpy(arr)
            if node.get("requires_grad") is True and arr.dtype.kind == "f":
                t.requires_grad_(True)
            return t
        if kind == "ndarray":
            return self.array(value, path)
        if kind == "scalar":
            arr = self.array(value, path)
            if arr.ndim != 0:
                self.fail(f"scalar member {value!r} has shape {arr.shape}", path)
            return arr[()]
        if kind in ("dict", "odict") and isinstance(value, list):
            out = OrderedDict() if kind == "odict" else {}
            for item in value:
                if not isinstance(item, list) or len(item) != 2:
                    self.fail("malformed dict item", path)
                k = self.key(item[0], path)
                out[k] = self.decode(item[1], path + [k])
            return out
        if kind in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(v, path + [i]) for i, v in enumerate(value)]
            return items if kind == "list" else tuple(items)
        self.fail(f"unknown or malformed entry kind {kind!r}", path)


def load(f) -> Any:
    """Load what `save` wrote, with `np.load(allow_pickle=False)`: a pickle-bearing file raises `CheckpointError`.

    A plain `.npz` without the structure member loads as a dict of member name -> ndarray.
    """
    where = os.fspath(f) if isinstance(f, (str, bytes, os.PathLike)) else "file object"
    try:
        z = np.load(f, allow_pickle=False)
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise CheckpointError(f"nn.load: {where} is a pickle, not an .npz checkpoint; refusing to load it "
                                  f"(checkpoints never execute code when loaded)") from None
        raise CheckpointError(f"nn.load: {where} is not a valid .npz checkpoint: {e}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise CheckpointError(f"nn.load: {where} is a single .npy array, not an .npz checkpoint")
    with z:
        if META not in z.files:
            return {name: _read_member(z, name, where) for name in z.files}
        raw = _read_member(z, META, where)
        try:
            doc = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"nn.load: {where}: the structure member is not valid JSON ({e})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or "root" not in doc:
            raise CheckpointError(f"nn.load: {where}: the structure member is not an {FORMAT!r} document")
        if doc.get("version") != VERSION:
            raise CheckpointError(f"nn.load: {where}: checkpoint format version {doc.get('version')!r} is not "
                                  f"supported (expected {VERSION})")
        return _Decoder(z, where).decode(doc["root"], [])
