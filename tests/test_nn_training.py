"""End to end: nn layers, a loss, DataLoader and plain SGD learn a small problem, float32 throughout."""
from __future__ import annotations

import numpy as np

import autodiff as ad
import nn
from nn.data import DataLoader, TensorDataset


def _moons(n=200, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return (x + rng.normal(scale=0.1, size=x.shape)).astype(np.float32), label


def test_mlp_learns_two_moons_with_sgd_in_float32():
    ad.manual_seed(0)
    x, y = _moons()
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=np.random.default_rng(1))
    for _ in range(60):
        for xb, yb in loader:
            model.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            with ad.no_grad():
                for p in model.parameters():
                    p -= 0.2 * p.grad
            assert loss.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in model.parameters())
    model.eval()
    with ad.no_grad():
        accuracy = (model(ad.tensor(x)).data.argmax(axis=1) == y).mean()
    assert accuracy > 0.95


def test_small_cnn_step_reduces_the_loss():
    ad.manual_seed(1)
    rng = np.random.default_rng(2)
    x = ad.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32))
    y = rng.integers(0, 3, 8)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3))
    losses = []
    for _ in range(20):
        model.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        losses.append(loss.item())
        with ad.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert losses[-1] < 0.5 * losses[0]
