"""Channel dropout (F.dropout1d/2d/3d, nn.Dropout1d/2d/3d) and dropout's ``inplace``:
the masks' structure and statistics, scaling, eval identity, gradient, reprs, errors.

The masks come from minigrad's generator, so they cannot match torch's bits: torch is
the oracle for everything else (reprs, shapes, which dims share a draw, warnings).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with

CHANNEL_DROPOUTS = [(F.dropout1d, 1), (F.dropout2d, 2), (F.dropout3d, 3)]


def _channel_values(out: np.ndarray, leading: int) -> np.ndarray:
    """Each (sample, channel) block flattened to a row."""
    return out.reshape(int(np.prod(out.shape[:leading])), -1)


# dropout2d reads a 3D input as batched, as torch does (tested below).
@pytest.mark.parametrize(
    "fn, rank, batched",
    [
        (F.dropout1d, 1, True),
        (F.dropout1d, 1, False),
        (F.dropout2d, 2, True),
        (F.dropout3d, 3, True),
        (F.dropout3d, 3, False),
    ],
)
def test_whole_channels_are_zeroed_and_survivors_scaled(fn, rank, batched):
    shape = ((40,) if batched else ()) + (50,) + (3,) * rank
    x = mg.ones(*shape, dtype=mg.float64)
    out = fn(x, p=0.3).numpy()
    rows = _channel_values(out, 2 if batched else 1)
    # Every channel is either all zeros or all 1 / (1 - p).
    assert np.all((rows == 0).all(axis=1) | np.isclose(rows, 1 / 0.7).all(axis=1))
    dropped = (rows == 0).all(axis=1).mean()
    # Binomial(n, 0.3) over n = 2000 (or 50) channels: 5 standard deviations.
    n = rows.shape[0]
    assert abs(dropped - 0.3) < 5 * np.sqrt(0.21 / n)


@pytest.mark.parametrize("fn, rank", CHANNEL_DROPOUTS)
def test_gradient_is_the_scaled_mask(fn, rank):
    x = mg.randn(4, 6, *(2,) * rank, dtype=mg.float64, requires_grad=True)
    out = fn(x, 0.5)
    seed = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(mg.tensor(seed))
    mask = out.detach().numpy() / x.detach().numpy()
    assert set(np.round(mask, 12).ravel()) <= {0.0, 2.0}
    np.testing.assert_allclose(x.grad.numpy(), seed * mask)
    # Re-seeded per call, the mask is the same at every point gradcheck evaluates.
    small = mg.randn(2, 3, *(2,) * rank, dtype=mg.float64, requires_grad=True)

    def seeded(t):
        mg.manual_seed(7)
        return fn(t, 0.5)

    assert mg.autograd.gradcheck(seeded, [small])
    assert mg.autograd.gradgradcheck(seeded, [small])


@pytest.mark.parametrize("fn, rank", CHANNEL_DROPOUTS)
def test_identity_cases_and_seed(fn, rank):
    x = mg.randn(2, 3, *(2,) * rank)
    assert fn(x, 0.5, training=False) is x
    assert fn(x, 0.0) is x
    assert not fn(x, 1.0).numpy().any()
    mg.manual_seed(3)
    first = fn(x).numpy()
    mg.manual_seed(3)
    assert np.array_equal(first, fn(x).numpy())


@settings(max_examples=10)
@given(
    rank=st.integers(1, 3),
    batched=st.booleans(),
    sizes=st.lists(st.integers(1, 3), min_size=5, max_size=5),
)
def test_mask_shape_follows_torch(torch, rank, batched, sizes):
    """Which elements share a draw: torch's own mask structure, read from an input of ones."""
    fn = {1: "dropout1d", 2: "dropout2d", 3: "dropout3d"}[rank]
    if rank == 2 and not batched:
        batched = True
    shape = tuple(sizes[: rank + (2 if batched else 1)])
    leading = 2 if batched else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(F, fn)(mg.ones(*shape, dtype=mg.float64), 0.5).numpy()
        want = getattr(torch.nn.functional, fn)(torch.ones(*shape, dtype=torch.float64), 0.5)
    for result in (out, want.numpy()):
        rows = _channel_values(result, leading)
        assert (rows == rows[:, :1]).all()


@pytest.mark.parametrize(
    "call",
    [
        lambda F, y: F.dropout(y, 0.5, True, True),
        lambda F, y: F.dropout1d(y, 0.5, inplace=True),
        lambda F, y: F.dropout2d(y.reshape(1, 3, 2, 2), 0.5, True, True),
        lambda F, y: F.dropout3d(y.reshape(3, 2, 2, 1), inplace=True),
    ],
)
def test_inplace_writes_the_input_and_differentiates(call):
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    y = x * 1.0
    out = call(F, y)
    if out.shape == y.shape:  # the 2D calls: the result is the input itself
        assert out is y
    out.sum().backward()
    mask = out.detach().numpy().reshape(3, 4) / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask)
    plain = mg.ones(3, 4)
    F.dropout(plain, 0.5, inplace=True)
    assert set(plain.numpy().ravel()) <= {0.0, 2.0}


def test_dropout2d_and_3d_warn_as_torch_for_other_ranks(torch):
    for fn, shape in [("dropout2d", (2, 3)), ("dropout2d", (2, 3, 4)), ("dropout3d", (2, 3, 4))]:
        for lib in (F, torch.nn.functional):
            x = mg.ones(*shape) if lib is F else torch.ones(*shape)
            with pytest.warns(UserWarning, match=fn):
                getattr(lib, fn)(x, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(mg.ones(2, 3, 4, 4))
        F.dropout3d(mg.ones(3, 4, 4, 4))
    # A 3D input to dropout2d is (N, C, L): one draw per (sample, channel).
    with pytest.warns(UserWarning):
        out = F.dropout2d(mg.ones(30, 40, 5, dtype=mg.float64)).numpy()
    assert (out == out[:, :, :1]).all() and 0 < (out == 0).mean() < 1


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"])
def test_layers_repr_train_eval_and_inplace(torch, name):
    for args in [(), (0.2,), (0.3, True)]:
        assert repr(getattr(mg.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    layer = getattr(mg.nn, name)(0.5)
    x = mg.ones(4, 5, 2, 2, 2) if name == "Dropout3d" else mg.ones(4, 5, 3, 3)
    if name == "Dropout1d":
        x = mg.ones(4, 5, 3)
    out = layer(x).numpy()
    assert set(out.ravel()) <= {0.0, 2.0} and (out == 0).any()
    layer.eval()
    assert layer(x) is x
    inplace = getattr(mg.nn, name)(0.5, inplace=True)
    y = mg.ones(*x.shape)
    assert inplace(y) is y and (y.numpy() == 0).any()


def test_bad_input():
    with assert_raises_with(ValueError, "dropout1d", "2D (C, L) or 3D (N, C, L)", "got 4D"):
        F.dropout1d(mg.ones(1, 2, 3, 4))
    with assert_raises_with(ValueError, "dropout2d", "p", "[0, 1]", "-0.1"):
        F.dropout2d(mg.ones(1, 2, 3, 4), -0.1)
    with assert_raises_with(TypeError, "dropout3d", "p", "str"):
        F.dropout3d(mg.ones(1, 2, 3, 4), "0.5")
    with assert_raises_with(TypeError, "dropout", "inplace", "bool", "int"):
        F.dropout(mg.ones(2), 0.5, True, 1)
    with assert_raises_with(TypeError, "dropout2d", "input", "list"):
        F.dropout2d([1.0])
    with assert_raises_with(ValueError, "dropout2d", "at least 2 dims"):
        F.dropout2d(mg.ones(3))
    with assert_raises_with(ValueError, "Dropout2d", "p", "[0, 1]", "1.5"):
        mg.nn.Dropout2d(1.5)
    with assert_raises_with(TypeError, "Dropout1d", "inplace", "bool"):
        mg.nn.Dropout1d(0.5, "no")
