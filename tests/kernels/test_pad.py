"""The fast padding kernels against their twins in ``kernels/reference.py``.

Pads are drawn within what each mode allows (reflect: below the length; circular: at
most the length), over 1 to 5 dims with 1 to 3 of them padded, plus 4 padded dims in
zeros mode (PyTorch's constant pad takes any number).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minigrad.kernels import pad, reference

ROOT = Path(__file__).resolve().parents[2]
MODES = ("zeros", "reflect", "replicate", "circular")


def largest_pad(length: int, mode: str) -> int:
    return {"zeros": 3, "replicate": 3, "reflect": length - 1, "circular": length}[mode]


@st.composite
def problems(draw: Any) -> tuple[np.ndarray, tuple[tuple[int, int], ...], str]:
    mode = draw(st.sampled_from(MODES))
    ndim = draw(st.integers(1, 5))
    most_padded = ndim if mode == "zeros" else min(ndim, 3)
    padded = draw(st.integers(1, min(most_padded, 4)))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    pads = []
    for length in shape[ndim - padded :]:
        most = largest_pad(length, mode)
        pads.append((draw(st.integers(0, most)), draw(st.integers(0, most))))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    x = np.random.default_rng(draw(st.integers(0, 99))).standard_normal(shape).astype(dtype)
    return x, tuple(pads), mode


@given(problem=problems())
def test_pad_matches_reference(problem: tuple[np.ndarray, Any, str]) -> None:
    x, pads, mode = problem
    got = pad.pad_by_mode(x, pads, mode)
    want = reference.pad_by_mode(x, pads, mode)
    assert got.dtype == x.dtype
    assert got.flags.c_contiguous
    # A pure copy: the same bits, not just close.
    assert got.shape == want.shape
    assert np.array_equal(got, want)


@given(problem=problems())
def test_fold_matches_reference(problem: tuple[np.ndarray, Any, str]) -> None:
    x, pads, mode = problem
    padded = reference.pad_by_mode(x, pads, mode)
    grad = np.random.default_rng(1).standard_normal(padded.shape).astype(x.dtype)
    got = pad.fold_padding(grad, pads, mode)
    want = reference.fold_padding(grad, pads, mode)
    assert got.dtype == x.dtype
    assert got.flags.c_contiguous
    assert got.shape == want.shape == x.shape
    tolerance = 1e-5 if x.dtype == np.float32 else 1e-13
    np.testing.assert_allclose(got, want, rtol=0, atol=tolerance * 8)


@given(problem=problems())
def test_fold_is_the_adjoint_of_pad(problem: tuple[np.ndarray, Any, str]) -> None:
    x, pads, mode = problem
    x = x.astype(np.float64)
    padded = pad.pad_by_mode(x, pads, mode)
    grad = np.random.default_rng(2).standard_normal(padded.shape)
    folded = pad.fold_padding(grad, pads, mode)
    scale = np.abs(padded).sum() * np.abs(grad).max()
    assert abs(np.vdot(padded, grad) - np.vdot(x, folded)) <= 1e-13 * max(scale, 1.0)


def test_known_values() -> None:
    # Hand-worked: reflect mirrors without repeating the edge, replicate repeats it.
    row = np.array([[1.0, 2.0, 3.0]])
    assert pad.pad_by_mode(row, ((1, 2),), "reflect").tolist() == [[2, 1, 2, 3, 2, 1]]
    assert pad.pad_by_mode(row, ((1, 2),), "replicate").tolist() == [[1, 1, 2, 3, 3, 3]]
    assert pad.pad_by_mode(row, ((1, 2),), "circular").tolist() == [[3, 1, 2, 3, 1, 2]]
    assert pad.pad_by_mode(row, ((1, 2),), "zeros").tolist() == [[0, 1, 2, 3, 0, 0]]
    ones = np.ones((1, 6))
    assert pad.fold_padding(ones, ((1, 2),), "reflect").tolist() == [[2, 3, 1]]
    assert pad.fold_padding(ones, ((1, 2),), "replicate").tolist() == [[2, 1, 3]]
    assert pad.fold_padding(ones, ((1, 2),), "circular").tolist() == [[2, 2, 2]]
    assert pad.fold_padding(ones, ((1, 2),), "zeros").tolist() == [[1, 1, 1]]


def test_non_contiguous_input() -> None:
    x = np.asfortranarray(np.random.default_rng(0).standard_normal((2, 3, 4, 5)))
    for mode in MODES:
        got = pad.pad_by_mode(x, ((1, 2), (2, 1)), mode)
        assert np.array_equal(got, reference.pad_by_mode(x, ((1, 2), (2, 1)), mode))
        assert got.flags.c_contiguous


THREAD_SCRIPT = """
import sys
import numpy as np
from minigrad.kernels import pad
x = np.random.default_rng(0).standard_normal((4, 8, 9, 10, 11)).astype(np.float32)
pads = ((2, 1), (3, 2), (1, 3))
results = {}
for mode in ("zeros", "reflect", "replicate", "circular"):
    padded = pad.pad_by_mode(x, pads, mode)
    results[mode + "-pad"] = padded
    results[mode + "-fold"] = pad.fold_padding(padded, pads, mode)
np.savez(sys.argv[1], **results)
"""


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="no threads without JIT")
def test_same_bits_with_one_and_two_numba_threads(tmp_path: Path) -> None:
    saved = []
    for threads in (1, 2):
        path = tmp_path / f"{threads}.npz"
        env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
        subprocess.run(
            [sys.executable, "-c", THREAD_SCRIPT, str(path)], env=env, check=True, cwd=ROOT
        )
        with np.load(path) as outputs:
            saved.append(dict(outputs))
    one, two = saved
    assert sorted(one) == sorted(two)
    assert all(np.array_equal(one[key], two[key]) for key in one)


def _fold_in_order(x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str) -> np.ndarray:
    """The fold as plain loops: each element sums its sources from zero, in increasing
    padded position (the order the kernel promises).
    """
    inner = tuple(n - b - a for n, (b, a) in zip(x.shape[x.ndim - len(pads) :], pads))
    lead = x.shape[: x.ndim - len(pads)]
    maps = [reference.source_index(n, b, a, mode) for n, (b, a) in zip(inner, pads)]
    out = np.zeros(lead + inner, x.dtype)
    for index in np.ndindex(*x.shape[x.ndim - len(pads) :]):
        target = tuple(int(m[i]) for m, i in zip(maps, index))
        if min(target) >= 0:
            out[(Ellipsis, *target)] += x[(Ellipsis, *index)]
    return out


@given(problem=problems())
def test_fold_sums_each_element_in_increasing_padded_order_to_the_bit(
    problem: tuple[np.ndarray, Any, str],
) -> None:
    x, pads, mode = problem
    assume(mode != "zeros")  # a crop, copied as it is: no sums
    padded_shape = reference.pad_by_mode(x, pads, mode).shape
    grad = np.random.default_rng(3).standard_normal(padded_shape).astype(x.dtype)
    grad[np.random.default_rng(4).random(padded_shape) < 0.2] = -0.0  # zeros sum to +0
    got = pad.fold_padding(grad, pads, mode)
    assert got.tobytes() == _fold_in_order(grad, pads, mode).tobytes()
