"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.optim._checks import BUFFER, check_flag, check_hyperparameter
from minigrad.optim.optimizer import Optimizer, gradients, steepest
from minigrad.tensor import Tensor


class SGD(Optimizer):
    """Gradient descent with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g (``-g`` if ``maximize``), per step:

    ```text
    g = g + weight_decay * p
    b = g                                        (first step)
    b = momentum * b + (1 - dampening) * g       (later steps)
    g = g + momentum * b   if nesterov   else   b      (when momentum != 0)
    p = p - lr * g
    ```

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0]))
    >>> opt = mg.optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data
    tensor([0.])
    """

    _state_entries = {"momentum_buffer": BUFFER}

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], where: str) -> None:
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            check_hyperparameter(where, name, group[name])
        check_flag(where, "nesterov", group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"{where}: nesterov: expected momentum > 0 and dampening = 0 with "
                f"nesterov=True, got momentum={group['momentum']}, "
                f"dampening={group['dampening']}"
            )

    def step(self) -> None:
        """Update every parameter that has a gradient; if any check fails, none."""
        self._check_step()
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for param, grad in gradients(group["params"]):
                grad = steepest(grad, group["maximize"])
                if weight_decay != 0:
                    grad = grad + weight_decay * param._data
                if momentum != 0:
                    buffer = self._update_buffer(param, grad, momentum, dampening)
                    grad = grad + momentum * buffer if nesterov else buffer
                param._write(param._data - lr * grad)  # in place, as PyTorch

    def _update_buffer(
        self, param: Tensor, grad: np.ndarray, momentum: float, dampening: float
    ) -> np.ndarray:
        """The momentum buffer: b = g on the first step, then b = momentum b + (1 - dampening) g.

        The state keeps one tensor per parameter, updated in place (its version moves
        on; ``state_dict()`` copies it).
        """
        state = self.state.setdefault(param, {})
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = Tensor._wrap(np.array(grad, order="C"))
        else:
            buffer = state["momentum_buffer"]
            buffer._write(momentum * buffer._data + (1 - dampening) * grad)
        array: np.ndarray = state["momentum_buffer"]._data
        return array
