"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.optim.optimizer import Optimizer, check_hyperparameter, gradients
from minigrad.tensor import Tensor


class SGD(Optimizer):
    """Gradient descent with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g, per step:

    .. code-block:: text

        g = g + weight_decay * p
        b = g                                        (first step)
        b = momentum * b + (1 - dampening) * g       (later steps)
        g = g + momentum * b   if nesterov   else   b      (when momentum != 0)
        p = p - lr * g

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0]))
    >>> opt = mg.optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data
    array([0.], dtype=float32)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            check_hyperparameter("SGD", name, group[name])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov: expected momentum > 0 and dampening = 0 with nesterov=True, "
                f"got momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            for param, grad in gradients(group["params"]):
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * param.data
                if momentum != 0:
                    state = self.state.setdefault(param, {})
                    if "momentum_buffer" not in state:
                        buffer = grad.copy()
                    else:
                        previous = state["momentum_buffer"].data
                        buffer = momentum * previous + (1 - group["dampening"]) * grad
                    state["momentum_buffer"] = Tensor._wrap(buffer)
                    grad = grad + momentum * buffer if group["nesterov"] else buffer
                param.data = np.asarray(param.data - lr * grad, dtype=param.dtype)
