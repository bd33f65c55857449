"""The pix2pix example: smoke runs of it and its PyTorch twin, and the two compared.

The comparison builds the U-Net and the PatchGAN in both libraries from one state dict
each (torch's, loaded into minigrad's), feeds both the same edge maps and digits, and
matches the generator's output, the discriminator's logits, both losses and every
parameter gradient of both nets in float64 (BatchNorm in training mode), and the
parameters after one training step of both Adams in float32.
"""

import sys

import numpy as np
import pytest

import minigrad as mg

from ._run import run_example
from .test_vae_digits import _assert_close, _example_module, _figure

BATCH = 8
OUTPUTS = ["comparison.png", "losses.png"]


def test_pix2pix_smoke_run_writes_pictures_checkpoint_and_figures(tmp_path, monkeypatch):
    stdout = run_example("pix2pix_digits.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    example = _example_module(monkeypatch, "pix2pix_digits")
    generator = example.UNet()
    generator.load_state_dict(mg.load(tmp_path / "checkpoint.npz"))
    assert generator.up2[0].weight.shape == (64, 1, 4, 4)  # 32 up + 32 skip channels in
    ours = _figure(stdout, "held-out L1")
    mean_digit = _figure(stdout, "baseline mean training digit")
    edges = _figure(stdout, "baseline edge map")
    assert 0 < ours < 1.5
    assert 0.3 < mean_digit < 0.45 and 0.8 < edges < 0.9  # fixed by the data and the split


def test_edge_maps_are_thresholded_sobel_magnitudes(monkeypatch):
    example = _example_module(monkeypatch, "pix2pix_digits")
    images = -np.ones((1, 1, 8, 8), dtype=np.float32)
    images[:, :, :, 4:] = 1.0  # a vertical step from paper (0) to ink (16)
    edges = example.edge_maps(images)
    assert edges.shape == (1, 1, 8, 8) and edges.dtype == np.float32
    # Sobel magnitude 4 * 16 = 64 on the two columns beside the step, 0 elsewhere.
    expected = np.full((8, 8), -1.0)
    expected[:, 3:5] = 1.0
    assert np.array_equal(edges[0, 0], expected)


def test_pix2pix_torch_twin_runs_and_writes_the_same_outputs(tmp_path, monkeypatch, capsys, torch):
    twin = _example_module(monkeypatch, "pix2pix_digits_torch")
    monkeypatch.setattr(
        sys, "argv", ["pix2pix_digits_torch.py", "--smoke", "--out", str(tmp_path)]
    )
    twin.main()

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "held-out L1" in capsys.readouterr().out
    example = _example_module(monkeypatch, "pix2pix_digits")
    weights = torch.load(tmp_path / "checkpoint.pt")
    example.UNet().load_state_dict({k: v.numpy() for k, v in weights.items()})


def _both_models(torch, monkeypatch, dtype):
    """The twin's nets and minigrad's, from the twin's initial weights, in ``dtype``."""
    example = _example_module(monkeypatch, "pix2pix_digits")
    twin = _example_module(monkeypatch, "pix2pix_digits_torch")
    torch.manual_seed(0)
    theirs = (twin.UNet(), twin.PatchDiscriminator())
    ours = (example.UNet(), example.PatchDiscriminator())
    for mine, other in zip(ours, theirs):
        if dtype == np.float64:
            mine.double()
            other.double()
        state = {key: value.detach().numpy().copy() for key, value in other.state_dict().items()}
        assert list(state) == list(mine.state_dict())
        mine.load_state_dict(state)

    images = example._digits.digit_images()[0][:BATCH].astype(dtype)  # real digits
    edges = example.edge_maps(images).astype(dtype)
    return example, twin, ours, theirs, edges, images


def _assert_gradients(ours, theirs):
    for mine, other in zip(ours, theirs):
        for (name, p), (torch_name, q) in zip(mine.named_parameters(), other.named_parameters()):
            assert name == torch_name
            _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)
            p.grad = None
            q.grad = None


def test_forward_losses_and_gradients_match_torch_in_float64(monkeypatch, torch):
    example, twin, ours, theirs, edges, images = _both_models(torch, monkeypatch, np.float64)
    (generator, discriminator), (torch_generator, torch_discriminator) = ours, theirs
    e, x = mg.tensor(edges), mg.tensor(images)
    e_torch, x_torch = torch.tensor(edges), torch.tensor(images)

    fake, torch_fake = generator(e), torch_generator(e_torch)
    _assert_close(fake.detach().numpy(), torch_fake.detach().numpy(), 1e-10)
    logits = discriminator(e, fake).detach().numpy()
    _assert_close(logits, torch_discriminator(e_torch, torch_fake).detach().numpy(), 1e-10)

    d_loss = example.discriminator_loss(discriminator, e, x, fake)
    torch_d_loss = twin.discriminator_loss(torch_discriminator, e_torch, x_torch, torch_fake)
    _assert_close(d_loss.item(), torch_d_loss.item(), 1e-10)
    d_loss.backward()
    torch_d_loss.backward()
    assert all(p.grad is None for p in generator.parameters())  # the fake is detached
    _assert_gradients(ours[1:], theirs[1:])

    adversarial, l1 = example.generator_losses(discriminator, e, x, fake)
    torch_adversarial, torch_l1 = twin.generator_losses(
        torch_discriminator, e_torch, x_torch, torch_fake
    )
    _assert_close(adversarial.item(), torch_adversarial.item(), 1e-10)
    _assert_close(l1.item(), torch_l1.item(), 1e-10)
    (adversarial + example.L1_WEIGHT * l1).backward()
    (torch_adversarial + twin.L1_WEIGHT * torch_l1).backward()
    _assert_gradients(ours, theirs)
    for mine, other in zip(ours, theirs):
        for name, buffer in other.named_buffers():
            _assert_close(mine.state_dict()[name], buffer.numpy(), 1e-10, name)


def test_one_training_step_matches_torch_in_float32(monkeypatch, torch):
    example, twin, ours, theirs, edges, images = _both_models(torch, monkeypatch, np.float32)
    optimizers = [mg.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999)) for net in ours]
    torch_optimizers = [
        torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999)) for net in theirs
    ]

    losses = example.train_step(*ours, *optimizers, mg.tensor(edges), mg.tensor(images))
    torch_losses = twin.train_step(
        *theirs, *torch_optimizers, torch.tensor(edges), torch.tensor(images)
    )
    assert losses == pytest.approx(torch_losses, rel=1e-5)
    for mine, other in zip(ours, theirs):
        for (name, p), q in zip(mine.named_parameters(), other.parameters()):
            _assert_close(p.detach().numpy(), q.detach().numpy(), 1e-4, name)
