"""The MelGAN-style example: smoke runs of it and its PyTorch twin, and the two compared.

The comparison builds the generator and the discriminator in both libraries from one
state dict (torch's, loaded into minigrad's), feeds both the same coarse signals, and
matches the generator's forward, the discriminator's hinge loss, the generator's loss
(hinge, feature matching, waveform and spectral L1) and every parameter gradient in
float64, and the parameters after one training step of both nets in float32.
"""

import sys

import numpy as np
import pytest

import minigrad as mg

from ._run import run_example
from .test_vae_digits import _assert_close, _example_module, _figure

BATCH = 4
OUTPUTS = ["waveforms.png", "spectra.png", "losses.png"]


def test_melgan_smoke_run_writes_pictures_checkpoint_and_figures(tmp_path, monkeypatch):
    stdout = run_example("melgan_signals.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    example = _example_module(monkeypatch, "melgan_signals")
    generator = example.Generator()
    generator.load_state_dict(mg.load(tmp_path / "checkpoint.npz"))
    assert "layers.1.parametrizations.weight.original0" in generator.state_dict()
    ours = _figure(stdout, "held-out spectral distance")
    linear = _figure(stdout, "baseline linear F.interpolate:")
    assert 0 < ours < 5
    assert 0.5 < linear < 0.6  # fixed by the data and the seed


def test_melgan_torch_twin_runs_and_writes_the_same_outputs(tmp_path, monkeypatch, capsys, torch):
    twin = _example_module(monkeypatch, "melgan_signals_torch")
    monkeypatch.setattr(
        sys, "argv", ["melgan_signals_torch.py", "--smoke", "--out", str(tmp_path)]
    )
    twin.main()

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "held-out spectral distance" in capsys.readouterr().out
    example = _example_module(monkeypatch, "melgan_signals")
    weights = torch.load(tmp_path / "checkpoint.pt")
    example.Generator().load_state_dict({k: v.numpy() for k, v in weights.items()})


def test_signals_and_baseline_are_the_same_in_both_libraries(monkeypatch, torch):
    example = _example_module(monkeypatch, "melgan_signals")
    twin = _example_module(monkeypatch, "melgan_signals_torch")
    waves = example.signals(16, np.random.default_rng(3))
    assert np.abs(waves).max() <= 1
    low = example.coarse(waves)
    assert low.shape == (16, 1, 32)
    np.testing.assert_allclose(example.interpolated(low), twin.interpolated(low), atol=1e-6)


def _both_models(torch, monkeypatch, dtype):
    """The twin's nets and minigrad's, from the twin's initial weights, in ``dtype``."""
    example = _example_module(monkeypatch, "melgan_signals")
    twin = _example_module(monkeypatch, "melgan_signals_torch")
    torch.manual_seed(0)
    nets = []
    for name in ["Generator", "Discriminator"]:
        theirs, ours = getattr(twin, name)(), getattr(example, name)()
        if dtype == np.float64:
            theirs.double()
            ours.double()
        state = {key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()}
        assert list(state) == list(ours.state_dict())
        ours.load_state_dict(state)
        nets.append((ours, theirs))
    waves = example.signals(BATCH, np.random.default_rng(0)).astype(dtype)
    low = example.coarse(waves).astype(dtype)
    return example, twin, nets, low, waves


def test_forward_losses_and_gradients_match_torch_in_float64(monkeypatch, torch):
    example, twin, nets, low, waves = _both_models(torch, monkeypatch, np.float64)
    (generator, torch_generator), (discriminator, torch_discriminator) = nets

    fake, torch_fake = generator(mg.tensor(low)), torch_generator(torch.tensor(low))
    _assert_close(fake.detach().numpy(), torch_fake.detach().numpy(), 1e-10)
    real, torch_real = mg.tensor(waves), torch.tensor(waves)
    loss_d = example.discriminator_loss(discriminator, real, fake.detach())
    torch_loss_d = twin.discriminator_loss(torch_discriminator, torch_real, torch_fake.detach())
    _assert_close(loss_d.item(), torch_loss_d.item(), 1e-10)
    loss_d.backward()
    torch_loss_d.backward()
    pairs = list(zip(discriminator.named_parameters(), torch_discriminator.named_parameters()))
    for (name, p), (torch_name, q) in pairs:
        assert name == torch_name
        _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)

    discriminator.zero_grad()
    torch_discriminator.zero_grad()
    loss_g = example.generator_loss(discriminator, real, fake)
    torch_loss_g = twin.generator_loss(torch_discriminator, torch_real, torch_fake)
    _assert_close(loss_g.item(), torch_loss_g.item(), 1e-10)
    loss_g.backward()
    torch_loss_g.backward()
    for ours, theirs in [(generator, torch_generator), (discriminator, torch_discriminator)]:
        for (name, p), (torch_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == torch_name
            _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)


def test_one_training_step_matches_torch_in_float32(monkeypatch, torch):
    example, twin, nets, low, waves = _both_models(torch, monkeypatch, np.float32)
    (generator, torch_generator), (discriminator, torch_discriminator) = nets
    optimizers = tuple(
        mg.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.9))
        for net in [generator, discriminator]
    )
    torch_optimizers = tuple(
        torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.9))
        for net in [torch_generator, torch_discriminator]
    )

    losses = example.train_step(
        generator, discriminator, optimizers, mg.tensor(low), mg.tensor(waves)
    )
    torch_losses = twin.train_step(
        torch_generator,
        torch_discriminator,
        torch_optimizers,
        torch.tensor(low),
        torch.tensor(waves),
    )
    assert losses == pytest.approx(torch_losses, rel=1e-4)
    # Adam's first step divides each gradient by its own size, so a weight whose gradient
    # is near zero moves by up to lr whatever float32's rounding made of that gradient:
    # the parameters after one step agree to a small part of lr, not to float32's epsilon.
    for ours, theirs in [(generator, torch_generator), (discriminator, torch_discriminator)]:
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            _assert_close(p.detach().numpy(), q.detach().numpy(), 5e-4, name)
