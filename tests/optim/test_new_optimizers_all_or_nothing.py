"""RMSprop, Adagrad and Adadelta are all or nothing: a step that fails anywhere (the
cause is put in the last parameter of the last group) leaves every bit as it was, and
a refused state dict changes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with

CONFIGS = {
    "RMSprop": {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.1},
    "Adadelta": {"weight_decay": 0.1},
}


def _optimizer(name: str) -> tuple[Any, list[Any]]:
    params = [mg.nn.Parameter(mg.randn(3, 2, dtype=mg.float64)) for _ in range(4)]
    optimizer = getattr(mg.optim, name)(
        [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}], **CONFIGS[name]
    )
    for _ in range(2):
        for param in params:
            param.grad = mg.randn(3, 2, dtype=mg.float64)
        optimizer.step()
    for param in params:
        param.grad = mg.randn(3, 2, dtype=mg.float64)
    return optimizer, params


def _snapshot(optimizer: Any, params: list[Any]) -> list[Any]:
    values: list[Any] = []
    for param in params:
        values += [param.detach().numpy().tobytes(), param._version]
        values += [None if param.grad is None else param.grad.numpy().tobytes()]
        for key, entry in sorted(optimizer.state.get(param, {}).items()):
            if isinstance(entry, mg.Tensor):
                values += [key, entry.numpy().tobytes(), entry._version]
            else:
                values += [key, entry]
    values.append(repr(optimizer.param_groups))
    return values


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_gradient_that_no_longer_fits_fails_the_step_and_changes_nothing(name):
    optimizer, params = _optimizer(name)
    params[-1].data = mg.randn(2, 3, dtype=mg.float64)  # its gradient is (3, 2)
    before = _snapshot(optimizer, params)
    with pytest.raises(ValueError, match="params\\[1\\]"):
        optimizer.step()
    assert _snapshot(optimizer, params) == before


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_bad_hyperparameter_fails_the_step_and_changes_nothing(name):
    optimizer, params = _optimizer(name)
    optimizer.param_groups[-1]["eps"] = -1.0
    before = _snapshot(optimizer, params)
    with assert_raises_with(ValueError, f"{name}.step", "param_groups[1]", "eps", "-1.0"):
        optimizer.step()
    assert _snapshot(optimizer, params) == before
    optimizer.param_groups[-1]["eps"] = 1e-6
    optimizer.step()
    assert _snapshot(optimizer, params) != before


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_corrupted_state_entry_fails_the_step_and_changes_nothing(name):
    optimizer, params = _optimizer(name)
    state = optimizer.state[params[-1]]
    key = next(k for k in state if k != "step")
    state[key] = mg.zeros(5, dtype=mg.float64)
    before = _snapshot(optimizer, params)
    with assert_raises_with(ValueError, key, "shape"):
        optimizer.step()
    assert _snapshot(optimizer, params) == before


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_refused_state_dict_changes_nothing(name):
    optimizer, params = _optimizer(name)
    saved = optimizer.state_dict()
    key = next(k for k in saved["state"][3] if k != "step")
    saved["state"][3][key] = np.zeros(7)
    saved["param_groups"][0]["lr"] = 0.5
    before = _snapshot(optimizer, params)
    with assert_raises_with(ValueError, key, "shape"):
        optimizer.load_state_dict(saved)
    assert _snapshot(optimizer, params) == before
    saved["state"][3][key] = np.ones((3, 2))
    saved["state"][3]["unknown"] = np.ones((3, 2))
    with assert_raises_with(ValueError, "unknown"):
        optimizer.load_state_dict(saved)
    assert _snapshot(optimizer, params) == before


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_its_own_state_dict_round_trips(name):
    optimizer, params = _optimizer(name)
    saved = optimizer.state_dict()
    fresh = getattr(mg.optim, name)(
        [{"params": params[:2]}, {"params": params[2:]}], **CONFIGS[name]
    )
    fresh.load_state_dict(saved)
    assert _snapshot(fresh, params)[-1] == _snapshot(optimizer, params)[-1]
    for param in params:
        for key, entry in optimizer.state[param].items():
            mine = fresh.state[param][key]
            if isinstance(entry, mg.Tensor):
                assert mine is not entry and np.array_equal(mine.numpy(), entry.numpy())
            else:
                assert mine == entry
