"""Arithmetic: ``add, sub, mul, div, pow, neg, matmul, bmm, mm, mv, dot, outer, maximum,
minimum``.

Each is PyTorch's function of the same name (``mg.add(x, y)`` is ``x + y``), and the
Tensor method of the same name calls it. Operands broadcast, and mixed dtypes are
promoted as PyTorch promotes them: float64 over float32 over integers over bool, a
Python number taking the tensor's dtype unless it is of a higher kind, a 0-d tensor
deciding only when it is of a higher kind than a tensor with dims.

>>> import minigrad as mg
>>> mg.add(mg.tensor([1.0, 2.0]), 1, alpha=2)
tensor([3., 4.])
>>> mg.matmul(mg.ones(2, 3), mg.ones(3)).shape
(2,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.functions._arguments import as_operand, binary, number_pair, tensor_input
from minigrad.ops import elementwise, linalg
from minigrad.tensor import Tensor

Scalar = int | float | bool


def add(input: Any, other: Any, *, alpha: Scalar = 1) -> Tensor:  # noqa: A002
    """``input + alpha * other``, broadcasting.

    Args:
        input: a tensor (or a number, as in PyTorch).
        other: a tensor, a number or a numpy array, broadcastable with ``input``.
        alpha: the factor of ``other``.

    >>> import minigrad as mg
    >>> mg.add(mg.tensor([1, 2]), mg.tensor([10, 20]))
    tensor([11, 22])
    """
    left, right = number_pair(input, other, "add")
    return binary(elementwise.Add, left, scaled(right, alpha, left), "add")


def sub(input: Any, other: Any, *, alpha: Scalar = 1) -> Tensor:  # noqa: A002
    """``input - alpha * other``, broadcasting (arguments as [`add`][])."""
    left, right = number_pair(input, other, "sub")
    return binary(elementwise.Sub, left, scaled(right, alpha, left), "sub")


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * other`` elementwise, broadcasting."""
    left, right = number_pair(input, other, "mul")
    return binary(elementwise.Mul, left, right, "mul")


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """``input / other``, always in floats (integers divide to the default float).

    Args:
        input: a tensor (or a number).
        other: the divisor, broadcastable with ``input``.
        rounding_mode: ``None`` (true division), ``"trunc"`` (rounded towards zero) or
            ``"floor"`` (rounded down); rounded quotients keep the operands' promoted
            dtype (so integers stay integers) and have no gradient through the rounding.

    >>> import minigrad as mg
    >>> mg.div(mg.tensor([7, -7]), 2, rounding_mode="floor")
    tensor([ 3, -4])
    """
    left, right = number_pair(input, other, "div")
    if rounding_mode is not None and rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div: rounding_mode: expected None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    quotient = binary(elementwise.Div, left, right, "div", floating=True)
    if rounding_mode is None:
        return quotient
    round_ = np.trunc if rounding_mode == "trunc" else np.floor
    anchor = left if isinstance(left, Tensor) else right
    x, y = as_operand(left, anchor, "div"), as_operand(right, anchor, "div")
    result_dtype = dtypes.promote_operands(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    return Tensor._wrap(np.asarray(round_(quotient._data)).astype(result_dtype))


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002
    """``input ** exponent`` elementwise; either side may be a number (not both).

    The gradient in the exponent is taken as 0 where the base is 0, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.pow(2, mg.tensor([1.0, 3.0]))
    tensor([2., 8.])
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"pow: expected a Tensor as input or exponent, got {type(input).__name__} and "
            f"{type(exponent).__name__}"
        )
    return binary(elementwise.Pow, input, exponent, "pow")


def neg(input: Tensor) -> Tensor:  # noqa: A002
    """``-input``. A bool tensor is refused, as in PyTorch (``~`` inverts a mask)."""
    tensor_input(input, "neg")
    if input.dtype == dtypes.bool_:
        raise TypeError(
            "neg: input: negation of a bool tensor is not supported; use ~ or "
            "logical_not() to invert a mask"
        )
    return elementwise.Neg.apply(input)


def scaled(other: Any, alpha: Any, like: Any) -> Any:
    """``alpha * other`` for ``add``/``sub`` (``other`` itself when alpha is 1)."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float):
        raise TypeError(f"add: alpha: expected a number, got {type(alpha).__name__}")
    if alpha == 1:
        return other
    anchor = like if isinstance(like, Tensor) else other
    return binary(elementwise.Mul, as_operand(other, anchor, "add"), alpha, "mul")


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The matrix product, with PyTorch's rules for vectors and batches.

    Shapes: ``(n,) @ (n,)`` gives a 0-d tensor; ``(*B, n, k) @ (k,)`` gives
    ``(*B, n)``; ``(k,) @ (*B, k, m)`` gives ``(*B, m)``; ``(*B, n, k) @ (*B', k, m)``
    gives ``(*broadcast(B, B'), n, m)``.

    >>> import minigrad as mg
    >>> mg.matmul(mg.ones(4, 2, 3), mg.ones(3, 5)).shape
    (4, 2, 5)
    """
    anchor = input if isinstance(input, Tensor) else other
    if not isinstance(anchor, Tensor):
        raise TypeError(f"matmul: input: expected a Tensor, got {type(input).__name__}")
    x = as_operand(input, anchor, "matmul", "input")
    y = as_operand(other, anchor, "matmul")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"matmul: expected operands with at least 1 dim, got shapes {x.shape} and {y.shape}"
        )
    # Vectors become matrices for the op, and the added dim is removed afterwards.
    x2 = x.unsqueeze(0) if x.ndim == 1 else x
    y2 = y.unsqueeze(-1) if y.ndim == 1 else y
    if x2.shape[-1] != y2.shape[-2]:
        raise ValueError(
            f"matmul: other: expected {x2.shape[-1]} rows to match the {x2.shape[-1]} columns "
            f"of {x.shape}, got shape {y.shape}"
        )
    try:
        np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dims of {x.shape} and {y.shape} are not broadcastable"
        ) from None
    dtype = dtypes.promote(x.dtype, y.dtype)
    out = linalg.MatMul.apply(x2.to(dtype), y2.to(dtype))
    if x.ndim == 1:
        out = out.squeeze(-2)
    if y.ndim == 1:
        out = out.squeeze(-1)
    return out


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched matrix product of ``(b, n, k)`` and ``(b, k, m)`` into ``(b, n, m)``:
    strictly 3-d, one batch size, one dtype, no broadcasting (as PyTorch's ``bmm``; use
    [`matmul`][] for broadcasting).

    >>> import minigrad as mg
    >>> mg.bmm(mg.ones(2, 3, 4), mg.ones(2, 4, 5)).shape
    (2, 3, 5)
    """
    _check_ranks("bmm", input, "input", 3, mat2, "mat2", 3)
    expected = (input.shape[0], input.shape[2])
    if mat2.shape[:2] != expected:
        raise ValueError(
            f"bmm: mat2: expected its first two dims to be {expected} (the batch size and "
            f"columns of input {input.shape}), got shape {mat2.shape}"
        )
    _check_same_dtype("bmm", input, mat2, "mat2")
    return linalg.MatMul.apply(input, mat2)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """The product of matrices ``(n, k)`` and ``(k, m)`` into ``(n, m)``: strictly 2-d,
    one dtype, no broadcasting (as PyTorch's ``mm``; [`matmul`][] broadcasts).

    >>> import minigrad as mg
    >>> features = mg.ones(3, 8)
    >>> mg.mm(features, features.t()).shape  # a Gram matrix
    (3, 3)
    """
    _check_ranks("mm", input, "input", 2, mat2, "mat2", 2)
    if mat2.shape[0] != input.shape[1]:
        raise ValueError(
            f"mm: mat2: expected {input.shape[1]} rows to match the columns of input "
            f"{input.shape}, got shape {mat2.shape}"
        )
    _check_same_dtype("mm", input, mat2, "mat2")
    return linalg.MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """The product of a matrix ``(n, k)`` and a vector ``(k,)``, into ``(n,)``; strictly
    2-d and 1-d, one dtype.
    """
    _check_ranks("mv", input, "input", 2, vec, "vec", 1)
    if vec.shape[0] != input.shape[1]:
        raise ValueError(
            f"mv: vec: expected {input.shape[1]} elements to match the columns of input "
            f"{input.shape}, got shape {vec.shape}"
        )
    _check_same_dtype("mv", input, vec, "vec")
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """The inner product of two vectors of one size and dtype, a 0-d tensor."""
    _check_ranks("dot", input, "input", 1, tensor, "tensor", 1)
    if tensor.shape != input.shape:
        raise ValueError(
            f"dot: tensor: expected shape {input.shape} (the input's), got {tensor.shape}"
        )
    _check_same_dtype("dot", input, tensor, "tensor")
    return matmul(input, tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """The outer product of vectors ``(n,)`` and ``(m,)``: ``(n, m)``, ``out[i, j] =
    input[i] * vec2[j]``, with the dtypes promoted as in ``*``.
    """
    tensor_input(input, "outer")
    tensor_input(vec2, "outer", "vec2")
    for argument, value in (("input", input), ("vec2", vec2)):
        if value.ndim != 1:
            raise ValueError(f"outer: {argument}: expected a 1-d tensor, got shape {value.shape}")
    return input.unsqueeze(-1) * vec2.unsqueeze(0)


def _check_ranks(
    op: str, x: Any, x_name: str, x_dims: int, y: Any, y_name: str, y_dims: int
) -> None:
    """The strict products' operands (bmm, mm, mv, dot): two tensors of these ranks."""
    tensor_input(x, op, x_name)
    tensor_input(y, op, y_name)
    for name, value, dims in ((x_name, x, x_dims), (y_name, y, y_dims)):
        if value.ndim != dims:
            raise ValueError(f"{op}: {name}: expected a {dims}-d tensor, got shape {value.shape}")


def _check_same_dtype(op: str, input: Tensor, other: Tensor, name: str) -> None:  # noqa: A002
    """The strict products promote nothing, as in PyTorch: ``other`` has input's dtype."""
    if other.dtype != input.dtype:
        raise TypeError(
            f"{op}: {name}: expected dtype {input.dtype} (the input's), got {other.dtype}"
        )


def maximum(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The larger of ``input`` and ``other`` elementwise (nan if either is nan).

    At a tie, each side gets half of the gradient, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.maximum(mg.tensor([1.0, 5.0]), mg.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    tensor_input(input, "maximum")
    tensor_input(other, "maximum", "other")
    return binary(elementwise.Maximum, input, other, "maximum")


def minimum(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The smaller of ``input`` and ``other`` elementwise (see [`maximum`][])."""
    tensor_input(input, "minimum")
    tensor_input(other, "minimum", "other")
    return binary(elementwise.Minimum, input, other, "minimum")


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its own array, on the tape (the gradient flows back)."""
    return tensor_input(input, "clone").clone()
