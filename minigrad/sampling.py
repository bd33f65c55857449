"""Random tensors: ``rand, randn, randint, randperm, normal, rand_like, randn_like``.

Every draw comes from minigrad's one generator ([`minigrad.random`][]), so
``mg.manual_seed(n)`` makes them reproducible; the numbers are not PyTorch's (another
generator), the distributions are. Draws are made in float64 and then cast. Each has
PyTorch's signature, with keyword-only ``dtype=``, ``device=`` (the CPU) and
``requires_grad=``.

>>> import minigrad as mg
>>> mg.manual_seed(0)
>>> mg.randint(0, 10, (3,)).dtype
dtype('int64')
>>> sorted(mg.randperm(4).tolist())
[0, 1, 2, 3]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.devices import as_device
from minigrad.random import generator
from minigrad.tensor import Tensor


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    result = Tensor._wrap(array)
    result.requires_grad_(requires_grad)
    return result


def _random_dtype(dtype: Any) -> np.dtype[Any]:
    # Real-valued draws: an integer dtype would truncate them, so PyTorch refuses it,
    # and so do we.
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws on [0, 1): ``rand(2, 3)`` or ``rand((2, 3))``."""
    as_device(device)
    shape = _checks.as_shape(size)
    chosen = _random_dtype(dtype)
    return _make(generator().random(shape).astype(chosen), requires_grad)


def randn(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal draws: ``randn(2, 3)`` or ``randn((2, 3))``."""
    as_device(device)
    shape = _checks.as_shape(size)
    chosen = _random_dtype(dtype)
    return _make(generator().standard_normal(shape).astype(chosen), requires_grad)


def randint(
    *args: Any,
    low: Any = None,
    high: Any = None,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)`` (``low`` defaults to 0), as PyTorch.

    Args:
        args: ``high, size`` or ``low, high, size``, positionally (or by name).
        low: the smallest value (included).
        high: the bound (excluded); must exceed ``low``.
        size: the shape, a tuple of ints.
        dtype: the dtype (default int64); a float dtype holds whole numbers.
        device: the CPU.
        requires_grad: only with a float dtype.

    >>> import minigrad as mg
    >>> mg.randint(3, 4, (2,))
    tensor([3, 3])
    """
    as_device(device)
    named = [value for value in (low, high, size) if value is not None]
    given = list(args) + named
    if len(args) > 3 or len(given) not in (2, 3):
        raise TypeError(
            "randint: expected (high, size) or (low, high, size), got "
            f"{len(args)} positional and {len(named)} keyword arguments"
        )
    if len(given) == 2:
        given.insert(0, 0)
    first, bound, shape_arg = given
    for name, value in (("low", first), ("high", bound)):
        if not _checks.is_int(value):
            raise TypeError(
                f"randint: {name}: expected an int, got {type(value).__name__} {value!r}"
            )
    if _checks.is_int(shape_arg) or not isinstance(shape_arg, tuple | list):
        raise TypeError(f"randint: size: expected a tuple of ints, got {type(shape_arg).__name__}")
    if bound <= first:
        raise ValueError(f"randint: expected low < high, got low={first}, high={bound}")
    chosen = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if chosen == dtypes.bool_ and (first < 0 or bound > 2):
        raise ValueError(
            f"randint: high: a bool tensor holds 0 and 1 only, got [{first}, {bound})"
        )
    values = generator().integers(int(first), int(bound), size=_checks.as_shape(tuple(shape_arg)))
    return _make(values.astype(chosen), requires_grad)


def randperm(
    n: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A random permutation of ``0, ..., n - 1`` (int64 by default)."""
    as_device(device)
    if not _checks.is_int(n):
        raise TypeError(f"randperm: n: expected an int, got {type(n).__name__} {n!r}")
    if n < 0:
        raise ValueError(f"randperm: n: expected a non-negative int, got {n}")
    chosen = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    return _make(generator().permutation(int(n)).astype(chosen), requires_grad)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal draws, in PyTorch's forms.

    * ``normal(mean, std, size)`` with numbers: draws of that shape;
    * ``normal(mean, std)`` with a tensor for either (or both, broadcasting): one draw
      per element, ``mean + std * z`` with ``z`` standard normal, so gradients reach
      ``mean`` (1) and ``std`` (z), as in PyTorch.

    Args:
        mean: a number or a float tensor.
        std: a non-negative number or float tensor.
        size: the shape, only when both are numbers.
        dtype: the dtype (numbers only; default float32).
        device: the CPU.
        requires_grad: numbers only: make the draws a leaf that requires grad.

    >>> import minigrad as mg
    >>> mg.normal(mg.zeros(3), 1.0).shape
    (3,)
    """
    as_device(device)
    tensors = [value for value in (mean, std) if isinstance(value, Tensor)]
    for name, value in (("mean", mean), ("std", std)):
        if not isinstance(value, Tensor) and (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.integer | np.floating)
        ):
            raise TypeError(
                f"normal: {name}: expected a number or a Tensor, got {type(value).__name__}"
            )
        if isinstance(value, Tensor) and not dtypes.is_float(value.dtype):
            raise TypeError(f"normal: {name}: expected a float tensor, got dtype {value.dtype}")
    spread = std._data if isinstance(std, Tensor) else np.asarray(std)
    if (spread < 0).any():
        raise ValueError(f"normal: std: expected values >= 0, got {spread.min()}")
    if not tensors:
        if size is None:
            raise TypeError("normal: size: expected a size when mean and std are numbers")
        chosen = _random_dtype(dtype)
        draws = generator().normal(float(mean), float(std), _checks.as_shape(tuple(size)))
        return _make(draws.astype(chosen), requires_grad)
    if size is not None or dtype is not None:
        raise TypeError(
            "normal: size and dtype: only when mean and std are numbers (the tensors give them)"
        )
    shape = _checks.broadcast_shapes(
        tuple(np.shape(mean._data if isinstance(mean, Tensor) else mean)), spread.shape, "normal"
    )
    dtype_of = tensors[0].dtype if len(tensors) == 1 else dtypes.promote(mean.dtype, std.dtype)
    noise = Tensor._wrap(generator().standard_normal(shape).astype(dtype_of))
    return mean + std * noise  # type: ignore[no-any-return]


def rand_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws on [0, 1) with ``input``'s shape and (by default) dtype."""
    chosen = _like(input, dtype, "rand_like")
    return rand(*input.shape, dtype=chosen, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws with ``input``'s shape and (by default) dtype."""
    chosen = _like(input, dtype, "randn_like")
    return randn(*input.shape, dtype=chosen, device=device, requires_grad=requires_grad)


def _like(input: Tensor, dtype: Any, op: str) -> Any:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input: expected a Tensor, got {type(input).__name__}")
    return input.dtype if dtype is None else dtype
