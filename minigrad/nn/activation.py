"""Activation layers: thin wrappers over [`minigrad.functional`][], with PyTorch's
arguments, defaults and reprs (values are shown as given: ``Softplus(2, 10)`` prints
``beta=2``, as PyTorch's does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, devices, dtypes
from minigrad import functional as F
from minigrad.functional._arguments import check_flag, check_number
from minigrad.nn import init as nn_init
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class ReLU(Module):
    """max(x, 0) elementwise; with ``inplace=True`` the input itself is overwritten and
    returned (as PyTorch's, see ``minigrad._inplace``).

    >>> import minigrad as mg
    >>> mg.nn.ReLU()(mg.tensor([-1.0, 1.0]))
    tensor([0., 1.])
    >>> mg.nn.ReLU(True)
    ReLU(inplace=True)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", "ReLU")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: max(x, 0) elementwise (into the input if ``inplace``)."""
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope * x`` otherwise; ``inplace=True`` overwrites the
    input, as [`ReLU`][]'s.

    >>> import minigrad as mg
    >>> mg.nn.LeakyReLU(0.1)
    LeakyReLU(negative_slope=0.1)
    >>> mg.nn.LeakyReLU(0.2, inplace=True)
    LeakyReLU(negative_slope=0.2, inplace=True)
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        check_number(negative_slope, "negative_slope", "LeakyReLU")
        self.negative_slope = negative_slope
        self.inplace = check_flag(inplace, "inplace", "LeakyReLU")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x for x > 0, ``negative_slope * x`` otherwise, elementwise."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class Tanh(Module):
    """Hyperbolic tangent elementwise."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: tanh(x) elementwise."""
        return F.tanh(input)


class Sigmoid(Module):
    """Logistic sigmoid elementwise."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: 1 / (1 + exp(-x)) elementwise."""
        return F.sigmoid(input)


class Softmax(Module):
    """Softmax along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: exp(x) normalised to sum 1 along ``dim``."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: log(softmax(x)) along ``dim``, computed stably."""
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"dim={self.dim}"


class ELU(Module):
    """Exponential linear unit: x for x > 0, alpha (exp(x) - 1) otherwise.

    >>> import minigrad as mg
    >>> mg.nn.ELU(0.5, True)
    ELU(alpha=0.5, inplace=True)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        check_number(alpha, "alpha", "ELU")
        self.alpha = alpha
        self.inplace = check_flag(inplace, "inplace", "ELU")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x for x > 0, alpha (exp(x) - 1) otherwise, elementwise."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class CELU(ELU):
    """Continuously differentiable ELU: x for x > 0, alpha (exp(x / alpha) - 1) otherwise.

    >>> import minigrad as mg
    >>> mg.nn.CELU(2.0)
    CELU(alpha=2.0)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha, inplace)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x for x > 0, alpha (exp(x / alpha) - 1) otherwise."""
        return F.celu(input, self.alpha, self.inplace)


class _InplaceActivation(Module):
    """An activation whose only argument is ``inplace``; subclasses name ``function``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(inplace, "inplace", type(self).__name__)

    def function(self, input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self.function(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SELU(_InplaceActivation):
    """Scaled ELU (Klambauer et al., 2017): scale · elu(x, alpha) with PyTorch's constants.

    >>> import minigrad as mg
    >>> mg.nn.SELU(inplace=True)
    SELU(inplace=True)
    """

    def function(self, input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: ``F.selu`` elementwise (into the input if ``inplace``)."""
        return F.selu(input, inplace)


class SiLU(_InplaceActivation):
    """Sigmoid linear unit (swish): x σ(x).

    >>> import minigrad as mg
    >>> mg.nn.SiLU()(mg.tensor([0.0]))
    tensor([0.])
    """

    def function(self, input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: ``F.silu``, x σ(x), elementwise."""
        return F.silu(input, inplace)


class Mish(_InplaceActivation):
    """Mish: x tanh(softplus(x)).

    >>> import minigrad as mg
    >>> mg.nn.Mish()
    Mish()
    """

    def function(self, input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: ``F.mish``, x tanh(softplus(x)), elementwise."""
        return F.mish(input, inplace)


class Hardswish(_InplaceActivation):
    """x min(max(x + 3, 0), 6) / 6. Its repr omits ``inplace``, as PyTorch's.

    >>> import minigrad as mg
    >>> mg.nn.Hardswish(inplace=True)
    Hardswish()
    """

    def function(self, input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: ``F.hardswish`` elementwise."""
        return F.hardswish(input, inplace)

    def extra_repr(self) -> str:
        """Empty: PyTorch's Hardswish repr shows no arguments, not even ``inplace``."""
        return ""


class Hardsigmoid(_InplaceActivation):
    """min(max(x / 6 + 1/2, 0), 1). Its repr omits ``inplace``, as PyTorch's.

    >>> import minigrad as mg
    >>> mg.nn.Hardsigmoid()(mg.tensor([0.0]))
    tensor([0.5000])
    """

    def function(self, input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: ``F.hardsigmoid`` elementwise."""
        return F.hardsigmoid(input, inplace)

    def extra_repr(self) -> str:
        """Empty: PyTorch's Hardsigmoid repr shows no arguments, not even ``inplace``."""
        return ""


class Hardtanh(Module):
    """min(max(x, min_val), max_val), with gradient 1 strictly between the bounds.

    >>> import minigrad as mg
    >>> mg.nn.Hardtanh(-2, 2, True)
    Hardtanh(min_val=-2, max_val=2, inplace=True)
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        check_number(min_val, "min_val", name)
        check_number(max_val, "max_val", name)
        if max_val <= min_val:
            raise ValueError(
                f"{name}: max_val: expected more than min_val = {min_val}, got {max_val}"
            )
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = check_flag(inplace, "inplace", name)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x clamped to ``[min_val, max_val]``, elementwise."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): ``Hardtanh(0, 6)``.

    >>> import minigrad as mg
    >>> mg.nn.ReLU6()(mg.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x clamped to ``[0, 6]``, elementwise."""
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """Gaussian error linear unit: x Φ(x), or its tanh approximation.

    >>> import minigrad as mg
    >>> mg.nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        # Checked when called, as PyTorch does.
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x Φ(x), or its tanh approximation, elementwise."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold.

    >>> import minigrad as mg
    >>> mg.nn.Softplus(2, 10)
    Softplus(beta=2, threshold=10)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        check_number(beta, "beta", "Softplus")
        check_number(threshold, "threshold", "Softplus")
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: log(1 + exp(beta x)) / beta (x where beta x > threshold)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """Parametric ReLU (He et al., 2015): x for x > 0, else a x with a learnt slope ``a``,
    one shared (``num_parameters=1``) or one per channel (dim 1 of the input).

    ``weight``: ``(num_parameters,)``, every slope starting at ``init``.

    >>> import minigrad as mg
    >>> layer = mg.nn.PReLU(3)
    >>> layer, layer.weight.shape
    (PReLU(num_parameters=3), (3,))
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        if not _checks.is_int(num_parameters) or num_parameters < 1:
            raise ValueError(
                f"PReLU: num_parameters: expected a positive int, got {num_parameters!r}"
            )
        check_number(init, "init", "PReLU")
        if device is not None:
            devices.as_device(device)
        self.num_parameters = int(num_parameters)
        self.init = init
        chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)
        self.weight = Parameter(np.empty(self.num_parameters, dtype=chosen))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope set to ``init``."""
        nn_init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, *) -> (N, C, *)``: x for x > 0, else the slope of x's channel times x."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"num_parameters={self.num_parameters}"


class Tanhshrink(Module):
    """x - tanh(x).

    >>> import minigrad as mg
    >>> mg.nn.Tanhshrink()(mg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x - tanh(x) elementwise."""
        return F.tanhshrink(input)


class Softsign(Module):
    """x / (1 + |x|).

    >>> import minigrad as mg
    >>> mg.nn.Softsign()(mg.tensor([1.0]))
    tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x / (1 + |x|) elementwise."""
        return F.softsign(input)


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class Threshold(Module):
    """x where x > threshold, else ``value``.

    >>> import minigrad as mg
    >>> mg.nn.Threshold(0.1, 20)
    Threshold(threshold=0.1, value=20)
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        check_number(threshold, "threshold", "Threshold")
        check_number(value, "value", "Threshold")
        self.threshold = threshold
        self.value = value
        self.inplace = check_flag(inplace, "inplace", "Threshold")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x where x > threshold, else ``value``, elementwise."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class RReLU(Module):
    """Randomised leaky ReLU: a slope ~ U(lower, upper) per negative element in training
    (from minigrad's generator), their mean (lower + upper) / 2 in eval mode.

    >>> import minigrad as mg
    >>> mg.nn.RReLU(0.1, 0.3)
    RReLU(lower=0.1, upper=0.3)
    """

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        super().__init__()
        check_number(lower, "lower", "RReLU")
        check_number(upper, "upper", "RReLU")
        # PyTorch checks lower <= upper when called, not here.
        self.lower = lower
        self.upper = upper
        self.inplace = check_flag(inplace, "inplace", "RReLU")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x for x >= 0, else a random slope times x (training) or the
        mean slope times x (eval).
        """
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class LogSigmoid(Module):
    """log σ(x), finite for every finite x.

    >>> import minigrad as mg
    >>> mg.nn.LogSigmoid()
    LogSigmoid()
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: log σ(x) elementwise."""
        return F.logsigmoid(input)


class Softshrink(Module):
    """x - lambd for x > lambd, x + lambd for x < -lambd, else 0.

    >>> import minigrad as mg
    >>> mg.nn.Softshrink()
    Softshrink(0.5)
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        check_number(lambd, "lambd", type(self).__name__)
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x shrunk towards 0 by ``lambd`` (0 within ``[-lambd, lambd]``)."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """The argument shown in the repr, as PyTorch's: ``lambd`` alone, unnamed."""
        return f"{self.lambd}"


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0.

    >>> import minigrad as mg
    >>> mg.nn.Hardshrink(1)
    Hardshrink(1)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: x where |x| > lambd, else 0, elementwise."""
        return F.hardshrink(input, self.lambd)


class GLU(Module):
    """Gated linear unit: the halves a, b of the input along ``dim`` give a σ(b):
    ``(*, 2M, *) -> (*, M, *)``.

    >>> import minigrad as mg
    >>> mg.nn.GLU()(mg.ones(3, 4)).shape
    (3, 2)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, 2M, *) -> (*, M, *)``: a σ(b) for the halves a, b of the input along ``dim``."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"dim={self.dim}"
