"""``LRScheduler``: the base of the learning-rate schedules, and their argument checks.

A schedule owns nothing but numbers: it writes each parameter group's ``"lr"`` at every
``step()``, and its ``state_dict()`` is its attributes minus the optimiser, named as
PyTorch names them (``base_lrs``, ``last_epoch``, ``_step_count``, ``_last_lr``, ...),
so that a schedule saved by one library loads in the other.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from minigrad.optim.optimizer import Optimizer

__all__ = ["LRScheduler"]

# Keys older PyTorch releases kept in a schedule's state dict, with no meaning now.
_RETIRED_KEYS = frozenset({"verbose"})


class LRScheduler:
    """Base class: at each ``step()``, ``last_epoch`` moves on by one and every group's
    ``"lr"`` becomes [`get_lr`][]'s value for it.

    Building one records each group's starting rate as ``"initial_lr"`` (kept if it is
    there already) and takes the first step, to epoch 0. With ``last_epoch >= 0`` (a
    resumed run) the groups must hold ``"initial_lr"`` already.

    Args:
        optimizer: the optimiser whose groups' learning rates it sets.
        last_epoch: the index of the last epoch done; -1 for a fresh start.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.zeros(1))
    >>> optimizer = mg.optim.SGD([w], lr=0.1)
    >>> scheduler = mg.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    >>> optimizer.step(); scheduler.step()
    >>> scheduler.get_last_lr()
    [0.05]
    """

    _is_initial: bool = False
    # ReduceLROnPlateau steps on a metric, not on the epoch count alone.
    _steps_on_metrics: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        check_optimizer(name, optimizer)
        check_int(name, "last_epoch", last_epoch, low=-1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for position, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{name}: param_groups[{position}] has no 'initial_lr', which a "
                        f"resumed schedule (last_epoch={last_epoch}) needs: load the "
                        "optimiser's state dict first, or start with last_epoch=-1"
                    )
        self.optimizer = optimizer
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _count_optimizer_steps(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        """The step to epoch 0 that building a schedule takes."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for the epoch ``last_epoch`` (called by ``step()``; to read the
        current rates, use [`get_last_lr`][]).
        """
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as the last ``step()`` set it."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch (call it after ``optimizer.step()``), or to ``epoch``
        (deprecated in PyTorch, which warns: the closed form is used where there is one).
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            # The same warning as PyTorch's, whose text users filter on.
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call "
                "`optimizer.step()` first: otherwise the schedule's first value is skipped.",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            check_int(type(self).__name__, "epoch", epoch, low=0)
            warnings.warn(
                "The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch); "
                "call `scheduler.step()` without it",
                UserWarning,
                stacklevel=2,
            )
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _warn_if_called_outside_step(self) -> None:
        if not getattr(self, "_get_lr_called_within_step", False):
            warnings.warn(
                "get_lr() computes the next rates; to read the current ones, use `get_last_lr()`",
                UserWarning,
                stacklevel=3,
            )

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimiser, under PyTorch's names."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what [`state_dict`][] (this library's or PyTorch's) saved. Keys
        this schedule does not have are refused, before anything changes.
        """
        self.__dict__.update(self._checked_state(state_dict))

    def _checked_state(self, state_dict: Any) -> dict[str, Any]:
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"{name}.load_state_dict: state_dict: expected a dict, got "
                f"{type(state_dict).__name__}"
            )
        known = set(self.state_dict())
        unknown = sorted(str(key) for key in state_dict if key not in known | _RETIRED_KEYS)
        if unknown:
            raise ValueError(
                f"{name}.load_state_dict: state_dict: unknown keys {unknown}; expected keys "
                f"among {sorted(known)}"
            )
        return {key: value for key, value in state_dict.items() if key not in _RETIRED_KEYS}


def _count_optimizer_steps(optimizer: Optimizer) -> None:
    """Make ``optimizer.step()`` record that it ran, for the warning in ``step()``."""
    if getattr(optimizer.step, "_counted_by_scheduler", False):
        return
    step = optimizer.step

    def counted_step(*args: Any, **kwargs: Any) -> Any:
        optimizer._opt_called = True  # type: ignore[attr-defined]
        return step(*args, **kwargs)

    counted_step._counted_by_scheduler = True  # type: ignore[attr-defined]
    counted_step.__doc__ = step.__doc__
    setattr(optimizer, "step", counted_step)  # noqa: B010 - an instance attribute


# ---- argument checks: each names the schedule, the argument, its value -------------------


def check_optimizer(name: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{name}: optimizer: expected a minigrad.optim.Optimizer, got "
            f"{type(optimizer).__name__}"
        )


def check_int(name: str, argument: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name}: {argument}: expected an int, got {type(value).__name__} {value!r}"
        )
    if value < low:
        raise ValueError(f"{name}: {argument}: expected an int >= {low}, got {value}")


def check_number(
    name: str, argument: str, value: Any, low: float | None = None, high: float | None = None
) -> None:
    """A finite number in ``[low, high]`` (either bound optional)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name}: {argument}: expected a number, got {type(value).__name__}")
    inside = math.isfinite(value) and (low is None or value >= low)
    if not (inside and (high is None or value <= high)):
        low_text = "-inf" if low is None else low
        high_text = "inf" if high is None else high
        raise ValueError(
            f"{name}: {argument}: expected a finite number in [{low_text}, {high_text}], "
            f"got {value}"
        )


def per_group(name: str, argument: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value for each parameter group: a list or tuple as long as the groups, or a
    single value for all of them.
    """
    count = len(optimizer.param_groups)
    if isinstance(value, list | tuple):
        if len(value) != count:
            raise ValueError(
                f"{name}: {argument}: expected {count} values (one per parameter group), "
                f"got {len(value)}"
            )
        return list(value)
    return [value] * count


def check_callables(
    name: str, optimizer: Optimizer, lr_lambda: Any
) -> list[Callable[[int], float]]:
    functions = per_group(name, "lr_lambda", optimizer, lr_lambda)
    for position, function in enumerate(functions):
        if not callable(function):
            raise TypeError(
                f"{name}: lr_lambda[{position}]: expected a function of the epoch, got "
                f"{type(function).__name__}"
            )
    return functions
