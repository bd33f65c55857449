"""The published figures cannot drift from what the code gives.

``make figures`` (scripts/figures.py) runs the examples and stores their figures in
docs/generated/<page>.json, from which it writes docs/generated/<page>.md (included by
the page) and the README's figures block. These tests check, without rerunning the
long examples:

- each generated file and the README's block are what the script writes from the
  stored JSON, so a hand edit of either is caught, and the JSON holds the runs the
  script defines (the same commands);
- the README's table quotes the JSON's numbers, and no page or the README writes a
  decimal or a percentage that neither its example's code nor the generated files give
  (a figure copied by hand is stale at the next run);
- every picture a page or the README shows exists, and every picture in
  docs/examples/img/ is one that make figures copies and a page shows;
- the one quick example, gradient_identities.py, gives today the report the page shows.

Timings differ from run to run and are never compared with anything.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "docs" / "generated"
EXAMPLES = ROOT / "examples"
README = ROOT / "README.md"


def _load_figures_script():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "scripts" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["figures"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


figures = _load_figures_script()
PAGE_NAMES = [page.name for page in figures.PAGES]

# A number as a page writes it: a decimal (not part of a version like 2.13.0) or a
# percentage.
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%|(?<![\w.])\d+\.\d+(?!\.?\d)(?!\w)")
# The pages' own files (not the reference pages, which others own).
OWN_PAGES = ["index", "getting-started", "nn", "guarantees", "porting", "reading-the-code"]


def _stored(name):
    path = GENERATED / f"{name}.json"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run make figures"
    return json.loads(path.read_text())


def _numbers(text):
    return set(NUMBER.findall(text))


def _code_of(page):
    """The source of a page's example scripts, the helpers they share and their test."""
    scripts = {f"{run.script}.py" for run in page.runs} | {"_digits.py", "_voxels.py"}
    paths = [EXAMPLES / name for name in sorted(scripts)]
    paths.append(ROOT / "tests" / "examples" / f"test_{page.name}.py")
    return "\n".join(path.read_text() for path in paths if path.exists())


def _stray(text, code):
    """The numbers of ``text`` that ``code`` does not write (as a whole number)."""
    return sorted(
        number
        for number in _numbers(text)
        if not re.search(r"(?<![\w.])" + re.escape(number) + r"(?!\d)", code)
    )


def _without_generated(text, name):
    include = figures.INCLUDE.format(name=name)
    return "\n".join(line for line in text.splitlines() if line.strip() != include)


def _readme_outside_block(text):
    start = text.index(figures.README_START.format(name="dcgan_digits"))
    end = text.index(figures.README_END.format(name="dcgan_digits"))
    return text[:start] + text[end:]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_the_generated_page_file_is_what_make_figures_writes_from_its_json(name):
    data = _stored(name)
    page = figures.PAGES_BY_NAME[name]
    assert list(data["runs"]) == [run.key for run in page.runs], "rerun make figures"
    for run in page.runs:
        assert data["runs"][run.key]["command"] == run.command(), "rerun make figures"
    written = (GENERATED / f"{name}.md").read_text()
    assert written == figures.render_page(data), (
        f"docs/generated/{name}.md was edited by hand or scripts/figures.py changed since: "
        f"run make figures (or scripts/figures.py --render-only --only {name})"
    )


def test_the_readme_block_is_what_make_figures_writes_from_the_demo_json():
    assert figures.readme_block(_stored("dcgan_digits")) in README.read_text()


def test_the_readme_table_quotes_the_demo_and_twin_figures():
    data = _stored("dcgan_digits")
    demo, twin = data["runs"]["minigrad"]["metrics"], data["runs"]["torch"]["metrics"]
    rows = {}
    for line in README.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and line.startswith("| "):
            rows[cells[0].split(" (")[0]] = cells
    probability = rows["mean top-class probability of a digits classifier on 1,000 samples"]
    assert probability[1:] == [f"{demo['top_probability']:.3f}", f"{twin['top_probability']:.3f}"]
    assert f"real held-out digits {demo['real_top_probability']:.3f}" in probability[0]
    smallest = rows["smallest share of any of the ten classes"]
    assert smallest[1:] == [
        f"{demo['smallest_share_percent']:.1f}%",
        f"{twin['smallest_share_percent']:.1f}%",
    ]
    distance = rows["mean distance to the nearest training image"]
    assert distance[1:] == [f"{demo['nearest_train']:.2f}", f"{twin['nearest_train']:.2f}"]
    assert f"{demo['train_nearest']:.2f}" in distance[0]
    assert f"{demo['train_pairwise']:.2f}" in distance[0]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_the_page_includes_its_generated_figures_and_copies_none(name):
    page = figures.PAGES_BY_NAME[name]
    text = (ROOT / "docs" / "examples" / f"{name}.md").read_text()
    assert figures.INCLUDE.format(name=name) in text.splitlines()
    stray = _stray(_without_generated(text, name), _code_of(page))
    assert not stray, (
        f"docs/examples/{name}.md writes {stray}, which its example's code does not: a "
        f"figure from a run belongs in docs/generated/{name}.md (scripts/figures.py)"
    )


def test_the_readme_writes_no_figure_by_hand():
    code = _code_of(figures.PAGES_BY_NAME["dcgan_digits"])
    stray = _stray(_readme_outside_block(README.read_text()), code)
    assert not stray, f"README.md writes {stray} outside its generated block"


@pytest.mark.parametrize("name", OWN_PAGES)
def test_the_other_pages_quote_no_example_figure(name):
    text = (ROOT / "docs" / f"{name}.md").read_text()
    quoted = _numbers(text)
    for example in PAGE_NAMES:
        generated = _numbers((GENERATED / f"{example}.md").read_text())
        # Three significant digits or more: short numbers such as 0.5 are everywhere.
        copied = {
            n for n in quoted & generated if len(n.strip("%").replace(".", "").lstrip("0")) > 2
        }
        assert not copied, f"docs/{name}.md copies {sorted(copied)} from {example}'s figures"


def _pictures_shown(path):
    text = path.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text) + re.findall(
        r'<img[^>]+src="([^"]+)"', text
    )
    return [link for link in links if not re.match(r"[a-z]+://", link)]


def test_every_picture_a_page_shows_exists():
    missing = []
    for path in [README, *sorted((ROOT / "docs").rglob("*.md"))]:
        for link in _pictures_shown(path):
            if not (path.parent / link).exists():
                missing.append(f"{path.relative_to(ROOT)}: {link}")
    assert not missing, missing


def test_every_example_picture_is_copied_by_make_figures_and_shown():
    copied = {
        target for page in figures.PAGES for run in page.runs for target in run.pictures.values()
    }
    present = {path.name for path in (ROOT / "docs" / "examples" / "img").glob("*.png")}
    assert present == copied, (
        f"not made by make figures: {sorted(present - copied)}; "
        f"missing: {sorted(copied - present)}"
    )
    shown = set()
    for path in [README, *(ROOT / "docs" / "examples").glob("*.md")]:
        shown |= {Path(link).name for link in _pictures_shown(path)}
    assert copied <= shown, f"copied but shown by no page: {sorted(copied - shown)}"


# A number in the report: its rounding-level gaps (1e-16) move with the BLAS's kernels.
REPORT_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]\d+)?")


def test_the_gradient_identities_report_is_what_the_example_prints_today():
    stored_run = _stored("gradient_identities")
    stored = stored_run["runs"]["minigrad"]["metrics"]["report"]
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "gradient_identities.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = completed.stdout.splitlines()
    if figures.machine()["blas"] == stored_run["machine"]["blas"]:
        assert lines == stored  # the same kernels: the same bits
        return
    # Another BLAS kernel (OPENBLAS_CORETYPE, another CPU) may round the last digits
    # differently: the words must match, and each number to 1e-9 of the stored one's
    # size (the gaps are all below that).
    assert [REPORT_NUMBER.sub("#", line) for line in lines] == [
        REPORT_NUMBER.sub("#", line) for line in stored
    ]
    for line, want in zip(lines, stored):
        for got_value, want_value in zip(REPORT_NUMBER.findall(line), REPORT_NUMBER.findall(want)):
            assert abs(float(got_value) - float(want_value)) <= 1e-9 * max(
                1.0, abs(float(want_value))
            ), (line, want)
