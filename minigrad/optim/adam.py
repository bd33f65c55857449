"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.kernels.optim import adam_update
from minigrad.optim._checks import BUFFER, COUNT, check_flag, check_hyperparameter
from minigrad.optim.optimizer import (
    TORCH_FLAG_DEFAULTS,
    TORCH_FLAGS,
    Optimizer,
    gradients,
    steepest,
)
from minigrad.tensor import Tensor


class Adam(Optimizer):
    """Adam, from Kingma & Ba, "Adam: a method for stochastic optimization".

    Per step t, for each parameter p with gradient g (``-g`` if ``maximize``):

    ```text
    g = g + weight_decay * p                     (L2 in the gradient)
    p = p (1 - lr weight_decay)                  (instead, if decoupled_weight_decay)
    m = β1 m + (1 - β1) g
    v = β2 v + (1 - β2) g²
    v̂ = max(v̂, v) if amsgrad else v
    p = p - lr / (1 - β1^t) · m / (√v̂ / √(1 - β2^t) + eps)
    ```

    The moment and parameter lines run as one loop,
    ``adam_update``; the same lines in numpy, with the
    same bits, sit beside it and run instead under the reference kernels.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0]))
    >>> opt = mg.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data
    tensor([0.9])
    """

    _torch_flags = {**TORCH_FLAGS, "decoupled_weight_decay": (False, True)}
    _flag_defaults = {**TORCH_FLAG_DEFAULTS, "decoupled_weight_decay": False}
    _state_entries = {
        "step": COUNT,
        "exp_avg": BUFFER,
        "exp_avg_sq": BUFFER,
        "max_exp_avg_sq": BUFFER,
    }

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], where: str) -> None:
        for key in ("lr", "eps", "weight_decay"):
            check_hyperparameter(where, key, group[key])
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"{where}: betas: expected a pair of numbers, got {betas!r}")
        for position, beta in enumerate(betas):
            check_hyperparameter(where, f"betas[{position}]", beta, 0.0, 1.0)
        check_flag(where, "amsgrad", group["amsgrad"])

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        # max_exp_avg_sq may stay behind when amsgrad is turned off, as in PyTorch.
        if group["amsgrad"]:
            return ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        return ("step", "exp_avg", "exp_avg_sq")

    def step(self) -> None:
        """Update every parameter that has a gradient; if any check fails, none."""
        self._check_step()
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            amsgrad, decoupled = group["amsgrad"], group["decoupled_weight_decay"]
            for param, grad in gradients(group["params"]):
                grad = steepest(grad, group["maximize"])
                value = param._data
                if weight_decay != 0:
                    if decoupled:
                        value = value * (1 - lr * weight_decay)
                    else:
                        grad = grad + weight_decay * value
                state = self.state.setdefault(param, {})
                if not state:
                    state.update(self._initial_state(value, amsgrad))
                state["step"] += 1
                step = state["step"]
                # The moments are the optimizer's own arrays (state_dict and
                # load_state_dict copy), so the kernel updates them in place; it returns
                # the new values, written into the parameter's own array as PyTorch's
                # in-place step would. Each step rounds as the written-out formula in
                # numpy would.
                moments = [state["exp_avg"], state["exp_avg_sq"]]
                if amsgrad:
                    moments.append(state["max_exp_avg_sq"])
                new_value = adam_update(
                    value,
                    grad,
                    moments[0]._data,
                    moments[1]._data,
                    moments[2]._data if amsgrad else None,
                    beta1=beta1,
                    beta2=beta2,
                    step_size=lr / (1 - beta1**step),
                    bias_root=math.sqrt(1 - beta2**step),
                    eps=eps,
                )
                for moment in moments:
                    moment._bump_version()  # written in place by the kernel
                param._write(new_value)  # in place, as PyTorch: one version bump

    @staticmethod
    def _initial_state(value: np.ndarray, amsgrad: bool) -> dict[str, Any]:
        names = (
            ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] if amsgrad else ["exp_avg", "exp_avg_sq"]
        )
        state: dict[str, Any] = {"step": 0}
        for name in names:
            state[name] = Tensor._wrap(np.zeros(value.shape, value.dtype))
        return state


class AdamW(Adam):
    """AdamW, "Decoupled weight decay regularization": Adam whose weight decay shrinks
    the parameter directly, p = p (1 - lr · weight_decay), before the Adam step,
    instead of entering the gradient. The default weight_decay is 1e-2.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.tensor([1.0]))
    >>> opt = mg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * 0).sum().backward(); opt.step()
    >>> w.data
    tensor([0.95])
    """

    _flag_defaults = {**TORCH_FLAG_DEFAULTS, "decoupled_weight_decay": True}

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
