"""Drawing helpers shared by the pictures: arrays as annotated grids of cells.

A 1-d array is drawn as one row of cells; a 2-d array as a grid, row 0 at the top.
Cells sit at integer coordinates (``origin`` is the coordinate of element 0), so
that panels on a common output axis line up and a cropped border can be shaded.
"""

from __future__ import annotations

from typing import Any, Literal

import matplotlib.colors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Rectangle

# Values: zero is white, so the zeros of a stamp or a matrix read as empty.
VALUES = "RdBu_r"
# Counts: light for few taps, dark for many.
COUNTS = "YlGnBu"
# Cells that hold no value of the input: inserted zeros, padding zeros.
INSERTED, PADDED = 1, 2
_KIND_COLOURS = {INSERTED: "#fde9c9", PADDED: "#e4e4e4"}


# The largest new figure, in inches: beyond it a long row of cells gets narrower cells.
MAX_SIZE = (15.0, 13.0)


def new_figure(fig: Figure | SubFigure | None, size: tuple[float, float]) -> Figure | SubFigure:
    """``fig``, or a new Figure of ``size`` inches at most :data:`MAX_SIZE` (no pyplot:
    nothing global is made).
    """
    if fig is not None:
        return fig
    capped = (min(size[0], MAX_SIZE[0]), min(size[1], MAX_SIZE[1]))
    return Figure(figsize=capped, layout="constrained")


def row_fontsize(cells: int) -> float:
    """The numbers' size in a 1-d row of ``cells`` cells across a capped figure."""
    return 8.0 if cells <= 28 else 6.0 if cells <= 40 else 5.0


def root(fig: Figure | SubFigure) -> Figure:
    """The Figure a (sub)figure belongs to: what a picture function returns."""
    figure = fig.get_figure(root=True)
    assert isinstance(figure, Figure)
    return figure


def limit_of(*arrays: np.ndarray) -> float:
    """A symmetric colour limit shared by ``arrays``, so colours compare across panels."""
    top = max(float(np.abs(a).max(initial=0.0)) for a in arrays)
    return top if top > 0 else 1.0


def number(value: float) -> str:
    """A cell's value in at most two significant digits (integers in full), with a
    true minus sign.
    """
    if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
        text = str(int(round(value)))
    else:
        text = f"{value:.2g}"
    return text.replace("-", "\u2212")


def cells(
    ax: Axes,
    values: np.ndarray,
    *,
    limit: float,
    title: str | None = None,
    origin: tuple[int, ...] = (0, 0),
    kinds: np.ndarray | None = None,
    annotate: bool = True,
    fontsize: float = 8,
    cmap: str = VALUES,
    centred: bool = True,
    blank_zeros: bool = False,
    lines: bool | None = None,
    ticks: bool = False,
) -> Any:
    """Draw ``values`` (1-d or 2-d) as coloured cells with their numbers; return the image.

    Args:
        ax: where to draw.
        values: the array.
        limit: the colour scale: ``[-limit, limit]`` when ``centred``, else ``[0, limit]``.
        title: the panel's title.
        origin: the coordinates (row, column; or column alone for 1-d) of element 0.
        kinds: per cell, 0 for a value, :data:`INSERTED` or :data:`PADDED` for zeros
            that are not the input's, drawn in their own neutral colours.
        annotate: write each cell's number.
        fontsize: of the numbers.
        cmap: the colour map.
        centred: a scale symmetric about zero (values) or from zero (counts).
        blank_zeros: leave the zeros unwritten (a stamp is mostly zeros).
        lines: draw lines between the cells; by default when at most 24 per side.
        ticks: number the rows and columns of a 2-d grid (a 1-d row always is).
    """
    grid = np.atleast_2d(values)
    kind_grid = None if kinds is None else np.atleast_2d(kinds)
    if values.ndim == 1:
        row0, col0 = 0, origin[-1]
    else:
        row0, col0 = origin[0], origin[1]
    rows, cols = grid.shape
    extent = (col0 - 0.5, col0 + cols - 0.5, row0 + rows - 0.5, row0 - 0.5)
    norm = matplotlib.colors.Normalize(-limit if centred else 0.0, limit)
    shown = np.ma.masked_where(kind_grid > 0, grid) if kind_grid is not None else grid
    # A 1-d row fills its axes; a 2-d grid keeps square cells.
    aspect: Literal["auto", "equal"] = "auto" if values.ndim == 1 else "equal"
    image = ax.imshow(shown, cmap=cmap, norm=norm, extent=extent, interpolation="nearest",
                      aspect=aspect)  # fmt: skip
    if kind_grid is not None:
        for (r, c), kind in np.ndenumerate(kind_grid):
            if kind:
                ax.add_patch(
                    Rectangle(
                        (col0 + c - 0.5, row0 + r - 0.5), 1, 1, color=_KIND_COLOURS[int(kind)]
                    )
                )
    if annotate:
        for (r, c), value in np.ndenumerate(grid):
            if blank_zeros and value == 0:
                continue
            dark = abs(norm(value) - (0.5 if centred else 0.0)) > (0.3 if centred else 0.6)
            faint = kind_grid is not None and kind_grid[r, c] > 0
            colour = "#8a8a8a" if faint else ("white" if dark else "black")
            ax.text(col0 + c, row0 + r, number(value), ha="center", va="center",
                    fontsize=fontsize, color=colour)  # fmt: skip
    if lines is None:
        lines = max(rows, cols) <= 24
    _grid_lines(ax, rows, cols, row0, col0, values.ndim == 1, lines)
    if ticks and values.ndim == 2:
        step = 1 if max(rows, cols) <= 16 else 2 if max(rows, cols) <= 32 else 5
        ax.set_xticks(np.arange(col0, col0 + cols, step))
        ax.set_yticks(np.arange(row0, row0 + rows, step))
        ax.tick_params(labelsize=7, length=2, pad=1)
    if title is not None:
        ax.set_title(title, fontsize=9)
    return image


def _grid_lines(
    ax: Axes, rows: int, cols: int, row0: int, col0: int, one_d: bool, lines: bool
) -> None:
    """Thin lines between the cells; the axis of a 1-d row is numbered by position."""
    if lines:
        ax.set_xticks(np.arange(col0, col0 + cols + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(row0, row0 + rows + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="#9a9a9a", linewidth=0.6)
        ax.tick_params(which="minor", length=0)
    ax.set_yticks([])
    if one_d:
        step = 1 if cols <= 16 else 2 if cols <= 32 else 5
        ax.set_xticks(np.arange(col0, col0 + cols, step))
        ax.tick_params(axis="x", labelsize=7, length=2, pad=1)
    else:
        ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def shade_outside(ax: Axes, extent: tuple[int, ...], window: tuple[int, ...]) -> None:
    """Grey out the cells outside ``window`` and outline it.

    Both are ``(row0, row1, col0, col1)`` in cell coordinates, ends excluded.
    """
    r0, r1, c0, c1 = extent
    w0, w1, v0, v1 = window
    for box in [(r0, w0, c0, c1), (w1, r1, c0, c1), (w0, w1, c0, v0), (w0, w1, v1, c1)]:
        top, bottom, left, right = box
        if bottom > top and right > left:
            ax.add_patch(
                Rectangle(
                    (left - 0.5, top - 0.5),
                    right - left,
                    bottom - top,
                    facecolor="#7f7f7f",
                    alpha=0.45,
                    hatch="///",
                    edgecolor="#4d4d4d",
                    linewidth=0,
                )  # fmt: skip
            )
    ax.add_patch(
        Rectangle(
            (v0 - 0.5, w0 - 0.5), v1 - v0, w1 - w0, fill=False, edgecolor="black", linewidth=1.8
        )  # fmt: skip
    )


def outline(ax: Axes, rows: tuple[int, int], cols: tuple[int, int], colour: str) -> None:
    """A dashed frame around the cells ``rows[0]:rows[1]``, ``cols[0]:cols[1]``."""
    ax.add_patch(
        Rectangle(
            (cols[0] - 0.5, rows[0] - 0.5),
            cols[1] - cols[0],
            rows[1] - rows[0],
            fill=False,
            edgecolor=colour,
            linewidth=1.6,
            linestyle="--",
        )  # fmt: skip
    )


def save(fig: Figure, path: Any, dpi: int = 110) -> None:
    """Save as PNG without a date or software stamp, so the bytes are reproducible."""
    fig.savefig(path, dpi=dpi, metadata={"Software": None})
