"""Pooling layers against torch: outputs, input gradients, return_indices, reprs, an
empty state dict, unbatched input, and arguments checked when the layer is called."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_close, assert_raises_with, randn
from tests.nn.torch_twin import check_layer

LAYERS = [
    (lambda nn: nn.MaxPool1d(3), (2, 3, 8)),
    (lambda nn: nn.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True), (3, 9)),
    (lambda nn: nn.MaxPool2d(2), (2, 3, 6, 5)),
    (lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True), (3, 7, 6)),
    (lambda nn: nn.MaxPool3d(2, stride=1, padding=1), (1, 2, 3, 4, 3)),
    (lambda nn: nn.AvgPool1d(3), (2, 3, 8)),
    (lambda nn: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), (3, 8)),
    (lambda nn: nn.AvgPool2d(2), (2, 3, 6, 5)),
    (lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True, divisor_override=4), (2, 7, 6)),
    (
        lambda nn: nn.AvgPool3d((2, 1, 2), count_include_pad=False, padding=(1, 0, 0)),
        (1, 2, 3, 2, 4),
    ),
    (lambda nn: nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
    (lambda nn: nn.AdaptiveAvgPool2d((None, 3)), (2, 3, 5, 7)),
    (lambda nn: nn.AdaptiveAvgPool3d(2), (2, 3, 5, 4)),
    (lambda nn: nn.AdaptiveMaxPool1d(4), (2, 3, 7)),
    (lambda nn: nn.AdaptiveMaxPool2d((2, None)), (2, 3, 5, 7)),
    (lambda nn: nn.AdaptiveMaxPool3d((1, 2, 3)), (2, 3, 5, 4)),
]


@pytest.mark.parametrize(("make", "shape"), LAYERS)
def test_matches_torch(torch, make, shape) -> None:
    layer, twin = make(mg.nn), make(torch.nn)
    check_layer(torch, layer, twin, randn(*shape, seed=len(shape)))
    assert repr(layer) == repr(twin)
    assert layer.state_dict() == {} and list(layer.parameters()) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.MaxPool2d(3, 2, 1, return_indices=True),
        lambda nn: nn.MaxPool1d(2, return_indices=True),
        lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True),
        lambda nn: nn.AdaptiveMaxPool3d(2, True),
    ],
)
def test_return_indices_as_torch(torch, make) -> None:
    layer, twin = make(mg.nn), make(torch.nn)
    rank = {"1d": 1, "2d": 2, "3d": 3}[type(layer).__name__[-2:]]
    x = randn(2, 3, *[6] * rank)
    out, indices = layer(mg.tensor(x))
    t_out, t_indices = twin(torch.tensor(x))
    assert_close(out, t_out)
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert repr(layer) == repr(twin)


def test_reprs_keep_the_arguments_as_given(torch) -> None:
    for make in [
        lambda nn: nn.MaxPool2d(2),
        lambda nn: nn.MaxPool3d((2, 1, 2), return_indices=True),
        lambda nn: nn.MaxPool1d(3, stride=1, padding=1, dilation=2, ceil_mode=True),
        lambda nn: nn.AvgPool1d(3),
        lambda nn: nn.AvgPool1d((2,), 1, 1),
        lambda nn: nn.AvgPool2d((2, 3), stride=1),
        lambda nn: nn.AvgPool3d(2, divisor_override=3),
        lambda nn: nn.AdaptiveAvgPool2d((None, 3)),
        lambda nn: nn.AdaptiveMaxPool2d(4, True),
    ]:
        assert repr(make(mg.nn)) == repr(make(torch.nn))
    assert repr(mg.nn.Sequential(mg.nn.MaxPool2d(2))) == repr(
        torch.nn.Sequential(torch.nn.MaxPool2d(2))
    )


def test_layer_arguments_are_checked_when_called_as_torch() -> None:
    layer = mg.nn.MaxPool2d(0)  # built without complaint, as in PyTorch
    with assert_raises_with(ValueError, "max_pool2d", "kernel_size"):
        layer(mg.zeros(1, 4, 4))
    layer = mg.nn.AvgPool2d(3, padding=2)
    with assert_raises_with(ValueError, "avg_pool2d", "padding"):
        layer(mg.zeros(1, 4, 4))
    with assert_raises_with(ValueError, "adaptive_max_pool2d", "output_size"):
        mg.nn.AdaptiveMaxPool2d((1, 2, 3))(mg.zeros(1, 4, 4))


def test_pooling_in_a_model_trains_to_torchs_gradients(torch) -> None:
    def build(nn):
        return nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 2 * 2, 1),
        )

    model, twin = build(mg.nn), build(torch.nn)
    check_layer(torch, model, twin, randn(3, 2, 8, 8))


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: (nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)),
        lambda nn: (nn.MaxPool2d(2, padding=1, return_indices=True), nn.MaxUnpool2d(2, padding=1)),
        lambda nn: (nn.MaxPool3d((2, 1, 2), return_indices=True), nn.MaxUnpool3d((2, 1, 2))),
    ],
)
def test_max_unpool_layers_match_torch(torch, make) -> None:
    (pool, unpool), (twin_pool, twin_unpool) = make(mg.nn), make(torch.nn)
    assert repr(unpool) == repr(twin_unpool)
    assert unpool.state_dict() == {}
    rank = len(unpool.kernel_size)
    x = randn(2, 3, *[6, 4, 5][:rank])
    size = x.shape[2:]
    t = mg.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    out = unpool(*pool(t), output_size=size)
    t_out = twin_unpool(*twin_pool(tt), output_size=size)
    assert_close(out, t_out)
    seed = randn(*out.shape, seed=1)
    out.backward(mg.tensor(seed))
    t_out.backward(torch.tensor(seed))
    assert_close(t.grad, tt.grad)
