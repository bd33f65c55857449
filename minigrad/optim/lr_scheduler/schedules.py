"""The schedules of a fixed form: step, multi-step, exponential, cosine, linear,
constant, and those given by a function of the epoch; and a sequence of schedules.

Each ``get_lr`` updates the rates from their current values (the "chainable" form, as
PyTorch's, so that two schedules on one optimiser compose, and so that the rates are
PyTorch's to the last bit); ``_get_closed_form_lr`` computes them from ``base_lrs``
for ``step(epoch)``.
"""

from __future__ import annotations

import bisect
import math
import types
from collections import Counter
from collections.abc import Callable
from typing import Any

from minigrad.optim.lr_scheduler.base import (
    LRScheduler,
    check_callables,
    check_int,
    check_number,
    check_optimizer,
)
from minigrad.optim.optimizer import Optimizer

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "SequentialLR",
    "StepLR",
]


def _current(scheduler: LRScheduler) -> list[float]:
    return [group["lr"] for group in scheduler.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs:
    ``lr = base_lr · gamma ** (epoch // step_size)``.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> rates = []
    >>> for _ in range(4):
    ...     opt.step(); scheduler.step(); rates += scheduler.get_last_lr()
    >>> rates
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        check_int("StepLR", "step_size", step_size, low=1)
        check_number("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: the current ones, times ``gamma`` every
        ``step_size`` epochs.
        """
        self._warn_if_called_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current(self)
        return [lr * self.gamma for lr in _current(self)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch (by ``gamma ** n`` for a
    milestone listed n times): ``lr = base_lr · gamma ** (milestones passed)``.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> rates = []
    >>> for _ in range(4):
    ...     opt.step(); scheduler.step(); rates += scheduler.get_last_lr()
    >>> rates
    [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, milestones: Any, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(milestones, str | bytes) or not hasattr(milestones, "__iter__"):
            raise TypeError(
                f"MultiStepLR: milestones: expected an iterable of ints, got "
                f"{type(milestones).__name__}"
            )
        milestones = list(milestones)
        for position, milestone in enumerate(milestones):
            check_int("MultiStepLR", f"milestones[{position}]", milestone, low=0)
        check_number("MultiStepLR", "gamma", gamma)
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: the current ones, times ``gamma`` per milestone
        at that epoch.
        """
        self._warn_if_called_outside_step()
        if self.last_epoch not in self.milestones:
            return _current(self)
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in _current(self)]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what [`state_dict`][LRScheduler.state_dict] saved, the milestones as a
        Counter again.
        """
        checked = self._checked_state(state_dict)
        if "milestones" in checked:
            # A file gives a plain dict back (its keys possibly strings); counts needed.
            saved = checked["milestones"]
            if not isinstance(saved, dict):
                raise TypeError(
                    "MultiStepLR.load_state_dict: milestones: expected a dict of counts, got "
                    f"{type(saved).__name__}"
                )
            checked["milestones"] = Counter({int(k): int(v) for k, v in saved.items()})
        self.__dict__.update(checked)

    def _get_closed_form_lr(self) -> list[float]:
        passed = bisect.bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch: ``lr = base_lr · gamma ** epoch``.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> opt.step(); scheduler.step(); scheduler.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        check_number("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: the current ones, times ``gamma``."""
        self._warn_if_called_outside_step()
        # A resumed schedule's first step (in the constructor) stays where it is.
        if self._is_initial:
            return _current(self)
        return [lr * self.gamma for lr in _current(self)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov & Hutter, "SGDR"), without restarts: over ``T_max``
    epochs from ``base_lr`` down to ``eta_min``, then back up, periodically:
    ``lr = eta_min + (base_lr - eta_min) (1 + cos(π epoch / T_max)) / 2``.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> opt.step(); scheduler.step(); tuple(round(lr, 12) for lr in scheduler.get_last_lr())
    (0.5,)
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        check_number("CosineAnnealingLR", "T_max", T_max)
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max: expected a positive number, got {T_max}")
        check_number("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``, one cosine-annealing step on from the current ones."""
        self._warn_if_called_outside_step()
        epoch, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _current(self)
        if self._step_count == 1 and epoch > 0:
            # Resumed at a later epoch: no current rate to update from.
            return [
                low + (base - low) * (1 + math.cos(epoch * math.pi / period)) / 2
                for base in self.base_lrs
            ]
        if (epoch - 1 - period) % (2 * period) == 0:
            # At the bottom of the cosine the ratio below is 0/0: step up by its
            # first increment instead.
            return [
                lr + (base - low) * (1 - math.cos(math.pi / period)) / 2
                for lr, base in zip(_current(self), self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (
            1 + math.cos(math.pi * (epoch - 1) / period)
        )
        return [ratio * (lr - low) + low for lr in _current(self)]

    def _get_closed_form_lr(self) -> list[float]:
        phase = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * (1 + phase) / 2 for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate by a factor going linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs, then constant:
    ``lr = base_lr · (start + (end - start) · min(epoch, total_iters) / total_iters)``.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> opt.step(); scheduler.step(); scheduler.get_last_lr()
    [0.75]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        check_number("LinearLR", "start_factor", start_factor, 0.0, 1.0)
        if start_factor == 0:
            raise ValueError("LinearLR: start_factor: expected a number in (0, 1], got 0")
        check_number("LinearLR", "end_factor", end_factor, 0.0, 1.0)
        check_int("LinearLR", "total_iters", total_iters, low=1)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: the current ones, moved one step of the linear
        factor from ``start_factor`` towards ``end_factor``.
        """
        self._warn_if_called_outside_step()
        start, end = self.start_factor, self.end_factor
        if self.last_epoch == 0:
            return [lr * start for lr in _current(self)]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current(self)
        # The ratio of this epoch's factor to the last one's.
        ratio = 1.0 + (end - start) / (
            self.total_iters * start + (self.last_epoch - 1) * (end - start)
        )
        return [lr * ratio for lr in _current(self)]

    def _get_closed_form_lr(self) -> list[float]:
        done = min(self.total_iters, self.last_epoch)
        factor = (
            self.start_factor + (self.end_factor - self.start_factor) * done / self.total_iters
        )
        return [base * factor for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """Scale the rate by ``factor`` for the first ``total_iters`` epochs, then not:
    ``lr = base_lr · (factor if epoch < total_iters else 1)``.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=1)
    >>> rates = scheduler.get_last_lr()
    >>> opt.step(); scheduler.step(); rates + scheduler.get_last_lr()
    [0.5, 1.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        check_number("ConstantLR", "factor", factor, 0.0, 1.0)
        if factor == 0:
            # Undoing the factor at total_iters divides by it.
            raise ValueError("ConstantLR: factor: expected a number in (0, 1], got 0")
        check_int("ConstantLR", "total_iters", total_iters, low=0)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: times ``factor`` at epoch 0, back to the base
        rates at ``total_iters``.
        """
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in _current(self)]
        if self.last_epoch != self.total_iters:
            return _current(self)
        return [lr * (1.0 / self.factor) for lr in _current(self)]

    def _get_closed_form_lr(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [base * (self.factor + done * (1 - self.factor)) for base in self.base_lrs]


class _FunctionSchedule(LRScheduler):
    """A schedule given by functions of the epoch, one per group. Its state dict
    leaves the functions out (they cannot be saved), keeping the attributes of a
    callable object, as PyTorch does.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        check_optimizer(type(self).__name__, optimizer)
        self.lr_lambdas: list[Callable[[int], float]] = check_callables(
            type(self).__name__, optimizer, lr_lambda
        )
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(function, types.FunctionType) else dict(vars(function))
            for function in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        checked = self._checked_state(state_dict)
        saved = checked.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        if not isinstance(saved, list | tuple) or len(saved) != len(self.lr_lambdas):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: lr_lambdas: expected a list of "
                f"{len(self.lr_lambdas)} entries (None or a dict of attributes), got {saved!r}"
            )
        self.__dict__.update(checked)
        for function, attributes in zip(self.lr_lambdas, saved, strict=True):
            if attributes is not None:
                vars(function).update(attributes)


class LambdaLR(_FunctionSchedule):
    """Set the rate to the base rate times a function of the epoch:
    ``lr = base_lr · lr_lambda(epoch)`` (one function, or one per group).

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
    >>> opt.step(); scheduler.step(); scheduler.get_last_lr()
    [0.5]
    """

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: each group's base rate times its
        ``lr_lambda(last_epoch)``.
        """
        self._warn_if_called_outside_step()
        return [
            base * function(self.last_epoch)
            for function, base in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class MultiplicativeLR(_FunctionSchedule):
    """Multiply the rate by a function of the epoch at every step:
    ``lr = lr · lr_lambda(epoch)`` (one function, or one per group).

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> scheduler = mg.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.5)
    >>> opt.step(); scheduler.step(); scheduler.get_last_lr()
    [0.5]
    """

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch``: the current ones, times each group's
        ``lr_lambda(last_epoch)``.
        """
        self._warn_if_called_outside_step()
        if self._is_initial:
            return _current(self)
        return [
            lr * function(self.last_epoch)
            for function, lr in zip(self.lr_lambdas, _current(self), strict=True)
        ]


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until the first milestone epoch, then ``schedulers[1]``
    (restarted at its epoch 0) until the next, and so on.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    >>> warmup = mg.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=10)
    >>> decay = mg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> scheduler = mg.optim.lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[1])
    >>> rates = scheduler.get_last_lr()
    >>> for _ in range(2):
    ...     opt.step(); scheduler.step(); rates += scheduler.get_last_lr()
    >>> rates
    [0.5, 1.0, 0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        check_optimizer("SequentialLR", optimizer)
        if not isinstance(schedulers, list | tuple) or not schedulers:
            raise ValueError(
                f"SequentialLR: schedulers: expected a non-empty list of schedules, got "
                f"{schedulers!r}"
            )
        for position, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or scheduler._steps_on_metrics:
                raise TypeError(
                    f"SequentialLR: schedulers[{position}]: expected an epoch schedule (not "
                    f"ReduceLROnPlateau), got {type(scheduler).__name__}"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedulers[{position}]: expected a schedule of the same "
                    "optimizer, got one of another"
                )
        if not isinstance(milestones, list | tuple) or len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: milestones: expected {len(schedulers) - 1} milestones (one "
                f"fewer than the schedules), got {milestones!r}"
            )
        for position, milestone in enumerate(milestones):
            check_int("SequentialLR", f"milestones[{position}]", milestone, low=0)
        check_int("SequentialLR", "last_epoch", last_epoch, low=-1)
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Each schedule took its first step when it was built; undo them, and start
        # the one meant for epoch 0 afresh.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Move to the next epoch, with the schedule in charge of it."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)  # a schedule takes over at its own epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimiser, with the state dict of each scheduler in
        ``_schedulers``, as PyTorch's.
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what [`state_dict`][] saved, each scheduler's state included."""
        checked = self._checked_state(state_dict)
        saved = checked.pop("_schedulers", None)
        if not isinstance(saved, list | tuple) or len(saved) != len(self._schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: _schedulers: expected {len(self._schedulers)} "
                f"state dicts, got {saved!r}"
            )
        for scheduler, state in zip(self._schedulers, saved, strict=True):
            scheduler._checked_state(state)
        self.__dict__.update(checked)
        for scheduler, state in zip(self._schedulers, saved, strict=True):
            scheduler.load_state_dict(state)
