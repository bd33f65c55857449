"""Activation layers: thin wrappers over :mod:`minigrad.functional`."""

from __future__ import annotations

from minigrad import functional as F
from minigrad.functional._arguments import check_flag, check_number
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class ReLU(Module):
    """max(x, 0) elementwise; with ``inplace=True`` the input itself is overwritten and
    returned (as PyTorch's, see :mod:`minigrad._inplace`).

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
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, ``negative_slope * x`` otherwise; ``inplace=True`` overwrites the
    input, as :class:`ReLU`'s.

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
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class Tanh(Module):
    """Hyperbolic tangent elementwise."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanh(input)


class Sigmoid(Module):
    """Logistic sigmoid elementwise."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.sigmoid(input)


class Softmax(Module):
    """Softmax along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
