"""A conditional GAN on scikit-learn's 8x8 digits: ask for a 3, get a 3.

Both networks are told the class (Mirza and Osindero 2014) through nn.Embedding. The
generator embeds the label as 16 numbers, appends them to 32 Gaussian numbers and
turns the 48 into an 8x8 image with ConvTranspose2d layers (1x1 -> 2x2 -> 4x4 -> 8x8,
then a 3x3 one at 8x8), BatchNorm2d, ReLU and a Tanh. The discriminator embeds the
label as 64 numbers, lays them out as a second 8x8 channel next to the image, and
judges the pair with strided Conv2d and LeakyReLU: a real 3 labelled 7 is as wrong to
it as a fake, so the generator must draw the class it is asked for. Adam on the
non-saturating GAN loss with the DCGAN initialisation N(0, 0.02), batches of 64.

The figure: the share of generated digits that a classifier assigns to the requested
class, against chance (10%) and the share of real held-out digits the same kind of
classifier gets right. The classifier is ``_digits.fit_digit_classifier`` (multinomial
logistic regression on the 1,797 real digits); its held-out accuracy is measured by
fitting the same model on 1,497 digits and scoring the other 300.

Outputs (in ``--out``, default ``out/cgan_digits/``): ``samples.png`` (a 10x10 grid,
row k asked for digit k, column j the same noise in every row), ``losses.png``,
``checkpoint.npz`` (``{"generator": ..., "discriminator": ...}``).

``examples/cgan_digits_torch.py`` is the same model, line for line, in PyTorch.
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

import minigrad as mg
import minigrad.nn as nn

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

    def forward(self, z: mg.Tensor, labels: mg.Tensor) -> mg.Tensor:
        code = mg.cat([z, self.label(labels)], dim=1)
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

    def forward(self, images: mg.Tensor, labels: mg.Tensor) -> mg.Tensor:
        plane = self.label(labels).view(len(labels), 1, 8, 8)
        return self.net(mg.cat([images, plane], dim=1)).view(-1)


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
    optimizer_g: mg.optim.Optimizer,
    optimizer_d: mg.optim.Optimizer,
    real: mg.Tensor,
    labels: mg.Tensor,
    noise: mg.Tensor,
    wanted: mg.Tensor,
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


def generate(model_g: Generator, noise: mg.Tensor, labels: mg.Tensor) -> np.ndarray:
    """Digits on the 0..16 scale, in eval mode (BatchNorm's running statistics)."""
    model_g.eval()
    with mg.no_grad():
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
    parser.add_argument("--out", default="out/cgan_digits")
    parser.add_argument(
        "--smoke", action="store_true", help="one tiny epoch, no scoring, for the tests"
    )
    args = parser.parse_args()
    out = _digits.output_dir(args.out)

    images, targets = _digits.digit_images()
    epochs = args.epochs
    if args.smoke:
        images, targets = images[: 2 * args.batch_size], targets[: 2 * args.batch_size]
        epochs = 1
    mg.manual_seed(args.seed)
    shuffle = np.random.default_rng(args.seed)

    model_g, model_d = Generator(), Discriminator()
    model_g.apply(weights_init)
    model_d.apply(weights_init)
    optimizer_g = mg.optim.Adam(model_g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optimizer_d = mg.optim.Adam(model_d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    grid_noise = mg.randn(10, NOISE).repeat(CLASSES, 1)  # column j: the same noise per row
    grid_labels = mg.arange(CLASSES).view(-1, 1).repeat(1, 10).view(-1)  # row k: digit k
    batch = args.batch_size
    batches = len(images) // batch
    losses: dict[str, list[float]] = {"discriminator": [], "generator": []}

    start = time.perf_counter()
    progress = tqdm(total=epochs * batches, desc="cgan", unit="step")
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(len(images))
        for index in range(batches):
            chosen = order[index * batch : (index + 1) * batch]
            real, labels = mg.tensor(images[chosen]), mg.tensor(targets[chosen])
            noise, wanted = mg.randn(batch, NOISE), mg.randint(0, CLASSES, (batch,))
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
    mg.save(
        {"generator": model_g.state_dict(), "discriminator": model_d.state_dict()},
        out / "checkpoint.npz",
    )
    print(f"minigrad conditional GAN: {epochs} epochs of {batches} steps in {seconds:.1f} s")
    figures = {
        "seed": args.seed,
        "epochs": epochs,
        "steps": epochs * batches,
    }
    if args.smoke:
        print("scoring skipped in --smoke (fitting the classifiers takes seconds)")
    else:
        requested = np.repeat(np.arange(CLASSES), 100)
        samples = generate(model_g, mg.randn(len(requested), NOISE), mg.tensor(requested))
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
