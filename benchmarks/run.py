"""``make bench``: minigrad against torch, one process per run, the libraries alternating.

    .venv/bin/python benchmarks/run.py [--suite shapes,small,zoo] [--threads 1,2]
        [--rounds 3] [--runs 5] [--only NAME] [--quick] [--no-memory] [--no-startup]
        [--markdown PATH]

Suites: ``small`` (the op chain and the MLP GAN step, where the tape's cost per op
shows), ``zoo`` (one training step of each example model) and ``shapes`` (the
transposed convolutions of ``shapes.py``, forward and forward+backward). For each
thread count it starts ``worker.py`` for minigrad and for torch, alternately, for
``--rounds`` rounds (threads are fixed through the environment before numpy is
imported), and keeps each figure's best round. Then the peak memory each training
step adds, each in a fresh process (``peak_memory.py``), and the start-up costs
(``startup.py``). It prints the machine, the BLAS kernels the processes loaded and a
WARNING when the environment forces them, then the tables; ``--markdown PATH`` also
writes the tables as markdown (docs/generated/performance.md, which
docs/performance.md includes).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import report  # noqa: E402
from report import Record, Results, Run  # noqa: E402
from steps import STEPS  # noqa: E402

SUITES = ("shapes", "small", "zoo")
LIBRARIES = ("minigrad", "torch")
# Settings that choose a library's kernels or its cache sizes for it: figures taken with
# them do not represent a user's machine. Thread counts are the bench's own business.
KERNEL_SETTINGS = ("OPENBLAS_", "GOTO", "MKL_", "BLIS_", "ONEDNN_", "DNNL_",
                   "ATEN_CPU_CAPABILITY", "NUMBA_CPU_", "NPY_DISABLE_CPU_FEATURES",
                   "NPY_ENABLE_CPU_FEATURES")  # fmt: skip


def forced_kernels() -> list[str]:
    names = sorted(
        name for name in os.environ
        if name.startswith(KERNEL_SETTINGS) and not name.endswith("NUM_THREADS")
    )  # fmt: skip
    if not names:
        return []
    settings = ", ".join(f"{name}={os.environ[name]}" for name in names)
    unset = " ".join(f"-u {name}" for name in names)
    return [
        f"{settings} set in the environment: such settings force the BLAS (or other) "
        "kernels, so these figures do not represent a user's machine. Run without them: "
        f"`env {unset} make bench`."
    ]


def cpu_line() -> str:
    model, flags = platform.processor() or "unknown CPU", ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = line
    l2 = Path("/sys/devices/system/cpu/cpu0/cache/index2/size")
    details = ["AVX-512" if " avx512f" in flags else "no AVX-512"]
    if l2.exists():
        details.append(f"L2 {l2.read_text().strip()} per core")
    return (
        f"machine: {model} ({', '.join(details)}), {os.cpu_count()} cores; "
        f"numpy {np.__version__}, python {platform.python_version()}"
    )


def kernel_lines(probes: dict[str, list[Record]]) -> list[str]:
    """The BLAS threadpoolctl finds in a 1-thread minigrad process (numpy's), any other
    in a torch one, and torch's own build.
    """
    lines, seen = [], set()
    for library, records in probes.items():
        kernels = next((r for r in records if r["kind"] == "kernels"), None)
        if kernels is None:
            continue
        for info in kernels["libraries"]:
            key = (info["internal_api"], info["version"])
            if info["user_api"] != "blas" or key in seen:
                continue
            seen.add(key)
            owner = "numpy's BLAS" if library == "minigrad" else f"{library}'s BLAS"
            lines.append(
                f"{owner} (threadpoolctl): {info['internal_api']} {info['version']}, "
                f"architecture {info['architecture']}, num_threads {info['num_threads']} "
                "in a 1-thread worker"
            )
        build = kernels.get("torch")
        if build:
            lines.append(
                f"torch {build['version']}: MKL {build['mkl']}, oneDNN {build['onednn']}, "
                f"CPU capability {build['capability']}"
            )
    return lines


def run_worker(
    library: str, threads: int, runs: int, suites: list[str], only: str, seconds: float
) -> list[Record]:
    env = {**os.environ, "BENCH_SUITES": ",".join(suites), "BENCH_ONLY": only,
           "BENCH_SECONDS": str(seconds)}  # fmt: skip
    command = [sys.executable, str(HERE / "worker.py"), library, str(threads), str(runs)]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in output.stdout.splitlines() if line.startswith("{")]


def best_of(rounds: list[list[Record]]) -> list[Record]:
    """One library's records, each timing (and the GEMM peak) from its best round."""
    merged: dict[tuple[str, str], Record] = {}
    for records in rounds:
        for record in records:
            key = (record["kind"], record.get("name", ""))
            kept = merged.setdefault(key, record)
            if record["kind"] == "gemm_peak":
                kept["gflops"] = max(kept["gflops"], record["gflops"])
            elif record["kind"] == "import":
                kept["seconds"] = min(kept["seconds"], record["seconds"])
            else:
                for name in ("forward", "forward_backward", "timing"):
                    if name in record and record[name]["median"] < kept[name]["median"]:
                        kept[name] = record[name]
    return list(merged.values())


def peak_memory(library: str, step: str) -> Record:
    command = [sys.executable, str(HERE / "peak_memory.py"), library, step]
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def startup(task: str, cache: str) -> dict[str, float]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache, "OPENBLAS_NUM_THREADS": "1",
           "NUMBA_NUM_THREADS": "1"}  # fmt: skip
    command = [sys.executable, str(HERE / "startup.py"), task]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def startup_costs() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as cache:
        cold = startup("first_call", cache)
        warm = startup("first_call", cache)
    with tempfile.TemporaryDirectory() as cache:
        every = startup("all_kernels", cache)
    return {"import": warm["import"], "cold": cold["call"], "warm": warm["call"],
            "every": every["call"]}  # fmt: skip


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default=",".join(SUITES), help="of shapes, small, zoo")
    parser.add_argument("--threads", help="thread counts, comma-separated (default 1,2)")
    parser.add_argument("--rounds", type=int, help="alternating worker rounds (default 3)")
    parser.add_argument("--runs", type=int, help="timed runs per figure (default 5)")
    parser.add_argument("--only", default="", help="only shapes and steps whose name has this")
    quick = "a smoke check: 1 thread, 1 round, 2 runs, no memory or start-up"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    args = parser.parse_args()
    args.suites = [s for s in args.suite.split(",") if s]
    if unknown := set(args.suites) - set(SUITES):
        parser.error(f"--suite: expected names from {', '.join(SUITES)}, got {sorted(unknown)}")
    args.threads = args.threads or ("1" if args.quick else "1,2")
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.runs = args.runs or (2 if args.quick else 5)
    args.seconds = 0.05 if args.quick else 0.5
    args.memory = not (args.no_memory or args.quick)
    args.startup = not (args.no_startup or args.quick)
    return args


def time_libraries(args: argparse.Namespace, libraries: tuple[str, ...], threads: int) -> Run:
    """Alternate the libraries' processes (and which goes first) and keep each figure's
    best round, so that a burst of load from other jobs does not land on one library only.
    """
    rounds: dict[str, list[list[Record]]] = {name: [] for name in libraries}
    for index in range(args.rounds):
        for name in libraries if index % 2 == 0 else libraries[::-1]:
            records = run_worker(name, threads, args.runs, args.suites, args.only, args.seconds)
            rounds[name].append(records)
    theirs = best_of(rounds["torch"]) if "torch" in rounds else None
    return Run(threads, args.rounds, best_of(rounds["minigrad"]), theirs)


def main() -> None:
    args = options()
    started = time.perf_counter()
    libraries = LIBRARIES if importlib.util.find_spec("torch") else LIBRARIES[:1]
    # A first pair of processes that time nothing: which kernels each library loads.
    probes = {name: run_worker(name, 1, 1, [], "", 0.0) for name in libraries}
    results = Results(
        command="benchmarks/run.py " + " ".join(sys.argv[1:]),
        machine=[cpu_line(), *kernel_lines(probes)],
        warnings=forced_kernels(),
    )
    print("\n".join(results.machine))
    for warning in results.warnings:
        print(f"WARNING: {warning}")
    if len(libraries) == 1:
        print("torch not installed: minigrad rows only")
    for threads in (int(t) for t in args.threads.split(",")):
        results.runs.append(time_libraries(args, libraries, threads))
        print(f"{threads} thread(s) done ({time.perf_counter() - started:.0f} s)", flush=True)
    if args.memory:
        for step in STEPS:
            if step.suite in args.suites and args.only in step.name:
                results.memory[step.name] = {name: peak_memory(name, step.name)
                                             for name in libraries}  # fmt: skip
    if args.startup:
        results.startup = startup_costs()
    results.seconds = time.perf_counter() - started
    print(report.text(results))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(report.markdown(results))
        print(f"markdown tables: {args.markdown}")


if __name__ == "__main__":
    main()
