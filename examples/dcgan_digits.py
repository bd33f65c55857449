"""A DCGAN that learns scikit-learn's 8x8 handwritten digits, in minigrad (the ``make demo``).

The generator turns 32 Gaussian numbers into an 8x8 image with ConvTranspose2d layers
(1x1 -> 2x2 -> 4x4 -> 8x8, then a 3x3 one at 8x8), BatchNorm2d and ReLU, and a Tanh
output. The discriminator mirrors it with strided Conv2d and LeakyReLU, and
BatchNorm2d on its inner layer: seeing a whole batch of fakes at once, it is what
keeps the generator from collapsing onto one digit. Both are trained by Adam on the
non-saturating GAN loss (Goodfellow et al. 2014), with the DCGAN initialisation
N(0, 0.02) of Radford et al. (2016), 100 epochs of 28 batches of 64.

Outputs (in ``--out``, default ``out/dcgan_digits/``): a grid of samples from fixed
noise after every epoch (``samples_epoch_NNN.png``, the last also as ``samples.png``),
the loss curves (``losses.png``), the checkpoint (``checkpoint.npz``, written by
``mg.save``: ``{"generator": ..., "discriminator": ...}``, with PyTorch's key names) and
1,000 fresh samples on the digits' 0..16 pixel scale (``samples.npy``), which the run
then scores with ``examples/score_samples.py``'s measure.

``examples/dcgan_digits_torch.py`` is the same model, line for line, in PyTorch.
"""

from __future__ import annotations

import argparse
import time

import _digits
import _metrics
import numpy as np
from tqdm import tqdm

import minigrad as mg
import minigrad.nn as nn

NOISE = 32
GENERATOR_WIDTH = 32
DISCRIMINATOR_WIDTH = 32


def generator(width: int = GENERATOR_WIDTH) -> nn.Sequential:
    """z: (N, NOISE, 1, 1) -> images (N, 1, 8, 8) in [-1, 1]."""
    return nn.Sequential(
        nn.ConvTranspose2d(NOISE, 4 * width, 2, bias=False),  # 1x1 -> 2x2
        nn.BatchNorm2d(4 * width),
        nn.ReLU(),
        # (L - 1) * 2 - 2 * 1 + 4 = 2L: kernel 4, stride 2, padding 1 doubles the size.
        nn.ConvTranspose2d(4 * width, 2 * width, 4, stride=2, padding=1, bias=False),  # -> 4x4
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # -> 8x8
        nn.BatchNorm2d(width),
        nn.ReLU(),
        # A last stride-1 layer at full resolution: (L - 1) - 2 + 3 = L.
        nn.ConvTranspose2d(width, 1, 3, padding=1),
        nn.Tanh(),
    )


def discriminator(width: int = DISCRIMINATOR_WIDTH) -> nn.Sequential:
    """images (N, 1, 8, 8) -> logits (N, 1, 1, 1): large means "real"."""
    return nn.Sequential(
        nn.Conv2d(1, width, 4, stride=2, padding=1),  # 8x8 -> 4x4
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # -> 2x2
        nn.BatchNorm2d(2 * width),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 1, 2),  # -> 1x1
    )


def dcgan_init_(model: nn.Module) -> None:
    """Radford et al.'s initialisation: conv weights N(0, 0.02), BatchNorm scale N(1, 0.02)."""
    for layer in model.modules():
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)


def sample(model: nn.Module, noise: mg.Tensor) -> np.ndarray:
    """Generated images for ``noise`` in eval mode (BatchNorm's running statistics)."""
    model.eval()
    with mg.no_grad():
        images = model(noise).numpy()
    model.train()
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/dcgan_digits")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    parser.add_argument("--no-score", action="store_true", help="skip scoring the samples")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    images, _ = _digits.digit_images()
    epochs = args.epochs
    if args.smoke:
        images, epochs = images[: 2 * args.batch_size], 1
    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed)

    model_g, model_d = generator(), discriminator()
    dcgan_init_(model_g)
    dcgan_init_(model_d)
    # beta1 = 0.5 as in DCGAN: momentum that remembers less suits a moving target.
    optimizer_g = mg.optim.Adam(model_g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optimizer_d = mg.optim.Adam(model_d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    fixed_noise = mg.randn(64, NOISE, 1, 1)
    batch = args.batch_size
    real_label, fake_label = mg.ones(batch, 1, 1, 1), mg.zeros(batch, 1, 1, 1)
    batches = len(images) // batch
    losses: dict[str, list[float]] = {"discriminator": [], "generator": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="dcgan", unit="step")
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(len(images))
        for index in range(batches):
            real = mg.tensor(images[order[index * batch : (index + 1) * batch]])
            fake = model_g(mg.randn(batch, NOISE, 1, 1))

            # Discriminator: real -> 1, fake -> 0; the fakes are detached, so G is untouched.
            loss_d = criterion(model_d(real), real_label) + criterion(
                model_d(fake.detach()), fake_label
            )
            optimizer_d.zero_grad()
            loss_d.backward()
            optimizer_d.step()

            # Generator: make the updated discriminator call the same fakes real.
            loss_g = criterion(model_d(fake), real_label)
            optimizer_g.zero_grad()
            loss_g.backward()
            optimizer_g.step()

            losses["discriminator"].append(loss_d.item())
            losses["generator"].append(loss_g.item())
            progress.update()
            progress.set_postfix(
                epoch=epoch, loss_d=f"{loss_d.item():.3f}", loss_g=f"{loss_g.item():.3f}"
            )
        grid = _digits.to_pixel_scale(sample(model_g, fixed_noise))
        _digits.save_grid(grid, out / f"samples_epoch_{epoch:03d}.png")
    progress.close()
    seconds = time.perf_counter() - start

    _digits.save_grid(grid, out / "samples.png")
    _digits.save_curves(
        _digits.smoothed(losses),
        out / "losses.png",
        "DCGAN losses (moving average over 25 steps)",
        "step",
    )
    mg.save(
        {"generator": model_g.state_dict(), "discriminator": model_d.state_dict()},
        out / "checkpoint.npz",
    )
    samples = _digits.to_pixel_scale(sample(model_g, mg.randn(1000, NOISE, 1, 1)))
    np.save(out / "samples.npy", samples)

    print(f"minigrad DCGAN: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    print(f"pictures: {out / 'samples.png'} (and samples_epoch_*.png), {out / 'losses.png'}")
    print(f"checkpoint: {out / 'checkpoint.npz'}; 1,000 samples: {out / 'samples.npy'}")
    figures = {"seed": args.seed, "epochs": epochs, "steps": epochs * batches}
    if not args.no_score:
        scores = _digits.score_samples(samples)
        print(_digits.format_scores(scores))
        figures.update(_digits.score_figures(scores))
    _metrics.write(out, figures, seconds)


if __name__ == "__main__":
    main()
