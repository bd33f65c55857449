"""``BatchNorm1d/2d/3d``: batch normalisation with running statistics.

Ioffe & Szegedy (2015), "Batch normalization: accelerating deep network training by
reducing internal covariate shift".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad import functional as F
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class _BatchNorm(Module):
    """Shared by the three ranks; subclasses say which input ranks they accept."""

    _ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not _checks.is_int(num_features) or num_features < 1:
            raise ValueError(
                f"{name}: num_features: expected a positive int, got {num_features!r}"
            )
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(
                f"{name}: momentum: expected a number in [0, 1] or None, got {momentum!r}"
            )
        if eps < 0:
            raise ValueError(f"{name}: eps: expected a non-negative number, got {eps!r}")
        chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=chosen))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_features, dtype=chosen))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(num_features, chosen)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(num_features, chosen)))
            self.register_buffer(
                "num_batches_tracked", Tensor._wrap(np.array(0, dtype=dtypes.int64))
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._write(0)
            self.running_var._write(1)
            self.num_batches_tracked._write(0)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{type(self).__name__}: input: expected a Tensor, got {type(input).__name__}"
            )
        if input.ndim not in self._ranks:
            expected = " or ".join(f"{rank}-d" for rank in self._ranks)
            raise ValueError(
                f"{type(self).__name__}: input: expected {expected} input, got shape {input.shape}"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: input: expected {self.num_features} channels in dim 1, "
                f"got shape {input.shape}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        updating = self.training and self.track_running_stats
        if updating:
            # Counted before the update, so momentum=None gives the cumulative mean
            # with weight 1/n for the n-th batch.
            tracked = self.num_batches_tracked._data + 1
            if self.momentum is None:
                momentum = 1.0 / float(tracked)
        output = F.batch_norm(
            input,
            self.running_mean if updating or not self.training else None,
            self.running_var if updating or not self.training else None,
            self.weight,
            self.bias,
            training=self.training or not self.track_running_stats,
            momentum=momentum,
            eps=self.eps,
        )
        if updating:
            self.num_batches_tracked._write(tracked)
        return output

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` input over N (and L).

    y = (x - E[x]) / √(Var[x] + eps) · weight + bias, with batch statistics in
    training (the running ones updated with ``momentum``, or as a cumulative mean when
    ``momentum=None``) and running statistics in eval mode. ``affine=False`` drops
    weight and bias, the keyword ``bias=False`` only the bias (as in PyTorch 2.13).

    >>> import minigrad as mg
    >>> bn = mg.nn.BatchNorm1d(3)
    >>> bn(mg.randn(4, 3)).shape
    (4, 3)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` input over N, H, W (see BatchNorm1d).

    >>> import minigrad as mg
    >>> mg.nn.BatchNorm2d(2)(mg.randn(3, 2, 4, 4)).shape
    (3, 2, 4, 4)
    """

    _ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` input over N, D, H, W.

    >>> import minigrad as mg
    >>> mg.nn.BatchNorm3d(2)(mg.randn(2, 2, 2, 2, 2)).shape
    (2, 2, 2, 2, 2)
    """

    _ranks = (5,)
