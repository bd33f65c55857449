"""Super-resolution of scikit-learn's digits: 4x4 averages back to 8x8, with PixelShuffle.

Each 8x8 digit is shrunk to 4x4 by averaging 2x2 blocks, and a small net learns to undo
it. Two 3x3 Conv2d read the 4x4 image; a sub-pixel convolution (Shi et al. 2016) then
doubles its size: a Conv2d makes 4 channels per output channel and nn.PixelShuffle(2)
lays each group of 4 out as a 2x2 block. That Conv2d starts from ICNR (Aitken et al.
2017) through ``nn.init.icnr_``: the 4 channels of a group get the same kernel, so the
untrained layer is nearest-neighbour upsampling followed by a convolution, free of the
checkerboard a random start gives. A last 3x3 Conv2d at 8x8 gives the correction the
net adds to the bilinear upsampling of its input (a residual, as in VDSR). The loss is
nn.L1Loss; Adam, 1,497 digits for training, 300 held out.

The figure is the held-out PSNR in dB (peak 16, the digits' pixel scale), against
F.interpolate's bilinear and bicubic upsampling of the same 4x4 images.

Outputs (in ``--out``, default ``out/superres_digits/``): ``comparison.png`` (rows of
ten held-out digits: 4x4 input, bilinear, the net, the truth), ``init.png`` (the
untrained sub-pixel layer's output for the same inputs, with ICNR and with the default
initialisation), ``losses.png`` and ``checkpoint.npz``.

``examples/superres_digits_torch.py`` is the same model, line for line, in PyTorch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import _digits
import _metrics
import numpy as np
from tqdm import tqdm

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

HELD_OUT = 300
SCALE = 2


def downsample(images: np.ndarray) -> np.ndarray:
    """(N, 1, 8, 8) -> (N, 1, 4, 4): the mean of each 2x2 block."""
    count = len(images)
    return images.reshape(count, 1, 4, SCALE, 4, SCALE).mean(axis=(3, 5)).astype(np.float32)


def subpixel_icnr_(weight: mg.Tensor, scale: int) -> None:
    """ICNR for a Conv2d weight (C * scale^2, C_in, k, k) feeding PixelShuffle(scale).

    PixelShuffle sends channel c * scale^2 + i * scale + j to output channel c at offset
    (i, j). Viewed as (C, C_in, k, k, scale, scale), the weight gets from ``icnr_`` with
    stride (1, 1, scale, scale) one kaiming-normal kernel per c (fan C_in * k * k), the
    same for every offset.
    """
    channels, inputs, height, width = weight.shape
    grouped = mg.empty(channels // scale**2, inputs, height, width, scale, scale)
    nn.init.icnr_(grouped, stride=(1, 1, scale, scale))
    with mg.no_grad():
        weight.copy_(grouped.permute(0, 4, 5, 1, 2, 3).reshape(weight.shape))


class SuperResolution(nn.Module):
    """x: (N, 1, 4, 4) in [-1, 1] -> (N, 1, 8, 8): bilinear upsampling plus a correction."""

    def __init__(self, width: int = 32, icnr: bool = True) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(),
        )
        self.upsample = nn.Sequential(
            nn.Conv2d(width, (width // 2) * SCALE**2, 3, padding=1),  # 4x4, 4 channels per output
            nn.PixelShuffle(SCALE),  # -> (width / 2) x 8 x 8
            nn.ReLU(),
        )
        self.output = nn.Conv2d(width // 2, 1, 3, padding=1)
        if icnr:
            subpixel_icnr_(self.upsample[0].weight, SCALE)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        smooth = F.interpolate(x, scale_factor=SCALE, mode="bilinear", align_corners=False)
        return smooth + self.output(self.upsample(self.features(x)))


def train_step(
    model: SuperResolution, optimizer: mg.optim.Optimizer, low: mg.Tensor, high: mg.Tensor
) -> float:
    loss = nn.L1Loss()(model(low), high)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def psnr(images: np.ndarray, truth: np.ndarray) -> float:
    """Mean PSNR in dB over images, on the 0..16 scale (clipped), peak 16."""
    error = ((_digits.to_pixel_scale(images) - _digits.to_pixel_scale(truth)) ** 2).mean(
        axis=(1, 2)
    )
    return float((10 * np.log10(_digits.PIXEL_MAX**2 / np.maximum(error, 1e-10))).mean())


def predict(model: SuperResolution, low: np.ndarray) -> np.ndarray:
    model.eval()
    with mg.no_grad():
        images = model(mg.tensor(low)).numpy()
    model.train()
    return images


def interpolated(low: np.ndarray, mode: str) -> np.ndarray:
    """F.interpolate's upsampling by 2, the baselines."""
    with mg.no_grad():
        corners = None if mode == "nearest" else False
        return F.interpolate(
            mg.tensor(low), scale_factor=SCALE, mode=mode, align_corners=corners
        ).numpy()


def untrained_upsampling(model: SuperResolution, low: np.ndarray) -> np.ndarray:
    """The untrained sub-pixel layer's first channel, as 8x8 pictures."""
    with mg.no_grad():
        hidden = model.upsample(model.features(mg.tensor(low)))
    return hidden.numpy()[:, :1]


def save_rows(rows: list[np.ndarray], path: Path) -> None:
    """Each array (10, 1, 8, 8) in [-1, 1] a row; groups of rows per column of ten digits."""
    _digits.save_grid(np.concatenate([_digits.to_pixel_scale(row) for row in rows]), path, 10)


def save_channels(images: np.ndarray, path: Path) -> None:
    """Rows of 10 untrained feature maps, each scaled to its own 0..16."""
    low, high = (
        images.min(axis=(1, 2, 3), keepdims=True),
        images.max(axis=(1, 2, 3), keepdims=True),
    )
    _digits.save_grid((images - low) / np.maximum(high - low, 1e-12) * _digits.PIXEL_MAX, path, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/superres_digits")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    images, _ = _digits.digit_images()
    order = np.random.default_rng(args.seed).permutation(len(images))
    test, train = images[order[:HELD_OUT]], images[order[HELD_OUT:]]
    epochs = args.epochs
    if args.smoke:
        train, epochs = train[: 2 * args.batch_size], 1
    train_low, test_low = downsample(train), downsample(test)

    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed + 1)
    model = SuperResolution()
    plain = SuperResolution(icnr=False)
    save_channels(
        np.concatenate(
            [
                untrained_upsampling(model, test_low[:10]),
                untrained_upsampling(plain, test_low[:10]),
            ]
        ),
        out / "init.png",
    )
    optimizer = mg.optim.Adam(model.parameters(), lr=args.lr)
    batches = len(train) // args.batch_size
    curves: dict[str, list[float]] = {"training L1": [], "held-out L1": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="superres", unit="step")
    for _ in range(epochs):
        permutation = shuffle.permutation(len(train))
        total = 0.0
        for batch in range(batches):
            chosen = permutation[batch * args.batch_size : (batch + 1) * args.batch_size]
            total += train_step(
                model, optimizer, mg.tensor(train_low[chosen]), mg.tensor(train[chosen])
            )
            progress.update()
        curves["training L1"].append(total / batches)
        curves["held-out L1"].append(float(np.abs(predict(model, test_low) - test).mean()))
        progress.set_postfix(train=f"{curves['training L1'][-1]:.4f}")
    progress.close()
    seconds = time.perf_counter() - start

    ours = predict(model, test_low)
    bilinear, bicubic = interpolated(test_low, "bilinear"), interpolated(test_low, "bicubic")
    nearest = interpolated(test_low, "nearest")
    rows = []
    for group in range(3):
        shown = slice(10 * group, 10 * group + 10)
        rows += [nearest[shown], bilinear[shown], ours[shown], test[shown]]
        rows.append(np.full_like(test[:10], -1.0))  # a blank row between the groups
    save_rows(rows[:-1], out / "comparison.png")
    _digits.save_curves(
        curves, out / "losses.png", "super-resolution: L1 (pixels in [-1, 1])", "epoch"
    )
    mg.save(model.state_dict(), out / "checkpoint.npz")

    print(f"minigrad super-resolution: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    print(f"held-out PSNR (dB, peak 16, {len(test)} digits): {psnr(ours, test):.2f}")
    print(f"  baseline bicubic F.interpolate: {psnr(bicubic, test):.2f}")
    print(f"  baseline bilinear F.interpolate: {psnr(bilinear, test):.2f}")
    print(f"  baseline nearest F.interpolate: {psnr(nearest, test):.2f}")
    print(f"pictures: {out / 'comparison.png'}, {out / 'init.png'}, {out / 'losses.png'}")
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "epochs": epochs,
            "steps": epochs * batches,
            "psnr": _metrics.rounded(psnr(ours, test), 2),
            "psnr_bicubic": _metrics.rounded(psnr(bicubic, test), 2),
            "psnr_bilinear": _metrics.rounded(psnr(bilinear, test), 2),
            "psnr_nearest": _metrics.rounded(psnr(nearest, test), 2),
        },
        seconds,
    )


if __name__ == "__main__":
    main()
