"""``Linear``: y = x Wᵀ + b, and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class Identity(Module):
    """Returns its input; takes (and ignores) any constructor arguments, as PyTorch.

    >>> import minigrad as mg
    >>> mg.nn.Identity()(mg.ones(2))
    tensor([1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: the input itself."""
        return input


class Linear(Module):
    """Fully connected layer: ``(*, in_features) -> (*, out_features)``, y = x Wᵀ + b.

    ``weight``: ``(out_features, in_features)``; ``bias``: ``(out_features,)``. Both
    start as U(-1/√in_features, 1/√in_features), PyTorch's default.

    >>> import minigrad as mg
    >>> layer = mg.nn.Linear(3, 2)
    >>> layer(mg.ones(5, 3)).shape
    (5, 2)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not _checks.is_int(value) or value < 0:
                raise ValueError(f"Linear: {name}: expected a non-negative int, got {value!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=chosen))
        if bias:
            self.bias = Parameter(np.zeros(self.out_features, dtype=chosen))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_ with a = √5 (bound 1/√fan_in), and the
        bias from U(-1/√fan_in, 1/√fan_in).
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, in_features) -> (*, out_features)``: x Wᵀ + b."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
