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
from minigrad.kernels import winograd  # noqa: E402

imported = time.perf_counter()


def first_call() -> None:
    """What a user's first layer call costs: one float32 conv_transpose2d forward."""
    x = mg.randn(2, 8, 4, 4)
    F.conv_transpose2d(x, mg.randn(8, 4, 4, 4), stride=2, padding=1)


def all_kernels() -> None:
    """Every compiled kernel in both dtypes, so every signature compiles once."""
    for dtype in (np.float32, np.float64):
        one = (1, 1, 1)
        x = np.ones((1, 2, 3, 4, 5), dtype)
        w = np.ones((2, 2, 1, 2, 2), dtype)
        y = kernels.conv_valid(x, w, one, one, 1, (3, 3, 4))
        kernels.conv_transpose_valid(y, w, one, one, 1, (3, 4, 5))
        kernels.conv_weight_grad(x, y, one, one, 1, (1, 2, 2))
        # Output lines of 17 with zero padding: the stride-phase and padded paths.
        long, stride, before = np.ones((1, 2, 1, 3, 36), dtype), (1, 1, 2), (0, 0, 1)
        y = kernels.conv_valid(long, w, stride, one, 1, (1, 2, 17), before)
        kernels.conv_transpose_valid(y, w, stride, one, 1, (1, 3, 36), before)
        kernels.conv_weight_grad(long, y, stride, one, 1, (1, 2, 2), before)
        y = kernels.conv_valid(x, w, one, one, 1, (3, 4, 6), (0, 1, 1))
        kernels.conv_transpose_valid(y, w, one, one, 1, (3, 4, 5), (0, 1, 1))
        # Wide k4 s2 layers with enough work (winograd.MIN_WORK), in the dtypes that
        # take it: the Winograd kernels.
        wide, w4, s2 = (
            np.ones((16, 128, 1, 8, 8), dtype),
            np.ones((128, 128, 1, 4, 4), dtype),
            (1, 2, 2),
        )
        taken = winograd.takes_conv((1, 4, 4), s2, one, 1, 16, 128, 128, (1, 4, 4), dtype)
        assert taken == (np.dtype(dtype) in winograd.DTYPES)
        y = kernels.conv_valid(wide, w4, s2, one, 1, (1, 4, 4), (0, 1, 1))
        kernels.conv_transpose_valid(y, w4, s2, one, 1, (1, 8, 8), (0, 1, 1))
        kernels.conv_and_weight_grad(wide, w4, y, s2, one, 1, (0, 1, 1))
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
