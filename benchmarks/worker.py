"""One library, one thread count, one process: ``worker.py LIBRARY THREADS RUNS``.

Thread counts are fixed through the environment BEFORE numpy, Numba or torch is
imported (OpenBLAS and Numba read them once, at start-up), which is why the driver
starts one process per run. What runs is read from the environment too:
``BENCH_SUITES`` (comma-separated, of ``shapes``, ``small``, ``zoo``; default all),
``BENCH_ONLY`` (only the shapes and steps whose name contains it) and
``BENCH_SECONDS`` (each step is timed over about this long, default 0.5). Prints one
JSON object per line.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    LIBRARY, THREADS, RUNS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
else:  # imported by a profiling script: the caller has set the environment
    LIBRARY, THREADS, RUNS = "minigrad", 1, 5
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(THREADS)
os.environ["NUMBA_NUM_THREADS"] = str(THREADS)

import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import steps as training_steps  # noqa: E402
from shapes import SHAPES, Shape  # noqa: E402

WARMUP = 2
STEP_WARMUP = 3  # the first step also makes Adam's moments and loads the kernels
MAX_STEP_RUNS = 200


def timings(step: Callable[[], Any], runs: int, warmup: int = WARMUP) -> dict[str, float]:
    for _ in range(warmup):
        step()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "runs": runs}  # fmt: skip


def step_timings(step: Callable[[], Any], runs: int, seconds: float) -> dict[str, float]:
    """At least ``runs`` runs, and as many more as fill about ``seconds`` (at most 200)."""
    for _ in range(STEP_WARMUP):
        step()
    start = time.perf_counter()
    step()
    once = max(time.perf_counter() - start, 1e-6)
    return timings(step, min(MAX_STEP_RUNS, max(runs, math.ceil(seconds / once))), warmup=0)


def arrays(shape: Shape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    kernel = (shape.kernel,) * shape.rank
    x = rng.standard_normal((shape.batch, shape.c_in, *shape.size)).astype(shape.dtype)
    w = rng.standard_normal((shape.c_in, shape.c_out // shape.groups, *kernel)).astype(shape.dtype)
    b = rng.standard_normal(shape.c_out).astype(shape.dtype)
    return x, w * 0.1, b


def shape_steps(lib: Any, shape: Shape) -> tuple[Callable[[], Any], ...]:
    """Forward (under no_grad) and forward+backward of one transposed convolution through
    ``nn.functional``, in either library: input, weight and bias all require grad.
    """
    function = getattr(lib.nn.functional, f"conv_transpose{shape.rank}d")
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays(shape))
    options = dict(stride=shape.stride, padding=shape.padding, groups=shape.groups,
                   dilation=shape.dilation)  # fmt: skip

    def forward() -> Any:
        with lib.no_grad():
            return function(x, w, b, **options)

    def forward_backward() -> Any:
        for leaf in (x, w, b):
            leaf.grad = None
        out = function(x, w, b, **options)
        out.backward(lib.ones_like(out))

    return forward, forward_backward


def gemm_peak() -> float:
    """Best float32 GFLOP/s of numpy's BLAS on a 2048^3 product, at this thread count."""
    a = np.random.default_rng(0).standard_normal((2048, 2048)).astype(np.float32)
    best = timings(lambda: a @ a, 5)["min"]
    return 2 * 2048**3 / best / 1e9


BLAS_FIELDS = ("user_api", "internal_api", "version", "architecture", "num_threads")


def kernels_record() -> dict[str, Any]:
    """The native libraries this process loaded (threadpoolctl), and torch's build."""
    from threadpoolctl import threadpool_info

    record: dict[str, Any] = {
        "kind": "kernels",
        "libraries": [{k: info.get(k) for k in BLAS_FIELDS} for info in threadpool_info()],
    }
    if LIBRARY == "torch":
        import torch

        config = torch.__config__.show()
        mkl = re.search(r"Math Kernel Library Version ([\d.]+)", config)
        onednn = re.search(r"MKL-DNN v([\d.]+)", config)
        record["torch"] = {
            "version": torch.__version__,
            "capability": torch.backends.cpu.get_cpu_capability(),
            "mkl": mkl.group(1) if mkl else None,
            "onednn": onednn.group(1) if onednn else None,
            "threads": torch.get_num_threads(),
        }
    return record


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def main() -> None:
    suites = os.environ.get("BENCH_SUITES", "shapes,small,zoo").split(",")
    only = os.environ.get("BENCH_ONLY", "")
    seconds = float(os.environ.get("BENCH_SECONDS", "0.5"))
    start = time.perf_counter()
    library = training_steps.load(LIBRARY)
    if LIBRARY == "minigrad":
        # The opt-in a training script makes (docs/performance.md): freed arrays' memory
        # is kept for reuse instead of page-faulting anew.
        library.lib.kernels.keep_freed_memory()
    else:
        library.lib.set_num_threads(THREADS)
    emit({"kind": "import", "library": LIBRARY, "seconds": time.perf_counter() - start})
    emit(kernels_record())
    for step in training_steps.STEPS:
        if step.suite in suites and only in step.name:
            timing = step_timings(step.build(library), RUNS, seconds)
            emit({"kind": "step", "name": step.name, "timing": timing})
    if "shapes" not in suites:
        return
    if LIBRARY == "minigrad":
        emit({"kind": "gemm_peak", "gflops": gemm_peak()})
    for shape in SHAPES:
        if only not in shape.name:
            continue
        forward, forward_backward = shape_steps(library.lib, shape)
        emit({
            "kind": "shape",
            "name": shape.name,
            "forward": timings(forward, RUNS),
            "forward_backward": timings(forward_backward, RUNS),
        })  # fmt: skip


if __name__ == "__main__":
    main()
