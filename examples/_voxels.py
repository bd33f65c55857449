"""Shared by the voxel GAN and its PyTorch twin: the shapes, their score and their pictures.

Nothing here imports minigrad or torch. The data are solid shapes in a 16x16x16 grid,
drawn with numpy: spheres, axis-aligned cubes and cylinders (along x, y or z), each of
random size and position and wholly inside the grid. A voxel is filled (1) when its
centre lies inside the shape.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: the examples also run on machines without a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# PNGs without matplotlib's version stamp, so a rerun writes the same bytes.
PNG_METADATA: dict[str, Any] = {"Software": None}

SIZE = 16
CLASSES = ("sphere", "cube", "cylinder")


def _shape(kind: int, rng: np.random.Generator, grid: np.ndarray) -> np.ndarray:
    """One shape of class ``kind`` as a bool (SIZE, SIZE, SIZE) array."""
    if kind == 0:
        extent = np.full(3, rng.uniform(3.0, 6.5))  # radius
    elif kind == 1:
        extent = np.full(3, rng.uniform(2.5, 5.5))  # half the side
    else:
        extent = np.full(3, rng.uniform(3.0, 6.5))  # half the height
        radius = rng.uniform(2.0, 5.0)
        axis = rng.integers(3)
        extent[[i for i in range(3) if i != axis]] = radius
    # The centre keeps the shape's bounding box inside the grid.
    centre = rng.uniform(extent, SIZE - extent)
    offset = grid - centre[:, None, None, None]
    if kind == 0:
        return (offset**2).sum(axis=0) <= extent[0] ** 2
    if kind == 1:
        return (np.abs(offset) <= extent[:, None, None, None]).all(axis=0)
    across = [i for i in range(3) if i != axis]
    inside_disc = (offset[across] ** 2).sum(axis=0) <= radius**2
    return inside_disc & (np.abs(offset[axis]) <= extent[axis])


def voxel_shapes(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` shapes as float32 (count, 1, SIZE, SIZE, SIZE) in {0, 1}, and their classes.

    The classes take turns (0, 1, 2, 0, ...), so every class has a third of the shapes.
    """
    rng = np.random.default_rng(seed)
    # Voxel centres at 0.5, 1.5, ..., SIZE - 0.5.
    grid = np.stack(np.meshgrid(*[np.arange(SIZE) + 0.5] * 3, indexing="ij"))
    labels = np.arange(count) % len(CLASSES)
    shapes = np.stack([_shape(int(kind), rng, grid) for kind in labels])
    return shapes[:, None].astype(np.float32), labels


def best_matches(samples: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each sample, the best intersection-over-union with a pool shape, and its index.

    Both are (N, ...) arrays of occupancies, thresholded at 0.5.
    """
    a = (np.asarray(samples).reshape(len(samples), -1) >= 0.5).astype(np.float32)
    b = (np.asarray(pool).reshape(len(pool), -1) >= 0.5).astype(np.float32)
    intersection = a @ b.T
    union = a.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - intersection
    iou = intersection / np.maximum(union, 1.0)
    index = iou.argmax(axis=1)
    return iou[np.arange(len(a)), index], index


MATCH = 0.5  # the IoU at which two shapes count as alike: 95% of fresh real shapes reach it


def score(
    samples: np.ndarray, train: np.ndarray, train_labels: np.ndarray, held_out: np.ndarray
) -> dict[str, Any]:
    """Score generated volumes (N, 1, SIZE, SIZE, SIZE) of occupancies against real shapes.

    Returns ``quality`` (the fraction of samples whose best IoU with a training shape is
    at least ``MATCH``: each looks like some sphere, cube or cylinder of the data),
    ``coverage`` (the fraction of the ``held_out`` real shapes that some sample matches
    as well: a generator stuck on a few shapes scores low), ``mean_iou`` (the samples'
    mean best IoU with a training shape) and ``class_fractions`` (the share of the
    samples whose best-matching training shape is of each class).
    """
    iou, index = best_matches(samples, train)
    covered, _ = best_matches(held_out, samples)
    classes = train_labels[index]
    return {
        "quality": float((iou >= MATCH).mean()),
        "coverage": float((covered >= MATCH).mean()),
        "mean_iou": float(iou.mean()),
        "class_fractions": np.bincount(classes, minlength=len(CLASSES)) / len(classes),
    }


def score_rows(
    samples: np.ndarray, train: np.ndarray, train_labels: np.ndarray, fresh: np.ndarray
) -> dict[str, dict[str, Any]]:
    """:func:`score` of the samples and of three references, by name.

    ``fresh`` holds 2N real shapes not trained on (N = len(samples)): the first N stand
    in for a perfect generator's samples, the other N are the held-out shapes that
    coverage is measured on. The other references are noise (each voxel filled with the
    data's mean occupancy) and one training shape repeated N times.
    """
    count = len(samples)
    real, held_out = fresh[:count], fresh[count : 2 * count]
    rng = np.random.default_rng(0)
    noise = (rng.random(samples.shape) < train.mean()).astype(np.float32)
    repeated = np.repeat(train[:1], count, axis=0)
    rows = {
        "samples": samples,
        "fresh real shapes": real,
        "noise": noise,
        "one shape repeated": repeated,
    }
    return {name: score(volumes, train, train_labels, held_out) for name, volumes in rows.items()}


def score_figures(rows: dict[str, dict[str, Any]], train: np.ndarray) -> dict[str, Any]:
    """:func:`score_rows`'s result as the docs print it, for ``metrics.json``.

    Quality and coverage in percent to 1 decimal, the mean best IoU to 3 decimals, the
    nearest-class shares in whole percent; ``occupancy_percent`` is the share of the
    training voxels that are filled.
    """
    figures: dict[str, Any] = {"occupancy_percent": round(100.0 * float(train.mean()), 1)}
    for name, result in rows.items():
        figures[name.replace(" ", "_")] = {
            "quality_percent": round(100.0 * result["quality"], 1),
            "coverage_percent": round(100.0 * result["coverage"], 1),
            "mean_iou": round(result["mean_iou"], 3),
            "class_shares_percent": [
                round(100.0 * float(share)) for share in result["class_fractions"]
            ],
        }
    return figures


def format_scores(
    samples: np.ndarray,
    train: np.ndarray,
    train_labels: np.ndarray,
    fresh: np.ndarray,
    rows: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The samples' score and three references' (see :func:`score_rows`), one line each.

    ``rows``, when given, is :func:`score_rows`'s result for these arguments, not recomputed.
    """
    if rows is None:
        rows = score_rows(samples, train, train_labels, fresh)
    lines = [
        f"score at IoU >= {MATCH} ({len(samples)} volumes against {len(train)} training shapes):"
    ]
    for name, result in rows.items():
        fractions = np.asarray(result["class_fractions"])
        shares = " ".join(f"{kind} {share:.0%}" for kind, share in zip(CLASSES, fractions))
        lines.append(
            f"  {name}: quality {result['quality']:.1%}, coverage {result['coverage']:.1%}, "
            f"mean best IoU {result['mean_iou']:.3f}; nearest class: {shares}"
        )
    return "\n".join(lines)


def save_projections(
    volumes: np.ndarray, path: str | os.PathLike[str], columns: int = 8, scale: int = 3
) -> None:
    """Each volume as its three sum projections (along x, y and z), side by side, in a grid.

    A sum projection shades by thickness: a sphere is a disc brighter in the middle,
    a cube an even square, a cylinder a disc along its axis and a rectangle across it.
    """
    volumes = np.asarray(volumes, dtype=np.float64).reshape(-1, SIZE, SIZE, SIZE)
    rows = -(-len(volumes) // columns)
    cell_w, cell_h = 3 * (SIZE + 1) + 3, SIZE + 3
    canvas = np.full((rows * cell_h + 2, columns * cell_w + 2), np.nan)
    for index, volume in enumerate(volumes):
        row, column = divmod(index, columns)
        top, left = 2 + row * cell_h, 2 + column * cell_w
        for axis in range(3):
            x = left + axis * (SIZE + 1)
            canvas[top : top + SIZE, x : x + SIZE] = volume.sum(axis=axis) / SIZE
    canvas = np.kron(canvas, np.ones((scale, scale)))
    colours = plt.get_cmap("magma").with_extremes(bad="white")
    plt.imsave(
        path,
        np.ma.masked_invalid(canvas),
        cmap=colours,
        vmin=0.0,
        vmax=0.8,
        metadata=PNG_METADATA,
    )


def save_voxels(volumes: np.ndarray, path: str | os.PathLike[str], columns: int = 4) -> None:
    """A few volumes drawn as solid voxels (occupancy >= 0.5), seen from one corner."""
    volumes = np.asarray(volumes).reshape(-1, SIZE, SIZE, SIZE) >= 0.5
    rows = -(-len(volumes) // columns)
    figure = plt.figure(figsize=(2 * columns, 2 * rows), dpi=80)
    for index, volume in enumerate(volumes):
        axes = figure.add_subplot(rows, columns, index + 1, projection="3d")
        axes.voxels(volume, facecolors="#d9822b", edgecolor="#7a4510", linewidth=0.2)
        axes.set_axis_off()
        axes.set_xlim(0, SIZE)
        axes.set_ylim(0, SIZE)
        axes.set_zlim(0, SIZE)
    figure.tight_layout()
    figure.savefig(path, metadata=PNG_METADATA)
    plt.close(figure)


# The next three are _digits.py's, repeated here because that module imports
# scikit-learn, which costs seconds to import and which the voxel examples do not need.


def smoothed(curves: dict[str, list[float]], window: int = 25) -> dict[str, list[float]]:
    """Moving averages over ``window`` steps (as many as there are, for short runs)."""
    result = {}
    for name, values in curves.items():
        width = max(1, min(window, len(values)))
        result[name] = list(np.convolve(values, np.ones(width) / width, mode="valid"))
    return result


def save_curves(curves: dict[str, list[float]], path: str | os.PathLike[str], title: str) -> None:
    """Save one line per named curve against the step number as a PNG."""
    figure, axes = plt.subplots(figsize=(5, 3), dpi=80)
    for name, values in curves.items():
        axes.plot(np.arange(1, len(values) + 1), values, label=name, linewidth=1)
    axes.set_xlabel("step")
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
