"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.kernels.optim import adam_update
from minigrad.optim.optimizer import Optimizer, check_hyperparameter, gradients
from minigrad.tensor import Tensor


class Adam(Optimizer):
    """Adam, from Kingma & Ba, "Adam: a method for stochastic optimization".

    Per step t, for each parameter p with gradient g:

    .. code-block:: text

        g = g + weight_decay * p                     (Adam: L2 in the gradient)
        m = β1 m + (1 - β1) g
        v = β2 v + (1 - β2) g²
        v̂ = max(v̂, v) if amsgrad else v
        p = p - lr / (1 - β1^t) · m / (√v̂ / √(1 - β2^t) + eps)

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0]))
    >>> opt = mg.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data
    array([0.9], dtype=float32)
    """

    _decoupled = False

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        for key in ("lr", "eps", "weight_decay"):
            check_hyperparameter(name, key, group[key])
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"{name}: betas: expected a pair of numbers, got {betas!r}")
        group["betas"] = tuple(betas)
        for position, beta in enumerate(betas):
            check_hyperparameter(name, f"betas[{position}]", beta, 0.0, 1.0)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for param, grad in gradients(group["params"]):
                value = param.data
                if weight_decay != 0:
                    if self._decoupled:
                        value = value * (1 - lr * weight_decay)
                    else:
                        grad = grad + weight_decay * value
                state = self.state.setdefault(param, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._wrap(np.zeros(value.shape, value.dtype))
                    state["exp_avg_sq"] = Tensor._wrap(np.zeros(value.shape, value.dtype))
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros(value.shape, value.dtype))
                state["step"] += 1
                step = state["step"]
                # The moments are the optimizer's own arrays (state_dict and
                # load_state_dict copy), so the kernel updates them in place, and returns
                # a new parameter array: a caller may hold the old one. Each step rounds
                # as the written-out formula in numpy would.
                max_exp_avg_sq = state["max_exp_avg_sq"].data if group["amsgrad"] else None
                new_value = adam_update(
                    value,
                    grad,
                    state["exp_avg"].data,
                    state["exp_avg_sq"].data,
                    max_exp_avg_sq,
                    beta1=beta1,
                    beta2=beta2,
                    step_size=lr / (1 - beta1**step),
                    bias_root=math.sqrt(1 - beta2**step),
                    eps=eps,
                )
                param.data = new_value


class AdamW(Adam):
    """AdamW, "Decoupled weight decay regularization": Adam whose weight decay shrinks
    the parameter directly, p = p (1 - lr · weight_decay), before the Adam step,
    instead of entering the gradient. The default weight_decay is 1e-2.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0]))
    >>> opt = mg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * 0).sum().backward(); opt.step()
    >>> w.data
    array([0.95], dtype=float32)
    """

    _decoupled = True

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
