"""The conditional GAN of ``cgan_digits.py``, written in PyTorch: same layers, sizes,
loss, optimiser, data order and budget, for comparing figures and wall time.

Outputs go to ``out/cgan_digits_torch/`` and have the same names, except the
checkpoint, which is ``checkpoint.pt``. One thread by default (``--threads``). Without
torch installed the script says so and exits.
"""

from __future__ import annotations

import argparse
import time

import _digits
import _metrics
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from tqdm import tqdm

try:
    import torch
    import torch.nn as nn
except ImportError:  # the twin is optional: minigrad never needs torch
    raise SystemExit(
        "cgan_digits_torch.py needs PyTorch, which is not installed: skipped."
    ) from None

NOISE = 32
CLASSES = 10
WIDTH = 32
HELD_OUT = 300


class Generator(nn.Module):
    """z: (N, NOISE), labels: (N,) int64 -> images (N, 1, 8, 8) in [-1, 1]."""

    def __init__(self, width: int = WIDTH, embedding: int = 16) -> None:
        super().__init__()
        self.label = nn.Embedding(CLASSES, embedding)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(NOISE + embedding, 4 * width, 2, bias=False),  # 1x1 -> 2x2
            nn.BatchNorm2d(4 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * width, 2 * width, 4, stride=2, padding=1, bias=False),  # 4x4
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 8x8
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = torch.cat([z, self.label(labels)], dim=1)
        return self.net(code.view(len(code), -1, 1, 1))


class Discriminator(nn.Module):
    """images (N, 1, 8, 8), labels (N,) -> logits (N,): large means "a real one of that class"."""

    def __init__(self, width: int = WIDTH) -> None:
        super().__init__()
        self.label = nn.Embedding(CLASSES, 64)
        self.net = nn.Sequential(
            nn.Conv2d(2, width, 4, stride=2, padding=1),  # 8x8 -> 4x4
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # -> 2x2
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(2 * width, 1, 2),  # -> 1x1
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        plane = self.label(labels).view(len(labels), 1, 8, 8)
        return self.net(torch.cat([images, plane], dim=1)).view(-1)


def weights_init(layer: nn.Module) -> None:
    """The DCGAN initialisation, applied by ``Module.apply``."""
    if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(layer.weight, 0.0, 0.02)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    elif isinstance(layer, nn.BatchNorm2d):
        nn.init.normal_(layer.weight, 1.0, 0.02)
        nn.init.zeros_(layer.bias)


def train_step(
    model_g: Generator,
    model_d: Discriminator,
    optimizer_g: torch.optim.Optimizer,
    optimizer_d: torch.optim.Optimizer,
    real: torch.Tensor,
    labels: torch.Tensor,
    noise: torch.Tensor,
    wanted: torch.Tensor,
) -> tuple[float, float]:
    """One discriminator step and one generator step; the fakes are asked for ``wanted``."""
    criterion = nn.BCEWithLogitsLoss()
    ones, zeros = real.new_ones(len(real)), real.new_zeros(len(real))
    fake = model_g(noise, wanted)
    loss_d = criterion(model_d(real, labels), ones) + criterion(
        model_d(fake.detach(), wanted), zeros
    )
    optimizer_d.zero_grad()
    loss_d.backward()
    optimizer_d.step()

    loss_g = criterion(model_d(fake, wanted), ones)
    optimizer_g.zero_grad()
    loss_g.backward()
    optimizer_g.step()
    return loss_d.item(), loss_g.item()


def generate(model_g: Generator, noise: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """Digits on the 0..16 scale, in eval mode (BatchNorm's running statistics)."""
    model_g.eval()
    with torch.no_grad():
        images = model_g(noise, labels).numpy()
    model_g.train()
    return _digits.to_pixel_scale(images)


def requested_class_hits(samples: np.ndarray, requested: np.ndarray) -> np.ndarray:
    """Whether ``_digits.fit_digit_classifier`` labels each sample (0..16 scale) as asked."""
    classifier = _digits.fit_digit_classifier()
    assigned = classifier.predict(samples.reshape(len(samples), 64) / _digits.PIXEL_MAX)
    return np.asarray(assigned == requested)


def held_out_accuracy(seed: int) -> float:
    """Accuracy on 300 real digits of the classifier's recipe fitted on the other 1,497."""
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    train, test = order[HELD_OUT:], order[:HELD_OUT]
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit(digits.data[train] / _digits.PIXEL_MAX, digits.target[train])
    predicted = classifier.predict(digits.data[test] / _digits.PIXEL_MAX)
    return float((predicted == digits.target[test]).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/cgan_digits_torch")
    parser.add_argument(
        "--smoke", action="store_true", help="one tiny epoch, no scoring, for the tests"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = _digits.output_dir(args.out)

    images, targets = _digits.digit_images()
    epochs = args.epochs
    if args.smoke:
        images, targets = images[: 2 * args.batch_size], targets[: 2 * args.batch_size]
        epochs = 1
    torch.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed)

    model_g, model_d = Generator(), Discriminator()
    model_g.apply(weights_init)
    model_d.apply(weights_init)
    optimizer_g = torch.optim.Adam(model_g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(model_d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    grid_noise = torch.randn(10, NOISE).repeat(CLASSES, 1)  # column j: the same noise per row
    grid_labels = torch.arange(CLASSES).view(-1, 1).repeat(1, 10).view(-1)  # row k: digit k
    batch = args.batch_size
    batches = len(images) // batch
    losses: dict[str, list[float]] = {"discriminator": [], "generator": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="cgan (torch)", unit="step")
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(len(images))
        for index in range(batches):
            chosen = order[index * batch : (index + 1) * batch]
            real, labels = torch.tensor(images[chosen]), torch.tensor(targets[chosen])
            noise, wanted = torch.randn(batch, NOISE), torch.randint(0, CLASSES, (batch,))
            loss_d, loss_g = train_step(
                model_g, model_d, optimizer_g, optimizer_d, real, labels, noise, wanted
            )
            losses["discriminator"].append(loss_d)
            losses["generator"].append(loss_g)
            progress.update()
            progress.set_postfix(epoch=epoch, loss_d=f"{loss_d:.3f}", loss_g=f"{loss_g:.3f}")
    progress.close()
    seconds = time.perf_counter() - start

    _digits.save_grid(generate(model_g, grid_noise, grid_labels), out / "samples.png", 10)
    _digits.save_curves(
        _digits.smoothed(losses),
        out / "losses.png",
        "conditional GAN losses (moving average over 25 steps)",
        "step",
    )
    torch.save(
        {"generator": model_g.state_dict(), "discriminator": model_d.state_dict()},
        out / "checkpoint.pt",
    )
    print(f"PyTorch conditional GAN: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    figures = {
        "seed": args.seed,
        "epochs": epochs,
        "steps": epochs * batches,
        "threads": args.threads,
    }
    if args.smoke:
        print("scoring skipped in --smoke (fitting the classifiers takes seconds)")
    else:
        requested = np.repeat(np.arange(CLASSES), 100)
        samples = generate(model_g, torch.randn(len(requested), NOISE), torch.tensor(requested))
        hits = requested_class_hits(samples, requested)
        per_digit = " ".join(f"{k}:{hits[requested == k].mean():.0%}" for k in range(CLASSES))
        print(f"samples given the requested class (1,000, 100 per class): {hits.mean():.1%}")
        print(f"  per digit: {per_digit}")
        print(f"  baseline chance: {1 / CLASSES:.1%}")
        reference = held_out_accuracy(args.seed)
        print(f"  baseline real held-out digits, same classifier recipe: {reference:.1%}")
        scores = _digits.score_samples(samples)
        print(_digits.format_scores(scores))
        figures.update(
            requested_percent=_metrics.percent(hits.mean()),
            per_digit_percent=[
                _metrics.percent(hits[requested == k].mean(), 0) for k in range(CLASSES)
            ],
            chance_percent=_metrics.percent(1 / CLASSES),
            real_held_out_percent=_metrics.percent(reference),
            **_digits.score_figures(scores),
        )
    print(f"pictures: {out / 'samples.png'}, {out / 'losses.png'}")
    _metrics.write(out, figures, seconds)


if __name__ == "__main__":
    main()
