"""nn.Module: registration, iteration, modes, zero_grad, state_dict, hooks, apply, repr, containers."""
from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import autodiff as ad
import nn
import optim


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(np.ones(4, dtype=np.float32))
        self.register_buffer("count", ad.zeros(1))
        self.register_buffer("scratch", ad.zeros(2), persistent=False)
        self.not_registered = 5

    def forward(self, x):
        return self.fc(x).relu() * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(4, 2), nn.Tanh())

    def forward(self, x):
        return self.head(self.block(x))


def test_attributes_register_parameters_buffers_and_submodules_in_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["block.scale", "block.fc.weight", "block.fc.bias",
                                                      "head.0.weight", "head.0.bias"]
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "head", "head.0", "head.1"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert len(list(net.block.parameters(recurse=False))) == 1
    assert net.block.not_registered == 5 and "not_registered" not in dict(net.block.named_parameters())


def test_parameters_follow_pytorch_registration_order():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(np.zeros(1))
            self.sub = nn.Linear(1, 1)
            self.b = nn.Parameter(np.zeros(2))

    assert [n for n, _ in M().named_parameters()] == ["a", "b", "sub.weight", "sub.bias"]


def test_assigning_a_parameter_or_child_again_keeps_its_place():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(np.zeros(1))
            self.fc = nn.Linear(1, 1)
            self.b = nn.Parameter(np.zeros(2))
            self.act = nn.ReLU()

    m = M()
    m.a = nn.Parameter(np.ones(3))
    m.fc = nn.Linear(2, 2)
    assert [n for n, _ in m.named_parameters()] == ["a", "b", "fc.weight", "fc.bias"]  # as PyTorch
    assert list(dict(m.named_children())) == ["fc", "act"]
    assert m.a.shape == (3,) and m.fc.in_features == 2


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3


def test_reassigning_and_deleting_attributes_keeps_registries_consistent():
    m = nn.Linear(2, 3)
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"] and m.bias is None
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = ad.zeros(3, 2)  # a plain Tensor is not a Parameter
    m.extra = nn.ReLU()
    assert "extra" in dict(m.named_children())
    del m.extra
    assert "extra" not in dict(m.named_children())
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = m.missing


def test_parameter_list_stays_current_after_every_kind_of_change():
    """parameters() is cached between changes (zero_grad runs it every step): each change, made anywhere
    below a module whose list was already taken, must show in that module's next list."""
    inner = nn.Sequential(nn.Linear(1, 2))
    model = nn.Sequential(inner, nn.ReLU())

    def names():
        return [n for n, _ in model.named_parameters()], list(model.parameters())

    def check():
        listed, params = names()
        assert [p for _, p in model.named_parameters()] == params, listed
        return listed

    assert check() == ["0.0.weight", "0.0.bias"]
    inner.append(nn.Linear(2, 2))                       # a grandchild added
    assert check() == ["0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias"]
    w = nn.Parameter(np.ones((2, 1)))
    inner[0].weight = w                                 # a parameter replaced: same place, as PyTorch
    assert check()[0] == "0.0.weight" and list(model.parameters())[0] is w
    inner[0].bias = None                                # ... set to None
    assert check() == ["0.0.weight", "0.1.weight", "0.1.bias"]
    del inner[1]                                        # a child deleted
    assert check() == ["0.0.weight"]
    inner[0].register_parameter("extra", nn.Parameter(np.zeros(1)))
    inner[0]._parameters.pop("extra")                   # the registry changed directly
    inner[0]._modules.setdefault("sub", nn.Linear(1, 1))
    assert check() == ["0.0.weight", "0.0.sub.weight", "0.0.sub.bias"]
    model.add_module("2", nn.Linear(1, 1))
    assert check()[-2:] == ["2.weight", "2.bias"]
    model[2].weight.grad = ad.ones(1, 1)
    model.zero_grad()                                   # reaches the module added last
    assert model[2].weight.grad is None
    clone = copy.deepcopy(model)
    assert [id(p) for p in clone.parameters()] != [id(p) for p in model.parameters()]
    assert list(clone.parameters())[0] is clone[0][0].weight


def test_train_eval_propagate_to_every_submodule():
    net = Net()
    assert net.training and net.block.fc.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_none_by_default_or_zeros_in_place():
    net = Net()
    net(ad.randn(5, 3)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads)
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not np.any(g.data) for p, g in zip(net.parameters(), grads, strict=False))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_has_parameters_and_persistent_buffers_sharing_data():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["block.scale", "block.count", "block.fc.weight", "block.fc.bias", "head.0.weight",
                        "head.0.bias"]  # PyTorch's order: own parameters, own buffers, then children
    assert "block.scratch" not in sd
    assert np.shares_memory(sd["block.fc.weight"].data, net.block.fc.weight.data)
    assert not sd["block.fc.weight"].requires_grad


def test_load_state_dict_round_trip_copies_values():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    for (n, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items(), strict=False):
        np.testing.assert_array_equal(p.data, q.data, err_msg=n)
        assert not np.shares_memory(p.data, q.data)


def _snapshot(module):
    return {k: np.array(v.data, copy=True) for k, v in module.state_dict().items()}


@pytest.mark.parametrize("mutate, expected", [
    (lambda sd: sd.pop("head.0.bias"), ["Missing key", "'head.0.bias'", "Linear at 'head.0'", "(2,)"]),
    (lambda sd: sd.__setitem__("head.9.weight", np.zeros(3)), ["Unexpected key", "'head.9.weight'"]),
    (lambda sd: sd.__setitem__("block.fc.weight", np.zeros((3, 4))),
     ["size mismatch for 'block.fc.weight'", "Linear at 'block.fc'", "(3, 4)", "(4, 3)"]),
])
def test_failed_load_state_dict_names_key_layer_and_shapes_and_changes_nothing(mutate, expected):
    net, other = Net(), Net()
    before = _snapshot(net)
    sd = {k: np.array(v.data) + 1 for k, v in other.state_dict().items()}  # every valid entry differs
    mutate(sd)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    for text in expected:
        assert text in str(err.value)
    after = _snapshot(net)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=f"{k} changed by a failed load")


def test_shape_mismatch_is_an_error_even_when_not_strict_but_missing_keys_are_reported():
    net = Net()
    sd = net.state_dict()
    partial = {k: v for k, v in sd.items() if k != "block.scale"}
    partial["extra"] = np.zeros(1)
    result = net.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["block.scale"] and result.unexpected_keys == ["extra"]
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict({"block.scale": np.zeros(3)}, strict=False)


def test_forward_pre_hook_and_forward_hook_can_replace_args_and_output():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(ad.ones(3, 2))
    np.testing.assert_allclose(out.data, np.broadcast_to(lin.bias.data + 1, (3, 2)), rtol=1e-6)
    assert calls == [(3, 2)]
    h1.remove()
    h2.remove()
    out = lin(ad.ones(3, 2))
    np.testing.assert_allclose(out.data, np.ones((3, 2)) @ lin.weight.data.T + lin.bias.data, rtol=1e-6)
    assert calls == [(3, 2)]


def test_full_backward_hook_sees_grad_input_and_grad_output_and_can_replace_grad_input():
    ad.manual_seed(0)
    lin = nn.Linear(3, 2).double()
    x = ad.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((module, grad_input, grad_output))
        return (grad_input[0] * 2,)

    handle = lin.register_full_backward_hook(hook)
    upstream = np.arange(8.0).reshape(4, 2)
    lin(x).backward(upstream)
    module, gin, gout = seen[0]
    assert module is lin and len(seen) == 1
    np.testing.assert_allclose(gout[0].data, upstream)
    np.testing.assert_allclose(gin[0].data, upstream @ lin.weight.data)
    np.testing.assert_allclose(x.grad.data, 2 * upstream @ lin.weight.data)  # replaced
    handle.remove()
    x.grad = None
    lin(x).backward(upstream)
    np.testing.assert_allclose(x.grad.data, upstream @ lin.weight.data)
    assert len(seen) == 1


def test_full_backward_hook_fires_with_none_grad_input_when_inputs_need_no_grad():
    seen = []
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    model[0].register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    model(ad.ones(2, 3)).sum().backward()
    assert len(seen) == 1 and seen[0][0] == (None,) and seen[0][1][0].shape == (2, 2)


def test_apply_visits_children_then_self():
    order = []
    net = Net()
    assert net.apply(lambda m: order.append(type(m).__name__)) is net
    assert order == ["Linear", "Block", "Linear", "Tanh", "Sequential", "Net"]


def test_repr_is_nested_and_readable():
    text = repr(Net())
    assert text == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=2, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        ")")


def test_sequential_indexing_slicing_len_iteration_and_forward():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers and seq[-1] is layers[2]
    sub = seq[:2]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[:2]
    x = ad.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, layers[2](layers[1](layers[0](x))).data)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4


def test_module_list_and_dict_register_their_modules():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.Linear(1, 2))
    assert len(ml) == 4 and len(list(ml.parameters())) == 8
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    assert list(md.keys()) == ["a", "b"] and len(list(md.parameters())) == 2


def test_parameter_defaults_and_wraps_without_copy():
    arr = np.zeros(3, dtype=np.float32)
    p = nn.Parameter(arr)
    assert p.requires_grad and p.is_leaf and np.shares_memory(p.data, arr)
    assert not nn.Parameter(arr, requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:")


def test_double_casts_parameters_and_buffers_and_deepcopy_is_independent():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block.count.dtype == np.float64
    clone = copy.deepcopy(net)
    clone.block.fc.weight.data[...] = 0
    assert np.any(net.block.fc.weight.data)


def test_missing_forward_and_bad_registration_errors():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", ad.zeros(1))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("a", np.zeros(1))


# ------------------------------------------------------------------------------- ParameterList / Dict
class Mixture(nn.Module):
    """Parameters held in a ParameterList and a ParameterDict next to a plain layer."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.scales = nn.ParameterList([nn.Parameter(np.ones(2)), ad.full((2,), 2.0), np.full(2, 3.0)])
        self.shifts = nn.ParameterDict({"b": np.zeros(2), "a": ad.ones(2)})

    def forward(self, x):
        for s in self.scales:
            x = self.fc(x) * s
        return x + self.shifts["a"] - self.shifts["b"]


def test_parameter_list_registers_wraps_indexes_and_edits():
    arr, t = np.zeros(2), ad.ones(3)
    p = nn.Parameter(np.ones(1))
    pl = nn.ParameterList([p, arr])
    pl.append(t)
    assert len(pl) == 3 and pl[0] is p and pl[-1] is pl[2]
    assert all(isinstance(q, nn.Parameter) and q.requires_grad and q.is_leaf for q in pl)
    assert np.shares_memory(pl[1].data, arr) and np.shares_memory(pl[2].data, t.data)  # wrapped, not copied
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"] and list(pl.parameters()) == list(pl)
    sub = pl[1:]
    assert isinstance(sub, nn.ParameterList) and list(sub) == [pl[1], pl[2]]
    assert [q.shape for q in pl[::-2]] == [(3,), (1,)]
    new = nn.Parameter(np.full(4, 7.0))
    pl[1] = new                                       # replaced in place: same name, same position
    assert [n for n, q in pl.named_parameters()] == ["0", "1", "2"] and pl[1] is new
    pl += [np.zeros(5)]
    pl.extend((ad.zeros(6),))
    assert [q.shape for q in pl] == [(1,), (4,), (3,), (5,), (6,)]


def test_parameter_dict_mapping_api_and_order():
    a, b = nn.Parameter(np.ones(2)), np.zeros(3)
    pd = nn.ParameterDict({"w": a, "b": b})           # a plain dict is inserted sorted, as PyTorch
    assert list(pd) == ["b", "w"] and list(pd.keys()) == ["b", "w"] and pd["w"] is a
    assert isinstance(pd["b"], nn.Parameter) and np.shares_memory(pd["b"].data, b)
    assert "w" in pd and "x" not in pd and len(pd) == 2
    assert [k for k, _ in pd.items()] == ["b", "w"] and list(pd.values())[1] is a
    pd.update(OrderedDict([("z", ad.ones(1)), ("c", ad.ones(1))]))  # ordered input keeps its order
    pd.update([("y", np.ones(1))])
    assert list(pd) == ["b", "w", "z", "c", "y"]
    new = nn.Parameter(np.zeros(4))
    pd["w"] = new                                     # replaced: keeps its place
    assert list(pd) == ["b", "w", "z", "c", "y"] and pd["w"] is new
    assert [n for n, _ in pd.named_parameters()] == list(pd)
    del pd["z"]
    assert pd.pop("c").shape == (1,) and pd.get("c") is None and pd.get("y") is pd["y"]
    assert list(pd) == ["b", "w", "y"] and len(list(pd.parameters())) == 3
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


def test_parameter_containers_in_a_model_state_dict_zero_grad_double_and_optimizer_step():
    ad.manual_seed(0)
    model = Mixture()
    names = ["fc.weight", "fc.bias", "scales.0", "scales.1", "scales.2", "shifts.a", "shifts.b"]
    assert [n for n, _ in model.named_parameters()] == names
    assert list(model.state_dict()) == names
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(ad.ones(4, 2, dtype=np.float64)).sum().backward()
    before = {n: p.data.copy() for n, p in model.named_parameters()}
    grads = {n: p.grad.data.copy() for n, p in model.named_parameters()}
    assert all(np.any(g) for g in grads.values())
    opt.step()
    for n, p in model.named_parameters():
        np.testing.assert_allclose(p.data, before[n] - 0.1 * grads[n], err_msg=n)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    other = Mixture().double()
    other.load_state_dict(model.state_dict())
    for (n, p), q in zip(model.named_parameters(), other.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=n)
    with pytest.raises(RuntimeError, match=r"size mismatch for 'scales.1'"):
        other.load_state_dict({**model.state_dict(), "scales.1": np.zeros(3)})


def test_parameter_containers_keep_the_cached_parameter_list_current():
    model = Mixture()
    assert len(list(model.parameters())) == 7            # cached now
    model.scales.append(np.ones(2))
    model.shifts["c"] = np.ones(2)
    assert [n for n, _ in model.named_parameters()][-4:] == ["scales.3", "shifts.a", "shifts.b", "shifts.c"]
    assert len(list(model.parameters())) == 9
    new = nn.Parameter(np.ones(2))
    model.scales[0] = new
    assert list(model.parameters())[2] is new
    del model.shifts["a"]
    model.shifts.pop("b")
    assert len(list(model.parameters())) == 7
    model.shifts["c"].grad = ad.ones(2)
    model.zero_grad()
    assert model.shifts["c"].grad is None


def test_parameter_containers_repr():
    pl = nn.ParameterList([np.zeros((2, 3), dtype=np.float32), np.zeros(4)])
    assert repr(pl) == ("ParameterList(\n    (0): Parameter containing: [float32 of size 2x3]\n"
                        "    (1): Parameter containing: [float64 of size 4]\n)")
    assert repr(nn.ParameterList()) == "ParameterList()"
    pd = nn.ParameterDict({"w": np.zeros((), dtype=np.float32)})
    assert repr(pd) == "ParameterDict(  (w): Parameter containing: [float32 of size ])"  # one line, as PyTorch


def test_parameter_container_errors_leave_them_unchanged():
    pl = nn.ParameterList([np.zeros(1)])
    with pytest.raises(TypeError, match="ParameterList: cannot store a 'str'"):
        pl.append("w")
    with pytest.raises(TypeError, match="ParameterList: cannot store a 'list'"):
        pl.extend([np.ones(2), [1.0, 2.0]])
    with pytest.raises(TypeError, match="called with an iterable, but got ndarray"):
        pl.extend(np.ones(2))
    with pytest.raises(IndexError, match="ParameterList: index 1 is out of range for 1 parameters"):
        pl[1]
    with pytest.raises(IndexError, match="index -2 is out of range"):
        pl[-2] = np.ones(1)
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl(1)
    assert len(pl) == 1 and pl[0].shape == (1,)
    pd = nn.ParameterDict({"a": np.zeros(1)})
    with pytest.raises(TypeError, match="ParameterDict keys must be strings, got int 3"):
        pd[3] = np.ones(1)
    with pytest.raises(TypeError, match=r"ParameterDict\['b'\]: cannot store a 'float'"):
        pd.update({"a2": np.ones(1), "b": 1.0})
    with pytest.raises(KeyError, match="contain"):
        pd.update([("c", np.ones(1)), ("d.e", np.ones(1))])
    with pytest.raises(KeyError, match="'training' is the name of one of the module's own attributes"):
        pd["training"] = np.ones(1)
    with pytest.raises(ValueError, match="element #0 has length 3; 2 is required"):
        pd.update([("c", np.ones(1), 0)])
    with pytest.raises(TypeError, match="mapping or an iterable of key/value pairs, but got int"):
        pd.update(5)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        pd(1)
    assert list(pd) == ["a"] and pd.training is True
