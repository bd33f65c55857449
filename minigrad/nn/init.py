"""Initialisers: small in-place functions that fill a tensor and return it.

Every random draw comes from minigrad's one generator (``mg.manual_seed`` fixes it),
made in float64 and cast to the tensor's dtype. The functions rebind the tensor's
array instead of writing into it, so arrays already captured by a graph or a state
dict are never altered.

Fan rule (as in PyTorch): for a weight of shape ``(d0, d1, *k)``,
``fan_in = d1 * prod(k)`` and ``fan_out = d0 * prod(k)``. For a convolution weight
``(C_out, C_in/g, *k)`` that is the number of inputs each output sees; for a
transposed-convolution weight ``(C_in, C_out/g, *k)`` the same rule, read on dim 1,
gives ``C_out/g * prod(k)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.kernels.linalg import qr
from minigrad.random import generator
from minigrad.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "fan_in_and_fan_out",
    "icnr_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_LIKE = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through a nonlinearity.

    linear, conv and sigmoid: 1; tanh: 5/3; relu: √2; leaky_relu with slope a
    (default 0.01): √(2 / (1 + a²)); selu: 3/4.

    >>> from minigrad.nn import init
    >>> round(init.calculate_gain("relu"), 4)
    1.4142
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, int | float):
            raise ValueError(f"calculate_gain: param: expected a number, got {param!r}")
        else:
            slope = float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(
        f"calculate_gain: nonlinearity: expected one of {', '.join(_LINEAR_LIKE)}, tanh, "
        f"relu, leaky_relu, selu, got {nonlinearity!r}"
    )


def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    """``(d1 * prod(k), d0 * prod(k))`` for a shape ``(d0, d1, *k)`` (at least 2 dims).

    >>> from minigrad.nn import init
    >>> init.fan_in_and_fan_out((8, 3, 5, 5))
    (75, 200)
    """
    if len(shape) < 2:
        raise ValueError(
            f"fan_in_and_fan_out: expected a tensor with at least 2 dims, got shape {tuple(shape)}"
        )
    receptive_field = int(np.prod(shape[2:]))
    return int(shape[1]) * receptive_field, int(shape[0]) * receptive_field


def _fan(tensor: Tensor, mode: str, op: str) -> int:
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"{op}: mode: expected 'fan_in' or 'fan_out', got {mode!r}")


def _check(tensor: Any, op: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: tensor: expected a Tensor, got {type(tensor).__name__}")
    return tensor


def _fill(tensor: Tensor, values: Any) -> Tensor:
    tensor._write(np.broadcast_to(values, tensor.shape))  # in place: aliases see it
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with draws from U(a, b).

    >>> import minigrad as mg
    >>> w = mg.nn.init.uniform_(mg.empty(3), -1.0, 1.0)
    >>> bool((w.abs() <= 1).all())
    True
    """
    _check(tensor, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _fill(tensor, generator().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with draws from N(mean, std²).

    >>> import minigrad as mg
    >>> mg.nn.init.normal_(mg.empty(2, 3)).shape
    (2, 3)
    """
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std: expected a non-negative number, got {std}")
    return _fill(tensor, mean + std * generator().standard_normal(tensor.shape))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """Fill with draws from N(mean, std²) conditioned on [a, b] (absolute bounds).

    Sampled by rejection: out-of-range draws are drawn again, so the result is
    exactly the truncated normal. The interval must hold a probability of at least
    1e-6, or sampling would never end.

    >>> import minigrad as mg
    >>> w = mg.nn.init.trunc_normal_(mg.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    _check(tensor, "trunc_normal_")
    if not (std > 0 and a < b):
        raise ValueError(f"trunc_normal_: expected std > 0 and a < b, got std={std}, a={a}, b={b}")

    def cdf(value: float) -> float:
        return 0.5 * (1 + math.erf((value - mean) / (std * math.sqrt(2))))

    acceptance = cdf(b) - cdf(a)
    if acceptance < 1e-6:
        raise ValueError(
            f"trunc_normal_: [a, b] = [{a}, {b}] holds probability {acceptance:.2e} of "
            f"N({mean}, {std}²); expected at least 1e-6"
        )
    values = np.empty(tensor.numel())
    filled = 0
    while filled < values.size:
        wanted = values.size - filled
        draws = mean + std * generator().standard_normal(int(wanted / acceptance) + 16)
        kept = draws[(draws >= a) & (draws <= b)][:wanted]
        values[filled : filled + kept.size] = kept
        filled += kept.size
    return _fill(tensor, values.reshape(tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    >>> import minigrad as mg
    >>> mg.nn.init.constant_(mg.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    return _fill(_check(tensor, "constant_"), val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return _fill(_check(tensor, "zeros_"), 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return _fill(_check(tensor, "ones_"), 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity (ones on the main diagonal), so a Linear
    layer starts as the identity on the inputs it keeps.

    >>> import minigrad as mg
    >>> mg.nn.init.eye_(mg.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: tensor: expected 2 dims, got shape {tensor.shape}")
    rows, columns = tensor.shape
    return _fill(tensor, np.eye(rows, columns))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a conv weight ``(C_out, C_in/g, *k)`` with the Dirac delta, so the
    convolution starts as the identity on as many channels as it can keep
    (per group: output channel i copies input channel i through the kernel centre).

    >>> import minigrad as mg
    >>> w = mg.nn.init.dirac_(mg.empty(2, 2, 3))
    >>> w[:, :, 1]
    tensor([[1., 0.],
            [0., 1.]])
    """
    _check(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: tensor: expected 3, 4 or 5 dims, got shape {tensor.shape}")
    if not _checks.is_int(groups) or groups < 1 or tensor.shape[0] % groups:
        raise ValueError(
            f"dirac_: groups: expected a positive divisor of dim 0 ({tensor.shape[0]}), got "
            f"{groups!r}"
        )
    values = np.zeros(tensor.shape)
    per_group = tensor.shape[0] // groups
    centre = tuple(size // 2 for size in tensor.shape[2:])
    for group in range(groups):
        for channel in range(min(per_group, tensor.shape[1])):
            values[(group * per_group + channel, channel, *centre)] = 1.0
    return _fill(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010), "Understanding the difficulty of training deep
    feedforward neural networks": U(-a, a) with a = gain · √(6 / (fan_in + fan_out)).

    >>> import minigrad as mg
    >>> mg.nn.init.xavier_uniform_(mg.empty(3, 5)).shape
    (3, 5)
    """
    fan_in, fan_out = fan_in_and_fan_out(_check(tensor, "xavier_uniform_").shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010): N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out)).

    >>> import minigrad as mg
    >>> mg.nn.init.xavier_normal_(mg.empty(3, 5)).shape
    (3, 5)
    """
    fan_in, fan_out = fan_in_and_fan_out(_check(tensor, "xavier_normal_").shape)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He et al. (2015), "Delving deep into rectifiers": U(-bound, bound) with
    bound = gain · √(3 / fan), gain = ``calculate_gain(nonlinearity, a)`` and fan the
    fan-in or fan-out (``mode``).

    Layers' default initialisation is this with a = √5, which gives bound
    = 1/√fan_in.

    >>> import minigrad as mg
    >>> w = mg.nn.init.kaiming_uniform_(mg.empty(4, 3), a=5 ** 0.5)
    >>> bool((w.abs() <= 3 ** -0.5).all())
    True
    """
    fan = _fan(_check(tensor, "kaiming_uniform_"), mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He et al. (2015): N(0, σ²) with σ = gain / √fan (arguments as for
    [`kaiming_uniform_`][]).

    >>> import minigrad as mg
    >>> mg.nn.init.kaiming_normal_(mg.empty(4, 3)).shape
    (4, 3)
    """
    fan = _fan(_check(tensor, "kaiming_normal_"), mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Saxe et al. (2013), "Exact solutions to the nonlinear dynamics of learning in
    deep linear neural networks": the tensor, flattened to ``(d0, rest)``, gets
    orthonormal rows (or columns, whichever are fewer), times ``gain``.

    It is the Q of a QR decomposition of a standard normal matrix, with signs fixed
    by R's diagonal so that Q is uniformly distributed.

    >>> import minigrad as mg
    >>> q = mg.nn.init.orthogonal_(mg.empty(3, 5))
    >>> import numpy as np
    >>> bool(abs(q.numpy() @ q.numpy().T - np.eye(3)).max() < 1e-5)
    True
    """
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_: tensor: expected at least 2 dims, got shape {tensor.shape}"
        )
    rows = tensor.shape[0]
    columns = tensor.numel() // max(rows, 1)
    flat = generator().standard_normal((rows, columns))
    if rows < columns:
        flat = flat.T
    q, r = qr(flat)  # on one BLAS thread: LAPACK's bits depend on the thread count
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < columns:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def icnr_(
    weight: Tensor,
    stride: int | Sequence[int],
    init: Callable[[Tensor], Any] = kaiming_normal_,
) -> Tensor:
    """ICNR for a transposed-convolution weight ``(C_in, C_out/g, *k)``.

    Aitken et al. (2017), "Checkerboard artifact free sub-pixel convolution: a note
    on sub-pixel convolution, resize convolution and convolution resize": start the
    layer as nearest-neighbour upsampling by ``stride`` followed by a convolution.
    A sub-kernel w₀ of size k - s + 1 per spatial dim is drawn with ``init`` (so its
    fan is that of the convolution after the upsampling), and the weight becomes w₀
    convolved with a box of s ones in each spatial dim. Then, in every dim, the taps
    that land on each of the s output phases sum to the same total (the sum of w₀),
    so a constant input gives a constant output away from the borders.

    Args:
        weight: ``(C_in, C_out/g, *k)`` with ``k >= stride`` in each spatial dim.
        stride: the layer's stride (an int or one per spatial dim).
        init: fills the sub-kernel in place.

    Returns:
        ``weight``, filled.

    >>> import minigrad as mg
    >>> w = mg.nn.init.icnr_(mg.empty(1, 1, 4), stride=2)
    >>> bool((w[0, 0, 0::2].sum() - w[0, 0, 1::2].sum()).abs() < 1e-6)
    True
    """
    _check(weight, "icnr_")
    if weight.ndim < 3:
        raise ValueError(
            f"icnr_: weight: expected (C_in, C_out/groups, *kernel_size), got shape {weight.shape}"
        )
    kernel = weight.shape[2:]
    strides = _checks.as_tuple(stride, len(kernel), "icnr_: stride")
    _checks.check_positive(strides, "icnr_: stride")
    if any(s > k for s, k in zip(strides, kernel)):
        raise ValueError(
            f"icnr_: stride: expected at most the kernel size {kernel} in each dim, got {strides}"
        )
    sub_kernel = tuple(k - s + 1 for k, s in zip(kernel, strides))
    sub = Tensor._wrap(np.zeros(weight.shape[:2] + sub_kernel, dtype=weight.dtype))
    init(sub)
    values = sub._data.astype(np.float64)
    for axis, s in enumerate(strides, start=2):
        boxed_shape = list(values.shape)
        boxed_shape[axis] += s - 1
        boxed = np.zeros(boxed_shape)
        for offset in range(s):
            index = [slice(None)] * values.ndim
            index[axis] = slice(offset, offset + values.shape[axis])
            boxed[tuple(index)] += values
        values = boxed
    return _fill(weight, values)
