"""A small 3-D GAN that learns solid shapes in a 16x16x16 voxel grid, in minigrad.

The data are made by ``examples/_voxels.py``: spheres, cubes and cylinders of random
size and position, a voxel filled when its centre is inside. The generator turns 32
Gaussian numbers into a volume of occupancies with ConvTranspose3d layers
(1 -> 4 -> 8 -> 16 voxels a side), BatchNorm3d and ReLU, and a Sigmoid output, in the
manner of Wu et al.'s 3D-GAN (2016). The discriminator mirrors it with strided Conv3d
and LeakyReLU (with BatchNorm3d on its inner layer, as in ``dcgan_digits.py``). Both
are trained by Adam on the non-saturating GAN loss with the DCGAN initialisation.

The samples are scored by ``_voxels.score`` against the training shapes, next to the
same score for fresh real shapes, for noise and for one shape repeated.

Outputs (in ``--out``, default ``out/voxel_gan/``): ``samples.png`` (sum projections
along x, y and z of 32 samples from fixed noise), ``real.png`` (the same for training
shapes), ``samples_3d.png`` (eight samples drawn as voxels; not in ``--smoke`` runs),
``losses.png``, ``checkpoint.npz`` and ``samples.npy`` (300 samples, occupancies).

``examples/voxel_gan_torch.py`` is the same model, line for line, in PyTorch.
"""

from __future__ import annotations

import argparse
import time

import _metrics
import _voxels
import numpy as np
from tqdm import tqdm

import minigrad as mg
import minigrad.nn as nn

NOISE = 32
WIDTH = 16
TRAINING_SHAPES = 1536
SCORED = 300


def generator(width: int = WIDTH) -> nn.Sequential:
    """z: (N, NOISE, 1, 1, 1) -> occupancies (N, 1, 16, 16, 16) in (0, 1)."""
    return nn.Sequential(
        nn.ConvTranspose3d(NOISE, 4 * width, 4, bias=False),  # 1 -> 4
        nn.BatchNorm3d(4 * width),
        nn.ReLU(),
        # (L - 1) * 2 - 2 * 1 + 4 = 2L: kernel 4, stride 2, padding 1 doubles the size.
        nn.ConvTranspose3d(4 * width, 2 * width, 4, stride=2, padding=1, bias=False),  # -> 8
        nn.BatchNorm3d(2 * width),
        nn.ReLU(),
        nn.ConvTranspose3d(2 * width, 1, 4, stride=2, padding=1),  # -> 16
        nn.Sigmoid(),
    )


def discriminator(width: int = WIDTH) -> nn.Sequential:
    """volumes (N, 1, 16, 16, 16) -> logits (N, 1, 1, 1, 1): large means "real"."""
    return nn.Sequential(
        nn.Conv3d(1, width, 4, stride=2, padding=1),  # 16 -> 8
        nn.LeakyReLU(0.2),
        nn.Conv3d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # -> 4
        nn.BatchNorm3d(2 * width),
        nn.LeakyReLU(0.2),
        nn.Conv3d(2 * width, 1, 4),  # -> 1
    )


def dcgan_init_(model: nn.Module) -> None:
    """Radford et al.'s initialisation: conv weights N(0, 0.02), BatchNorm scale N(1, 0.02)."""
    for layer in model.modules():
        if isinstance(layer, nn.Conv3d | nn.ConvTranspose3d):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm3d):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)


def train_step(
    model_g: nn.Module,
    model_d: nn.Module,
    optimizer_g: mg.optim.Optimizer,
    optimizer_d: mg.optim.Optimizer,
    real: mg.Tensor,
    noise: mg.Tensor,
) -> tuple[float, float]:
    """One step for each network on a batch of real volumes; returns both losses."""
    criterion = nn.BCEWithLogitsLoss()
    real_label, fake_label = mg.ones(len(real), 1, 1, 1, 1), mg.zeros(len(real), 1, 1, 1, 1)
    fake = model_g(noise)

    # Discriminator: real -> 1, fake -> 0; the fakes are detached, so G is untouched.
    loss_d = criterion(model_d(real), real_label) + criterion(model_d(fake.detach()), fake_label)
    optimizer_d.zero_grad()
    loss_d.backward()
    optimizer_d.step()

    # Generator: make the updated discriminator call the same fakes real.
    loss_g = criterion(model_d(fake), real_label)
    optimizer_g.zero_grad()
    loss_g.backward()
    optimizer_g.step()
    return loss_d.item(), loss_g.item()


def sample(model: nn.Module, noise: mg.Tensor) -> np.ndarray:
    """Generated volumes for ``noise`` in eval mode (BatchNorm's running statistics)."""
    model.eval()
    with mg.no_grad():
        volumes = model(noise).numpy()
    model.train()
    return volumes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/voxel_gan")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    args = parser.parse_args()
    out = _voxels.output_dir(args.out)

    count, scored, epochs = TRAINING_SHAPES, SCORED, args.epochs
    if args.smoke:
        count, scored, epochs = 2 * args.batch_size, 32, 1
    train, labels = _voxels.voxel_shapes(count, seed=args.seed)
    # Fresh shapes the GAN never sees: the score a real shape gets, for comparison.
    fresh, _ = _voxels.voxel_shapes(2 * scored, seed=args.seed + 1000)
    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed)

    model_g, model_d = generator(), discriminator()
    dcgan_init_(model_g)
    dcgan_init_(model_d)
    optimizer_g = mg.optim.Adam(model_g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optimizer_d = mg.optim.Adam(model_d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_noise = mg.randn(32, NOISE, 1, 1, 1)
    batch = args.batch_size
    batches = len(train) // batch
    losses: dict[str, list[float]] = {"discriminator": [], "generator": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="voxel gan", unit="step")
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(len(train))
        for index in range(batches):
            real = mg.tensor(train[order[index * batch : (index + 1) * batch]])
            noise = mg.randn(batch, NOISE, 1, 1, 1)
            loss_d, loss_g = train_step(model_g, model_d, optimizer_g, optimizer_d, real, noise)
            losses["discriminator"].append(loss_d)
            losses["generator"].append(loss_g)
            progress.update()
            progress.set_postfix(epoch=epoch, loss_d=f"{loss_d:.3f}", loss_g=f"{loss_g:.3f}")
    progress.close()
    seconds = time.perf_counter() - start

    shown = sample(model_g, fixed_noise)
    _voxels.save_projections(shown, out / "samples.png")
    _voxels.save_projections(train[:32], out / "real.png")
    if not args.smoke:
        _voxels.save_voxels(shown[:8], out / "samples_3d.png")
    _voxels.save_curves(
        _voxels.smoothed(losses),
        out / "losses.png",
        "voxel GAN losses (moving average over 25 steps)",
    )
    mg.save(
        {"generator": model_g.state_dict(), "discriminator": model_d.state_dict()},
        out / "checkpoint.npz",
    )
    samples = sample(model_g, mg.randn(scored, NOISE, 1, 1, 1))
    np.save(out / "samples.npy", samples)

    print(f"minigrad voxel GAN: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    print(f"pictures: {out / 'samples.png'}, {out / 'real.png'}, {out / 'losses.png'}")
    rows = _voxels.score_rows(samples, train, labels, fresh)
    print(_voxels.format_scores(samples, train, labels, fresh, rows))
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "epochs": epochs,
            "steps": epochs * batches,
            "scored": scored,
            **_voxels.score_figures(rows, train),
        },
        seconds,
    )


if __name__ == "__main__":
    main()
