"""nn.init against theory: each scheme's empirical variance, fans as PyTorch, orthogonality, and Glorot &
Bengio's variance analysis through a deep linear stack."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import init

N = 1000


def fresh(shape=(N, N), dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


GAIN_LEAKY_SQRT5 = math.sqrt(2.0 / (1 + 5))
SCHEMES = [  # (name, call, variance formula for a 1000 x 1000 weight, fan_in = fan_out = 1000)
    ("uniform_", lambda w, g: init.uniform_(w, -0.3, 0.5, generator=g), 0.8 ** 2 / 12),
    ("normal_", lambda w, g: init.normal_(w, 0.1, 0.2, generator=g), 0.04),
    ("standard_uniform_", lambda w, g: init.standard_uniform_(w, generator=g), 1 / (3 * N)),
    ("xavier_uniform_", lambda w, g: init.xavier_uniform_(w, gain=2.0, generator=g), 4 * 2 / (2 * N)),
    ("xavier_normal_", lambda w, g: init.xavier_normal_(w, generator=g), 2 / (2 * N)),
    ("kaiming_uniform_ relu", lambda w, g: init.kaiming_uniform_(w, nonlinearity="relu", generator=g), 2 / N),
    ("kaiming_uniform_ a=sqrt5", lambda w, g: init.kaiming_uniform_(w, a=math.sqrt(5), generator=g),
     GAIN_LEAKY_SQRT5 ** 2 / N),
    ("kaiming_normal_ fan_out", lambda w, g: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu",
                                                                 generator=g), 2 / N),
    ("lecun_uniform_", lambda w, g: init.lecun_uniform_(w, generator=g), 1 / N),
    ("lecun_normal_", lambda w, g: init.lecun_normal_(w, generator=g), 1 / N),
    ("orthogonal_", lambda w, g: init.orthogonal_(w, generator=g), 1 / N),
]


@pytest.mark.parametrize("name, fill, variance", SCHEMES, ids=[s[0] for s in SCHEMES])
def test_empirical_variance_within_3_percent_of_formula(name, fill, variance):
    w = fresh()
    out = fill(w, np.random.default_rng(0))
    assert out is w and w.requires_grad and w.grad_fn is None
    assert abs(w.data.var() - variance) < 0.03 * variance, f"{name}: {w.data.var()} vs {variance}"


def test_uniform_schemes_respect_their_bounds():
    g = np.random.default_rng(1)
    w = init.standard_uniform_(fresh((50, 400)), generator=g)
    assert np.abs(w.data).max() <= 1 / math.sqrt(400)
    w = init.xavier_uniform_(fresh((50, 400)), generator=g)
    assert np.abs(w.data).max() <= math.sqrt(6 / 450)
    assert init.standard_ is init.standard_uniform_


def test_fans_for_conv_kernels_follow_pytorch():
    w = fresh((16, 8, 3, 5))
    assert init._calculate_fan_in_and_fan_out(w) == (8 * 15, 16 * 15)
    init.kaiming_normal_(w, mode="fan_out", generator=np.random.default_rng(0))
    gain = math.sqrt(2 / (1 + 0.0 ** 2))
    assert abs(w.data.std() - gain / math.sqrt(240)) < 0.05 * gain / math.sqrt(240)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(fresh((5,)))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(fresh((3, 3)), mode="fan_avg")


def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(60, 60), (80, 30), (30, 80), (6, 3, 2, 2)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = init.orthogonal_(fresh(shape), gain=1.5, generator=np.random.default_rng(2)).data.reshape(shape[0], -1)
    small = min(w.shape)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(gram, 2.25 * np.eye(small), atol=1e-10)


def test_constant_schemes_and_generator_reproducibility():
    w = fresh((3, 4), np.float32)
    np.testing.assert_array_equal(init.zeros_(w).data, 0)
    np.testing.assert_array_equal(init.ones_(w).data, 1)
    np.testing.assert_array_equal(init.constant_(w, 0.25).data, 0.25)
    assert w.dtype == np.float32
    a = init.xavier_normal_(fresh((5, 5)), generator=np.random.default_rng(9)).data
    b = init.xavier_normal_(fresh((5, 5)), generator=np.random.default_rng(9)).data
    np.testing.assert_array_equal(a, b)
    ad.manual_seed(4)
    c = init.normal_(fresh((5, 5))).data
    ad.manual_seed(4)
    np.testing.assert_array_equal(init.normal_(fresh((5, 5))).data, c)


def _activation_variances(fill, width=500, depth=10, batch=1000):
    """Variance of the activations after each layer of a linear (identity-activation) stack."""
    g = np.random.default_rng(5)
    layers = [nn.Linear(width, width, bias=False, dtype=np.float64) for _ in range(depth)]
    for layer in layers:
        fill(layer.weight, g)
    h = ad.tensor(g.standard_normal((batch, width)))
    out = [float(h.data.var())]
    with ad.no_grad():
        for layer in layers:
            h = layer(h)
            out.append(float(h.data.var()))
    return np.array(out)


def test_glorot_bengio_xavier_keeps_activation_variance_through_ten_linear_layers():
    v = _activation_variances(lambda w, g: init.xavier_uniform_(w, generator=g))
    assert np.all(np.abs(v / v[0] - 1) < 0.2), v / v[0]


def test_glorot_bengio_standard_scheme_shrinks_variance_by_about_a_third_per_layer():
    v = _activation_variances(lambda w, g: init.standard_uniform_(w, generator=g))
    per_layer = v[1:] / v[:-1]
    assert np.all(np.abs(per_layer - 1 / 3) < 0.1 / 3), per_layer  # n Var(W) = n / (3n) = 1/3
    assert abs(v[-1] / v[0] / (1 / 3) ** 10 - 1) < 0.2  # ten layers: (1/3)^10 of the input's variance
