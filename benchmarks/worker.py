"""One library, one thread count, one process: ``worker.py LIBRARY THREADS RUNS``.

Thread counts are fixed through the environment BEFORE numpy, Numba or torch is
imported (OpenBLAS and Numba read them once, at start-up), which is why the driver
starts one process per run. Prints one JSON object per line.
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
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import SHAPES, Shape  # noqa: E402

WARMUP = 2


def timings(step: Callable[[], Any], runs: int) -> dict[str, float]:
    for _ in range(WARMUP):
        step()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}


def arrays(shape: Shape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    kernel = (shape.kernel,) * shape.rank
    x = rng.standard_normal((shape.batch, shape.c_in, *shape.size)).astype(shape.dtype)
    w = rng.standard_normal((shape.c_in, shape.c_out // shape.groups, *kernel)).astype(shape.dtype)
    b = rng.standard_normal(shape.c_out).astype(shape.dtype)
    return x, w * 0.1, b


def minigrad_steps(shape: Shape) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import minigrad as mg
    import minigrad.functional as F

    function = getattr(F, f"conv_transpose{shape.rank}d")
    x, w, b = (mg.tensor(a, requires_grad=True) for a in arrays(shape))
    options = dict(stride=shape.stride, padding=shape.padding, groups=shape.groups,
                   dilation=shape.dilation)  # fmt: skip

    def forward() -> Any:
        with mg.no_grad():
            return function(x, w, b, **options)

    def forward_backward() -> Any:
        for leaf in (x, w, b):
            leaf.grad = None
        out = function(x, w, b, **options)
        out.backward(mg.ones_like(out))

    return forward, forward_backward


def torch_steps(shape: Shape) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import torch

    torch.set_num_threads(THREADS)
    function = getattr(torch.nn.functional, f"conv_transpose{shape.rank}d")
    x, w, b = (torch.tensor(a, requires_grad=True) for a in arrays(shape))
    options = dict(stride=shape.stride, padding=shape.padding, groups=shape.groups,
                   dilation=shape.dilation)  # fmt: skip

    def forward() -> Any:
        with torch.no_grad():
            return function(x, w, b, **options)

    def forward_backward() -> Any:
        for leaf in (x, w, b):
            leaf.grad = None
        out = function(x, w, b, **options)
        out.backward(torch.ones_like(out))

    return forward, forward_backward


# Issue 6's end-to-end figure: one training step of examples/dcgan_digits.py's model
# (or its PyTorch twin), as its training loop runs it. If the example cannot be
# imported, a copy of its layer list (as of this writing) stands in.
TRAIN_BATCH = 64
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def dcgan_models(nn: Any) -> tuple[Any, Any, int]:
    """The example's generator and discriminator, built from ``nn`` (either library's)."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        example = __import__("dcgan_digits" if LIBRARY == "minigrad" else "dcgan_digits_torch")
        return example.generator(), example.discriminator(), example.NOISE
    except (ImportError, AttributeError):
        g = 32
        generator = nn.Sequential(
            nn.ConvTranspose2d(32, 4 * g, 2, bias=False), nn.BatchNorm2d(4 * g), nn.ReLU(),
            nn.ConvTranspose2d(4 * g, 2 * g, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * g),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * g, g, 4, 2, 1, bias=False), nn.BatchNorm2d(g), nn.ReLU(),
            nn.ConvTranspose2d(g, 1, 3, padding=1), nn.Tanh(),
        )  # fmt: skip
        discriminator = nn.Sequential(
            nn.Conv2d(1, g, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(g, 2 * g, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * g), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * g, 1, 2),
        )  # fmt: skip
        return generator, discriminator, 32
    finally:
        sys.path.remove(str(EXAMPLES))


def train_step() -> Callable[[], Any]:
    """Discriminator on real and (detached) fake images, then generator; both by Adam."""
    if LIBRARY == "minigrad":
        import minigrad as lib
        from minigrad import nn, optim
    else:
        import torch as lib
        from torch import nn, optim

        lib.set_num_threads(THREADS)
    lib.manual_seed(0)
    generator, discriminator, noise_size = dcgan_models(nn)
    adam_g = optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    adam_d = optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    rng = np.random.default_rng(0)
    real = lib.tensor(rng.uniform(-1, 1, (TRAIN_BATCH, 1, 8, 8)).astype(np.float32))
    ones, zeros = lib.ones(TRAIN_BATCH, 1, 1, 1), lib.zeros(TRAIN_BATCH, 1, 1, 1)
    criterion = nn.BCEWithLogitsLoss()

    def step() -> None:
        fake = generator(lib.randn(TRAIN_BATCH, noise_size, 1, 1))
        loss_d = criterion(discriminator(real), ones) + criterion(
            discriminator(fake.detach()), zeros
        )
        adam_d.zero_grad()
        loss_d.backward()
        adam_d.step()
        loss_g = criterion(discriminator(fake), ones)
        adam_g.zero_grad()
        loss_g.backward()
        adam_g.step()

    return step


def gemm_peak() -> float:
    """Best float32 GFLOP/s of numpy's BLAS on a 2048^3 product, at this thread count."""
    a = np.random.default_rng(0).standard_normal((2048, 2048)).astype(np.float32)
    best = timings(lambda: a @ a, 5)["min"]
    return 2 * 2048**3 / best / 1e9


def main() -> None:
    start = time.perf_counter()
    if LIBRARY == "minigrad":
        import minigrad

        # The opt-in a training script makes (docs/performance.md): freed arrays' memory
        # is kept for reuse instead of page-faulting anew.
        minigrad.kernels.keep_freed_memory()
        steps = minigrad_steps
    else:
        import torch  # noqa: F401

        steps = torch_steps
    import_seconds = time.perf_counter() - start
    print(json.dumps({"kind": "import", "seconds": import_seconds}), flush=True)
    if LIBRARY == "minigrad":
        print(json.dumps({"kind": "gemm_peak", "gflops": gemm_peak()}), flush=True)
    only = os.environ.get("BENCH_ONLY", "")
    if not only or only in "dcgan_digits train step":
        record = {"kind": "train_step", "timing": timings(train_step(), max(RUNS, 10))}
        print(json.dumps(record), flush=True)
    for shape in SHAPES:
        if only and only not in shape.name:
            continue
        forward, forward_backward = steps(shape)
        record = {
            "kind": "shape",
            "name": shape.name,
            "forward": timings(forward, RUNS),
            "forward_backward": timings(forward_backward, RUNS),
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
