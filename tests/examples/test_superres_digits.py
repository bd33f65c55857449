"""The super-resolution example: smoke runs of it and its PyTorch twin, and the two compared.

The comparison builds the net in both libraries from one state dict (torch's, loaded
into minigrad's), feeds both the same 4x4 digits, and matches the forward, the L1 loss
and every parameter gradient in float64, and the parameters after one Adam step in
float32. A separate test checks that the ICNR start makes the sub-pixel layer's four
phases equal, in both libraries.
"""

import sys

import numpy as np
import pytest

import minigrad as mg

from ._run import run_example
from .test_vae_digits import _assert_close, _example_module, _figure

BATCH = 8
OUTPUTS = ["comparison.png", "init.png", "losses.png"]


def test_superres_smoke_run_writes_pictures_checkpoint_and_figures(tmp_path, monkeypatch):
    stdout = run_example("superres_digits.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    example = _example_module(monkeypatch, "superres_digits")
    model = example.SuperResolution()
    model.load_state_dict(mg.load(tmp_path / "checkpoint.npz"))
    assert model.upsample[0].weight.shape == (64, 32, 3, 3)  # 16 channels x 2 x 2 phases
    ours = _figure(stdout, "held-out PSNR")
    bicubic = _figure(stdout, "baseline bicubic")
    bilinear = _figure(stdout, "baseline bilinear")
    assert 5 < ours < 40
    assert 12 < bilinear < bicubic < 15  # fixed by the data and the seed's split


def test_superres_torch_twin_runs_and_writes_the_same_outputs(
    tmp_path, monkeypatch, capsys, torch
):
    twin = _example_module(monkeypatch, "superres_digits_torch")
    monkeypatch.setattr(
        sys, "argv", ["superres_digits_torch.py", "--smoke", "--out", str(tmp_path)]
    )
    twin.main()

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "held-out PSNR" in capsys.readouterr().out
    example = _example_module(monkeypatch, "superres_digits")
    weights = torch.load(tmp_path / "checkpoint.pt")
    example.SuperResolution().load_state_dict({k: v.numpy() for k, v in weights.items()})


def _assert_icnr(weight):
    """Every output channel's 2x2 phases have the same kernel, a kaiming-normal draw."""
    phases = np.asarray(weight).reshape(16, 4, 32, 3, 3)
    assert np.array_equal(phases, np.repeat(phases[:, :1], 4, axis=1))
    assert 0.05 < phases.std() < 0.12  # fan 32 * 9: std sqrt(2 / 288) = 0.083


def test_icnr_gives_equal_phases_in_both_libraries(monkeypatch, torch):
    example = _example_module(monkeypatch, "superres_digits")
    twin = _example_module(monkeypatch, "superres_digits_torch")
    _assert_icnr(example.SuperResolution().upsample[0].weight.detach().numpy())
    _assert_icnr(twin.SuperResolution().upsample[0].weight.detach().numpy())


def _both_models(torch, monkeypatch, dtype):
    """The twin's net and minigrad's, from the twin's initial weights, in ``dtype``."""
    example = _example_module(monkeypatch, "superres_digits")
    twin = _example_module(monkeypatch, "superres_digits_torch")
    torch.manual_seed(0)
    theirs, ours = twin.SuperResolution(), example.SuperResolution()
    if dtype == np.float64:
        theirs.double()
        ours.double()
    state = {key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()}
    assert list(state) == list(ours.state_dict())
    ours.load_state_dict(state)

    images = np.random.default_rng(0).uniform(-1, 1, (BATCH, 1, 8, 8)).astype(dtype)
    low = example.downsample(images).astype(dtype)
    return example, twin, ours, theirs, low, images


def test_forward_loss_and_gradients_match_torch_in_float64(monkeypatch, torch):
    example, twin, ours, theirs, low, images = _both_models(torch, monkeypatch, np.float64)

    output, torch_output = ours(mg.tensor(low)), theirs(torch.tensor(low))
    _assert_close(output.detach().numpy(), torch_output.detach().numpy(), 1e-10)
    loss = example.nn.L1Loss()(output, mg.tensor(images))
    torch_loss = twin.nn.L1Loss()(torch_output, torch.tensor(images))
    _assert_close(loss.item(), torch_loss.item(), 1e-10)
    loss.backward()
    torch_loss.backward()
    for (name, p), (torch_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == torch_name
        _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)


def test_one_adam_step_matches_torch_in_float32(monkeypatch, torch):
    example, twin, ours, theirs, low, images = _both_models(torch, monkeypatch, np.float32)
    optimizer = mg.optim.Adam(ours.parameters(), lr=2e-3)
    torch_optimizer = torch.optim.Adam(theirs.parameters(), lr=2e-3)

    loss = example.train_step(ours, optimizer, mg.tensor(low), mg.tensor(images))
    torch_loss = twin.train_step(theirs, torch_optimizer, torch.tensor(low), torch.tensor(images))
    assert loss == pytest.approx(torch_loss, rel=1e-5)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        _assert_close(p.detach().numpy(), q.detach().numpy(), 1e-4, name)
