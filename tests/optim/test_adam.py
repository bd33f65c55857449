"""Adam and AdamW: ten steps against torch in float64; amsgrad; groups; errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with
from tests.optim.twin_training import make_models, run_both


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize(
    "options",
    [
        {"lr": 0.01},
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True},
    ],
)
def test_ten_steps_match_torch(torch, name, options):
    run_both(torch, name, options)


def test_adamw_default_weight_decay_matches_torch(torch):
    assert mg.optim.AdamW([mg.nn.Parameter(mg.zeros(1))]).param_groups[0]["weight_decay"] == 0.01
    run_both(torch, "AdamW", {"lr": 0.05})


def test_parameter_groups_match_torch(torch):
    run_both(torch, "Adam", {"lr": 0.01}, groups={"lr": 0.03, "weight_decay": 0.2})


def test_adam_and_adamw_differ_with_weight_decay(torch):
    model, _ = make_models(torch)
    copy, _ = make_models(torch)
    copy.load_state_dict(model.state_dict())
    for module, name in ((model, "Adam"), (copy, "AdamW")):
        optimizer = getattr(mg.optim, name)(module.parameters(), lr=0.1, weight_decay=0.5)
        module(mg.ones(1, 4, dtype=mg.float64)).sum().backward()
        optimizer.step()
    assert not np.allclose(model[0].weight.data.numpy(), copy[0].weight.data.numpy())


def test_bad_arguments():
    param = mg.nn.Parameter(mg.zeros(2))
    with assert_raises_with(ValueError, "Adam", "betas[1]", "[0.0, 1.0)", "1.0"):
        mg.optim.Adam([param], betas=(0.9, 1.0))
    with assert_raises_with(ValueError, "AdamW", "eps", "-1"):
        mg.optim.AdamW([param], eps=-1)
    with assert_raises_with(TypeError, "Adam", "lr", "str"):
        mg.optim.Adam([param], lr="0.1")


@pytest.mark.parametrize(
    "options, error",
    [
        ({"lr": float("nan")}, ValueError),
        ({"betas": (float("nan"), 0.999)}, ValueError),
        ({"eps": float("nan")}, ValueError),
        ({"betas": (0.9, -0.1)}, ValueError),
    ],
)
def test_bad_values_are_refused_as_torch_refuses_them(torch, options, error):
    with pytest.raises(error):
        torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], **options)
    with pytest.raises(error):
        mg.optim.Adam([mg.nn.Parameter(mg.zeros(2))], **options)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_each_step_bumps_every_moment_once(amsgrad):
    param = mg.nn.Parameter(mg.zeros(3))
    optimizer = mg.optim.Adam([param], amsgrad=amsgrad)
    param.grad = mg.ones(3)
    optimizer.step()
    moments = {k: v for k, v in optimizer.state[param].items() if k != "step"}
    assert len(moments) == (3 if amsgrad else 2)
    versions = {k: v._version for k, v in moments.items()}
    optimizer.step()
    assert {k: v._version for k, v in optimizer.state[param].items() if k != "step"} == {
        k: version + 1 for k, version in versions.items()
    }


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_steps_on_the_reference_kernels_give_the_same_bits(name, amsgrad):
    # The numpy equations beside Adam's loop give its bits, moments and all.
    def train(kernels: str) -> list[np.ndarray]:
        mg.manual_seed(0)
        model = mg.nn.Sequential(mg.nn.Linear(5, 7), mg.nn.Tanh(), mg.nn.Linear(7, 2))
        optimizer = getattr(mg.optim, name)(
            model.parameters(), lr=0.01, weight_decay=0.1, amsgrad=amsgrad
        )
        x = mg.tensor(np.random.default_rng(4).standard_normal((6, 5)).astype(np.float32))
        for _ in range(4):
            optimizer.zero_grad()
            (model(x) ** 2).mean().backward()
            with mg.kernels.use(kernels):  # only the step: the gradients are the same
                optimizer.step()
        moments = [m.numpy() for state in optimizer.state.values() for m in state.values()
                   if isinstance(m, mg.Tensor)]  # fmt: skip
        return [p.detach().numpy() for p in model.parameters()] + moments

    for got, want in zip(train("reference"), train("fast"), strict=True):
        np.testing.assert_array_equal(got, want)
