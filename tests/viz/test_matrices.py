"""minigrad.viz.matrices: the matrices against torch's Jacobians."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minigrad import viz
from tests.helpers import assert_raises_with


@st.composite
def convolutions(draw):
    """A conv of one channel whose output is not empty: (input_size, weight, geometry)."""
    rank = draw(st.sampled_from((1, 2)))
    sizes = tuple(draw(st.integers(1, 9 if rank == 1 else 5)) for _ in range(rank))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    geometry = {
        "stride": tuple(draw(st.integers(1, 3)) for _ in range(rank)),
        "padding": tuple(draw(st.integers(0, 2)) for _ in range(rank)),
        "dilation": tuple(draw(st.integers(1, 2)) for _ in range(rank)),
    }
    for n, k, p, d in zip(sizes, kernel, geometry["padding"], geometry["dilation"]):
        assume(n + 2 * p - d * (k - 1) - 1 >= 0)
    weight = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(kernel)
    return sizes, weight, geometry


@given(convolutions())
def test_the_matrices_are_torchs_jacobians_and_each_others_transpose(torch, drawn):
    sizes, weight, geometry = drawn
    matrices = viz.conv_matrices(sizes, weight, **geometry)
    functional = torch.nn.functional
    conv = functional.conv1d if len(sizes) == 1 else functional.conv2d
    transposed = functional.conv_transpose1d if len(sizes) == 1 else functional.conv_transpose2d
    w = torch.tensor(weight)[None, None]
    jacobian = torch.autograd.functional.jacobian
    c = jacobian(lambda t: conv(t, w, **geometry), torch.zeros(1, 1, *sizes, dtype=torch.float64))
    out = c.shape[2 : 2 + len(sizes)]
    assert tuple(out) == matrices.output_size
    c = c.reshape(int(np.prod(out)), int(np.prod(sizes))).numpy()
    np.testing.assert_array_equal(matrices.conv, c)
    t = jacobian(
        lambda y: transposed(y, w, output_padding=matrices.output_padding, **geometry),
        torch.zeros(1, 1, *out, dtype=torch.float64),
    )
    np.testing.assert_array_equal(matrices.transpose, t.reshape(c.shape[1], c.shape[0]).numpy())
    np.testing.assert_array_equal(matrices.transpose, c.T)


def test_a_row_of_the_conv_matrix_is_the_kernel_at_stride_times_o():
    matrices = viz.conv_matrices(7, [1.0, 2.0, 3.0], stride=2, padding=1)
    assert matrices.output_size == (4,) and matrices.output_padding == (0,)
    want = np.zeros((4, 9))
    for o in range(4):
        want[o, 2 * o : 2 * o + 3] = [1, 2, 3]
    np.testing.assert_array_equal(matrices.conv, want[:, 1:8])  # padding 1 crops a column
    assert viz.conv_matrices(8, [1.0, 2.0, 3.0], stride=2, padding=1).output_padding == (1,)


def test_the_figure_has_both_panels_and_states_the_transpose():
    fig = viz.convolution_matrices((3, 3), np.ones((2, 2)), stride=1)
    assert [ax.get_title() for ax in fig.axes[:2]] == [
        "C: conv2d, 4 × 9",
        "T: conv_transpose2d, 9 × 4",
    ]
    assert fig.get_suptitle().startswith("T = Cᵀ exactly (np.array_equal)")
    # 16 non-zero entries in each matrix, written in its cells
    assert len(fig.axes[0].texts) == len(fig.axes[1].texts) == 16


@pytest.mark.parametrize(
    ("arguments", "error", "fragments"),
    [
        ({"input_size": 0}, ValueError, ["input_size", "got 0"]),
        ({"input_size": (3, 3)}, ValueError, ["input_size", "tuple of 1 ints"]),
        ({"input_size": 145}, ValueError, ["input_size", "at most 144"]),
        ({"input_size": 1, "padding": 0}, ValueError, ["input_size", "empty", "= -2 < 0"]),
        ({"weight": "w"}, TypeError, ["weight", "str"]),
        ({"stride": -1}, ValueError, ["stride", "-1"]),
        ({"padding": -2}, ValueError, ["padding", "-2"]),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, error, fragments):
    call = {"input_size": 5, "weight": [1.0, 2.0, 3.0], **arguments}
    with assert_raises_with(error, "conv_matrices", *fragments):
        viz.convolution_matrices(**call)
