"""Resident memory over a long training run: ``memory.py [--steps 300] [--every 100]``.

Runs a minigrad training step of ``steps.py`` (``--step``, default the dcgan_digits
step: discriminator and generator, both by Adam, batch 64) in this process, one
thread, and prints the resident set size after the first step and after every
``--every`` steps, with the growth per ``--every`` steps.
A graph, a saved array or an optimiser buffer kept by mistake from one step to the next
would show here as a steady climb; a flat line means each step gives back what it took.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"
os.environ["NUMBA_NUM_THREADS"] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import steps as training_steps  # noqa: E402


def resident_mib() -> float:
    """This process's resident set size, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--step", default="DCGAN digits", help="a name from steps.STEPS")
    options = parser.parse_args()
    (chosen,) = [s for s in training_steps.STEPS if s.name == options.step]
    step = chosen.build(training_steps.load("minigrad"))
    step()
    readings = [(1, resident_mib())]
    for done in range(2, options.steps + 1):
        step()
        if done % options.every == 0:
            readings.append((done, resident_mib()))
    print(f"{chosen.name} training step ({chosen.what}), 1 thread")
    print(f"{'after step':>10}  {'resident MiB':>12}  {'MiB per ' + str(options.every):>12}")
    previous = None
    for done, mib in readings:
        growth = ""
        if previous is not None:
            growth = f"{(mib - previous[1]) * options.every / (done - previous[0]):+.1f}"
        print(f"{done:>10}  {mib:>12.1f}  {growth:>12}")
        previous = (done, mib)


if __name__ == "__main__":
    main()
