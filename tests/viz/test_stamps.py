"""minigrad.viz.stamps: the stamps against torch, one input element at a time."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from matplotlib.figure import Figure

import minigrad as mg
from minigrad import viz
from tests.helpers import assert_raises_with
from tests.viz.geometries import Case, cases, torch_conv_transpose


@given(cases())
def test_the_sum_of_the_stamps_is_torchs_transposed_convolution(torch, case: Case):
    parts = viz.stamp_decomposition(case.x, case.w, **case.arguments())
    want = torch_conv_transpose(torch, case)
    np.testing.assert_array_equal(parts.output, want)
    np.testing.assert_array_equal(parts.stamps.sum(axis=0)[parts.window], want)


@given(cases())
def test_each_stamp_is_the_transposed_convolution_of_one_input_element(torch, case: Case):
    parts = viz.stamp_decomposition(case.x, case.w, **case.arguments())
    # Uncropped: no padding and no output_padding, so torch gives the full extent.
    full = Case(case.x, case.w, case.stride, (0,) * case.x.ndim, case.dilation, (0,) * case.x.ndim)
    assert len(parts.positions) == case.x.size
    for number, position in enumerate(parts.positions):
        alone = np.zeros_like(case.x)
        alone[position] = case.x[position]
        stamp = torch_conv_transpose(torch, full, alone)
        canvas = parts.stamps[number]
        np.testing.assert_array_equal(canvas[tuple(slice(0, n) for n in stamp.shape)], stamp)
        # Nothing beyond the full extent: only op > p makes the canvas longer.
        outside = canvas.copy()
        outside[tuple(slice(0, n) for n in stamp.shape)] = 0
        assert not outside.any()


def test_a_stamp_is_the_kernel_scaled_and_placed_at_stride_times_i():
    parts = viz.stamp_decomposition([1.0, 2.0], [1.0, 10.0, 100.0], stride=2)
    np.testing.assert_array_equal(parts.stamps, [[1, 10, 100, 0, 0], [0, 0, 2, 20, 200]])
    np.testing.assert_array_equal(parts.output, [1, 10, 102, 20, 200])


def test_tensors_and_float32_arrays_are_accepted():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    parts = viz.stamp_decomposition(x, np.ones((2, 2), dtype=np.float32), stride=2)
    assert parts.output.dtype == np.float64 and parts.output.shape == (4, 4)


def test_the_1d_figure_has_input_kernel_one_panel_per_stamp_and_the_sum():
    fig = viz.kernel_stamps([1.0, 2.0, -1.0], [1.0, 2.0, 1.0], stride=2, padding=1)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[:6] == [
        "input x  (L = 3)",
        "kernel w  (k = 3)",
        "x[0] · w at 2·0 − 1 = −1",
        "x[1] · w at 2·1 − 1 = 1",
        "x[2] · w at 2·2 − 1 = 3",
        "sum = conv_transpose1d(x, w, stride=2, padding=1)",
    ]
    assert "sum of kernel stamps" in fig.get_suptitle()
    # the cells of the sum panel hold the output: 1, 3, 4, 1, -2 with the crop around
    texts = [t.get_text() for t in fig.axes[5].texts]
    assert texts == ["1", "2", "3", "4", "1", "−2", "−1"]


def test_the_2d_figure_places_each_stamp_in_the_grid_of_the_input():
    fig = viz.kernel_stamps(np.ones((2, 3)), np.ones((2, 2)), stride=2, dilation=(1, 2))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["input x 2×3", "kernel w 2×2"]
    assert titles[2:8] == [
        f"x[{i},{j}]·w at ({2 * i}, {2 * j})" for i in range(2) for j in range(3)
    ]
    assert titles[8] == "sum = conv_transpose2d"
    assert "conv_transpose2d(x, w, stride=2, dilation=(1, 2))" in fig.get_suptitle()


def test_drawing_into_a_subfigure_returns_the_root_figure():
    figure = Figure()
    returned = viz.kernel_stamps([1.0], [1.0, 1.0], fig=figure.subfigures(1, 2)[0])
    assert returned is figure


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: viz.kernel_stamps("ab", [1.0]), TypeError, ["input", "str"]),
        (lambda: viz.kernel_stamps([True], [1.0]), TypeError, ["input", "dtype bool"]),
        (lambda: viz.kernel_stamps(np.ones((1, 1, 2)), [1.0]), ValueError, ["input", "(1, 1, 2)"]),
        (lambda: viz.kernel_stamps([1.0], [[1.0]]), ValueError, ["weight", "expected 1"]),
        (lambda: viz.kernel_stamps([], [1.0]), ValueError, ["input", "non-empty"]),
        (lambda: viz.kernel_stamps([np.nan], [1.0]), ValueError, ["input", "finite"]),
        (lambda: viz.kernel_stamps(np.ones(17), [1.0]), ValueError, ["input", "at most 16"]),
        (lambda: viz.kernel_stamps([1.0], [1.0], stride=0), ValueError, ["stride", "got 0"]),
        (lambda: viz.kernel_stamps([1.0], [1.0], stride=1.5), TypeError, ["stride"]),
        (lambda: viz.kernel_stamps([1.0], [1.0], padding=-1), ValueError, ["padding", "-1"]),
        (lambda: viz.kernel_stamps([1.0], [1.0], dilation=(1, 1)), ValueError, ["dilation"]),
        (
            lambda: viz.kernel_stamps([1.0, 2.0], [1.0], stride=2, output_padding=2),
            ValueError,
            ["output_padding", "below stride or dilation", "got 2"],
        ),
        (
            lambda: viz.kernel_stamps([1.0], [1.0, 1.0], padding=1),
            ValueError,
            ["padding", "empty", "(1 - 1)*1 - 2*1 + 1*(2 - 1) + 0 + 1 = 0"],
        ),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, fragments):
    with assert_raises_with(error, "stamp_decomposition", *fragments):
        call()
