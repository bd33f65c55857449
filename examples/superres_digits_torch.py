"""The super-resolution net of ``superres_digits.py``, written in PyTorch: same layers,
sizes, loss, optimiser, data order and budget, for comparing figures and wall time.

PyTorch has no ``nn.init.icnr_``, so this file defines ``icnr_`` with minigrad's
meaning (a sub-kernel drawn by ``init``, convolved with a box of ``stride`` ones in
each spatial dim) and the twin calls it where the minigrad script calls
``nn.init.icnr_``. Outputs go to ``out/superres_digits_torch/`` and have the same
names, except the checkpoint, which is ``checkpoint.pt``. One thread by default
(``--threads``). Without torch installed the script says so and exits.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import _digits
import _metrics
import numpy as np
from tqdm import tqdm

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # the twin is optional: minigrad never needs torch
    raise SystemExit(
        "superres_digits_torch.py needs PyTorch, which is not installed: skipped."
    ) from None

HELD_OUT = 300
SCALE = 2


def downsample(images: np.ndarray) -> np.ndarray:
    """(N, 1, 8, 8) -> (N, 1, 4, 4): the mean of each 2x2 block."""
    count = len(images)
    return images.reshape(count, 1, 4, SCALE, 4, SCALE).mean(axis=(3, 5)).astype(np.float32)


def icnr_(
    weight: torch.Tensor,
    stride: int | tuple[int, ...],
    init: Callable[[torch.Tensor], object] = nn.init.kaiming_normal_,
) -> torch.Tensor:
    """minigrad's ``nn.init.icnr_``, which PyTorch lacks (Aitken et al. 2017).

    A sub-kernel of size k - s + 1 per spatial dim is drawn with ``init`` and convolved
    with a box of s ones in each spatial dim, so every output phase gets the same taps.
    """
    kernel = weight.shape[2:]
    strides = (stride,) * len(kernel) if isinstance(stride, int) else stride
    values = weight.new_zeros(weight.shape[:2] + tuple(k - s + 1 for k, s in zip(kernel, strides)))
    init(values)
    for axis, s in enumerate(strides, start=2):
        boxed_shape = list(values.shape)
        boxed_shape[axis] += s - 1
        boxed = values.new_zeros(boxed_shape)
        for offset in range(s):
            boxed.narrow(axis, offset, values.shape[axis]).add_(values)
        values = boxed
    with torch.no_grad():
        return weight.copy_(values)


def subpixel_icnr_(weight: torch.Tensor, scale: int) -> None:
    """ICNR for a Conv2d weight (C * scale^2, C_in, k, k) feeding PixelShuffle(scale).

    PixelShuffle sends channel c * scale^2 + i * scale + j to output channel c at offset
    (i, j). Viewed as (C, C_in, k, k, scale, scale), the weight gets from ``icnr_`` with
    stride (1, 1, scale, scale) one kaiming-normal kernel per c (fan C_in * k * k), the
    same for every offset.
    """
    channels, inputs, height, width = weight.shape
    grouped = torch.empty(channels // scale**2, inputs, height, width, scale, scale)
    icnr_(grouped, stride=(1, 1, scale, scale))
    with torch.no_grad():
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        smooth = F.interpolate(x, scale_factor=SCALE, mode="bilinear", align_corners=False)
        return smooth + self.output(self.upsample(self.features(x)))


def train_step(
    model: SuperResolution, optimizer: torch.optim.Optimizer, low: torch.Tensor, high: torch.Tensor
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
    with torch.no_grad():
        images = model(torch.tensor(low)).numpy()
    model.train()
    return images


def interpolated(low: np.ndarray, mode: str) -> np.ndarray:
    """F.interpolate's upsampling by 2, the baselines."""
    with torch.no_grad():
        corners = None if mode == "nearest" else False
        return F.interpolate(
            torch.tensor(low), scale_factor=SCALE, mode=mode, align_corners=corners
        ).numpy()


def untrained_upsampling(model: SuperResolution, low: np.ndarray) -> np.ndarray:
    """The untrained sub-pixel layer's first channel, as 8x8 pictures."""
    with torch.no_grad():
        hidden = model.upsample(model.features(torch.tensor(low)))
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
    parser.add_argument("--out", default="out/superres_digits_torch")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = _digits.output_dir(args.out)

    images, _ = _digits.digit_images()
    order = np.random.default_rng(args.seed).permutation(len(images))
    test, train = images[order[:HELD_OUT]], images[order[HELD_OUT:]]
    epochs = args.epochs
    if args.smoke:
        train, epochs = train[: 2 * args.batch_size], 1
    train_low, test_low = downsample(train), downsample(test)

    torch.manual_seed(args.seed)
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
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    batches = len(train) // args.batch_size
    curves: dict[str, list[float]] = {"training L1": [], "held-out L1": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="superres (torch)", unit="step")
    for _ in range(epochs):
        permutation = shuffle.permutation(len(train))
        total = 0.0
        for batch in range(batches):
            chosen = permutation[batch * args.batch_size : (batch + 1) * args.batch_size]
            total += train_step(
                model, optimizer, torch.tensor(train_low[chosen]), torch.tensor(train[chosen])
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
    torch.save(model.state_dict(), out / "checkpoint.pt")

    print(f"PyTorch super-resolution: {epochs} epochs of {batches} steps in {seconds:.1f} s")
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
            "threads": args.threads,
        },
        seconds,
    )


if __name__ == "__main__":
    main()
