"""viz.Monitor: statistics equal those computed directly, saturation verdicts, steps, removal, bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest

import autodiff as ad
import nn
import viz
from viz.monitor import saturation


def make_model(act, init=None, width=30, depth=3, seed=0):
    ad.manual_seed(seed)
    layers = []
    n_in = 20
    for _ in range(depth):
        lin = nn.Linear(n_in, width).double()
        if init is not None:
            init(lin.weight)
            nn.init.zeros_(lin.bias)
        layers += [lin, act()]
        n_in = width
    return nn.Sequential(*layers)


def direct(model, x):
    """Every layer's output (with retained grads) and the loss, computed without the Monitor."""
    outs = []
    h = x
    for m in model:
        h = m(h)
        h.retain_grad()
        outs.append(h)
    loss = (h * h).mean()
    return outs, loss


def test_statistics_equal_those_computed_directly():
    model = nn.Sequential(nn.Linear(20, 30), nn.Tanh(), nn.Linear(30, 30), nn.Sigmoid(), nn.Linear(30, 5),
                          nn.ReLU()).double()
    x = ad.tensor(np.random.default_rng(0).normal(size=(16, 20)))
    mon = viz.Monitor(model, sample_steps=(0,), percentiles=(2, 50, 98))
    out = model(x)
    (out * out).mean().backward()
    mon.step()
    recorded_wgrads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    with mon.paused():
        model.zero_grad()
        outs, loss = direct(model, x)
        loss.backward()
    hist = mon.history()
    assert list(hist) == ["0", "1", "2", "3", "4", "5"]
    kinds = {"1": "tanh", "3": "sigmoid", "5": "relu"}
    assert mon.kinds == {"0": None, "1": "tanh", "2": None, "3": "sigmoid", "4": None, "5": "relu"}
    for k, (name, h) in enumerate(hist.items()):
        a, g = outs[k].numpy(), outs[k].grad.numpy()
        np.testing.assert_allclose(h["act_mean"], [a.mean()], rtol=1e-12)
        np.testing.assert_allclose(h["act_std"], [a.std()], rtol=1e-12)
        np.testing.assert_allclose(h["act_percentiles"], [np.percentile(a, [2, 50, 98])], rtol=1e-12)
        np.testing.assert_allclose(h["grad_std"], [g.std()], rtol=1e-12)
        np.testing.assert_allclose(h["grad_mean"], [g.mean()], atol=1e-15)
        if name in kinds:
            expect = {"tanh": np.abs(a) > 0.99, "sigmoid": (a < 0.01) | (a > 0.99), "relu": a == 0}[kinds[name]]
            assert h["saturation"][0] == expect.mean()
        else:
            assert "saturation" not in h
            p = model[k]
            np.testing.assert_allclose(h["weight_grad_std"], [p.weight.grad.numpy().std()], rtol=1e-12)
            np.testing.assert_allclose(h["bias_grad_std"], [p.bias.grad.numpy().std()], rtol=1e-12)
            np.testing.assert_allclose(recorded_wgrads[f"{name}.weight"], p.weight.grad.numpy())
        np.testing.assert_array_equal(mon.samples("activation", 0)[name], a.ravel())
        np.testing.assert_array_equal(mon.samples("grad", 0)[name], g.ravel())
    np.testing.assert_array_equal(mon.samples("weight_grad", 0)["2.weight"], model[2].weight.grad.numpy().ravel())
    assert mon.steps.tolist() == [0]
    mon.remove()


def test_saturated_sigmoid_stack_versus_fresh_xavier_tanh_stack():
    x = ad.tensor(np.random.default_rng(1).normal(size=(64, 20)))
    sig = make_model(nn.Sigmoid, lambda w: nn.init.normal_(w, 0.0, 4.0))
    tanh = make_model(nn.Tanh, nn.init.xavier_uniform_)
    results = {}
    for name, model in (("sigmoid", sig), ("tanh", tanh)):
        with viz.Monitor(model) as mon:
            model(x)
            results[name] = {k: v["saturation"][0] for k, v in mon.history().items() if "saturation" in v}
    assert len(results["sigmoid"]) == len(results["tanh"]) == 3
    assert all(s > 0.6 for s in results["sigmoid"].values()), results
    assert all(s < 0.05 for s in results["tanh"].values()), results


def test_steps_first_call_pause_every_and_remove():
    model = make_model(nn.Tanh, depth=1)
    x = ad.tensor(np.random.default_rng(2).normal(size=(8, 20)))
    mon = viz.Monitor(model, every=2)
    for step in range(5):
        out = model(x * (step + 1))
        model(x * 100.0)                                     # a second call in the same step is not recorded
        with mon.paused():
            model(x)
        (out * out).sum().backward()
        mon.step()
    assert mon.steps.tolist() == [0, 2, 4]
    a = np.tanh(model[0](x * 3).numpy())
    np.testing.assert_allclose(mon.history("1")["act_std"][1], a.std(), rtol=1e-12)
    assert mon.history("0")["weight_grad_std"].shape == (3,)
    mon.remove()
    assert not model[0]._forward_hooks and not model[1]._forward_hooks
    assert not model[0].weight._hooks
    model(x)
    mon.step()
    assert mon.steps.tolist() == [0, 2, 4]                   # nothing recorded after remove()
    data = json.loads(json.dumps(mon.to_dict()))
    assert data["steps"] == [0, 2, 4] and data["kinds"] == {"0": None, "1": "tanh"}
    assert len(data["layers"]["1"]["act_percentiles"]) == 3


def test_missing_gradients_are_nan_and_layers_can_be_chosen():
    model = make_model(nn.ReLU, depth=2)
    x = ad.tensor(np.random.default_rng(3).normal(size=(8, 20)))
    mon = viz.Monitor(model, layers=[nn.ReLU], kind={"1": lambda a: (a > 1).mean()})
    model(x)                                                  # no backward this step
    mon.step()
    out = model(x)
    out.sum().backward()
    mon.step()
    h = mon.history()
    assert list(h) == ["1", "3"]
    assert np.isnan(h["1"]["grad_std"][0]) and np.isfinite(h["1"]["grad_std"][1])
    a = nn.functional.relu(model[0](x)).numpy()
    assert h["1"]["saturation"][1] == (a > 1).mean()
    assert mon.kinds == {"1": mon.kinds["1"], "3": "relu"} and callable(mon.kinds["1"])
    assert abs(saturation(np.array([0.0, 1.0, 0.0, 2.0]), "relu") - 0.5) < 1e-15


def test_bad_input():
    model = make_model(nn.Tanh, depth=1)
    with pytest.raises(TypeError, match="nn.Module"):
        viz.Monitor(object())
    with pytest.raises(ValueError, match="no module named 'nope'"):
        viz.Monitor(model, layers=["nope"])
    with pytest.raises(ValueError, match="unknown kind 'softmax'.*tanh, sigmoid, relu"):
        viz.Monitor(model, kind={"1": "softmax"})
    with pytest.raises(ValueError, match="not a monitored layer"):
        viz.Monitor(model, layers=["0"], kind={"1": "tanh"})
    with pytest.raises(ValueError, match="percentiles"):
        viz.Monitor(model, percentiles=(50, 101))
    with pytest.raises(ValueError, match="every"):
        viz.Monitor(model, every=0)
    assert not model[0]._forward_hooks                        # failed constructions left no hooks behind
    mon = viz.Monitor(model)
    with pytest.raises(ValueError, match="no activation samples"):
        mon.samples("activation")
    with pytest.raises(ValueError, match="unknown sample kind"):
        mon.samples("weights")
    with pytest.raises(ValueError, match="no layer 'x'"):
        mon.history("x")
    mon.remove()


def test_weight_gradients_are_summed_over_backward_calls_in_a_step():
    model = make_model(nn.Tanh, depth=1)
    rng = np.random.default_rng(4)
    x1, x2 = ad.tensor(rng.normal(size=(8, 20))), ad.tensor(rng.normal(size=(8, 20)))
    mon = viz.Monitor(model, sample_steps=(0,))
    for x in (x1, x2):                                        # gradient accumulation: two backward calls
        model(x).sum().backward()
    g = model[0].weight.grad.numpy()
    h = mon.history("0")
    np.testing.assert_allclose(h["weight_grad_std"], [g.std()], rtol=1e-12)
    np.testing.assert_allclose(mon.samples("weight_grad")["0.weight"], g.ravel(), rtol=1e-12)
    a1 = model[0](x1).numpy()                                 # activations: the first call of the step
    np.testing.assert_allclose(h["act_mean"], [a1.mean()], rtol=1e-12)
    mon.remove()
