"""nn.save / nn.load: bit-exact round trips, refusing pickles without running them, atomic saves."""
from __future__ import annotations

import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autodiff as ad
import nn


def _model():
    ad.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_state_dict_round_trip_is_bit_exact(tmp_path):
    model = _model()
    model(ad.randn(5, 3))  # moves BatchNorm's running statistics
    path = tmp_path / "model.ckpt"
    nn.save(model.state_dict(), path)
    loaded = nn.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert isinstance(loaded[key], ad.Tensor)
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        assert loaded[key].data.tobytes() == value.data.tobytes(), key
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    other.load_state_dict(loaded)
    x = ad.randn(2, 3)
    model.eval()
    other.eval()
    assert model(x).data.tobytes() == other(x).data.tobytes()


def test_nested_structures_numbers_and_dtypes_round_trip(tmp_path):
    obj = {
        "state": {0: {"momentum": np.arange(6, dtype=np.float32).reshape(2, 3)}, 1: {}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False, "name": None}],
        "floats": [float("inf"), -0.0, 1e-310, float("nan"), 1 / 3],
        "ints": [2 ** 70, -5], "text": "a.b/c\u00e9", (1, "x"): "tuple key",
        "arrays": [np.array([1, 2], dtype=np.int8), np.array(True), np.float16(1.5), np.complex128(1 + 2j),
                   np.array(["ab", "c"]), np.zeros((0, 3))],
        "a.b": 1, "a": {"b": 2},  # keys that would collide if flattened with '.'
    }
    path = tmp_path / "nested.npz"
    nn.save(obj, path)
    got = nn.load(path)
    assert got["state"][0]["momentum"].dtype == np.float32
    np.testing.assert_array_equal(got["state"][0]["momentum"], obj["state"][0]["momentum"])
    assert got["param_groups"] == obj["param_groups"] and isinstance(got["param_groups"][0]["betas"], tuple)
    assert got["floats"][:3] == [float("inf"), -0.0, 1e-310] and np.isnan(got["floats"][3])
    assert got["floats"][4] == 1 / 3 and str(got["floats"][1]) == "-0.0"
    assert got["ints"] == [2 ** 70, -5] and got["text"] == obj["text"] and got[(1, "x")] == "tuple key"
    assert got["a.b"] == 1 and got["a"] == {"b": 2}
    for a, b in zip(got["arrays"], obj["arrays"], strict=False):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)
    assert isinstance(got["arrays"][2], np.float16)


class _CreatesFile:
    """Unpickling this object would create a file (a stand-in for arbitrary code execution)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_crafted_pickle_in_npz_is_refused_without_executing_anything(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = _CreatesFile(str(marker))
    path = tmp_path / "evil.npz"
    np.savez(path, weights=evil)  # numpy pickles object arrays
    with pytest.raises(nn.CheckpointError, match="pickled Python objects"):
        nn.load(path)
    assert not marker.exists()
    # the same object referenced from a well-formed structure member is refused too
    nn.save({"w": np.zeros(2)}, tmp_path / "good.npz")
    with zipfile.ZipFile(tmp_path / "good.npz") as z:
        meta = z.read("__nn_checkpoint__.npy")
    with zipfile.ZipFile(tmp_path / "mixed.npz", "w") as z:
        z.writestr("__nn_checkpoint__.npy", meta)
        with z.open("a0.npy", "w") as f:
            np.lib.format.write_array(f, evil, allow_pickle=True)
    with pytest.raises(nn.CheckpointError, match="pickled"):
        nn.load(tmp_path / "mixed.npz")
    assert not marker.exists()


def test_a_plain_pickle_file_is_refused_without_executing_anything(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    with open(path, "wb") as f:
        pickle.dump({"w": _CreatesFile(str(marker))}, f)
    with pytest.raises(nn.CheckpointError, match="pickle"):
        nn.load(path)
    assert not marker.exists()


def test_malformed_structure_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, __nn_checkpoint__=np.frombuffer(b'{"format": "autodiff.nn checkpoint", "version": 1, '
                                                     b'"root": {"tensor": "a7"}}', dtype=np.uint8))
    with pytest.raises(nn.CheckpointError, match="missing array member 'a7'"):
        nn.load(path)


def test_interrupted_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.ckpt"
    nn.save({"w": np.arange(3.0)}, path)
    good = path.read_bytes()
    real_open = zipfile.ZipFile.open
    opened = []

    def open_then_crash(self, name, mode="r", *args, **kwargs):
        if mode == "w":  # np.savez writes each member through ZipFile.open: die during the second one
            opened.append(name)
            if len(opened) == 2:
                raise KeyboardInterrupt("power cut")
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_then_crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"w": np.zeros(1000), "v": np.ones(5)}, path)
    monkeypatch.undo()
    assert len(opened) == 2  # the new file was half written when the save died
    assert path.read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt"]  # no temporary file left behind
    np.testing.assert_array_equal(nn.load(path)["w"], np.arange(3.0))


def test_save_refuses_objects_that_would_need_pickle():
    with pytest.raises(TypeError, match=r"state_dict\(\) instead"):
        nn.save(nn.Linear(1, 1), "unused.npz")
    with pytest.raises(TypeError, match=r"obj\['x'\]"):
        nn.save({"x": object()}, "unused.npz")
    with pytest.raises(TypeError, match="pickle"):
        nn.save({"x": np.array([None])}, "unused.npz")
    assert not os.path.exists("unused.npz")


def test_plain_npz_loads_as_a_dict_of_arrays(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(2), b=np.arange(3))
    got = nn.load(tmp_path / "plain.npz")
    assert set(got) == {"a", "b"}
    np.testing.assert_array_equal(got["b"], np.arange(3))
