"""viz plot helpers: each returns a Figure that saves as a PNG we can reopen; bad input is refused."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import autodiff as ad  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402


@pytest.fixture(scope="module")
def monitor():
    """A small tanh/sigmoid network trained a few SGD steps, sampled at the first and last step."""
    ad.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 32), nn.Sigmoid(), nn.Linear(32, 3)).double()
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.normal(size=(64, 10)))
    y = ad.tensor(rng.integers(0, 3, size=64))
    mon = viz.Monitor(model, sample_steps=(0, 9))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(10):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with ad.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
        mon.step()
    mon.remove()
    return mon


def saved_png(fig, tmp_path, name="fig.png"):
    assert isinstance(fig, Figure)
    path = tmp_path / name
    fig.savefig(path, dpi=60)
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.02                          # something was drawn
    return img


def test_monitor_plots_save_and_reopen(monitor, tmp_path):
    figs = {
        "act_hist_0": viz.plot_activation_histograms(monitor, step=0),
        "act_hist_last": viz.plot_activation_histograms(monitor),
        "grad_hist": viz.plot_gradient_histograms(monitor, step=0),
        "wgrad_hist": viz.plot_gradient_histograms(monitor, step=9, which="weight", layers=["0", "2"]),
        "percentiles": viz.plot_activation_stats(monitor),
        "mean_std": viz.plot_activation_stats(monitor, style="mean_std", layers=["1", "3"]),
        "saturation": viz.plot_saturation(monitor),
        "grad_stats": viz.plot_gradient_stats(monitor),
        "wgrad_stats": viz.plot_gradient_stats(monitor, which="weight"),
    }
    for name, fig in figs.items():
        saved_png(fig, tmp_path, f"{name}.png")
    # the activation histograms default to the activation layers, the gradient ones to the Linear outputs
    labels = [t.get_text() for t in figs["act_hist_0"].axes[0].get_legend().get_texts()]
    assert labels == ["1", "3"]
    labels = [t.get_text() for t in figs["grad_hist"].axes[0].get_legend().get_texts()]
    assert labels == ["0", "2"]                               # the pre-activations (not the logits "4")
    sat = figs["saturation"].axes[0].get_lines()
    np.testing.assert_allclose(sat[0].get_ydata(), monitor.history("1")["saturation"])


def test_training_curves_and_optimizer_paths(tmp_path):
    hist = {"train_loss": [2.0, 1.2, 0.8, 0.6], "test_loss": [2.1, 1.4, 1.0, 0.9],
            "train_acc": [0.3, 0.6, 0.8, 0.9], "lr": [0.1, 0.1, 0.05, 0.05]}
    fig = viz.plot_training_curves(hist, logy=True)
    assert len(fig.axes) == 3
    saved_png(fig, tmp_path, "curves.png")

    def rosen(x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def gd(lr, steps=200):
        p = np.array([-1.5, 2.0])
        out = [p.copy()]
        for _ in range(steps):
            x, y = p
            g = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
            p = p - lr * g
            out.append(p.copy())
        return np.array(out)
    fig = viz.plot_optimizer_paths(rosen, {"gd 1e-3": gd(1e-3), "gd 5e-4": gd(5e-4)}, minimum=(1, 1))
    saved_png(fig, tmp_path, "paths.png")
    assert len(fig.axes[0].collections) > 0                  # the contours

    def scalar_only(x, y):                                    # a function written for autodiff scalars
        t = ad.tensor(float(x)) ** 2 + ad.tensor(float(y)) ** 2
        return t.item()
    fig = viz.plot_optimizer_paths(scalar_only, {"p": [(1.0, 1.0), (0.5, 0.4)]}, resolution=20)
    saved_png(fig, tmp_path, "paths2.png")


def test_plot_helpers_refuse_bad_input(monitor):
    with pytest.raises(ValueError, match="non-empty mapping"):
        viz.plot_histograms({})
    with pytest.raises(ValueError, match="no finite values for 'a'"):
        viz.plot_histograms({"a": [np.nan]})
    with pytest.raises(ValueError, match=r"no activation samples at step 5; sampled steps: \[0, 9\]"):
        viz.plot_activation_histograms(monitor, step=5)
    with pytest.raises(ValueError, match="which must be 'output' or 'weight'"):
        viz.plot_gradient_histograms(monitor, which="input")
    with pytest.raises(ValueError, match="style"):
        viz.plot_activation_stats(monitor, style="box")
    with pytest.raises(ValueError, match=r"no monitored layer\(s\) \['9'\]"):
        viz.plot_saturation(monitor, layers=["9"])
    with pytest.raises(TypeError, match="viz.Monitor"):
        viz.plot_saturation({"1": [0.1]})
    with pytest.raises(ValueError, match="series 'loss' has 2 values but x has 3"):
        viz.plot_training_curves({"loss": [1, 2]}, x=[1, 2, 3])
    with pytest.raises(ValueError, match=r"path 'a' must be a sequence of \(x, y\) points"):
        viz.plot_optimizer_paths(lambda x, y: x + y, {"a": np.zeros((4, 3))})
    model = nn.Sequential(nn.Linear(2, 2))
    bare = viz.Monitor(model)
    model(ad.ones(1, 2))
    with pytest.raises(ValueError, match="no saturation recorded"):
        viz.plot_saturation(bare)
    with pytest.raises(ValueError, match="no back-propagated gradients recorded"):
        viz.plot_gradient_stats(bare)
    bare.remove()
