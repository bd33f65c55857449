"""Start-up costs of a fresh process: ``startup.py first_call`` or ``startup.py all_kernels``.

Run by ``run.py`` with ``NUMBA_CACHE_DIR`` pointing at an empty directory (cold: every
kernel compiles) or at one the previous run filled (warm: kernels load from disk).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import time

start = time.perf_counter()
import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import kernels  # noqa: E402
from minigrad.kernels.conv import Geometry, route, winograd  # noqa: E402

imported = time.perf_counter()


def first_call() -> None:
    """What a user's first layer call costs: one float32 conv_transpose2d forward."""
    x = mg.randn(2, 8, 4, 4)
    F.conv_transpose2d(x, mg.randn(8, 4, 4, 4), stride=2, padding=1)


def all_kernels() -> None:
    """Every compiled kernel in both dtypes, so every signature compiles once."""
    for dtype in (np.float32, np.float64):
        one, none = (1, 1, 1), ((0, 0), (0, 0), (0, 0))
        x = np.ones((1, 2, 3, 4, 5), dtype)
        w = np.ones((2, 2, 1, 2, 2), dtype)
        plain = Geometry(one, one, (1, 2, 2), 1, (3, 4, 5), (3, 3, 4), none)
        y = kernels.conv_valid(x, w, plain)
        kernels.conv_transpose_valid(y, w, plain)
        kernels.conv_weight_grad(x, y, plain)
        # Output lines of 17 with zero padding: the stride-phase and padded paths.
        long = np.ones((1, 2, 1, 3, 36), dtype)
        lines = Geometry((1, 1, 2), one, (1, 2, 2), 1, (1, 3, 36), (1, 2, 17),
                         ((0, 0), (0, 0), (1, 0)))  # fmt: skip
        y = kernels.conv_valid(long, w, lines)
        kernels.conv_transpose_valid(y, w, lines)
        kernels.conv_weight_grad(long, y, lines)
        padded = Geometry(one, one, (1, 2, 2), 1, (3, 4, 5), (3, 4, 6),
                          ((0, 0), (1, 0), (1, 1)))  # fmt: skip
        y = kernels.conv_valid(x, w, padded)
        kernels.conv_transpose_valid(y, w, padded)
        # Wide k4 s2 layers with enough work (winograd.MIN_WORK), in the dtypes that
        # take it: the Winograd kernels.
        wide, w4 = np.ones((16, 128, 1, 16, 16), dtype), np.ones((128, 128, 1, 4, 4), dtype)
        k4s2 = Geometry((1, 2, 2), one, (1, 4, 4), 1, (1, 16, 16), (1, 8, 8),
                        ((0, 0), (1, 1), (1, 1)))  # fmt: skip
        taken = route(k4s2, 16, 128, 128, dtype) is winograd
        assert taken == (np.dtype(dtype) in winograd.DTYPES)
        y = kernels.conv_valid(wide, w4, k4s2)
        kernels.conv_transpose_valid(y, w4, k4s2)
        kernels.conv_and_weight_grad(wide, w4, y, k4s2)
        # Batch norm, leaky ReLU, per-channel sums and Adam through a small model.
        model = mg.nn.Sequential(
            mg.nn.Conv2d(2, 3, 2), mg.nn.BatchNorm2d(3), mg.nn.LeakyReLU(0.2)
        ).to(dtype=mg.float32 if dtype == np.float32 else mg.float64)
        adam = mg.optim.Adam(model.parameters())
        model(mg.tensor(np.ones((2, 2, 4, 4), dtype))).sum().backward()
        adam.step()
        for mode in ("zeros", "reflect"):
            padded = kernels.pad_by_mode(x, ((1, 1), (1, 1)), mode)
            kernels.fold_padding(padded, ((1, 1), (1, 1)), mode)


task = {"first_call": first_call, "all_kernels": all_kernels}[sys.argv[1]]
task()
done = time.perf_counter()
print(json.dumps({"import": imported - start, "call": done - imported, "total": done - start}))
