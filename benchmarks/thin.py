"""The direct path against im2col on layers with few filters (docs/performance.md).

    .venv/bin/python benchmarks/thin.py

For each layer, with 1, 2, 4 and 8 filters: the time of the three kernels (conv,
transposed conv, weight gradient) on each path, best of 5 rounds, and the ratio
direct / im2col. ``minigrad.kernels.conv.direct.THIN`` is the largest filter count
at which the direct path should win on all of them.
"""

from __future__ import annotations

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[variable] = "1"

import timeit  # noqa: E402
from types import ModuleType  # noqa: E402

import numpy as np  # noqa: E402

from minigrad.kernels import keep_freed_memory  # noqa: E402
from minigrad.kernels.conv import Geometry, direct, im2col  # noqa: E402

# name: (batch, input channels, spatial size, kernel, stride, padding, spatial dims)
LAYERS = {
    "super-resolution output, 16 ch 8x8 k3": (32, 16, 8, 3, 1, 1, 2),
    "pix2pix critic, 64 ch 4x4 k4 s2": (32, 64, 4, 4, 2, 1, 2),
    "MelGAN critic, 32 ch L16 k3": (32, 32, 16, 3, 1, 1, 1),
    "digits critic, 64 ch 7x7 k4 s2": (64, 64, 7, 4, 2, 1, 2),
    "batch 8, 64 ch 16x16 k4 s2": (8, 64, 16, 4, 2, 1, 2),
    "RGB, 3 ch 32x32 k3": (32, 3, 32, 3, 1, 1, 2),
}
FILTERS = (1, 2, 4, 8)


def geometry(size: int, k: int, s: int, p: int, dims: int) -> Geometry:
    out = (size + 2 * p - k) // s + 1
    lead = 3 - dims
    one = (1,) * lead
    return Geometry(
        one + (s,) * dims, (1, 1, 1), one + (k,) * dims, 1, one + (size,) * dims,
        one + (out,) * dims, ((0, 0),) * lead + ((p, p),) * dims,
    )  # fmt: skip


def seconds(path: ModuleType, x: np.ndarray, w: np.ndarray, y: np.ndarray, g: Geometry) -> float:
    calls = (
        lambda: path.conv_valid(x, w, g),
        lambda: path.conv_transpose_valid(y, w, g),
        lambda: path.conv_weight_grad(x, y, g),
    )
    return sum(min(timeit.repeat(call, number=100, repeat=5)) / 100 for call in calls)


def main() -> None:
    keep_freed_memory()
    rng = np.random.default_rng(0)
    print("| layer | filters | direct us | im2col us | direct/im2col |")
    print("|---|---:|---:|---:|---:|")
    for name, (n, c, size, k, s, p, dims) in LAYERS.items():
        g = geometry(size, k, s, p, dims)
        for filters in FILTERS:
            x = rng.standard_normal((n, c, *g.x_size)).astype(np.float32)
            w = rng.standard_normal((filters, c, *g.kernel_size)).astype(np.float32)
            y = rng.standard_normal((n, filters, *g.y_size)).astype(np.float32)
            ours, theirs = seconds(direct, x, w, y, g), seconds(im2col, x, w, y, g)
            print(f"| {name} | {filters} | {ours * 1e6:.0f} | {theirs * 1e6:.0f} | "
                  f"{ours / theirs:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
