"""The conditional GAN example: smoke runs of it and its PyTorch twin, and the two compared.

The comparison builds the generator and the discriminator in both libraries from one
state dict (torch's, loaded into minigrad's), gives both the same digits, labels, noise
and requested classes, and matches the forward, the two losses and every parameter
gradient in float64, and the parameters after one training step (a discriminator and a
generator Adam step) in float32.
"""

import sys

import numpy as np
import pytest

import minigrad as mg

from ._run import run_example
from .test_vae_digits import _assert_close, _example_module

BATCH = 8
OUTPUTS = ["samples.png", "losses.png"]


def test_cgan_smoke_run_writes_pictures_checkpoint_and_figures(tmp_path, monkeypatch):
    stdout = run_example("cgan_digits.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    example = _example_module(monkeypatch, "cgan_digits")
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    example.Generator().load_state_dict(checkpoint["generator"])
    example.Discriminator().load_state_dict(checkpoint["discriminator"])
    assert checkpoint["generator"]["label.weight"].shape == (10, 16)
    assert "minigrad conditional GAN: 1 epochs of 2 steps" in stdout
    assert "scoring skipped in --smoke" in stdout


def test_cgan_torch_twin_runs_and_writes_the_same_outputs(tmp_path, monkeypatch, capsys, torch):
    twin = _example_module(monkeypatch, "cgan_digits_torch")
    monkeypatch.setattr(sys, "argv", ["cgan_digits_torch.py", "--smoke", "--out", str(tmp_path)])
    twin.main()

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "PyTorch conditional GAN: 1 epochs of 2 steps" in capsys.readouterr().out
    example = _example_module(monkeypatch, "cgan_digits")
    weights = torch.load(tmp_path / "checkpoint.pt")
    example.Generator().load_state_dict({k: v.numpy() for k, v in weights["generator"].items()})
    example.Discriminator().load_state_dict(
        {k: v.numpy() for k, v in weights["discriminator"].items()}
    )


def _both_models(torch, monkeypatch, dtype):
    """The twin's two networks and minigrad's, from the twin's initial weights, in ``dtype``."""
    example = _example_module(monkeypatch, "cgan_digits")
    twin = _example_module(monkeypatch, "cgan_digits_torch")
    torch.manual_seed(0)
    pairs = []
    for name in ["Generator", "Discriminator"]:
        theirs, ours = getattr(twin, name)(), getattr(example, name)()
        theirs.apply(twin.weights_init)
        if dtype == np.float64:
            theirs.double()
            ours.double()
        state = {key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()}
        assert list(state) == list(ours.state_dict())
        ours.load_state_dict(state)
        pairs.append((ours, theirs))

    rng = np.random.default_rng(0)
    batch = {
        "real": rng.uniform(-1, 1, (BATCH, 1, 8, 8)).astype(dtype),
        "labels": rng.integers(0, 10, BATCH),
        "noise": rng.standard_normal((BATCH, example.NOISE)).astype(dtype),
        "wanted": rng.integers(0, 10, BATCH),
    }
    return example, twin, pairs, batch


def test_forward_losses_and_gradients_match_torch_in_float64(monkeypatch, torch):
    example, twin, pairs, batch = _both_models(torch, monkeypatch, np.float64)
    (generator, torch_generator), (discriminator, torch_discriminator) = pairs
    ours = {key: mg.tensor(value) for key, value in batch.items()}
    theirs = {key: torch.tensor(value) for key, value in batch.items()}

    fake = generator(ours["noise"], ours["wanted"])
    torch_fake = torch_generator(theirs["noise"], theirs["wanted"])
    _assert_close(fake.detach().numpy(), torch_fake.detach().numpy(), 1e-10)
    logits = discriminator(fake, ours["wanted"]) - discriminator(ours["real"], ours["labels"])
    torch_logits = torch_discriminator(torch_fake, theirs["wanted"]) - torch_discriminator(
        theirs["real"], theirs["labels"]
    )
    _assert_close(logits.detach().numpy(), torch_logits.detach().numpy(), 1e-10)
    loss = example.nn.BCEWithLogitsLoss()(logits, ours["real"].new_ones(BATCH))
    torch_loss = twin.nn.BCEWithLogitsLoss()(torch_logits, theirs["real"].new_ones(BATCH))
    _assert_close(loss.item(), torch_loss.item(), 1e-10)
    loss.backward()
    torch_loss.backward()
    for model, torch_model in pairs:
        for (name, p), (torch_name, q) in zip(
            model.named_parameters(), torch_model.named_parameters()
        ):
            assert name == torch_name
            _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)


def test_one_training_step_matches_torch_in_float32(monkeypatch, torch):
    example, twin, pairs, batch = _both_models(torch, monkeypatch, np.float32)
    (generator, torch_generator), (discriminator, torch_discriminator) = pairs

    before = [
        [p.detach().numpy().copy() for p in model.parameters()]
        for model in [torch_generator, torch_discriminator]
    ]

    def adam(module, model):
        return module.optim.Adam(model.parameters(), lr=2e-3, betas=(0.5, 0.999))

    losses = example.train_step(
        generator,
        discriminator,
        adam(mg, generator),
        adam(mg, discriminator),
        *(mg.tensor(value) for value in batch.values()),
    )
    torch_losses = twin.train_step(
        torch_generator,
        torch_discriminator,
        adam(torch, torch_generator),
        adam(torch, torch_discriminator),
        *(torch.tensor(value) for value in batch.values()),
    )
    assert losses == pytest.approx(torch_losses, rel=1e-5)
    # Adam's first step is lr * g / (|g| + eps), nearly lr * sign(g): where a gradient is
    # within float32 rounding of 0, its sign, and so the step, is the rounding's. Entries
    # whose step in torch is in (0, 0.999 lr) (0 < |g| < 1e-5) are left out; they are rare.
    for (model, torch_model), initial in zip(pairs, before):
        for (name, p), q, start in zip(
            model.named_parameters(), torch_model.parameters(), initial
        ):
            step = np.abs(q.detach().numpy() - start)
            kept = (step > 0.999 * 2e-3) | (step == 0)  # 0: an embedding row not in the batch
            assert kept.mean() > 0.95, name
            _assert_close(p.detach().numpy()[kept], q.detach().numpy()[kept], 1e-4, name)
    for model, torch_model in pairs:
        for (name, p), q in zip(model.named_buffers(), torch_model.buffers()):
            if p.dtype != mg.int64:
                _assert_close(p.numpy(), q.numpy(), 1e-4, name)
