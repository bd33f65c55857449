"""Adagrad (Duchi, Hazan & Singer, 2011), with PyTorch's learning-rate decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.optim._checks import BUFFER, COUNT, check_hyperparameter
from minigrad.optim.optimizer import Optimizer, gradients, new_buffer, steepest


class Adagrad(Optimizer):
    """Adagrad, from "Adaptive subgradient methods for online learning and stochastic
    optimization": each coordinate's step shrinks with its summed squared gradients.

    Per step t, for each parameter p with gradient g (``-g`` if ``maximize``):

    ```text
    g = g + weight_decay * p
    lr_t = lr / (1 + (t - 1) lr_decay)
    s = s + g²
    p = p - lr_t g / (√s + eps)
    ```

    The state holds ``step`` and ``sum`` (s, starting at ``initial_accumulator_value``),
    made when the optimiser is built, as PyTorch makes them.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0], dtype=mg.float64))
    >>> opt = mg.optim.Adagrad([w], lr=0.5)
    >>> (w * 3).sum().backward(); opt.step()
    >>> round(w.item(), 6)
    0.5
    """

    _state_entries = {"step": COUNT, "sum": BUFFER}

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param] = self._initial_state(param, group)

    @staticmethod
    def _initial_state(param: Any, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "sum": new_buffer(param, group["initial_accumulator_value"])}

    def _check_group(self, group: dict[str, Any], where: str) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_hyperparameter(where, name, group[name])

    def step(self) -> None:
        """Update every parameter that has a gradient; if any check fails, none."""
        self._check_step()
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for param, grad in gradients(group["params"]):
                grad = steepest(grad, group["maximize"])
                # A parameter added by add_param_group, or a state dict without it.
                state = self.state.get(param) or self._initial_state(param, group)
                self.state[param] = state
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param._data
                step_size = lr / (1 + (state["step"] - 1) * lr_decay)
                total = state["sum"]
                total._write(total._data + grad * grad)
                param._write(param._data - step_size * (grad / (np.sqrt(total._data) + eps)))
