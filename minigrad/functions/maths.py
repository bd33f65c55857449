"""Elementwise maths: ``exp, log, sqrt, abs, tanh, sigmoid, relu, sin, cos, log1p, expm1,
reciprocal, rsqrt, log10, log2, exp2, erf, erfc, square, sign, floor, ceil, trunc, round,
clamp, clamp_min, clamp_max, lerp`` and ``softmax``, ``log_softmax``, ``logsumexp`` along dims.

Each is PyTorch's function of the same name, and a Tensor method. The smooth functions
of an integer or bool tensor compute in the default float dtype (``mg.exp(labels)`` is
float32), as in PyTorch; ``square``, ``sign`` and the roundings keep integer dtypes.

>>> import minigrad as mg
>>> mg.sin(mg.tensor([0.0]))
tensor([0.])
>>> mg.clamp(mg.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
tensor([0. , 0.5, 1. ])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.functions._arguments import as_operand, floating, tensor_input
from minigrad.ops import elementwise
from minigrad.tensor import Tensor


def exp(input: Tensor) -> Tensor:  # noqa: A002
    """The exponential, e to the power of ``input``, elementwise."""
    return tensor_input(input, "exp").exp()


def log(input: Tensor) -> Tensor:  # noqa: A002
    """The natural logarithm, elementwise (nan below 0, -inf at 0)."""
    return tensor_input(input, "log").log()


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    """The square root, elementwise (nan below 0)."""
    return tensor_input(input, "sqrt").sqrt()


def abs(input: Tensor) -> Tensor:  # noqa: A001, A002
    """The absolute value, elementwise; the derivative at 0 is 0, as in PyTorch."""
    return tensor_input(input, "abs").abs()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """The hyperbolic tangent, elementwise."""
    return tensor_input(input, "tanh").tanh()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-input)), elementwise, without overflow."""
    return tensor_input(input, "sigmoid").sigmoid()


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """max(input, 0), elementwise; the derivative at 0 is 0, as in PyTorch."""
    return tensor_input(input, "relu").relu()


def sin(input: Tensor) -> Tensor:  # noqa: A002
    """The sine, elementwise (radians)."""
    return tensor_input(input, "sin").sin()


def cos(input: Tensor) -> Tensor:  # noqa: A002
    """The cosine, elementwise (radians)."""
    return tensor_input(input, "cos").cos()


def log1p(input: Tensor) -> Tensor:  # noqa: A002
    """log(1 + input), elementwise, accurate for small values.

    >>> import minigrad as mg
    >>> mg.log1p(mg.tensor([1e-10], dtype=mg.float64)).item()
    1e-10
    """
    return tensor_input(input, "log1p").log1p()


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """exp(input) - 1, elementwise, accurate for small values."""
    return tensor_input(input, "expm1").expm1()


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """1 / input, elementwise (inf at 0)."""
    return tensor_input(input, "reciprocal").reciprocal()


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """1 / sqrt(input), elementwise."""
    return tensor_input(input, "rsqrt").rsqrt()


def log10(input: Tensor) -> Tensor:  # noqa: A002
    """The base-10 logarithm, elementwise (a PSNR in dB is ten times the base-10
    logarithm of peak² / mse).

    >>> import minigrad as mg
    >>> mg.log10(mg.tensor([1.0, 100.0], dtype=mg.float64))
    tensor([0., 2.], dtype=float64)

    (In float32, numpy's AVX-512 log10, which minigrad runs where the CPU has it, gives
    100 the logarithm 2.0000002, one ulp above 2.)
    """
    return tensor_input(input, "log10").log10()


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, ``erf(x) = 2/√π ∫_0^x exp(-t²) dt``, elementwise (float
    results for integer input, as in PyTorch).

    >>> import minigrad as mg
    >>> mg.erf(mg.tensor([0.0, 1.0, -3.0]))
    tensor([ 0.       ,  0.8427008, -0.9999779])
    """
    return tensor_input(input, "erf").erf()


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """The complementary error function, ``erfc(x) = 1 - erf(x)``, elementwise; accurate
    where erf is near 1 (``erfc(5)`` is about 1.5e-12, ``1 - erf(5)`` rounds to 0 in
    float32).

    >>> import minigrad as mg
    >>> mg.erfc(mg.tensor([0.0, 1.0]))
    tensor([1.       , 0.1572992])
    """
    return tensor_input(input, "erfc").erfc()


def log2(input: Tensor) -> Tensor:  # noqa: A002
    """The base-2 logarithm, elementwise."""
    return tensor_input(input, "log2").log2()


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """2 to the power of input, elementwise."""
    return tensor_input(input, "exp2").exp2()


def square(input: Tensor) -> Tensor:  # noqa: A002
    """The square, input * input; integers stay integers, bool becomes int64 (PyTorch)."""
    tensor_input(input, "square")
    base = input.to(dtypes.int64) if input.dtype == dtypes.bool_ else input
    return elementwise.Square.apply(base)


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """-1, 0 or 1 as each element is negative, zero or positive (0 for nan).

    Its derivative is 0. Integer tensors keep their dtype; bool is returned as is.
    """
    tensor_input(input, "sign")
    if dtypes.is_float(input.dtype):
        return elementwise.Sign.apply(input)
    return Tensor._wrap(
        np.sign(input._data) if input.dtype != dtypes.bool_ else input._data.copy()
    )


def floor(input: Tensor) -> Tensor:  # noqa: A002
    """The largest integer not above each element; its derivative is 0."""
    return _rounded(input, "floor", elementwise.Floor)


def ceil(input: Tensor) -> Tensor:  # noqa: A002
    """The smallest integer not below each element; its derivative is 0."""
    return _rounded(input, "ceil", elementwise.Ceil)


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """Each element rounded towards zero; its derivative is 0."""
    return _rounded(input, "trunc", elementwise.Trunc)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    """Each element rounded to ``decimals`` decimal places, halves to the even
    neighbour, as PyTorch (and numpy); its derivative is 0.

    >>> import minigrad as mg
    >>> mg.round(mg.tensor([0.5, 1.5, 2.567]), decimals=0)
    tensor([0., 2., 3.])
    """
    if not _checks.is_int(decimals):
        raise TypeError(f"round: decimals: expected an int, got {type(decimals).__name__}")
    if decimals == 0:
        return _rounded(input, "round", elementwise.Round, decimals=0)
    tensor_input(input, "round")
    if not dtypes.is_float(input.dtype):
        raise TypeError(
            f"round: decimals: only 0 for a tensor of dtype {input.dtype}, got {decimals}"
        )
    return elementwise.Round.apply(input, decimals=int(decimals))


def _rounded(input: Tensor, op: str, function: Any, **params: Any) -> Tensor:  # noqa: A002
    """An integer tensor is already whole: a copy, as PyTorch returns. Bool is refused."""
    tensor_input(input, op)
    if dtypes.is_float(input.dtype):
        return function.apply(input, **params)  # type: ignore[no-any-return]
    if input.dtype == dtypes.bool_:
        raise TypeError(f"{op}: input: not defined for a bool tensor")
    return Tensor._wrap(input._data.copy())


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """Each element limited to ``[min, max]``: ``minimum(maximum(input, min), max)``.

    Args:
        input: a tensor.
        min: a number or a tensor (broadcastable with ``input``), or None.
        max: likewise; at least one of the two must be given. Where ``min > max``
            the result is ``max``, as in PyTorch.

    The gradient goes to whichever of ``input``, ``min`` and ``max`` the value came
    from (``input`` at the bounds). A float bound makes an integer input float.

    >>> import minigrad as mg
    >>> mg.clamp(mg.tensor([1, 5, 9]), 2, 6)
    tensor([2, 5, 6])
    """
    return _clamp(input, min, max, "clamp")


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A001, A002
    """Each element at least ``min`` (a number or a broadcastable tensor):
    [`clamp`][minigrad.clamp] with ``min`` alone.

    >>> import minigrad as mg
    >>> mg.clamp_min(mg.tensor([0.5, 1e-20]), 1e-12)
    tensor([5.e-01, 1.e-12])
    """
    return _clamp(input, _bound(min, "clamp_min", "min"), None, "clamp_min")


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A001, A002
    """Each element at most ``max`` (a number or a broadcastable tensor):
    [`clamp`][minigrad.clamp] with ``max`` alone.

    >>> import minigrad as mg
    >>> mg.clamp_max(mg.tensor([-1, 3]), 2)
    tensor([-1,  2])
    """
    return _clamp(input, None, _bound(max, "clamp_max", "max"), "clamp_max")


def _bound(bound: Any, op: str, name: str) -> Any:
    """A bound that must be given (clamp_min's min, clamp_max's max)."""
    if bound is None:
        raise TypeError(f"{op}: {name}: expected a number or a tensor, got None")
    return bound


def _clamp(input: Tensor, min: Any, max: Any, op: str) -> Tensor:  # noqa: A002
    """``clamp`` and its one-sided forms, whose errors name ``op``."""
    tensor_input(input, op)
    if min is None and max is None:
        raise ValueError(f"{op}: expected at least one of min and max, got neither")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_by_tensors(input, min, max, op)
    bounds = []
    for name, bound in (("min", min), ("max", max)):
        if isinstance(bound, np.integer | np.floating):
            bound = bound.item()
        if bound is not None and not isinstance(bound, int | float):
            raise TypeError(f"{op}: {name}: expected a number, got {type(bound).__name__}")
        bounds.append(bound)
    low, high = bounds
    x = input
    if isinstance(low, float) or isinstance(high, float):
        x = floating(input)
    return elementwise.Clamp.apply(x, low=low, high=high)


def clip(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """Another name of [`clamp`][], as in PyTorch."""
    return clamp(input, min, max)


def _clamp_by_tensors(input: Tensor, min: Any, max: Any, op: str) -> Tensor:  # noqa: A002
    """``clamp`` with tensor bounds: three ``where`` ops, one branch per origin of the
    value (PyTorch's rule: ``input`` where min <= input <= max, ``min`` where input <
    min < max, ``max`` where input > max or max < min; nowhere else, e.g. nan).
    """
    low = None if min is None else as_operand(min, input, op, "min")
    high = None if max is None else as_operand(max, input, op, "max")
    dtype = input.dtype
    for bound in (low, high):
        if bound is not None:
            _checks.broadcast_shapes(input.shape, bound.shape, op)
            dtype = dtypes.promote_operands(dtype, input.ndim == 0, bound.dtype, bound.ndim == 0)
    x = input.to(dtype)
    x_values = x._data
    value = x_values
    branches = []
    with np.errstate(invalid="ignore"):
        if low is not None:
            low = low.to(dtype)
            value = np.maximum(value, low._data)
        if high is not None:
            high = high.to(dtype)
            value = np.minimum(value, high._data)
        if low is not None and high is not None:
            branches.append(((x_values >= low._data) & (x_values <= high._data), x))
            branches.append(((x_values < low._data) & (low._data < high._data), low))
            branches.append(((x_values > high._data) | (high._data < low._data), high))
        elif low is not None:
            branches += [(x_values >= low._data, x), (x_values < low._data, low)]
        elif high is not None:
            branches += [(x_values <= high._data, x), (x_values > high._data, high)]
    out = Tensor._wrap(np.asarray(value))  # the value where no branch is taken (nan)
    for taken, source in reversed(branches):
        out = elementwise.where(taken, source, out)
    return out


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x_i - m) / sum_j exp(x_j - m) along ``dim``, with m the maximum along ``dim``
    (treated as a constant, which is exact: softmax does not change under that shift).

    Args:
        input: a float tensor of any shape (or any tensor, with ``dtype``).
        dim: the dim along which the result sums to one.
        dtype: if given, the input is cast to it first.

    Returns:
        A tensor of ``input``'s shape.

    >>> import minigrad as mg
    >>> mg.softmax(mg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    shifted, dims = shifted_by_max(input, dim, dtype, "softmax")
    exponentials = shifted.exp()
    return exponentials / exponentials.sum(dims, keepdim=True)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """x_i - m - log(sum_j exp(x_j - m)) along ``dim`` (m the maximum): finite for any
    finite input. Arguments as for [`softmax`][].

    >>> import minigrad as mg
    >>> mg.log_softmax(mg.tensor([1000.0, 1000.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    shifted, dims = shifted_by_max(input, dim, dtype, "log_softmax")
    return shifted - shifted.exp().sum(dims, keepdim=True).log()


def shifted_by_max(
    input: Tensor,  # noqa: A002
    dim: int,
    dtype: Any,
    op: str,
) -> tuple[Tensor, tuple[int, ...]]:
    """``input - max(input, dim)`` with the max as a constant, and the reduced dims."""
    tensor_input(input, op)
    if dtype is not None:
        input = input.to(dtypes.as_float_dtype(dtype, "dtype"))
    if not dtypes.is_float(input.dtype):
        raise TypeError(
            f"{op}: input: expected a float32 or float64 tensor, got dtype {input.dtype}"
        )
    axis = _checks.normalize_dim(dim, input.ndim)
    dims = (axis,) if input.ndim > 0 else ()
    return input - Tensor._wrap(_finite_peak(input._data, dims)), dims


def _finite_peak(x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """The maximum of ``x`` over ``dims`` (kept as size 1), 0 where it is infinite (the
    shift would give inf - inf = nan) and for an empty ``x``: the constant that
    softmax and logsumexp shift by.
    """
    if x.size == 0:
        return np.zeros(np.sum(x, axis=dims, keepdims=True).shape, x.dtype)
    peak = np.max(x, axis=dims, keepdims=True)
    return np.where(np.isfinite(peak), peak, 0).astype(x.dtype)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log(sum_i exp(x_i)) over ``dim`` (an int or a tuple of ints), computed as
    m + log(sum_i exp(x_i - m)) with m the maximum (a constant: the result does not
    depend on it), so it is finite for any finite input; its gradient is the softmax.
    An empty slice gives -inf. Integer inputs compute in the default float dtype.

    >>> import minigrad as mg
    >>> mg.logsumexp(mg.tensor([1000.0, 1000.0]), dim=0)
    tensor(1000.6932)
    """
    x = floating(tensor_input(input, "logsumexp"))
    if isinstance(dim, Sequence) and len(dim) == 0:
        raise ValueError("logsumexp: dim: expected an int or a non-empty tuple of ints, got ()")
    dims = _checks.normalize_dims(dim, x.ndim)
    peak = _finite_peak(x._data, dims)
    total = (x - Tensor._wrap(peak)).exp().sum(dims, keepdim=keepdim).log()
    return total + Tensor._wrap(peak if keepdim else np.squeeze(peak, axis=dims))


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``, elementwise, broadcasting; for a weight of at
    least 0.5 written ``end - (end - input) * (1 - weight)``, as PyTorch does, so that
    weight 1 gives ``end`` exactly. ``weight``: a number or a tensor. ``input`` and
    ``end`` (and a tensor weight) must be float tensors of one dtype.

    An exponential moving average of weights is ``ema.lerp_(param, 1 - decay)``.

    >>> import minigrad as mg
    >>> mg.lerp(mg.tensor([0.0, 10.0]), mg.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    tensor_input(input, "lerp")
    tensor_input(end, "lerp", "end")
    if not dtypes.is_float(input.dtype):
        raise TypeError(f"lerp: input: expected a float32 or float64 tensor, got {input.dtype}")
    if end.dtype != input.dtype:
        raise TypeError(f"lerp: end: expected dtype {input.dtype} (the input's), got {end.dtype}")
    _checks.broadcast_shapes(input.shape, end.shape, "lerp")
    difference = end - input
    if isinstance(weight, Tensor):
        if weight.dtype != input.dtype:
            raise TypeError(
                f"lerp: weight: expected dtype {input.dtype} (the input's), got {weight.dtype}"
            )
        _checks.broadcast_shapes(difference.shape, weight.shape, "lerp")
        low = input + weight * difference
        high = end - difference * (1 - weight)
        return elementwise.where(np.abs(weight._data) < 0.5, low, high)
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise TypeError(
            f"lerp: weight: expected a number or a Tensor, got {type(weight).__name__}"
        )
    # The weight and 1 - weight in the input's dtype, as PyTorch's kernel takes them.
    kind = input._data.dtype.type
    if -0.5 < weight < 0.5:
        return input + float(kind(weight)) * difference
    return end - difference * float(kind(1) - kind(weight))
