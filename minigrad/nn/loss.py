"""Loss layers: thin wrappers over the losses of [`minigrad.functional`][].

Class weights are buffers, as in PyTorch, so they appear in ``state_dict`` when given.
As in PyTorch, the arguments are checked when the loss is computed (a ``reduction``
of ``'avg'`` fails at the first call, not at construction), the deprecated
``size_average`` and ``reduce`` decide ``reduction`` at construction, with PyTorch's
warning, and the repr shows no arguments (``MSELoss()`` whatever the reduction).
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


class MSELoss(_Loss):
    """Mean squared error: reduce((x - y)²).

    >>> import minigrad as mg
    >>> mg.nn.MSELoss()(mg.tensor([2.0]), mg.tensor([0.0]))
    tensor(4.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the mean (or sum, by ``reduction``) of (x - y)²
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: reduce(|x - y|), pix2pix's reconstruction term.

    >>> import minigrad as mg
    >>> mg.nn.L1Loss()(mg.tensor([2.0, -1.0]), mg.tensor([0.0, 0.0]))
    tensor(1.5)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the mean (or sum, by ``reduction``) of |x - y|
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1: quadratic below ``beta``, linear above (see ``F.smooth_l1_loss``).

    >>> import minigrad as mg
    >>> mg.nn.SmoothL1Loss(beta=2.0)(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(1.1250)
    """

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the reduced smooth L1 loss with threshold ``beta``
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: quadratic below ``delta``, delta-scaled L1 above (see
    ``F.huber_loss``).

    >>> import minigrad as mg
    >>> mg.nn.HuberLoss(delta=2.0)(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(2.2500)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the reduced Huber loss with threshold ``delta``
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """KL divergence of the target from log-probabilities (see ``F.kl_div``); use
    ``reduction='batchmean'`` for the divergence per sample.

    >>> import minigrad as mg
    >>> x = mg.tensor([[0.5, 0.5]]).log()
    >>> mg.nn.KLDivLoss(reduction="batchmean")(x, mg.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the reduced KL divergence of ``target`` from the
        log-probabilities ``input`` (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_Loss):
    """Binary cross entropy on probabilities (see ``F.binary_cross_entropy``), with an
    optional ``weight`` that broadcasts to the input's shape.

    >>> import minigrad as mg
    >>> loss = mg.nn.BCELoss(weight=mg.tensor([1.0, 3.0]))
    >>> loss(mg.tensor([0.5, 0.5]), mg.tensor([1.0, 0.0]))
    tensor(1.3863)
    """

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
        """``(*), (*) -> ()``: the reduced (weighted) binary cross entropy of the
        probabilities ``input`` (``(*)``, unreduced, with ``reduction='none'``).
        """
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
        """``(*), (*) -> ()``: the reduced (weighted) binary cross entropy of the logits
        ``input``, computed stably (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices, for log-probabilities (see
    ``F.nll_loss``); ``LogSoftmax`` then ``NLLLoss`` is ``CrossEntropyLoss``.

    >>> import minigrad as mg
    >>> log_p = mg.tensor([[0.5, 0.5]]).log()
    >>> mg.nn.NLLLoss()(log_p, mg.tensor([1]))
    tensor(0.6931)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(N, C), (N,) -> ()`` (or ``(N, C, d_1, ...), (N, d_1, ...)``, or unbatched):
        the reduced negative log-probability of each target class, ``ignore_index`` skipped
        (``(N, d_1, ...)`` with ``reduction='none'``).
        """
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
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
        """``(N, C), (N,) -> ()`` (or ``(N, C, d_1, ...)``, or unbatched; a target of
        probabilities has the input's shape): the reduced cross entropy of the logits
        (``(N, d_1, ...)`` with ``reduction='none'``).
        """
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class MarginRankingLoss(_Loss):
    """Ranking hinge max(0, -y (x1 - x2) + margin) (see ``F.margin_ranking_loss``).

    >>> import minigrad as mg
    >>> loss = mg.nn.MarginRankingLoss(margin=1.0)
    >>> loss(mg.tensor([1.0]), mg.tensor([0.5]), mg.tensor([1.0]))
    tensor(0.5000)
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """``(N,), (N,), (N,) -> ()``: the reduced max(0, -y (x1 - x2) + margin)
        (``(N,)`` with ``reduction='none'``).
        """
        return F.margin_ranking_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class HingeEmbeddingLoss(_Loss):
    """x for y = 1, max(0, margin - x) for y = -1 (see ``F.hinge_embedding_loss``).

    >>> import minigrad as mg
    >>> mg.nn.HingeEmbeddingLoss()(mg.tensor([0.25]), mg.tensor([-1.0]))
    tensor(0.7500)
    """

    def __init__(
        self,
        margin: float = 1.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the reduced x (y = 1) or max(0, margin - x) (y = -1)
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos for y = 1, max(0, cos - margin) for y = -1 (see
    ``F.cosine_embedding_loss``).

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 0.0]])
    >>> mg.nn.CosineEmbeddingLoss()(x, mg.tensor([[0.0, 2.0]]), mg.tensor([1]))
    tensor(1.)
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """``(N, D), (N, D), (N,) -> ()``: the reduced 1 - cos (y = 1) or
        max(0, cos - margin) (y = -1) of each pair of rows (``(N,)`` with
        ``reduction='none'``).
        """
        return F.cosine_embedding_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class SoftMarginLoss(_Loss):
    """Two-class logistic loss softplus(-y x) (see ``F.soft_margin_loss``).

    >>> import minigrad as mg
    >>> mg.nn.SoftMarginLoss()(mg.tensor([0.0]), mg.tensor([-1.0]))
    tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """``(*), (*) -> ()``: the reduced softplus(-y x)
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood of targets under predicted means and
    variances (see ``F.gaussian_nll_loss``).

    >>> import minigrad as mg
    >>> loss = mg.nn.GaussianNLLLoss()
    >>> loss(mg.tensor([1.0]), mg.tensor([3.0]), mg.tensor([2.0]))
    tensor(1.3466)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002
        """``(N, *), (N, *), var -> ()``: the reduced Gaussian negative log-likelihood,
        ``var`` of the input's shape, one dim fewer, broadcastable, or a float
        (``(N, *)`` with ``reduction='none'``).
        """
        return F.gaussian_nll_loss(
            input, target, var, full=self.full, eps=self.eps, reduction=self.reduction
        )


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts (see ``F.poisson_nll_loss``).

    >>> import minigrad as mg
    >>> mg.nn.PoissonNLLLoss()(mg.tensor([0.0]), mg.tensor([2.0]))
    tensor(1.)
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: Any = None,
        eps: float = 1e-8,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """``(*), (*) -> ()``: the reduced Poisson negative log-likelihood of the counts
        ``target`` under the rates ``log_input`` (log-rates if ``log_input``)
        (``(*)``, unreduced, with ``reduction='none'``).
        """
        return F.poisson_nll_loss(
            log_input,
            target,
            log_input=self.log_input,
            full=self.full,
            eps=self.eps,
            reduction=self.reduction,
        )
