"""RMSprop against torch: every option, float64 and float32, state dicts both ways."""

from __future__ import annotations

import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.optimizer_oracle import run_twins

OPTIONS = [
    {},
    {"lr": 0.02, "alpha": 0.9, "eps": 1e-6},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "momentum": 0.9},
    {"lr": 0.01, "centered": True},
    {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.05},
    {"lr": 0.01, "momentum": 0.5, "centered": True, "maximize": True},
    {"lr": 0.01, "alpha": 0.3, "centered": True},  # lerp's other branch
    {"lr": 0.01, "foreach": False},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_steps_match_torch_in_float64(torch, options):
    run_twins(torch, "RMSprop", options)


@pytest.mark.parametrize("options", [OPTIONS[0], OPTIONS[5], OPTIONS[6]])
def test_steps_match_torch_in_float32(torch, options):
    run_twins(torch, "RMSprop", options, dtype="float32")


def test_groups_match_torch(torch):
    run_twins(torch, "RMSprop", {"lr": 0.01}, extra={"momentum": 0.9, "centered": True})


def test_defaults_and_signature_match_torch(torch):
    param = mg.nn.Parameter(mg.zeros(1))
    mine = mg.optim.RMSprop([param]).param_groups[0]
    theirs = torch.optim.RMSprop([torch.nn.Parameter(torch.zeros(1))]).param_groups[0]
    assert {k: v for k, v in mine.items() if k != "params"} == {
        k: v for k, v in theirs.items() if k != "params"
    }
    # Positional as in torch: lr, alpha, eps, weight_decay, momentum, centered.
    group = mg.optim.RMSprop([param], 0.1, 0.5, 1e-3, 0.2, 0.3, True).param_groups[0]
    assert (group["alpha"], group["eps"], group["weight_decay"]) == (0.5, 1e-3, 0.2)
    assert (group["momentum"], group["centered"]) == (0.3, True)


def test_momentum_switched_on_later_makes_its_buffer():
    param = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    optimizer = mg.optim.RMSprop([param])
    param.grad = mg.ones(2, dtype=mg.float64)
    optimizer.step()
    assert set(optimizer.state[param]) == {"step", "square_avg"}
    optimizer.param_groups[0].update(momentum=0.9, centered=True)
    optimizer.step()
    assert set(optimizer.state[param]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}


def test_bad_arguments():
    param = mg.nn.Parameter(mg.zeros(2))
    with assert_raises_with(ValueError, "RMSprop", "alpha", "-0.5"):
        mg.optim.RMSprop([param], alpha=-0.5)
    with assert_raises_with(ValueError, "momentum", "-1"):
        mg.optim.RMSprop([param], momentum=-1)
    with assert_raises_with(TypeError, "centered", "'yes'"):
        mg.optim.RMSprop([param], centered="yes")
    with assert_raises_with(ValueError, "capturable", "capturable=True"):
        mg.optim.RMSprop([param], capturable=True)
    with assert_raises_with(ValueError, "differentiable", "differentiable=True"):
        mg.optim.RMSprop([param], differentiable=True)
