"""The conv kernels' dispatch and fast paths against the loop twins of the reference path
(``kernels/conv/reference.py``).

Geometries are drawn valid: per spatial dim a kernel size, stride and dilation, an
output-side size ``L_y`` and an input-side size ``L_x`` at least the natural
pre-image of ``L_y`` (larger too: STYLE 2.7 pins both sizes). 1-d and 2-d cases are the
draws whose leading dims are singletons.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.kernels import _threads, conv
from minigrad.kernels.conv import Geometry, im2col, reference, winograd
from minigrad.kernels.conv.im2col import gather

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = {np.float32: 1e-4, np.float64: 1e-12}


@st.composite
def geometries(draw: Any) -> dict[str, Any]:
    """A valid geometry and the three array shapes it implies."""
    groups = draw(st.integers(1, 3))
    spatial = draw(st.integers(1, 3))  # trailing dims that are not singletons
    kernel, stride, dilation, x_size, y_size = [], [], [], [], []
    for dim in range(3):
        if dim < 3 - spatial:
            k = s = d = ly = lx = 1
        else:
            k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
            ly = draw(st.integers(1, 4))
            lx = s * (ly - 1) + d * (k - 1) + 1 + draw(st.integers(0, 3))
        kernel.append(k)
        stride.append(s)
        dilation.append(d)
        x_size.append(lx)
        y_size.append(ly)
    return {
        "n": draw(st.integers(1, 3)),
        "c_in": groups * draw(st.integers(1, 3)),
        "c_out": groups * draw(st.integers(1, 3)),
        "groups": groups,
        "kernel": tuple(kernel),
        "stride": tuple(stride),
        "dilation": tuple(dilation),
        "x_size": tuple(x_size),
        "y_size": tuple(y_size),
    }


def operands(geometry: dict[str, Any], dtype: type, seed: int = 0) -> tuple[np.ndarray, ...]:
    g = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((g["n"], g["c_in"], *g["x_size"])).astype(dtype)
    w = rng.standard_normal((g["c_out"], g["c_in"] // g["groups"], *g["kernel"])).astype(dtype)
    y = rng.standard_normal((g["n"], g["c_out"], *g["y_size"])).astype(dtype)
    return x, w, y


def geometry_of(g: dict[str, Any]) -> Geometry:
    """The kernels' Geometry of a drawn geometry: ``padding`` (absent: none) is the zero
    padding before each dim; after it, as much as the taps reach past x's end.
    """
    before = g.get("padding", (0, 0, 0))
    pairs = []
    for size, b, k, s, d, ly in zip(
        g["x_size"], before, g["kernel"], g["stride"], g["dilation"], g["y_size"]
    ):
        reach = (ly - 1) * s + d * (k - 1) + 1
        pairs.append((b, max(0, reach - b - size)))
    return Geometry(
        g["stride"], g["dilation"], g["kernel"], g["groups"], g["x_size"], g["y_size"],
        tuple(pairs),
    )  # fmt: skip


def run_all(module: Any, geometry: dict[str, Any], x: np.ndarray, w: np.ndarray, y: np.ndarray):
    """The three kernels of ``module``: the dispatch or one path."""
    g = geometry_of(geometry)
    return (
        module.conv_valid(x, w, g),
        module.conv_transpose_valid(y, w, g),
        module.conv_weight_grad(x, y, g),
    )


def assert_matches_reference(geometry: dict[str, Any], dtype: type, path: Any = conv) -> None:
    """The three kernels of ``path`` (the dispatch, or one path) against the loops."""
    x, w, y = operands(geometry, dtype)
    fast = run_all(path, geometry, x, w, y)
    slow = run_all(reference, geometry, x, w, y)
    for got, want in zip(fast, slow):
        assert got.dtype == dtype
        assert got.shape == want.shape
        assert got.flags.c_contiguous
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE[dtype] * scale)


@contextlib.contextmanager
def patched(settings: list[tuple[Any, str, Any]]) -> Iterator[None]:
    """Each ``(module, name, value)`` of ``settings`` set for the block, then set back."""
    saved = [getattr(module, name) for module, name, _ in settings]
    for module, name, value in settings:
        setattr(module, name, value)
    try:
        yield
    finally:
        for (module, name, _), value in zip(settings, saved):
            setattr(module, name, value)


@contextlib.contextmanager
def tiny_blocks() -> Iterator[None]:
    """Every sample its own batch block, every GEMM split and every line copied from
    x's stride phases: the paths big layers take (the default draws take the others).
    """
    settings = [(im2col, "BLOCK_BYTES", 1), (_threads, "MIN_COLUMNS", 1),
                (_threads, "PARALLEL_WORK", 0), (gather, "LONG_LINE", 1),
                (gather, "LONG_SCATTER_LINE", 1)]  # fmt: skip
    with patched(settings):
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=geometries())
def test_matches_reference(geometry: dict[str, Any], dtype: type) -> None:
    assert_matches_reference(geometry, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=geometries())
def test_matches_reference_in_many_blocks(geometry: dict[str, Any], dtype: type) -> None:
    with tiny_blocks():
        assert_matches_reference(geometry, dtype)


def assert_pair_equals_the_two_kernels(geometry: dict[str, Any], dtype: type) -> None:
    x, w, y = operands(geometry, dtype)
    g = geometry_of(geometry)
    out, grad_w = conv.conv_and_weight_grad(x, w, y, g)
    # The weight gradient takes the same blocks, GEMMs and summation order: the same
    # bits. The conv output is cut into the weight gradient's (longer) blocks, and BLAS
    # may round a product differently with another number of columns (one column is a
    # GEMV), so it agrees to rounding.
    assert np.array_equal(grad_w, conv.conv_weight_grad(x, y, g))
    want = conv.conv_valid(x, w, g)
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(out, want, rtol=0, atol=TOLERANCE[dtype] * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=st.one_of(geometries(), st.deferred(lambda: padded_geometries())))
def test_conv_and_weight_grad_equals_the_two_kernels(
    geometry: dict[str, Any], dtype: type
) -> None:
    # In one block or many (whose partial weight sums are added in block order).
    assert_pair_equals_the_two_kernels(geometry, dtype)
    with tiny_blocks():
        assert_pair_equals_the_two_kernels(geometry, dtype)


def test_blas_thread_count_is_restored() -> None:
    from threadpoolctl import threadpool_info

    before = [(lib["filepath"], lib["num_threads"]) for lib in threadpool_info()]
    geometry = AWKWARD["groups_dilation"]
    run_all(conv, geometry, *operands(geometry, np.float32))
    assert [(lib["filepath"], lib["num_threads"]) for lib in threadpool_info()] == before


AWKWARD = {
    # DCGAN's first layer as a transposed conv: a 1x1 y side, kernel larger than it.
    "one_by_one": dict(n=2, c_in=3, c_out=5, groups=1, kernel=(1, 4, 4), stride=(1, 1, 1),
                       dilation=(1, 1, 1), x_size=(1, 4, 4), y_size=(1, 1, 1)),
    "few_channels": dict(n=2, c_in=1, c_out=4, groups=1, kernel=(1, 4, 4), stride=(1, 2, 2),
                         dilation=(1, 1, 1), x_size=(1, 10, 10), y_size=(1, 4, 4)),
    "groups_dilation": dict(n=2, c_in=8, c_out=8, groups=4, kernel=(1, 3, 3),
                            stride=(1, 2, 2), dilation=(1, 2, 2), x_size=(1, 11, 11),
                            y_size=(1, 4, 4)),
    "three_d": dict(n=1, c_in=2, c_out=3, groups=1, kernel=(2, 3, 2), stride=(2, 1, 2),
                    dilation=(1, 2, 1), x_size=(5, 8, 6), y_size=(2, 4, 3)),
    "one_d": dict(n=3, c_in=4, c_out=2, groups=2, kernel=(1, 1, 5), stride=(1, 1, 3),
                  dilation=(1, 1, 1), x_size=(1, 1, 17), y_size=(1, 1, 5)),
    # Output lines of 17: gathered line by line rather than through the offset table.
    "long_lines": dict(n=2, c_in=2, c_out=3, groups=1, kernel=(1, 2, 3), stride=(1, 1, 2),
                       dilation=(1, 2, 1), x_size=(1, 5, 36), y_size=(1, 3, 17)),
    # output_padding >= stride (allowed below dilation): L_x past the natural pre-image.
    "extra_input": dict(n=1, c_in=2, c_out=2, groups=1, kernel=(1, 1, 2), stride=(1, 1, 1),
                        dilation=(1, 1, 3), x_size=(1, 1, 7), y_size=(1, 1, 3)),
    # Fused zero padding. The DCGAN/digits layer k4 s2 p1 at 7x7 -> 14x14 (short lines).
    "padded_digits": dict(n=2, c_in=3, c_out=2, groups=1, kernel=(1, 4, 4), stride=(1, 2, 2),
                          dilation=(1, 1, 1), x_size=(1, 14, 14), y_size=(1, 7, 7),
                          padding=(0, 1, 1)),
    # Long lines (17) with padding on both sides, and a 3-d one with padding only after
    # (padding="same" with an odd crop): reads past the end of x must also be zeros.
    "padded_long_lines": dict(n=2, c_in=2, c_out=3, groups=1, kernel=(1, 3, 3),
                              stride=(1, 1, 2), dilation=(1, 2, 1), x_size=(1, 5, 33),
                              y_size=(1, 3, 17), padding=(0, 1, 1)),
    "padded_after_only": dict(n=1, c_in=2, c_out=2, groups=2, kernel=(3, 2, 3),
                              stride=(2, 1, 2), dilation=(1, 2, 1), x_size=(4, 4, 6),
                              y_size=(2, 2, 3), padding=(0, 0, 0)),
    # Padding wider than the kernel's reach: whole lines and planes read only zeros.
    "padded_wide": dict(n=2, c_in=2, c_out=2, groups=1, kernel=(1, 2, 2), stride=(1, 1, 1),
                        dilation=(1, 1, 1), x_size=(1, 2, 3), y_size=(1, 7, 8),
                        padding=(0, 3, 3)),
}  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_shapes(name: str, dtype: type) -> None:
    assert_matches_reference(AWKWARD[name], dtype)


def test_positions_no_tap_reaches_are_zero() -> None:
    geometry = AWKWARD["extra_input"]
    _, w, y = operands(geometry, np.float64)
    x = conv.conv_transpose_valid(y, w, geometry_of(geometry))
    # Last tap reaches 3 * (2 - 1) + 2 = 5; position 6 is output_padding.
    assert np.all(x[..., 6] == 0)
    assert np.all(x[..., 5] != 0)


def assert_adjoint_identities(geometry: dict[str, Any], path: Any = conv) -> None:
    x, w, y = operands(geometry, np.float64)
    forward, x_adjoint, w_adjoint = run_all(path, geometry, x, w, y)
    value = np.vdot(forward, y)
    scale = np.abs(x).sum() * np.abs(w).sum() * np.abs(y).sum()
    assert abs(value - np.vdot(x, x_adjoint)) <= 1e-12 * scale
    assert abs(value - np.vdot(w, w_adjoint)) <= 1e-12 * scale


@given(geometry=geometries())
def test_adjoint_identities(geometry: dict[str, Any]) -> None:
    assert_adjoint_identities(geometry)


def test_non_contiguous_inputs_give_the_same_result() -> None:
    geometry = AWKWARD["groups_dilation"]
    x, w, y = operands(geometry, np.float64)
    strided = [np.asfortranarray(a) for a in (x, w, y)]
    for got, want in zip(run_all(conv, geometry, *strided), run_all(conv, geometry, x, w, y)):
        assert got.flags.c_contiguous
        assert np.array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_bits_on_repeated_calls(dtype: type) -> None:
    geometry = AWKWARD["groups_dilation"]
    x, w, y = operands(geometry, dtype)
    first = run_all(conv, geometry, x, w, y)
    for _ in range(3):
        for got, want in zip(run_all(conv, geometry, x, w, y), first):
            assert np.array_equal(got, want)


# Run in a fresh process so NUMBA_NUM_THREADS is read at Numba's start-up.
THREAD_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, {root!r})
from tests.kernels.test_conv import AWKWARD, operands, run_all
from minigrad.kernels import _threads, conv
from minigrad.kernels.conv import im2col
from minigrad.kernels.conv.im2col import gather
results = {{}}
for name in sorted(AWKWARD):
    for dtype in (np.float32, np.float64):
        outputs = run_all(conv, AWKWARD[name], *operands(AWKWARD[name], dtype))
        for i, out in enumerate(outputs):
            results[f"{{name}}-{{dtype.__name__}}-{{i}}"] = out
# Geometries big enough that the kernels cut the batch into blocks and split GEMMs
# between threads: by their own rule, and with every sample a block.
big = dict(n=8, c_in=32, c_out=16, groups=2, kernel=(1, 4, 4), stride=(1, 2, 2),
           dilation=(1, 1, 1), x_size=(1, 34, 34), y_size=(1, 16, 16))
wide = dict(n=2, c_in=256, c_out=128, groups=1, kernel=(1, 4, 4), stride=(1, 2, 2),
            dilation=(1, 1, 1), x_size=(1, 18, 18), y_size=(1, 8, 8))
# A critic's last layer, one filter and a batch of 16: the direct path.
thin = dict(n=16, c_in=8, c_out=1, groups=1, kernel=(1, 4, 4), stride=(1, 2, 2),
            dilation=(1, 1, 1), x_size=(1, 6, 6), y_size=(1, 2, 2))
for label, geometry in (("big", big), ("wide", wide), ("thin", thin)):
    for i, out in enumerate(run_all(conv, geometry, *operands(geometry, np.float32))):
        results[f"{{label}}-{{i}}"] = out
im2col.BLOCK_BYTES, _threads.MIN_COLUMNS, _threads.PARALLEL_WORK = 1, 1, 0
gather.LONG_LINE = gather.LONG_SCATTER_LINE = 1
for i, out in enumerate(run_all(conv, big, *operands(big, np.float64))):
    results[f"tiny-blocks-{{i}}"] = out
np.savez(sys.argv[1], **results)
"""


def outputs_with_threads(threads: int, path: Path) -> dict[str, np.ndarray]:
    # OpenBLAS's own setting must not matter either: the kernels hold it at one thread.
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    script = THREAD_SCRIPT.format(root=str(ROOT))
    subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=True, cwd=ROOT)
    with np.load(path) as saved:
        return dict(saved)


@st.composite
def padded_geometries(draw: Any) -> dict[str, Any]:
    """A valid geometry whose x side is partly zero padding: ``(before, after)`` per dim
    cut from the drawn L_x (at least one real element left), only ``before`` passed to
    the kernels.
    """
    geometry = draw(geometries())
    before, x_size = [], []
    for size in geometry["x_size"]:
        b = draw(st.integers(0, min(3, size - 1)))
        a = draw(st.integers(0, min(3, size - 1 - b)))
        before.append(b)
        x_size.append(size - b - a)
    return {**geometry, "padding": tuple(before), "x_size": tuple(x_size)}


def explicitly_padded(geometry: dict[str, Any]) -> tuple[list[tuple[int, int]], tuple[int, ...]]:
    """np.pad widths for x's five dims and the padded L_x that reaches every tap."""
    g = geometry
    widths = [(0, 0), (0, 0)]
    padded = []
    for size, b, k, s, d, ly in zip(
        g["x_size"], g["padding"], g["kernel"], g["stride"], g["dilation"], g["y_size"]
    ):
        total = max(b + size, (ly - 1) * s + d * (k - 1) + 1)
        widths.append((b, total - b - size))
        padded.append(total)
    return widths, tuple(padded)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=padded_geometries())
def test_padded_matches_reference(geometry: dict[str, Any], dtype: type) -> None:
    assert_matches_reference(geometry, dtype)
    with tiny_blocks():
        assert_matches_reference(geometry, dtype)


@given(geometry=padded_geometries())
def test_padding_is_explicit_zeros_around_x(geometry: dict[str, Any]) -> None:
    # Fused padding against the unpadded reference on an np.pad-ed x, and the transposed
    # kernel against the unpadded one cropped back to x: what Pad / PadAdjoint did.
    g = geometry
    x, w, y = operands(g, np.float64)
    widths, padded = explicitly_padded(g)
    fast = run_all(conv, g, x, w, y)
    big = np.pad(x, widths)
    crop = tuple(slice(b, b + size) for (b, _), size in zip(widths, x.shape))
    unpadded = Geometry(g["stride"], g["dilation"], g["kernel"], g["groups"], padded, g["y_size"])
    wants = (
        reference.conv_valid(big, w, unpadded),
        reference.conv_transpose_valid(y, w, unpadded)[crop],
        reference.conv_weight_grad(big, y, unpadded),
    )
    for got, want in zip(fast, wants):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * max(1.0, np.abs(want).max()))


@given(geometry=padded_geometries())
def test_padded_adjoint_identities(geometry: dict[str, Any]) -> None:
    assert_adjoint_identities(geometry)


def test_padded_wide_reads_zeros_outside_x() -> None:
    # Padding 3 around a 2x3 x with a 2x2 kernel: output rows 0-1 and 5-6 read only
    # padding, so they are exactly zero; the transposed kernel drops their taps.
    geometry = AWKWARD["padded_wide"]
    x, w, y = operands(geometry, np.float64)
    forward, x_adjoint, _ = run_all(conv, geometry, x, w, y)
    assert np.all(forward[..., [0, 1, 5, 6], :] == 0)
    assert np.all(forward[..., :, [0, 1, 6, 7]] == 0)
    assert np.any(forward[..., 2:5, 2:6] != 0)
    y_outside = y.copy()
    y_outside[..., 2:5, 2:6] = 0
    assert np.all(run_all(conv, geometry, x, w, y_outside)[1] == 0)
    assert x_adjoint.shape == x.shape


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="no threads without JIT")
def test_same_bits_with_one_and_two_threads(tmp_path: Path) -> None:
    one = outputs_with_threads(1, tmp_path / "one.npz")
    two = outputs_with_threads(2, tmp_path / "two.npz")
    assert sorted(one) == sorted(two)
    differing = [key for key in one if not np.array_equal(one[key], two[key])]
    assert not differing, json.dumps(differing)


# ---- empty operands, huge paddings and strides, non-finite values -------------------------


EMPTY = {
    "empty batch": dict(AWKWARD["padded_digits"], n=0),
    "no input channels": dict(AWKWARD["padded_digits"], c_in=0),
    "no output channels": dict(AWKWARD["padded_digits"], c_out=0),
    "empty batch, groups": dict(AWKWARD["groups_dilation"], n=0),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_operands_give_zeros(name: str, dtype: type) -> None:
    # Every sum is empty: zeros of the result's shape, from every kernel and its twin.
    g = EMPTY[name]
    x, w, y = operands(g, dtype)
    fast = run_all(conv, g, x, w, y)
    shapes = [y.shape, x.shape, w.shape]
    for got, want, shape in zip(fast, run_all(reference, g, x, w, y), shapes):
        assert got.shape == want.shape == shape and got.dtype == dtype
        assert not got.any() and not want.any()
    out, grad_w = conv.conv_and_weight_grad(x, w, y, geometry_of(g))
    assert out.shape == y.shape and grad_w.shape == w.shape
    assert not out.any() and not grad_w.any()


HUGE_PADDING = {
    # A few outputs (1 and 2 per dim) whose taps read mostly, or only, padding: a padded
    # copy of x would be petabytes.
    "one output": dict(n=2, c_in=3, c_out=2, groups=1, kernel=(1, 1, 3), stride=(1, 1, 2**42),
                       dilation=(1, 1, 1), x_size=(1, 1, 5), y_size=(1, 1, 1),
                       padding=(0, 0, 2**40)),
    "two outputs": dict(n=1, c_in=2, c_out=2, groups=2, kernel=(1, 2, 3),
                        stride=(1, 2**41, 2**41 - 1), dilation=(1, 1, 2), x_size=(1, 3, 4),
                        y_size=(1, 2, 2), padding=(0, 2**41 - 1, 2**41 - 2)),
    "long lines": dict(n=1, c_in=2, c_out=3, groups=1, kernel=(1, 1, 2), stride=(1, 1, 2**30),
                       dilation=(1, 1, 1), x_size=(1, 1, 3), y_size=(1, 1, 17),
                       padding=(0, 0, 2**33)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HUGE_PADDING))
def test_huge_padding_and_stride_read_only_what_the_taps_read(name: str) -> None:
    """The kernels gather only what the taps read, whatever the padding: against the
    result written out by hand from the definition (tap t of output p reads x at
    ``s p + d t - padding``, zero outside x)."""
    g = HUGE_PADDING[name]
    x, w, y = operands(g, np.float64)
    want = np.zeros(y.shape)
    f_group, c_group = g["c_out"] // g["groups"], g["c_in"] // g["groups"]
    for p in np.ndindex(*g["y_size"]):
        for t in np.ndindex(*g["kernel"]):
            where = [s * q + d * u - b for q, u, s, d, b in
                     zip(p, t, g["stride"], g["dilation"], g["padding"])]  # fmt: skip
            if all(0 <= i < n for i, n in zip(where, g["x_size"])):
                for o in range(g["c_out"]):
                    first = o // f_group * c_group
                    patch = x[(slice(None), slice(first, first + c_group), *where)]
                    want[(slice(None), o, *p)] += patch @ w[(o, slice(None), *t)]
    forward, x_adjoint, w_adjoint = run_all(conv, g, x, w, y)
    np.testing.assert_allclose(forward, want, rtol=1e-12, atol=1e-12)
    # The adjoint identities pin down the other two kernels.
    value = np.vdot(want, y)
    assert abs(np.vdot(x, x_adjoint) - value) <= 1e-12 * max(1.0, abs(value))
    assert abs(np.vdot(w, w_adjoint) - value) <= 1e-12 * max(1.0, abs(value))


def test_padding_taps_multiply_zeros() -> None:
    # inf * 0 is NaN: a weight tap over the zero padding makes the output NaN, as the
    # convolution of the padded input does (the fast kernels and the loops alike).
    g = AWKWARD["padded_digits"]
    x, w, y = operands(g, np.float64)
    w[0, 0, 0, 0, 0] = np.inf  # tap (0, 0) of filter 0 reads row -1 / column -1 at p = 0
    for module in (conv, reference):
        out = module.conv_valid(x, w, geometry_of(g))
        assert np.isnan(out[:, 0, 0, 0, :]).all() and np.isnan(out[:, 0, 0, :, 0]).all()
        assert np.isinf(out[:, 0, 0, 1:, 1:]).all()
        assert np.isfinite(out[:, 1]).all()


# ---- the dispatch: one routing table, paths that never import one another ----------------


def test_route_names_one_path_for_each_call() -> None:
    small = geometry_of(AWKWARD["padded_digits"])
    # The DCGAN generator's 256 -> 128 layer, as its backward's conv sees it.
    dcgan = Geometry((1, 2, 2), (1, 1, 1), (1, 4, 4), 1, (1, 16, 16), (1, 8, 8),
                     ((0, 0), (1, 1), (1, 1)))  # fmt: skip
    assert conv.route(small, 2, 2, 3, np.float32) is im2col
    assert conv.route(dcgan, 64, 256, 128, np.float32) is winograd
    assert conv.route(dcgan, 64, 256, 128, np.float64) is winograd
    assert conv.route(dcgan, 64, 256, 128, np.float16) is im2col
    with mg.kernels.use("reference"):
        assert conv.route(small, 2, 2, 3, np.float32) is reference
        assert conv.route(dcgan, 64, 256, 128, np.float32) is reference
    assert conv.route(dcgan, 64, 256, 128, np.float32) is winograd


PATHS = {
    "direct": ROOT / "minigrad" / "kernels" / "conv" / "direct.py",
    "im2col": ROOT / "minigrad" / "kernels" / "conv" / "im2col",
    "winograd": ROOT / "minigrad" / "kernels" / "conv" / "winograd",
    "reference": ROOT / "minigrad" / "kernels" / "conv" / "reference.py",
}


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("name", sorted(PATHS))
def test_a_path_imports_no_other_path(name: str) -> None:
    # Only the dispatch (kernels/conv/__init__.py) knows them all.
    root = PATHS[name]
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    assert files
    others = [f"minigrad.kernels.conv.{other}" for other in PATHS if other != name]
    for file in files:
        for imported in _imported(file):
            assert not any(imported == o or imported.startswith(o + ".") for o in others), (
                file,
                imported,
            )
            assert imported != "minigrad.kernels.conv", (file, "imports the dispatch")
