"""Activations: relu, leaky_relu, elu, selu, celu, gelu, silu, mish, softplus,
hardtanh, relu6, hardsigmoid, hardswish, prelu, tanhshrink, softsign, tanh, sigmoid,
softmax, log_softmax, and threshold, rrelu, logsigmoid, softshrink, hardshrink, glu.

Each takes ``input`` of any shape and returns the same shape (``glu`` halves one
dim). The forms that PyTorch gives ``inplace=`` write their result into ``input`` and
return it (recorded on the tape as PyTorch's in-place ops are; see
``minigrad._inplace``). ``softmax`` and ``log_softmax`` subtract the maximum along
``dim`` first; the maximum is treated as a constant, which is exact because both
functions are invariant to that shift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import _checks, _inplace
from minigrad.functional._arguments import (
    check_flag,
    check_number,
    check_same_dtype,
    check_tensor,
)
from minigrad.functions import maths
from minigrad.ops.elementwise import LeakyRelu, where
from minigrad.ops.elementwise.activation import (
    Elu,
    Gelu,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Mish,
    Prelu,
    Silu,
    Softplus,
)
from minigrad.ops.nn import Softplus as UnitSoftplus
from minigrad.random import generator
from minigrad.tensor import Tensor

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "logsigmoid",
    "log_softmax",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]

# SELU's constants (Klambauer et al., 2017, "Self-Normalizing Neural Networks").
SELU_ALPHA = 1.6732632423543772848170429916717
"""SELU's alpha: the ELU scale of its negative part."""
SELU_SCALE = 1.0507009873554804934193349852946
"""SELU's overall scale, chosen with alpha so that activations keep mean 0 and variance 1."""


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """max(x, 0) elementwise; the derivative at 0 is taken as 0, as in PyTorch.

    With ``inplace=True`` the result is written into ``input``, which is returned
    (recorded on the tape as PyTorch's in-place ops are; see ``Tensor.add_``).

    >>> import minigrad as mg
    >>> mg.functional.relu(mg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    check_tensor(input, "input", "relu")
    if check_flag(inplace, "inplace", "relu"):
        return _inplace.run(input, "relu_", Tensor.relu)
    return input.relu()


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """``relu(input, inplace=True)``: max(x, 0) written into ``input``, which is returned."""
    return relu(input, inplace=True)


def leaky_relu(
    input: Tensor,  # noqa: A002
    negative_slope: float = 0.01,
    inplace: bool = False,
) -> Tensor:
    """Leaky rectifier: x for x > 0, ``negative_slope * x`` otherwise; ``inplace=True``
    writes the result into ``input``, as [`relu`][]'s.

    >>> import minigrad as mg
    >>> mg.functional.leaky_relu(mg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    check_tensor(input, "input", "leaky_relu")
    slope = check_number(negative_slope, "negative_slope", "leaky_relu")
    if check_flag(inplace, "inplace", "leaky_relu"):
        return _inplace.run(input, "leaky_relu_", lambda x: LeakyRelu.apply(x, slope=slope))
    return LeakyRelu.apply(input, slope=slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """``leaky_relu(input, negative_slope, inplace=True)``."""
    return leaky_relu(input, negative_slope, inplace=True)


def _run(input: Tensor, inplace: Any, op: str, compute: Callable[[Tensor], Tensor]) -> Tensor:  # noqa: A002
    """``compute(input)``, or with ``inplace=True`` its result written into ``input``."""
    if check_flag(inplace, "inplace", op):
        return _inplace.run(input, f"{op}_", compute)
    return compute(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Exponential linear unit: x for x > 0, alpha (exp(x) - 1) otherwise.

    >>> import minigrad as mg
    >>> mg.functional.elu(mg.tensor([-1.0, 2.0]))
    tensor([-0.63212055,  2.        ])
    """
    check_tensor(input, "input", "elu")
    a = check_number(alpha, "alpha", "elu")
    return _run(input, inplace, "elu", lambda x: Elu.apply(x, alpha=a, scale=1.0, input_scale=1.0))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """``elu(input, alpha, inplace=True)``."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Scaled ELU: scale (x for x > 0, alpha (exp(x) - 1) otherwise), with
    alpha ≈ 1.6733 and scale ≈ 1.0507 ([`SELU_ALPHA`][], [`SELU_SCALE`][]).

    >>> import minigrad as mg
    >>> mg.functional.selu(mg.tensor([1.0]))
    tensor([1.0507])
    """
    check_tensor(input, "input", "selu")
    return _run(
        input,
        inplace,
        "selu",
        lambda x: Elu.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE, input_scale=1.0),
    )


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """``selu(input, inplace=True)``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Continuously differentiable ELU: x for x > 0, alpha (exp(x / alpha) - 1) otherwise.

    >>> import minigrad as mg
    >>> mg.functional.celu(mg.tensor([-2.0, 1.0]), alpha=2.0)
    tensor([-1.2642411,  1.       ])
    """
    check_tensor(input, "input", "celu")
    a = check_number(alpha, "alpha", "celu")
    if a == 0:
        raise ValueError("celu: alpha: expected a non-zero number (it divides x), got 0")
    return _run(
        input, inplace, "celu", lambda x: Elu.apply(x, alpha=a, scale=1.0, input_scale=1 / a)
    )


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """``celu(input, alpha, inplace=True)``."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit: x Φ(x), Φ the standard normal cdf; with
    ``approximate="tanh"``, x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2.

    >>> import minigrad as mg
    >>> mg.functional.gelu(mg.tensor([-1.0, 1.0]))
    tensor([-0.15865526,  0.8413447 ])
    """
    check_tensor(input, "input", "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate: expected 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Sigmoid linear unit (swish): x σ(x).

    >>> import minigrad as mg
    >>> mg.functional.silu(mg.tensor([0.0, 1.0]))
    tensor([0.       , 0.7310586])
    """
    check_tensor(input, "input", "silu")
    return _run(input, inplace, "silu", Silu.apply)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mish (Misra, 2019): x tanh(softplus(x)).

    >>> import minigrad as mg
    >>> mg.functional.mish(mg.tensor([0.0, 1.0]))
    tensor([0.       , 0.8650984])
    """
    check_tensor(input, "input", "mish")
    return _run(input, inplace, "mish", Mish.apply)


def softplus(input: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (for stability).

    >>> import minigrad as mg
    >>> mg.functional.softplus(mg.tensor([0.0, 30.0]))
    tensor([ 0.6931472, 30.       ])
    """
    check_tensor(input, "input", "softplus")
    b = check_number(beta, "beta", "softplus")
    limit = check_number(threshold, "threshold", "softplus")
    if b == 0:
        raise ValueError("softplus: beta: expected a non-zero number (it divides), got 0")
    return Softplus.apply(input, beta=b, threshold=limit)


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """min(max(x, min_val), max_val); the gradient is 1 strictly between the bounds, 0
    elsewhere (at the bounds too, as in PyTorch).

    >>> import minigrad as mg
    >>> mg.functional.hardtanh(mg.tensor([-3.0, 0.5, 3.0]))
    tensor([-1. ,  0.5,  1. ])
    """
    check_tensor(input, "input", "hardtanh")
    low = check_number(min_val, "min_val", "hardtanh")
    high = check_number(max_val, "max_val", "hardtanh")
    if low > high:
        raise ValueError(f"hardtanh: min_val: expected at most max_val = {max_val}, got {min_val}")
    return _run(input, inplace, "hardtanh", lambda x: Hardtanh.apply(x, low=low, high=high))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """``hardtanh(input, min_val, max_val, inplace=True)``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6): ``hardtanh(input, 0, 6)``, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.functional.relu6(mg.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    check_tensor(input, "input", "relu6")
    return _run(input, inplace, "relu6", lambda x: Hardtanh.apply(x, low=0.0, high=6.0))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Piecewise linear sigmoid: min(max(x / 6 + 1/2, 0), 1).

    >>> import minigrad as mg
    >>> mg.functional.hardsigmoid(mg.tensor([-4.0, 0.0, 4.0]))
    tensor([0. , 0.5, 1. ])
    """
    check_tensor(input, "input", "hardsigmoid")
    return _run(input, inplace, "hardsigmoid", Hardsigmoid.apply)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Hard swish (Howard et al., 2019, MobileNetV3): x min(max(x + 3, 0), 6) / 6.

    >>> import minigrad as mg
    >>> mg.functional.hardswish(mg.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.       ,  0.6666667,  4.       ])
    """
    check_tensor(input, "input", "hardswish")
    return _run(input, inplace, "hardswish", Hardswish.apply)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """Parametric ReLU: x for x > 0, else weight x, with one slope per channel (dim 1;
    inputs of fewer than two dims have one channel) or a single slope for all.

    Args:
        input: ``(N, C, *)``, or any shape when ``weight`` has one element.
        weight: ``C`` slopes (or 1), the input's dtype.

    Returns:
        A tensor of ``input``'s shape.

    >>> import minigrad as mg
    >>> mg.functional.prelu(mg.tensor([[-2.0, 2.0]]), mg.tensor([0.25]))
    tensor([[-0.5,  2. ]])
    """
    check_tensor(input, "input", "prelu")
    check_tensor(weight, "weight", "prelu")
    check_same_dtype(input, weight, "weight", "prelu")
    if weight.numel() == 1:
        return Prelu.apply(input, weight.reshape(()))
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != channels:
        raise ValueError(
            f"prelu: weight: expected 1 slope or one per channel (input.shape[1] = "
            f"{channels} for input of shape {input.shape}), got {weight.numel()}"
        )
    slopes = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return Prelu.apply(input, slopes)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """Tanh shrink: x - tanh(x).

    >>> import minigrad as mg
    >>> mg.functional.tanhshrink(mg.tensor([0.0, 1.0]))
    tensor([0.        , 0.23840582])
    """
    check_tensor(input, "input", "tanhshrink")
    return input - input.tanh()


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """Soft sign: x / (1 + |x|).

    >>> import minigrad as mg
    >>> mg.functional.softsign(mg.tensor([-1.0, 3.0]))
    tensor([-0.5 ,  0.75])
    """
    check_tensor(input, "input", "softsign")
    return input / (input.abs() + 1)


def threshold(
    input: Tensor,  # noqa: A002
    threshold: float,
    value: float,
    inplace: bool = False,
) -> Tensor:
    """Threshold: x where x > threshold, else ``value`` (gradient 1 where x > threshold).

    >>> import minigrad as mg
    >>> mg.functional.threshold(mg.tensor([-1.0, 0.5, 2.0]), 0.5, -9.0)
    tensor([-9., -9.,  2.])
    """
    return _thresholded(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """``threshold(input, threshold, value, inplace=True)``."""
    return _thresholded(input, threshold, value, True)


def _thresholded(input: Tensor, limit: Any, value: Any, inplace: Any) -> Tensor:  # noqa: A002
    # Apart from threshold() because its argument ``threshold`` hides the function.
    check_tensor(input, "input", "threshold")
    low = check_number(limit, "threshold", "threshold")
    fill = check_number(value, "value", "threshold")

    def compute(x: Tensor) -> Tensor:
        constant = Tensor._wrap(np.asarray(fill, dtype=x.dtype))
        return where(x._data > low, x, constant)

    return _run(input, inplace, "threshold", compute)


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomised leaky ReLU (Xu et al., 2015): x for x >= 0, else a x, with a ~ U(lower,
    upper) drawn per element from minigrad's generator when training, and
    a = (lower + upper) / 2 otherwise. The gradient is the slope used.

    >>> import minigrad as mg
    >>> mg.functional.rrelu(mg.tensor([-4.0, 1.0]), 0.25, 0.25)
    tensor([-1.,  1.])
    """
    check_tensor(input, "input", "rrelu")
    low = check_number(lower, "lower", "rrelu")
    high = check_number(upper, "upper", "rrelu")
    if low > high:
        raise ValueError(f"rrelu: lower: expected at most upper = {upper}, got {lower}")
    if not training:
        mean = (low + high) / 2
        return _run(input, inplace, "rrelu", lambda x: LeakyRelu.apply(x, slope=mean))

    def compute(x: Tensor) -> Tensor:
        slopes = generator().uniform(low, high, x.shape)
        noise = np.where(x._data >= 0, 1.0, slopes).astype(x.dtype)
        return x * Tensor._wrap(noise)

    return _run(input, inplace, "rrelu", compute)


def rrelu_(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
) -> Tensor:
    """``rrelu(input, lower, upper, training, inplace=True)``."""
    return rrelu(input, lower, upper, training, inplace=True)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Log-sigmoid: log σ(x) = -softplus(-x), finite for every finite x.

    >>> import minigrad as mg
    >>> mg.functional.logsigmoid(mg.tensor([0.0, -1000.0]))
    tensor([-6.931472e-01, -1.000000e+03])
    """
    check_tensor(input, "input", "logsigmoid")
    return -UnitSoftplus.apply(-input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """Soft shrinkage: x - lambd for x > lambd, x + lambd for x < -lambd, else 0.

    >>> import minigrad as mg
    >>> mg.functional.softshrink(mg.tensor([-2.0, 0.25, 2.0]))
    tensor([-1.5,  0. ,  1.5])
    """
    check_tensor(input, "input", "softshrink")
    amount = check_number(lambd, "lambd", "softshrink")
    if amount < 0:
        raise ValueError(f"softshrink: lambd: expected a non-negative number, got {lambd}")
    zero = Tensor._wrap(np.zeros((), dtype=input.dtype))
    shrunk = where(input._data < -amount, input + amount, zero)
    return where(input._data > amount, input - amount, shrunk)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """Hard shrinkage: x where |x| > lambd, else 0.

    >>> import minigrad as mg
    >>> mg.functional.hardshrink(mg.tensor([-2.0, 0.25, 2.0]))
    tensor([-2.,  0.,  2.])
    """
    check_tensor(input, "input", "hardshrink")
    amount = check_number(lambd, "lambd", "hardshrink")
    zero = Tensor._wrap(np.zeros((), dtype=input.dtype))
    return where(np.abs(input._data) > amount, input, zero)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit (Dauphin et al., 2017): a σ(b), with a and b the two halves of
    ``input`` along ``dim``: ``(*, 2M, *) -> (*, M, *)``.

    >>> import minigrad as mg
    >>> mg.functional.glu(mg.tensor([[2.0, 0.0]]))
    tensor([[1.]])
    """
    check_tensor(input, "input", "glu")
    if input.ndim == 0:
        raise ValueError("glu: input: expected at least one dim to halve, got a 0-d tensor")
    if not _checks.is_int(dim) or not -input.ndim <= dim < input.ndim:
        raise ValueError(
            f"glu: dim: expected an int in [{-input.ndim}, {input.ndim}), got {dim!r}"
        )
    size = input.shape[dim]
    if size % 2:
        raise ValueError(
            f"glu: input: expected an even size along dim {dim} to halve, got size {size}"
        )
    first, second = input.chunk(2, dim)
    return first * second.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent elementwise.

    >>> import minigrad as mg
    >>> mg.functional.tanh(mg.tensor([0.0]))
    tensor([0.])
    """
    return check_tensor(input, "input", "tanh").tanh()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x)) elementwise, computed without overflow.

    >>> import minigrad as mg
    >>> mg.functional.sigmoid(mg.tensor([0.0]))
    tensor([0.5000])
    """
    return check_tensor(input, "input", "sigmoid").sigmoid()


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x_i - m) / sum_j exp(x_j - m) along ``dim``, with m the maximum along ``dim``.

    Args:
        input: any shape.
        dim: the dim that sums to one. ``None`` picks PyTorch's legacy choice
            (0 for 0-, 1- and 3-d inputs, else 1).
        dtype: if given, the input is cast to it first.

    Returns:
        A tensor of ``input``'s shape (the same code as [`minigrad.softmax`][]).

    >>> import minigrad as mg
    >>> mg.functional.softmax(mg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    check_tensor(input, "input", "softmax", floating=False)
    return maths.softmax(input, _legacy_dim(input, dim), dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """x_i - m - log(sum_j exp(x_j - m)) along ``dim`` (m the maximum): finite for any
    finite input. Arguments as for [`softmax`][].

    >>> import minigrad as mg
    >>> mg.functional.log_softmax(mg.tensor([1000.0, 1000.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    check_tensor(input, "input", "log_softmax", floating=False)
    return maths.log_softmax(input, _legacy_dim(input, dim), dtype)


def _legacy_dim(input: Tensor, dim: int | None) -> int:  # noqa: A002
    """PyTorch's choice when ``dim`` is None: 0 for 0-, 1- and 3-d inputs, else 1."""
    if dim is not None:
        return dim
    return 0 if input.ndim in (0, 1, 3) else 1
