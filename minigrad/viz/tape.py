"""The tape behind a tensor, rendered by Graphviz's ``dot`` program.

[`minigrad.autograd.to_dot`][] writes the tape as DOT text and needs nothing;
[`draw_tape`][] runs ``dot`` on it when it is installed (the ``graphviz`` Python
package runs the same program, so it is of no help without it) and otherwise hands
back the text with a warning that says how to render it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import matplotlib.image
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from minigrad.autograd.graph import to_dot
from minigrad.tensor import Tensor
from minigrad.viz import _draw

__all__ = ["draw_tape"]

# Formats that a path may ask for: dot renders these; .dot and .gv are the text itself.
_RENDERED = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
_TEXT = {".dot", ".gv"}


def _dot_program() -> str | None:
    """The path of Graphviz's ``dot`` on PATH, or None."""
    return shutil.which("dot")


def _render(program: str, text: str, format: str, dpi: int) -> bytes:
    """``dot -T<format>`` of ``text``; a failure of dot is raised with its message."""
    done = subprocess.run(
        [program, f"-T{format}", f"-Gdpi={dpi}"], input=text.encode(), capture_output=True,
        check=False, timeout=60,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"draw_tape: dot failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def draw_tape(
    tensor: Tensor,
    values: bool = False,
    grads: bool = False,
    *,
    path: str | Path | None = None,
    ax: Axes | None = None,
    dpi: int = 96,
) -> Figure | str:
    """Render the tape behind ``tensor`` (``to_dot(tensor, values=, grads=)``).

    With Graphviz's ``dot`` on PATH, the tape is drawn as an image on a matplotlib
    Figure (ops as boxes with their output shapes, leaves as ellipses, arrows from
    each input to the op that used it), and saved to ``path`` when one is given.
    Without it, a warning says how to install it and the DOT text is returned
    (and written to ``path`` if that ends in ``.dot`` or ``.gv``).

    Args:
        tensor: the output whose history is drawn.
        values: show each node's value (small arrays in full, large ones as mean,
            min and max).
        grads: show ``.grad`` of the leaves (and of retained tensors) when set.
        path: where to save: ``.png``, ``.svg`` or ``.pdf`` (rendered by dot), or
            ``.dot`` / ``.gv`` (the text).
        ax: the Axes to draw the image into; by default one on a new Figure.
        dpi: the resolution dot renders at.

    Returns:
        The Figure, or the DOT text when ``dot`` is not installed.

    Raises:
        TypeError: ``tensor`` is not a Tensor, or a flag is not a bool.
        ValueError: ``path`` has another suffix, or ``dpi`` is not positive.
        RuntimeError: ``path`` asks for an image and ``dot`` is not installed, or
            dot fails.

    Examples:
        >>> import warnings
        >>> import minigrad as mg
        >>> from minigrad.viz import draw_tape
        >>> x = mg.ones(2, requires_grad=True)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     drawn = draw_tape((x * 3).sum(), values=True)
        >>> type(drawn).__name__ in ("Figure", "str")
        True
    """
    _check(tensor, values, grads, path, dpi)
    text = to_dot(tensor, values=values, grads=grads)
    suffix = None if path is None else Path(path).suffix.lower()
    if suffix in _TEXT:
        assert path is not None
        Path(path).write_text(text + "\n")
    program = _dot_program()
    if program is None:
        if suffix in _RENDERED:
            raise RuntimeError(
                f"draw_tape: path: rendering {path} needs Graphviz's dot program, which is "
                "not on PATH (apt-get install graphviz, brew install graphviz or conda "
                "install graphviz); a path ending in .dot saves the text instead"
            )
        warnings.warn(
            "draw_tape: Graphviz's dot program is not on PATH, so the tape is returned as "
            "DOT text. Install Graphviz (apt-get install graphviz, brew install graphviz "
            "or conda install graphviz) to draw it, or paste the text into any Graphviz "
            "viewer.",
            stacklevel=2,
        )
        return text
    if suffix in _RENDERED:
        assert path is not None
        Path(path).write_bytes(_render(program, text, _RENDERED[suffix], dpi))
    picture = matplotlib.image.imread(io.BytesIO(_render(program, text, "png", dpi)), "png")
    height, width = picture.shape[:2]
    if ax is None:
        figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
        ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.imshow(picture, interpolation="none")
    ax.set_axis_off()
    return _draw.root(ax.figure)


def _check(tensor: Any, values: Any, grads: Any, path: Any, dpi: Any) -> None:
    """draw_tape's arguments, before any work."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_tape: tensor: expected a Tensor, got {type(tensor).__name__}")
    for name, flag in (("values", values), ("grads", grads)):
        if not isinstance(flag, bool):
            raise TypeError(f"draw_tape: {name}: expected a bool, got {type(flag).__name__}")
    if path is not None:
        if not isinstance(path, str | Path):
            raise TypeError(
                f"draw_tape: path: expected a str or a Path, got {type(path).__name__}"
            )
        suffix = Path(path).suffix.lower()
        if suffix not in _RENDERED and suffix not in _TEXT:
            raise ValueError(
                f"draw_tape: path: expected a name ending in .png, .svg, .pdf, .dot or .gv, "
                f"got {str(path)!r}"
            )
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise ValueError(f"draw_tape: dpi: expected a positive int, got {dpi!r}")
