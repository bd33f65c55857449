"""nn.BatchNorm1d/2d/3d against torch over several training steps and in eval mode."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer, copy_into_torch

CASES = [
    ("BatchNorm1d", (6, 3)),
    ("BatchNorm1d", (4, 3, 5)),
    ("BatchNorm2d", (3, 3, 4, 2)),
    ("BatchNorm3d", (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name, shape", CASES)
@pytest.mark.parametrize("momentum", [0.3, None])
def test_matches_torch_in_train_and_eval(torch, name, shape, momentum):
    options = {"momentum": momentum, "eps": 1e-3}
    layer, twin = getattr(mg.nn, name)(3, **options), getattr(torch.nn, name)(3, **options)
    # Non-trivial affine parameters, so their gradients are tested too.
    layer.weight.data = mg.tensor(randn(3, seed=5).astype(np.float32))
    layer.bias.data = mg.tensor(randn(3, seed=6).astype(np.float32))
    for step in range(3):
        check_layer(torch, layer, twin, randn(*shape, seed=step), modes=(True,))
    check_layer(torch, layer, twin, randn(*shape, seed=9), modes=(False,))
    assert int(layer.num_batches_tracked.item()) == 3
    assert layer.num_batches_tracked.dtype == mg.int64


@pytest.mark.parametrize(
    "affine, track, bias",
    [(False, True, True), (True, False, True), (False, False, True), (True, True, False)],
)
def test_options_match_torch(torch, affine, track, bias):
    layer = mg.nn.BatchNorm1d(3, affine=affine, track_running_stats=track, bias=bias)
    twin = torch.nn.BatchNorm1d(3, affine=affine, track_running_stats=track, bias=bias)
    check_layer(torch, layer, twin, randn(5, 3))
    assert list(layer.state_dict()) == list(twin.state_dict())
    assert repr(layer) == repr(twin)


def test_cumulative_average_with_momentum_none():
    layer = mg.nn.BatchNorm1d(2, momentum=None).double()
    batches = [randn(4, 2, seed=s) for s in range(3)]
    for batch in batches:
        layer(mg.tensor(batch))
    expected = np.mean([b.mean(0) for b in batches], axis=0)
    np.testing.assert_allclose(layer.running_mean.numpy(), expected, rtol=1e-12)


def test_state_dict_round_trip_with_torch(torch):
    twin = torch.nn.BatchNorm2d(3).double()
    twin(torch.randn(4, 3, 2, 2, dtype=torch.float64))
    layer = mg.nn.BatchNorm2d(3, dtype=mg.float64)
    layer.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
    assert int(layer.num_batches_tracked.item()) == 1
    back = mg.nn.BatchNorm2d(3, dtype=mg.float64)
    copy_into_torch(torch, layer, twin)
    back.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
    for key, value in layer.state_dict().items():
        assert np.array_equal(value.numpy(), back.state_dict()[key].numpy()), key


def test_bad_input():
    layer = mg.nn.BatchNorm2d(3)
    with assert_raises_with(ValueError, "BatchNorm2d", "4-d", "(2, 3, 4)"):
        layer(mg.randn(2, 3, 4))
    with assert_raises_with(ValueError, "3 channels", "(2, 4, 2, 2)"):
        layer(mg.randn(2, 4, 2, 2))
    before = layer.running_mean.numpy().copy()
    with assert_raises_with(ValueError, "more than 1 value per channel"):
        layer(mg.randn(1, 3, 1, 1))
    assert np.array_equal(layer.running_mean.numpy(), before)
    assert int(layer.num_batches_tracked.item()) == 0
    with assert_raises_with(ValueError, "num_features", "0"):
        mg.nn.BatchNorm1d(0)
