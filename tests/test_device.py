"""ad.device and ad.cuda: device names parse as PyTorch parses them; only the CPU computes."""
from __future__ import annotations

import pytest

import autodiff as ad
from autodiff.device import check_device, is_device

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["cpu", "cpu:0", "cuda", "cuda:1", "mps", "meta"])
def test_device_strings_parse_as_torch(name):
    ours, theirs = ad.device(name), torch.device(name)
    assert (ours.type, ours.index, str(ours), repr(ours)) == (theirs.type, theirs.index, str(theirs), repr(theirs))
    assert ours == ad.device(name) and hash(ours) == hash(ad.device(name)) and ad.device(ours) == ours
    assert is_device(name) and is_device(ours)


def test_device_with_index_and_bad_names():
    assert ad.device("cuda", 2) == ad.device("cuda:2") != ad.device("cuda")
    assert not is_device("float32") and not is_device(3)
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        ad.device("foo")
    with pytest.raises(RuntimeError, match="Invalid device string: 'cpu:x'"):
        ad.device("cpu:x")
    with pytest.raises(RuntimeError, match="non-negative integer, got -1"):
        ad.device("cuda", -1)
    with pytest.raises(TypeError, match="expected a device string"):
        ad.device(0.5)


def test_only_the_cpu_computes():
    assert check_device(None, "f") == check_device("cpu", "f") == ad.device("cpu")
    assert check_device(ad.device("cpu:0"), "f") == ad.device("cpu:0")
    with pytest.raises(RuntimeError, match="zeros: autodiff computes with NumPy on the CPU only; device 'cuda:0'"):
        check_device("cuda:0", "zeros")
    assert ad.cuda.is_available() is False and ad.cuda.device_count() == 0
    assert ad.device("cuda" if ad.cuda.is_available() else "cpu") == ad.device("cpu")


def test_every_layer_with_a_device_argument_takes_the_cpu_and_refuses_others():
    import nn
    makers = {"Linear": lambda d: nn.Linear(2, 3, device=d), "Embedding": lambda d: nn.Embedding(4, 2, device=d),
              "Conv2d": lambda d: nn.Conv2d(1, 2, 3, device=d), "LayerNorm": lambda d: nn.LayerNorm(3, device=d),
              "BatchNorm1d": lambda d: nn.BatchNorm1d(3, device=d), "GroupNorm": lambda d: nn.GroupNorm(1, 2, device=d),
              "PReLU": lambda d: nn.PReLU(device=d)}
    for name, make in makers.items():
        make("cpu"), make(ad.device("cpu"))
        with pytest.raises(RuntimeError, match=f"{name}: autodiff computes with NumPy on the CPU only; device 'cuda'"):
            make("cuda")
