"""Peak memory of one training step, in a fresh process: ``peak_memory.py LIBRARY STEP``.

STEP is a name from ``steps.STEPS``; one thread. The process imports the library and
runs a throwaway copy of the step twice, so that every kernel the step uses is loaded
(Numba's compiled code, torch's lazily made kernels: a cost of the library, once per
process, not of the model), frees it and hands the freed memory back to the OS
(glibc's ``malloc_trim``). Then it builds the measured copy (model, optimisers, data),
reads its resident set size (the baseline), resets the kernel's high-water mark
(``/proc/self/clear_refs``) and runs ``STEPS`` steps. The figure is the high-water mark
minus the baseline: what the steps add at their peak (Adam's moments, made in the first
step, the gradients, the activations kept for the backward and the temporaries), with
the allocator's own overhead. Linux only. Prints one JSON object.
"""

from __future__ import annotations

import os
import sys

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"
os.environ["NUMBA_NUM_THREADS"] = "1"

import ctypes  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import steps as training_steps  # noqa: E402

STEPS = 5
STATUS = Path("/proc/self/status")


def status_mib(field: str) -> float:
    """A field of /proc/self/status (VmRSS: resident now; VmHWM: its high-water mark)."""
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in {STATUS}")


def release_freed_memory() -> None:
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)


def main() -> None:
    library_name, step_name = sys.argv[1], sys.argv[2]
    (step,) = [s for s in training_steps.STEPS if s.name == step_name]
    library = training_steps.load(library_name)
    if library_name == "minigrad":
        library.lib.kernels.keep_freed_memory()  # as the timing workers run
    else:
        library.lib.set_num_threads(1)
    warm = step.build(library)
    warm()
    warm()
    del warm
    release_freed_memory()
    measured = step.build(library)
    release_freed_memory()
    baseline = status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    for _ in range(STEPS):
        measured()
    peak = status_mib("VmHWM")
    print(json.dumps({"baseline": baseline, "peak": peak, "added": peak - baseline}))


if __name__ == "__main__":
    main()
