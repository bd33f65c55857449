"""Winograd F(2, 2)'s transforms against the formulas written out with einsum.

The expected arrays are built from the textbook matrices and the phase / tile index
arithmetic alone (``xf[q] = x[s q + f - before]``, tile t covering ``q = 2t .. 2t + 2``),
on integer-valued float64 data, so every sum is exact and the comparison is to the bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels.conv.winograd.adjoint import transform_in_adjoint
from minigrad.kernels.conv.winograd.layout import point_tiles
from minigrad.kernels.conv.winograd.transforms import transform_in, transform_out

B_T = np.array([[1, -1, 0], [0, 1, 0], [0, -1, 1]], np.float64)  # windows of three
G = np.array([[1, 0], [1, 1], [0, 1]], np.float64)  # pairs
A_T = np.array([[1, 1, 0], [0, 1, 1]], np.float64)  # points back to a pair


@st.composite
def dims(draw: Any) -> dict[str, Any]:
    """Per dim: taps per phase r, stride s, tiles T, x length L and the shift."""
    out: dict[str, list[int]] = {
        "taps": [], "stride": [], "tiles": [], "size": [], "before": [], "drop": []
    }  # fmt: skip
    for _ in range(3):
        out["taps"].append(draw(st.integers(1, 2)))
        out["drop"].append(int(out["taps"][-1] == 2 and draw(st.booleans())))
        out["stride"].append(draw(st.integers(1, 3)))
        out["tiles"].append(draw(st.integers(1, 3)))
        out["size"].append(draw(st.integers(1, 7)))
        out["before"].append(draw(st.integers(-1, 2)))
    return {key: tuple(value) for key, value in out.items()} | {
        "n": draw(st.integers(1, 3)),
        "c": draw(st.integers(1, 2)),
        "window": draw(st.booleans()),
    }


def compact(full: np.ndarray, g: dict[str, Any]) -> np.ndarray:
    """``full: (P0, P1, P2, R, T0, T1, T2, N)`` as the flat buffer of the kernels: point
    by point, rows then its kept tiles, with the last tile cut along each dim where
    ``drop`` is set and the point is 2.
    """
    parts = []
    for p in np.ndindex(*full.shape[:3]):
        kept = [
            slice(0, t - 1 if d and q == 2 else t) for t, d, q in zip(g["tiles"], g["drop"], p)
        ]
        parts.append(full[p][:, kept[0], kept[1], kept[2]].ravel())
    return np.concatenate(parts)


def kept_products(g: dict[str, Any], rows: int, rng: np.random.Generator) -> np.ndarray:
    """GEMM outputs ``(P0, P1, P2, rows, T0, T1, T2, N)`` of small integers, zero at the
    tiles a point drops: the kernels read only the kept ones, the others count as zero.
    """
    points = [3 if r == 2 else 1 for r in g["taps"]]
    products = rng.integers(-9, 10, (*points, rows, *g["tiles"], g["n"])).astype(np.float64)
    for p in np.ndindex(*points):
        for dim, (d, q) in enumerate(zip(g["drop"], p)):
            if d and q == 2:
                index = [slice(None)] * 4
                index[dim] = slice(g["tiles"][dim] - 1, None)
                products[p][(slice(None), *index[:3])] = 0
    return products


def test_point_tiles_cut_the_last_tile_where_a_point_is_2_and_the_dim_drops() -> None:
    assert point_tiles((1, 2, 2), (1, 4, 4), (0, 1, 0)) == (16, 16, 16, 16, 16, 16, 12, 12, 12)
    assert point_tiles((2, 1, 2), (3, 1, 2), (1, 0, 1)) == (6, 6, 3, 6, 6, 3, 4, 4, 2)


def reads(r: int, s: int, tiles: int, size: int, before: int, window: bool) -> np.ndarray:
    """``m[f, p, t, i]``: how much x[i] counts in point p of tile t of phase f."""
    if r == 1:
        matrix, stride_t = np.ones((1, 1)), 1
    else:
        matrix, stride_t = (B_T, 2) if window else (G, 2)
    m = np.zeros((s, matrix.shape[0], tiles, size))
    for f in range(s):
        for t in range(tiles):
            for u in range(matrix.shape[1]):
                i = s * (stride_t * t + u) + f - before
                if 0 <= i < size:
                    m[f, :, t, i] += matrix[:, u]
    return m


@given(geometry=dims())
def test_transform_in_is_b_t_or_g_on_each_phase_s_tiles(geometry: dict[str, Any]) -> None:
    g = geometry
    rng = np.random.default_rng(0)
    x = rng.integers(-9, 10, (g["n"], g["c"], *g["size"])).astype(np.float64)
    m = [reads(*args, g["window"]) for args in zip(g["taps"], g["stride"], g["tiles"],
                                                   g["size"], g["before"])]  # fmt: skip
    want = np.einsum("apsi,bqtj,cruk,nhijk->pqrabchstun", *m, x)
    want = compact(want.reshape(*want.shape[:3], -1, *want.shape[-4:]), g)
    got = np.full(want.shape, np.nan)
    transform_in(x, g["stride"], g["before"], g["taps"], g["tiles"], g["window"], g["drop"], got)
    assert np.array_equal(got, want)


@given(geometry=dims())
def test_transform_in_adjoint_is_b_on_each_window_added_into_x(geometry: dict[str, Any]):
    """``<transform_in(x), v> == <x, transform_in_adjoint(v)>`` for windows, written
    out: the same reads, summed the other way; x is zero where no window reaches.
    """
    g = geometry
    rng = np.random.default_rng(2)
    m = [reads(*args, True) for args in zip(g["taps"], g["stride"], g["tiles"], g["size"],
                                            g["before"])]  # fmt: skip
    points = [3 if r == 2 else 1 for r in g["taps"]]
    products = kept_products(g, int(np.prod(g["stride"])) * g["c"], rng)
    shaped = products.reshape(*points, *g["stride"], g["c"], *g["tiles"], g["n"])
    want = np.einsum("apsi,bqtj,cruk,pqrabchstun->nhijk", *m, shaped)
    got = np.full((g["n"], g["c"], *g["size"]), np.nan)
    squares = transform_in_adjoint(compact(products, g), g["stride"], g["before"], g["taps"],
                                   g["tiles"], g["drop"], got, True)  # fmt: skip
    assert np.array_equal(got, want)
    # The squares of the phases x is read from (and of positions past its ends): at
    # least those of x, and not at all without the check.
    assert np.isfinite(squares) and squares >= np.sum(want**2) * (1 - 1e-12)
    again = np.full_like(got, np.nan)
    assert transform_in_adjoint(compact(products, g), g["stride"], g["before"], g["taps"],
                                g["tiles"], g["drop"], again, False) == 0  # fmt: skip
    assert np.array_equal(again, want)
    products.flat[products.size // 2] = np.inf
    assert not np.isfinite(
        transform_in_adjoint(
            compact(products, g),
            g["stride"],
            g["before"],
            g["taps"],
            g["tiles"],
            g["drop"],
            again,
            True,
        )  # fmt: skip
    )


@given(geometry=dims())
def test_transform_out_is_a_t_written_to_each_tile_s_outputs(geometry: dict[str, Any]):
    """A conv output: x as long as its tiles cover, less one where the dim drops."""
    g = geometry
    size = [2 * t - d if r == 2 else t for r, t, d in zip(g["taps"], g["tiles"], g["drop"])]
    rng = np.random.default_rng(1)
    products = kept_products(g, g["c"], rng)

    # m[p, t, i]: how much point p of tile t adds to x[i].
    def outputs(sizes: list[int]) -> np.ndarray:
        m = []
        for r, t_count, length in zip(g["taps"], g["tiles"], sizes):
            matrix, width = (np.ones((1, 1)), 1) if r == 1 else (A_T, 2)
            dim = np.zeros((matrix.shape[1], t_count, length))
            for t in range(t_count):
                for a in range(width):
                    if width * t + a < length:
                        dim[:, t, width * t + a] += matrix[a]
            m.append(dim)
        return np.einsum("psi,qtj,ruk,pqrmstun->nmijk", *m, products)

    want = outputs(size)
    got = np.full((g["n"], g["c"], *size), np.nan)
    squares = transform_out(compact(products, g), g["taps"], g["tiles"], g["drop"], got, True)
    assert np.array_equal(got, want)
    # The squares of every tile output, those past the end included; none unchecked.
    every = outputs([2 * t if r == 2 else t for r, t in zip(g["taps"], g["tiles"])])
    np.testing.assert_allclose(squares, np.sum(every**2), rtol=1e-12)
    assert transform_out(compact(products, g), g["taps"], g["tiles"], g["drop"], got, False) == 0
