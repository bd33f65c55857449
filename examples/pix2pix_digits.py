"""pix2pix on scikit-learn's digits: edge maps back to 8x8 digits, with a small U-Net.

Each 8x8 digit's edge map is its Sobel gradient magnitude (numpy, edge-padded),
thresholded to ink or paper. A conditional GAN (Isola et al. 2017) learns to draw the
digit from it. The generator is a U-Net of two levels: Conv2d stride-2 downs with
LeakyReLU(0.2, inplace=True) and BatchNorm2d (8x8 -> 4x4 -> 2x2), ConvTranspose2d ups
with BatchNorm2d and ReLU (no bias before a BatchNorm2d, as in pix2pix), the 4x4
features of the way down joined to the way up by torch.cat, and a Tanh out. The
discriminator is a PatchGAN: Conv2d layers on the edge map and the image concatenated,
one logit per patch, 2x2 of them. The losses are pix2pix's: BCEWithLogits adversarial
plus 100 times the L1 distance to the true digit for the generator, BCEWithLogits on
real and generated pairs for the discriminator. Adam (betas 0.5, 0.999), 1,497 digits
for training, 300 held out.

The figure is the held-out L1 (pixels in [-1, 1]) of the generator's digits, against
two baselines: the mean training digit, and the edge map itself.

Outputs (in ``--out``, default ``out/pix2pix_digits/``): ``comparison.png`` (rows of
ten held-out digits: the edge map, the generator's digit, the truth), ``losses.png``
and ``checkpoint.npz`` (the generator).

``examples/pix2pix_digits_torch.py`` is the same model, line for line, in PyTorch.
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

HELD_OUT = 300
L1_WEIGHT = 100.0  # pix2pix's lambda
EDGE_THRESHOLD = 32.0  # Sobel magnitude, on the 0..16 pixel scale


def edge_maps(images: np.ndarray) -> np.ndarray:
    """(N, 1, 8, 8) in [-1, 1] -> (N, 1, 8, 8) thresholded Sobel magnitude: 1 edge, -1 not."""
    pixels = _digits.to_pixel_scale(images)
    padded = np.pad(pixels, ((0, 0), (1, 1), (1, 1)), mode="edge")
    smooth, slope = np.array([1.0, 2.0, 1.0]), np.array([-1.0, 0.0, 1.0])
    across = np.zeros_like(pixels)
    down = np.zeros_like(pixels)
    for i in range(3):
        for j in range(3):
            window = padded[:, i : i + 8, j : j + 8]
            across += smooth[i] * slope[j] * window
            down += slope[i] * smooth[j] * window
    magnitude = np.sqrt(across**2 + down**2)
    return np.where(magnitude > EDGE_THRESHOLD, 1.0, -1.0).astype(np.float32)[:, None]


class UNet(nn.Module):
    """edges (N, 1, 8, 8) -> digit (N, 1, 8, 8) in [-1, 1], through 4x4 and 2x2."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.down1 = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1),  # -> width x 4 x 4
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.down2 = nn.Sequential(
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # -> 2w x 2 x 2
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.up1 = nn.Sequential(
            nn.ConvTranspose2d(
                2 * width, width, 4, stride=2, padding=1, bias=False
            ),  # -> w x 4 x 4
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        self.up2 = nn.Sequential(
            nn.ConvTranspose2d(2 * width, 1, 4, stride=2, padding=1),  # skip in: -> 1 x 8 x 8
            nn.Tanh(),
        )

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        skip = self.down1(x)
        return self.up2(mg.cat([self.up1(self.down2(skip)), skip], dim=1))


class PatchDiscriminator(nn.Module):
    """(edges, image), each (N, 1, 8, 8) -> (N, 1, 2, 2) logits, one per patch."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(2, width, 4, stride=2, padding=1),  # -> width x 4 x 4
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, 2 * width, 3, stride=1, padding=1, bias=False),  # -> 2w x 4 x 4
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(2 * width, 1, 4, stride=2, padding=1),  # -> 1 x 2 x 2
        )

    def forward(self, edges: mg.Tensor, image: mg.Tensor) -> mg.Tensor:
        return self.net(mg.cat([edges, image], dim=1))


def discriminator_loss(
    discriminator: PatchDiscriminator, edges: mg.Tensor, real: mg.Tensor, fake: mg.Tensor
) -> mg.Tensor:
    criterion = nn.BCEWithLogitsLoss()
    real_logits = discriminator(edges, real)
    fake_logits = discriminator(edges, fake.detach())
    real_loss = criterion(real_logits, mg.ones_like(real_logits))
    return 0.5 * (real_loss + criterion(fake_logits, mg.zeros_like(fake_logits)))


def generator_losses(
    discriminator: PatchDiscriminator, edges: mg.Tensor, real: mg.Tensor, fake: mg.Tensor
) -> tuple[mg.Tensor, mg.Tensor]:
    """The adversarial BCEWithLogits term and the L1 term (before the weight 100)."""
    logits = discriminator(edges, fake)
    adversarial = nn.BCEWithLogitsLoss()(logits, mg.ones_like(logits))
    return adversarial, nn.L1Loss()(fake, real)


def train_step(
    generator: UNet,
    discriminator: PatchDiscriminator,
    g_optimizer: mg.optim.Optimizer,
    d_optimizer: mg.optim.Optimizer,
    edges: mg.Tensor,
    real: mg.Tensor,
) -> tuple[float, float, float]:
    fake = generator(edges)
    d_loss = discriminator_loss(discriminator, edges, real, fake)
    d_optimizer.zero_grad()
    d_loss.backward()
    d_optimizer.step()
    adversarial, l1 = generator_losses(discriminator, edges, real, fake)
    g_optimizer.zero_grad()
    (adversarial + L1_WEIGHT * l1).backward()
    g_optimizer.step()
    return d_loss.item(), adversarial.item(), l1.item()


def predict(generator: UNet, edges: np.ndarray) -> np.ndarray:
    generator.eval()
    with mg.no_grad():
        images = generator(mg.tensor(edges)).numpy()
    generator.train()
    return images


def held_out_l1(images: np.ndarray, truth: np.ndarray) -> float:
    return float(np.abs(images - truth).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/pix2pix_digits")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    images, _ = _digits.digit_images()
    order = np.random.default_rng(args.seed).permutation(len(images))
    test, train = images[order[:HELD_OUT]], images[order[HELD_OUT:]]
    mean_digit = np.broadcast_to(train.mean(axis=0), test.shape)
    epochs = args.epochs
    if args.smoke:
        train, epochs = train[: 2 * args.batch_size], 1
    train_edges, test_edges = edge_maps(train), edge_maps(test)

    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed + 1)
    generator, discriminator = UNet(), PatchDiscriminator()
    g_optimizer = mg.optim.Adam(generator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    d_optimizer = mg.optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    batches = len(train) // args.batch_size
    curves: dict[str, list[float]] = {
        "discriminator BCE": [],
        "generator BCE": [],
        "training L1": [],
        "held-out L1": [],
    }

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="pix2pix", unit="step")
    for _ in range(epochs):
        permutation = shuffle.permutation(len(train))
        totals = np.zeros(3)
        for batch in range(batches):
            chosen = permutation[batch * args.batch_size : (batch + 1) * args.batch_size]
            totals += train_step(
                generator,
                discriminator,
                g_optimizer,
                d_optimizer,
                mg.tensor(train_edges[chosen]),
                mg.tensor(train[chosen]),
            )
            progress.update()
        for name, total in zip(list(curves)[:3], totals):
            curves[name].append(float(total) / batches)
        curves["held-out L1"].append(held_out_l1(predict(generator, test_edges), test))
        progress.set_postfix(l1=f"{curves['held-out L1'][-1]:.4f}")
    progress.close()
    seconds = time.perf_counter() - start

    ours = predict(generator, test_edges)
    rows = []
    for group in range(3):
        shown = slice(10 * group, 10 * group + 10)
        rows += [test_edges[shown], ours[shown], test[shown]]
        rows.append(np.full_like(test[:10], -1.0))  # a blank row between the groups
    _digits.save_grid(
        np.concatenate([_digits.to_pixel_scale(row) for row in rows[:-1]]),
        out / "comparison.png",
        10,
    )
    _digits.save_curves(curves, out / "losses.png", "pix2pix: losses per epoch", "epoch")
    mg.save(generator.state_dict(), out / "checkpoint.npz")

    print(f"minigrad pix2pix: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    print(f"held-out L1 (pixels in [-1, 1], {len(test)} digits): {held_out_l1(ours, test):.4f}")
    print(f"  baseline mean training digit: {held_out_l1(mean_digit, test):.4f}")
    print(f"  baseline edge map itself: {held_out_l1(test_edges, test):.4f}")
    print(f"pictures: {out / 'comparison.png'}, {out / 'losses.png'}")
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "epochs": epochs,
            "steps": epochs * batches,
            "held_out_l1": _metrics.rounded(held_out_l1(ours, test), 4),
            "mean_digit_l1": _metrics.rounded(held_out_l1(mean_digit, test), 4),
            "edge_map_l1": _metrics.rounded(held_out_l1(test_edges, test), 4),
            "edge_percent": _metrics.percent((train_edges > 0).mean(), 0),
            "curves": {
                name: [_metrics.rounded(value, 4) for value in values]
                for name, values in curves.items()
            },
        },
        seconds,
    )


if __name__ == "__main__":
    main()
