"""SGD: ten steps against torch in float64 for every option; parameter groups; errors."""

from __future__ import annotations

import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.twin_training import run_both


@pytest.mark.parametrize(
    "options",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
        {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1},
        {"lr": 0.05, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01},
    ],
)
def test_ten_steps_match_torch(torch, options):
    run_both(torch, "SGD", options)


def test_parameter_groups_match_torch(torch):
    run_both(torch, "SGD", {"lr": 0.1, "momentum": 0.9}, groups={"lr": 0.01, "nesterov": True})


def test_bad_arguments():
    param = mg.nn.Parameter(mg.zeros(2))
    with assert_raises_with(ValueError, "SGD", "lr", "-0.1"):
        mg.optim.SGD([param], lr=-0.1)
    with assert_raises_with(ValueError, "nesterov", "momentum > 0", "momentum=0"):
        mg.optim.SGD([param], lr=0.1, nesterov=True)
    with assert_raises_with(ValueError, "more than one group"):
        mg.optim.SGD([{"params": [param]}, {"params": [param]}], lr=0.1)
    with assert_raises_with(ValueError, "empty parameter list"):
        mg.optim.SGD([], lr=0.1)
    with assert_raises_with(TypeError, "single Tensor"):
        mg.optim.SGD(param, lr=0.1)


def test_a_string_is_refused_as_torch_refuses_it_and_nan_too(torch):
    with pytest.raises(TypeError):
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr="0.1")
    with pytest.raises(TypeError):
        mg.optim.SGD([mg.nn.Parameter(mg.zeros(2))], lr="0.1")
    # torch's SGD checks lr < 0, which NaN passes (its Adam refuses NaN); minigrad
    # refuses NaN in every optimiser, as it would turn every parameter into NaN.
    with assert_raises_with(ValueError, "lr", "nan"):
        mg.optim.SGD([mg.nn.Parameter(mg.zeros(2))], lr=float("nan"))


def test_the_momentum_buffer_is_one_tensor_whose_version_moves_on(torch):
    optimizer, twin_optimizer = run_both(torch, "SGD", {"lr": 0.05, "momentum": 0.9}, steps=3)
    param = optimizer.param_groups[0]["params"][0]
    buffer = optimizer.state[param]["momentum_buffer"]
    version = buffer._version
    param.grad = mg.ones_like(param)
    optimizer.step()
    assert optimizer.state[param]["momentum_buffer"] is buffer
    assert buffer._version == version + 1
