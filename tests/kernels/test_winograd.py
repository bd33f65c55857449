"""The Winograd path against the loop twins of the reference path.

It takes layers with groups 1, dilation 1 and ``k <= 2 s`` in every dim when the
channels are wide enough (``winograd.takes``); here it is also
forced onto small draws of that family, so that odd sizes, padding, strides up to 3,
dims with one tap per phase and many batch blocks are all met.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels import _threads, conv
from minigrad.kernels.conv import Geometry, reference, winograd
from minigrad.kernels.conv.winograd.transforms import weights_in, weights_out
from tests.kernels.test_conv import (
    assert_adjoint_identities,
    assert_matches_reference,
    geometry_of,
    operands,
    patched,
    run_all,
)


@st.composite
def winograd_geometries(draw: Any) -> dict[str, Any]:
    """Groups 1, dilation 1, per dim ``k <= 2 s`` (at least one dim with ``k > s``),
    and zero padding before and after x of up to ``k - 1``.
    """
    spatial = draw(st.integers(1, 3))
    kernel, stride, x_size, y_size, padding = [], [], [], [], []
    for dim in range(3):
        if dim < 3 - spatial:
            k = s = ly = lx = 1
            before = 0
        else:
            s = draw(st.integers(1, 3))
            k = draw(st.integers(1, 2 * s))
            ly = draw(st.integers(1, 5))
            full = s * (ly - 1) + k + draw(st.integers(0, 2))
            before = draw(st.integers(0, min(k - 1, full - 1)))
            after = draw(st.integers(0, min(k - 1, full - 1 - before)))
            lx = full - before - after
        kernel.append(k)
        stride.append(s)
        x_size.append(lx)
        y_size.append(ly)
        padding.append(before)
    if all(k <= s for k, s in zip(kernel, stride)):
        kernel[2] = stride[2] + 1
        x_size[2] = stride[2] * (y_size[2] - 1) + kernel[2] - padding[2]
    return {
        "n": draw(st.integers(1, 3)),
        "c_in": draw(st.integers(1, 3)),
        "c_out": draw(st.integers(1, 3)),
        "groups": 1,
        "kernel": tuple(kernel),
        "stride": tuple(stride),
        "dilation": (1, 1, 1),
        "x_size": tuple(x_size),
        "y_size": tuple(y_size),
        "padding": tuple(padding),
    }


@contextlib.contextmanager
def everywhere(tiny_blocks: bool = False, by_point: bool = False) -> Iterator[None]:
    """Route every applicable geometry here; with ``tiny_blocks``, one sample a block
    and every block's GEMMs split between threads; with ``by_point``, the weight
    gradient's GEMMs one per point whatever the channels (else one per point and phase).
    """
    settings: list[tuple[Any, str, Any]] = [
        (winograd, "MIN_CHANNELS", 1), (winograd, "WIDE", 1),
        (winograd, "MAX_WORK_RATIO", float("inf")), (winograd, "MIN_WORK", 0),
        (winograd, "POINT_GEMM_CHANNELS", 1 if by_point else 1 << 30),
        (winograd, "DTYPES", (np.dtype(np.float32), np.dtype(np.float64))),
    ]  # fmt: skip
    if tiny_blocks:
        settings += [(winograd, "BLOCK_BYTES", 1), (_threads, "MIN_COLUMNS", 1),
                     (_threads, "PARALLEL_WORK", 0)]  # fmt: skip
    with patched(settings):
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=winograd_geometries(), tiny=st.booleans(), by_point=st.booleans())
def test_matches_reference(geometry: dict[str, Any], tiny: bool, by_point: bool, dtype: type):
    with everywhere(tiny, by_point):
        assert_matches_reference(geometry, dtype)


@given(geometry=winograd_geometries(), tiny=st.booleans(), by_point=st.booleans())
def test_weight_grad_of_the_pair_is_the_same_bits(
    geometry: dict[str, Any], tiny: bool, by_point: bool
) -> None:
    x, w, y = operands(geometry, np.float32)
    g = geometry_of(geometry)
    with everywhere(tiny, by_point):
        out, grad_w = conv.conv_and_weight_grad(x, w, y, g)
        assert np.array_equal(grad_w, conv.conv_weight_grad(x, y, g))
        want = conv.conv_valid(x, w, g)
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-4 * max(1.0, np.abs(want).max()))


@given(geometry=winograd_geometries())
def test_adjoint_identities(geometry: dict[str, Any]) -> None:
    with everywhere():
        assert_adjoint_identities(geometry)


def tap_matrix(kernel: tuple[int, int, int], to_points: bool) -> np.ndarray:
    """The weights' transform on unit vectors, ``(P E, K)``: ``weights_in`` on a w whose
    input channels are the taps' unit vectors, or (not ``to_points``) the transpose of
    ``weights_out`` on partials whose channels are the points' unit vectors.
    """
    rows, taps = winograd._tap_map(kernel, (1, 1, 2), (1, 1, 2))
    k, points = int(np.prod(kernel)), 6  # three points, two phases
    if to_points:
        u = np.full((3, 1, 2, k), np.nan)
        weights_in(rows, taps, np.eye(k)[None], 2, u, 0, 1)
        return u.reshape(points, k)
    w = np.full((1, points, k), np.nan)
    weights_out(rows, taps, np.eye(points)[:, None, :], False, w, 0, 1)
    return w[0]


def added_in_order(targets: np.ndarray, sources: np.ndarray, source: np.ndarray, rows: int):
    """``out[targets[j]] += source[sources[j]]`` from zero, j in order: the sums the
    weights' transforms must give, bit for bit.
    """
    out = np.zeros((rows, *source.shape[1:]), source.dtype)
    for target, row in zip(targets, sources):
        out[target] += source[row]
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel, stride", [((1, 4, 4), (1, 2, 2)), ((3, 3, 2), (2, 2, 1))])
@pytest.mark.parametrize("by_point", [True, False])
def test_the_weight_transforms_add_in_the_tap_maps_order(kernel, stride, by_point, dtype):
    taps = winograd._taps(kernel, stride)
    rows, columns = winograd._tap_map(kernel, stride, taps)
    points, phases, k = winograd._points(taps), int(np.prod(stride)), int(np.prod(kernel))
    rng = np.random.default_rng(0)
    c_out, c_in = 37, 21  # more than one tile of pairs, and a ragged one
    w = rng.standard_normal((c_out, c_in, k)).astype(dtype)
    u = np.empty((points, c_out, phases, c_in), dtype)
    weights_in(rows, columns, w, phases, u, 0, 20)  # in two parts, as for two threads
    weights_in(rows, columns, w, phases, u, 20, c_out)
    by_tap = w.transpose(2, 0, 1).reshape(k, -1)
    want = added_in_order(rows, columns, by_tap, points * phases)
    want = want.reshape(points, phases, c_out, c_in).transpose(0, 2, 1, 3)
    assert u.tobytes() == np.ascontiguousarray(want).tobytes()
    pair = (c_in, c_out) if by_point else (c_out, c_in)
    partial = rng.standard_normal((points * phases, *pair)).astype(dtype)
    back = np.empty((c_out, c_in, k), dtype)
    weights_out(rows, columns, partial, by_point, back, 0, 5)
    weights_out(rows, columns, partial, by_point, back, 5, pair[0])
    want = added_in_order(columns, rows, partial.reshape(points * phases, -1), k)
    order = (2, 1, 0) if by_point else (1, 2, 0)
    want = want.reshape(k, *pair).transpose(order)
    assert back.tobytes() == np.ascontiguousarray(want).tobytes()


def test_the_weight_transform_is_g_on_each_phase_and_back_its_transpose() -> None:
    # k = 4, s = 2: phase e holds taps (e, e + 2); G maps (g0, g1) to (g0, g0 + g1, g1).
    # Rows (point, phase), columns the taps.
    want = np.array(
        [
            [1, 0, 0, 0],  # point 0, phase 0: g0 = w[0]
            [0, 1, 0, 0],  # point 0, phase 1: w[1]
            [1, 0, 1, 0],  # point 1, phase 0: w[0] + w[2]
            [0, 1, 0, 1],  # point 1, phase 1: w[1] + w[3]
            [0, 0, 1, 0],  # point 2, phase 0: w[2]
            [0, 0, 0, 1],  # point 2, phase 1: w[3]
        ]
    )
    for to_points in (True, False):
        assert np.array_equal(tap_matrix((1, 1, 4), to_points), want)
        # k = 3, s = 2: the missing tap w[3] is a zero column's worth.
        assert np.array_equal(tap_matrix((1, 1, 3), to_points), want[:, :3])


F32 = np.dtype(np.float32)

DCGAN = {  # the generator's 256 -> 128 layer's backward geometry, batch 2
    "n": 2, "c_in": 128, "c_out": 256, "groups": 1, "kernel": (1, 4, 4),
    "stride": (1, 2, 2), "dilation": (1, 1, 1), "x_size": (1, 16, 16),
    "y_size": (1, 8, 8), "padding": (0, 1, 1),
}  # fmt: skip


def layer(
    kernel: tuple[int, int, int],
    stride: tuple[int, int, int],
    y_size: tuple[int, int, int],
    dilation: tuple[int, int, int] = (1, 1, 1),
    groups: int = 1,
) -> Geometry:
    """A geometry without padding, its x side the natural pre-image of ``y_size``."""
    x_size = tuple((y - 1) * s + d * (k - 1) + 1 for y, s, d, k in
                   zip(y_size, stride, dilation, kernel))  # fmt: skip
    return Geometry(stride, dilation, kernel, groups, x_size, y_size)


def test_wide_k4_s2_layers_take_this_path_and_narrow_ones_do_not() -> None:
    g = DCGAN
    k4s2 = (g["kernel"], g["stride"])
    dcgan = layer(*k4s2, g["y_size"])
    assert winograd.takes(dcgan, 64, g["c_out"], g["c_in"], F32)  # ... and the bench's batch
    # Few channels: the GEMMs would be too narrow.
    assert not winograd.takes(dcgan, 64, 3, 2, F32)
    assert not winograd.takes(layer(*k4s2, (1, 32, 32)), 64, 64, 3, F32)
    # Dilation, groups, or a kernel over two strides: not this family at all.
    assert not winograd.takes(layer(*k4s2, (1, 8, 8), dilation=(1, 2, 2)), 64, 256, 128, F32)
    assert not winograd.takes(layer(*k4s2, (1, 8, 8), groups=2), 64, 256, 128, F32)
    assert not winograd.takes(layer((1, 5, 5), g["stride"], (1, 8, 8)), 64, 256, 128, F32)
    # Odd sizes waste part of the last tile's work: for narrow-ish layers a 7x7 output
    # (121 of 196 products per phase) is worth it, a 3x7 one (55 of 84) is not.
    assert winograd.takes(layer(*k4s2, (1, 7, 7)), 64, 64, 32, F32)
    assert not winograd.takes(layer(*k4s2, (1, 3, 7)), 256, 64, 32, F32)
    # Too few tiles a sample (one: a 2x2 output), however wide.
    assert not winograd.takes(layer(*k4s2, (1, 2, 2)), 1024, 512, 256, F32)
    # Too little work to pay for the transforms: one sample of the same layer.
    assert not winograd.takes(dcgan, 1, g["c_out"], g["c_in"], F32)
    # The 3-d benchmark layer (27 products for 64), and with 8 output channels not.
    three_d = layer((4, 4, 4), (2, 2, 2), (8, 8, 8))
    assert winograd.takes(three_d, 4, 32, 16, F32)
    assert not winograd.takes(three_d, 4, 8, 16, F32)
    # Float64 as float32 (its GEMMs are slower, the saving larger).
    assert winograd.takes(dcgan, 64, g["c_out"], g["c_in"], np.float64)
    # DCGAN's 4x4 layer, a 2x2 grid of tiles a sample.
    assert winograd.takes(layer(*k4s2, (1, 4, 4)), 64, 512, 256, F32)


def test_the_dispatch_asks_one_rule_for_all_four_kernels() -> None:
    # The transposed kernel runs conv_valid's GEMMs transposed, the weight gradient reads
    # conv_valid's windows: one rule, asked with w's (C_out, C_in/g) for each of them.
    x, w, y = operands(DCGAN, np.float32)
    asked = []
    saved = winograd.takes

    def takes(geometry: Geometry, n: int, c_out: int, c_in: int, dtype: Any) -> bool:
        asked.append((geometry, n, c_out, c_in, np.dtype(dtype)))
        return False

    winograd.takes = takes
    try:
        run_all(conv, DCGAN, x, w, y)
        conv.conv_and_weight_grad(x, w, y, geometry_of(DCGAN))
    finally:
        winograd.takes = saved
    assert asked == [(geometry_of(DCGAN), 2, DCGAN["c_out"], DCGAN["c_in"], F32)] * 4


def test_dispatch_gives_this_path_s_bits() -> None:
    g = DCGAN
    x, w, y = operands(g, np.float32)
    got = run_all(conv, g, x, w, y)
    want = run_all(winograd, g, x, w, y)
    for a, b in zip(got, want):
        assert np.array_equal(a, b)
    for a, b in zip(got, run_all(reference, g, *(v.astype(np.float64) for v in (x, w, y)))):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-4 * np.abs(b).max())


def test_same_bits_with_one_and_two_threads() -> None:
    g = {**DCGAN, "n": 8}
    x, w, y = operands(g, np.float32)
    before = numba.get_num_threads()
    try:
        results = []
        for count in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(count)
            with everywhere(tiny_blocks=True):
                results.append(run_all(conv, g, x, w, y))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_weights_transformed_in_halves_give_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide layers make their transformed weights, and take the weight gradient back
    from them, in two halves of channels (for two threads): the same bits as whole.
    """
    g = {**DCGAN, "n": 2, "c_in": 24, "c_out": 40}
    x, w, y = operands(g, np.float32)
    before = numba.get_num_threads()
    results = []
    try:
        for split_bytes, count in (
            (1 << 62, 1),
            (0, 1),
            (0, min(2, numba.config.NUMBA_NUM_THREADS)),
        ):
            monkeypatch.setattr(winograd, "SPLIT_BYTES", split_bytes)
            numba.set_num_threads(count)
            results.append(
                (
                    *run_all(winograd, g, x, w, y),
                    *winograd.conv_and_weight_grad(x, w, y, geometry_of(g)),
                )
            )
    finally:
        numba.set_num_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert a.tobytes() == b.tobytes()


# ---- non-finite values and magnitudes near float32's limit -------------------------------


def direct(function: Any, *arguments: Any) -> Any:
    """``function`` with the Winograd path out of the dispatch's way (the im2col path)."""
    saved = winograd.DTYPES
    winograd.DTYPES = ()
    try:
        return function(*arguments)
    finally:
        winograd.DTYPES = saved


def dcgan_calls(x: np.ndarray, w: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The four kernels on DCGAN's geometry, as thunks of a module (the dispatch, or
    the Winograd path itself: ``checked=False`` for its raw results).
    """
    g = geometry_of(DCGAN)
    return {
        "conv_valid": lambda m, **raw: m.conv_valid(x, w, g, **raw),
        "conv_transpose_valid": lambda m, **raw: m.conv_transpose_valid(y, w, g, **raw),
        "conv_weight_grad": lambda m, **raw: m.conv_weight_grad(x, y, g, **raw),
        "conv_and_weight_grad": lambda m, **raw: m.conv_and_weight_grad(x, w, y, g, **raw),
    }


def assert_same_pattern(got: Any, want: Any) -> None:
    """The same NaN, +inf and -inf masks, and the finite values to float32 rounding."""
    for a, b in zip(
        got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)
    ):
        for test in (np.isnan, np.isposinf, np.isneginf):
            assert np.array_equal(test(a), test(b)), (test.__name__, test(a).sum(), test(b).sum())
        finite = np.isfinite(b)
        scale = max(1.0, float(np.abs(b[finite]).max(initial=0)))
        np.testing.assert_allclose(a[finite], b[finite], rtol=0, atol=1e-4 * scale)


# Odd positions of x and y meet the transforms' differences (d0 - d1, g0 + g1) as the
# middle of a window: one inf there becomes inf - inf, NaN, in its whole tile.
SPECIALS = [
    ("x", (1, 3, 0, 8, 9), np.inf),
    ("x", (0, 5, 0, 7, 7), -np.inf),
    ("x", (0, 0, 0, 0, 0), np.nan),
    ("w", (3, 5, 0, 1, 2), np.inf),
    ("y", (1, 7, 0, 3, 5), np.inf),
    ("y", (0, 0, 0, 7, 7), np.nan),
]


# DCGAN-sized: minutes in pure Python; the small geometries below cover the logic.
dcgan_sized = pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="DCGAN-sized arrays without JIT"
)


@dcgan_sized
@pytest.mark.parametrize(("operand", "position", "value"), SPECIALS)
def test_an_inf_or_nan_gives_the_direct_sums_pattern(operand, position, value) -> None:
    x, w, y = operands(DCGAN, np.float32)
    {"x": x, "w": w, "y": y}[operand][position] = value
    calls = dcgan_calls(x, w, y)
    raw_differs = False
    for call in calls.values():
        # The layer takes this path (the fix is a check of its results, not a detour).
        want = direct(call, conv)
        assert_same_pattern(call(conv), want)
        raw = call(winograd, checked=False)
        raw_differs |= not all(
            np.array_equal(np.isnan(a), np.isnan(b))
            for a, b in zip(
                raw if isinstance(raw, tuple) else (raw,),
                want if isinstance(want, tuple) else (want,),
            )
        )
    # The check is what makes the difference here: unchecked, an odd-position inf is
    # NaN over its tiles (the weight's transform adds its taps, so there too).
    if value == np.inf and operand != "y":
        assert raw_differs


@dcgan_sized
@pytest.mark.parametrize("scale", [3e36, 1e37])
def test_magnitudes_near_the_limit_give_the_direct_sums_pattern(scale: float) -> None:
    # Near float32's maximum the transforms' sums and differences overflow where the
    # direct sums do not (and NaN follows from inf - inf): unchecked, this layer's
    # outputs overflow several times as often. Checked, they are the direct sums'.
    x, w, y = operands(DCGAN, np.float32)
    x = (x * np.float32(scale)).astype(np.float32)
    calls = dcgan_calls(x, w, y)
    unchecked = calls["conv_valid"](winograd, checked=False)
    want = direct(calls["conv_valid"], conv)
    assert (~np.isfinite(unchecked)).sum() > (~np.isfinite(want)).sum()
    for call in calls.values():
        assert_same_pattern(call(conv), direct(call, conv))


@given(geometry=winograd_geometries(), data=st.data())
def test_non_finite_values_on_small_geometries(geometry: dict[str, Any], data: Any) -> None:
    # Forced onto this path, every kernel gives the loop twins' NaN and inf for an inf,
    # -inf or NaN anywhere in x, w or y.
    x, w, y = operands(geometry, np.float32)
    array = data.draw(st.sampled_from([x, w, y]))
    position = tuple(data.draw(st.integers(0, n - 1)) for n in array.shape)
    array[position] = data.draw(st.sampled_from([np.inf, -np.inf, np.nan]))
    with everywhere():
        got = run_all(conv, geometry, x, w, y)
    for a, b in zip(got, run_all(reference, geometry, x, w, y)):
        assert_same_pattern(a, b)


def test_trustworthy_wants_a_finite_sum_of_squares() -> None:
    # Finite elements below sqrt(float32 max) ~ 1.8e19 whose squares add up below the
    # maximum pass; an inf, a NaN, or an element past 1.8e19 does not.
    ok = np.array([1.0, -1e18, 1e18], np.float32)
    assert winograd.trustworthy(ok, np.zeros((0, 3), np.float32))
    for bad in (np.inf, -np.inf, np.nan, 3e38, -2e19):
        assert not winograd.trustworthy(ok, np.array([0.0, bad], np.float32))
    assert not winograd.trustworthy(np.full(10, 1e19, np.float32))  # squares overflow
