"""maximize on every optimiser, PyTorch's other flags (foreach, fused, capturable,
differentiable, decoupled_weight_decay), and old state dicts that lack them.
"""

from __future__ import annotations

import inspect

import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.optimizer_oracle import as_numpy, run_twins

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"]


@pytest.mark.parametrize(
    "name, options",
    [
        ("SGD", {"lr": 0.05, "maximize": True}),
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
        ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "foreach": False}),
        ("Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.1}),
        ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
        ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
        ("AdamW", {"lr": 0.01, "maximize": True}),
    ],
)
def test_sgd_and_adam_options_match_torch(torch, name, options):
    run_twins(torch, name, options)


@pytest.mark.parametrize("name", NAMES)
def test_signatures_match_torch(torch, name):
    """The same parameters, in the same order, of the same kinds, with the same defaults."""
    mine = inspect.signature(getattr(mg.optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(mine) == list(theirs)
    for key, parameter in theirs.items():
        assert mine[key].kind == parameter.kind, key
        if parameter.default is not inspect.Parameter.empty:
            assert mine[key].default == parameter.default, key


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_group_keys_match_torch_in_order(torch, name):
    mine = getattr(mg.optim, name)([mg.nn.Parameter(mg.zeros(1))]).state_dict()
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(1))]).state_dict()
    assert list(mine["param_groups"][0]) == list(theirs["param_groups"][0])


@pytest.mark.parametrize("name", NAMES)
def test_flags_that_would_change_the_numbers_are_refused_by_name(name):
    param = mg.nn.Parameter(mg.zeros(2))
    accepted = inspect.signature(getattr(mg.optim, name)).parameters
    for flag in ("capturable", "differentiable"):
        if flag in accepted:
            with assert_raises_with(ValueError, name, f"{flag}=True"):
                getattr(mg.optim, name)([param], **{flag: True})
    for flag in ("foreach", "fused"):
        if flag in accepted:
            for value in (None, False, True):
                getattr(mg.optim, name)([param], **{flag: value})
    with assert_raises_with(ValueError, "maximize", "'yes'"):
        getattr(mg.optim, name)([param], maximize="yes")


def test_a_failed_step_with_a_bad_flag_changes_nothing():
    param = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    optimizer = mg.optim.RMSprop([param], momentum=0.9)
    param.grad = mg.ones(2, dtype=mg.float64)
    optimizer.step()
    before = as_numpy(optimizer.state_dict()), param.detach().numpy().copy(), param._version
    optimizer.param_groups[0]["differentiable"] = True
    with assert_raises_with(ValueError, "RMSprop.step", "differentiable=True"):
        optimizer.step()
    after = as_numpy(optimizer.state_dict())
    assert after["state"][0]["step"] == before[0]["state"][0]["step"]
    for key in ("square_avg", "momentum_buffer"):
        assert (after["state"][0][key] == before[0]["state"][0][key]).all()
    assert (param.detach().numpy() == before[1]).all() and param._version == before[2]


@pytest.mark.parametrize("name", NAMES)
def test_a_state_dict_without_the_flags_loads_with_torch_defaults(name):
    params = [mg.nn.Parameter(mg.ones(2, dtype=mg.float64))]
    optimizer = getattr(mg.optim, name)(params, maximize=True)
    saved = optimizer.state_dict()
    for key in ("maximize", "foreach", "fused", "capturable", "differentiable"):
        saved["param_groups"][0].pop(key, None)
    optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0]["maximize"] is False
