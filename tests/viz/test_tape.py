"""minigrad.viz.tape: draw_tape with Graphviz, without it, and with a stand-in ``dot``."""

from __future__ import annotations

import io
import shutil
import stat
import sys
import warnings

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import viz
from tests.helpers import assert_raises_with


def _tape() -> mg.Tensor:
    x = mg.ones(2, requires_grad=True)
    return (x * 3).sum()


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which there is no ``dot``."""
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.fixture
def fake_dot(monkeypatch, tmp_path):
    """A ``dot`` that prints a known 3x5 PNG and logs its arguments: the rendering path
    runs without Graphviz."""
    picture = np.zeros((3, 5, 4))
    picture[..., 0] = 1.0
    picture[..., 3] = 1.0
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, picture, format="png")
    (tmp_path / "picture.png").write_bytes(buffer.getvalue())
    script = tmp_path / "dot"
    # Python, not sh: PATH holds only this folder, so no cat or echo is found.
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        f"folder = pathlib.Path({str(tmp_path)!r})\n"
        "with open(folder / 'calls', 'a') as log:\n"
        "    log.write(' '.join(sys.argv[1:]) + '\\n')\n"
        "(folder / 'input.dot').write_bytes(sys.stdin.buffer.read())\n"
        "sys.stdout.buffer.write((folder / 'picture.png').read_bytes())\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))
    return tmp_path


def test_without_dot_the_text_comes_back_with_a_warning_that_says_what_to_install(no_dot):
    tensor = _tape()
    with pytest.warns(UserWarning, match="apt-get install graphviz"):
        drawn = viz.draw_tape(tensor, values=True)
    assert drawn == mg.autograd.to_dot(tensor, values=True)


def test_without_dot_a_dot_path_gets_the_text_and_an_image_path_is_refused(no_dot, tmp_path):
    tensor = _tape()
    with pytest.warns(UserWarning):
        viz.draw_tape(tensor, path=tmp_path / "tape.gv")
    assert (tmp_path / "tape.gv").read_text() == mg.autograd.to_dot(tensor) + "\n"
    with assert_raises_with(RuntimeError, "path", "tape.png", "needs Graphviz's dot"):
        viz.draw_tape(tensor, path=tmp_path / "tape.png")
    assert not (tmp_path / "tape.png").exists()


def test_with_dot_the_rendered_image_is_drawn_on_a_figure_and_saved(fake_dot):
    tensor = _tape()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = viz.draw_tape(tensor, grads=True, path=fake_dot / "tape.svg", dpi=50)
    assert isinstance(figure, Figure)
    assert tuple(figure.get_size_inches()) == (5 / 50, 3 / 50)
    shown = figure.axes[0].images[0].get_array()
    assert shown.shape[:2] == (3, 5) and np.allclose(shown[..., 0], 1.0)
    assert (fake_dot / "tape.svg").read_bytes() == (fake_dot / "picture.png").read_bytes()
    calls = (fake_dot / "calls").read_text().split("\n")
    assert calls[:2] == ["-Tsvg -Gdpi=50", "-Tpng -Gdpi=50"]
    assert (fake_dot / "input.dot").read_text() == mg.autograd.to_dot(tensor, grads=True)


def test_with_dot_the_image_goes_into_a_given_axes(fake_dot):
    figure = Figure()
    ax = figure.add_subplot()
    assert viz.draw_tape(_tape(), ax=ax) is figure
    assert len(ax.images) == 1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_renders_the_double_backward_tape(tmp_path):
    x = mg.randn(1, 1, 2, 2, dtype=mg.float64, requires_grad=True)
    w = mg.randn(1, 1, 3, 3, dtype=mg.float64, requires_grad=True)
    y = F.conv_transpose2d(x, w, stride=2)
    (g,) = mg.autograd.grad((y * y).sum(), x, create_graph=True)
    figure = viz.draw_tape(g, values=True, path=tmp_path / "tape.png")
    assert isinstance(figure, Figure)
    assert (tmp_path / "tape.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert min(figure.axes[0].images[0].get_array().shape[:2]) > 50


@pytest.mark.parametrize(
    ("arguments", "error", "fragments"),
    [
        ({"tensor": np.ones(2)}, TypeError, ["tensor", "ndarray"]),
        ({"values": 1}, TypeError, ["values", "bool"]),
        ({"grads": None}, TypeError, ["grads", "NoneType"]),
        ({"path": 3}, TypeError, ["path", "int"]),
        ({"path": "tape.jpg"}, ValueError, ["path", ".png, .svg, .pdf, .dot or .gv", "tape.jpg"]),
        ({"dpi": 0}, ValueError, ["dpi", "got 0"]),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, error, fragments, no_dot):
    call = {"tensor": _tape(), **arguments}
    with assert_raises_with(error, "draw_tape", *fragments):
        viz.draw_tape(**call)
