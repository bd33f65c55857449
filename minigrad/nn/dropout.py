"""``Dropout``: active in training mode only."""

from __future__ import annotations

from minigrad import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability ``p`` in training, scaling the rest by
    1/(1 - p); the identity in eval mode.

    >>> import minigrad as mg
    >>> mg.nn.Dropout(0.3).eval()(mg.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: p: expected a probability in [0, 1], got {p!r}")
        self.p = float(p)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
