"""``InstanceNorm1d/2d/3d``, ``LayerNorm`` and ``GroupNorm``: normalisation of each
sample by statistics of its own, in training and in eval mode alike (unless an
instance norm tracks running statistics).

Ulyanov et al. (2016), "Instance normalization: the missing ingredient for fast
stylization"; Ba et al. (2016), "Layer normalization"; Wu & He (2018), "Group
normalization".
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks, devices, dtypes
from minigrad.functional import norms as F
from minigrad.functional._arguments import check_flag, check_number, check_tensor
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


def _check_eps(eps: Any, name: str) -> Any:
    value = check_number(eps, "eps", name)
    if value < 0:
        raise ValueError(f"{name}: eps: expected a non-negative number, got {eps!r}")
    return eps  # as given (an int stays an int), for the repr, as PyTorch


def _dtype(dtype: Any, device: Any) -> np.dtype[Any]:
    if device is not None:
        devices.as_device(device)
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)


class _InstanceNorm(Module):
    """Shared by the three ranks; subclasses say how many spatial dims they take."""

    _spatial = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
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
        if momentum is not None:
            check_number(momentum, "momentum", name)
        chosen = _dtype(dtype, device)
        self.num_features = int(num_features)
        self.eps = _check_eps(eps, name)
        self.momentum = momentum
        self.affine = check_flag(affine, "affine", name)
        self.track_running_stats = check_flag(track_running_stats, "track_running_stats", name)
        check_flag(bias, "bias", name)
        features = self.num_features
        if self.affine:
            self.weight = Parameter(np.empty(features, dtype=chosen))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.empty(features, dtype=chosen))
        else:
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(features, chosen)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(features, chosen)))
            self.register_buffer(
                "num_batches_tracked", Tensor._wrap(np.array(0, dtype=dtypes.int64))
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted."""
        if self.track_running_stats:
            self.running_mean._write(0)
            self.running_var._write(1)
            self.num_batches_tracked._write(0)

    def reset_parameters(self) -> None:
        """The running statistics reset; weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name = type(self).__name__
        check_tensor(input, "input", name, floating=False)
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(
                f"{name}: input: expected {unbatched}-d (unbatched) or {unbatched + 1}-d input, "
                f"got shape {input.shape}"
            )
        feature_dim = input.ndim - unbatched
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"{name}: input: expected {self.num_features} channels (num_features) in "
                    f"dim {feature_dim}, got shape {input.shape}"
                )
            warnings.warn(
                f"{name}: input's size at dim={feature_dim} ({input.shape[feature_dim]}) does "
                f"not match num_features ({self.num_features}); with affine=False "
                "num_features is not used, so give the input's channel count to silence "
                "this warning",
                UserWarning,
                stacklevel=2,
            )
        batched = input.unsqueeze(0) if input.ndim == unbatched else input
        # As PyTorch: momentum=None leaves the running statistics as they are, and
        # instance norm counts no batches in num_batches_tracked.
        output = F.instance_norm(
            batched,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return output.squeeze(0) if batched is not input else output

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` or unbatched ``(C, L)`` input over L.

    y = (x - E[x]) / √(Var[x] + eps) · weight + bias, the statistics per sample and
    channel (biased variance). ``affine=True`` adds a per-channel weight (ones) and
    bias (zeros); ``track_running_stats=True`` keeps running statistics (updated with
    ``momentum`` in training, used in eval mode).

    >>> import minigrad as mg
    >>> mg.nn.InstanceNorm1d(3)(mg.randn(2, 3, 5)).shape
    (2, 3, 5)
    >>> mg.nn.InstanceNorm1d(3, affine=True)
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=False)
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` or ``(C, H, W)`` input over H, W (see
    InstanceNorm1d).

    >>> import minigrad as mg
    >>> norm = mg.nn.InstanceNorm2d(2, track_running_stats=True)
    >>> norm(mg.randn(3, 2, 4, 4)).shape
    (3, 2, 4, 4)
    >>> list(norm.state_dict())
    ['running_mean', 'running_var', 'num_batches_tracked']
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input over D, H, W.

    >>> import minigrad as mg
    >>> mg.nn.InstanceNorm3d(2)(mg.randn(2, 2, 2, 2, 2)).shape
    (2, 2, 2, 2, 2)
    """

    _spatial = 3


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` dims: ``(*, *D) -> (*, *D)``.

    y = (x - E[x]) / √(Var[x] + eps) · weight + bias, the statistics over the last
    ``len(D)`` dims of each sample (biased variance); ``weight`` (ones) and ``bias``
    (zeros) have shape ``D`` and act elementwise (``elementwise_affine=False`` drops
    both, ``bias=False`` the bias).

    >>> import minigrad as mg
    >>> norm = mg.nn.LayerNorm(4)
    >>> norm, norm(mg.randn(2, 3, 4)).shape
    (LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True), (2, 3, 4))
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if _checks.is_int(normalized_shape):
            shape: tuple[Any, ...] = (normalized_shape,)
        elif isinstance(normalized_shape, Sequence) and not isinstance(normalized_shape, str):
            shape = tuple(normalized_shape)
        else:
            raise TypeError(
                "LayerNorm: normalized_shape: expected an int or a tuple of ints, got "
                f"{type(normalized_shape).__name__} {normalized_shape!r}"
            )
        if not shape or not all(_checks.is_int(size) and size >= 0 for size in shape):
            raise ValueError(
                "LayerNorm: normalized_shape: expected a non-negative int or a non-empty "
                f"tuple of them, got {normalized_shape!r}"
            )
        chosen = _dtype(dtype, device)
        self.normalized_shape = tuple(int(size) for size in shape)
        self.eps = _check_eps(eps, "LayerNorm")
        self.elementwise_affine = check_flag(elementwise_affine, "elementwise_affine", "LayerNorm")
        check_flag(bias, "bias", "LayerNorm")
        if self.elementwise_affine:
            self.weight = Parameter(np.empty(self.normalized_shape, dtype=chosen))
        else:
            self.register_parameter("weight", None)
        if self.elementwise_affine and bias:
            self.bias = Parameter(np.empty(self.normalized_shape, dtype=chosen))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, *normalized_shape) -> (*, *normalized_shape)``: each sample normalised over
        its last dims, then scaled and shifted elementwise.
        """
        check_tensor(input, "input", "LayerNorm", floating=False)
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalisation of ``(N, C, *)`` input: ``(N, C, *) -> (N, C, *)``.

    The ``C`` channels form ``num_groups`` groups of ``C / num_groups``; each group of
    each sample is normalised by its own mean and biased variance, then scaled and
    shifted per channel by ``weight`` (ones) and ``bias`` (zeros) when ``affine``
    (the keyword ``bias=False`` drops the bias only).

    >>> import minigrad as mg
    >>> norm = mg.nn.GroupNorm(2, 4)
    >>> norm, norm(mg.randn(3, 4, 5)).shape
    (GroupNorm(2, 4, eps=1e-05, affine=True, bias=True), (3, 4, 5))
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if not _checks.is_int(num_groups) or num_groups < 1:
            raise ValueError(f"GroupNorm: num_groups: expected a positive int, got {num_groups!r}")
        if not _checks.is_int(num_channels) or num_channels < 0:
            raise ValueError(
                f"GroupNorm: num_channels: expected a non-negative int, got {num_channels!r}"
            )
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        chosen = _dtype(dtype, device)
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = _check_eps(eps, "GroupNorm")
        self.affine = check_flag(affine, "affine", "GroupNorm")
        check_flag(bias, "bias", "GroupNorm")
        if self.affine:
            self.weight = Parameter(np.empty(self.num_channels, dtype=chosen))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.empty(self.num_channels, dtype=chosen))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, *) -> (N, C, *)``: each group of ``C / num_groups`` channels normalised
        per sample, then scaled and shifted per channel.
        """
        check_tensor(input, "input", "GroupNorm", floating=False)
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
