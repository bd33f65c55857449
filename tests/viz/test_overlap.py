"""minigrad.viz.overlap: the counts against torch and against F.conv_transpose_overlap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad.nn.functional as F
from minigrad import viz
from minigrad.viz._args import geometry as checked_geometry
from minigrad.viz.overlap import interior
from tests.helpers import assert_raises_with


@st.composite
def overlaps(draw):
    rank = draw(st.sampled_from((1, 2)))
    values = {
        name: tuple(draw(st.integers(low, high)) for _ in range(rank))
        for name, low, high in [
            ("kernel_size", 1, 5),
            ("stride", 1, 4),
            ("dilation", 1, 3),
            ("padding", 0, 3),
            ("input_size", 1, 6),
        ]
    }
    for k, s, d, p, n in zip(*values.values()):
        assume((n - 1) * s - 2 * p + d * (k - 1) + 1 >= 1)
    return values


@given(overlaps())
def test_the_counts_are_torchs_transposed_convolution_of_ones(torch, values):
    counts = viz.overlap_counts(
        values["kernel_size"],
        values["stride"],
        values["dilation"],
        values["padding"],
        input_size=values["input_size"],
    )
    call = torch.nn.functional.conv_transpose1d
    if len(values["kernel_size"]) == 2:
        call = torch.nn.functional.conv_transpose2d
    want = call(
        torch.ones(1, 1, *values["input_size"], dtype=torch.float64),
        torch.ones(1, 1, *values["kernel_size"], dtype=torch.float64),
        stride=values["stride"],
        padding=values["padding"],
        dilation=values["dilation"],
    )[0, 0]
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, want.numpy())
    closed_form = F.conv_transpose_overlap(
        values["input_size"],
        values["kernel_size"],
        values["stride"],
        values["padding"],
        values["dilation"],
    )
    np.testing.assert_array_equal(counts, closed_form)


@given(overlaps())
def test_the_interior_is_the_longest_run_with_the_counts_of_an_unbounded_input(torch, values):
    geometry = checked_geometry(
        "test", values["input_size"], values["kernel_size"], values["stride"],
        values["padding"], values["dilation"], (0,) * len(values["input_size"]),
    )  # fmt: skip
    for dim, (start, end) in enumerate(interior(geometry)):
        n, k = values["input_size"][dim], values["kernel_size"][dim]
        s, d, p = values["stride"][dim], values["dilation"][dim], values["padding"][dim]
        # e more inputs on each side reach every tap: output q moves to q + e s there
        e = d * k
        ones = [torch.ones(1, 1, size, dtype=torch.float64) for size in (n, n + 2 * e)]
        kernel = torch.ones(1, 1, k, dtype=torch.float64)
        small, big = [
            torch.nn.functional.conv_transpose1d(t, kernel, stride=s, padding=p, dilation=d)[0, 0]
            for t in ones
        ]
        full = [bool(small[q] == big[q + e * s]) for q in range(len(small))]
        runs = [(a, b) for a in range(len(full) + 1) for b in range(a, len(full) + 1)
                if all(full[a:b])]  # fmt: skip
        longest = max(b - a for a, b in runs)
        assert end - start == longest and all(full[start:end])
        assert (start, end) == next((a, b) for a, b in runs if b - a == longest)


def test_ints_mean_a_2d_map_and_the_checkerboard_is_in_it():
    counts = viz.overlap_counts(3, 2, input_size=3)
    np.testing.assert_array_equal(counts[2], [2, 2, 4, 2, 4, 2, 2])
    even = viz.overlap_counts(4, 2, padding=1, input_size=4)
    assert (even[1:-1, 1:-1] == 4).all()


def test_the_figure_titles_the_geometry_and_draws_one_count_per_cell():
    fig = viz.overlap_map((3,), (2,), dilation=(2,), input_size=(3,))
    assert fig.axes[0].get_title() == "k=3, s=2, d=2: taps per output position"
    counts = viz.overlap_counts((3,), (2,), (2,), input_size=(3,))
    assert [t.get_text() for t in fig.axes[0].texts] == [str(c) for c in counts]
    assert len(fig.axes) == 2  # the map and its colour bar


def test_the_map_draws_into_a_given_axes():
    from matplotlib.figure import Figure

    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert viz.overlap_map(3, 2, ax=left) is figure
    assert viz.overlap_map(4, 2, padding=1, ax=right) is figure
    assert right.get_title() == "k=4, s=2, p=1: taps per output position"


@pytest.mark.parametrize(
    ("arguments", "error", "fragments"),
    [
        ({"kernel_size": 0}, ValueError, ["kernel_size", "got 0"]),
        ({"kernel_size": "3"}, TypeError, ["kernel_size", "str"]),
        ({"stride": (2, 2, 2)}, ValueError, ["stride", "tuple of 1 or 2 ints", "(2, 2, 2)"]),
        ({"stride": (2,), "padding": (1, 1)}, ValueError, ["padding", "length 1"]),
        ({"padding": 9}, ValueError, ["padding", "empty"]),
        ({"input_size": -1}, ValueError, ["input_size", "-1"]),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, error, fragments):
    call = {"kernel_size": 3, "stride": 2, **arguments}
    with assert_raises_with(error, "overlap_counts", *fragments):
        viz.overlap_map(**call)
