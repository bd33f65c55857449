"""Factories: tensor(), fills, ranges, random draws and *_like, with dtype=, device= and
requires_grad=; linspace against torch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    "name", ["zeros_like", "ones_like", "randn_like", "rand_like", "empty_like"]
)
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


def test_full_like_keeps_the_dtype_whatever_the_value(torch):
    for library in (mg, torch):
        assert library.full_like(library.tensor([1, 2]), 2.5).tolist() == [2, 2]
        made = library.full_like(library.ones(2), 3, dtype=library.float64, requires_grad=True)
        assert made.tolist() == [3.0, 3.0] and made.requires_grad


FACTORIES = {
    "tensor": lambda **kw: mg.tensor([1.0, 2.0], **kw),
    "as_tensor": lambda **kw: mg.as_tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: mg.zeros(2, 3, **kw),
    "ones": lambda **kw: mg.ones((2, 3), **kw),
    "full": lambda **kw: mg.full((2,), 1.5, **kw),
    "empty": lambda **kw: mg.empty(2, **kw),
    "arange": lambda **kw: mg.arange(0, 3, **kw),
    "linspace": lambda **kw: mg.linspace(0, 1, 3, **kw),
    "rand": lambda **kw: mg.rand(2, **kw),
    "randn": lambda **kw: mg.randn(2, **kw),
    "randint": lambda **kw: mg.randint(3, (2,), **kw),
    "randperm": lambda **kw: mg.randperm(3, **kw),
    "normal": lambda **kw: mg.normal(0.0, 1.0, (2,), **kw),
    "zeros_like": lambda **kw: mg.zeros_like(mg.ones(2), **kw),
    "ones_like": lambda **kw: mg.ones_like(mg.ones(2), **kw),
    "full_like": lambda **kw: mg.full_like(mg.ones(2), 7.0, **kw),
    "empty_like": lambda **kw: mg.empty_like(mg.ones(2), **kw),
    "rand_like": lambda **kw: mg.rand_like(mg.ones(2), **kw),
    "randn_like": lambda **kw: mg.randn_like(mg.ones(2), **kw),
    "new_tensor": lambda **kw: mg.ones(2).new_tensor([1.0], **kw),
    "new_zeros": lambda **kw: mg.ones(2).new_zeros(2, **kw),
    "new_ones": lambda **kw: mg.ones(2).new_ones(2, **kw),
    "new_full": lambda **kw: mg.ones(2).new_full((2,), 3.0, **kw),
    "new_empty": lambda **kw: mg.ones(2).new_empty(2, **kw),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_takes_the_cpu_and_refuses_cuda_naming_the_argument(name):
    factory = FACTORIES[name]
    for device in (None, "cpu", "cpu:0", mg.device("cpu")):
        assert factory(device=device).device == mg.device("cpu")
    for device in ("cuda", "cuda:0", 0):
        with assert_raises_with(mg.DeviceError, "device", "CPU"):
            factory(device=device)
    with assert_raises_with(TypeError, "device"):
        factory(device=1.5)


def test_dtype_device_and_requires_grad_are_keyword_only_as_in_torch():
    with pytest.raises(TypeError, match="positional"):
        mg.tensor([1.0], mg.float64)
    with pytest.raises(TypeError, match="positional"):
        mg.full((2,), 1.0, mg.float64)
    with pytest.raises(TypeError, match="positional"):
        mg.arange(0, 3, 1, mg.float64)


@settings(max_examples=30)
@given(
    start=st.floats(-100, 100),
    end=st.floats(-100, 100),
    steps=st.integers(0, 300),
    dtype=st.sampled_from(["float32", "float64", "int64"]),
)
def test_linspace_matches_torch(start, end, steps, dtype):
    import torch

    ours = mg.linspace(start, end, steps, dtype=getattr(mg, dtype))
    theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
    assert ours.dtype == getattr(mg, dtype) and ours.shape == tuple(theirs.shape)
    if dtype == "int64":
        # Truncation: a value within rounding of an integer may land on either side.
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1)
    else:
        tolerance = 4 * np.finfo(dtype).eps * max(abs(start), abs(end), 1)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=tolerance)
    if steps and dtype != "int64":
        assert ours[0].item() == theirs[0].item() and ours[-1].item() == theirs[-1].item()


def test_tensor_and_as_tensor_keep_a_float64_array():
    array = np.zeros(2)
    assert mg.tensor(array).dtype == mg.float64 and mg.as_tensor(array).dtype == mg.float64
    assert not np.shares_memory(mg.tensor(array).numpy(), array)
