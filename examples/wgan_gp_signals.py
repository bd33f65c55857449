"""A WGAN-GP that learns one-dimensional signals: random mixtures of a few sinusoids.

Each real signal has 64 samples and is the sum of one to three sinusoids whose
frequencies are drawn from FREQUENCIES (whole cycles per window), with random
amplitudes and phases. The generator upsamples a noise vector with ConvTranspose1d
(1 -> 8 -> 16 -> 32 -> 64 samples); the critic mirrors it with strided Conv1d.

The critic is trained with the gradient penalty of Gulrajani et al. (2017),
``lambda * (||grad_x critic(x_hat)|| - 1)^2`` at random points ``x_hat`` between real and
generated signals. Its gradient with respect to the critic's weights is a second
derivative: ``mg.autograd.grad(..., create_graph=True)`` records the input gradient as
a graph (conv_transpose, leaky-ReLU masks, ...) and the loss backpropagates through it.

Two figures show it working: the critic's input-gradient norm, which the penalty pulls
to 1, and the distance between the generated and the real mean power spectra,
``sum_f |P_gen(f) - P_real(f)| / sum_f P_real(f)``, at the start and at the end.

Run: ``python examples/wgan_gp_signals.py`` (outputs in ``out/wgan_gp_signals/``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import _digits  # first: selects matplotlib's file-only backend
import _metrics
import matplotlib.pyplot as plt
import numpy as np
from tqdm import trange

import minigrad as mg
import minigrad.nn as nn

LENGTH = 64
FREQUENCIES = np.array([2, 4, 7, 11])  # cycles per 64-sample window
NOISE = 16
DISTANCE_EVERY = 100  # generator steps between two measures of the spectral distance


def real_signals(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 1, LENGTH) float32: sums of 1..3 sinusoids, amplitudes U(0.3, 1), random phases."""
    t = np.arange(LENGTH) / LENGTH
    components = rng.integers(1, 4, size=count)
    signals = np.zeros((count, LENGTH))
    for index in range(3):
        frequency = rng.choice(FREQUENCIES, size=count)[:, None]
        phase = rng.uniform(0.0, 2 * np.pi, size=count)[:, None]
        amplitude = rng.uniform(0.3, 1.0, size=count)[:, None]
        used = (index < components)[:, None]
        signals += used * amplitude * np.sin(2 * np.pi * frequency * t + phase)
    return signals.astype(np.float32)[:, None, :]


def mean_power_spectrum(signals: np.ndarray) -> np.ndarray:
    """Mean over signals of |rfft|^2, one value per frequency 0..LENGTH/2."""
    return (np.abs(np.fft.rfft(signals.reshape(len(signals), LENGTH), axis=1)) ** 2).mean(axis=0)


def spectrum_distance(generated: np.ndarray, reference: np.ndarray) -> float:
    """Relative L1 distance between two mean power spectra (0 = identical)."""
    return float(np.abs(generated - reference).sum() / reference.sum())


def generator(width: int) -> nn.Sequential:
    """z: (N, NOISE, 1) -> (N, 1, 64); each stride-2 layer doubles the length exactly."""
    return nn.Sequential(
        nn.ConvTranspose1d(NOISE, 4 * width, 8),  # 1 -> 8
        nn.ReLU(),
        nn.ConvTranspose1d(4 * width, 2 * width, 4, stride=2, padding=1),  # 8 -> 16
        nn.ReLU(),
        nn.ConvTranspose1d(2 * width, width, 4, stride=2, padding=1),  # 16 -> 32
        nn.ReLU(),
        nn.ConvTranspose1d(width, 1, 4, stride=2, padding=1),  # 32 -> 64
    )


def critic(width: int) -> nn.Sequential:
    """(N, 1, 64) -> (N, 1, 1), no normalisation: the penalty is per sample."""
    return nn.Sequential(
        nn.Conv1d(1, width, 4, stride=2, padding=1),  # 64 -> 32
        nn.LeakyReLU(0.2),
        nn.Conv1d(width, 2 * width, 4, stride=2, padding=1),  # 32 -> 16
        nn.LeakyReLU(0.2),
        nn.Conv1d(2 * width, 4 * width, 4, stride=2, padding=1),  # 16 -> 8
        nn.LeakyReLU(0.2),
        nn.Conv1d(4 * width, 1, 8),  # 8 -> 1
    )


def gradient_penalty(
    model: nn.Module, real: mg.Tensor, fake: mg.Tensor, rng: np.random.Generator
) -> tuple[mg.Tensor, float]:
    """``mean((||grad_x model(x_hat)|| - 1)^2)`` at x_hat = eps real + (1 - eps) fake.

    Returns the penalty (differentiable in the critic's weights) and the mean norm.
    """
    eps = mg.tensor(rng.uniform(size=(len(real), 1, 1)).astype(np.float32))
    mixed = (eps * real + (1 - eps) * fake).detach().requires_grad_()
    (gradient,) = mg.autograd.grad(model(mixed).sum(), mixed, create_graph=True)
    norms = ((gradient**2).sum(dim=(1, 2)) + 1e-12).sqrt()
    return ((norms - 1) ** 2).mean(), float(norms.mean().item())


def save_signals(real: np.ndarray, fake: np.ndarray, path: Path) -> None:
    figure, axes = plt.subplots(2, 4, figsize=(9, 3.6), dpi=80, sharey=True)
    for column in range(4):
        axes[0, column].plot(real[column, 0], linewidth=1)
        axes[1, column].plot(fake[column, 0], linewidth=1, color="tab:orange")
    axes[0, 0].set_ylabel("real")
    axes[1, 0].set_ylabel("generated")
    figure.tight_layout()
    figure.savefig(path, metadata=_digits.PNG_METADATA)
    plt.close(figure)


def save_spectra(spectra: dict[str, np.ndarray], path: Path) -> None:
    figure, axes = plt.subplots(figsize=(5, 3), dpi=80)
    for name, spectrum in spectra.items():
        axes.plot(spectrum, marker=".", linewidth=1, label=name)
    axes.set_xlabel("frequency (cycles per window)")
    axes.set_title("mean power spectrum", fontsize=10)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, metadata=_digits.PNG_METADATA)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800, help="generator steps")
    parser.add_argument(
        "--critic-steps", type=int, default=5, help="critic steps per generator step"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--penalty", type=float, default=10.0, help="lambda")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/wgan_gp_signals")
    parser.add_argument("--smoke", action="store_true", help="a few steps, for the tests")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)
    steps = 3 if args.smoke else args.steps

    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    reference = mean_power_spectrum(real_signals(4000, rng))
    model_g, model_c = generator(args.width), critic(args.width)
    # Adam's betas as in the WGAN-GP paper: a short first-moment memory keeps the critic agile.
    optimizer_g = mg.optim.Adam(model_g.parameters(), lr=args.lr, betas=(0.5, 0.9))
    optimizer_c = mg.optim.Adam(model_c.parameters(), lr=args.lr, betas=(0.5, 0.9))
    probe = mg.randn(1000, NOISE, 1)

    def generated_spectrum() -> np.ndarray:
        with mg.no_grad():
            return mean_power_spectrum(model_g(probe).numpy())

    start_spectrum = generated_spectrum()
    curves: dict[str, list[float]] = {"Wasserstein estimate": [], "critic input-gradient norm": []}
    # The spectral distance along the way (no random draws: the trajectory is unchanged).
    distances = {0: spectrum_distance(start_spectrum, reference)}
    start = time.perf_counter()
    progress = trange(steps, desc="wgan-gp", unit="step")
    for step in progress:
        for _ in range(args.critic_steps):
            real = mg.tensor(real_signals(args.batch_size, rng))
            with mg.no_grad():
                fake = model_g(mg.randn(args.batch_size, NOISE, 1))
            distance = model_c(real).mean() - model_c(fake).mean()
            penalty, norm = gradient_penalty(model_c, real, fake, rng)
            loss_c = -distance + args.penalty * penalty
            optimizer_c.zero_grad()
            loss_c.backward()
            optimizer_c.step()
        loss_g = -model_c(model_g(mg.randn(args.batch_size, NOISE, 1))).mean()
        optimizer_g.zero_grad()
        loss_g.backward()
        optimizer_g.step()
        curves["Wasserstein estimate"].append(distance.item())
        curves["critic input-gradient norm"].append(norm)
        progress.set_postfix(W=f"{distance.item():.3f}", grad_norm=f"{norm:.3f}")
        if (step + 1) % DISTANCE_EVERY == 0:
            distances[step + 1] = spectrum_distance(generated_spectrum(), reference)
    seconds = time.perf_counter() - start

    end_spectrum = generated_spectrum()
    with mg.no_grad():
        examples = model_g(probe[:4]).numpy()
    save_signals(real_signals(4, rng), examples, out / "signals.png")
    save_spectra(
        {"real": reference, "generated, start": start_spectrum, "generated, end": end_spectrum},
        out / "spectra.png",
    )
    _digits.save_curves(curves, out / "curves.png", "WGAN-GP critic", "generator step")
    mg.save(
        {"generator": model_g.state_dict(), "critic": model_c.state_dict()}, out / "checkpoint.npz"
    )

    tail = max(1, len(curves["critic input-gradient norm"]) // 10)
    norms = np.array(curves["critic input-gradient norm"])
    print(
        f"trained {steps} generator steps ({steps * args.critic_steps} critic steps) "
        f"in {seconds:.1f} s"
    )
    print(
        f"critic input-gradient norm: first step {norms[0]:.3f}, "
        f"mean of the last {tail} steps {norms[-tail:].mean():.3f} (target 1)"
    )
    print(
        f"mean power spectrum distance to the real one: start "
        f"{spectrum_distance(start_spectrum, reference):.3f}, "
        f"end {spectrum_distance(end_spectrum, reference):.3f}"
    )
    print(
        f"pictures: {out / 'signals.png'}, {out / 'spectra.png'}, {out / 'curves.png'}; "
        f"checkpoint: {out / 'checkpoint.npz'}"
    )
    estimates = np.array(curves["Wasserstein estimate"])
    near_one = np.flatnonzero(np.abs(norms - 1.0) <= 0.1)
    window = min(25, len(estimates))
    smooth = np.convolve(estimates, np.ones(window) / window, mode="valid")
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "steps": steps,
            "critic_steps": steps * args.critic_steps,
            "tail_steps": tail,
            "grad_norm_first": _metrics.rounded(norms[0], 3),
            "grad_norm_tail_mean": _metrics.rounded(norms[-tail:].mean(), 3),
            "grad_norm_tail_std": _metrics.rounded(norms[-tail:].std(), 3),
            "grad_norm_first_near_one": int(near_one[0]) + 1 if len(near_one) else None,
            "wasserstein_first": _metrics.rounded(estimates[:tail].mean(), 2),
            "wasserstein_peak": _metrics.rounded(smooth.max(), 2),
            "wasserstein_peak_step": int(smooth.argmax()) + window,
            "wasserstein_tail_mean": _metrics.rounded(estimates[-tail:].mean(), 2),
            "spectrum_distance_start": _metrics.rounded(distances[0], 3),
            "spectrum_distance_end": _metrics.rounded(
                spectrum_distance(end_spectrum, reference), 3
            ),
            "spectrum_distance_by_step": {
                str(step): _metrics.rounded(value, 3) for step, value in distances.items()
            },
        },
        seconds,
    )


if __name__ == "__main__":
    main()
