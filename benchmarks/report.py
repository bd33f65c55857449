"""The tables of ``make bench``, as plain text for the terminal and as markdown for the docs.

``run.py`` collects the workers' records into a :class:`Results`; :func:`text` and
:func:`markdown` render the same tables from it. Every ratio is minigrad's figure over
torch's (below 1: minigrad is faster, or smaller), each figure the best round's.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any

from shapes import SHAPES
from steps import STEPS

Record = dict[str, Any]


@dataclass
class Run:
    """One thread count: each library's records, every figure from its best round."""

    threads: int
    rounds: int
    ours: list[Record]
    theirs: list[Record] | None


@dataclass
class Results:
    command: str
    machine: list[str]  # lines: the CPU, the libraries, the BLAS kernels
    warnings: list[str]
    runs: list[Run] = field(default_factory=list)
    memory: dict[str, dict[str, Record]] = field(default_factory=dict)  # step -> library ->
    startup: dict[str, float] | None = None
    seconds: float = 0.0  # the whole run's
    date: str = field(default_factory=lambda: datetime.date.today().isoformat())


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    left: int = 1  # columns of text, aligned left; the numbers after them align right

    def text(self) -> str:
        lines = []
        for row in [self.headers, *self.rows]:
            cells = [
                cell.ljust(width) if i < self.left else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, self.widths()))
            ]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def widths(self) -> list[int]:
        return [max(len(row[i]) for row in [self.headers, *self.rows]) for i in range(
            len(self.headers))]  # fmt: skip

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |"]
        lines.append("|---" * self.left + "|---:" * (len(self.headers) - self.left) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else math.nan


def ms(timing: Record | None, spread: bool = True) -> str:
    if timing is None:
        return "-"
    median = f"{timing['median'] * 1e3:.2f}"
    if not spread:
        return median
    return f"{median} ({timing['min'] * 1e3:.1f}-{timing['max'] * 1e3:.1f})"


def ratio(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def by_name(records: list[Record] | None, kind: str) -> dict[str, Record]:
    return {r["name"]: r for r in records or [] if r["kind"] == kind}


# ---- the training steps ------------------------------------------------------------------


def step_ratios(run: Run) -> dict[str, float]:
    ours, theirs = by_name(run.ours, "step"), by_name(run.theirs, "step")
    return {
        name: ours[name]["timing"]["median"] / theirs[name]["timing"]["median"]
        for name in ours
        if name in theirs
    }


def training_mean(ratios: dict[str, float]) -> float:
    """Over the training steps: the MLP GAN's and the examples' (not the op chain)."""
    kept = [ratios[s.name] for s in STEPS if s.name in ratios and s.name != "op chain"]
    return geometric_mean(kept)


def steps_table(run: Run) -> Table | None:
    ours, theirs = by_name(run.ours, "step"), by_name(run.theirs, "step")
    if not ours:
        return None
    ratios = step_ratios(run)
    rows = [
        [s.name, s.what, ms(ours[s.name]["timing"]),
         ms(theirs.get(s.name, {}).get("timing")), ratio(ratios.get(s.name))]
        for s in STEPS if s.name in ours
    ]  # fmt: skip
    headers = ["step", "what", "minigrad ms (min-max)", "torch ms (min-max)", "minigrad/torch"]
    return Table(headers, rows, left=2)


# ---- the conv shapes -----------------------------------------------------------------------


def shape_ratios(run: Run) -> dict[str, float]:
    ours, theirs = by_name(run.ours, "shape"), by_name(run.theirs, "shape")
    return {
        name: ours[name]["forward_backward"]["median"] / theirs[name]["forward_backward"]["median"]
        for name in ours
        if name in theirs
    }


def gemm_peak(run: Run) -> float | None:
    return next((r["gflops"] for r in run.ours if r["kind"] == "gemm_peak"), None)


def shapes_table(run: Run) -> Table | None:
    ours, theirs = by_name(run.ours, "shape"), by_name(run.theirs, "shape")
    if not ours:
        return None
    peak = gemm_peak(run) or math.nan
    rows = []
    for shape in (s for s in SHAPES if s.name in ours):
        row, other = ours[shape.name], theirs.get(shape.name)
        both = row["forward_backward"]["median"]
        gflops = 3 * shape.forward_flops / both / 1e9
        forward_ratio = both_ratio = None
        if other is not None:
            forward_ratio = row["forward"]["median"] / other["forward"]["median"]
            both_ratio = both / other["forward_backward"]["median"]
        rows.append([
            shape.name, ms(row["forward"], spread=False), ms(row["forward_backward"]),
            f"{gflops:.1f}", f"{100 * gflops / peak:.0f}",
            ms(other and other["forward"], spread=False),
            ms(other and other["forward_backward"], spread=False),
            ratio(forward_ratio), ratio(both_ratio),
        ])  # fmt: skip
    headers = ["shape", "fwd ms", "fwd+bwd ms (min-max)", "GFLOP/s", "% peak",
               "torch fwd ms", "torch fwd+bwd ms", "fwd ratio", "fwd+bwd ratio"]  # fmt: skip
    return Table(headers, rows)


# ---- memory, start-up and the summary ------------------------------------------------------


def memory_ratios(results: Results) -> dict[str, float]:
    """Only where both steps add at least 1 MiB: below that the ratio is page noise."""
    kept = {}
    for name, pair in results.memory.items():
        if "torch" in pair and min(pair["minigrad"]["added"], pair["torch"]["added"]) >= 1:
            kept[name] = pair["minigrad"]["added"] / pair["torch"]["added"]
    return kept


def memory_table(results: Results) -> Table | None:
    if not results.memory:
        return None
    ratios = memory_ratios(results)
    rows = []
    for name, pair in results.memory.items():
        theirs = pair.get("torch")
        rows.append([
            name, f"{pair['minigrad']['added']:.1f}",
            f"{theirs['added']:.1f}" if theirs else "-", ratio(ratios.get(name)),
            f"{pair['minigrad']['baseline']:.0f}", f"{theirs['baseline']:.0f}" if theirs else "-",
        ])  # fmt: skip
    headers = ["step", "minigrad MiB added", "torch MiB added", "minigrad/torch",
               "minigrad baseline MiB", "torch baseline MiB"]  # fmt: skip
    return Table(headers, rows)


def startup_lines(startup: dict[str, float]) -> list[str]:
    return [
        f"import minigrad: {startup['import']:.2f} s",
        f"first conv_transpose2d call, empty Numba cache: {startup['cold']:.2f} s",
        f"first conv_transpose2d call, warm Numba cache: {startup['warm']:.2f} s",
        f"cold compile of every kernel, both dtypes: {startup['every']:.2f} s",
    ]


def summary_table(results: Results) -> Table | None:
    if not results.runs or all(run.theirs is None for run in results.runs):
        return None
    headers = ["minigrad/torch"] + [
        f"{run.threads} thread{'s' if run.threads > 1 else ''}" for run in results.runs
    ]
    rows: list[list[str]] = []
    steps = [step_ratios(run) for run in results.runs]
    shapes = [shape_ratios(run) for run in results.runs]
    for name in ("op chain", "MLP GAN"):
        if any(name in r for r in steps):
            rows.append([f"{name} step" if name == "MLP GAN" else name]
                        + [ratio(r.get(name)) for r in steps])  # fmt: skip
    if any(len(r) > 1 for r in steps):
        count = max(len([n for n in r if n != "op chain"]) for r in steps)
        rows.append([f"training steps, geometric mean of {count} (MLP GAN, examples)"]
                    + [ratio(training_mean(r)) for r in steps])  # fmt: skip
    if any(shapes):
        count = max(len(r) for r in shapes)
        rows.append([f"conv shapes fwd+bwd, geometric mean of {count}"]
                    + [ratio(geometric_mean(list(r.values()))) for r in shapes])  # fmt: skip
    memory = memory_ratios(results)
    if memory:
        rows.append([f"peak memory added by a step, geometric mean of {len(memory)}"]
                    + [ratio(geometric_mean(list(memory.values())))]
                    + ["-"] * (len(results.runs) - 1))  # fmt: skip
    return Table(headers, rows) if rows else None


def run_notes(run: Run) -> list[str]:
    notes = []
    ratios = step_ratios(run)
    if len(ratios) > 1 or (ratios and "op chain" not in ratios):
        notes.append(
            "geometric mean minigrad/torch over the training steps (MLP GAN and the "
            f"examples): {ratio(training_mean(ratios))}"
        )
    ratios = shape_ratios(run)
    if ratios:
        worst = max(ratios, key=lambda name: ratios[name])
        notes.append(
            "geometric mean minigrad/torch over the conv shapes, forward+backward: "
            f"{ratio(geometric_mean(list(ratios.values())))}; worst shape: {worst} at "
            f"{ratio(ratios[worst])}"
        )
    peak = gemm_peak(run)
    if peak is not None:
        notes.append(f"float32 GEMM peak of numpy's BLAS (2048^3): {peak:.1f} GFLOP/s")
    threads = []
    for name, records in (("minigrad", run.ours), ("torch", run.theirs or [])):
        for record in (r for r in records if r["kind"] == "kernels"):
            counts = [i["num_threads"] for i in record["libraries"] if i["user_api"] == "blas"]
            threads.append(f"{name}'s processes: numpy's BLAS {counts[0] if counts else '-'}")
            if "torch" in record:
                threads[-1] += f", torch.get_num_threads() {record['torch']['threads']}"
    if threads:
        notes.append("threads (threadpoolctl) in " + "; ".join(threads))
    imports = {r.get("library"): r["seconds"] for r in run.ours + (run.theirs or [])
               if r["kind"] == "import"}  # fmt: skip
    notes.append(
        "import time: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in imports.items())
    )
    return notes


def run_title(run: Run) -> str:
    threads = f"{run.threads} thread{'s' if run.threads > 1 else ''}"
    return f"{threads}, best of {run.rounds} round{'s' if run.rounds > 1 else ''}"


# ---- rendering ---------------------------------------------------------------------------------


def text(results: Results) -> str:
    """The tables (the machine and kernel lines are printed before the runs start)."""
    parts = []
    for run in results.runs:
        parts.append(f"\n## {run_title(run)}")
        for table in (steps_table(run), shapes_table(run)):
            if table is not None:
                parts += ["", table.text()]
        parts += ["", *run_notes(run)]
    table = memory_table(results)
    if table is not None:
        parts += ["\n## peak memory of a step (fresh processes, 1 thread)", "", table.text()]
    if results.startup is not None:
        parts += ["\n## start-up (fresh processes, 1 thread)", *startup_lines(results.startup)]
    table = summary_table(results)
    if table is not None:
        parts += ["\n## summary", "", table.text()]
    parts.append(f"\nthe bench took {duration(results.seconds)}")
    parts += [f"\nWARNING: {warning}" for warning in results.warnings]
    return "\n".join(parts)


def markdown(results: Results) -> str:
    parts = [
        "<!-- Generated by benchmarks/run.py; edits here are overwritten. -->",
        "",
        f"Generated on {results.date} by `{results.command}`, which took "
        f"{duration(results.seconds)}.",
        "",
        *(f"- {line}" for line in results.machine),
    ]
    for warning in results.warnings:
        parts += ["", '!!! warning "Forced kernels"', f"    {warning}"]
    table = summary_table(results)
    if table is not None:
        parts += ["", "### Summary", "", table.markdown()]
    for run in results.runs:
        parts += ["", f"### {run_title(run)[0].upper()}{run_title(run)[1:]}"]
        table = steps_table(run)
        if table is not None:
            parts += ["", table.markdown()]
        table = shapes_table(run)
        if table is not None:
            parts += ["", table.markdown()]
        parts += ["", *(f"- {note}" for note in run_notes(run))]
    table = memory_table(results)
    if table is not None:
        parts += ["", "### Peak memory of a step (fresh processes, 1 thread)", "",
                  table.markdown()]  # fmt: skip
    if results.startup is not None:
        parts += ["", "### Start-up (fresh processes, 1 thread)", ""]
        parts += [f"- {line}" for line in startup_lines(results.startup)]
    return "\n".join(parts) + "\n"
