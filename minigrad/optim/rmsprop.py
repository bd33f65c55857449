"""RMSprop (Hinton's lecture 6e), with PyTorch's momentum and centred variants."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.optim._checks import BUFFER, COUNT, check_flag, check_hyperparameter
from minigrad.optim.optimizer import Optimizer, gradients, new_buffer, steepest
from minigrad.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of its recent values.

    Per step, for each parameter p with gradient g (``-g`` if ``maximize``):

    ```text
    g = g + weight_decay * p
    v = α v + (1 - α) g²
    ḡ = ḡ + (1 - α)(g - ḡ);  r = √(v - ḡ²) + eps    (centered)
    r = √v + eps                                   (otherwise)
    b = momentum b + g / r;  p = p - lr b          (momentum > 0)
    p = p - lr g / r                               (otherwise)
    ```

    The state holds ``step``, ``square_avg`` (v), and ``momentum_buffer`` (b) and
    ``grad_avg`` (ḡ) when they are used, as PyTorch names them.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0], dtype=mg.float64))
    >>> opt = mg.optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * 2).sum().backward(); opt.step()
    >>> round(w.item(), 6)
    0.98
    """

    _state_entries = {
        "step": COUNT,
        "square_avg": BUFFER,
        "momentum_buffer": BUFFER,
        "grad_avg": BUFFER,
    }

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], where: str) -> None:
        for name in ("lr", "eps", "weight_decay", "momentum", "alpha"):
            check_hyperparameter(where, name, group[name])
        check_flag(where, "centered", group["centered"])

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        # momentum_buffer and grad_avg are made when first needed, so that momentum or
        # centering may be switched on between steps.
        return ("step", "square_avg")

    def step(self) -> None:
        """Update every parameter that has a gradient; if any check fails, none."""
        self._check_step()
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, weight_decay = group["momentum"], group["weight_decay"]
            for param, grad in gradients(group["params"]):
                grad = steepest(grad, group["maximize"])
                if weight_decay != 0:
                    grad = grad + weight_decay * param._data
                state = self.state.setdefault(param, {})
                if not state:
                    state.update(step=0, square_avg=new_buffer(param))
                state["step"] += 1
                square_avg: Tensor = state["square_avg"]
                square_avg._write(alpha * square_avg._data + (1 - alpha) * grad * grad)
                if group["centered"]:
                    grad_avg = state.setdefault("grad_avg", new_buffer(param))
                    grad_avg._write(lerp(grad_avg._data, grad, 1 - alpha))
                    root = np.sqrt(square_avg._data - grad_avg._data**2) + eps
                else:
                    root = np.sqrt(square_avg._data) + eps
                if momentum > 0:
                    buffer = state.setdefault("momentum_buffer", new_buffer(param))
                    buffer._write(momentum * buffer._data + grad / root)
                    param._write(param._data - lr * buffer._data)
                else:
                    param._write(param._data - lr * (grad / root))


def lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start + weight (end - start)``, rounded as PyTorch's ``lerp`` rounds it: from
    the nearer end, so that weight 1 gives ``end`` exactly.
    """
    if weight < 0.5:
        result: np.ndarray = start + weight * (end - start)
    else:
        result = end - (end - start) * (1 - weight)
    return result
