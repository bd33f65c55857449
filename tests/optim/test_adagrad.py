"""Adagrad against torch: every option, float64 and float32, state dicts both ways."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.optimizer_oracle import as_numpy, run_twins

OPTIONS = [
    {},
    {"lr": 0.1, "lr_decay": 0.05},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6},
    {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "maximize": True},
    {"lr": 0.1, "foreach": False},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_steps_match_torch_in_float64(torch, options):
    run_twins(torch, "Adagrad", options)


@pytest.mark.parametrize("options", [OPTIONS[0], OPTIONS[4]])
def test_steps_match_torch_in_float32(torch, options):
    run_twins(torch, "Adagrad", options, dtype="float32")


def test_groups_match_torch(torch):
    run_twins(torch, "Adagrad", {"lr": 0.1}, extra={"lr_decay": 0.1, "weight_decay": 0.01})


def test_the_state_is_made_at_construction_as_torch_makes_it(torch):
    param = mg.nn.Parameter(mg.zeros(3, dtype=mg.float64))
    twin = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    mine = mg.optim.Adagrad([param], initial_accumulator_value=0.25).state_dict()
    theirs = torch.optim.Adagrad([twin], initial_accumulator_value=0.25).state_dict()
    assert sorted(mine["state"]) == sorted(theirs["state"]) == [0]
    assert mine["state"][0]["step"] == 0
    np.testing.assert_array_equal(mine["state"][0]["sum"].numpy(), [0.25] * 3)
    # A torch state dict taken before any step loads too.
    fresh = mg.optim.Adagrad([param])
    fresh.load_state_dict(as_numpy(theirs))
    assert fresh.param_groups[0]["initial_accumulator_value"] == 0.25


def test_a_parameter_added_later_gets_its_state_at_its_first_step():
    first = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    second = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    optimizer = mg.optim.Adagrad([first], lr=0.5)
    optimizer.add_param_group({"params": [second], "initial_accumulator_value": 1.0})
    second.grad = mg.ones(2, dtype=mg.float64)
    optimizer.step()
    assert optimizer.state[second]["step"] == 1
    np.testing.assert_allclose(optimizer.state[second]["sum"].numpy(), [2.0, 2.0])


def test_bad_arguments():
    param = mg.nn.Parameter(mg.zeros(2))
    with assert_raises_with(ValueError, "Adagrad", "lr_decay", "-0.1"):
        mg.optim.Adagrad([param], lr_decay=-0.1)
    with assert_raises_with(ValueError, "initial_accumulator_value", "-1"):
        mg.optim.Adagrad([param], initial_accumulator_value=-1)
    with assert_raises_with(TypeError, "eps", "str"):
        mg.optim.Adagrad([param], eps="1e-10")
    with assert_raises_with(ValueError, "differentiable=True"):
        mg.optim.Adagrad([param], differentiable=True)
