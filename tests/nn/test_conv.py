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
    for values, size in ((layer.weight.data.numpy(), None), (layer.bias.data.numpy(), 32)):
        assert np.abs(values).max() <= bound
        if size is None:
            assert np.abs(values).max() > 0.99 * bound
            assert abs(values.var() / (bound**2 / 3) - 1) < 0.03
    assert layer.weight.shape == (64, 32 // groups, 3, 5)


def test_default_initialisation_of_conv_weight():
    layer = mg.nn.Conv2d(32, 64, 3, groups=2)
    bound = np.sqrt(2 / (32 * 9))
    weight = layer.weight.data.numpy()
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
    with assert_raises_with(ValueError, "padding_mode", "'mirror'"):
        mg.nn.Conv1d(1, 1, 3, padding_mode="mirror")
    with assert_raises_with(ValueError, "'same'", "stride"):
        mg.nn.Conv1d(1, 1, 3, stride=2, padding="same")
    layer = mg.nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match="channel|C_in|in_channels"):
        layer(mg.randn(1, 2, 5, 5))
    with pytest.raises(TypeError, match="float64|dtype"):
        layer(mg.randn(1, 3, 5, 5, dtype=mg.float64))


@pytest.mark.parametrize(
    ("name", "shape", "output_size"),
    [("ConvTranspose2d", (0, 2, 3, 4), (6, 8)), ("ConvTranspose1d", (0, 2, 3), None),
     ("Conv2d", (0, 2, 5, 4), None), ("ConvTranspose3d", (0, 2, 2, 2, 2), [3, 2, 3])],
)  # fmt: skip
def test_an_empty_batch_matches_torch(torch, name, shape, output_size):
    # An empty result, and zero gradients of the weight and bias (as in PyTorch).
    args = (2, 3, 3) if name.startswith("Conv2") else (2, 3, 2 if name.endswith("3d") else 3)
    options = {"stride": 2, "padding": 1} if "Transpose" in name else {"padding": 1}
    layer, twin = _pair(torch, name, args, options)
    kwargs = {} if output_size is None else {"output_size": output_size}
    check_layer(torch, layer, twin, randn(*shape), **kwargs)
    assert not layer.weight.grad.numpy().any() and layer.weight.grad.shape == layer.weight.shape


@pytest.mark.parametrize(
    "output_size", [[6, 8], np.array([6, 8]), (1, 3, 6, 8), np.array([5, 9, 6, 8])]
)
def test_output_size_spellings_torch_takes(torch, output_size):
    layer, twin = _pair(torch, "ConvTranspose2d", (2, 3, 3), {"stride": 2, "padding": 1})
    check_layer(torch, layer, twin, randn(1, 2, 3, 4), output_size=output_size)


def test_output_size_spellings_torch_refuses(torch):
    layer = mg.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    twin = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    cases = [
        (TypeError, randn(1, 2, 3, 4), 6, ("ConvTranspose2d: output_size", "int 6")),
        (ValueError, randn(2, 3, 4), (1, 3, 6, 8), ("output_size", "unbatched", "(1, 3, 6, 8)")),
        (ValueError, randn(1, 2, 3, 4), (3, 6, 8), ("output_size", "batched", "(3, 6, 8)")),
        (TypeError, randn(1, 2, 3, 4), (6.0, 8.0), ("output_size", "(6.0, 8.0)")),
    ]
    for error, x, output_size, fragments in cases:
        with assert_raises_with(error, *fragments):
            layer(mg.tensor(x).float(), output_size=output_size)
        with pytest.raises((TypeError, ValueError)):
            twin(torch.tensor(x, dtype=torch.float32), output_size=output_size)


def test_groups_and_channels_are_checked_by_type_and_value():
    assert mg.nn.Conv2d(4, 4, 3, groups=np.int64(2)).groups == 2
    for value, shown in ((2.0, "float 2.0"), (True, "bool True"), ("2", "str '2'"),
                         (None, "NoneType None")):  # fmt: skip
        with assert_raises_with(TypeError, "Conv2d: groups", shown):
            mg.nn.Conv2d(4, 4, 3, groups=value)
        with assert_raises_with(TypeError, "ConvTranspose1d: groups", shown):
            mg.nn.ConvTranspose1d(4, 4, 3, groups=value)
    with assert_raises_with(ValueError, "Conv1d: in_channels", "got 0"):
        mg.nn.Conv1d(0, 4, 3)
    with assert_raises_with(ValueError, "ConvTranspose2d: out_channels", "got 0"):
        mg.nn.ConvTranspose2d(2, 0, 3)
    with assert_raises_with(TypeError, "Conv3d: in_channels", "float 2.0"):
        mg.nn.Conv3d(2.0, 4, 3)


def test_a_weight_too_large_to_allocate_is_refused_by_name():
    with assert_raises_with(ValueError, "Conv2d: kernel_size", "the weight would have shape"):
        mg.nn.Conv2d(64, 64, 2**20)
    with assert_raises_with(
        ValueError, "ConvTranspose1d: kernel_size", "(4, 4, 4611686018427387904)"
    ):
        mg.nn.ConvTranspose1d(4, 4, 2**62)


@pytest.mark.parametrize(
    ("name", "options", "argument", "words"),
    [
        ("Conv1d", {"stride": 0}, "stride", ["positive", "0"]),
        ("Conv2d", {"dilation": (1, 0)}, "dilation", ["positive", "0"]),
        ("ConvTranspose1d", {"padding": -1}, "padding", ["non-negative", "-1"]),
        ("ConvTranspose1d", {"stride": 2, "output_padding": 2}, "output_padding",
         ["stride or dilation", "2"]),
        ("ConvTranspose2d", {"output_padding": -1}, "output_padding", ["-1"]),
    ],
)  # fmt: skip
def test_value_checks_happen_when_the_layer_is_called_as_torch(
    torch, name, options, argument, words
):
    rank = int(name[-2])
    for lib in (mg, torch):
        layer = getattr(lib.nn, name)(1, 1, 3, **options)  # built, as PyTorch builds it
        x = lib.ones((1, 1) + (6,) * rank)
        kind = ValueError if lib is mg else RuntimeError
        with pytest.raises(kind):
            layer(x)
    with assert_raises_with(ValueError, argument, *words):
        getattr(mg.nn, name)(1, 1, 3, **options)(mg.ones((1, 1) + (6,) * rank))
