"""``Optimizer``: parameter groups, ``zero_grad``, and state dicts.

Optimisers work on arrays under ``no_grad``: a step reads ``p.grad`` and gives ``p``
a new array (the old one is not written to, so a graph or state dict that holds it
keeps its values).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad.nn.module import Parameter
from minigrad.tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with ``"params"`` and hyperparameters)
    and ``state`` (per-parameter buffers, keyed by the parameter).

    Args:
        params: an iterable of Parameters, or of dicts each with a ``"params"`` entry
            and optional per-group hyperparameters.
        defaults: the hyperparameters a group gets when it does not set them.
    """

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params: expected an iterable of Parameters or dicts, got a single "
                "Tensor (wrap it in a list)"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: params: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: its parameters, and hyperparameters overriding the defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: param_group: expected a dict with a 'params' entry")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for position, param in enumerate(params):
            if not isinstance(param, Tensor) or not param.is_leaf:
                raise TypeError(
                    f"{name}: params[{position}]: expected a leaf Tensor (a Parameter), got "
                    f"{type(param).__name__}"
                )
        known = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in known for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: params: a parameter appears in more than one group")
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        self._check_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Subclasses check their hyperparameters here (ValueError naming the value)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter this optimiser updates."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad = Tensor._wrap(np.zeros_like(param.grad.data))

    def step(self) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: value}}, "param_groups": [...]}``, PyTorch's layout:
        parameters are replaced by their position across all groups, and arrays are
        copied (so the dict is a snapshot).
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            entries = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            entries["params"] = []
            for param in group["params"]:
                index.setdefault(id(param), len(index))
                entries["params"].append(index[id(param)])
            groups.append(entries)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state:
                    state[index[id(param)]] = {
                        k: Tensor._wrap(v.data.copy()) if isinstance(v, Tensor) else v
                        for k, v in self.state[param].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and buffers saved by :meth:`state_dict` for the same
        parameter layout (the number of groups and of parameters per group must match).
        Everything is checked before anything changes.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                f"{name}.load_state_dict: state_dict: expected a dict with keys 'state' and "
                "'param_groups'"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: expected {len(self.param_groups)} parameter groups, "
                f"got {len(saved_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for position, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            saved_params = list(saved["params"])
            if len(saved_params) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: param_groups[{position}]: expected "
                    f"{len(group['params'])} parameters, got {len(saved_params)}"
                )
            for index, param in zip(saved_params, group["params"]):
                by_index[int(index)] = param
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, values in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(f"{name}.load_state_dict: state: unknown parameter index {key}")
            param = by_index[int(key)]
            restored = {}
            for entry, value in values.items():
                if isinstance(value, Tensor | np.ndarray) and np.ndim(value) > 0:
                    array = np.asarray(value.data if isinstance(value, Tensor) else value)
                    if array.shape != param.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: state[{key}][{entry!r}]: expected shape "
                            f"{param.shape}, got {array.shape}"
                        )
                    # C order: optimisers update their buffers in place through flat views.
                    restored[entry] = Tensor._wrap(array.astype(param.dtype, order="C"))
                else:
                    restored[entry] = _plain(value)
            new_state[param] = restored
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = _plain(value)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for position, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {position}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _plain(value: Any) -> Any:
    """Scalars and tuples loaded from a file (0-d arrays, lists) as Python values."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else tuple(value.tolist())
    if isinstance(value, list):
        return tuple(value)
    return value


def check_hyperparameter(
    owner: str, name: str, value: Any, low: float = 0.0, high: float | None = None
) -> None:
    """Refuse a non-number, or a value below ``low`` (or not below ``high``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}: {name}: expected a number, got {type(value).__name__}")
    if value < low or (high is not None and value >= high):
        interval = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{owner}: {name}: expected a value {interval}, got {value}")


def gradients(params: Iterable[Parameter]) -> Iterable[tuple[Parameter, np.ndarray]]:
    """The parameters that have a gradient, with it as an array of the parameter's dtype."""
    for param in params:
        if param.grad is not None:
            yield param, np.asarray(param.grad.data, dtype=param.dtype)
