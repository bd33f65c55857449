"""F.interpolate (every mode, size and scale_factor, align_corners), the deprecated
upsample forms, F.pixel_shuffle and F.pixel_unshuffle: values and every gradient
against torch, gradcheck and gradgradcheck, the adjoint pair behind each mode, and
PyTorch's errors for bad combinations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F
from minigrad.functional.upsampling import InterpolationModeError
from minigrad.ops.sampling import (
    AxisResample,
    PixelShuffle,
    PixelUnshuffle,
    cubic_taps,
    linear_taps,
    nearest_taps,
)
from tests.helpers import assert_close, assert_raises_with, check_op
from tests.strategies import permuted_strides

MODES = {
    1: ["nearest", "nearest-exact", "linear", "area"],
    2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
    3: ["nearest", "nearest-exact", "trilinear", "area"],
}
INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


@st.composite
def resize_cases(draw: st.DrawFn) -> tuple:
    rank = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(MODES[rank]))
    shape = (draw(st.integers(1, 2)), 2, *[draw(st.integers(1, 5)) for _ in range(rank)])
    if draw(st.booleans()):
        sizes = [draw(st.integers(1, 7)) for _ in range(rank)]
        arguments = {"size": sizes[0] if draw(st.booleans()) else tuple(sizes)}
    else:
        factor = st.sampled_from([0.5, 0.75, 1.0, 1.3, 2.0, 2.5, 3])
        factors = [draw(factor) for _ in range(rank)]
        if any(int(size * f) < 1 for size, f in zip(shape[2:], factors)):
            factors = [max(f, 1.0) for f in factors]
        arguments = {"scale_factor": tuple(factors)}
        if draw(st.booleans()):
            arguments["recompute_scale_factor"] = True
    if mode in INTERPOLATING:
        arguments["align_corners"] = draw(st.booleans())
    return shape, mode, arguments


@settings(max_examples=30)
@given(case=resize_cases())
def test_interpolate_matches_torch(torch, case) -> None:
    shape, mode, arguments = case
    x = np.random.default_rng(len(shape)).standard_normal(shape)

    def theirs(t):
        return torch.nn.functional.interpolate(t, mode=mode, **arguments)

    if _torch_nearest_backward_differs(shape, mode, arguments):
        got = check_op(lambda t: F.interpolate(t, mode=mode, **arguments), x, torch_fn=None)
        assert_close(got, theirs(torch.tensor(x)))
        return
    check_op(
        lambda t: F.interpolate(t, mode=mode, **arguments), x, torch_fn=theirs, gradgrad=False
    )


def _torch_nearest_backward_differs(shape: tuple, mode: str, arguments: dict) -> bool:
    """Whether torch's 1-d or 3-d nearest backward takes its 2-d forward's shortcuts
    (L_out = L_in or 2 L_in) while its forward does not: its gradient is then not the
    derivative of its forward (torch's own gradcheck fails), and minigrad's is.
    """
    factors = arguments.get("scale_factor")
    if mode != "nearest" or len(shape) == 4 or factors is None:
        return False
    if arguments.get("recompute_scale_factor"):
        return False
    sizes = [int(size * factor) for size, factor in zip(shape[2:], factors)]
    return any(out in (size, 2 * size) for out, size in zip(sizes, shape[2:]))


def test_nearest_gradient_is_the_derivative_where_torchs_is_not(torch) -> None:
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 1, 2)), requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: F.interpolate(t, scale_factor=1.3), [x])
    (grad,) = mg.autograd.grad(F.interpolate(x, scale_factor=1.3).sum(), [x])
    np.testing.assert_array_equal(grad.numpy(), [[[2.0, 0.0]]])  # both outputs read input 0


@pytest.mark.parametrize(
    ("shape", "mode"),
    [
        ((1, 2, 3), "linear"),
        ((1, 1, 3, 2), "bicubic"),
        ((1, 1, 2, 2, 3), "trilinear"),
        ((1, 2, 3, 2), "nearest"),
        ((1, 1, 5, 3), "area"),
    ],
)
def test_interpolate_second_derivatives(shape, mode) -> None:
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)

    def f(t: mg.Tensor) -> mg.Tensor:
        return F.interpolate(t, scale_factor=1.7, mode=mode) ** 2

    assert mg.autograd.gradgradcheck(f, [x])


@pytest.mark.parametrize("scale", [1.5, 2.0, 0.6, 3.3])
def test_float32_matches_torch(torch, scale) -> None:
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 6)).astype(np.float32)
    for mode, corners in [
        ("nearest", None),
        ("nearest-exact", None),
        ("bilinear", False),
        ("bilinear", True),
        ("bicubic", False),
        ("area", None),
    ]:
        got = F.interpolate(mg.tensor(x), scale_factor=scale, mode=mode, align_corners=corners)
        want = torch.nn.functional.interpolate(
            torch.tensor(x), scale_factor=scale, mode=mode, align_corners=corners
        )
        assert got.dtype == mg.float32
        assert_close(got, want, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(
    "arguments",
    [
        {"size": (3, 4)},
        {"size": (11, 2)},
        {"scale_factor": 0.37},
        {"scale_factor": (0.5, 1.7)},
        {"scale_factor": 0.3, "recompute_scale_factor": True},
    ],
)
def test_antialias_matches_torch(torch, mode, align_corners, arguments) -> None:
    # Widths of at least 2: torch's antialiased kernel returns a constant for a width-1
    # input (every output its first value), which is not the filter it documents.
    x = np.random.default_rng(3).standard_normal((2, 2, 9, 7))
    check_op(
        lambda t: F.interpolate(
            t, mode=mode, align_corners=align_corners, antialias=True, **arguments
        ),
        x,
        torch_fn=lambda t: torch.nn.functional.interpolate(
            t, mode=mode, align_corners=align_corners, antialias=True, **arguments
        ),
        gradgrad=False,
    )


def test_antialias_second_derivatives_and_float32(torch) -> None:
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 1, 5, 4)), requires_grad=True)
    assert mg.autograd.gradgradcheck(
        lambda t: F.interpolate(t, size=(2, 3), mode="bicubic", antialias=True) ** 2, [x]
    )
    y = np.random.default_rng(1).standard_normal((2, 3, 17, 12)).astype(np.float32)
    got = F.interpolate(mg.tensor(y), scale_factor=0.4, mode="bilinear", antialias=True)
    want = torch.nn.functional.interpolate(
        torch.tensor(y), scale_factor=0.4, mode="bilinear", antialias=True
    )
    assert got.dtype == mg.float32
    assert_close(got, want, atol=1e-6, rtol=1e-5)


def test_nearest_picks_torchs_positions_exactly(torch) -> None:
    # Sizes where float32 rounding of the source position matters.
    cases = [
        (3, 7, None),
        (7, 3, None),
        (5, 15, None),
        (17, 51, None),
        (100, 23, None),
        (3, 6, 2.1),
        (2, 2, 1.3),
        (6, 12, 2.0),
    ]
    for size_in, size_out, scale in cases:
        arguments = {"size": size_out} if scale is None else {"scale_factor": scale}
        for rank in (1, 2, 3):
            # PyTorch's 2-d nearest reads o (L_out = L_in) or o // 2 (L_out = 2 L_in)
            # whatever the scale factor; its 1-d and 3-d nearest do not.
            x = np.arange(size_in**rank, dtype=np.float64).reshape(1, 1, *[size_in] * rank)
            for mode in ("nearest", "nearest-exact"):
                got = F.interpolate(mg.tensor(x), mode=mode, **arguments).numpy()
                want = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **arguments)
                np.testing.assert_array_equal(got, want.numpy())


@pytest.mark.parametrize(
    "taps",
    [
        nearest_taps(3, 7, None, False),
        nearest_taps(7, 3, 0.5, True),
        linear_taps(4, 9, True, None, np.dtype(np.float64)),
        linear_taps(6, 4, False, 0.7, np.dtype(np.float64)),
        cubic_taps(3, 8, False, None, np.dtype(np.float64)),
    ],
)
def test_each_mode_and_its_adjoint_pass_the_dot_product_test(taps) -> None:
    assert taps.adjoint.adjoint is taps
    mg.autograd.check_adjoint(
        lambda t: AxisResample.apply(t, taps=taps, axis=1),
        lambda t: AxisResample.apply(t, taps=taps.adjoint, axis=1),
        (2, taps.size_in, 3),
        (2, taps.size_out, 3),
    )


def test_deprecated_forms_warn_and_resize(torch) -> None:
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 3))
    with pytest.warns(UserWarning, match="deprecated"):
        got = F.upsample_bilinear(mg.tensor(x), scale_factor=2)
    want = torch.nn.functional.interpolate(
        torch.tensor(x), scale_factor=2, mode="bilinear", align_corners=True
    )
    assert_close(got, want)
    with pytest.warns(UserWarning, match="deprecated"):
        assert F.upsample_nearest(mg.tensor(x), size=5).shape == (1, 2, 5, 5)
    with pytest.warns(UserWarning, match="deprecated"):
        assert F.upsample(mg.tensor(x), size=4, mode="bicubic").shape == (1, 2, 4, 4)


def test_empty_batch_resizes() -> None:
    assert F.interpolate(mg.zeros(0, 2, 3, 3), scale_factor=2).shape == (0, 2, 6, 6)


def test_mode_error_is_both_not_implemented_and_value_error() -> None:
    with pytest.raises(NotImplementedError):
        F.interpolate(mg.zeros(1, 1, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError):
        F.interpolate(mg.zeros(1, 1, 4), scale_factor=2, mode="bilinear")


@pytest.mark.parametrize(
    ("call", "exception", "fragments"),
    [
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), scale_factor=2, mode="bilinear"),
            InterpolationModeError,
            ["interpolate", "'bilinear'", "4-d", "3-d"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4, 4), size=2, mode="trilinear"),
            InterpolationModeError,
            ["'trilinear'", "5-d"],
        ),
        (
            lambda: F.interpolate(mg.zeros(4, 4), size=2),
            InterpolationModeError,
            ["3-d, 4-d or 5-d", "2-d"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=2, mode="cubic"),
            ValueError,
            ["interpolate: mode", "'cubic'", "nearest"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=2, align_corners=True),
            ValueError,
            ["align_corners", "interpolating modes", "'nearest'"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=2, scale_factor=2),
            ValueError,
            ["only one of them"],
        ),
        (lambda: F.interpolate(mg.zeros(1, 1, 4)), ValueError, ["one of them", "neither"]),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4, 4), size=(2, 2, 2)),
            ValueError,
            ["interpolate: size", "tuple of 2"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4, 4), scale_factor=(2,)),
            ValueError,
            ["interpolate: scale_factor", "tuple of 2"],
        ),
        (lambda: F.interpolate(mg.zeros(1, 1, 4), size=2.5), TypeError, ["size", "float"]),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), scale_factor="2"),
            TypeError,
            ["scale_factor", "str"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=0),
            ValueError,
            ["output size (0,)", "positive"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), scale_factor=0.1),
            ValueError,
            ["output size (0,)"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=3, recompute_scale_factor=True),
            ValueError,
            ["recompute_scale_factor", "explicit size"],
        ),
        (lambda: F.interpolate(mg.zeros(1, 0, 4), size=3), ValueError, ["non-zero"]),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=3, mode="linear", align_corners=1),
            TypeError,
            ["align_corners", "bool"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4), size=3, mode="linear", antialias=True),
            ValueError,
            ["antialias", "'bilinear' and 'bicubic'", "'linear'", "3-d"],
        ),
        (
            lambda: F.interpolate(mg.zeros(1, 1, 4, 4), size=3, antialias=1),
            TypeError,
            ["antialias", "bool"],
        ),
        (lambda: F.interpolate([0.0], size=3), TypeError, ["interpolate: input", "list"]),
        (
            lambda: F.pixel_shuffle(mg.zeros(1, 5, 2, 2), 2),
            ValueError,
            ["pixel_shuffle", "divisible", "4", "got 5"],
        ),
        (lambda: F.pixel_shuffle(mg.zeros(4, 2), 2), ValueError, ["at least 3 dims"]),
        (lambda: F.pixel_shuffle(mg.zeros(1, 4, 2, 2), 0), ValueError, ["positive", "got 0"]),
        (
            lambda: F.pixel_shuffle(mg.zeros(1, 4, 2, 2), 2.0),
            TypeError,
            ["upscale_factor", "float"],
        ),
        (
            lambda: F.pixel_unshuffle(mg.zeros(1, 1, 4, 5), 2),
            ValueError,
            ["pixel_unshuffle", "divisible", "4 and 5"],
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(call, exception, fragments) -> None:
    with assert_raises_with(exception, *fragments):
        call()


@settings(max_examples=10)
@given(
    lead=st.lists(st.integers(1, 2), max_size=2),
    factor=st.integers(1, 3),
    channels=st.integers(1, 2),
    height=st.integers(1, 3),
    width=st.integers(1, 3),
)
def test_pixel_shuffle_and_unshuffle_match_torch(torch, lead, factor, channels, height, width):
    shape = (*lead, channels * factor * factor, height, width)
    x = np.random.default_rng(factor).standard_normal(shape)
    check_op(
        lambda t: F.pixel_shuffle(t, factor),
        x,
        torch_fn=lambda t: torch.nn.functional.pixel_shuffle(t, factor),
        gradgrad=False,
    )
    y = F.pixel_shuffle(mg.tensor(x), factor)
    check_op(
        lambda t: F.pixel_unshuffle(t, factor),
        y.numpy(),
        torch_fn=lambda t: torch.nn.functional.pixel_unshuffle(t, factor),
        gradgrad=False,
    )
    np.testing.assert_array_equal(F.pixel_unshuffle(y, factor).numpy(), x)


def test_pixel_shuffle_keeps_integer_dtypes(torch) -> None:
    x = np.arange(2 * 8 * 2 * 3).reshape(2, 8, 2, 3)
    got = F.pixel_shuffle(mg.tensor(x), 2)
    assert got.dtype == mg.int64
    want = torch.nn.functional.pixel_shuffle(torch.tensor(x), 2)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_pixel_shuffle_second_derivatives() -> None:
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 8, 2, 1)), requires_grad=True)
    assert mg.autograd.gradgradcheck(lambda t: F.pixel_shuffle(t, 2) ** 2, [x])
    assert mg.autograd.gradgradcheck(
        lambda t: F.pixel_unshuffle(t.reshape(1, 2, 2, 4), 2) ** 2, [x]
    )


def test_permuted_strides_and_float32_gradients_as_torch(torch) -> None:
    values = np.random.default_rng(4).standard_normal((2, 3, 5, 4)).astype(np.float32)
    stored = permuted_strides(values, (3, 1, 0, 2))
    for mode in ("bilinear", "bicubic", "nearest"):
        ours = mg.tensor(stored, requires_grad=True)
        theirs = torch.tensor(values, requires_grad=True)
        out = F.interpolate(ours, scale_factor=1.5, mode=mode)
        t_out = torch.nn.functional.interpolate(theirs, scale_factor=1.5, mode=mode)
        assert_close(out, t_out, atol=1e-5, rtol=1e-5)
        (out**2).sum().backward()
        (t_out**2).sum().backward()
        assert ours.grad.dtype == mg.float32
        assert_close(ours.grad, theirs.grad, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("factor", [1, 2, 3])
def test_pixel_shuffle_ops_are_adjoint_and_copy(factor) -> None:
    # The pair is a permutation and its inverse: each the other's adjoint (and
    # backward); the result is a new array even when nothing moves (factor 1).
    shape = (2, 2 * factor * factor, 3, 2)
    mg.autograd.check_adjoint(
        lambda t: PixelShuffle.apply(t, factor=factor),
        lambda t: PixelUnshuffle.apply(t, factor=factor),
        shape,
        (2, 2, 3 * factor, 2 * factor),
    )
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape))
    out = PixelShuffle.apply(x, factor=factor)
    assert not np.may_share_memory(out.numpy(), x.numpy())
    assert out.numpy().flags.c_contiguous
