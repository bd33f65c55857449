"""Train a small minigrad model and its torch twin side by side with one optimiser.

Both start from the same float64 weights and see the same data; after ten steps
every parameter must agree to 1e-6 relative (float64 should give far better).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import minigrad as mg


def make_models(torch: Any) -> tuple[mg.nn.Module, Any]:
    model = mg.nn.Sequential(mg.nn.Linear(4, 6), mg.nn.Tanh(), mg.nn.Linear(6, 2)).double()
    twin = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)
    ).double()
    twin.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    )
    return model, twin


def param_groups(model: Any, extra: dict[str, Any] | None) -> Any:
    if extra is None:
        return model.parameters()
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), **extra}]


def train(model: Any, optimizer: Any, loss_of: Any, steps: int) -> None:
    for step in range(steps):
        optimizer.zero_grad()
        loss_of(model, step).backward()
        optimizer.step()


def run_both(
    torch: Any,
    name: str,
    options: dict[str, Any],
    groups: dict[str, Any] | None = None,
    steps: int = 10,
) -> tuple[Any, Any]:
    model, twin = make_models(torch)
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((8, 4)), rng.standard_normal((8, 2))) for _ in range(steps)]
    optimizer = getattr(mg.optim, name)(param_groups(model, groups), **options)
    twin_optimizer = getattr(torch.optim, name)(param_groups(twin, groups), **options)
    train(
        model,
        optimizer,
        lambda m, s: ((m(mg.tensor(data[s][0])) - mg.tensor(data[s][1])) ** 2).mean(),
        steps,
    )
    train(
        twin,
        twin_optimizer,
        lambda m, s: ((m(torch.tensor(data[s][0])) - torch.tensor(data[s][1])) ** 2).mean(),
        steps,
    )
    assert_same_parameters(model, twin)
    return optimizer, twin_optimizer


def assert_same_parameters(model: Any, twin: Any) -> None:
    twin_state = twin.state_dict()
    moved = False
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(
            value.numpy(), twin_state[key].numpy(), rtol=1e-6, atol=1e-12, err_msg=key
        )
        moved = True
    assert moved
