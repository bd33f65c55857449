"""The pictures on the docs pages: each is drawn by scripts/figures_viz.py, and the code
shown next to it runs."""

from __future__ import annotations

import importlib.util
import io
import re
import warnings
from pathlib import Path

import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs" / "conv_transpose.md", ROOT / "docs" / "autograd.md"]


def _script():
    spec = importlib.util.spec_from_file_location(
        "figures_viz", ROOT / "scripts" / "figures_viz.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _snippets(page: Path) -> list[str]:
    """The page's ```python blocks that use minigrad.viz (not its doctests)."""
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    return [block for block in blocks if "viz." in block and ">>>" not in block]


def test_every_picture_on_the_pages_is_one_the_script_draws():
    script = _script()
    drawn = {f"{name}.png" for name in [*script.FIGURES, *script.TAPES]}
    shown = set()
    for page in PAGES:
        shown |= set(re.findall(r"\]\(img/viz/([\w.]+)\)", page.read_text()))
    assert shown == drawn
    assert all((ROOT / "docs" / "img" / "viz" / name).exists() for name in shown)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_code_beside_the_pictures_runs(page):
    snippets = _snippets(page)
    assert snippets
    namespace = {"mg": mg}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # draw_tape warns when dot is not installed
        for snippet in snippets:
            exec(compile(snippet, str(page), "exec"), namespace)
    assert "fig" in namespace


def test_a_picture_is_the_same_bytes_every_time():
    script = _script()
    drawn = []
    for _ in range(2):
        buffer = io.BytesIO()
        script.icnr().savefig(buffer, format="png", dpi=40, metadata=script.METADATA)
        drawn.append(buffer.getvalue())
    assert drawn[0] == drawn[1]
