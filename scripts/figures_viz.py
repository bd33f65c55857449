"""The pictures of docs/conv_transpose.md and docs/autograd.md, drawn by ``minigrad.viz``.

Usage::

    .venv/bin/python scripts/figures_viz.py            # writes docs/img/viz/*.png

Every picture is drawn from fixed arguments and seeds, and saved without a date or
software stamp, so a rerun writes the same bytes (with the same matplotlib and
Graphviz). The two tape pictures need Graphviz's ``dot`` program
(``apt-get install graphviz``); ``scripts/figures.py`` calls :func:`main` too.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import viz  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DPI = 110
# No "Software" entry (matplotlib's version) and no date: the bytes depend on the pixels.
METADATA = {"Software": None}

# The arrays of the conv_transpose page: small integers, so every cell reads exactly.
X_1D, W_1D = [1.0, 2.0, -1.0], [1.0, 2.0, 3.0]
X_2D = [[1.0, 2.0], [-1.0, 0.5]]
W_2D = [[1.0, 2.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, -1.0]]


def stamps_1d() -> Figure:
    """conv_transpose.md, kernel stamps: three stamps of a 3-tap kernel, stride 2."""
    return viz.kernel_stamps(X_1D, W_1D, stride=2)


def stamps_2d() -> Figure:
    """conv_transpose.md, kernel stamps in 2-d: stride 2, padding 1 (a crop)."""
    return viz.kernel_stamps(X_2D, W_2D, stride=2, padding=1)


def zero_insertion_1d() -> Figure:
    """conv_transpose.md, zero insertion: the arguments of stamps_1d."""
    return viz.zero_insertion(X_1D, W_1D, stride=2)


def zero_insertion_2d() -> Figure:
    """conv_transpose.md, zero insertion in 2-d: the arguments of stamps_2d."""
    return viz.zero_insertion(X_2D, W_2D, stride=2, padding=1)


def matrices_1d() -> Figure:
    """conv_transpose.md, the matrices: input 7, k=3, s=2, p=1."""
    return viz.convolution_matrices(7, [1.0, 2.0, 3.0], stride=2, padding=1)


def matrices_2d() -> Figure:
    """conv_transpose.md, the matrices in 2-d: a 4x4 input, a 2x2 kernel, stride 2."""
    return viz.convolution_matrices((4, 4), [[1.0, 2.0], [3.0, 4.0]], stride=2)


def overlap() -> Figure:
    """conv_transpose.md, the overlap map: k=3, s=2 beside k=4, s=2, p=1."""
    figure = Figure(figsize=(9.0, 3.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    viz.overlap_map(3, 2, input_size=4, ax=left)
    viz.overlap_map(4, 2, padding=1, input_size=4, ax=right)
    figure.suptitle("Kernel taps per output position: uneven for k=3, even inside for k=4")
    return figure


def icnr() -> Figure:
    """conv_transpose.md, ICNR: ones through ConvTranspose2d(4, 1, 3, stride=2)."""
    mg.manual_seed(0)
    return viz.icnr_comparison(4, 3, 2, input_size=8)


def tape_values(path: Path) -> None:
    """The page's first example, after ``backward(retain_graph=True)``: values and grads."""
    a = mg.tensor([1.0, -2.0], requires_grad=True)
    b = a * 3
    c = (b * b).sum() + b.sum()
    c.backward(retain_graph=True)
    viz.draw_tape(c, values=True, grads=True, path=path)


def tape_double_backward(path: Path) -> None:
    """The gradient of a transposed convolution, recorded: a Conv on the tape."""
    mg.manual_seed(0)
    x = mg.randn(1, 1, 2, 2, dtype=mg.float64, requires_grad=True)
    w = mg.randn(1, 1, 3, 3, dtype=mg.float64, requires_grad=True)
    v = mg.randn(1, 1, 5, 5, dtype=mg.float64, requires_grad=True)
    y = F.conv_transpose2d(x, w, stride=2)
    (g,) = mg.autograd.grad((y * v).sum(), x, create_graph=True)
    viz.draw_tape(g, values=True, path=path)


FIGURES: dict[str, Callable[[], Figure]] = {
    "stamps_1d": stamps_1d,
    "stamps_2d": stamps_2d,
    "zero_insertion_1d": zero_insertion_1d,
    "zero_insertion_2d": zero_insertion_2d,
    "matrices_1d": matrices_1d,
    "matrices_2d": matrices_2d,
    "overlap": overlap,
    "icnr": icnr,
}
TAPES: dict[str, Callable[[Path], None]] = {
    "tape_values": tape_values,
    "tape_double_backward": tape_double_backward,
}


def main(out_dir: Path = Path("docs/img/viz")) -> list[Path]:
    """Draw every picture the docs use into ``out_dir`` (relative to the repository
    root unless absolute) and return their paths.
    """
    if shutil.which("dot") is None:
        raise SystemExit(
            "figures_viz: the tape pictures need Graphviz's dot program: apt-get install graphviz"
        )
    folder = out_dir if out_dir.is_absolute() else ROOT / out_dir
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        path = folder / f"{name}.png"
        draw().savefig(path, dpi=DPI, metadata=METADATA)
        written.append(path)
    for name, render in TAPES.items():
        path = folder / f"{name}.png"
        render(path)
        written.append(path)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img/viz"))
