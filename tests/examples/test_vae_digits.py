"""The VAE example: a smoke run of it and of its PyTorch twin, and the two models compared.

The comparison builds the VAE in both libraries from one state dict (torch's, loaded
into minigrad's), feeds both the same digits and the same reparameterisation noise, and
matches the forward, the loss and every parameter gradient in float64, and the
parameters after one Adam step in float32.
"""

import sys

import numpy as np
import pytest

import minigrad as mg

from ._run import EXAMPLES, run_example

BATCH = 8
OUTPUTS = ["reconstructions.png", "samples.png", "latent_walk.png", "losses.png"]


def _example_module(monkeypatch, name):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    module = __import__(name)
    monkeypatch.delitem(sys.modules, name)
    return module


def _figure(stdout, label):
    line = next(line for line in stdout.splitlines() if line.strip().startswith(label))
    return float(line.split(":")[1].split()[0])


def test_vae_smoke_run_writes_pictures_checkpoint_and_figures(tmp_path, monkeypatch):
    stdout = run_example("vae_digits.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    example = _example_module(monkeypatch, "vae_digits")
    model = example.VAE()
    model.load_state_dict(mg.load(tmp_path / "checkpoint.npz"))  # strict: every key and shape
    assert model.decoder[3].weight.shape == (32, 16, 4, 4)  # ConvTranspose2d: (C_in, C_out, ...)
    elbo = _figure(stdout, "held-out negative ELBO")
    estimate = _figure(stdout, "held-out -log p(x), 10 importance-sampled codes")
    independent = _figure(stdout, "baseline independent pixels")
    mixture = _figure(stdout, "baseline mixture of 10")
    # The importance-sampled bound is the tighter one; the baselines are exact and fixed.
    assert 0 < estimate <= elbo + 1e-6
    assert 20 < mixture < independent < 30
    assert "baseline PCA, 8 components" in stdout


def test_vae_torch_twin_runs_and_writes_the_same_outputs(tmp_path, monkeypatch, capsys, torch):
    twin = _example_module(monkeypatch, "vae_digits_torch")
    monkeypatch.setattr(sys, "argv", ["vae_digits_torch.py", "--smoke", "--out", str(tmp_path)])
    twin.main()

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "held-out negative ELBO" in capsys.readouterr().out
    example = _example_module(monkeypatch, "vae_digits")
    weights = torch.load(tmp_path / "checkpoint.pt")
    example.VAE().load_state_dict({key: value.numpy() for key, value in weights.items()})


def _both_models(torch, monkeypatch, dtype):
    """The twin's VAE and minigrad's, from the twin's initial weights, in ``dtype``."""
    example = _example_module(monkeypatch, "vae_digits")
    twin = _example_module(monkeypatch, "vae_digits_torch")
    torch.manual_seed(0)
    theirs, ours = twin.VAE(), example.VAE()
    if dtype == np.float64:
        theirs.double()
        ours.double()
    state = {key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()}
    assert list(state) == list(ours.state_dict())
    ours.load_state_dict(state)

    rng = np.random.default_rng(0)
    images = (rng.random((BATCH, 1, 8, 8)) < 0.3).astype(dtype)
    eps = rng.standard_normal((BATCH, 8)).astype(dtype)
    # The same reparameterisation noise in both libraries.
    monkeypatch.setattr(mg, "randn_like", lambda tensor: mg.tensor(eps))
    monkeypatch.setattr(torch, "randn_like", lambda tensor: torch.tensor(eps))
    return example, twin, ours, theirs, images


def _assert_close(ours, theirs, tolerance, name=""):
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    scale = float(np.abs(theirs).max()) + 1e-300
    assert np.abs(ours - theirs).max() <= tolerance * scale, name


def test_forward_loss_and_gradients_match_torch_in_float64(monkeypatch, torch):
    example, twin, ours, theirs, images = _both_models(torch, monkeypatch, np.float64)
    x, x_torch = mg.tensor(images), torch.tensor(images)

    outputs, torch_outputs = ours(x), theirs(x_torch)
    for output, torch_output in zip(outputs, torch_outputs):
        _assert_close(output.detach().numpy(), torch_output.detach().numpy(), 1e-10)
    loss, kl = example.loss_function(outputs[0], x, *outputs[1:])
    torch_loss, torch_kl = twin.loss_function(torch_outputs[0], x_torch, *torch_outputs[1:])
    _assert_close(loss.item(), torch_loss.item(), 1e-10)
    _assert_close(kl.item(), torch_kl.item(), 1e-10)
    loss.backward()
    torch_loss.backward()
    for (name, p), (torch_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == torch_name
        _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)


def test_one_adam_step_matches_torch_in_float32(monkeypatch, torch):
    example, twin, ours, theirs, images = _both_models(torch, monkeypatch, np.float32)
    optimizer = mg.optim.Adam(ours.parameters(), lr=2e-3)
    torch_optimizer = torch.optim.Adam(theirs.parameters(), lr=2e-3)

    loss = example.train_step(ours, optimizer, mg.tensor(images))
    torch_loss = twin.train_step(theirs, torch_optimizer, torch.tensor(images))
    assert loss == pytest.approx(torch_loss, rel=1e-5)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        _assert_close(p.detach().numpy(), q.detach().numpy(), 1e-4, name)
