"""Factories: tensor(), fills, ranges, random draws and *_like, with dtype= and
requires_grad=.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with


def test_tensor_infers_dtypes_as_the_spec_says():
    assert mg.tensor([1.0, 2.0]).dtype == mg.float32
    assert mg.tensor(1.5).dtype == mg.float32
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool_
    assert mg.tensor([1, 2.5]).dtype == mg.float32
    assert mg.tensor(np.zeros(2, dtype=np.float64)).dtype == mg.float64
    assert mg.tensor(np.zeros(2, dtype=np.float32)).dtype == mg.float32
    assert mg.tensor(np.zeros(2, dtype=np.int32)).dtype == mg.int32
    assert mg.tensor([]).dtype == mg.float32 and mg.tensor([]).shape == (0,)


def test_tensor_copies_its_data():
    source = np.array([1.0, 2.0])
    t = mg.tensor(source)
    source[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    u = mg.tensor(t, dtype=mg.float32)
    u.numpy()[0] = 5.0
    assert t.tolist() == [1.0, 2.0]


def test_tensor_with_dtype_and_requires_grad():
    t = mg.tensor([1, 2], dtype=mg.float64, requires_grad=True)
    assert t.dtype == mg.float64 and t.requires_grad and t.is_leaf
    assert mg.tensor([1.7], dtype="int64").tolist() == [1]


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        (np.zeros(2, dtype=np.float16), ("data", "float16", "not supported")),
        (np.zeros(2, dtype=np.complex64), ("data", "complex64", "not supported")),
        (np.array([object()]), ("data", "object", "not supported")),
        ([1 + 2j], ("data", "complex")),
        ("text", ("data", "str")),
        (None, ("data", "NoneType")),
    ],
)
def test_unsupported_data_is_refused_naming_the_argument(data, fragments):
    with assert_raises_with(TypeError, *fragments):
        mg.tensor(data)


@pytest.mark.parametrize("dtype", [np.float16, np.complex128, object, "float16", "banana"])
def test_unsupported_dtypes_are_refused_naming_the_argument(dtype):
    with assert_raises_with(TypeError, "dtype"):
        mg.tensor([1.0], dtype=dtype)
    with assert_raises_with(TypeError, "dtype"):
        mg.zeros(2, dtype=dtype)


def test_ragged_data_is_refused_naming_the_argument():
    with assert_raises_with(ValueError, "data", "rectangular"):
        mg.tensor([[1.0, 2.0], [3.0]])
    with assert_raises_with(ValueError, "data", "float32"):
        mg.tensor([[1.0, 2.0], [3.0]], dtype=mg.float32)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_factories(name):
    factory = getattr(mg, name)
    for t in (factory(2, 3), factory((2, 3)), factory([2, 3])):
        assert t.shape == (2, 3) and t.dtype == mg.float32 and not t.requires_grad
    t = factory(4, dtype=mg.float64, requires_grad=True)
    assert t.dtype == mg.float64 and t.requires_grad and t.is_leaf
    assert factory().shape == ()
    with assert_raises_with(ValueError, "size", "non-negative", "-1"):
        factory(2, -1)
    with assert_raises_with(TypeError, "size", "ints"):
        factory(2.0)


def test_fill_values():
    assert mg.zeros(2).tolist() == [0.0, 0.0]
    assert mg.ones(2, dtype=mg.int64).tolist() == [1, 1]
    assert mg.empty(2).tolist() == [0.0, 0.0]  # empty is zeros: results never see old memory
    full = mg.full((2, 2), 1.5, requires_grad=True)
    assert full.tolist() == [[1.5, 1.5], [1.5, 1.5]] and full.requires_grad
    assert mg.full(3, 7).dtype == mg.int64
    assert mg.full((1,), True).dtype == mg.bool_
    assert mg.full((1,), 2, dtype=mg.float64).dtype == mg.float64


def test_random_values_lie_where_they_should():
    uniform = mg.rand(2000, dtype=mg.float64).numpy()
    assert 0.0 <= uniform.min() and uniform.max() < 1.0
    assert abs(uniform.mean() - 0.5) < 0.05
    normal = mg.randn(4000, dtype=mg.float64).numpy()
    assert abs(normal.mean()) < 0.1 and abs(normal.std() - 1.0) < 0.1


def test_random_factories_refuse_integer_dtypes():
    with assert_raises_with(TypeError, "dtype", "floating", "int64"):
        mg.randn(2, dtype=mg.int64)
    with assert_raises_with(TypeError, "dtype", "floating"):
        mg.randn_like(mg.tensor([1, 2]))


def test_arange_matches_torch(torch):
    cases = [(5,), (1, 4), (1, 2, 0.25), (0, -3, -1), (0.0, 1.0, 0.1), (2, 9, 3)]
    for args in cases:
        ours, theirs = mg.arange(*args), torch.arange(*args)
        assert str(theirs.dtype) == f"torch.{ours.dtype}"
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert mg.arange(3, dtype=mg.float64, requires_grad=True).requires_grad


def test_arange_refuses_bad_steps():
    with assert_raises_with(ValueError, "arange", "step", "non-zero"):
        mg.arange(0, 3, 0)
    with assert_raises_with(ValueError, "arange", "step", "sign", "got -1"):
        mg.arange(0, 3, -1)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "randn_like"])
def test_like_factories(name):
    factory = getattr(mg, name)
    source = mg.ones(2, 3, dtype=mg.float64, requires_grad=True)
    t = factory(source)
    assert t.shape == (2, 3) and t.dtype == mg.float64 and not t.requires_grad
    t = factory(source, dtype=mg.float32, requires_grad=True)
    assert t.dtype == mg.float32 and t.requires_grad


def test_zeros_like_of_an_integer_tensor_keeps_its_dtype():
    assert mg.zeros_like(mg.tensor([1, 2])).dtype == mg.int64
    assert mg.ones_like(mg.tensor([True])).tolist() == [True]


def test_factories_refuse_requires_grad_on_integers():
    with assert_raises_with(TypeError, "requires_grad", "int64"):
        mg.full((2,), 3, requires_grad=True)
    with assert_raises_with(TypeError, "requires_grad"):
        mg.arange(3, requires_grad=True)
