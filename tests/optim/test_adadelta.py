"""Adadelta against torch: every option, float64 and float32, state dicts both ways."""

from __future__ import annotations

import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.optimizer_oracle import run_twins

OPTIONS = [
    {},
    {"lr": 0.5, "rho": 0.8, "eps": 1e-5},
    {"weight_decay": 0.1},
    {"lr": 0.7, "weight_decay": 0.05, "maximize": True},
    {"rho": 1.0},
    {"foreach": False},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_steps_match_torch_in_float64(torch, options):
    run_twins(torch, "Adadelta", options)


@pytest.mark.parametrize("options", [OPTIONS[0], OPTIONS[3]])
def test_steps_match_torch_in_float32(torch, options):
    run_twins(torch, "Adadelta", options, dtype="float32")


def test_groups_match_torch(torch):
    run_twins(torch, "Adadelta", {"lr": 1.0}, extra={"rho": 0.5, "weight_decay": 0.01})


def test_defaults_and_positional_order_match_torch(torch):
    param = mg.nn.Parameter(mg.zeros(1))
    mine = mg.optim.Adadelta([param]).param_groups[0]
    theirs = torch.optim.Adadelta([torch.nn.Parameter(torch.zeros(1))]).param_groups[0]
    assert {k: v for k, v in mine.items() if k != "params"} == {
        k: v for k, v in theirs.items() if k != "params"
    }
    group = mg.optim.Adadelta([param], 0.5, 0.8, 1e-3, 0.1, True).param_groups[0]
    assert (group["lr"], group["rho"], group["eps"]) == (0.5, 0.8, 1e-3)
    assert (group["weight_decay"], group["foreach"]) == (0.1, True)


@pytest.mark.parametrize(
    "options, error, shown",
    [
        ({"rho": 1.5}, ValueError, "1.5"),
        ({"rho": -0.1}, ValueError, "-0.1"),
        ({"lr": -1.0}, ValueError, "-1.0"),
        ({"eps": float("nan")}, ValueError, "nan"),
        ({"weight_decay": None}, TypeError, "NoneType"),
        ({"capturable": True}, ValueError, "capturable=True"),
    ],
)
def test_bad_arguments_are_refused_as_torch_refuses_them(torch, options, error, shown):
    with assert_raises_with(error, "Adadelta", shown):
        mg.optim.Adadelta([mg.nn.Parameter(mg.zeros(2))], **options)
    if "capturable" not in options and "weight_decay" not in options:
        with pytest.raises(ValueError):
            torch.optim.Adadelta([torch.nn.Parameter(torch.zeros(2))], **options)
