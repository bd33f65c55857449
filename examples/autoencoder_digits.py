"""A convolutional autoencoder on scikit-learn's 8x8 digits, decoding with ConvTranspose2d.

The encoder halves the image twice with strided Conv2d (8x8 -> 4x4 -> 2x2) and a Linear
layer squeezes it to a code of ``--code-size`` numbers; the decoder mirrors it, a Linear
layer and two ConvTranspose2d that double the size (2x2 -> 4x4 -> 8x8). It is fitted by
Adam on mean squared error over 1,497 digits and judged on the 300 it never saw,
against two baselines computed on the same split: predicting the mean training image,
and PCA with as many components as the code has numbers (the best *linear* encoder and
decoder of that size). Pixels are on the 0..1 scale (the dataset's 0..16 divided by 16).

Run: ``python examples/autoencoder_digits.py`` (outputs in ``out/autoencoder_digits/``).
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


class AutoEncoder(nn.Module):
    """x: (N, 1, 8, 8) -> code: (N, code_size) -> reconstruction: (N, 1, 8, 8)."""

    def __init__(self, code_size: int, width: int = 16) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 3, stride=2, padding=1),  # 8x8 -> 4x4
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),  # 4x4 -> 2x2
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * width * 4, code_size),
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, 2 * width * 4),
            nn.ReLU(),
            nn.Unflatten(1, (2 * width, 2, 2)),
            # (L - 1) * 2 - 2 * 1 + 4 = 2L: each transposed layer doubles the size exactly.
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),  # 2x2 -> 4x4
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 4x4 -> 8x8
        )

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.decoder(self.encoder(x))


def baselines(train: np.ndarray, test: np.ndarray, components: int) -> dict[str, float]:
    """Held-out MSE of the mean training image and of PCA with ``components`` components."""
    flat_train = train.reshape(len(train), -1).astype(np.float64)
    flat_test = test.reshape(len(test), -1).astype(np.float64)
    mean = flat_train.mean(axis=0)
    # The top right-singular vectors of the centred training set span PCA's subspace.
    _, _, vt = np.linalg.svd(flat_train - mean, full_matrices=False)
    basis = vt[:components]
    projected = (flat_test - mean) @ basis.T @ basis + mean
    return {
        "mean image": float(((flat_test - mean) ** 2).mean()),
        f"PCA, {components} components": float(((flat_test - projected) ** 2).mean()),
    }


def reconstruction_error(model: AutoEncoder, images: np.ndarray) -> float:
    model.eval()
    with mg.no_grad():
        error = float(((model(mg.tensor(images)) - mg.tensor(images)) ** 2).mean().item())
    model.train()
    return error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--code-size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/autoencoder_digits")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    images, _ = _digits.digit_images()
    images = (images + 1.0) / 2.0  # [-1, 1] -> pixels / 16 in [0, 1]
    order = np.random.default_rng(args.seed).permutation(len(images))
    test, train = images[order[:HELD_OUT]], images[order[HELD_OUT:]]
    epochs = args.epochs
    if args.smoke:
        train, epochs = train[: 2 * args.batch_size], 1

    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed + 1)
    model = AutoEncoder(args.code_size)
    optimizer = mg.optim.Adam(model.parameters(), lr=args.lr)
    batches = len(train) // args.batch_size
    curves: dict[str, list[float]] = {"training MSE": [], "held-out MSE": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="autoencoder", unit="step")
    for _ in range(epochs):
        permutation = shuffle.permutation(len(train))
        total = 0.0
        for batch in range(batches):
            x = mg.tensor(
                train[permutation[batch * args.batch_size : (batch + 1) * args.batch_size]]
            )
            loss = ((model(x) - x) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            progress.update()
        curves["training MSE"].append(total / batches)
        curves["held-out MSE"].append(reconstruction_error(model, test))
        progress.set_postfix(
            train=f"{curves['training MSE'][-1]:.4f}", held_out=f"{curves['held-out MSE'][-1]:.4f}"
        )
    progress.close()
    seconds = time.perf_counter() - start

    model.eval()
    with mg.no_grad():
        shown = test[:40]
        rebuilt = model(mg.tensor(shown)).numpy()
    # Rows of ten: originals, their reconstructions, then a blank row before the next pair.
    blank = np.zeros((4, 10, 8, 8), dtype=shown.dtype)
    rows = np.concatenate(
        [shown.reshape(4, 10, 8, 8), rebuilt.reshape(4, 10, 8, 8), blank], axis=1
    )
    _digits.save_grid(
        np.clip(rows, 0.0, 1.0).reshape(-1, 8, 8)[:-10] * _digits.PIXEL_MAX,
        out / "reconstructions.png",
        columns=10,
    )
    _digits.save_curves(curves, out / "losses.png", "autoencoder: mean squared error", "epoch")
    mg.save(model.state_dict(), out / "checkpoint.npz")

    held_out = curves["held-out MSE"][-1]
    print(f"trained {epochs} epochs in {seconds:.1f} s")
    print(f"held-out reconstruction MSE (pixels/16, {len(test)} digits): {held_out:.4f}")
    reference = baselines(train, test, args.code_size)
    for name, value in reference.items():
        print(f"  baseline {name}: {value:.4f}")
    pca = reference[f"PCA, {args.code_size} components"]
    print(f"below the PCA baseline (the bar): {'yes' if held_out < pca else 'NO'}")
    print(
        f"pictures: {out / 'reconstructions.png'} (originals above, reconstructions below), "
        f"{out / 'losses.png'}; checkpoint: {out / 'checkpoint.npz'}"
    )
    # How many PCA components match the autoencoder: the first count whose error is lower.
    by_components = {
        count: baselines(train, test, count)[f"PCA, {count} components"] for count in range(1, 33)
    }
    matching = next((count for count, error in by_components.items() if error < held_out), None)
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "epochs": epochs,
            "code_size": args.code_size,
            "held_out_mse": _metrics.rounded(held_out, 4),
            "pca_mse": _metrics.rounded(pca, 4),
            "mean_image_mse": _metrics.rounded(reference["mean image"], 4),
            "below_pca": held_out < pca,
            "pca_components_to_match": matching,
            "pca_mse_by_components": {
                str(count): _metrics.rounded(error, 4) for count, error in by_components.items()
            },
        },
        seconds,
    )


if __name__ == "__main__":
    main()
