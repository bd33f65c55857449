"""Loss layers: thin wrappers over the losses of :mod:`minigrad.functional`.

Class weights are buffers, as in PyTorch, so they appear in ``state_dict`` when given.
As in PyTorch, the arguments are checked when the loss is computed (a ``reduction``
of ``'avg'`` fails at the first call, not at construction), and the deprecated
``size_average`` and ``reduce`` decide ``reduction`` at construction, with PyTorch's
warning.
"""

from __future__ import annotations

from typing import Any

from minigrad import functional as F
from minigrad.functional._arguments import legacy_reduction
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class _Loss(Module):
    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce, reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error: reduce((x - y)²).

    >>> import minigrad as mg
    >>> mg.nn.MSELoss()(mg.tensor([2.0]), mg.tensor([0.0]))
    tensor(4.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: reduce(|x - y|), pix2pix's reconstruction term.

    >>> import minigrad as mg
    >>> mg.nn.L1Loss()(mg.tensor([2.0, -1.0]), mg.tensor([0.0, 0.0]))
    tensor(1.5)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross entropy on probabilities (see ``F.binary_cross_entropy``)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on logits, computed stably (see
    ``F.binary_cross_entropy_with_logits``).

    >>> import minigrad as mg
    >>> mg.nn.BCEWithLogitsLoss()(mg.tensor([0.0]), mg.tensor([0.0]))
    tensor(0.6931)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )


class CrossEntropyLoss(_Loss):
    """Cross entropy between logits and class indices or probabilities (see
    ``F.cross_entropy``).

    >>> import minigrad as mg
    >>> mg.nn.CrossEntropyLoss()(mg.tensor([[0.0, 0.0]]), mg.tensor([0]))
    tensor(0.6931)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
