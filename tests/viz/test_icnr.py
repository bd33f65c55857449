"""minigrad.viz.icnr: the outputs against torch, and ICNR's promise checked on them."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import viz
from tests.helpers import assert_raises_with


@pytest.mark.parametrize(
    ("channels", "kernel", "stride", "padding", "size"),
    [(3, 3, 2, 0, 5), (2, 4, 2, 1, 6), (1, 5, 3, 1, 4), (4, 2, 2, 0, 3)],
)
def test_the_outputs_are_torchs_and_icnr_is_flat_inside(
    torch, channels, kernel, stride, padding, size
):
    mg.manual_seed(3)
    outputs = viz.icnr_outputs(channels, kernel, stride, padding, input_size=size)
    ones = torch.ones(1, channels, size, size, dtype=torch.float64)
    for weight, output in [
        (outputs.default_weight, outputs.default),
        (outputs.icnr_weight, outputs.icnr),
    ]:
        assert weight.shape == (channels, 1, kernel, kernel)
        want = torch.nn.functional.conv_transpose2d(
            ones, torch.tensor(weight), stride=stride, padding=padding
        )[0, 0]
        np.testing.assert_allclose(output, want.numpy(), rtol=1e-12, atol=1e-12)
    (r0, r1), (c0, c1) = outputs.interior
    assert r1 > r0 and c1 > c0
    inside = outputs.icnr[r0:r1, c0:c1]
    np.testing.assert_allclose(inside, inside[0, 0], rtol=1e-12, atol=1e-12)
    # icnr_ is the sub-kernel convolved with a box of s ones: each phase sums alike
    for channel in outputs.icnr_weight[:, 0]:
        phase_sums = [
            channel[i::stride, j::stride].sum() for i in range(stride) for j in range(stride)
        ]
        np.testing.assert_allclose(phase_sums, phase_sums[0], rtol=1e-12, atol=1e-12)


def test_the_default_initialisation_gives_a_checkerboard_when_k_is_not_a_multiple_of_s():
    mg.manual_seed(0)
    outputs = viz.icnr_outputs(4, 3, 2, input_size=8)
    (r0, r1), (c0, c1) = outputs.interior
    inside = outputs.default[r0:r1, c0:c1]
    assert np.ptp(inside) > 1e-3
    # ... with period s: every other row and column repeats
    np.testing.assert_allclose(inside[2:, :], inside[:-2, :], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(inside[:, 2:], inside[:, :-2], rtol=1e-12, atol=1e-12)


def test_the_same_seed_gives_the_same_picture_data():
    mg.manual_seed(5)
    first = viz.icnr_outputs(2, 3, 2)
    mg.manual_seed(5)
    second = viz.icnr_outputs(2, 3, 2)
    np.testing.assert_array_equal(first.default, second.default)
    np.testing.assert_array_equal(first.icnr, second.icnr)


def test_the_figure_has_both_outputs_and_a_profile():
    mg.manual_seed(0)
    fig = viz.icnr_comparison(4, 3, 2, input_size=6)
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert titles[0].startswith("default init: interior spread ") and titles[0][-1] != "0"
    assert titles[1:] == ["icnr_: interior spread 0", "middle row"]
    assert "ConvTranspose2d(4, 1, 3, stride=2)" in fig.get_suptitle()


@pytest.mark.parametrize(
    ("arguments", "error", "fragments"),
    [
        ({"kernel_size": 1}, ValueError, ["kernel_size", "at least the stride 2", "got 1"]),
        ({"in_channels": 0}, ValueError, ["in_channels", "got 0"]),
        ({"in_channels": 2.0}, TypeError, ["in_channels", "float"]),
        ({"padding": -1}, ValueError, ["padding", "-1"]),
        ({"padding": 2, "input_size": 1}, ValueError, ["padding", "empty"]),
        ({"input_size": True}, TypeError, ["input_size", "bool"]),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, error, fragments):
    call = {"in_channels": 2, "kernel_size": 3, "stride": 2, **arguments}
    with assert_raises_with(error, "icnr_outputs", *fragments):
        viz.icnr_comparison(**call)
