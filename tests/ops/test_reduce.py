"""Reductions: sum, mean, var, max, min with dim and keepdim; gradients of ties; prod
(with zeros), cumsum and the vector norms against torch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd.function import OUTPUT
from minigrad.ops.reduce import CumSum, Prod, VectorNorm
from tests.helpers import assert_close, assert_raises_with, check_op, randn
from tests.strategies import arrays, shapes

DIMS = [None, 0, 1, -1, (0, 2), [1, 2]]


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum(dim, keepdim):
    axis = tuple(dim) if isinstance(dim, list) else dim
    check_op(
        lambda x: x.sum(dim, keepdim) if dim is not None else x.sum(),
        randn(2, 3, 4),
        numpy_fn=lambda a: a.sum(axis=axis, keepdims=keepdim) if dim is not None else a.sum(),
    )


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_mean(dim, keepdim):
    axis = tuple(dim) if isinstance(dim, list) else dim
    check_op(
        lambda x: x.mean(dim, keepdim) if dim is not None else x.mean(),
        randn(2, 3, 4),
        numpy_fn=lambda a: a.mean(axis=axis, keepdims=keepdim) if dim is not None else a.mean(),
    )


@pytest.mark.parametrize("dim", [None, 0, (1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_is_unbiased_by_default(dim, keepdim):
    axis = dim
    check_op(
        lambda x: x.var(dim, keepdim=keepdim) if dim is not None else x.var(),
        randn(3, 3, 4),
        numpy_fn=lambda a: (
            a.var(axis=axis, keepdims=keepdim, ddof=1) if dim is not None else a.var(ddof=1)
        ),
    )


def test_var_with_correction_zero(torch):
    x = randn(4, 5)
    ours = mg.tensor(x).var(1, correction=0)
    assert_close(ours, torch.tensor(x).var(1, correction=0))
    assert_close(mg.tensor(x).var(0, unbiased=False), x.var(axis=0))


@pytest.mark.parametrize("name", ["max", "min"])
def test_extreme_over_everything(name):
    check_op(lambda x: getattr(x, name)(), randn(3, 4), numpy_fn=getattr(np, name))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_extreme_along_a_dim(name, dim, keepdim):
    reference = getattr(np, name)
    out = check_op(
        lambda x: getattr(x, name)(dim, keepdim).values,
        randn(3, 4, 2),
        numpy_fn=lambda a: reference(a, axis=dim, keepdims=keepdim),
    )
    x = mg.tensor(randn(3, 4, 2))
    values, indices = getattr(x, name)(dim, keepdim)
    pick = np.argmax if name == "max" else np.argmin
    expected = pick(x.numpy(), axis=dim)
    assert indices.dtype == mg.int64
    assert (
        indices.numpy().tolist()
        == (np.expand_dims(expected, dim) if keepdim else expected).tolist()
    )
    assert out.shape == values.shape


def test_max_ties_share_the_gradient_over_everything_as_torch():
    x = mg.tensor([[1.0, 3.0], [3.0, 3.0]], dtype=mg.float64, requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 1 / 3], [1 / 3, 1 / 3]]


def test_max_along_a_dim_sends_ties_to_the_first_index_as_torch(torch):
    data = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    x = mg.tensor(data, requires_grad=True)
    values, indices = x.max(1)
    (values * mg.tensor([1.0, 2.0])).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]
    t = torch.tensor(data, requires_grad=True)
    t_values, t_indices = t.max(1)
    (t_values * torch.tensor([1.0, 2.0])).sum().backward()
    assert x.grad.tolist() == t.grad.tolist()
    assert indices.tolist() == t_indices.tolist()


def test_min_ties_along_a_dim():
    x = mg.tensor([[0.0, 0.0, 1.0]], requires_grad=True)
    x.min(-1).values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0]]


def test_integer_and_bool_sums_count_in_int64():
    assert mg.tensor([True, True, False]).sum().item() == 2
    assert mg.tensor([True, True]).sum().dtype == mg.int64
    assert mg.tensor(np.array([1, 2], dtype=np.int32)).sum().dtype == mg.int64


def test_reductions_keep_float32():
    x = mg.randn(3, 4)
    for out in (x.sum(), x.mean(0), x.var(), x.max(), x.min(1).values):
        assert out.dtype == mg.float32


def test_reduction_of_bad_dims_names_the_argument():
    x = mg.zeros(2, 3)
    with assert_raises_with(ValueError, "dim", "[-2, 1]", "got 2"):
        x.sum(2)
    with assert_raises_with(TypeError, "dim", "expected an int", "float"):
        x.mean(1.0)
    with assert_raises_with(ValueError, "dim", "distinct"):
        x.sum((0, -2))
    with assert_raises_with(ValueError, "max", "non-empty"):
        mg.zeros(0).max()


@pytest.mark.parametrize("dim", [None, 1])
def test_std_composite(dim):
    check_op(
        lambda x: x.std(dim) if dim is not None else x.std(),
        randn(3, 4),
        numpy_fn=lambda a: a.std(axis=dim, ddof=1),
    )


def test_argmax_and_argmin_match_torch(torch):
    values = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 0.0]])
    ours, theirs = mg.tensor(values), torch.tensor(values)
    assert ours.argmax().item() == theirs.argmax().item()
    assert ours.argmin(1).tolist() == theirs.argmin(1).tolist()
    assert ours.argmax(0, keepdim=True).tolist() == theirs.argmax(0, keepdim=True).tolist()


# ---- prod, cumsum and the vector norms -------------------------------------------------


@settings(max_examples=6)
@given(data=st.data())
def test_prod_matches_torch(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keepdim = data.draw(st.booleans())
    check_op(lambda t: t.prod(dim, keepdim), x)
    check_op(lambda t: t.prod(), x)


@pytest.mark.parametrize(
    "values",
    [[2.0, 0.0, 3.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, -1.5, 4.0, 0.5]],
    ids=["one zero", "two zeros", "all zeros", "zero first"],
)
def test_prod_with_zeros_has_torchs_gradient_and_hessian(values, torch):
    ours = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    (gradient,) = mg.autograd.grad(ours.prod(), [ours], create_graph=True)
    hessian = [mg.autograd.grad(g, [ours], retain_graph=True)[0].tolist() for g in gradient]
    theirs = torch.tensor(values, dtype=torch.float64)
    (t_gradient,) = torch.autograd.grad(theirs.requires_grad_().prod(), [theirs])
    assert gradient.tolist() == t_gradient.tolist()
    assert hessian == torch.autograd.functional.hessian(lambda t: t.prod(), theirs).tolist()


def test_prod_with_zeros_along_a_dim_matches_torch():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    check_op(lambda t: t.prod(1), x)
    check_op(lambda t: t.prod(0, keepdim=True), x)


@settings(max_examples=6)
@given(data=st.data())
def test_cumsum_matches_torch(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check_op(lambda t: t.cumsum(dim), x)


@settings(max_examples=10)
@given(data=st.data())
def test_cumsum_and_its_reverse_are_adjoint(data):
    shape = data.draw(shapes(min_dims=1))
    dim = data.draw(st.integers(0, len(shape) - 1))
    gap = mg.autograd.check_adjoint(
        lambda t: CumSum.apply(t, dim=dim, reverse=False),
        lambda t: CumSum.apply(t, dim=dim, reverse=True),
        shape,
        shape,
    )
    assert gap < 1e-12


NORMS = ["fro", 1, 2, 3, 0.5, -1, float("inf"), -float("inf")]


@pytest.mark.parametrize("p", NORMS)
@settings(max_examples=4)
@given(data=st.data())
def test_vector_norms_match_torch(p, data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    # Away from 0, where p < 1 (and the ties of +-inf) have no derivative.
    x = np.sign(x) * (np.abs(x) + 0.3) + np.arange(x.size).reshape(x.shape) * 1e-3
    dims = data.draw(st.sampled_from([None, 0, -1, tuple(range(x.ndim))]))
    keepdim = data.draw(st.booleans())
    check_op(lambda t: t.norm(p, dims, keepdim), x)


def test_norm_zero_counts_the_non_zeros_with_a_zero_gradient(torch):
    x = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    out = check_op(lambda t: t.norm(0, 1), x)
    assert out.tolist() == [2.0, 1.0]


@pytest.mark.parametrize("p", ["fro", 1, 3, 0.5, -1])
def test_norm_gradients_at_zero_are_torchs(p, torch):
    for values in ([0.0, 0.0], [0.0, 2.0, -1.0]):
        ours = mg.tensor(values, dtype=mg.float64, requires_grad=True)
        ours.norm(p).backward()
        theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        theirs.norm(p).backward()
        assert_close(ours.grad, theirs.grad)


def test_new_reductions_read_what_pytorch_saves():
    assert Prod.reads == {0: (0, OUTPUT)}
    assert VectorNorm.reads == {0: (0, OUTPUT)}
    assert CumSum.reads == {}
