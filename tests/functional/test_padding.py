"""F.pad: torch's pad-tuple order and modes, numbers against numpy and torch, gradients
of every order, and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F

NUMPY_MODE = {
    "constant": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def numpy_pad(x: np.ndarray, pad: tuple[int, ...], mode: str, value: float = 0.0) -> np.ndarray:
    """np.pad with torch's ordering: the pad tuple starts at the last dim."""
    pairs = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pairs[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return np.pad(x, pairs, mode="constant", constant_values=value)
    return np.pad(x, pairs, mode=NUMPY_MODE[mode])


@st.composite
def pad_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    mode = draw(st.sampled_from(list(NUMPY_MODE)))
    dims = draw(st.integers(1, 3))
    sizes = [draw(st.integers(2, 4)) for _ in range(dims)]
    lead = [draw(st.integers(1, 2)) for _ in range(draw(st.integers(1, 2)))]
    widest = {"reflect": -1, "circular": 0}.get(mode, 2)
    pad = []
    for size in reversed(sizes):
        pad += [draw(st.integers(0, size + widest)), draw(st.integers(0, size + widest))]
    return (*lead, *sizes), tuple(pad), mode


@given(case=pad_cases())
def test_matches_numpy(case) -> None:
    shape, pad, mode = case
    x = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_array_equal(
        F.pad(mg.tensor(x), pad, mode=mode).numpy(), numpy_pad(x, pad, mode)
    )


@given(case=pad_cases())
def test_matches_torch(torch, case) -> None:
    shape, pad, mode = case
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    want = torch.nn.functional.pad(torch.tensor(x), pad, mode=mode).numpy()
    np.testing.assert_array_equal(F.pad(mg.tensor(x), pad, mode=mode).numpy(), want)


def test_constant_value_and_negative_padding(torch) -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    for pad in [(1, 2), (-1, 2, 1, -2), (0, 0, 0, 0, 1, 1), (-2, -1)]:
        got = F.pad(mg.tensor(x), pad, value=2.5).numpy()
        want = torch.nn.functional.pad(torch.tensor(x), pad, value=2.5).numpy()
        np.testing.assert_array_equal(got, want)


def test_order_is_last_dim_first() -> None:
    out = F.pad(mg.zeros(1, 1, dtype=mg.float64), (1, 0, 0, 2), value=1.0)
    np.testing.assert_array_equal(out.numpy(), [[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])


def test_integer_tensors_pad_too() -> None:
    out = F.pad(mg.tensor([[1, 2, 3]]), (1, 1), mode="circular")
    assert out.dtype == mg.int64
    np.testing.assert_array_equal(out.numpy(), [[3, 1, 2, 3, 1]])


@pytest.mark.parametrize("mode", list(NUMPY_MODE))
def test_gradcheck_and_gradgradcheck(rng, mode: str) -> None:
    x = mg.tensor(rng.standard_normal((1, 2, 3)), requires_grad=True)
    pad = (2, 1, 1, 0) if mode != "constant" else (2, -1, 1, 0)

    def fn(t: mg.Tensor) -> mg.Tensor:
        return F.pad(t, pad, mode=mode, value=0.5 if mode == "constant" else 0.0) ** 2

    assert mg.autograd.gradcheck(fn, (x,))
    assert mg.autograd.gradgradcheck(fn, (x,))


def test_gradient_folds_border_back(torch) -> None:
    x = np.arange(10.0).reshape(1, 2, 5)
    grad = np.random.default_rng(0).standard_normal((1, 2, 8))
    for mode in ["reflect", "replicate", "circular"]:
        ours = mg.tensor(x, requires_grad=True)
        F.pad(ours, (2, 1), mode=mode).backward(mg.tensor(grad))
        theirs = torch.tensor(x, requires_grad=True)
        torch.nn.functional.pad(theirs, (2, 1), mode=mode).backward(torch.tensor(grad))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("error", "kwargs", "fragments"),
    [
        (TypeError, dict(input=np.ones(3), pad=(1, 1)), ("pad: input", "Tensor", "ndarray")),
        (TypeError, dict(pad=1), ("pad: pad", "tuple of ints", "int 1")),
        (TypeError, dict(pad=(1.0, 1)), ("pad: pad", "tuple of ints", "(1.0, 1)")),
        (ValueError, dict(pad=(1, 1, 1)), ("pad: pad", "even number", "got 3")),
        (ValueError, dict(pad=(1,) * 8), ("pad: pad", "at most 2 * input.ndim = 6", "got 8")),
        (
            ValueError,
            dict(pad=(1, 1), mode="zeros"),
            ("pad: mode", "'constant', 'reflect'", "'zeros'"),
        ),
        (TypeError, dict(pad=(1, 1), value="x"), ("pad: value", "number", "str")),
        (
            ValueError,
            dict(pad=(1, 1), mode="reflect", value=1.0),
            ("pad: value", "'reflect'", "1.0"),
        ),
        (
            ValueError,
            dict(pad=(4, 1), mode="reflect"),
            ("pad: pad", "smaller than", "padding 4", "size 4"),
        ),
        (
            ValueError,
            dict(pad=(5, 0), mode="circular"),
            ("pad: pad", "at most", "padding 5", "size 4"),
        ),
        (ValueError, dict(pad=(-1, 0), mode="replicate"), ("pad: pad", "non-negative", "(-1, 0)")),
        (
            ValueError,
            dict(pad=(1,) * 6, mode="reflect"),
            ("pad: pad", "1 to 3 trailing dims", "6 pads"),
        ),
        (ValueError, dict(pad=(-3, -2)), ("pad: pad", "(-3, -2)", "crop more than", "4 elements")),
    ],
)
def test_errors(error, kwargs, fragments) -> None:
    x = mg.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    kwargs = {"input": x, **kwargs}
    with pytest.raises(error) as caught:
        F.pad(**kwargs)
    for fragment in fragments:
        assert fragment in str(caught.value), (fragment, str(caught.value))
    np.testing.assert_array_equal(x.detach().numpy(), np.arange(24.0).reshape(2, 3, 4))
    assert x.grad is None
