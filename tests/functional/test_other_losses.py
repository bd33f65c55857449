"""Margin and likelihood losses against torch: every reduction, gradients with respect to
each float input, gradcheck, gradgradcheck, dtypes and bad input.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_close, assert_raises_with, check_op, randn
from tests.strategies import shapes

REDUCTIONS = ["mean", "sum", "none"]


def _tf():
    import torch.nn.functional as tf

    return tf


def _labels(*shape, seed=2):
    return np.where(randn(*shape, seed=seed) > 0, 1.0, -1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking(torch, reduction, margin):
    labels = _labels(6)
    check_op(
        lambda a, b: F.margin_ranking_loss(a, b, mg.tensor(labels), margin, reduction=reduction),
        randn(6),
        randn(6, seed=1),
        torch_fn=lambda a, b: _tf().margin_ranking_loss(
            a, b, torch.tensor(labels), margin, reduction=reduction
        ),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding(torch, reduction, margin):
    labels = _labels(3, 4)
    labels[0, 0] = 0.0  # neither 1 nor -1: both terms, as torch
    check_op(
        lambda x: F.hinge_embedding_loss(x, mg.tensor(labels), margin, reduction=reduction),
        randn(3, 4, low=0.05),
        torch_fn=lambda x: _tf().hinge_embedding_loss(
            x, torch.tensor(labels), margin, reduction=reduction
        ),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, -0.2, 0.4])
def test_cosine_embedding(torch, reduction, margin):
    labels = np.array([1, -1, -1, 1, 0])  # int64 labels, and one that counts 0
    check_op(
        lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor(labels), margin, reduction=reduction),
        randn(5, 3),
        randn(5, 3, seed=1),
        torch_fn=lambda a, b: _tf().cosine_embedding_loss(
            a, b, torch.tensor(labels), margin, reduction=reduction
        ),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_unbatched(torch, reduction):
    check_op(
        lambda a, b: F.cosine_embedding_loss(a, b, mg.tensor(-1.0), reduction=reduction),
        randn(4),
        randn(4, seed=1),
        torch_fn=lambda a, b: _tf().cosine_embedding_loss(
            a, b, torch.tensor(-1.0), reduction=reduction
        ),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(3, 4), (3, 1), (3,)])
def test_gaussian_nll(torch, reduction, full, var_shape):
    check_op(
        lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=full, reduction=reduction),
        randn(3, 4),
        randn(3, 4, seed=1),
        randn(*var_shape, low=0.2, seed=2),
        torch_fn=lambda x, y, v: _tf().gaussian_nll_loss(x, y, v, full=full, reduction=reduction),
    )


def test_gaussian_nll_clamps_small_variances_passing_their_gradient_as_torch(torch):
    var = np.array([1e-9, 0.0, 0.5])
    x, y = randn(3), randn(3, seed=1)
    mv = mg.tensor(var, requires_grad=True)
    tv = torch.tensor(var, requires_grad=True)
    got = F.gaussian_nll_loss(mg.tensor(x), mg.tensor(y), mv, eps=1e-3, reduction="sum")
    want = _tf().gaussian_nll_loss(torch.tensor(x), torch.tensor(y), tv, eps=1e-3, reduction="sum")
    got.backward()
    want.backward()
    assert_close(got, want)
    assert_close(mv.grad, tv.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_with_a_number_variance(torch, reduction):
    check_op(
        lambda x, y: F.gaussian_nll_loss(x, y, 0.7, reduction=reduction),
        randn(2, 3),
        randn(3, seed=1),
        torch_fn=lambda x, y: _tf().gaussian_nll_loss(x, y, 0.7, reduction=reduction),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll(torch, reduction, log_input, full):
    counts = np.array([[0.0, 1.0, 2.0, 5.0], [3.0, 0.5, 7.0, 1.5]])
    if full:
        # torch's target gradient of the Stirling term is nan at a zero count (see below),
        # and the term jumps at a count of 1, where finite differences fail.
        counts[0, :2] = [0.25, 1.25]
    rates = randn(2, 4) if log_input else randn(2, 4, low=0.1)
    check_op(
        lambda x, y: F.poisson_nll_loss(x, y, log_input, full, reduction=reduction),
        rates,
        counts,
        torch_fn=lambda x, y: _tf().poisson_nll_loss(x, y, log_input, full, reduction=reduction),
    )


def test_poisson_nll_full_has_a_finite_target_gradient_at_a_zero_count():
    """Where torch's is nan (the Stirling term's log 0 leaks through its mask)."""
    counts = mg.tensor([0.0, 3.0], dtype=mg.float64, requires_grad=True)
    rates = mg.tensor([0.5, 0.5], dtype=mg.float64)
    F.poisson_nll_loss(rates, counts, full=True, reduction="sum").backward()
    # d/dy of e^x - y x + [y > 1] (y log y - y + 0.5 log 2πy): -x, and -x + log y + 1/(2y).
    assert_close(counts.grad, [-0.5, -0.5 + np.log(3.0) + 1 / 6])


@given(shape=shapes(min_dims=1, max_dims=3), data=st.data())
@settings(max_examples=6)
def test_on_drawn_shapes(torch, shape, data):
    name = data.draw(
        st.sampled_from(["margin_ranking_loss", "hinge_embedding_loss", "poisson_nll_loss"])
    )
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(shape) > 0.5, 1.0, -1.0)
    if name == "margin_ranking_loss":
        arrays = [rng.standard_normal(shape), rng.standard_normal(shape)]

        def call(lib, functional, a, b):
            return functional.margin_ranking_loss(a, b, lib.tensor(labels), reduction=reduction)

    elif name == "hinge_embedding_loss":
        arrays = [rng.uniform(0.05, 2.0, shape)]

        def call(lib, functional, a):
            return functional.hinge_embedding_loss(a, lib.tensor(labels), reduction=reduction)

    else:
        arrays = [rng.standard_normal(shape), rng.uniform(0.0, 4.0, shape)]

        def call(lib, functional, a, b):
            return functional.poisson_nll_loss(a, b, full=True, reduction=reduction)

    check_op(lambda *t: call(mg, F, *t), *arrays, torch_fn=lambda *t: call(torch, _tf(), *t))


FLOATS = [np.float32, np.float64]
TRIPLES = [(a, b, c) for a in FLOATS for b in FLOATS for c in FLOATS]


@pytest.mark.parametrize("dtypes", TRIPLES)
@pytest.mark.parametrize(
    "name", ["margin_ranking_loss", "cosine_embedding_loss", "gaussian_nll_loss"]
)
def test_three_argument_dtypes_as_torch(torch, name, dtypes):
    first, second = randn(4, 3).astype(dtypes[0]), randn(4, 3, seed=1).astype(dtypes[1])
    if name == "margin_ranking_loss":
        third = _labels(4, 3).astype(dtypes[2])
    elif name == "cosine_embedding_loss":
        third = _labels(4).astype(dtypes[2])
    else:
        third = randn(4, 3, low=0.2).astype(dtypes[2])

    def run(lib, functional):
        return getattr(functional, name)(lib.tensor(first), lib.tensor(second), lib.tensor(third))

    got, want = run(mg, F), run(torch, _tf())
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    assert_close(got, want.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["hinge_embedding_loss", "poisson_nll_loss"])
@pytest.mark.parametrize("input_dtype", FLOATS)
@pytest.mark.parametrize("target_dtype", FLOATS)
def test_two_argument_dtypes_as_torch(torch, name, input_dtype, target_dtype):
    x, y = randn(4, 3, low=0.1).astype(input_dtype), _labels(4, 3).astype(target_dtype)
    y = np.abs(y) if name == "poisson_nll_loss" else y
    got = getattr(F, name)(mg.tensor(x), mg.tensor(y))
    want = getattr(_tf(), name)(torch.tensor(x), torch.tensor(y))
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    assert_close(got, want.numpy(), rtol=2e-6, atol=1e-6)


def test_bad_input():
    a, b = mg.randn(3, 2), mg.randn(3, 2)
    with assert_raises_with(ValueError, "margin_ranking_loss", "same number of dims", "(3,)"):
        F.margin_ranking_loss(a, b, mg.ones(3))
    with assert_raises_with(ValueError, "margin_ranking_loss", "broadcast", "(2,)"):
        F.margin_ranking_loss(a[:, 0], b[:2, 0], mg.ones(3))
    with assert_raises_with(TypeError, "margin_ranking_loss", "margin", "number", "str"):
        F.margin_ranking_loss(a, b, mg.ones(3, 2), margin="1")
    with assert_raises_with(ValueError, "hinge_embedding_loss", "broadcast", "(3, 2)", "(3,)"):
        F.hinge_embedding_loss(a, mg.ones(3))
    with assert_raises_with(ValueError, "cosine_embedding_loss", "target", "0-d or 1-d", "(3, 1)"):
        F.cosine_embedding_loss(a, b, mg.ones(3, 1))
    with assert_raises_with(ValueError, "cosine_embedding_loss", "2-d", "(2,)"):
        F.cosine_embedding_loss(a[0], b[0], mg.ones(1))
    with assert_raises_with(ValueError, "cosine_embedding_loss", "broadcast", "(2, 2)"):
        F.cosine_embedding_loss(a, b[:2], mg.ones(3))
    with assert_raises_with(ValueError, "cosine_embedding_loss", "broadcast", "(2,)", "(3,)"):
        F.cosine_embedding_loss(a, b, mg.ones(2))
    with assert_raises_with(ValueError, "gaussian_nll_loss", "var", "(3, 2)", "(2,)"):
        F.gaussian_nll_loss(a, b, mg.ones(2))
    with assert_raises_with(ValueError, "gaussian_nll_loss", "var", "negative"):
        F.gaussian_nll_loss(a, b, -mg.ones(3, 2))
    with assert_raises_with(ValueError, "gaussian_nll_loss", "var", "negative"):
        F.gaussian_nll_loss(a, b, -0.5)
    with assert_raises_with(ValueError, "gaussian_nll_loss", "reduction", "'avg'"):
        F.gaussian_nll_loss(a, b, mg.ones(3, 2), reduction="avg")
    with assert_raises_with(TypeError, "gaussian_nll_loss", "full", "bool", "int"):
        F.gaussian_nll_loss(a, b, mg.ones(3, 2), full=1)
    with assert_raises_with(ValueError, "poisson_nll_loss", "broadcast", "(2, 3)"):
        F.poisson_nll_loss(a, mg.ones(2, 3))
    with assert_raises_with(TypeError, "poisson_nll_loss", "log_input", "bool", "str"):
        F.poisson_nll_loss(a, b, log_input="yes")


EMPTY, EMPTY_LABELS = np.zeros((0, 3)), np.zeros(0)
EMPTY_CASES = [
    ("mse_loss", (EMPTY, EMPTY), "mean"),
    ("smooth_l1_loss", (EMPTY, EMPTY), "mean"),
    ("huber_loss", (EMPTY, EMPTY), "mean"),
    ("soft_margin_loss", (EMPTY, EMPTY), "mean"),
    ("kl_div", (EMPTY, EMPTY), "batchmean"),
    ("margin_ranking_loss", (EMPTY_LABELS, EMPTY_LABELS, EMPTY_LABELS), "mean"),
    ("hinge_embedding_loss", (EMPTY, EMPTY), "mean"),
    ("cosine_embedding_loss", (EMPTY, EMPTY, EMPTY_LABELS), "mean"),
    ("gaussian_nll_loss", (EMPTY, EMPTY, EMPTY), "mean"),
    ("poisson_nll_loss", (EMPTY, EMPTY), "mean"),
]


@pytest.mark.parametrize(("name", "arrays", "mean"), EMPTY_CASES, ids=[c[0] for c in EMPTY_CASES])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_empty_batches_as_torch(torch, name, arrays, mean, reduction):
    """nan for a mean over nothing, 0 for a sum, an empty 'none'; and no numpy warning."""
    reduction = mean if reduction == "mean" else reduction
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(F, name)(*[mg.tensor(a) for a in arrays], reduction=reduction)
    want = getattr(_tf(), name)(*[torch.tensor(a) for a in arrays], reduction=reduction)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
