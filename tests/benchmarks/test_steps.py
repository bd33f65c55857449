"""The bench's training steps (benchmarks/steps.py) and its ratios (benchmarks/report.py).

The small suite is written once for both libraries; given one state dict and the same
inputs, minigrad and torch must compute the same chain, gradients, losses and Adam
updates, or the bench would time two different computations. Every step must build and
run in each library, and the tables' ratios must read minigrad over torch.
"""

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(monkeypatch):
    """benchmarks/ importable for one test; its modules and the examples' go after it."""
    monkeypatch.setattr(sys, "path", [str(ROOT / "benchmarks"), *sys.path])
    yield importlib.import_module
    for name, module in list(sys.modules.items()):
        source = Path(getattr(module, "__file__", None) or "/").resolve()
        if source.parent in (ROOT / "benchmarks", ROOT / "examples"):
            del sys.modules[name]


def test_chain_matches_torch_forward_and_gradients(bench, torch):
    steps = bench("steps")
    x, w, b = steps.chain_arrays()
    ours = [mg.tensor(x), mg.tensor(w, requires_grad=True), mg.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(x), torch.tensor(w, requires_grad=True)]
    theirs.append(torch.tensor(b, requires_grad=True))

    out_ours, out_theirs = steps.chain(*ours), steps.chain(*theirs)
    out_ours.sum().backward()
    out_theirs.sum().backward()

    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-5)
    for leaf_ours, leaf_theirs in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(
            leaf_ours.grad.numpy(), leaf_theirs.grad.numpy(), rtol=1e-4, atol=1e-6
        )
        assert np.abs(leaf_theirs.grad.numpy()).min() > 1e-3  # a gradient that tests something


def test_mlp_gan_step_matches_torch_from_one_state_dict(bench, torch):
    steps = bench("steps")
    torch.manual_seed(0)
    theirs = steps.mlp_gan_models(torch.nn)
    ours = steps.mlp_gan_models(mg.nn)
    for model_ours, model_theirs in zip(ours, theirs):
        state = {k: v.detach().numpy().copy() for k, v in model_theirs.state_dict().items()}
        model_ours.load_state_dict(state)
    real = steps.ring_of_gaussians(steps.MLP_BATCH)
    noise = np.random.default_rng(1).standard_normal((steps.MLP_BATCH, steps.MLP_NOISE))
    noise = noise.astype(np.float32)

    losses_theirs = steps.mlp_gan_step(
        torch, theirs, steps.mlp_gan_optimizers(torch, theirs),
        torch.tensor(real), torch.tensor(noise),
    )  # fmt: skip
    losses_ours = steps.mlp_gan_step(
        mg, ours, steps.mlp_gan_optimizers(mg, ours), mg.tensor(real), mg.tensor(noise)
    )

    np.testing.assert_allclose(losses_ours, losses_theirs, rtol=1e-5)
    for model_ours, model_theirs in zip(ours, theirs):
        after = model_theirs.state_dict()
        for name, value in model_ours.state_dict().items():
            np.testing.assert_allclose(
                value.numpy(), after[name].numpy(), rtol=1e-4, atol=1e-6, err_msg=name
            )


@pytest.mark.parametrize("library", ["minigrad", "torch"])
def test_every_step_builds_and_runs_twice(bench, library):
    if library == "torch":
        pytest.importorskip("torch")
    steps = bench("steps")
    loaded = steps.load(library)
    for step in steps.STEPS:
        run = step.build(loaded)
        run()
        run()


def test_ratios_read_minigrad_over_torch_and_the_mean_leaves_the_chain_out(bench):
    report = bench("report")

    def timing(seconds):
        return {"median": seconds, "min": seconds, "max": seconds}

    def records(chain, mlp, vae):
        return [
            {"kind": "step", "name": "op chain", "timing": timing(chain)},
            {"kind": "step", "name": "MLP GAN", "timing": timing(mlp)},
            {"kind": "step", "name": "VAE", "timing": timing(vae)},
        ]

    run = report.Run(1, 3, records(0.004, 0.002, 0.009), records(0.001, 0.001, 0.001))
    ratios = report.step_ratios(run)

    assert ratios == pytest.approx({"op chain": 4.0, "MLP GAN": 2.0, "VAE": 9.0})
    assert report.training_mean(ratios) == pytest.approx(np.sqrt(2.0 * 9.0))
    table = report.steps_table(run).markdown()
    assert "| op chain |" in table and "| 4.00 |" in table
