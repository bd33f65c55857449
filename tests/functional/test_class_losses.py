"""nll_loss (and cross_entropy's shared index path) against torch: every reduction, class
weights, ignore_index, (N, C), (N, C, d1, ...) and (C,) inputs, gradcheck, gradgradcheck,
dtypes and bad input.
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


def _log_probabilities(*shape, seed=0):
    x = randn(*shape, seed=seed)
    class_dim = 0 if len(shape) == 1 else 1
    return x - np.log(np.exp(x).sum(class_dim, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_nll_loss(torch, reduction, weighted, ignore_index):
    target = np.array([1, 0, 3, 2, -100, 2])  # ignore_index=2 drops two positions
    weight = np.array([0.5, 1.5, 2.0, 0.25]) if weighted else None

    def run(lib, functional, x):
        w = None if weight is None else lib.tensor(weight)
        return functional.nll_loss(
            x, lib.tensor(target), w, ignore_index=ignore_index, reduction=reduction
        )

    target = target if ignore_index == -100 else np.where(target == -100, 0, target)
    check_op(
        lambda x: run(mg, F, x),
        _log_probabilities(6, 4),
        torch_fn=lambda x: run(torch, _tf(), x),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_spatial(torch, reduction):
    """(N, C, d1, d2) input with (N, d1, d2) targets, as for a segmentation map."""
    target = np.random.default_rng(2).integers(0, 3, size=(2, 4, 3))
    target[0, 1, 1] = -100
    weight = np.array([0.2, 1.0, 3.0])
    check_op(
        lambda x: F.nll_loss(x, mg.tensor(target), mg.tensor(weight), reduction=reduction),
        randn(2, 3, 4, 3),
        torch_fn=lambda x: _tf().nll_loss(
            x, torch.tensor(target), torch.tensor(weight), reduction=reduction
        ),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_unbatched(torch, reduction):
    check_op(
        lambda x: F.nll_loss(x, mg.tensor(3), reduction=reduction),
        randn(5),
        torch_fn=lambda x: _tf().nll_loss(x, torch.tensor(3), reduction=reduction),
    )


@given(
    batch=st.integers(1, 3),
    classes=st.integers(1, 4),
    spatial=shapes(max_dims=2),
    data=st.data(),
)
@settings(max_examples=8)
def test_nll_loss_and_cross_entropy_on_drawn_shapes(torch, batch, classes, spatial, data):
    name = data.draw(st.sampled_from(["nll_loss", "cross_entropy"]))
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    weighted = data.draw(st.booleans())
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    target = rng.integers(-1, classes, size=(batch, *spatial))
    target[target < 0] = -100
    weight = rng.uniform(0.1, 2.0, size=classes) if weighted else None

    def run(lib, functional, x):
        w = None if weight is None else lib.tensor(weight)
        return getattr(functional, name)(x, lib.tensor(target), w, reduction=reduction)

    with np.errstate(invalid="ignore"):  # an all-ignored draw gives nan in both
        out = F.nll_loss(mg.tensor(randn(batch, classes, *spatial)), mg.tensor(target))
    if np.isnan(out.item()) and reduction == "mean":
        return  # gradcheck cannot handle nan; tested in test_all_ignored_gives_nan_as_torch
    check_op(
        lambda x: run(mg, F, x),
        rng.standard_normal((batch, classes, *spatial)),
        torch_fn=lambda x: run(torch, _tf(), x),
    )


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_all_ignored_or_empty_batch_as_torch(torch, name):
    x = randn(3, 4)
    ignored = np.full(3, -100)
    empty = np.zeros(0, dtype=np.int64)
    for inputs, target, reduction in [
        (x, ignored, "mean"),
        (x, ignored, "sum"),
        (x, ignored, "none"),
        (x[:0], empty, "mean"),
        (x[:0], empty, "sum"),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy warning for 0 / 0
            got = getattr(F, name)(mg.tensor(inputs), mg.tensor(target), reduction=reduction)
        want = getattr(_tf(), name)(
            torch.tensor(inputs), torch.tensor(target), reduction=reduction
        )
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_class_weights_that_require_grad_are_refused_with_indices_as_torch(torch, name):
    x, target = randn(3, 4), np.array([0, 1, 2])
    weight = np.array([1.0, 2.0, 3.0, 4.0])
    tw = torch.tensor(weight, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable"):
        getattr(_tf(), name)(torch.tensor(x), torch.tensor(target), tw)
    mw = mg.tensor(weight, requires_grad=True)
    with assert_raises_with(ValueError, name, "weight", "requires grad"):
        getattr(F, name)(mg.tensor(x), mg.tensor(target), mw)
    with mg.no_grad():
        got = getattr(F, name)(mg.tensor(x), mg.tensor(target), mw)
    with torch.no_grad():
        want = getattr(_tf(), name)(torch.tensor(x), torch.tensor(target), tw)
    assert_close(got, want)


def test_nll_input_gradient_is_the_weighted_one_hot():
    x = mg.tensor(randn(3, 4), requires_grad=True)
    w = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64)
    loss = F.nll_loss(x, mg.tensor([0, 1, 2]), w)
    (grad_x,) = mg.autograd.grad(loss, [x])
    # d/dx of -sum_n w[y_n] x[n, y_n] / sum_n w[y_n]
    expected = np.zeros((3, 4))
    expected[[0, 1, 2], [0, 1, 2]] = -np.array([1.0, 2.0, 3.0]) / 6.0
    assert_close(grad_x, expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_differentiate_the_weight_as_torch(torch, reduction):
    target = np.random.default_rng(3).dirichlet(np.ones(4), size=3)
    check_op(
        lambda x, w: F.cross_entropy(x, mg.tensor(target), w, reduction=reduction),
        randn(3, 4),
        np.array([0.5, 1.0, 1.5, 2.0]),
        torch_fn=lambda x, w: _tf().cross_entropy(x, torch.tensor(target), w, reduction=reduction),
    )


def test_log_softmax_then_nll_is_cross_entropy():
    x = mg.tensor(randn(4, 5))
    target = mg.tensor([0, 4, 2, 2])
    assert_close(F.nll_loss(F.log_softmax(x, dim=1), target), F.cross_entropy(x, target))


FLOATS = [np.float32, np.float64]


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("input_dtype", FLOATS)
@pytest.mark.parametrize("weight_dtype", [*FLOATS, None])
def test_dtypes_as_torch(torch, name, input_dtype, weight_dtype):
    """The loss keeps the input's dtype; a class weight of the other dtype is refused."""
    x = randn(3, 4).astype(input_dtype)
    target = np.array([0, 3, 1])
    weight = None if weight_dtype is None else np.array([1.0, 2.0, 0.5, 1.0], weight_dtype)

    def run(lib, functional):
        w = None if weight is None else lib.tensor(weight)
        return getattr(functional, name)(lib.tensor(x), lib.tensor(target), w)

    try:
        want = run(torch, _tf())
    except RuntimeError:
        with pytest.raises(TypeError, match="weight"):
            run(mg, F)
        return
    got = run(mg, F)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    assert_close(got, want.numpy(), rtol=2e-6)


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_integer_targets_other_than_int64_are_refused_as_torch(torch, name):
    x = randn(3, 4)
    for dtype in (np.int32, np.bool_):
        target = np.array([0, 1, 1]).astype(dtype)
        with pytest.raises(RuntimeError):
            getattr(_tf(), name)(torch.tensor(x), torch.tensor(target))
        with assert_raises_with(TypeError, name, "target", "int64", str(np.dtype(dtype))):
            getattr(F, name)(mg.tensor(x), mg.tensor(target))


def test_nll_loss_bad_input():
    x = mg.tensor(randn(3, 4))
    with assert_raises_with(ValueError, "nll_loss", "target", "[0, 4)", "[4, 7]"):
        F.nll_loss(x, mg.tensor([4, 7, 1]))
    with assert_raises_with(ValueError, "nll_loss", "target", "[0, 4)", "[-1]"):
        F.nll_loss(x, mg.tensor([0, -1, 1]))
    with assert_raises_with(ValueError, "nll_loss", "target", "(3,)", "(2,)"):
        F.nll_loss(x, mg.tensor([0, 1]))
    with assert_raises_with(ValueError, "nll_loss", "target", "(2, 5)", "(2, 4)"):
        F.nll_loss(mg.randn(2, 3, 5), mg.zeros(2, 4, dtype=mg.int64))
    with assert_raises_with(TypeError, "nll_loss", "target", "int64", "float32"):
        F.nll_loss(x, mg.tensor([0.0, 1.0, 2.0]))
    with assert_raises_with(TypeError, "nll_loss", "input", "float", "int64"):
        F.nll_loss(mg.tensor([[1, 2]]), mg.tensor([0]))
    with assert_raises_with(ValueError, "nll_loss", "input", "at least 1 dim"):
        F.nll_loss(mg.tensor(1.0), mg.tensor(0))
    with assert_raises_with(ValueError, "nll_loss", "weight", "(4,)", "(3,)"):
        F.nll_loss(x, mg.tensor([0, 1, 2]), weight=mg.ones(3, dtype=mg.float64))
    with assert_raises_with(TypeError, "nll_loss", "weight", "float64", "float32"):
        F.nll_loss(x, mg.tensor([0, 1, 2]), weight=mg.ones(4))
    with assert_raises_with(ValueError, "nll_loss", "reduction", "'avg'"):
        F.nll_loss(x, mg.tensor([0, 1, 2]), reduction="avg")
    with assert_raises_with(TypeError, "nll_loss", "ignore_index", "int", "float"):
        F.nll_loss(x, mg.tensor([0, 1, 2]), ignore_index=1.0)
    with assert_raises_with(TypeError, "nll_loss", "target", "Tensor", "list"):
        F.nll_loss(x, [0, 1, 2])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(2, 3, 4), (3,)])
def test_cross_entropy_probability_targets_spatial_and_unbatched(torch, reduction, shape):
    class_dim = 0 if len(shape) == 1 else 1
    target = np.moveaxis(
        np.random.default_rng(6).dirichlet(np.ones(3), size=shape[:class_dim] + shape[2:]),
        -1,
        class_dim,
    )
    weight = np.array([0.3, 1.0, 2.0])

    def run(lib, functional, x):
        return functional.cross_entropy(
            x, lib.tensor(target), lib.tensor(weight), reduction=reduction, label_smoothing=0.3
        )

    check_op(lambda x: run(mg, F, x), randn(*shape), torch_fn=lambda x: run(torch, _tf(), x))
