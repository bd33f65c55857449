"""Pad / PadAdjoint: forward against numpy's np.pad, the adjoint identity in every mode,
gradcheck and gradgradcheck (each is the other's backward)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.ops.pad import MODES, Pad, PadAdjoint, pad, pad_adjoint

NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def padded_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...], str]:
    mode = draw(st.sampled_from(MODES))
    dims = draw(st.integers(1, 3))
    sizes = tuple(draw(st.integers(2, 4)) for _ in range(dims))
    # reflect: pad < size; circular: pad <= size (as the public layer checks).
    widest = {"reflect": -1, "circular": 0}.get(mode, 1)
    pads = tuple(
        (draw(st.integers(0, s + widest)), draw(st.integers(0, s + widest))) for s in sizes
    )
    lead = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    return (*lead, *sizes), pads, mode


@given(case=padded_shapes())
def test_forward_matches_numpy(case) -> None:
    shape, pads, mode = case
    x = np.random.default_rng(0).standard_normal(shape)
    want = np.pad(x, [(0, 0)] * (len(shape) - len(pads)) + list(pads), mode=NUMPY_MODE[mode])
    np.testing.assert_array_equal(Pad.apply(mg.tensor(x), pads=pads, mode=mode).numpy(), want)


@given(case=padded_shapes())
def test_adjoint_identity(case) -> None:
    shape, pads, mode = case
    padded = tuple(shape[: len(shape) - len(pads)]) + tuple(
        s + a + b for s, (a, b) in zip(shape[len(shape) - len(pads) :], pads)
    )
    gap = mg.autograd.check_adjoint(
        lambda t: pad(t, pads, mode),
        lambda t: pad_adjoint(t, pads, mode),
        shape,
        padded,
        rtol=1e-12,
    )
    assert gap <= 1e-12


def test_adjoint_folds_reflect_border_by_hand() -> None:
    # reflect of [a, b, c] by (2, 1) is [c, b, a, b, c, b]: folding [1..6] adds 1 onto c,
    # 2 onto b, 3 onto a, 4 onto b, 5 onto c, 6 onto b.
    folded = PadAdjoint.apply(
        mg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), pads=((2, 1),), mode="reflect"
    )
    np.testing.assert_array_equal(folded.numpy(), [3.0, 12.0, 6.0])
    wrapped = PadAdjoint.apply(
        mg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), pads=((2, 1),), mode="circular"
    )
    np.testing.assert_array_equal(wrapped.numpy(), [3.0 + 6.0, 4.0 + 1.0, 5.0 + 2.0])


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck_and_gradgradcheck(rng, mode: str) -> None:
    x = mg.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    pads = ((1, 2), (2, 0))
    assert mg.autograd.gradcheck(lambda t: Pad.apply(t, pads=pads, mode=mode), (x,))
    assert mg.autograd.gradgradcheck(lambda t: Pad.apply(t, pads=pads, mode=mode) ** 2, (x,))
    y = mg.tensor(rng.standard_normal((2, 6, 5)), requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: PadAdjoint.apply(t, pads=pads, mode=mode), (y,))
    assert mg.autograd.gradgradcheck(
        lambda t: PadAdjoint.apply(t, pads=pads, mode=mode) ** 2, (y,)
    )


def test_zero_pads_are_the_identity() -> None:
    x = mg.ones(2, 3)
    assert pad(x, ((0, 0),), "reflect") is x
    assert pad_adjoint(x, ((0, 0), (0, 0)), "zeros") is x
