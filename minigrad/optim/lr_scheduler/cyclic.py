"""Cyclical schedules: ``OneCycleLR`` (Smith & Topin, "Super-convergence") and
``CyclicLR`` (Smith, "Cyclical learning rates for training neural networks"). Both
also cycle the momentum (SGD's and RMSprop's ``momentum``, Adam's ``beta1``) the
other way round, when ``cycle_momentum`` is true.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

from minigrad.optim.lr_scheduler.base import (
    LRScheduler,
    check_int,
    check_number,
    check_optimizer,
    per_group,
)
from minigrad.optim.optimizer import Optimizer

__all__ = ["CyclicLR", "OneCycleLR"]


def _momentum_key(name: str, optimizer: Optimizer) -> bool:
    """Whether the optimiser's momentum is ``betas[0]`` (else ``momentum``)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            f"{name}: cycle_momentum=True: expected an optimizer with a 'momentum' or "
            f"'betas' hyperparameter, got {type(optimizer).__name__} (pass "
            "cycle_momentum=False)"
        )
    return "betas" in optimizer.defaults


def _set_momentum(group: dict[str, Any], value: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class OneCycleLR(LRScheduler):
    """The one-cycle policy: the rate rises from ``max_lr / div_factor`` to ``max_lr``
    over the first ``pct_start`` of ``total_steps`` steps, then falls to
    ``initial_lr / final_div_factor``; with ``three_phase``, it first comes back down
    to the initial rate (by ``2 pct_start``), then falls. Each phase anneals by
    ``cos`` (``end + (start - end)(1 + cos(π t))/2``) or linearly, ``t`` going from 0
    to 1 over the phase. It is stepped after every batch.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1, momentum=0.9)
    >>> scheduler = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=4)
    >>> group = opt.param_groups[0]
    >>> scheduler.get_last_lr(), group["momentum"]
    ([0.04], 0.95)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        check_optimizer(name, optimizer)
        if total_steps is not None:
            check_int(name, "total_steps", total_steps, low=1)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            check_int(name, "epochs", epochs, low=1)
            check_int(name, "steps_per_epoch", steps_per_epoch, low=1)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(
                f"{name}: expected total_steps, or both epochs and steps_per_epoch; got "
                f"total_steps=None, epochs={epochs}, steps_per_epoch={steps_per_epoch}"
            )
        # PyTorch takes a float only (pct_start=1 is refused).
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start: expected a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy: expected 'cos' or 'linear', got {anneal_strategy!r}"
            )
        check_number(name, "div_factor", div_factor, 0.0)
        check_number(name, "final_div_factor", final_div_factor, 0.0)
        if div_factor == 0 or final_div_factor == 0:
            raise ValueError(f"{name}: div_factor and final_div_factor: expected positive numbers")
        max_lrs = per_group(name, "max_lr", optimizer, max_lr)
        for position, value in enumerate(max_lrs):
            check_number(name, f"max_lr[{position}]", value, 0.0)
        if cycle_momentum:
            use_beta1 = _momentum_key(name, optimizer)
            max_momentums = per_group(name, "max_momentum", optimizer, max_momentum)
            base_momentums = per_group(name, "base_momentum", optimizer, base_momentum)
            for position, (high, low) in enumerate(zip(max_momentums, base_momentums)):
                check_number(name, f"max_momentum[{position}]", high, 0.0)
                check_number(name, f"base_momentum[{position}]", low, 0.0)
        # Everything is checked: the groups change from here on.
        self._schedule_phases = self._phases(self.total_steps, pct_start, three_phase)
        self._anneal_func_type = anneal_strategy
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:  # use_beta1 only then, as in PyTorch's state dict
            self.use_beta1 = use_beta1
            if last_epoch == -1:
                groups = optimizer.param_groups
                for group, high, low in zip(groups, max_momentums, base_momentums, strict=True):
                    _set_momentum(group, high, use_beta1)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _phases(total: int, pct_start: float, three_phase: bool) -> list[dict[str, Any]]:
        """Each phase: its last step, and the group entries it anneals between."""

        def phase(end: float, lr: tuple[str, str], momentum: tuple[str, str]) -> dict[str, Any]:
            return {
                "end_step": end,
                "start_lr": lr[0],
                "end_lr": lr[1],
                "start_momentum": momentum[0],
                "end_momentum": momentum[1],
            }

        rise = float(pct_start * total) - 1
        if three_phase:
            return [
                phase(rise, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum")),
                phase(
                    float(2 * pct_start * total) - 2,
                    ("max_lr", "initial_lr"),
                    ("base_momentum", "max_momentum"),
                ),
                phase(total - 1, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum")),
            ]
        return [
            phase(rise, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum")),
            phase(total - 1, ("max_lr", "min_lr"), ("base_momentum", "max_momentum")),
        ]

    def _anneal(self, start: float, end: float, fraction: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self) -> list[float]:
        """The rates for step ``last_epoch``, annealed within its phase of the cycle (and
        the momentums, with ``cycle_momentum``); past ``total_steps`` a ValueError.
        """
        self._warn_if_called_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {step} times, past total_steps={self.total_steps}"
            )
        rates = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for position, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or position == last:
                    fraction = (step - start_step) / (end_step - start_step)
                    rate = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], fraction)
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], fraction
                        )
                    break
                start_step = end_step
            rates.append(rate)
            if self.cycle_momentum:
                _set_momentum(group, momentum, self.use_beta1)
        return rates

    def step(self, epoch: int | None = None) -> None:
        """Move to the next batch; refused past ``total_steps``, changing nothing."""
        next_step = self.last_epoch + 1 if epoch is None else epoch
        if isinstance(next_step, int) and next_step > self.total_steps:
            raise ValueError(
                f"OneCycleLR.step: stepped {next_step} times, past total_steps={self.total_steps}"
            )
        super().step(epoch)


_MODES = ("triangular", "triangular2", "exp_range")


class CyclicLR(LRScheduler):
    """Cycle the rate between ``base_lr`` and ``max_lr``: up over ``step_size_up``
    steps, down over ``step_size_down`` (default: the same). The cycle's height is
    scaled by 1 (``"triangular"``), by half each cycle (``"triangular2"``), by
    ``gamma ** step`` (``"exp_range"``), or by ``scale_fn``. Stepped after every batch.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1, momentum=0.9)
    >>> scheduler = mg.optim.lr_scheduler.CyclicLR(opt, 0.0, 1.0, step_size_up=2)
    >>> rates = []
    >>> for _ in range(4):
    ...     opt.step(); scheduler.step(); rates += scheduler.get_last_lr()
    >>> rates
    [0.5, 1.0, 0.5, 0.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float = 0.8,
        max_momentum: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        name = "CyclicLR"
        check_optimizer(name, optimizer)
        base_lrs = per_group(name, "base_lr", optimizer, base_lr)
        max_lrs = per_group(name, "max_lr", optimizer, max_lr)
        for position, (low, high) in enumerate(zip(base_lrs, max_lrs)):
            check_number(name, f"base_lr[{position}]", low, 0.0)
            check_number(name, f"max_lr[{position}]", high, 0.0)
        check_number(name, "step_size_up", step_size_up, 0.0)
        down = step_size_up if step_size_down is None else step_size_down
        check_number(name, "step_size_down", down, 0.0)
        if step_size_up + down <= 0:
            raise ValueError(f"{name}: step_size_up + step_size_down: expected > 0")
        if scale_fn is None and mode not in _MODES:
            raise ValueError(
                f"{name}: mode: expected one of {', '.join(map(repr, _MODES))} (or a "
                f"scale_fn), got {mode!r}"
            )
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(
                f"{name}: scale_fn: expected a function, got {type(scale_fn).__name__}"
            )
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"{name}: scale_mode: expected 'cycle' or 'iterations', got {scale_mode!r}"
            )
        check_number(name, "gamma", gamma)
        if cycle_momentum:
            use_beta1 = _momentum_key(name, optimizer)
            base_momentums = per_group(name, "base_momentum", optimizer, base_momentum)
            max_momentums = per_group(name, "max_momentum", optimizer, max_momentum)
        # Everything is checked: the groups change from here on.
        if last_epoch == -1:
            for group, low in zip(optimizer.param_groups, base_lrs, strict=True):
                group["lr"] = low
        self.max_lrs = max_lrs
        self.total_size = float(step_size_up) + float(down)
        self.step_ratio = float(step_size_up) / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:  # these only then, as in PyTorch's state dict
            self.use_beta1 = use_beta1
            self.base_momentums = base_momentums
            self.max_momentums = max_momentums
            if last_epoch == -1:
                for group, high, low in zip(
                    optimizer.param_groups, max_momentums, base_momentums, strict=True
                ):
                    _set_momentum(group, high, use_beta1)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The height of the cycle ``x`` (or of the step ``x``, by ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return float(1 / (2.0 ** (x - 1)))
        return float(self.gamma**x)

    def get_lr(self) -> list[float]:
        """The rates for step ``last_epoch``: base_lr + (max_lr - base_lr) times the
        triangle's height and ``scale_fn`` (and the momentums, with ``cycle_momentum``).
        """
        self._warn_if_called_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        rates = [
            low + (high - low) * scale_factor * scale
            for low, high in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            for group, low, high in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums, strict=True
            ):
                _set_momentum(group, high - (high - low) * scale_factor * scale, self.use_beta1)
        return rates

    def state_dict(self) -> dict[str, Any]:
        """The base's state dict, with a callable object ``scale_fn``'s attributes (a
        function's cannot be saved: None).
        """
        state = super().state_dict()
        custom = self._scale_fn_custom
        # A function cannot be saved; a callable object's attributes can.
        keep = custom is not None and not isinstance(custom, types.FunctionType)
        state["_scale_fn_custom"] = dict(vars(custom)) if keep else None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what [`state_dict`][] saved, the custom ``scale_fn``'s attributes
        included.
        """
        checked = self._checked_state(state_dict)
        attributes = checked.pop("_scale_fn_custom", None)
        self.__dict__.update(checked)
        if attributes is not None and self._scale_fn_custom is not None:
            vars(self._scale_fn_custom).update(attributes)
