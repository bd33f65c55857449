"""minigrad.viz.zero_insertion: each step against numpy or torch, written independently."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from minigrad import viz
from tests.helpers import assert_raises_with
from tests.viz.geometries import Case, cases, torch_conv_transpose


@given(cases())
def test_every_step_matches_an_independent_computation(torch, case: Case):
    steps = viz.zero_insertion_steps(case.x, case.w, **case.arguments())
    rank = case.x.ndim
    # 1. zeros inserted: the input on a grid of step s, zeros elsewhere
    spread = tuple(slice(None, None, s) for s in case.stride)
    np.testing.assert_array_equal(steps.dilated[spread], case.x)
    assert np.count_nonzero(steps.dilated_kinds == 0) == case.x.size
    assert steps.dilated.shape == tuple((n - 1) * s + 1 for n, s in zip(case.x.shape, case.stride))
    # 2. padded by d(k-1)-p, and op more at the end: torch's pad crops when negative
    before = [d * (k - 1) - p for d, k, p in zip(case.dilation, case.w.shape, case.padding)]
    after = [b + op for b, op in zip(before, case.output_padding)]
    assert steps.pad_before == tuple(before) and steps.pad_after == tuple(after)
    pads = [amount for dim in reversed(range(rank)) for amount in (before[dim], after[dim])]
    padded = torch.nn.functional.pad(torch.tensor(steps.dilated)[None, None], pads)[0, 0]
    np.testing.assert_array_equal(steps.padded, padded.numpy())
    # 3. the kernel flipped, 4. the convolution: torch's transposed convolution
    np.testing.assert_array_equal(steps.flipped, np.flip(case.w))
    np.testing.assert_array_equal(steps.output, torch_conv_transpose(torch, case))


def test_padding_cells_are_marked_apart_from_inserted_zeros():
    steps = viz.zero_insertion_steps([1.0, 2.0], [1.0, 10.0, 100.0], stride=2, output_padding=1)
    np.testing.assert_array_equal(steps.padded, [0, 0, 1, 0, 2, 0, 0, 0])
    np.testing.assert_array_equal(steps.padded_kinds, [2, 2, 0, 1, 0, 2, 2, 2])
    np.testing.assert_array_equal(steps.output, [1, 10, 102, 20, 200, 0])


def test_the_figure_shows_five_numbered_steps():
    fig = viz.zero_insertion([1.0, 2.0, -1.0], [1.0, 2.0, 1.0], stride=2, padding=1)
    titles = [ax.get_title(loc="left") for ax in fig.axes[:5]]
    assert titles == [
        "1. input x",
        "2. insert s − 1 = 1 zeros",
        "3. pad by d(k − 1) − p = 1",
        "4. flip w",
        "5. conv1d = conv_transpose1d",
    ]
    assert fig.get_suptitle().endswith("conv_transpose1d(x, w, stride=2, padding=1)")
    assert [t.get_text() for t in fig.axes[4].texts] == ["2", "3", "4", "1", "−2"]


def test_a_padding_above_the_kernel_reach_crops_and_says_so():
    fig = viz.zero_insertion(np.ones((3, 3)), np.ones((2, 2)), stride=2, padding=(2, 0))
    assert fig.axes[2].get_title() == "3. pad by d(k − 1) − p = (-1, 1)"


@pytest.mark.parametrize(
    ("arguments", "error", "fragments"),
    [
        ({"input": {1: 2}}, TypeError, ["input", "dict"]),
        ({"weight": np.ones((2, 2))}, ValueError, ["weight", "expected 1 spatial dims"]),
        ({"stride": (1, 2)}, ValueError, ["stride", "tuple of 1 ints"]),
        ({"dilation": 0}, ValueError, ["dilation", "got 0"]),
        ({"output_padding": -1}, ValueError, ["output_padding", "-1"]),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, error, fragments):
    call = {"input": [1.0, 2.0], "weight": [1.0, 1.0], **arguments}
    with assert_raises_with(error, "zero_insertion_steps", *fragments):
        viz.zero_insertion(**call)
