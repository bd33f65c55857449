"""Optimisers are all or nothing, and their kernel never leaves its arrays.

* A ``step()`` that fails (a gradient that no longer fits its parameter, a bad
  hyperparameter edited into ``param_groups``, a corrupted state entry) raises and
  leaves every bit as it was: the bytes of every parameter, gradient and state
  buffer, the step counters, the hyperparameters and every tensor's ``_version``.
  Once the cause is undone, the next step gives PyTorch's numbers.
* A ``load_state_dict`` that fails names the bad key and changes nothing;
  ``add_param_group`` likewise.
* ``adam_update`` refuses arrays that do not fit the parameter, before its loop.
* Each step bumps the version of every parameter it updates exactly once, and of
  every state tensor it writes; a parameter without a gradient is not touched.

The failing cause is always put in the last parameter of the last group, so an
optimiser that updated as it went would already have written the others.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels.optim import adam_update
from minigrad.tensor import GradDtypeError, GradShapeError
from tests.helpers import assert_raises_with
from tests.optim.twin_training import assert_same_parameters, make_models

CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "SGD": ("SGD", {"lr": 0.1}),
    "SGD weight decay": ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    "SGD momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "SGD nesterov": ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "SGD momentum dampening weight decay": (
        "SGD",
        {"lr": 0.1, "momentum": 0.8, "dampening": 0.2, "weight_decay": 0.05},
    ),
    "Adam": ("Adam", {"lr": 0.01}),
    "Adam amsgrad weight decay": ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    "AdamW": ("AdamW", {"lr": 0.01}),
    "AdamW amsgrad": ("AdamW", {"lr": 0.01, "amsgrad": True}),
}
WITH_STATE = [c for c in CONFIGS if CONFIGS[c][0] != "SGD" or "momentum" in CONFIGS[c][1]]
ADAMS = [c for c in CONFIGS if CONFIGS[c][0] != "SGD"]


# ---- two optimisers, minigrad's and torch's, on the same model ------------------------------


class Twins:
    """A minigrad model and optimiser, and torch's twins, fed the same batches; the
    second group has its own learning rate."""

    def __init__(self, torch: Any, config: str) -> None:
        self.torch = torch
        self.name, self.options = CONFIGS[config]
        self.model, self.twin = make_models(torch)
        self.optimizer = getattr(mg.optim, self.name)(self._groups(self.model), **self.options)
        self.twin_optimizer = getattr(torch.optim, self.name)(
            self._groups(self.twin), **self.options
        )
        self.batches = 0

    @staticmethod
    def _groups(model: Any) -> list[dict[str, Any]]:
        return [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.05}]

    def backward(self) -> None:
        """Fresh gradients in both, from the same batch."""
        rng = np.random.default_rng(self.batches)
        self.batches += 1
        x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 2))
        self.optimizer.zero_grad()
        ((self.model(mg.tensor(x)) - mg.tensor(y)) ** 2).mean().backward()
        self.twin_optimizer.zero_grad()
        torch = self.torch
        ((self.twin(torch.tensor(x)) - torch.tensor(y)) ** 2).mean().backward()

    def train(self, steps: int) -> None:
        for _ in range(steps):
            self.backward()
            self.optimizer.step()
            self.twin_optimizer.step()

    @property
    def last(self) -> mg.Tensor:
        """The last parameter of the last group: model[2].bias."""
        param: mg.Tensor = self.optimizer.param_groups[-1]["params"][-1]
        return param

    def assert_matches_torch(self) -> None:
        assert_same_parameters(self.model, self.twin)
        params = [p for group in self.optimizer.param_groups for p in group["params"]]
        twin_params = [p for group in self.twin_optimizer.param_groups for p in group["params"]]
        for param, twin_param in zip(params, twin_params):
            state, twin_state = (
                self.optimizer.state.get(param, {}),
                self.twin_optimizer.state[twin_param],
            )
            assert set(state) == {k for k, v in twin_state.items() if v is not None}
            for key, value in state.items():
                want = twin_state[key].detach().numpy()
                got = value.numpy() if isinstance(value, mg.Tensor) else value
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12, err_msg=key)


def snapshot(optimizer: Any) -> dict[str, Any]:
    """Every bit an optimiser could change: parameters and their gradients (bytes, shape,
    dtype, version, identity), the state entries (likewise; counters as they are) and
    the groups."""

    def tensor_bits(tensor: Any) -> Any:
        if not isinstance(tensor, mg.Tensor):
            return copy.deepcopy(tensor)
        array = tensor.detach().numpy()
        return (array.tobytes(), array.shape, array.dtype.str, tensor._version, id(tensor))

    params = [p for group in optimizer.param_groups for p in group["params"]]
    return {
        "params": [tensor_bits(p) for p in params],
        "grads": [None if p.grad is None else tensor_bits(p.grad) for p in params],
        "state": [
            {key: tensor_bits(value) for key, value in optimizer.state[p].items()}
            if p in optimizer.state
            else None
            for p in params
        ],
        "state keys": len(optimizer.state),
        "groups": [
            (
                repr({k: v for k, v in group.items() if k != "params"}),
                [id(p) for p in group["params"]],
            )
            for group in optimizer.param_groups
        ],
    }


# ---- a failing step changes nothing -----------------------------------------------------------

Undo = Callable[[], None]


def _grad_shape(twins: Twins) -> tuple[Undo, type[Exception], list[str]]:
    """The parameter's .data replaced by another shape after its gradient was set."""
    param = twins.last
    original = param.detach().numpy()
    param.data = mg.tensor(np.zeros(original.size + 1, original.dtype))
    restore = mg.Tensor._wrap(original)  # the very array it held
    return lambda: setattr(param, "data", restore), GradShapeError, ["grad", "shape (3,)"]


def _grad_dtype(twins: Twins) -> tuple[Undo, type[Exception], list[str]]:
    param = twins.last
    original = param.detach().numpy()
    param.data = mg.tensor(original.astype(np.float32))
    restore = mg.Tensor._wrap(original)
    return lambda: setattr(param, "data", restore), GradDtypeError, ["grad", "float32"]


SMUGGLED = {"grad of another shape": _grad_shape, "grad of another dtype": _grad_dtype}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("cause", sorted(SMUGGLED))
def test_a_gradient_that_no_longer_fits_fails_the_step_and_changes_nothing(torch, config, cause):
    twins = Twins(torch, config)
    twins.train(2)
    twins.backward()
    undo, error, fragments = SMUGGLED[cause](twins)
    before = snapshot(twins.optimizer)
    with assert_raises_with(
        error, f"{twins.name}.step", "param_groups[1]", "params[1]", *fragments
    ):
        twins.optimizer.step()
    assert snapshot(twins.optimizer) == before
    undo()
    twins.optimizer.step()
    twins.twin_optimizer.step()
    twins.assert_matches_torch()


def test_the_gradient_errors_are_runtime_errors_as_in_torch(torch):
    """PyTorch's step raises RuntimeError for both; minigrad's errors are that too."""
    for new in (torch.zeros(5, dtype=torch.float64), torch.zeros(3, dtype=torch.float32)):
        param = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
        param.grad = torch.ones(3, dtype=torch.float64)
        optimizer = torch.optim.Adam([param])
        param.data = new
        with pytest.raises(RuntimeError):
            optimizer.step()
    assert issubclass(GradShapeError, RuntimeError) and issubclass(GradShapeError, ValueError)
    assert issubclass(GradDtypeError, RuntimeError) and issubclass(GradDtypeError, TypeError)


SGD_HYPERPARAMETERS = [
    ("lr", -1.0, ValueError, "-1.0"),
    ("lr", float("nan"), ValueError, "nan"),
    ("lr", "0.1", TypeError, "str"),
    ("momentum", -0.5, ValueError, "-0.5"),
    ("weight_decay", None, TypeError, "NoneType"),
    ("nesterov", "yes", TypeError, "'yes'"),
    ("differentiable", True, ValueError, "differentiable=True"),
]
ADAM_HYPERPARAMETERS = [
    ("lr", -1.0, ValueError, "-1.0"),
    ("lr", "0.01", TypeError, "str"),
    ("betas", (0.9, 1.0), ValueError, "betas[1]"),
    ("betas", (-0.1, 0.999), ValueError, "betas[0]"),
    ("betas", "0.9", ValueError, "'0.9'"),
    ("eps", -1e-8, ValueError, "-1e-08"),
    ("weight_decay", float("nan"), ValueError, "nan"),
    ("amsgrad", "False", TypeError, "'False'"),
]
HYPERPARAMETER_CASES = [
    (config, *case)
    for config in sorted(CONFIGS)
    for case in (SGD_HYPERPARAMETERS if CONFIGS[config][0] == "SGD" else ADAM_HYPERPARAMETERS)
]


@pytest.mark.parametrize("config, key, value, error, shown", HYPERPARAMETER_CASES)
def test_a_bad_hyperparameter_in_param_groups_fails_the_step_and_changes_nothing(
    torch, config, key, value, error, shown
):
    twins = Twins(torch, config)
    twins.train(2)
    twins.backward()
    group = twins.optimizer.param_groups[-1]
    had, good = key in group, group.get(key)
    group[key] = value
    before = snapshot(twins.optimizer)
    with assert_raises_with(error, f"{twins.name}.step", "param_groups[1]", key, shown):
        twins.optimizer.step()
    assert snapshot(twins.optimizer) == before
    if had:
        group[key] = good
    else:
        del group[key]
    twins.optimizer.step()
    twins.twin_optimizer.step()
    twins.assert_matches_torch()


def _replace(entry: str, make: Callable[[np.ndarray], Any]) -> Callable[[Twins], Undo]:
    """A cause that replaces one state entry of the last parameter by ``make(original)``."""

    def cause(twins: Twins) -> Undo:
        state = twins.optimizer.state[twins.last]
        original = state[entry]
        state[entry] = make(
            original.detach().numpy() if isinstance(original, mg.Tensor) else original
        )
        return lambda: state.__setitem__(entry, original)

    return cause


def _add_unknown(twins: Twins) -> Undo:
    state = twins.optimizer.state[twins.last]
    state["momentum"] = mg.zeros(2, dtype=mg.float64)
    return lambda: state.__delitem__("momentum")


def _remove(entry: str) -> Callable[[Twins], Undo]:
    def cause(twins: Twins) -> Undo:
        state = twins.optimizer.state[twins.last]
        original = state.pop(entry)
        return lambda: state.__setitem__(entry, original)

    return cause


def _state_cases(buffer: str) -> list[tuple[str, Any, type[Exception], list[str]]]:
    """Corruptions of one buffer, with the error and message fragments they give."""
    return [
        ("shape", _replace(buffer, lambda a: mg.zeros(3, dtype=mg.float64)), ValueError,
         [buffer, "shape (2,)", "got (3,)"]),
        ("dtype", _replace(buffer, lambda a: mg.tensor(a.astype(np.float32))), TypeError,
         [buffer, "float64", "float32"]),
        ("layout", _replace(buffer, lambda a: mg.Tensor._wrap(np.repeat(a, 2)[::2])), ValueError,
         [buffer, "C-contiguous"]),
        ("read-only", _replace(buffer, _read_only), ValueError, [buffer, "writable"]),
        ("not a tensor", _replace(buffer, lambda a: a.tolist()), TypeError, [buffer, "list"]),
        ("unknown entry", _add_unknown, ValueError, ["'momentum'", "unknown"]),
    ]  # fmt: skip


def _read_only(array: np.ndarray) -> mg.Tensor:
    copied = array.copy()
    copied.flags.writeable = False
    return mg.Tensor._wrap(copied)


ADAM_STATE_CASES = _state_cases("exp_avg_sq") + [
    ("negative step", _replace("step", lambda s: -1), ValueError, ["'step'", "-1"]),
    ("float step", _replace("step", lambda s: 2.0), TypeError, ["'step'", "float"]),
    ("missing entry", _remove("exp_avg"), ValueError, ["'exp_avg'", "missing"]),
]
AMSGRAD_STATE_CASES = [
    ("max shape", _replace("max_exp_avg_sq", lambda a: mg.zeros(1, 2, dtype=mg.float64)),
     ValueError, ["'max_exp_avg_sq'", "got (1, 2)"]),
    ("max missing", _remove("max_exp_avg_sq"), ValueError, ["'max_exp_avg_sq'", "missing"]),
]  # fmt: skip


def _state_cases_of(config: str) -> list[tuple[str, Any, type[Exception], list[str]]]:
    name, options = CONFIGS[config]
    if name == "SGD":
        return _state_cases("momentum_buffer")
    return ADAM_STATE_CASES + (AMSGRAD_STATE_CASES if options.get("amsgrad") else [])


STATE_CASES = [(config, *case) for config in WITH_STATE for case in _state_cases_of(config)]


@pytest.mark.parametrize("config, corruption, cause, error, fragments", STATE_CASES)
def test_a_corrupted_state_entry_fails_the_step_and_changes_nothing(
    torch, config, corruption, cause, error, fragments
):
    twins = Twins(torch, config)
    twins.train(2)
    twins.backward()
    undo = cause(twins)
    before = snapshot(twins.optimizer)
    with assert_raises_with(
        error, f"{twins.name}.step", "param_groups[1]", "params[1]", *fragments
    ) as info:
        twins.optimizer.step()
    assert isinstance(info.value, RuntimeError)  # as PyTorch's step raises
    assert snapshot(twins.optimizer) == before
    undo()
    twins.optimizer.step()
    twins.twin_optimizer.step()
    twins.assert_matches_torch()


def test_state_errors_are_runtime_errors_as_in_torch(torch):
    """PyTorch's step raises RuntimeError for a moment of another shape."""
    param = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.Adam([param])
    param.grad = torch.ones(3)
    optimizer.step()
    optimizer.state[param]["exp_avg"] = torch.zeros(4)
    with pytest.raises(RuntimeError):
        optimizer.step()
    twin = mg.nn.Parameter(mg.zeros(3))
    twin_optimizer = mg.optim.Adam([twin])
    twin.grad = mg.ones(3)
    twin_optimizer.step()
    twin_optimizer.state[twin]["exp_avg"] = mg.zeros(4)
    with pytest.raises(RuntimeError):
        twin_optimizer.step()
    twin_optimizer.state[twin]["exp_avg"] = mg.zeros(3, dtype=mg.float64)
    with pytest.raises(RuntimeError):
        twin_optimizer.step()


# ---- .grad assignment: what the optimisers rely on --------------------------------------------


@pytest.mark.parametrize(
    "value, error",
    [
        (np.ones(3), TypeError),
        ([1.0, 1.0, 1.0], TypeError),
        (mg.ones(4, dtype=mg.float64), GradShapeError),
        (mg.ones(3, 1, dtype=mg.float64), GradShapeError),
        (mg.ones(3, dtype=mg.float32), GradDtypeError),
    ],
)
def test_a_grad_that_does_not_fit_cannot_be_assigned(torch, value, error):
    param = mg.nn.Parameter(mg.zeros(3, dtype=mg.float64))
    kept = mg.ones(3, dtype=mg.float64)
    param.grad = kept
    with pytest.raises(error):
        param.grad = value
    assert param.grad is kept
    optimizer = mg.optim.SGD([param], lr=0.5)
    optimizer.step()
    np.testing.assert_array_equal(param.data.numpy(), [-0.5, -0.5, -0.5])
    # torch refuses the same assignments (as RuntimeError or TypeError).
    twin = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    wrong = torch.tensor(np.asarray(value)) if isinstance(value, mg.Tensor) else value
    with pytest.raises((RuntimeError, TypeError)):
        twin.grad = wrong


# ---- load_state_dict: a refused state dict names its key and changes nothing -----------------


def _saved_elsewhere(torch: Any, config: str) -> dict[str, Any]:
    """A valid state dict for the same layout, from another run: other numbers and lr."""
    other = Twins(torch, config)
    other.optimizer.param_groups[1]["lr"] = 0.02
    other.train(3)
    return other.optimizer.state_dict()


def _last_entry(saved: dict[str, Any]) -> dict[str, Any]:
    entries: dict[str, Any] = saved["state"][max(saved["state"])]
    return entries


def _buffer_name(config: str) -> str:
    return "momentum_buffer" if CONFIGS[config][0] == "SGD" else "exp_avg_sq"


def _corrupt(
    saved: dict[str, Any], config: str, problem: str
) -> tuple[type[Exception], list[str]]:
    groups, buffer = saved["param_groups"], _buffer_name(config)
    if problem == "one group fewer":
        del groups[1]
        return ValueError, ["param_groups", "expected 2 parameter groups", "got 1"]
    if problem == "one parameter fewer":
        groups[1]["params"] = groups[1]["params"][:1]
        return ValueError, ["param_groups[1]['params']", "expected 2 parameters", "got 1"]
    if problem == "unknown state entry":
        _last_entry(saved)["velocity"] = np.zeros(2)
        return ValueError, ["state[3]['velocity']", "unknown state entry"]
    if problem == "unknown parameter index":
        saved["state"][7] = copy.deepcopy(_last_entry(saved))
        return ValueError, ["state[7]", "unknown parameter index"]
    if problem == "wrong shape":
        _last_entry(saved)[buffer] = np.zeros(3)
        return ValueError, [f"state[3]['{buffer}']", "shape (2,)", "got (3,)"]
    if problem == "dtype not castable":
        _last_entry(saved)[buffer] = np.zeros(2, dtype=np.complex128)
        return TypeError, [f"state[3]['{buffer}']", "complex128"]
    if problem == "bad hyperparameter":
        groups[1]["lr"] = -0.5
        return ValueError, ["param_groups[1]", "lr", "-0.5"]
    if problem == "missing hyperparameter":
        del groups[1]["weight_decay"]
        return ValueError, ["param_groups[1]", "'weight_decay'", "missing"]
    if problem == "hyperparameter of a bad type":
        groups[1]["lr"] = "0.05"
        return TypeError, ["param_groups[1]", "lr", "str"]
    if problem == "state entry of a bad type":
        _last_entry(saved)[buffer] = [0.0, 0.0]
        return TypeError, [f"state[3]['{buffer}']", "list"]
    if problem == "params of a bad type":
        groups[1]["params"] = "2, 3"
        return TypeError, ["param_groups[1]['params']", "list of ints"]
    assert problem == "state of a bad type"
    saved["state"] = list(saved["state"].values())
    return TypeError, ["state", "expected a dict", "list"]


LOAD_PROBLEMS = [
    "one group fewer",
    "one parameter fewer",
    "unknown state entry",
    "unknown parameter index",
    "wrong shape",
    "dtype not castable",
    "bad hyperparameter",
    "missing hyperparameter",
    "hyperparameter of a bad type",
    "state entry of a bad type",
    "params of a bad type",
    "state of a bad type",
]
ADAM_LOAD_PROBLEMS = {
    "negative step": (lambda entry: -2, ValueError, ["state[3]['step']", "-2"]),
    "fractional step": (lambda entry: 2.5, ValueError, ["state[3]['step']", "2.5"]),
    "step of a bad type": (lambda entry: "3", TypeError, ["state[3]['step']", "str"]),
    "step as a 1-d array": (
        lambda entry: np.array([3.0]),
        TypeError,
        ["state[3]['step']", "(1,)"],
    ),
}


def _assert_load_refused(
    torch: Any, config: str, change: Callable[[dict[str, Any]], tuple[type[Exception], list[str]]]
) -> None:
    twins = Twins(torch, config)
    twins.train(2)
    saved = _saved_elsewhere(torch, config)
    error, fragments = change(saved)
    before = snapshot(twins.optimizer)
    with assert_raises_with(error, f"{twins.name}.load_state_dict", *fragments):
        twins.optimizer.load_state_dict(saved)
    assert snapshot(twins.optimizer) == before
    twins.train(1)
    twins.assert_matches_torch()


@pytest.mark.parametrize("config", WITH_STATE)
@pytest.mark.parametrize("problem", LOAD_PROBLEMS)
def test_a_refused_load_state_dict_names_the_key_and_changes_nothing(torch, config, problem):
    _assert_load_refused(torch, config, lambda saved: _corrupt(saved, config, problem))


@pytest.mark.parametrize("config", ADAMS)
@pytest.mark.parametrize("problem", sorted(ADAM_LOAD_PROBLEMS))
def test_a_refused_adam_step_counter_names_the_key_and_changes_nothing(torch, config, problem):
    make, error, fragments = ADAM_LOAD_PROBLEMS[problem]

    def change(saved: dict[str, Any]) -> tuple[type[Exception], list[str]]:
        _last_entry(saved)["step"] = make(_last_entry(saved))
        return error, fragments

    _assert_load_refused(torch, config, change)


def _to_numpy(value: Any) -> Any:
    """A torch state dict with its tensors as numpy arrays (steps become 0-d arrays)."""
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    if isinstance(value, dict):
        return {key: _to_numpy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_numpy(item) for item in value]
    return value


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("through_a_file", [False, True], ids=["in memory", "mg.save/mg.load"])
def test_a_torch_state_dict_loads_and_the_next_step_matches_torch(
    torch, tmp_path, config, through_a_file
):
    twins = Twins(torch, config)
    twins.train(2)
    saved = _to_numpy(twins.twin_optimizer.state_dict())
    if CONFIGS[config][0] != "SGD":
        step = saved["state"][0]["step"]
        assert isinstance(step, np.ndarray) and step.shape == () and step.dtype == np.float32
    if through_a_file:
        mg.save(saved, tmp_path / "torch_optimizer.npz")
        saved = mg.load(tmp_path / "torch_optimizer.npz")
    # A fresh optimiser with other hyperparameters, on the same (copied) weights.
    model, _ = make_models(torch)
    model.load_state_dict({k: v.numpy().copy() for k, v in twins.model.state_dict().items()})
    fresh = getattr(mg.optim, twins.name)(Twins._groups(model), lr=0.5)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.05
    for state in fresh.state.values():
        assert "step" not in state or type(state["step"]) is int  # kept as minigrad keeps it
    twins.model, twins.optimizer = model, fresh
    twins.train(2)
    twins.assert_matches_torch()


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_the_state_dict_survives_mg_save_and_load_and_resumes_as_torch(torch, tmp_path, config):
    twins = Twins(torch, config)
    twins.train(2)
    mg.save(twins.optimizer.state_dict(), tmp_path / "optimizer.npz")
    loaded = mg.load(tmp_path / "optimizer.npz")
    fresh = getattr(mg.optim, twins.name)(Twins._groups(twins.model), lr=0.5)
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[1]["lr"] == 0.05
    # The same entries, to the bit (the versions differ: they are new tensors).
    values = [snapshot(optimizer)["state"] for optimizer in (fresh, twins.optimizer)]
    for restored, original in zip(*values):
        assert (restored is None) == (original is None)
        for key, value in (original or {}).items():
            assert (
                restored[key] == value
                if isinstance(value, int)
                else restored[key][:3] == value[:3]
            )
    twins.optimizer = fresh
    twins.train(2)
    twins.assert_matches_torch()


# ---- add_param_group: a refused group leaves the optimiser as it was --------------------------


@pytest.mark.parametrize(
    "make_group, error, fragments",
    [
        (lambda new, old: {"params": [new], "lr": -1.0}, ValueError, ["lr", "-1.0"]),
        (lambda new, old: {"params": [new], "lr": "fast"}, TypeError, ["lr", "str"]),
        (lambda new, old: {"params": [new, old]}, ValueError, ["more than one group"]),
        (lambda new, old: {"params": [new, "weight"]}, TypeError, ["params[1]", "str"]),
        (lambda new, old: {"params": {new}}, TypeError, ["set"]),
        (lambda new, old: {"lr": 0.1}, TypeError, ["'params'"]),
        (lambda new, old: [new], TypeError, ["param_group"]),
    ],
)
@pytest.mark.parametrize("config", ["SGD momentum", "Adam amsgrad weight decay"])
def test_a_refused_param_group_changes_nothing(torch, config, make_group, error, fragments):
    twins = Twins(torch, config)
    twins.train(1)
    groups_before = list(twins.optimizer.param_groups)
    before = snapshot(twins.optimizer)
    new = mg.nn.Parameter(mg.zeros(2, dtype=mg.float64))
    with assert_raises_with(error, *fragments):
        twins.optimizer.add_param_group(make_group(new, twins.last))
    assert twins.optimizer.param_groups == groups_before and snapshot(twins.optimizer) == before
    twins.train(1)
    twins.assert_matches_torch()


# ---- zero_grad keeps working --------------------------------------------------------------------


def test_zero_grad_works_after_a_parameter_changed_shape():
    param = mg.nn.Parameter(mg.zeros(3, dtype=mg.float64))
    optimizer = mg.optim.SGD([param], lr=0.1)
    param.grad = mg.ones(3, dtype=mg.float64)
    param.data = mg.tensor(np.zeros(5))
    with pytest.raises(GradShapeError):
        optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    assert param.grad.shape == (5,) and not param.grad.numpy().any()
    optimizer.step()
    optimizer.zero_grad()
    assert param.grad is None


# ---- the kernel refuses arrays that do not fit -------------------------------------------------

SCALARS = {"beta1": 0.9, "beta2": 0.999, "step_size": 0.1, "bias_root": 0.5, "eps": 1e-8}


def _adam_arrays(size: int = 6) -> dict[str, np.ndarray]:
    return {name: np.zeros(size) for name in ("value", "grad", "exp_avg", "exp_avg_sq", "max")}


def _call(arrays: dict[str, np.ndarray]) -> np.ndarray:
    return adam_update(
        arrays["value"], arrays["grad"], arrays["exp_avg"], arrays["exp_avg_sq"], arrays["max"],
        **SCALARS,
    )  # fmt: skip


@pytest.mark.parametrize(
    "name, replacement, fragments",
    [
        ("grad", np.zeros(5), ["grad", "shape (6,)", "got (5,)"]),
        ("grad", np.zeros(7), ["grad", "got (7,)"]),
        ("grad", np.zeros((2, 3)), ["grad", "got (2, 3)"]),
        ("grad", np.zeros(6, np.float32), ["grad", "dtype float64", "float32"]),
        ("exp_avg", np.zeros(5), ["exp_avg", "got (5,)"]),
        ("exp_avg_sq", np.zeros(60), ["exp_avg_sq", "got (60,)"]),
        ("max", np.zeros(1), ["max_exp_avg_sq", "got (1,)"]),
        ("exp_avg", np.zeros(12)[::2], ["exp_avg", "C-contiguous"]),
        ("exp_avg_sq", np.zeros(6, np.float32), ["exp_avg_sq", "float32"]),
        ("value", np.zeros(6, np.int64), ["value", "int64"]),
    ],
)
def test_adam_update_refuses_arrays_that_do_not_fit(name, replacement, fragments):
    arrays = _adam_arrays()
    arrays[name] = replacement
    before = {key: array.copy() for key, array in arrays.items()}
    with assert_raises_with(ValueError, "adam_update", *fragments):
        _call(arrays)
    for key, array in arrays.items():
        assert array.tobytes() == before[key].tobytes(), key


def test_adam_update_refuses_a_read_only_moment_and_a_non_array():
    arrays = _adam_arrays()
    arrays["exp_avg"].flags.writeable = False
    with assert_raises_with(ValueError, "exp_avg", "writable"):
        _call(arrays)
    arrays = _adam_arrays()
    with assert_raises_with(TypeError, "grad", "list"):
        adam_update(
            arrays["value"], [0.0] * 6, arrays["exp_avg"], arrays["exp_avg_sq"], None, **SCALARS
        )  # type: ignore[arg-type]


def test_adam_update_checks_are_not_asserts(tmp_path):
    """Under ``python -O`` (asserts stripped) a short grad is still refused."""
    script = textwrap.dedent(
        """
        import numpy as np
        from minigrad.kernels.optim import adam_update
        try:
            adam_update(np.zeros(6), np.zeros(5), np.zeros(6), np.zeros(6), None,
                        beta1=0.9, beta2=0.999, step_size=0.1, bias_root=0.5, eps=1e-8)
        except ValueError as error:
            print("refused:", error)
        """
    )
    result = _run(["-O", "-c", script])
    assert result.returncode == 0, result.stderr
    assert "refused: adam_update: grad" in result.stdout


def test_a_large_parameter_with_a_one_element_grad_is_refused_without_a_crash():
    """10 M elements against a 1-element grad: before its checks, the kernel read (and
    the optimiser's step let it read) 40 MB past the end of the grad, and crashed. Run
    in a child process, so that a crash fails this test rather than the whole run."""
    script = textwrap.dedent(
        """
        import numpy as np
        import minigrad as mg
        from minigrad.kernels.optim import adam_update

        n = 10_000_000
        big = [np.zeros(n, np.float32) for _ in range(3)]
        try:
            adam_update(big[0], np.zeros(1, np.float32), big[1], big[2], None,
                        beta1=0.9, beta2=0.999, step_size=0.1, bias_root=0.5, eps=1e-8)
        except ValueError as error:
            print("kernel refused:", error)

        param = mg.nn.Parameter(mg.zeros(1))
        optimizer = mg.optim.Adam([param])
        param.grad = mg.ones(1)
        param.data = mg.tensor(np.zeros(n, np.float32))
        try:
            optimizer.step()
        except ValueError as error:
            print("step refused:", type(error).__name__, error)
        print("untouched:", not param.data.numpy().any() and not optimizer.state)
        """
    )
    result = _run(["-c", script])
    assert result.returncode == 0, f"the child process died ({result.returncode}): {result.stderr}"
    assert "kernel refused: adam_update: grad: expected shape (10000000,)" in result.stdout
    assert "step refused: GradShapeError" in result.stdout
    assert "untouched: True" in result.stdout


def _run(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=root,
        env=environment, timeout=300, check=False,
    )  # fmt: skip


# ---- versions: one bump per updated parameter and per written state tensor --------------------


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_each_step_bumps_each_updated_parameter_once_and_no_other(config):
    name, options = CONFIGS[config]
    used = [mg.nn.Parameter(mg.randn(3, 2, dtype=mg.float64)) for _ in range(2)]
    unused = mg.nn.Parameter(mg.randn(4, dtype=mg.float64))
    optimizer = getattr(mg.optim, name)(
        [{"params": [used[0], unused]}, {"params": [used[1]], "lr": 0.05}], **options
    )
    state_tensors: dict[tuple[int, str], tuple[mg.Tensor, int]] = {}
    for step in range(1, 5):
        for param in used:
            param.grad = mg.tensor(np.full((3, 2), float(step)))
        before = [p._version for p in (*used, unused)]
        optimizer.step()
        assert [p._version for p in (*used, unused)] == [before[0] + 1, before[1] + 1, before[2]]
        assert unused not in optimizer.state
        # A state tensor, once made, stays the same tensor, and each step that writes
        # it (every step after the one that made it) bumps it once.
        for position, param in enumerate(used):
            for key, value in optimizer.state.get(param, {}).items():
                if not isinstance(value, mg.Tensor):
                    continue
                if (position, key) in state_tensors:
                    tensor, version = state_tensors[(position, key)]
                    assert value is tensor and value._version == version + 1, key
                state_tensors[(position, key)] = (value, value._version)
    has_state = name != "SGD" or options.get("momentum", 0) != 0
    assert bool(state_tensors) == has_state


def test_a_parameter_twice_in_one_group_warns_as_torch_does(torch):
    for lib in (mg, torch):
        weight = lib.nn.Parameter(lib.ones(2))
        with pytest.warns(UserWarning, match="duplicate|more than once"):
            lib.optim.SGD([weight, weight], lr=0.1)
