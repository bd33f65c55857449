"""Run one optimiser in minigrad and in torch on twin models, and compare everything.

The models start from the same weights and see the same batches; after the steps, the
parameters and every state entry must agree to 1e-12 in float64 (1e-6 in float32).
The state dicts are then exchanged both ways: each library's loads into the other's
optimiser, and both go on to the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg

TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


def assert_near(mine: np.ndarray, theirs: np.ndarray, dtype: str, what: str) -> None:
    """Equal to the tolerance, relative to the array's largest entry (and at least 1):
    float32 rounds differently where torch fuses a multiply-add.
    """
    scale = max(1.0, float(np.max(np.abs(theirs), initial=0.0)))
    difference = float(np.max(np.abs(mine - theirs), initial=0.0))
    assert mine.shape == theirs.shape and mine.dtype == theirs.dtype, what
    assert difference <= TOLERANCE[dtype] * scale, f"{what}: differs by {difference}"


def twin_models(torch: Any, dtype: str) -> tuple[Any, Any]:
    model = mg.nn.Sequential(mg.nn.Linear(4, 5), mg.nn.Tanh(), mg.nn.Linear(5, 2))
    twin = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    model = model.double() if dtype == "float64" else model
    twin = twin.double() if dtype == "float64" else twin
    twin.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    )
    return model, twin


def groups(model: Any, extra: dict[str, Any] | None) -> Any:
    if extra is None:
        return list(model.parameters())
    return [
        {"params": list(model[0].parameters())},
        {"params": list(model[2].parameters()), **extra},
    ]


def batches(dtype: str, count: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((6, 4)).astype(dtype), rng.standard_normal((6, 2)).astype(dtype))
        for _ in range(count)
    ]


def train(lib: Any, model: Any, optimizer: Any, data: list[Any]) -> None:
    for inputs, targets in data:
        optimizer.zero_grad()
        loss = ((model(lib.tensor(inputs)) - lib.tensor(targets)) ** 2).mean()
        loss.backward()
        optimizer.step()


def as_numpy(value: Any) -> Any:
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    if isinstance(value, mg.Tensor):
        return value.numpy().copy()
    if isinstance(value, dict):
        return {key: as_numpy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(as_numpy(item) for item in value)
    return value


def to_torch_state(torch: Any, state_dict: dict[str, Any]) -> dict[str, Any]:
    """A minigrad optimiser state dict with torch tensors for its arrays."""

    def convert(value: Any) -> Any:
        if isinstance(value, mg.Tensor):
            return torch.from_numpy(value.numpy().copy())
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        return value

    return {"state": convert(state_dict["state"]), "param_groups": state_dict["param_groups"]}


def assert_same(model: Any, twin: Any, optimizer: Any, twin_optimizer: Any, dtype: str) -> None:
    twin_weights = twin.state_dict()
    for key, value in model.state_dict().items():
        assert_near(value.numpy(), twin_weights[key].numpy(), dtype, key)
    state, twin_state = optimizer.state_dict(), twin_optimizer.state_dict()
    assert sorted(state["state"]) == sorted(twin_state["state"])
    for index, entries in twin_state["state"].items():
        assert set(state["state"][index]) == set(entries), index
        for name, value in entries.items():
            mine = state["state"][index][name]
            if name == "step":
                assert mine == int(value.item())
                continue
            assert_near(mine.numpy(), value.numpy(), dtype, f"state[{index}][{name!r}]")
    assert len(state["param_groups"]) == len(twin_state["param_groups"])
    for group, twin_group in zip(state["param_groups"], twin_state["param_groups"]):
        assert set(group) == set(twin_group)
        assert group["params"] == twin_group["params"]
        for key, value in twin_group.items():
            assert group[key] == (
                tuple(value) if isinstance(value, list) and key != "params" else value
            ), key


def run_twins(
    torch: Any,
    name: str,
    options: dict[str, Any],
    dtype: str = "float64",
    steps: int = 6,
    extra: dict[str, Any] | None = None,
) -> tuple[Any, Any, Any, Any]:
    """Both optimisers after ``steps`` steps, checked equal; then each state dict
    loaded into a fresh optimiser of the other library, and both run on alike.
    """
    model, twin = twin_models(torch, dtype)
    optimizer = getattr(mg.optim, name)(groups(model, extra), **options)
    twin_optimizer = getattr(torch.optim, name)(groups(twin, extra), **options)
    data = batches(dtype, steps)
    train(mg, model, optimizer, data)
    train(torch, twin, twin_optimizer, data)
    assert_same(model, twin, optimizer, twin_optimizer, dtype)
    # Swap the state dicts: torch's into a fresh minigrad optimiser, and the reverse.
    fresh = getattr(mg.optim, name)(groups(model, extra), **options)
    fresh.load_state_dict(as_numpy(twin_optimizer.state_dict()))
    twin_fresh = getattr(torch.optim, name)(groups(twin, extra), **options)
    twin_fresh.load_state_dict(to_torch_state(torch, optimizer.state_dict()))
    more = batches(dtype, 2, seed=1)
    train(mg, model, fresh, more)
    train(torch, twin, twin_fresh, more)
    assert_same(model, twin, fresh, twin_fresh, dtype)
    return model, twin, fresh, twin_fresh
