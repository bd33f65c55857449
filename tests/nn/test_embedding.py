"""nn.Embedding, F.embedding and F.one_hot against torch: lookups, every gradient
(padding_idx, scale_grad_by_freq), max_norm's in-place renormalisation, gradcheck and
gradgradcheck, initialisation, state dict, repr, from_pretrained and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with

WEIGHT = np.random.default_rng(0).standard_normal((6, 3))
INDICES = np.array([[1, 2, 1, 5], [4, 0, 1, 3]])


def _both(torch, indices, weight=WEIGHT, **kwargs):
    """F.embedding in each library: (output, weight gradient, weight after) as arrays."""
    results = []
    seed = np.random.default_rng(1).standard_normal(indices.shape + (weight.shape[1],))
    for lib in (mg, torch):
        w = lib.tensor(weight.copy(), requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor(indices), w, **kwargs)
        out.backward(lib.tensor(seed))
        results.append((out.detach().numpy(), w.grad.numpy(), w.detach().numpy()))
    return results


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"padding_idx": 1},
        {"padding_idx": -1},
        {"scale_grad_by_freq": True},
        {"padding_idx": 0, "scale_grad_by_freq": True},
        {"max_norm": 1.0},
        {"max_norm": 0.5, "norm_type": 1.0},
        {"max_norm": 0.8, "norm_type": float("inf")},
        {"max_norm": 1.2, "norm_type": 3},
    ],
)
def test_functional_matches_torch(torch, kwargs):
    got, want = _both(torch, INDICES, **kwargs)
    for g, w, what in zip(got, want, ("output", "gradient", "weight after")):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14, err_msg=what)


def test_max_norm_renormalises_only_the_rows_looked_up(torch):
    weight = WEIGHT * 3
    got, want = _both(torch, np.array([0, 2, 2]), weight, max_norm=1.0)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12)
    norms = np.linalg.norm(got[2], axis=1)
    assert np.all(norms[[0, 2]] <= 1.0) and np.allclose(
        norms[[1, 3, 4, 5]], np.linalg.norm(weight[[1, 3, 4, 5]], axis=1)
    )


def test_max_norm_bumps_the_weight_version():
    w = mg.tensor(WEIGHT * 3, requires_grad=True)
    before = w._version
    F.embedding(mg.tensor([0]), w, max_norm=1.0)
    assert w._version > before


@settings(max_examples=10)
@given(
    shape=st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple),
    seed=st.integers(0, 1000),
    padding=st.sampled_from([None, 0, 2]),
    freq=st.booleans(),
)
def test_drawn_indices_match_torch(torch, shape, seed, padding, freq):
    indices = np.random.default_rng(seed).integers(0, 6, size=shape)
    got, want = _both(torch, indices, padding_idx=padding, scale_grad_by_freq=freq)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2, "scale_grad_by_freq": True}])
def test_gradcheck_and_gradgradcheck(kwargs):
    # padding_idx and scale_grad_by_freq change the gradient on purpose (it is then
    # not the derivative): gradcheck only without them; the gradient's own derivative
    # is checked with them too.
    weight = mg.tensor(WEIGHT.copy(), requires_grad=True)

    def fn(w):
        return F.embedding(mg.tensor(INDICES), w, **kwargs)

    assert mg.autograd.gradgradcheck(fn, [weight])
    if not kwargs:
        assert mg.autograd.gradcheck(fn, [weight])
    else:
        with pytest.raises(mg.autograd.GradcheckError):
            mg.autograd.gradcheck(fn, [weight])


def test_int32_indices_and_float32_weight(torch):
    w = mg.randn(5, 2)
    out = F.embedding(mg.tensor(np.array([4, 0], dtype=np.int32)), w)
    assert out.dtype == mg.float32 and out.shape == (2, 2)
    np.testing.assert_array_equal(out.numpy(), w.numpy()[[4, 0]])


def test_layer_matches_torch(torch):
    layer = mg.nn.Embedding(6, 3, padding_idx=2, max_norm=1.5, scale_grad_by_freq=True)
    twin = torch.nn.Embedding(6, 3, padding_idx=2, max_norm=1.5, scale_grad_by_freq=True)
    layer.double()
    twin.double()
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    out, want = layer(mg.tensor(INDICES)), twin(torch.tensor(INDICES))
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    seed = np.random.default_rng(3).standard_normal(out.shape)
    out.backward(mg.tensor(seed))
    want.backward(torch.tensor(seed))
    np.testing.assert_allclose(layer.weight.grad.numpy(), twin.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        layer.weight.detach().numpy(), twin.weight.detach().numpy(), rtol=1e-12
    )
    assert repr(layer) == repr(twin)
    assert {k: v.shape for k, v in layer.state_dict().items()} == {"weight": (6, 3)}


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((10, 3), {}),
        ((10, 3), {"padding_idx": 0}),
        ((10, 3), {"padding_idx": -2}),
        ((10, 3), {"max_norm": 1.0, "norm_type": 1.0}),
        ((10, 3), {"max_norm": 2, "norm_type": 2.0}),
        ((10, 3), {"scale_grad_by_freq": True}),
    ],
)
def test_repr_and_padding_index(torch, args, kwargs):
    layer, twin = mg.nn.Embedding(*args, **kwargs), torch.nn.Embedding(*args, **kwargs)
    assert repr(layer) == repr(twin)
    assert layer.padding_idx == twin.padding_idx


def test_initialisation_is_standard_normal_with_the_padding_row_zeroed():
    layer = mg.nn.Embedding(2000, 50, padding_idx=7)
    weight = layer.weight.detach().numpy()
    assert weight.dtype == np.float32 and weight.shape == (2000, 50)
    assert not weight[7].any()
    rest = np.delete(weight, 7, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01
    assert mg.nn.Embedding(3, 2, dtype=mg.float64).weight.dtype == mg.float64


def test_padding_row_gets_no_gradient_and_stays_zero_under_sgd():
    layer = mg.nn.Embedding(5, 2, padding_idx=0)
    optimizer = mg.optim.SGD(layer.parameters(), lr=0.5)
    layer(mg.tensor([0, 1, 0])).sum().backward()
    assert not layer.weight.grad.numpy()[0].any() and layer.weight.grad.numpy()[1].all()
    optimizer.step()
    assert not layer.weight.detach().numpy()[0].any()


def test_from_pretrained(torch):
    weights = np.arange(6.0).reshape(3, 2)
    layer = mg.nn.Embedding.from_pretrained(mg.tensor(weights), padding_idx=1)
    twin = torch.nn.Embedding.from_pretrained(torch.tensor(weights), padding_idx=1)
    assert repr(layer) == repr(twin) and not layer.weight.requires_grad
    np.testing.assert_array_equal(
        layer(mg.tensor([1, 2])).numpy(), twin(torch.tensor([1, 2])).numpy()
    )
    learnt = mg.nn.Embedding.from_pretrained(mg.tensor(weights), freeze=False)
    assert learnt.weight.requires_grad
    with assert_raises_with(ValueError, "from_pretrained", "2-D", "(6,)"):
        mg.nn.Embedding.from_pretrained(mg.ones(6))


def test_bad_input():
    w = mg.randn(4, 2)
    with assert_raises_with(TypeError, "embedding", "input", "int64 or int32", "float32"):
        F.embedding(mg.tensor([1.0]), w)
    with assert_raises_with(TypeError, "embedding", "input", "list"):
        F.embedding([1], w)
    with assert_raises_with(IndexError, "embedding", "index 4", "4 rows"):
        F.embedding(mg.tensor([1, 4]), w)
    with assert_raises_with(IndexError, "embedding", "index -1"):
        F.embedding(mg.tensor([-1]), w)
    with assert_raises_with(ValueError, "embedding", "weight", "2-D", "(4,)"):
        F.embedding(mg.tensor([1]), mg.randn(4))
    with assert_raises_with(ValueError, "embedding", "padding_idx", "[-4, 4)", "got 4"):
        F.embedding(mg.tensor([1]), w, padding_idx=4)
    with assert_raises_with(ValueError, "embedding", "sparse", "not supported"):
        F.embedding(mg.tensor([1]), w, sparse=True)
    with assert_raises_with(ValueError, "Embedding", "padding_idx", "got -11"):
        mg.nn.Embedding(10, 3, padding_idx=-11)
    with assert_raises_with(ValueError, "Embedding", "num_embeddings", "non-negative int"):
        mg.nn.Embedding(-1, 3)
    with assert_raises_with(ValueError, "Embedding", "sparse", "not supported"):
        mg.nn.Embedding(10, 3, sparse=True)
    with assert_raises_with(ValueError, "Embedding", "_weight", "(10, 3)", "(3, 10)"):
        mg.nn.Embedding(10, 3, _weight=mg.ones(3, 10))


# ---- one_hot --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, num_classes",
    [([0, 2, 1], -1), ([0, 2, 1], 5), ([[1, 0], [3, 3]], -1), (2, 4), ([], 3)],
)
def test_one_hot_matches_torch(torch, values, num_classes):
    got = F.one_hot(mg.tensor(np.array(values, dtype=np.int64)), num_classes)
    want = torch.nn.functional.one_hot(torch.tensor(np.array(values, dtype=np.int64)), num_classes)
    assert got.dtype == mg.int64 and got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_one_hot_bad_input():
    with assert_raises_with(TypeError, "one_hot", "int64", "int32"):
        F.one_hot(mg.tensor(np.array([1], dtype=np.int32)))
    with assert_raises_with(ValueError, "one_hot", "non-negative", "-1"):
        F.one_hot(mg.tensor([1, -1]))
    with assert_raises_with(ValueError, "one_hot", "below num_classes = 3", "got 3"):
        F.one_hot(mg.tensor([1, 3]), 3)
    with assert_raises_with(ValueError, "one_hot", "empty"):
        F.one_hot(mg.tensor(np.array([], dtype=np.int64)))
    with assert_raises_with(ValueError, "one_hot", "num_classes", "-2"):
        F.one_hot(mg.tensor([0]), -2)
