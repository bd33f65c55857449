"""Conv and ConvTranspose layers against torch: forward, gradients, output_size, init."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer

CONV_CASES = [
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1}, (2, 4, 9)),
    (
        "Conv1d",
        (4, 6, 3),
        {"groups": 2, "dilation": 2, "padding_mode": "reflect", "padding": 2},
        (2, 4, 9),
    ),
    (
        "Conv2d",
        (2, 4, (3, 2)),
        {"stride": (2, 1), "padding": "same" and 1, "bias": False},
        (2, 2, 5, 4),
    ),
    ("Conv2d", (2, 4, 3), {"padding": "same", "padding_mode": "circular"}, (1, 2, 4, 5)),
    ("Conv3d", (2, 2, 2), {"stride": 2, "groups": 2}, (1, 2, 4, 3, 4)),
]
TRANSPOSED_CASES = [
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 5)),
    ("ConvTranspose1d", (4, 6, 3), {"groups": 2, "dilation": 2}, (2, 4, 5)),
    ("ConvTranspose2d", (2, 3, 4), {"stride": 2, "padding": 1}, (2, 2, 3, 4)),
    (
        "ConvTranspose2d",
        (4, 2, (3, 2)),
        {"stride": (1, 2), "groups": 2, "bias": False},
        (1, 4, 3, 3),
    ),
    ("ConvTranspose3d", (2, 2, 2), {"stride": 2}, (1, 2, 2, 3, 2)),
]


def _pair(torch, name, args, options):
    layer = getattr(mg.nn, name)(*args, **options)
    twin = getattr(torch.nn, name)(*args, **options)
    return layer, twin


@pytest.mark.parametrize("name, args, options, shape", CONV_CASES + TRANSPOSED_CASES)
def test_matches_torch(torch, name, args, options, shape):
    layer, twin = _pair(torch, name, args, options)
    assert repr(layer) == repr(twin)
    assert layer.weight.shape == tuple(twin.weight.shape)
    check_layer(torch, layer, twin, randn(*shape))


@pytest.mark.parametrize("output_size", [(6, 8), (5, 7), [1, 3, 6, 7]])
def test_output_size_matches_torch(torch, output_size):
    layer, twin = _pair(torch, "ConvTranspose2d", (2, 3, 3), {"stride": 2, "padding": 1})
    check_layer(torch, layer, twin, randn(1, 2, 3, 4), output_size=output_size)


def test_output_size_overrides_output_padding(torch):
    layer, twin = _pair(torch, "ConvTranspose1d", (1, 1, 3), {"stride": 3, "output_padding": 2})
    check_layer(torch, layer, twin, randn(1, 1, 4), output_size=[13])


def test_unattainable_output_size_is_refused():
    layer = mg.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    with assert_raises_with(ValueError, "output_size"):
        layer(mg.randn(1, 2, 3, 4), output_size=(9, 8))


@pytest.mark.parametrize("groups", [1, 4])
def test_default_initialisation_of_transposed_weight(groups):
    # k = groups / (C_out * prod(kernel_size)): fan-in read from dim 1 of (C_in, C_out/g, *k).
    layer = mg.nn.ConvTranspose2d(64, 32, (3, 5), groups=groups)
    bound = np.sqrt(groups / (32 * 15))
    for values, size in ((layer.weight.data, None), (layer.bias.data, 32)):
        assert np.abs(values).max() <= bound
        if size is None:
            assert np.abs(values).max() > 0.99 * bound
            assert abs(values.var() / (bound**2 / 3) - 1) < 0.03
    assert layer.weight.shape == (64, 32 // groups, 3, 5)


def test_default_initialisation_of_conv_weight():
    layer = mg.nn.Conv2d(32, 64, 3, groups=2)
    bound = np.sqrt(2 / (32 * 9))
    weight = layer.weight.data
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert abs(weight.var() / (bound**2 / 3) - 1) < 0.03


def test_float32_by_default_and_dtype_argument():
    assert mg.nn.Conv1d(1, 1, 1).weight.dtype == mg.float32
    assert mg.nn.ConvTranspose1d(1, 1, 1, dtype=mg.float64).bias.dtype == mg.float64


def test_bad_arguments():
    with assert_raises_with(ValueError, "in_channels", "multiple of groups=2", "3"):
        mg.nn.Conv2d(3, 4, 3, groups=2)
    with assert_raises_with(ValueError, "out_channels", "multiple of groups=2", "3"):
        mg.nn.ConvTranspose2d(4, 3, 3, groups=2)
    with assert_raises_with(ValueError, "stride", "positive", "0"):
        mg.nn.Conv1d(1, 1, 3, stride=0)
    with assert_raises_with(ValueError, "padding", "non-negative", "-1"):
        mg.nn.ConvTranspose1d(1, 1, 3, padding=-1)
    with assert_raises_with(ValueError, "output_padding", "stride or dilation", "(2,)"):
        mg.nn.ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)
    with assert_raises_with(ValueError, "padding_mode", "'mirror'"):
        mg.nn.Conv1d(1, 1, 3, padding_mode="mirror")
    with assert_raises_with(ValueError, "'same'", "stride"):
        mg.nn.Conv1d(1, 1, 3, stride=2, padding="same")
    layer = mg.nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match="channel|C_in|in_channels"):
        layer(mg.randn(1, 2, 5, 5))
    with pytest.raises(TypeError, match="float64|dtype"):
        layer(mg.randn(1, 3, 5, 5, dtype=mg.float64))
