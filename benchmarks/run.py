"""``make bench``: transposed convolution, minigrad against torch, one process per run.

    .venv/bin/python benchmarks/run.py [--runs 5] [--rounds 2] [--threads 1,2] [--only NAME]

For each thread count it starts ``worker.py`` for minigrad and for torch, alternately,
``--rounds`` times (threads are fixed through the environment before numpy is imported)
and keeps each figure's best round. Then it prints one table: forward and
forward+backward median time (min-max over ``--runs`` runs after two warm-up runs),
effective GFLOP/s of forward+backward, its percentage of the float32 GEMM peak measured
by the minigrad workers, and the minigrad/torch time ratio; and the dcgan_digits
training step of both. Then the start-up costs: import time, a fresh process's first
conv_transpose2d call with an empty and with a warm Numba cache, and a cold compile of
every kernel.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shapes import SHAPES  # noqa: E402


def machine_line() -> str:
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return (
        f"machine: {model}, {os.cpu_count()} cores; numpy {np.__version__} with "
        f"{blas.get('name')} {blas.get('version')}; python {platform.python_version()}"
    )


def run_worker(library: str, threads: int, runs: int, only: str) -> list[dict[str, Any]]:
    env = {**os.environ, "BENCH_ONLY": only}
    command = [sys.executable, str(HERE / "worker.py"), library, str(threads), str(runs)]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in output.stdout.splitlines() if line.startswith("{")]


def best_of(rounds: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One worker's records, each timing (and the GEMM peak) from its best round."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for records in rounds:
        for record in records:
            key = (record["kind"], record.get("name", ""))
            kept = merged.setdefault(key, record)
            if record["kind"] == "gemm_peak":
                kept["gflops"] = max(kept["gflops"], record["gflops"])
            elif record["kind"] == "import":
                kept["seconds"] = min(kept["seconds"], record["seconds"])
            else:
                for field in ("forward", "forward_backward", "timing"):
                    if field in record and record[field]["median"] < kept[field]["median"]:
                        kept[field] = record[field]
    return list(merged.values())


def milliseconds(timing: dict[str, float]) -> str:
    return f"{timing['median'] * 1e3:8.2f} ({timing['min'] * 1e3:.1f}-{timing['max'] * 1e3:.1f})"


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def report(threads: int, ours: list[dict[str, Any]], theirs: list[dict[str, Any]] | None) -> None:
    peak = next(r["gflops"] for r in ours if r["kind"] == "gemm_peak")
    torch_rows = {r["name"]: r for r in theirs or [] if r["kind"] == "shape"}
    flops = {shape.name: shape.forward_flops for shape in SHAPES}
    groups = {shape.name: shape.group for shape in SHAPES}
    print(f"\n## {threads} thread(s); measured float32 GEMM peak {peak:.1f} GFLOP/s")
    if threads > 1:
        print("(cores shared with the host swing these several-fold: quote the min, best seen)")
    print(
        f"{'shape':<20} {'fwd ms (min-max)':>22} {'fwd+bwd ms (min-max)':>24} "
        f"{'GFLOP/s':>8} {'%peak':>6} {'torch fwd':>10} {'torch f+b':>10} "
        f"{'fwd x':>6} {'f+b x':>6}"
    )
    ratios: dict[str, float] = {}
    for row in (r for r in ours if r["kind"] == "shape"):
        name = row["name"]
        both = row["forward_backward"]["median"]
        gflops = 3 * flops[name] / both / 1e9
        line = (
            f"{name:<20} {milliseconds(row['forward']):>22} "
            f"{milliseconds(row['forward_backward']):>24} {gflops:8.1f} {100 * gflops / peak:6.0f}"
        )
        if name in torch_rows:
            other = torch_rows[name]
            forward_ratio = row["forward"]["median"] / other["forward"]["median"]
            ratios[name] = both / other["forward_backward"]["median"]
            line += (
                f" {other['forward']['median'] * 1e3:10.2f} "
                f"{other['forward_backward']['median'] * 1e3:10.2f} "
                f"{forward_ratio:6.2f} {ratios[name]:6.2f}"
            )
        print(line)
    report_train_step(ours, theirs)
    if not ratios:
        print("torch not installed: no ratios")
        return
    dcgan = [ratios[n] for n in ratios if groups[n] == "dcgan" and "f64" not in n]
    title = "geometric mean minigrad/torch, forward+backward"
    print(f"{title}, DCGAN layers (issue 3): {geometric_mean(dcgan):.2f}")
    print(f"{title}, all shapes (issue 6):   {geometric_mean(list(ratios.values())):.2f}")
    worst = max(ratios, key=ratios.get)
    print(f"worst shape: {worst} at {ratios[worst]:.2f}")


def report_train_step(ours: list[dict[str, Any]], theirs: list[dict[str, Any]] | None) -> None:
    steps = [next((r["timing"] for r in rows if r["kind"] == "train_step"), None)
             for rows in (ours, theirs or [])]  # fmt: skip
    if steps[0] is None:
        return
    line = (
        f"dcgan_digits training step (batch 64, G+D, Adam): minigrad {milliseconds(steps[0])} ms"
    )
    if steps[1] is not None:
        ratio = steps[0]["median"] / steps[1]["median"]
        line += f", torch {milliseconds(steps[1])} ms, ratio {ratio:.2f}"
    print(line)


def startup(task: str, cache: str) -> dict[str, float]:
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": cache,
        "OPENBLAS_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",
    }
    command = [sys.executable, str(HERE / "startup.py"), task]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def report_startup() -> None:
    print("\n## start-up (fresh processes, 1 thread)")
    with tempfile.TemporaryDirectory() as cache:
        cold = startup("first_call", cache)
        warm = startup("first_call", cache)
    print(f"import minigrad: {warm['import']:.2f} s")
    print(f"first conv_transpose2d call, empty Numba cache: {cold['call']:.2f} s")
    print(f"first conv_transpose2d call, warm Numba cache:  {warm['call']:.2f} s")
    with tempfile.TemporaryDirectory() as cache:
        every = startup("all_kernels", cache)
    print(f"cold compile of every kernel, both dtypes:      {every['call']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="alternating worker rounds")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--only", default="", help="run only shapes whose name contains this")
    parser.add_argument("--no-startup", action="store_true")
    args = parser.parse_args()
    print(machine_line())
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        print(
            "torch is the oracle; minigrad is timed through minigrad.functional.conv_transpose*d"
        )
    else:
        print("torch not installed: minigrad rows only")
    for threads in (int(t) for t in args.threads.split(",")):
        # Alternate the libraries' processes and keep each figure's best round, so that
        # a burst of load from other jobs does not land on one library only.
        rounds: dict[str, list[list[dict[str, Any]]]] = {"minigrad": [], "torch": []}
        for _ in range(args.rounds):
            for library in ("minigrad", "torch") if have_torch else ("minigrad",):
                rounds[library].append(run_worker(library, threads, args.runs, args.only))
        ours = best_of(rounds["minigrad"])
        theirs = best_of(rounds["torch"]) if have_torch else None
        imports = [r["seconds"] for r in ours + (theirs or []) if r["kind"] == "import"]
        report(threads, ours, theirs)
        print(
            f"import time (s): minigrad {imports[0]:.2f}"
            + (f", torch {imports[1]:.2f}" if theirs else "")
        )
    if not args.no_startup:
        report_startup()


if __name__ == "__main__":
    main()
