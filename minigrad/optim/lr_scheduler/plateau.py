"""``ReduceLROnPlateau``: lower the rate when a metric stops improving."""

from __future__ import annotations

import math
import warnings
from typing import Any

from minigrad.optim.lr_scheduler.base import (
    LRScheduler,
    check_int,
    check_number,
    check_optimizer,
    per_group,
)
from minigrad.optim.optimizer import Optimizer

__all__ = ["ReduceLROnPlateau"]

_MODES = ("min", "max")
_THRESHOLD_MODES = ("rel", "abs")


class ReduceLROnPlateau(LRScheduler):
    """Multiply every group's rate by ``factor`` (never below its ``min_lr``) once the
    metric passed to ``step(metric)`` has not improved for more than ``patience``
    epochs, then wait ``cooldown`` epochs before counting again.

    A value improves on the best one when, in mode ``"min"``, it is below
    ``best · (1 - threshold)`` (``threshold_mode="rel"``) or ``best - threshold``
    (``"abs"``); in mode ``"max"``, above ``best · (1 + threshold)`` or
    ``best + threshold``. A change of a rate smaller than ``eps`` is not made.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0]:
    ...     scheduler.step(loss)
    >>> scheduler.get_last_lr()
    [0.5]
    """

    _steps_on_metrics = True

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        check_optimizer(name, optimizer)
        check_number(name, "factor", factor, 0.0)
        if factor >= 1.0:
            raise ValueError(f"{name}: factor: expected a number < 1.0, got {factor}")
        check_int(name, "patience", patience, low=0)
        check_int(name, "cooldown", cooldown, low=0)
        check_number(name, "threshold", threshold, 0.0)
        check_number(name, "eps", eps, 0.0)
        _check_modes(name, mode, threshold_mode)
        min_lrs = per_group(name, "min_lr", optimizer, min_lr)
        for position, value in enumerate(min_lrs):
            check_number(name, f"min_lr[{position}]", value, 0.0)
        self.factor = factor
        self.optimizer = optimizer
        # A single min_lr also applies to groups added later (as in PyTorch).
        self.default_min_lr = None if isinstance(min_lr, list | tuple) else min_lr
        self.min_lrs = min_lrs
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number, or a one-element tensor), and lower
        the rates if it has not improved for too long.
        """
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: metrics: expected a number, got {type(metrics).__name__}"
            ) from None
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(
                "The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch); "
                "call `scheduler.step(metrics)` without it",
                UserWarning,
                stacklevel=2,
            )
        self._check_groups()
        self.last_epoch = epoch
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in a cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        """Whether the schedule is still waiting out ``cooldown`` after a reduction."""
        return self.cooldown_counter > 0

    def _check_groups(self) -> None:
        """Groups added since the schedule was built get the single ``min_lr``; with a
        list of them, there is none to give, and the step is refused before it counts.
        """
        count = len(self.optimizer.param_groups)
        if len(self.min_lrs) == count:
            return
        if self.default_min_lr is None:
            raise ValueError(
                f"ReduceLROnPlateau.step: the optimizer has {count} parameter groups, but "
                f"min_lrs has {len(self.min_lrs)} entries (a group was added): set "
                "scheduler.min_lrs to one value per group"
            )
        self.min_lrs = [self.default_min_lr] * count

    def _reduce_lr(self) -> None:
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def _is_better(self, value: float) -> bool:
        best, threshold = self.best, self.threshold
        if self.mode == "min":
            bound = best * (1.0 - threshold) if self.threshold_mode == "rel" else best - threshold
            return value < bound
        bound = best * (threshold + 1.0) if self.threshold_mode == "rel" else best + threshold
        return value > bound

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what [`state_dict`][LRScheduler.state_dict] saved, checking ``mode`` and
        ``threshold_mode``.
        """
        checked = self._checked_state(state_dict)
        _check_modes(
            "ReduceLROnPlateau.load_state_dict",
            checked.get("mode", self.mode),
            checked.get("threshold_mode", self.threshold_mode),
        )
        self.__dict__.update(checked)
        self.mode_worse = math.inf if self.mode == "min" else -math.inf


def _check_modes(name: str, mode: Any, threshold_mode: Any) -> None:
    if mode not in _MODES:
        raise ValueError(f"{name}: mode: expected 'min' or 'max', got {mode!r}")
    if threshold_mode not in _THRESHOLD_MODES:
        raise ValueError(
            f"{name}: threshold_mode: expected 'rel' or 'abs', got {threshold_mode!r}"
        )
