"""Shared by the digits examples: the data, the sample score, and the pictures.

Nothing here imports minigrad or torch, so the minigrad examples and their PyTorch
twins load the same images, score their samples the same way and draw the same plots.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: the examples also run on machines without a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

PIXEL_MAX = 16.0  # the digits' own pixel scale is 0..16
# PNGs without matplotlib's version stamp, so a rerun writes the same bytes.
PNG_METADATA: dict[str, Any] = {"Software": None}


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 images as float32 (N, 1, 8, 8) scaled to [-1, 1] (a Tanh's range), and labels."""
    digits = load_digits()
    images = digits.images.astype(np.float32) / (PIXEL_MAX / 2) - 1.0
    return images[:, None], digits.target


def to_pixel_scale(images: np.ndarray) -> np.ndarray:
    """(N, 1, 8, 8) or (N, 8, 8) in [-1, 1] -> float64 (N, 8, 8) on the 0..16 scale, clipped."""
    images = np.asarray(images, dtype=np.float64).reshape(-1, 8, 8)
    return np.clip((images + 1.0) * (PIXEL_MAX / 2), 0.0, PIXEL_MAX)


@functools.cache
def fit_digit_classifier() -> LogisticRegression:
    """Multinomial logistic regression on all 1,797 real digits, input pixels/16.

    A plain linear model, so it cannot be fooled by tiny pixel patterns the way a deep
    net can: to receive a confident label a sample must look like a digit on the whole.
    """
    digits = load_digits()
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit(digits.data / PIXEL_MAX, digits.target)
    return classifier


def real_digit_reference(seed: int = 0) -> float:
    """Mean top-class probability the same classifier gives held-out *real* digits.

    The bar a generator can be compared with: fitted on 1,497 digits, scored on 300.
    """
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    train, test = order[300:], order[:300]
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit(digits.data[train] / PIXEL_MAX, digits.target[train])
    return float(classifier.predict_proba(digits.data[test] / PIXEL_MAX).max(axis=1).mean())


def _nearest_distances(queries: np.ndarray, pool: np.ndarray, exclude_self: bool) -> np.ndarray:
    """Euclidean distance from each row of ``queries`` to its nearest row of ``pool``."""
    squared = (
        (queries**2).sum(axis=1)[:, None] + (pool**2).sum(axis=1)[None, :] - 2 * queries @ pool.T
    )
    squared = np.maximum(squared, 0.0)
    if exclude_self:
        np.fill_diagonal(squared, np.inf)
    return np.sqrt(squared.min(axis=1))


def score_samples(samples: np.ndarray) -> dict[str, Any]:
    """Score generated digits (N, 8, 8) on the 0..16 pixel scale.

    Returns:
        ``top_probability``: mean top-class probability under :func:`fit_digit_classifier`;
        ``class_fractions``: fraction of samples given each label 0..9;
        ``nearest_train``: mean distance from a sample to its nearest training image;
        ``train_nearest``: mean distance from a training image to its nearest *other*
        training image (what a fresh real digit would score, roughly);
        ``train_pairwise``: mean distance between two training images.
        Distances are Euclidean on the 0..16 scale (64 pixels).
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 3 or samples.shape[1:] != (8, 8):
        raise ValueError(f"samples: expected shape (N, 8, 8), got {samples.shape}")
    flat = samples.reshape(len(samples), 64)
    classifier = fit_digit_classifier()
    probabilities = classifier.predict_proba(flat / PIXEL_MAX)
    labels = probabilities.argmax(axis=1)
    train = load_digits().data.astype(np.float64)
    pair_squared = (train**2).sum(1)[:, None] + (train**2).sum(1)[None, :] - 2 * train @ train.T
    pairwise = np.sqrt(np.maximum(pair_squared, 0.0))
    off_diagonal = ~np.eye(len(train), dtype=bool)
    return {
        "top_probability": float(probabilities.max(axis=1).mean()),
        "class_fractions": np.bincount(labels, minlength=10) / len(labels),
        "nearest_train": float(_nearest_distances(flat, train, exclude_self=False).mean()),
        "train_nearest": float(_nearest_distances(train, train, exclude_self=True).mean()),
        "train_pairwise": float(pairwise[off_diagonal].mean()),
    }


def passes_bar(scores: dict[str, Any]) -> bool:
    """Issue 5's bar: mean top-class probability >= 0.8 and every class >= 3% of samples."""
    fractions = np.asarray(scores["class_fractions"])
    return scores["top_probability"] >= 0.8 and bool(fractions.min() >= 0.03)


def score_figures(scores: dict[str, Any]) -> dict[str, Any]:
    """:func:`score_samples`'s result as the docs print it, for ``metrics.json``.

    Probabilities to 3 decimals, shares in percent to 1 decimal, distances to 2
    decimals; ``real_top_probability`` is :func:`real_digit_reference`'s bar.
    """
    shares = [round(100.0 * float(share), 1) for share in scores["class_fractions"]]
    smallest = int(np.argmin(scores["class_fractions"]))
    return {
        "top_probability": round(scores["top_probability"], 3),
        "class_shares_percent": shares,
        "smallest_share_percent": shares[smallest],
        "smallest_share_digit": smallest,
        "nearest_train": round(scores["nearest_train"], 2),
        "train_nearest": round(scores["train_nearest"], 2),
        "train_pairwise": round(scores["train_pairwise"], 2),
        "real_top_probability": round(real_digit_reference(), 3),
        "meets_bar": passes_bar(scores),
    }


def format_scores(scores: dict[str, Any]) -> str:
    fractions = np.asarray(scores["class_fractions"])
    histogram = " ".join(f"{digit}:{fraction:.1%}" for digit, fraction in enumerate(fractions))
    return (
        f"classifier mean top-class probability: {scores['top_probability']:.3f} (bar 0.8)\n"
        f"class shares: {histogram} (bar: each >= 3%)\n"
        f"mean distance to nearest training image: {scores['nearest_train']:.2f} "
        f"(training image to its nearest other: {scores['train_nearest']:.2f}; "
        f"between two training images: {scores['train_pairwise']:.2f})\n"
        f"meets the bar: {'yes' if passes_bar(scores) else 'NO'}"
    )


def save_grid(
    images: np.ndarray, path: str | os.PathLike[str], columns: int = 8, scale: int = 4
) -> None:
    """Save images (N, 8, 8) or (N, 1, 8, 8) on the 0..16 scale as one PNG grid, dark ink.

    Written with ``imsave`` rather than a figure: it takes milliseconds, so a training
    loop can afford one per epoch.
    """
    images = np.asarray(images, dtype=np.float64).reshape(-1, 8, 8)
    rows = -(-len(images) // columns)
    canvas = np.zeros((rows * 9 + 1, columns * 9 + 1))
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[1 + row * 9 : 9 + row * 9, 1 + column * 9 : 9 + column * 9] = image
    canvas = np.kron(canvas, np.ones((scale, scale)))
    plt.imsave(path, canvas, cmap="gray_r", vmin=0.0, vmax=PIXEL_MAX, metadata=PNG_METADATA)


def smoothed(curves: dict[str, list[float]], window: int = 25) -> dict[str, list[float]]:
    """Moving averages over ``window`` steps (as many as there are, for short runs)."""
    result = {}
    for name, values in curves.items():
        width = max(1, min(window, len(values)))
        result[name] = list(np.convolve(values, np.ones(width) / width, mode="valid"))
    return result


def save_curves(
    curves: dict[str, list[float]], path: str | os.PathLike[str], title: str, xlabel: str
) -> None:
    """Save one line per named curve as a PNG."""
    figure, axes = plt.subplots(figsize=(5, 3), dpi=80)
    for name, values in curves.items():
        axes.plot(np.arange(1, len(values) + 1), values, label=name, linewidth=1)
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, metadata=PNG_METADATA)
    plt.close(figure)


def output_dir(path: str) -> Path:
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory
