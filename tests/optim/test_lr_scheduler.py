"""Each schedule's learning rates over 30 steps against torch's, to the bit; state dicts
with torch's keys, loading both ways; PyTorch's warnings; bad arguments.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

import minigrad as mg
from tests.helpers import assert_raises_with


def _optimizers(torch: Any, name: str = "SGD", groups: int = 2) -> tuple[Any, Any]:
    options = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    made = []
    for lib in (mg, torch):
        params = [lib.nn.Parameter(lib.zeros(2)) for _ in range(groups)]
        param_groups = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)]
        made.append(getattr(lib.optim, name)(param_groups, **options))
    return made[0], made[1]


def _schedule(lib: Any, optimizer: Any, name: str, kwargs: dict[str, Any]) -> Any:
    return getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_comparable(item) for item in value]
    return value


def _momenta(optimizer: Any) -> list[Any]:
    return [
        (group.get("momentum"), tuple(group["betas"]) if "betas" in group else None)
        for group in optimizer.param_groups
    ]


SCHEDULES = [
    ("StepLR", {"step_size": 4, "gamma": 0.5}, "SGD"),
    ("MultiStepLR", {"milestones": [3, 7, 7, 20], "gamma": 0.3}, "SGD"),
    ("ExponentialLR", {"gamma": 0.9}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 10}, "Adam"),
    ("LinearLR", {"start_factor": 0.25, "end_factor": 0.9, "total_iters": 8}, "SGD"),
    ("LinearLR", {}, "SGD"),
    ("ConstantLR", {"factor": 0.5, "total_iters": 6}, "SGD"),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 31}, "SGD"),
    ("OneCycleLR", {"max_lr": [1.0, 2.0], "epochs": 4, "steps_per_epoch": 8}, "Adam"),
    (
        "OneCycleLR",
        {"max_lr": 0.5, "total_steps": 40, "anneal_strategy": "linear", "three_phase": True},
        "SGD",
    ),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 35, "cycle_momentum": False}, "RMSprop"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}, "SGD"),
    (
        "CyclicLR",
        {
            "base_lr": [0.01, 0.02],
            "max_lr": 0.1,
            "step_size_up": 3,
            "step_size_down": 5,
            "mode": "triangular2",
        },
        "Adam",
    ),
    (
        "CyclicLR",
        {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 3,
            "mode": "exp_range",
            "gamma": 0.9,
            "cycle_momentum": False,
        },
        "Adagrad",
    ),
]


@pytest.mark.parametrize("name, kwargs, optimizer_name", SCHEDULES)
def test_thirty_steps_match_torch(torch, name, kwargs, optimizer_name):
    optimizer, twin_optimizer = _optimizers(torch, optimizer_name)
    scheduler = _schedule(mg, optimizer, name, kwargs)
    twin = _schedule(torch, twin_optimizer, name, kwargs)
    assert scheduler.get_last_lr() == twin.get_last_lr()
    for _ in range(30):
        optimizer.step()
        twin_optimizer.step()
        scheduler.step()
        twin.step()
        assert scheduler.get_last_lr() == twin.get_last_lr()
        assert [g["lr"] for g in optimizer.param_groups] == [
            g["lr"] for g in twin_optimizer.param_groups
        ]
        assert _momenta(optimizer) == _momenta(twin_optimizer)
    # The state dicts: the same keys and values, and each loads into the other.
    state, twin_state = scheduler.state_dict(), twin.state_dict()
    assert _comparable(state) == _comparable(twin_state)
    for lib, opt, saved in ((mg, optimizer, twin_state), (torch, twin_optimizer, state)):
        fresh = _schedule(lib, opt, name, kwargs)
        fresh.load_state_dict(saved)
        assert _comparable(fresh.state_dict()) == _comparable(twin_state)


@pytest.mark.parametrize("name", ["LambdaLR", "MultiplicativeLR"])
def test_function_schedules_match_torch_and_leave_functions_out(torch, name):
    class Halving:
        def __init__(self) -> None:
            self.rate = 0.5

        def __call__(self, epoch: int) -> float:
            return self.rate ** (epoch % 3)

    optimizer, twin_optimizer = _optimizers(torch)
    functions = [lambda epoch: 0.95**epoch, Halving()]
    scheduler = _schedule(mg, optimizer, name, {"lr_lambda": functions})
    twin = _schedule(torch, twin_optimizer, name, {"lr_lambda": functions})
    for _ in range(30):
        optimizer.step(), twin_optimizer.step(), scheduler.step(), twin.step()
        assert scheduler.get_last_lr() == twin.get_last_lr()
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]
    assert _comparable(state) == _comparable(twin.state_dict())
    functions[1].rate = 0.1
    scheduler.load_state_dict(state)
    assert functions[1].rate == 0.5


def test_sequential_lr_matches_torch(torch):
    optimizer, twin_optimizer = _optimizers(torch)
    made = []
    for lib, opt in ((mg, optimizer), (torch, twin_optimizer)):
        schedules = lib.optim.lr_scheduler
        warmup = schedules.LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = schedules.CosineAnnealingLR(opt, T_max=20)
        made.append(schedules.SequentialLR(opt, [warmup, decay], milestones=[5]))
    scheduler, twin = made
    assert scheduler.get_last_lr() == twin.get_last_lr()
    for _ in range(30):
        optimizer.step(), twin_optimizer.step(), scheduler.step(), twin.step()
        assert scheduler.get_last_lr() == twin.get_last_lr()
    assert _comparable(scheduler.state_dict()) == _comparable(twin.state_dict())
    scheduler.load_state_dict(twin.state_dict())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2, "factor": 0.5},
        {"mode": "max", "patience": 1, "threshold": 0.1, "threshold_mode": "abs"},
        {"patience": 0, "cooldown": 2, "min_lr": [0.02, 0.05], "eps": 1e-3},
        {"mode": "max", "threshold_mode": "rel", "patience": 1, "min_lr": 0.01},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(torch, kwargs):
    optimizer, twin_optimizer = _optimizers(torch)
    scheduler = mg.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
    twin = torch.optim.lr_scheduler.ReduceLROnPlateau(twin_optimizer, **kwargs)
    metrics = [5.0, 4.0, 4.0, 4.1, 3.9, 3.9, 3.9, 3.9, 2.0, 2.0, 2.5, 2.5, 2.5, 1.0] * 2
    for position, metric in enumerate(metrics):
        value = mg.tensor(metric) if position % 2 else metric
        scheduler.step(value)
        twin.step(metric)
        assert scheduler.get_last_lr() == twin.get_last_lr()
        assert (scheduler.num_bad_epochs, scheduler.best) == (twin.num_bad_epochs, twin.best)
    assert _comparable(scheduler.state_dict()) == _comparable(twin.state_dict())
    fresh = mg.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
    fresh.load_state_dict(twin.state_dict())
    assert _comparable(fresh.state_dict()) == _comparable(twin.state_dict())


def test_step_before_the_optimizer_warns_as_torch(torch):
    for lib in (mg, torch):
        optimizer = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=1)
        with pytest.warns(
            UserWarning, match=r"`lr_scheduler.step\(\)` before `optimizer.step\(\)`"
        ):
            scheduler.step()
        optimizer.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            scheduler.step()
    # In the right order, no warning, and a second schedule does not wrap step twice.
    optimizer = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    first = mg.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    step = optimizer.step
    second = mg.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    assert optimizer.step is step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.step()
        first.step()
        second.step()
    # Both write the same groups: the second multiplies what the first set.
    assert first.get_last_lr() == [0.1 * 0.1]
    assert second.get_last_lr() == [0.1 * 0.1 * 0.5]


def test_initial_lr_and_resuming(torch):
    optimizer, twin_optimizer = _optimizers(torch)
    mg.optim.lr_scheduler.StepLR(optimizer, step_size=2)
    torch.optim.lr_scheduler.StepLR(twin_optimizer, step_size=2)
    assert [g["initial_lr"] for g in optimizer.param_groups] == [0.1, 0.2]
    assert [g["initial_lr"] for g in twin_optimizer.param_groups] == [0.1, 0.2]
    bare = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        mg.optim.lr_scheduler.StepLR(bare, step_size=2, last_epoch=3)
    # A resumed schedule takes its closed form where the chainable one has no history.
    bare.param_groups[0]["initial_lr"] = 1.0
    resumed = mg.optim.lr_scheduler.CosineAnnealingLR(bare, T_max=4, last_epoch=1)
    twin_bare = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    twin_bare.param_groups[0]["initial_lr"] = 1.0
    twin_resumed = torch.optim.lr_scheduler.CosineAnnealingLR(twin_bare, T_max=4, last_epoch=1)
    assert resumed.get_last_lr() == twin_resumed.get_last_lr()


def test_step_with_an_epoch_warns_and_uses_the_closed_form(torch):
    results = []
    for lib in (mg, torch):
        optimizer = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
        optimizer.step()
        with pytest.warns(UserWarning, match="deprecated"):
            scheduler.step(7)
        results.append(scheduler.get_last_lr())
    assert results[0] == results[1] == [0.25]


def test_onecycle_refuses_a_step_past_its_end_and_changes_nothing():
    optimizer = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1, momentum=0.9)
    scheduler = mg.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    before = (scheduler.state_dict(), [dict(g, params=None) for g in optimizer.param_groups])
    with assert_raises_with(ValueError, "OneCycleLR", "total_steps=3"):
        scheduler.step()
    after = (scheduler.state_dict(), [dict(g, params=None) for g in optimizer.param_groups])
    assert after == before


@pytest.mark.parametrize(
    "name, kwargs, error, shown",
    [
        ("StepLR", {"step_size": 0}, ValueError, "step_size"),
        ("StepLR", {"step_size": 2.5}, TypeError, "step_size"),
        ("MultiStepLR", {"milestones": 3}, TypeError, "milestones"),
        ("MultiStepLR", {"milestones": [1, -2]}, ValueError, "milestones[1]"),
        ("ExponentialLR", {"gamma": "0.9"}, TypeError, "gamma"),
        ("CosineAnnealingLR", {"T_max": 0}, ValueError, "T_max"),
        ("LinearLR", {"start_factor": 0}, ValueError, "start_factor"),
        ("LinearLR", {"end_factor": 1.5}, ValueError, "end_factor"),
        ("ConstantLR", {"factor": 1.5}, ValueError, "factor"),
        ("LambdaLR", {"lr_lambda": [lambda e: 1.0]}, ValueError, "lr_lambda"),
        ("LambdaLR", {"lr_lambda": 3}, TypeError, "lr_lambda[0]"),
        ("ReduceLROnPlateau", {"factor": 1.0}, ValueError, "factor"),
        ("ReduceLROnPlateau", {"mode": "up"}, ValueError, "'up'"),
        ("ReduceLROnPlateau", {"threshold_mode": "x"}, ValueError, "threshold_mode"),
        ("ReduceLROnPlateau", {"min_lr": [0.1]}, ValueError, "min_lr"),
        ("ReduceLROnPlateau", {"patience": -1}, ValueError, "patience"),
        ("OneCycleLR", {"max_lr": 1.0}, ValueError, "total_steps"),
        ("OneCycleLR", {"max_lr": 1.0, "total_steps": 0}, ValueError, "total_steps"),
        ("OneCycleLR", {"max_lr": 1.0, "total_steps": 5, "pct_start": 1}, ValueError, "pct_start"),
        (
            "OneCycleLR",
            {"max_lr": 1.0, "total_steps": 5, "anneal_strategy": "x"},
            ValueError,
            "anneal",
        ),
        ("OneCycleLR", {"max_lr": [1.0], "total_steps": 5}, ValueError, "max_lr"),
        ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "mode": "x"}, ValueError, "mode"),
    ],
)
def test_bad_arguments_are_refused_by_name_before_any_change(torch, name, kwargs, error, shown):
    optimizer, twin_optimizer = _optimizers(torch)
    groups = [dict(g, params=None) for g in optimizer.param_groups]
    with assert_raises_with(error, name, shown):
        _schedule(mg, optimizer, name, kwargs)
    assert [dict(g, params=None) for g in optimizer.param_groups] == groups
    # Where torch checks the argument too, it refuses it.
    if name not in ("StepLR", "ExponentialLR", "CosineAnnealingLR", "MultiStepLR") and (
        "patience" not in kwargs
    ):
        with pytest.raises((ValueError, TypeError)):
            _schedule(torch, twin_optimizer, name, kwargs)


def test_a_non_optimizer_and_bad_state_dicts_are_refused():
    with assert_raises_with(TypeError, "StepLR", "optimizer", "list"):
        mg.optim.lr_scheduler.StepLR([], step_size=1)
    optimizer = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    scheduler = mg.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    before = scheduler.state_dict()
    with assert_raises_with(ValueError, "unknown keys", "'nonsense'"):
        scheduler.load_state_dict({"last_epoch": 9, "nonsense": 1})
    assert scheduler.state_dict() == before
    with assert_raises_with(TypeError, "state_dict", "list"):
        scheduler.load_state_dict([])
    with assert_raises_with(ValueError, "OneCycleLR", "cycle_momentum", "Adagrad"):
        mg.optim.lr_scheduler.OneCycleLR(
            mg.optim.Adagrad([mg.nn.Parameter(mg.zeros(1))]), max_lr=1.0, total_steps=3
        )


def test_cosine_closed_form_matches_the_formula():
    optimizer = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=1.0)
    scheduler = mg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.1)
    for epoch in range(1, 11):
        optimizer.step()
        scheduler.step()
        expected = 0.1 + 0.9 * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert scheduler.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name, kwargs, optimizer_name", SCHEDULES)
def test_state_dicts_survive_mg_save_and_load(tmp_path, name, kwargs, optimizer_name):
    params = [mg.nn.Parameter(mg.zeros(2)) for _ in range(2)]
    groups = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)]
    options = {"lr": 0.1, "momentum": 0.9} if optimizer_name == "SGD" else {"lr": 0.1}
    optimizer = getattr(mg.optim, optimizer_name)(groups, **options)
    scheduler = _schedule(mg, optimizer, name, kwargs)
    for _ in range(5):
        optimizer.step()
        scheduler.step()
    mg.save({"scheduler": scheduler.state_dict()}, tmp_path / "checkpoint")
    fresh = _schedule(mg, optimizer, name, kwargs)
    fresh.load_state_dict(mg.load(tmp_path / "checkpoint")["scheduler"])
    rates = []
    for schedule in (scheduler, fresh):
        with pytest.warns(UserWarning, match="deprecated"):
            schedule.step(7)  # the closed form, where the schedule has one
        rates.append(schedule.get_last_lr())
    assert rates[0] == rates[1]


def test_reduce_lr_on_plateau_refuses_a_bad_metric_or_group_count_changing_nothing():
    optimizer = mg.optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1)
    scheduler = mg.optim.lr_scheduler.ReduceLROnPlateau(optimizer, min_lr=[0.01])
    scheduler.step(1.0)
    before = scheduler.state_dict()
    with assert_raises_with(TypeError, "ReduceLROnPlateau.step", "metrics", "str"):
        scheduler.step("low")
    optimizer.add_param_group({"params": [mg.nn.Parameter(mg.zeros(1))]})
    with assert_raises_with(ValueError, "ReduceLROnPlateau.step", "min_lrs", "2 parameter groups"):
        scheduler.step(0.5)
    assert scheduler.state_dict() == before
    with assert_raises_with(ValueError, "mode", "'sideways'"):
        scheduler.load_state_dict({"mode": "sideways"})
    assert scheduler.state_dict() == before


def test_get_lr_outside_step_warns_as_torch(torch):
    for lib in (mg, torch):
        optimizer = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1)
        scheduler = lib.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
        with pytest.warns(UserWarning, match="get_last_lr"):
            scheduler.get_lr()
