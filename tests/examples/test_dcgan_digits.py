"""The DCGAN demo and its PyTorch twin run end to end in smoke mode and write their outputs."""

import sys

import numpy as np

import minigrad as mg

from ._run import EXAMPLES, run_example

OUTPUTS = ["samples.npy", "samples.png", "samples_epoch_001.png", "losses.png"]


def _example_module(monkeypatch, name):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    module = __import__(name)
    monkeypatch.delitem(sys.modules, name)
    return module


def test_the_score_accepts_real_digits_and_rejects_noise(monkeypatch):
    digits = _example_module(monkeypatch, "_digits")
    from sklearn.datasets import load_digits

    real = load_digits().images[:1000]
    scores = digits.score_samples(real)
    assert scores["top_probability"] > 0.9
    assert scores["class_fractions"].min() > 0.09
    assert scores["nearest_train"] == 0.0  # they are training images
    assert 10 < scores["train_nearest"] < scores["train_pairwise"]
    assert digits.passes_bar(scores)

    noise = np.random.default_rng(0).uniform(0, 16, size=(1000, 8, 8))
    assert not digits.passes_bar(digits.score_samples(noise))


def test_dcgan_smoke_run_writes_samples_pictures_and_a_loadable_checkpoint(tmp_path, monkeypatch):
    stdout = run_example("dcgan_digits.py", "--smoke", "--out", str(tmp_path))

    for name in [*OUTPUTS, "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    samples = np.load(tmp_path / "samples.npy")
    assert samples.shape == (1000, 8, 8)
    assert samples.dtype == np.float64
    assert samples.min() >= 0.0 and samples.max() <= 16.0
    assert samples.std(axis=0).mean() > 0.01  # fresh noise per sample, not one image
    assert "classifier mean top-class probability" in stdout
    assert "mean distance to nearest training image" in stdout

    example = _example_module(monkeypatch, "dcgan_digits")
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    assert sorted(checkpoint) == ["discriminator", "generator"]
    generator, discriminator = example.generator(), example.discriminator()
    generator.load_state_dict(checkpoint["generator"])  # strict: every key and shape
    discriminator.load_state_dict(checkpoint["discriminator"])
    assert int(checkpoint["generator"]["1.num_batches_tracked"].item()) == 2  # two steps


def test_dcgan_torch_twin_has_the_same_state_dict_layout(tmp_path, monkeypatch, torch):
    run_example(
        "dcgan_digits_torch.py", "--smoke", "--no-score", "--threads", "1", "--out", str(tmp_path)
    )

    for name in [*OUTPUTS, "checkpoint.pt"]:
        assert (tmp_path / name).stat().st_size > 0, name
    samples = np.load(tmp_path / "samples.npy")
    assert samples.shape == (1000, 8, 8)
    assert samples.min() >= 0.0 and samples.max() <= 16.0

    example = _example_module(monkeypatch, "dcgan_digits")
    checkpoint = torch.load(tmp_path / "checkpoint.pt")
    for name, model in (
        ("generator", example.generator()),
        ("discriminator", example.discriminator()),
    ):
        ours = {key: tuple(value.shape) for key, value in model.state_dict().items()}
        theirs = {key: tuple(value.shape) for key, value in checkpoint[name].items()}
        assert ours == theirs
        # The torch-trained weights load into the minigrad model unchanged.
        model.load_state_dict({key: value.numpy() for key, value in checkpoint[name].items()})
