"""Adadelta (Zeiler, 2012)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.optim._checks import BUFFER, COUNT, check_hyperparameter
from minigrad.optim.optimizer import Optimizer, gradients, new_buffer, steepest


class Adadelta(Optimizer):
    """Adadelta, from "ADADELTA: an adaptive learning rate method": the step is scaled
    by the ratio of running root mean squares of past updates and past gradients.

    Per step, for each parameter p with gradient g (``-g`` if ``maximize``):

    ```text
    g = g + weight_decay * p
    v = ρ v + (1 - ρ) g²
    Δ = √(u + eps) / √(v + eps) · g
    u = ρ u + (1 - ρ) Δ²
    p = p - lr Δ
    ```

    The state holds ``step``, ``square_avg`` (v) and ``acc_delta`` (u).

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0], dtype=mg.float64))
    >>> opt = mg.optim.Adadelta([w], rho=0.0, eps=1.0)
    >>> (w * 0).sum().backward(); opt.step()
    >>> w.item()
    1.0
    """

    _state_entries = {"step": COUNT, "square_avg": BUFFER, "acc_delta": BUFFER}

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], where: str) -> None:
        for name in ("lr", "eps", "weight_decay"):
            check_hyperparameter(where, name, group[name])
        # PyTorch takes rho in [0, 1]: rho = 1 never updates, but is allowed.
        rho = group["rho"]
        check_hyperparameter(where, "rho", rho)
        if rho > 1:
            raise ValueError(f"{where}: rho: expected a value in [0.0, 1.0], got {rho}")

    def step(self) -> None:
        """Update every parameter that has a gradient; if any check fails, none."""
        self._check_step()
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay = group["weight_decay"]
            for param, grad in gradients(group["params"]):
                grad = steepest(grad, group["maximize"])
                state = self.state.setdefault(param, {})
                if not state:
                    state.update(step=0, square_avg=new_buffer(param), acc_delta=new_buffer(param))
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param._data
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg._write(rho * square_avg._data + (1 - rho) * grad * grad)
                std = np.sqrt(square_avg._data + eps)
                delta = np.sqrt(acc_delta._data + eps) / std * grad
                acc_delta._write(rho * acc_delta._data + (1 - rho) * delta * delta)
                param._write(param._data - lr * delta)
