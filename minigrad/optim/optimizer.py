"""``Optimizer``: parameter groups, ``zero_grad``, and state dicts.

Optimisers work on arrays: a step reads ``p.grad`` and writes ``p``'s new values into
its own array, in place as PyTorch does (views and aliases of ``p`` see them), moving
its version on, so that a backward over the old values is refused.

Every change is all or nothing. ``step()`` first runs ``Optimizer._check_step``
over every group (hyperparameters, gradients, state entries) and updates only when
all of it passed; ``add_param_group`` and ``load_state_dict`` also check everything
before they change anything. The checks live in ``minigrad.optim._checks``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from minigrad.nn.module import Parameter
from minigrad.optim._checks import (
    OptimizerStateError,
    OptimizerStateTypeError,
    check_gradient,
    check_state,
    check_torch_flag,
    plain,
    restore_entry,
    with_context,
)
from minigrad.tensor import Tensor

__all__ = [
    "Optimizer",
    "OptimizerStateError",
    "OptimizerStateTypeError",
    "gradients",
    "new_buffer",
    "steepest",
]

# Flags that PyTorch keeps in its param_groups, with the values minigrad accepts:
# maximize is implemented; foreach and fused choose PyTorch's kernels, not the numbers,
# so any value is taken and ignored; capturable (CUDA graphs) and differentiable (a
# step inside the graph) are refused when set.
TORCH_FLAGS: dict[str, tuple[Any, ...]] = {
    "maximize": (False, True),
    "foreach": (None, False, True),
    "fused": (None, False, True),
    "capturable": (False,),
    "differentiable": (False,),
}
# What a group that lacks one of the flags (an older state dict) gets, as in PyTorch.
TORCH_FLAG_DEFAULTS: dict[str, Any] = {
    "maximize": False,
    "foreach": None,
    "fused": None,
    "capturable": False,
    "differentiable": False,
}


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with ``"params"`` and hyperparameters)
    and ``state`` (per-parameter buffers, keyed by the parameter).

    Args:
        params: an iterable of Parameters, or of dicts each with a ``"params"`` entry
            and optional per-group hyperparameters.
        defaults: the hyperparameters a group gets when it does not set them.
    """

    # A subclass names the entries of its per-parameter state and their kinds
    # (_checks.COUNT or _checks.BUFFER); _required_state says which a non-empty state has.
    _state_entries: ClassVar[dict[str, str]] = {}
    # The PyTorch-only flags a group may carry, with the values accepted (TORCH_FLAGS).
    _torch_flags: ClassVar[dict[str, tuple[Any, ...]]] = TORCH_FLAGS
    # What those flags are when a saved group lacks them.
    _flag_defaults: ClassVar[dict[str, Any]] = TORCH_FLAG_DEFAULTS

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
        """Add a group: its parameters, and hyperparameters overriding the defaults.
        A group that is refused leaves the optimiser as it was.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: param_group: expected a dict with a 'params' entry")
        params = param_group["params"]
        if isinstance(params, set | frozenset):
            raise TypeError(
                f"{name}: params: expected an ordered collection (a list), got a set, whose "
                "order changes between runs"
            )
        params = [params] if isinstance(params, Tensor) else list(params)
        for position, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"{name}: params[{position}]: expected a leaf Tensor (a Parameter), got "
                    f"{type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError(
                    f"{name}: params[{position}]: expected a leaf Tensor (a Parameter), got the "
                    "result of an op, which cannot be optimised"
                )
        known = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in known for p in params):
            raise ValueError(f"{name}: params: a parameter appears in more than one group")
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        self._check_hyperparameters(group, name)
        if len({id(p) for p in params}) != len(params):
            # PyTorch warns (and will refuse in a future release), and keeps both entries:
            # each step then updates such a parameter once per entry, as PyTorch's does.
            warnings.warn(
                f"{name}: a parameter group lists a parameter more than once; PyTorch "
                "warns that this will become an error (pass each parameter once)",
                UserWarning,
                stacklevel=3,
            )
        group["params"] = params
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any], where: str) -> None:
        """Subclasses check their hyperparameters here, raising ValueError or TypeError
        whose message starts with ``where`` and names the key and the value.
        """

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        """The entries a parameter's state has once it is not empty."""
        return tuple(self._state_entries)

    def _check_hyperparameters(self, group: dict[str, Any], where: str) -> None:
        """Every hyperparameter of a group: present, of a valid value, and PyTorch-only
        flags (from a PyTorch state dict) at values that change no number.
        """
        for key in self.defaults:
            if key not in group:
                raise ValueError(f"{where}: the hyperparameter {key!r} is missing")
        for key, accepted in self._torch_flags.items():
            if key in group:
                check_torch_flag(where, key, group[key], accepted)
        self._check_group(group, where)

    def _check_step(self) -> None:
        """The validation pass of ``step()``: every group's hyperparameters, and for each
        parameter that will be updated (it has a gradient), its gradient and its state.
        It changes nothing, so that a step that fails leaves everything as it was.
        """
        name = type(self).__name__
        for group_index, group in enumerate(self.param_groups):
            where = f"{name}.step: param_groups[{group_index}]"
            if not isinstance(group, dict) or not isinstance(group.get("params"), list):
                raise TypeError(f"{where}: expected a dict with a 'params' list")
            self._check_hyperparameters(group, where)
            required = self._required_state(group)
            for param_index, param in enumerate(group["params"]):
                try:
                    self._check_parameter(param, required)
                except (ValueError, TypeError) as error:
                    raise with_context(error, f"{where}: params[{param_index}]") from None

    def _check_parameter(self, param: Any, required: tuple[str, ...]) -> None:
        """One parameter, if it will be updated (it has a gradient): that it is a
        tensor, that its gradient still fits it, and that its state does.
        """
        if not isinstance(param, Tensor):
            raise TypeError(f"expected a Tensor (a Parameter), got {type(param).__name__}")
        grad = param.grad
        if grad is None:
            return  # not updated, so nothing of it needs to fit
        check_gradient(param, grad)
        state = self.state.get(param)
        if state is not None:
            check_state("state", param, state, self._state_entries, required)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter this optimiser updates."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    # Of the parameter's shape and dtype, which the gradient no longer
                    # has if the parameter's .data was replaced since it was set.
                    param.grad = Tensor._wrap(np.zeros(param.shape, param.dtype))

    def step(self) -> None:
        """Update every parameter once from its gradient; each optimiser writes its own."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: value}}, "param_groups": [...]}``, PyTorch's layout:
        parameters are replaced by their position across all groups, and arrays are
        copied (so the dict is a snapshot).
        """
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            entries = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            # Numbered by position across the groups; a parameter listed twice in its
            # group takes its last position, as PyTorch numbers it.
            for position, param in enumerate(group["params"], start):
                index[id(param)] = position
            entries["params"] = [index[id(param)] for param in group["params"]]
            start += len(group["params"])
            groups.append(entries)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state:
                    state[index[id(param)]] = {
                        k: Tensor._wrap(v._data.copy()) if isinstance(v, Tensor) else v
                        for k, v in self.state[param].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and buffers saved by [`state_dict`][] (or by
        PyTorch's optimiser of the same kind, with its tensors turned into arrays) for
        the same parameter layout: as many groups, and parameters per group.

        Everything is checked as the constructor and ``step()`` check it (the groups'
        keys and hyperparameters; each state entry's name, type, shape and dtype)
        before anything changes: a refused state dict leaves the optimiser as it was.

        Raises:
            ValueError: a bad value (a layout that does not match, a hyperparameter out
                of range, an unknown or missing entry, a wrong shape), naming its key.
            TypeError: a bad type, naming its key.
        """
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"{owner}: state_dict: expected a dict, got {type(state_dict).__name__}"
            )
        if set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                f"{owner}: state_dict: expected a dict with keys 'state' and 'param_groups', "
                f"got keys {sorted(map(str, state_dict))}"
            )
        groups, by_index = self._restore_groups(state_dict["param_groups"], owner)
        state = self._restore_state(state_dict["state"], groups, by_index, owner)
        # Everything has been checked: from here on nothing can fail.
        for group, values in zip(self.param_groups, groups):
            params = group["params"]
            group.clear()
            group.update(values)
            group["params"] = params
        self.state = state

    def _restore_groups(
        self, saved_groups: Any, owner: str
    ) -> tuple[list[dict[str, Any]], dict[int, tuple[Tensor, int]]]:
        """The saved groups' hyperparameters, checked; and each saved parameter index
        mapped to this optimiser's parameter at that position, with its group.
        """
        if not isinstance(saved_groups, list | tuple):
            raise TypeError(
                f"{owner}: param_groups: expected a list, got {type(saved_groups).__name__}"
            )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{owner}: param_groups: expected {len(self.param_groups)} parameter groups, "
                f"got {len(saved_groups)}"
            )
        groups = []
        by_index: dict[int, tuple[Tensor, int]] = {}
        for position, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            where = f"{owner}: param_groups[{position}]"
            if not isinstance(saved, dict):
                raise TypeError(f"{where}: expected a dict, got {type(saved).__name__}")
            for key in saved:
                if not isinstance(key, str):
                    raise TypeError(f"{where}: expected str keys, got {key!r}")
            if "params" not in saved:
                raise ValueError(f"{where}: the entry 'params' is missing")
            indices = saved["params"]
            if not isinstance(indices, list | tuple) or not all(
                _is_index(index) for index in indices
            ):
                raise TypeError(f"{where}['params']: expected a list of ints, got {indices!r}")
            if len(indices) != len(group["params"]):
                raise ValueError(
                    f"{where}['params']: expected {len(group['params'])} parameters, got "
                    f"{len(indices)}"
                )
            for index, param in zip(indices, group["params"]):
                # An index repeats only where this group repeats its parameter.
                if int(index) in by_index and by_index[int(index)][0] is not param:
                    raise ValueError(f"{where}['params']: the index {index} appears twice")
                by_index[int(index)] = (param, position)
            values = {k: copy.deepcopy(plain(v)) for k, v in saved.items() if k != "params"}
            for key, default in self._flag_defaults.items():
                if key in self.defaults:
                    values.setdefault(key, default)
            self._check_hyperparameters(values, where)
            groups.append(values)
        return groups, by_index

    def _restore_state(
        self,
        saved_state: Any,
        groups: list[dict[str, Any]],
        by_index: dict[int, tuple[Tensor, int]],
        owner: str,
    ) -> dict[Tensor, dict[str, Any]]:
        """The saved state keyed by this optimiser's parameters, each entry converted to
        the form ``step()`` works with and checked against its parameter.
        """
        if not isinstance(saved_state, dict):
            raise TypeError(f"{owner}: state: expected a dict, got {type(saved_state).__name__}")
        state: dict[Tensor, dict[str, Any]] = {}
        for key, saved in saved_state.items():
            where = f"{owner}: state[{key!r}]"
            # A file may give the indices as strings ("3"), as JSON does.
            digits = isinstance(key, str) and key.isdigit()
            if not (_is_index(key) or digits) or int(key) not in by_index:
                raise ValueError(
                    f"{where}: unknown parameter index; the param_groups hold {sorted(by_index)}"
                )
            param, position = by_index[int(key)]
            if not isinstance(saved, dict):
                raise TypeError(f"{where}: expected a dict, got {type(saved).__name__}")
            restored = {}
            for name, value in saved.items():
                kind = self._state_entries.get(name)
                if kind is None:
                    restored[name] = value  # for check_state to refuse by name
                    continue
                entry = restore_entry(where, name, kind, param, value)
                if entry is not None:  # None: a buffer not made yet, as PyTorch may save
                    restored[name] = entry
            required = self._required_state(groups[position])
            check_state(where, param, restored, self._state_entries, required)
            state[param] = restored
        return state

    def __repr__(self) -> str:
        """The optimiser's name and each group's hyperparameters, in PyTorch's layout."""
        lines = [f"{type(self).__name__} ("]
        for position, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {position}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _is_index(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def gradients(params: Iterable[Parameter]) -> Iterable[tuple[Parameter, np.ndarray]]:
    """The parameters that have a gradient, with it as an array (``_check_step`` has
    made sure that it has the parameter's shape and dtype).
    """
    for param in params:
        if param.grad is not None:
            yield param, param.grad._data


def steepest(grad: np.ndarray, maximize: bool) -> np.ndarray:
    """The direction a step descends: the gradient, or its negative to maximise."""
    return -grad if maximize else grad


def new_buffer(param: Tensor, fill: float = 0.0) -> Tensor:
    """A state buffer of the parameter's shape and dtype, C-contiguous, filled."""
    return Tensor._wrap(np.full(param.shape, fill, dtype=param.dtype))
