"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle and PixelUnshuffle
against torch: outputs, input gradients, reprs, stored arguments and an empty state
dict."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer

LAYERS = [
    (lambda nn: nn.Upsample(scale_factor=2), (2, 3, 4)),
    (lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 3, 4)),
    (
        lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True),
        (1, 2, 3, 3),
    ),
    (
        lambda nn: nn.Upsample(scale_factor=2.5, mode="trilinear", recompute_scale_factor=True),
        (1, 2, 2, 3, 2),
    ),
    (lambda nn: nn.Upsample(size=3, mode="area"), (2, 3, 7)),
    (lambda nn: nn.Upsample(scale_factor=1.7, mode="nearest-exact"), (1, 2, 3, 5)),
    (lambda nn: nn.UpsamplingNearest2d(scale_factor=2), (2, 3, 3, 2)),
    (lambda nn: nn.UpsamplingBilinear2d(size=(4, 5)), (2, 3, 3, 2)),
    (lambda nn: nn.PixelShuffle(2), (2, 8, 3, 2)),
    (lambda nn: nn.PixelShuffle(3), (9, 2, 2)),
    (lambda nn: nn.PixelUnshuffle(2), (2, 2, 4, 6)),
]


@pytest.mark.parametrize(("make", "shape"), LAYERS)
def test_matches_torch(torch, make, shape) -> None:
    layer, twin = make(mg.nn), make(torch.nn)
    check_layer(torch, layer, twin, randn(*shape, seed=len(shape)))
    assert repr(layer) == repr(twin)
    assert layer.state_dict() == {} and list(layer.parameters()) == []


def test_stored_arguments_and_reprs_as_torch(torch) -> None:
    for make in [
        lambda nn: nn.Upsample(scale_factor=2),
        lambda nn: nn.Upsample(scale_factor=(2, 3)),
        lambda nn: nn.Upsample(size=4, mode="bilinear", align_corners=True),
        lambda nn: nn.Upsample(size=(3, 4)),
        lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
        lambda nn: nn.UpsamplingNearest2d(size=3),
        lambda nn: nn.PixelUnshuffle(3),
    ]:
        layer, twin = make(mg.nn), make(torch.nn)
        assert repr(layer) == repr(twin)
        for name in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"):
            if hasattr(twin, name):
                assert getattr(layer, name) == getattr(twin, name), name
    assert mg.nn.Upsample(scale_factor=2).scale_factor.__class__ is float


def test_a_sub_pixel_decoder_matches_torch(torch) -> None:
    def build(nn):
        return nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.PixelShuffle(2),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode="bilinear"),
            nn.Conv2d(2, 1, 3, padding=1),
        )

    check_layer(torch, build(mg.nn), build(torch.nn), randn(2, 3, 3, 3))


def test_arguments_are_checked_when_called() -> None:
    layer = mg.nn.Upsample(scale_factor=2, mode="bilinear")
    with assert_raises_with(ValueError, "interpolate", "'bilinear'", "4-d"):
        layer(mg.zeros(1, 1, 4))
    with assert_raises_with(ValueError, "pixel_shuffle", "divisible"):
        mg.nn.PixelShuffle(2)(mg.zeros(1, 3, 2, 2))
    with assert_raises_with(ValueError, "size, scale_factor", "neither"):
        mg.nn.Upsample()(mg.zeros(1, 1, 4))


def test_upsampled_gradient_penalty_has_second_derivatives(torch) -> None:
    # A gradient penalty through an upsampling generator: the double backward of
    # bilinear interpolation and pixel shuffle, against torch.
    x = randn(1, 4, 2, 2)
    results = []
    for lib in (mg, torch):
        layers = lib.nn.Sequential(
            lib.nn.PixelShuffle(2), lib.nn.Upsample(scale_factor=2, mode="bilinear")
        )
        t = lib.tensor(x, requires_grad=True)
        out = (layers(t) ** 3).sum()
        (grad,) = lib.autograd.grad(out, [t], create_graph=True)
        (grad**2).sum().backward()
        results.append(np.array(t.grad.tolist()))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)
