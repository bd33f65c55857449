"""A MelGAN-style upsampler: waveforms of 256 samples from their 8x-downsampled envelope.

Each signal is a sum of one to three sinusoids (random frequencies of 1 to 12 cycles per
window, random phases) under slow random envelopes, scaled into [-1, 1]. The coarse
input is the mean of each block of 8 samples (32 values). The generator follows MelGAN
(Kumar et al. 2019) at a small size: a reflection-padded Conv1d, two ConvTranspose1d
upsamplers (x4, then x2), residual blocks of nn.ReflectionPad1d and dilated Conv1d, a
last reflection-padded Conv1d and Tanh; every convolution has weight norm through
``nn.utils.parametrizations.weight_norm`` and the activations are LeakyReLU(0.2). The
discriminator is one scale of strided, weight-normed Conv1d.

Losses: the hinge GAN loss, MelGAN's L1 feature matching on the discriminator's
hidden layers, and L1 terms on the waveform and on its log-magnitude spectrum (a
matmul with a fixed DFT matrix). Adam with betas (0.5, 0.9), 1,024 signals for training,
256 held out.

The figure is the held-out spectral distance, the mean over signals and frequencies of
|log(|rfft(ours)| + 0.01) - log(|rfft(truth)| + 0.01)|, against F.interpolate's linear
upsampling of the same coarse input.

Outputs (in ``--out``, default ``out/melgan_signals/``): ``waveforms.png`` (four
held-out signals: truth, linear interpolation, the generator), ``spectra.png`` (their
log-magnitude spectra), ``losses.png`` and ``checkpoint.npz``.

``examples/melgan_signals_torch.py`` is the same model, line for line, in PyTorch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import _digits  # first: selects matplotlib's file-only backend
import _metrics
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

LENGTH = 256
HOP = 8
HELD_OUT = 256
TRAIN = 1024
FEATURE_WEIGHT = 2.0
L1_WEIGHT = 10.0
SPECTRAL_WEIGHT = 1.0
_TIMES = np.outer(np.arange(LENGTH), np.arange(LENGTH // 2 + 1)) * (2 * np.pi / LENGTH)
DFT = np.concatenate([np.cos(_TIMES), -np.sin(_TIMES)], axis=1)  # (LENGTH, 2 * 129)
weight_norm = nn.utils.parametrizations.weight_norm


def signals(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 1, LENGTH) float32 in [-1, 1]: enveloped sums of 1..3 sinusoids."""
    t = np.arange(LENGTH) / LENGTH
    components = rng.integers(1, 4, size=count)
    waves = np.zeros((count, LENGTH))
    for index in range(3):
        frequency = rng.uniform(1.0, 12.0, size=count)[:, None]
        phase = rng.uniform(0.0, 2 * np.pi, size=count)[:, None]
        centre = rng.uniform(0.0, 1.0, size=count)[:, None]
        spread = rng.uniform(0.2, 0.6, size=count)[:, None]
        envelope = np.exp(-(((t - centre) / spread) ** 2))
        used = (index < components)[:, None]
        waves += (
            used
            * rng.uniform(0.3, 1.0, size=count)[:, None]
            * envelope
            * np.sin(2 * np.pi * frequency * t + phase)
        )
    return (waves / 3).astype(np.float32)[:, None, :]


def coarse(waves: np.ndarray) -> np.ndarray:
    """(N, 1, LENGTH) -> (N, 1, LENGTH / HOP): the mean of each block of HOP samples."""
    return waves.reshape(len(waves), 1, LENGTH // HOP, HOP).mean(axis=3).astype(np.float32)


def spectral_distance(waves: np.ndarray, truth: np.ndarray) -> float:
    """Mean |log(|rfft| + 0.01)| difference over signals and frequencies."""
    ours = np.log(np.abs(np.fft.rfft(waves[:, 0], axis=1)) + 0.01)
    theirs = np.log(np.abs(np.fft.rfft(truth[:, 0], axis=1)) + 0.01)
    return float(np.abs(ours - theirs).mean())


class ResidualBlock(nn.Module):
    """x + Conv1d_1x1(LReLU(Conv1d_3(ReflectionPad(LReLU(x)), dilation d)))."""

    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.LeakyReLU(0.2),
            nn.ReflectionPad1d(dilation),
            weight_norm(nn.Conv1d(channels, channels, 3, dilation=dilation)),
            nn.LeakyReLU(0.2),
            weight_norm(nn.Conv1d(channels, channels, 1)),
        )

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return x + self.block(x)


class Generator(nn.Module):
    """(N, 1, 32) coarse envelope -> (N, 1, 256) waveform in (-1, 1)."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.ReflectionPad1d(3),
            weight_norm(nn.Conv1d(1, width, 7)),  # 32
            nn.LeakyReLU(0.2),
            weight_norm(nn.ConvTranspose1d(width, width // 2, 8, stride=4, padding=2)),  # 128
            ResidualBlock(width // 2, 1),
            ResidualBlock(width // 2, 3),
            nn.LeakyReLU(0.2),
            weight_norm(nn.ConvTranspose1d(width // 2, width // 4, 4, stride=2, padding=1)),
            ResidualBlock(width // 4, 1),  # 256
            ResidualBlock(width // 4, 3),
            nn.LeakyReLU(0.2),
            nn.ReflectionPad1d(3),
            weight_norm(nn.Conv1d(width // 4, 1, 7)),
            nn.Tanh(),
        )

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.layers(x)


class Discriminator(nn.Module):
    """(N, 1, 256) -> the hidden feature maps and a (N, 1, 16) map of scores."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            [
                nn.Sequential(weight_norm(nn.Conv1d(1, width, 15, padding=7)), nn.LeakyReLU(0.2)),
                nn.Sequential(
                    weight_norm(nn.Conv1d(width, 2 * width, 11, stride=4, padding=5)),
                    nn.LeakyReLU(0.2),
                ),  # 64
                nn.Sequential(
                    weight_norm(nn.Conv1d(2 * width, 2 * width, 11, stride=4, padding=5)),
                    nn.LeakyReLU(0.2),
                ),  # 16
                weight_norm(nn.Conv1d(2 * width, 1, 3, padding=1)),
            ]
        )

    def forward(self, x: mg.Tensor) -> list[mg.Tensor]:
        outputs = []
        for layer in self.layers:
            x = layer(x)
            outputs.append(x)
        return outputs


def discriminator_loss(
    discriminator: Discriminator, real: mg.Tensor, fake: mg.Tensor
) -> mg.Tensor:
    """The hinge loss: relu(1 - D(real)) + relu(1 + D(fake)), each a mean."""
    real_score, fake_score = discriminator(real)[-1], discriminator(fake)[-1]
    return F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()


def log_spectrum(waves: mg.Tensor) -> mg.Tensor:
    """log(|rfft| + 0.01) along the last axis, as a matmul with the fixed DFT matrix."""
    parts = waves @ mg.tensor(DFT).to(waves.dtype)
    real, imaginary = parts[..., : LENGTH // 2 + 1], parts[..., LENGTH // 2 + 1 :]
    return ((real**2 + imaginary**2 + 1e-8) ** 0.5 + 0.01).log()


def generator_loss(discriminator: Discriminator, real: mg.Tensor, fake: mg.Tensor) -> mg.Tensor:
    """-D(fake) + feature matching (L1 on hidden layers) + L1 on waveform and log spectrum."""
    fake_outputs = discriminator(fake)
    real_outputs = discriminator(real)
    matching = sum(
        (F.l1_loss(f, r.detach()) for f, r in zip(fake_outputs[:-1], real_outputs[:-1])),
        start=mg.zeros(()),
    )
    spectral = F.l1_loss(log_spectrum(fake), log_spectrum(real))
    waveform = F.l1_loss(fake, real)
    adversarial = -fake_outputs[-1].mean()
    return (
        adversarial + FEATURE_WEIGHT * matching + L1_WEIGHT * waveform + SPECTRAL_WEIGHT * spectral
    )


def train_step(
    generator: Generator,
    discriminator: Discriminator,
    optimizers: tuple[mg.optim.Optimizer, mg.optim.Optimizer],
    low: mg.Tensor,
    real: mg.Tensor,
) -> tuple[float, float]:
    generator_optimizer, discriminator_optimizer = optimizers
    fake = generator(low)
    loss_d = discriminator_loss(discriminator, real, fake.detach())
    discriminator_optimizer.zero_grad()
    loss_d.backward()
    discriminator_optimizer.step()
    loss_g = generator_loss(discriminator, real, fake)
    generator_optimizer.zero_grad()
    loss_g.backward()
    generator_optimizer.step()
    return loss_d.item(), loss_g.item()


def predict(generator: Generator, low: np.ndarray) -> np.ndarray:
    generator.eval()
    with mg.no_grad():
        waves = generator(mg.tensor(low)).numpy()
    generator.train()
    return waves


def interpolated(low: np.ndarray) -> np.ndarray:
    """F.interpolate's linear upsampling by HOP, the baseline."""
    with mg.no_grad():
        return F.interpolate(
            mg.tensor(low), scale_factor=HOP, mode="linear", align_corners=False
        ).numpy()


def save_waveforms(rows: dict[str, np.ndarray], path: Path, spectra: bool) -> None:
    """Four signals side by side, each row of ``rows`` one line in every panel."""
    figure, axes = plt.subplots(1, 4, figsize=(11, 2.6), dpi=80, sharey=True)
    for column, panel in enumerate(axes):
        for name, waves in rows.items():
            values = waves[column, 0]
            if spectra:
                values = np.log(np.abs(np.fft.rfft(values)) + 0.01)
            panel.plot(values, label=name, linewidth=1)
        panel.set_xlabel("frequency (cycles per window)" if spectra else "sample", fontsize=8)
        panel.grid(alpha=0.3)
    axes[0].set_ylabel("log(|rfft| + 0.01)" if spectra else "amplitude", fontsize=8)
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, metadata=_digits.PNG_METADATA)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/melgan_signals")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    rng = np.random.default_rng(args.seed)
    train, test = signals(TRAIN, rng), signals(HELD_OUT, rng)
    epochs = args.epochs
    if args.smoke:
        train, epochs = train[: 2 * args.batch_size], 1
    train_low, test_low = coarse(train), coarse(test)

    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed + 1)
    generator, discriminator = Generator(), Discriminator()
    optimizers = (
        mg.optim.Adam(generator.parameters(), lr=args.lr, betas=(0.5, 0.9)),
        mg.optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.9)),
    )
    batches = len(train) // args.batch_size
    curves: dict[str, list[float]] = {"discriminator": [], "generator": [], "held-out L1 x10": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="melgan", unit="step")
    for _ in range(epochs):
        permutation = shuffle.permutation(len(train))
        totals = np.zeros(2)
        for batch in range(batches):
            chosen = permutation[batch * args.batch_size : (batch + 1) * args.batch_size]
            totals += train_step(
                generator,
                discriminator,
                optimizers,
                mg.tensor(train_low[chosen]),
                mg.tensor(train[chosen]),
            )
            progress.update()
        curves["discriminator"].append(totals[0] / batches)
        curves["generator"].append(totals[1] / batches)
        held_out = float(np.abs(predict(generator, test_low) - test).mean())
        curves["held-out L1 x10"].append(L1_WEIGHT * held_out)
        progress.set_postfix(held_out=f"{held_out:.4f}")
    progress.close()
    seconds = time.perf_counter() - start

    ours, linear = predict(generator, test_low), interpolated(test_low)
    rows = {"truth": test, "linear F.interpolate": linear, "generator": ours}
    save_waveforms(rows, out / "waveforms.png", spectra=False)
    save_waveforms(rows, out / "spectra.png", spectra=True)
    _digits.save_curves(curves, out / "losses.png", "MelGAN-style upsampler: losses", "epoch")
    mg.save(generator.state_dict(), out / "checkpoint.npz")

    print(f"minigrad MelGAN upsampler: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    print(f"held-out spectral distance ({len(test)} signals): {spectral_distance(ours, test):.4f}")
    print(f"  baseline linear F.interpolate: {spectral_distance(linear, test):.4f}")
    print(f"held-out waveform L1: {np.abs(ours - test).mean():.4f}")
    print(f"  baseline linear F.interpolate L1: {np.abs(linear - test).mean():.4f}")
    print(f"pictures: {out / 'waveforms.png'}, {out / 'spectra.png'}, {out / 'losses.png'}")
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "epochs": epochs,
            "steps": epochs * batches,
            "spectral_distance": _metrics.rounded(spectral_distance(ours, test), 4),
            "spectral_distance_linear": _metrics.rounded(spectral_distance(linear, test), 4),
            "waveform_l1": _metrics.rounded(np.abs(ours - test).mean(), 4),
            "waveform_l1_linear": _metrics.rounded(np.abs(linear - test).mean(), 4),
        },
        seconds,
    )


if __name__ == "__main__":
    main()
