"""A variational autoencoder on scikit-learn's 8x8 digits, decoding with ConvTranspose2d.

The encoder halves the image twice with strided Conv2d (8x8 -> 4x4 -> 2x2) and two
Linear heads give the mean and the log-variance of a Gaussian code of ``--latent``
numbers; a code is drawn from it by the reparameterisation z = mu + sigma * eps
(Kingma and Welling 2014), so the draw is differentiable in mu and sigma. The decoder
is a Linear layer, an Unflatten and two ConvTranspose2d that double the size
(2x2 -> 4x4 -> 8x8), giving one logit per pixel. The digits are made black and white
(ink where the pixel is 8/16 or more), so each pixel is a Bernoulli variable and the
loss, the negative evidence lower bound, is in nats: the reconstruction term (binary
cross-entropy of the logits against the pixels, summed over the 64 pixels) plus the KL
divergence of the code's Gaussian from the prior N(0, I), averaged over the batch.

It is fitted by Adam on 1,497 digits and judged on the 300 it never saw, against
baselines computed on the same split: for -log p(x) (bounded by the negative ELBO and,
more tightly, by an importance-sampled estimate), models whose likelihood is exact:
independent Bernoulli pixels, and mixtures of 10 and 50 of them fitted by EM; for the
error of the decoded mean code, the mean image and PCA with as many components as the
code has numbers.

Outputs (in ``--out``, default ``out/vae_digits/``): ``reconstructions.png`` (rows of
held-out digits, each followed by its reconstruction), ``samples.png`` (64 decodings of
codes drawn from the prior), ``latent_walk.png`` (a grid over the two most used code
numbers, the others held at 0), ``losses.png`` and ``checkpoint.npz``.

``examples/vae_digits_torch.py`` is the same model, line for line, in PyTorch.
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


class VAE(nn.Module):
    """x: (N, 1, 8, 8) in {0, 1} -> pixel logits (N, 1, 8, 8), mu and logvar (N, latent)."""

    def __init__(self, latent: int = 8, width: int = 16) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 3, stride=2, padding=1),  # 8x8 -> 4x4
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),  # 4x4 -> 2x2
            nn.ReLU(),
            nn.Flatten(),
        )
        self.mu = nn.Linear(2 * width * 4, latent)
        self.logvar = nn.Linear(2 * width * 4, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, 2 * width * 4),
            nn.ReLU(),
            nn.Unflatten(1, (2 * width, 2, 2)),
            # (L - 1) * 2 - 2 * 1 + 4 = 2L: each transposed layer doubles the size exactly.
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),  # 2x2 -> 4x4
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 4x4 -> 8x8
        )

    def encode(self, x: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor]:
        hidden = self.encoder(x)
        return self.mu(hidden), self.logvar(hidden)

    def reparameterize(self, mu: mg.Tensor, logvar: mg.Tensor) -> mg.Tensor:
        std = mg.exp(0.5 * logvar)
        eps = mg.randn_like(std)
        return mu + eps * std

    def decode(self, z: mg.Tensor) -> mg.Tensor:
        return self.decoder(z)

    def forward(self, x: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor, mg.Tensor]:
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(
    logits: mg.Tensor, x: mg.Tensor, mu: mg.Tensor, logvar: mg.Tensor
) -> tuple[mg.Tensor, mg.Tensor]:
    """Negative ELBO per image (nats) and its KL part, both averaged over the batch."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    # KL(N(mu, sigma^2) || N(0, 1)) = -1/2 (1 + log sigma^2 - mu^2 - sigma^2), per number.
    kl = -0.5 * mg.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (reconstruction + kl) / len(x), kl / len(x)


def train_step(model: VAE, optimizer: mg.optim.Optimizer, x: mg.Tensor) -> float:
    logits, mu, logvar = model(x)
    loss, _ = loss_function(logits, x, mu, logvar)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model: VAE, images: np.ndarray) -> dict[str, float]:
    """Held-out negative ELBO and KL (one code draw per image) and the MSE of the mean code."""
    model.eval()
    with mg.no_grad():
        x = mg.tensor(images)
        logits, mu, logvar = model(x)
        loss, kl = loss_function(logits, x, mu, logvar)
        rebuilt = mg.sigmoid(model.decode(mu))
        error = ((rebuilt - x) ** 2).mean()
    model.train()
    return {"negative ELBO": loss.item(), "KL": kl.item(), "MSE": error.item()}


def importance_sampled_nll(model: VAE, images: np.ndarray, draws: int = 100) -> float:
    """Held-out -log p(x) estimated with ``draws`` codes from q(z|x) (Burda et al. 2016).

    -log mean_k p(x|z_k) p(z_k) / q(z_k|x) is again an upper bound on -log p(x), and a
    tighter one than the negative ELBO (its ``draws`` = 1 case); it tends to -log p(x).
    """
    model.eval()
    log_weights = []
    with mg.no_grad():
        x = mg.tensor(images)
        mu, logvar = model.encode(x)
        for _ in range(draws):
            eps = mg.randn_like(mu)
            z = mu + eps * mg.exp(0.5 * logvar)
            log_likelihood = -F.binary_cross_entropy_with_logits(
                model.decode(z), x, reduction="none"
            ).sum(dim=(1, 2, 3))
            # log p(z) - log q(z|x): the Gaussians' 2 pi terms cancel.
            log_ratio = (-0.5 * z.pow(2) + 0.5 * eps.pow(2) + 0.5 * logvar).sum(dim=1)
            log_weights.append((log_likelihood + log_ratio).numpy().astype(np.float64))
    model.train()
    stacked = np.stack(log_weights)
    top = stacked.max(axis=0)
    return float(-(top + np.log(np.exp(stacked - top).mean(axis=0))).mean())


def code_usage(model: VAE, images: np.ndarray) -> np.ndarray:
    """Mean KL per code number on ``images``: the numbers the decoder relies on score high."""
    with mg.no_grad():
        mu, logvar = model.encode(mg.tensor(images))
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())
    return kl.numpy().mean(axis=0)


def decode_pixels(model: VAE, z: np.ndarray) -> np.ndarray:
    with mg.no_grad():
        return mg.sigmoid(model.decode(mg.tensor(z))).numpy()


def baselines(train: np.ndarray, test: np.ndarray, components: int) -> dict[str, float]:
    """Held-out figures of three models without a learned code, on the same split.

    ``independent pixels``: the negative log-likelihood (the same binary cross-entropy
    as the VAE's reconstruction term, summed over pixels) of each pixel as a Bernoulli
    at its mean training value, the best model that ignores the image; ``mixture of K``:
    the same for a mixture of K such models (:func:`bernoulli_mixture_nll`); ``mean image``
    and ``PCA``: the MSE of predicting the mean training image, and of PCA with
    ``components`` components (the best linear code of the VAE's size).
    """
    flat_train = train.reshape(len(train), -1).astype(np.float64)
    flat_test = test.reshape(len(test), -1).astype(np.float64)
    mean = flat_train.mean(axis=0)
    p = np.clip(mean, 1e-6, 1 - 1e-6)
    cross_entropy = -(flat_test * np.log(p) + (1 - flat_test) * np.log(1 - p))
    # The top right-singular vectors of the centred training set span PCA's subspace.
    _, _, vt = np.linalg.svd(flat_train - mean, full_matrices=False)
    basis = vt[:components]
    projected = (flat_test - mean) @ basis.T @ basis + mean
    return {
        "independent pixels": float(cross_entropy.sum(axis=1).mean()),
        "mixture of 10": bernoulli_mixture_nll(flat_train, flat_test, 10),
        "mixture of 50": bernoulli_mixture_nll(flat_train, flat_test, 50),
        "mean image": float(((flat_test - mean) ** 2).mean()),
        "PCA": float(((flat_test - projected) ** 2).mean()),
    }


def bernoulli_mixture_nll(train: np.ndarray, test: np.ndarray, components: int) -> float:
    """Held-out -log p(x) (nats per image) of a mixture of independent-pixel Bernoulli models.

    Fitted to the (N, 64) binary ``train`` by 100 rounds of EM from ``components``
    training images (softened to 0.25 / 0.75); the pixel probabilities are kept within
    [0.001, 0.999] by a Beta(2, 2) prior. Its likelihood is exact, so it is a baseline
    for the VAE's bound in the same units.
    """
    rng = np.random.default_rng(0)
    probabilities = 0.25 + 0.5 * train[rng.choice(len(train), components, replace=False)]
    weights = np.full(components, 1.0 / components)

    def log_joint(x: np.ndarray) -> np.ndarray:
        return (
            x @ np.log(probabilities).T + (1 - x) @ np.log(1 - probabilities).T + np.log(weights)
        )

    def log_evidence(log: np.ndarray) -> np.ndarray:
        top = log.max(axis=1, keepdims=True)
        return top + np.log(np.exp(log - top).sum(axis=1, keepdims=True))

    for _ in range(100):
        log = log_joint(train)
        responsibilities = np.exp(log - log_evidence(log))
        counts = responsibilities.sum(axis=0)
        weights = (counts + 1) / (counts.sum() + components)  # no component dies
        probabilities = (responsibilities.T @ train + 1) / (counts[:, None] + 2)
        probabilities = np.clip(probabilities, 1e-3, 1 - 1e-3)
    return float(-log_evidence(log_joint(test)).mean())


def save_pairs(originals: np.ndarray, rebuilt: np.ndarray, path: Path) -> None:
    """Rows of ten originals (0 or 1), each followed by its reconstruction row."""
    rows = len(originals) // 10
    blank = np.zeros((rows, 10, 8, 8))
    grid = np.concatenate(
        [originals.reshape(rows, 10, 8, 8), rebuilt.reshape(rows, 10, 8, 8), blank], axis=1
    )
    grid = np.clip(grid, 0.0, 1.0).reshape(-1, 8, 8)[:-10] * _digits.PIXEL_MAX
    _digits.save_grid(grid, path, columns=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--latent", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/vae_digits")
    parser.add_argument("--smoke", action="store_true", help="one tiny epoch, for the tests")
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    images, _ = _digits.digit_images()
    # Black and white: pixels of 8/16 or more are ink, so a pixel is a Bernoulli variable.
    images = (images >= 0.0).astype(np.float32)
    order = np.random.default_rng(args.seed).permutation(len(images))
    test, train = images[order[:HELD_OUT]], images[order[HELD_OUT:]]
    epochs = args.epochs
    if args.smoke:
        train, epochs = train[: 2 * args.batch_size], 1

    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed + 1)
    model = VAE(args.latent)
    optimizer = mg.optim.Adam(model.parameters(), lr=args.lr)
    batches = len(train) // args.batch_size
    curves: dict[str, list[float]] = {"training": [], "held-out": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="vae", unit="step")
    for _ in range(epochs):
        permutation = shuffle.permutation(len(train))
        total = 0.0
        for batch in range(batches):
            x = mg.tensor(
                train[permutation[batch * args.batch_size : (batch + 1) * args.batch_size]]
            )
            total += train_step(model, optimizer, x)
            progress.update()
        curves["training"].append(total / batches)
        curves["held-out"].append(evaluate(model, test)["negative ELBO"])
        progress.set_postfix(train=f"{curves['training'][-1]:.2f}")
    progress.close()
    seconds = time.perf_counter() - start

    model.eval()
    shown = test[:40]
    with mg.no_grad():
        rebuilt = decode_pixels(model, model.encode(mg.tensor(shown))[0].numpy())
    save_pairs(shown, rebuilt, out / "reconstructions.png")
    prior = mg.randn(64, args.latent).numpy()
    _digits.save_grid(decode_pixels(model, prior) * _digits.PIXEL_MAX, out / "samples.png")
    usage = code_usage(model, test)
    first, second = np.argsort(-usage)[:2]
    steps = np.linspace(-2.0, 2.0, 10, dtype=np.float32)
    walk = np.zeros((10, 10, args.latent), dtype=np.float32)
    walk[:, :, first] = steps[:, None]
    walk[:, :, second] = steps[None, :]
    _digits.save_grid(
        decode_pixels(model, walk.reshape(100, args.latent)) * _digits.PIXEL_MAX,
        out / "latent_walk.png",
        columns=10,
    )
    _digits.save_curves(curves, out / "losses.png", "VAE: negative ELBO (nats per image)", "epoch")
    mg.save(model.state_dict(), out / "checkpoint.npz")

    final = evaluate(model, test)
    draws = 10 if args.smoke else 100
    estimate = importance_sampled_nll(model, test, draws=draws)
    reference = baselines(train, test, args.latent)
    print(f"minigrad VAE: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    print(
        f"held-out negative ELBO (nats per image, {len(test)} digits): "
        f"{final['negative ELBO']:.2f} (KL {final['KL']:.2f})"
    )
    print(f"held-out -log p(x), {draws} importance-sampled codes: {estimate:.2f}")
    print(f"  baseline independent pixels, no code: {reference['independent pixels']:.2f}")
    print(f"  baseline mixture of 10 Bernoulli models: {reference['mixture of 10']:.2f}")
    print(f"  baseline mixture of 50 Bernoulli models: {reference['mixture of 50']:.2f}")
    print(f"held-out reconstruction MSE of the mean code (pixels 0 or 1): {final['MSE']:.4f}")
    print(f"  baseline mean image: {reference['mean image']:.4f}")
    print(f"  baseline PCA, {args.latent} components: {reference['PCA']:.4f}")
    print(f"code numbers by use (KL, nats): {' '.join(f'{value:.2f}' for value in usage)}")
    print(
        f"pictures: {out / 'reconstructions.png'}, {out / 'samples.png'}, "
        f"{out / 'latent_walk.png'} (code numbers {first} and {second}), {out / 'losses.png'}"
    )
    _metrics.write(
        out,
        {
            "seed": args.seed,
            "epochs": epochs,
            "steps": epochs * batches,
            "importance_samples": draws,
            "importance_sampled_nll": _metrics.rounded(estimate, 2),
            "negative_elbo": _metrics.rounded(final["negative ELBO"], 2),
            "kl": _metrics.rounded(final["KL"], 2),
            "mixture_of_50": _metrics.rounded(reference["mixture of 50"], 2),
            "mixture_of_10": _metrics.rounded(reference["mixture of 10"], 2),
            "independent_pixels": _metrics.rounded(reference["independent pixels"], 2),
            "mse": _metrics.rounded(final["MSE"], 4),
            "pca_mse": _metrics.rounded(reference["PCA"], 4),
            "mean_image_mse": _metrics.rounded(reference["mean image"], 4),
            "code_usage": [_metrics.rounded(value, 2) for value in usage],
            "walk_codes": [int(first), int(second)],
        },
        seconds,
    )


if __name__ == "__main__":
    main()
