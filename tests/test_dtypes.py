"""Dtypes: the supported set, the default, and PyTorch's promotion rules."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import dtypes
from tests.helpers import assert_raises_with


def test_public_dtypes_are_numpy_dtypes():
    assert mg.float32 == np.dtype(np.float32) and mg.float64 == np.dtype(np.float64)
    assert isinstance(mg.float32, np.dtype)
    assert dtypes.SUPPORTED_DTYPES == (mg.float32, mg.float64, mg.int32, mg.int64, mg.bool_)


@pytest.mark.parametrize("given", [np.float32, "float32", np.dtype("float32"), mg.float32])
def test_as_dtype_normalises(given):
    assert dtypes.as_dtype(given) == mg.float32


@pytest.mark.parametrize(
    ("given", "fragment"),
    [(np.float16, "float16"), (np.complex64, "complex64"), (object, "object"), ("x", "'x'")],
)
def test_as_dtype_refuses_with_the_argument_name(given, fragment):
    with assert_raises_with(TypeError, "where:", fragment):
        dtypes.as_dtype(given, "where")


def test_as_float_dtype_refuses_integers():
    with assert_raises_with(TypeError, "dtype", "floating", "int32"):
        dtypes.as_float_dtype(np.int32)
    assert dtypes.as_float_dtype("float64") == mg.float64


def test_default_dtype_controls_python_floats():
    assert mg.get_default_dtype() == mg.float32
    try:
        mg.set_default_dtype(mg.float64)
        assert mg.tensor([1.0]).dtype == mg.float64
        assert mg.zeros(2).dtype == mg.float64
        assert (mg.tensor([1, 2]) / 2).dtype == mg.float64
        with assert_raises_with(TypeError, "dtype", "floating", "int64"):
            mg.set_default_dtype(mg.int64)
    finally:
        mg.set_default_dtype(mg.float32)
    assert mg.tensor([1.0]).dtype == mg.float32


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("float32", "float32", "float32"),
        ("float32", "float64", "float64"),
        ("int64", "float32", "float32"),
        ("int32", "float64", "float64"),
        ("int32", "int64", "int64"),
        ("bool", "int32", "int32"),
        ("bool", "bool", "bool"),
    ],
)
def test_promote_matches_torch_result_type(a, b, expected, torch):
    ours = dtypes.promote(np.dtype(a), np.dtype(b))
    assert ours == np.dtype(expected)
    assert ours == dtypes.promote(np.dtype(b), np.dtype(a))
    theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(theirs) == f"torch.{expected}"


@pytest.mark.parametrize(
    ("tensor_dtype", "scalar", "expected"),
    [
        ("float32", 2.5, "float32"),
        ("float64", 2, "float64"),
        ("int64", 2.5, "float32"),
        ("int32", 2, "int32"),
        ("bool", 2, "int64"),
        ("bool", True, "bool"),
        ("int64", True, "int64"),
    ],
)
def test_promote_scalar_matches_torch(tensor_dtype, scalar, expected, torch):
    assert dtypes.promote_scalar(np.dtype(tensor_dtype), scalar) == np.dtype(expected)
    result = torch.ones(2, dtype=getattr(torch, tensor_dtype)) * scalar
    assert str(result.dtype) == f"torch.{expected}"


@pytest.mark.parametrize(
    ("a", "a_0d", "b", "b_0d", "expected"),
    [
        ("float32", False, "float64", True, "float32"),
        ("float64", True, "float32", False, "float32"),
        ("int64", False, "float64", True, "float64"),
        ("int32", False, "int64", True, "int32"),
        ("float32", True, "float64", True, "float64"),
        ("bool", False, "int64", True, "int64"),
    ],
)
def test_promote_operands_with_zero_dim_tensors_matches_torch(a, a_0d, b, b_0d, expected, torch):
    ours = dtypes.promote_operands(np.dtype(a), a_0d, np.dtype(b), b_0d)
    assert ours == np.dtype(expected)
    left = (
        torch.ones((), dtype=getattr(torch, a)) if a_0d else torch.ones(2, dtype=getattr(torch, a))
    )
    right = (
        torch.ones((), dtype=getattr(torch, b)) if b_0d else torch.ones(2, dtype=getattr(torch, b))
    )
    assert str(torch.result_type(left, right)) == f"torch.{expected}"


def test_infer_dtype():
    assert dtypes.infer_dtype(1.0) == mg.float32
    assert dtypes.infer_dtype([1, 2]) == mg.int64
    assert dtypes.infer_dtype(True) == mg.bool_
    assert dtypes.infer_dtype(np.float64(1.0)) == mg.float64
    assert dtypes.is_float(mg.float64) and not dtypes.is_float(mg.int64)
