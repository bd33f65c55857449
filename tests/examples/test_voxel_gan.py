"""The voxel GAN example: its shapes and score, a smoke run of it and of its PyTorch twin,
and its two networks compared with the twin's.

The comparison builds the generator and the discriminator in both libraries from one
pair of state dicts (torch's, loaded into minigrad's), feeds both the same volumes and
noise, and matches the forward, both losses and every parameter gradient in float64,
and the parameters and BatchNorm buffers after one training step (an Adam step for
each network) in float32.
"""

import sys

import numpy as np
import pytest

import minigrad as mg

from ._run import EXAMPLES, run_example

BATCH = 4
OUTPUTS = ["samples.png", "real.png", "losses.png", "samples.npy"]


def _example_module(monkeypatch, name):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    module = __import__(name)
    monkeypatch.delitem(sys.modules, name)
    return module


def test_the_shapes_are_solid_inside_the_grid_and_the_score_tells_them_from_noise(
    monkeypatch,
):
    voxels = _example_module(monkeypatch, "_voxels")
    shapes, labels = voxels.voxel_shapes(300, seed=0)
    assert shapes.shape == (300, 1, 16, 16, 16) and shapes.dtype == np.float32
    assert set(np.unique(shapes)) == {0.0, 1.0}
    assert np.bincount(labels).tolist() == [100, 100, 100]
    filled = shapes.reshape(300, -1).sum(axis=1)
    assert filled.min() > 20
    assert np.array_equal(voxels.voxel_shapes(300, seed=0)[0], shapes)  # deterministic

    fresh, _ = voxels.voxel_shapes(120, seed=1)
    real = voxels.score(fresh[:60], shapes, labels, fresh[60:])
    noise = (np.random.default_rng(0).random(fresh[:60].shape) < 0.12).astype(np.float32)
    assert real["quality"] > 0.7
    assert voxels.score(noise, shapes, labels, fresh[60:])["quality"] == 0.0


def test_voxel_gan_smoke_run_writes_samples_pictures_checkpoint_and_scores(tmp_path, monkeypatch):
    stdout = run_example("voxel_gan.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    samples = np.load(tmp_path / "samples.npy")
    assert samples.shape == (32, 1, 16, 16, 16)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    for name in ["samples", "fresh real shapes", "noise", "one shape repeated"]:
        assert f"  {name}: quality " in stdout
    example = _example_module(monkeypatch, "voxel_gan")
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    example.generator().load_state_dict(checkpoint["generator"])  # strict: keys and shapes
    example.discriminator().load_state_dict(checkpoint["discriminator"])
    assert checkpoint["generator"]["0.weight"].shape == (32, 64, 4, 4, 4)  # (C_in, C_out, k...)


def test_voxel_gan_torch_twin_runs_and_writes_the_same_outputs(
    tmp_path, monkeypatch, capsys, torch
):
    twin = _example_module(monkeypatch, "voxel_gan_torch")
    monkeypatch.setattr(sys, "argv", ["voxel_gan_torch.py", "--smoke", "--out", str(tmp_path)])
    twin.main()

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "  samples: quality " in capsys.readouterr().out
    example = _example_module(monkeypatch, "voxel_gan")
    checkpoint = torch.load(tmp_path / "checkpoint.pt")
    for name, model in [
        ("generator", example.generator()),
        ("discriminator", example.discriminator()),
    ]:
        model.load_state_dict({key: value.numpy() for key, value in checkpoint[name].items()})


def _both(torch, monkeypatch, dtype):
    """The twin's two networks and minigrad's, from the twin's DCGAN-initialised weights."""
    example = _example_module(monkeypatch, "voxel_gan")
    twin = _example_module(monkeypatch, "voxel_gan_torch")
    torch.manual_seed(0)
    theirs = [twin.generator(), twin.discriminator()]
    ours = [example.generator(), example.discriminator()]
    for our_model, their_model in zip(ours, theirs):
        twin.dcgan_init_(their_model)
        if dtype == np.float64:
            our_model.double()
            their_model.double()
        state = {k: v.detach().numpy().copy() for k, v in their_model.state_dict().items()}
        assert list(state) == list(our_model.state_dict())
        our_model.load_state_dict(state)
    rng = np.random.default_rng(0)
    real = (rng.random((BATCH, 1, 16, 16, 16)) < 0.2).astype(dtype)
    noise = rng.standard_normal((BATCH, 32, 1, 1, 1)).astype(dtype)
    return example, twin, ours, theirs, real, noise


def _assert_close(ours, theirs, tolerance, name=""):
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    scale = float(np.abs(theirs).max()) + 1e-300
    error = np.abs(ours - theirs).max() / scale
    assert error <= tolerance, f"{name}: relative error {error:.2e}"


def _losses(library, generator, discriminator, real, noise):
    """The example's two losses, as train_step computes them, and the fakes."""
    criterion = library.nn.BCEWithLogitsLoss()
    ones, zeros = library.ones(BATCH, 1, 1, 1, 1), library.zeros(BATCH, 1, 1, 1, 1)
    fake = generator(noise)
    loss_d = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
    loss_g = criterion(discriminator(fake), ones)
    return fake, loss_d, loss_g


def _check_gradients(ours, theirs):
    for our_model, their_model in zip(ours, theirs):
        named = zip(our_model.named_parameters(), their_model.named_parameters())
        for (name, p), (torch_name, q) in named:
            assert name == torch_name
            _assert_close(p.grad.numpy(), q.grad.numpy(), 1e-10, name)
            p.grad, q.grad = None, None


def test_forward_losses_and_gradients_match_torch_in_float64(monkeypatch, torch):
    example, twin, ours, theirs, real, noise = _both(torch, monkeypatch, np.float64)
    fake, loss_d, loss_g = _losses(mg, *ours, mg.tensor(real), mg.tensor(noise))
    torch_fake, torch_loss_d, torch_loss_g = _losses(
        torch, *theirs, torch.tensor(real), torch.tensor(noise)
    )
    _assert_close(fake.detach().numpy(), torch_fake.detach().numpy(), 1e-10, "fake")
    _assert_close(loss_d.item(), torch_loss_d.item(), 1e-10, "discriminator loss")
    _assert_close(loss_g.item(), torch_loss_g.item(), 1e-10, "generator loss")
    loss_d.backward(retain_graph=True)
    torch_loss_d.backward(retain_graph=True)
    _check_gradients(ours[1:], theirs[1:])  # the discriminator's step
    loss_g.backward()
    torch_loss_g.backward()
    _check_gradients(ours, theirs)  # the generator's step (and D's gradients from it)


def test_one_training_step_matches_torch_in_float32(monkeypatch, torch):
    example, twin, ours, theirs, real, noise = _both(torch, monkeypatch, np.float32)
    lr, betas = 2e-3, (0.5, 0.999)
    optimizers = [mg.optim.Adam(m.parameters(), lr=lr, betas=betas) for m in ours]
    torch_optimizers = [torch.optim.Adam(m.parameters(), lr=lr, betas=betas) for m in theirs]
    figures = example.train_step(*ours, *optimizers, mg.tensor(real), mg.tensor(noise))
    torch_figures = twin.train_step(
        *theirs, *torch_optimizers, torch.tensor(real), torch.tensor(noise)
    )
    assert figures == pytest.approx(torch_figures, rel=1e-4)
    for our_model, their_model, torch_optimizer in zip(ours, theirs, torch_optimizers):
        for (name, p), q in zip(our_model.named_parameters(), their_model.parameters()):
            # Adam's first step moves an entry by lr * g / (|g| + 1e-8): where |g| is near
            # Adam's eps (a few of the generator's first-layer entries are ~1e-8), the
            # step depends on g's last float32 bits, so only entries with |g| > 1e-6 are
            # held to 1e-4. The others still moved by at most the learning rate.
            gradient = torch_optimizer.state[q]["exp_avg"].numpy() / (1 - betas[0])
            conditioned = np.abs(gradient) > 1e-6
            ours_after, theirs_after = p.detach().numpy(), q.detach().numpy()
            scale = float(np.abs(theirs_after).max())
            error = np.abs(ours_after - theirs_after)
            assert error[conditioned].max() <= 1e-4 * scale, name
            assert error.max() <= 2 * lr, name
        theirs_state = their_model.state_dict()
        for name, value in our_model.named_buffers():
            _assert_close(value.numpy(), theirs_state[name].numpy(), 1e-4, name)
