"""nn.init: gains, fan rules, the statistics of every initialiser, seeding, icnr_."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init
from tests.helpers import assert_raises_with


def _empty(*shape, dtype=mg.float64):
    return mg.zeros(*shape, dtype=dtype)


@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv1d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(torch, nonlinearity, param):
    want = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(want, rel=1e-15)


def test_calculate_gain_rejects_unknown():
    with assert_raises_with(ValueError, "nonlinearity", "'swish'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(5, 3), (8, 3, 5), (4, 6, 3, 2), (2, 3, 1, 2, 2)])
def test_fans_match_torch(torch, shape):
    from torch.nn.init import _calculate_fan_in_and_fan_out

    assert init.fan_in_and_fan_out(shape) == _calculate_fan_in_and_fan_out(torch.empty(shape))


def test_fans_need_two_dims():
    with assert_raises_with(ValueError, "at least 2 dims", "(3,)"):
        init.fan_in_and_fan_out((3,))


def _assert_uniform(values, bound):
    values = np.asarray(values)
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert abs(values.var() / (bound**2 / 3) - 1) < 0.03


def _assert_normal(values, std):
    values = np.asarray(values)
    assert abs(values.mean()) < 5 * std / math.sqrt(values.size)
    assert abs(values.std() / std - 1) < 0.02


def test_uniform_and_normal():
    _assert_uniform(init.uniform_(_empty(200, 100), -0.3, 0.3).numpy(), 0.3)
    values = init.normal_(_empty(200, 100), 2.0, 0.5).numpy()
    _assert_normal(values - 2.0, 0.5)


def test_constants_and_eye():
    assert (init.constant_(_empty(2, 3), 1.5).numpy() == 1.5).all()
    assert (init.zeros_(mg.ones(3)).numpy() == 0).all()
    assert (init.ones_(_empty(3)).numpy() == 1).all()
    assert np.array_equal(init.eye_(_empty(3, 2)).numpy(), np.eye(3, 2))
    with assert_raises_with(ValueError, "eye_", "2 dims", "(2, 2, 2)"):
        init.eye_(_empty(2, 2, 2))


@pytest.mark.parametrize("groups", [1, 2])
def test_dirac_makes_an_identity_convolution(torch, groups):
    weight = init.dirac_(_empty(4, 4 // groups, 3, 3), groups=groups)
    want = torch.nn.init.dirac_(torch.empty(4, 4 // groups, 3, 3, dtype=torch.float64), groups)
    assert np.array_equal(weight.data.numpy(), want.numpy())
    if groups == 1:
        x = mg.randn(1, 4, 5, 5, dtype=mg.float64)
        y = mg.functional.conv2d(x, weight, padding=1)
        np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-14)


def test_xavier():
    fan_in, fan_out = 3 * 25, 80 * 25
    _assert_uniform(
        init.xavier_uniform_(_empty(80, 3, 5, 5), gain=2.0).numpy(),
        2.0 * math.sqrt(6 / (fan_in + fan_out)),
    )
    _assert_normal(
        init.xavier_normal_(_empty(80, 3, 5, 5)).numpy(), math.sqrt(2 / (fan_in + fan_out))
    )


def test_kaiming():
    _assert_uniform(
        init.kaiming_uniform_(_empty(300, 200), nonlinearity="relu").numpy(),
        math.sqrt(2) * math.sqrt(3 / 200),
    )
    _assert_normal(
        init.kaiming_normal_(_empty(300, 200), mode="fan_out").numpy(),
        math.sqrt(2 / 1.0001) / math.sqrt(300),
    )
    with assert_raises_with(ValueError, "mode", "'fan_avg'"):
        init.kaiming_normal_(_empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3)])
def test_orthogonal(shape):
    flat = init.orthogonal_(_empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    small = min(flat.shape)
    product = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(product, 4.0 * np.eye(small), atol=1e-12)


def test_trunc_normal():
    values = init.trunc_normal_(_empty(100_000), mean=1.0, std=2.0, a=0.0, b=3.0).numpy()
    assert values.min() >= 0.0 and values.max() <= 3.0
    # N(1, 4) truncated to [0, 3] = [mean - std/2, mean + std] has these moments.
    stats = pytest.importorskip("scipy.stats")
    dist = stats.truncnorm(-0.5, 1.0, loc=1.0, scale=2.0)
    assert abs(values.mean() - dist.mean()) < 0.01
    assert abs(values.std() / dist.std() - 1) < 0.01
    with assert_raises_with(ValueError, "trunc_normal_", "probability"):
        init.trunc_normal_(_empty(3), a=50.0, b=51.0)


def test_float32_tensors_stay_float32():
    assert init.kaiming_normal_(mg.zeros(3, 4)).dtype == mg.float32
    assert init.orthogonal_(mg.zeros(3, 4)).dtype == mg.float32


def test_manual_seed_makes_draws_reproducible():
    def draw():
        return init.xavier_uniform_(_empty(5, 4)).numpy().copy()

    mg.manual_seed(3)
    first = draw()
    mg.manual_seed(3)
    assert np.array_equal(first, draw())
    assert not np.array_equal(first, draw())


def test_in_place_returns_the_tensor():
    tensor = _empty(3, 4)
    assert init.normal_(tensor) is tensor
    assert tensor.data.numpy().any()


@pytest.mark.parametrize(
    "kernel, stride, padding", [(4, 2, 1), (2, 2, 0), (5, 2, 2), ((6, 3), (3, 1), (1, 0))]
)
def test_icnr_gives_a_constant_output_for_a_constant_input(kernel, stride, padding):
    layer = mg.nn.ConvTranspose2d(3, 2, kernel, stride=stride, padding=padding, dtype=mg.float64)
    init.icnr_(layer.weight, stride)
    y = layer(mg.full((1, 3, 10, 10), 0.7, dtype=mg.float64)).detach().numpy()
    # Away from the borders: where every output position receives all its taps.
    rows, columns = np.broadcast_to(kernel, (2,))
    interior = y[:, :, rows:-rows, columns:-columns]
    assert interior.shape[2] >= 4 and interior.shape[3] >= 4
    per_channel = interior[:, :, :1, :1]
    np.testing.assert_allclose(interior, np.broadcast_to(per_channel, interior.shape), rtol=1e-12)
    # The level is the input times the summed sub-kernel, plus the layer's bias.
    assert not np.allclose(per_channel.ravel(), layer.bias.data.numpy())


def test_without_icnr_the_output_has_a_checkerboard():
    layer = mg.nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, dtype=mg.float64)
    y = layer(mg.full((1, 3, 6, 6), 0.7, dtype=mg.float64)).detach().numpy()
    interior = y[:, :, 3:-3, 3:-3]
    assert not np.allclose(interior, interior[:, :, :1, :1])


def test_icnr_subkernel_uses_init_and_its_fan():
    weight = _empty(64, 32, 4, 4)
    init.icnr_(weight, 2, init=lambda t: init.constant_(t, 1.0))
    # A 3x3 sub-kernel of ones convolved with a 2x2 box: corner taps 1, edges 2, centre 4.
    np.testing.assert_array_equal(weight.data.numpy()[0, 0], np.outer([1, 2, 2, 1], [1, 2, 2, 1]))
    init.icnr_(weight, 2)
    sub_std = math.sqrt(2 / (1 + 0)) / math.sqrt(32 * 9)  # kaiming_normal_ on (64, 32, 3, 3)
    assert abs(weight.data.numpy()[:, :, 0, 0].std() / sub_std - 1) < 0.05
    with assert_raises_with(ValueError, "icnr_", "stride", "(4, 4)"):
        init.icnr_(_empty(2, 2, 3, 3), 4)
    with assert_raises_with(ValueError, "icnr_", "weight", "(2, 2)"):
        init.icnr_(_empty(2, 2), 2)
