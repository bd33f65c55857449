"""Optimizer base: zero_grad, state_dict / load_state_dict round trips, groups."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.twin_training import make_models, train


def _loss(model, step):
    x = mg.tensor(np.random.default_rng(step).standard_normal((8, 4)))
    return (model(x) ** 2).mean()


@pytest.mark.parametrize(
    "name, options",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("AdamW", {"lr": 0.01}),
    ],
)
def test_state_dict_round_trip_resumes_exactly(torch, name, options):
    model, _ = make_models(torch)
    optimizer = getattr(mg.optim, name)(model.parameters(), **options)
    train(model, optimizer, _loss, 3)
    saved_model = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    saved = optimizer.state_dict()
    train(model, optimizer, lambda m, s: _loss(m, s + 3), 3)
    reference = {k: v.numpy().copy() for k, v in model.state_dict().items()}

    resumed, _ = make_models(torch)
    resumed.load_state_dict(saved_model)
    fresh = getattr(mg.optim, name)(resumed.parameters(), lr=0.5)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == options["lr"]
    train(resumed, fresh, lambda m, s: _loss(m, s + 3), 3)
    for key, value in resumed.state_dict().items():
        assert np.array_equal(value.numpy(), reference[key]), key


def test_state_dict_is_a_snapshot_in_torch_layout(torch):
    model, twin = make_models(torch)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    twin_optimizer = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    for module, opt in ((model, optimizer), (twin, twin_optimizer)):
        module(
            mg.ones(2, 4, dtype=mg.float64)
            if module is model
            else torch.ones(2, 4, dtype=torch.float64)
        ).sum().backward()
        opt.step()
    state = optimizer.state_dict()
    torch_state = twin_optimizer.state_dict()
    assert list(state["state"]) == list(torch_state["state"])
    assert state["param_groups"][0]["params"] == torch_state["param_groups"][0]["params"]
    for index in state["state"]:
        np.testing.assert_allclose(
            state["state"][index]["momentum_buffer"].numpy(),
            torch_state["state"][index]["momentum_buffer"].numpy(),
            rtol=1e-12,
        )
    before = state["state"][0]["momentum_buffer"].numpy().copy()
    model(mg.ones(2, 4, dtype=mg.float64)).sum().backward()
    optimizer.step()
    assert np.array_equal(state["state"][0]["momentum_buffer"].numpy(), before)


def test_load_state_dict_refuses_another_layout(torch):
    model, _ = make_models(torch)
    optimizer = mg.optim.Adam(model.parameters())
    other = mg.optim.Adam([{"params": model[0].parameters()}, {"params": model[2].parameters()}])
    with assert_raises_with(ValueError, "expected 1 parameter groups", "got 2"):
        optimizer.load_state_dict(other.state_dict())
    with assert_raises_with(ValueError, "param_groups[0]", "expected 4 parameters", "got 2"):
        optimizer.load_state_dict(mg.optim.Adam(model[0].parameters()).state_dict())


def test_zero_grad_and_skipping_parameters_without_grad():
    used, unused = mg.nn.Parameter(mg.ones(2)), mg.nn.Parameter(mg.ones(2))
    optimizer = mg.optim.SGD([used, unused], lr=0.5)
    (used * 3).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(used.data.numpy(), [-0.5, -0.5])
    np.testing.assert_allclose(unused.data.numpy(), [1.0, 1.0])
    optimizer.zero_grad(set_to_none=False)
    assert np.array_equal(used.grad.numpy(), [0.0, 0.0])
    optimizer.zero_grad()
    assert used.grad is None


def test_add_param_group_and_repr():
    first, second = mg.nn.Parameter(mg.ones(1)), mg.nn.Parameter(mg.ones(1))
    optimizer = mg.optim.SGD([first], lr=0.1)
    optimizer.add_param_group({"params": second, "lr": 0.2})
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.2]
    assert "Parameter Group 1" in repr(optimizer) and "lr: 0.2" in repr(optimizer)


def _to_numpy(value):  # type: ignore[no-untyped-def]
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    if isinstance(value, dict):
        return {key: _to_numpy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_numpy(item) for item in value]
    return value


def test_a_torch_state_dict_with_a_flag_minigrad_lacks_is_refused(torch):
    """differentiable=True would need a graph through the step: refused, naming it,
    changing nothing; the same dict with the flag off loads.
    """
    model, twin = make_models(torch)
    twin_optimizer = torch.optim.Adam(twin.parameters(), lr=0.01)
    twin(torch.ones(2, 4, dtype=torch.float64)).sum().backward()
    twin_optimizer.step()
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    saved = _to_numpy(twin_optimizer.state_dict())
    saved["param_groups"][0]["differentiable"] = True
    with assert_raises_with(ValueError, "param_groups[0]", "differentiable=True"):
        optimizer.load_state_dict(saved)
    assert optimizer.state == {} and optimizer.param_groups[0]["differentiable"] is False
    saved["param_groups"][0]["differentiable"] = False
    optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0]["differentiable"] is False and len(optimizer.state) == 4


def test_its_own_state_dict_loads_after_amsgrad_was_turned_off(torch):
    """The maximum stays in the state (as in PyTorch), and is accepted back."""
    model, _ = make_models(torch)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    train(model, optimizer, _loss, 2)
    optimizer.param_groups[0]["amsgrad"] = False
    train(model, optimizer, _loss, 1)
    saved = optimizer.state_dict()
    assert "max_exp_avg_sq" in saved["state"][0]
    fresh = mg.optim.Adam(model.parameters())
    fresh.load_state_dict(saved)
    assert fresh.state[model[0].weight]["step"] == 3


def test_zero_grad_keeps_the_parameters_shape_and_dtype():
    param = mg.nn.Parameter(mg.zeros(2, 3, dtype=mg.float64))
    optimizer = mg.optim.Adam([param])
    param.grad = mg.ones(2, 3, dtype=mg.float64)
    optimizer.zero_grad(set_to_none=False)
    assert param.grad.shape == (2, 3) and param.grad.dtype == mg.float64
    assert not param.grad.numpy().any()


# ---- where torch warns rather than refuses ---------------------------------------------


def _duplicated(lib, model):
    first, *rest = list(model.parameters())
    return [first, *rest, first]  # the first weight listed twice in one group


@pytest.mark.parametrize(
    "name, options",
    [("SGD", {"lr": 0.1}), ("Adam", {"lr": 0.01}), ("AdamW", {"lr": 0.01, "amsgrad": True})],
)
def test_a_parameter_listed_twice_in_a_group_warns_and_steps_as_torch(torch, name, options):
    model, twin = make_models(torch)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        twin_optimizer = getattr(torch.optim, name)(
            _duplicated(torch, twin), foreach=False, **options
        )
    with pytest.warns(UserWarning, match="more than once"):
        optimizer = getattr(mg.optim, name)(_duplicated(mg, model), **options)
    assert len(optimizer.param_groups[0]["params"]) == len(
        twin_optimizer.param_groups[0]["params"]
    )
    for step in range(3):
        x = np.random.default_rng(step).standard_normal((8, 4))
        for module, opt, lib in ((model, optimizer, mg), (twin, twin_optimizer, torch)):
            opt.zero_grad()
            (module(lib.tensor(x)) ** 2).mean().backward()
            opt.step()
    for (key, value), twin_value in zip(model.state_dict().items(), twin.state_dict().values()):
        np.testing.assert_allclose(value.numpy(), twin_value.numpy(), rtol=1e-10, err_msg=key)
    # The state dict numbers a repeated parameter by its last position, as torch's.
    state, twin_state = optimizer.state_dict(), twin_optimizer.state_dict()
    assert state["param_groups"][0]["params"] == twin_state["param_groups"][0]["params"]
    assert sorted(state["state"]) == sorted(twin_state["state"])
    # Both its own and torch's state dict load back.
    with pytest.warns(UserWarning):
        fresh = getattr(mg.optim, name)(_duplicated(mg, model), **options)
    fresh.load_state_dict(state)
    fresh.load_state_dict(_to_numpy(twin_state))
    assert len(fresh.state) == len(optimizer.state)


def test_duplicates_across_groups_and_non_leaves_are_refused_as_torch(torch):
    for lib in (mg, torch):
        param = lib.nn.Parameter(lib.zeros(2))
        with pytest.raises(ValueError, match="more than one"):
            lib.optim.SGD([{"params": [param]}, {"params": [param]}], lr=0.1)
        with pytest.raises(ValueError, match="leaf"):
            lib.optim.SGD([param * 2], lr=0.1)
        optimizer = lib.optim.SGD([param], lr=0.1)
        with pytest.raises(ValueError, match="more than one"):
            optimizer.add_param_group({"params": [param]})
        assert len(optimizer.param_groups) == 1
