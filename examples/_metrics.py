"""Shared by every example: the figures a run writes, machine-readable, beside its pictures.

Each example ends by writing ``metrics.json`` in its ``--out`` directory: every figure
its docs page quotes, rounded as the page prints it, with the training time and the
run's wall time. ``scripts/figures.py`` (``make figures``) runs the examples and turns
these files into the tables and sentences the pages include, so a published figure is
always the one the code gives.

Nothing here imports minigrad, torch or matplotlib.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

# Wall time counts from here: the examples import this module at their top, so the
# figure covers data, training, pictures and scoring (the interpreter's start-up aside).
STARTED = time.perf_counter()


def rounded(value: float, digits: int) -> float:
    """``value`` as a plain float rounded to ``digits`` decimals, as a page prints it."""
    return round(float(value), digits)


def percent(fraction: float, digits: int = 1) -> float:
    """A fraction in [0, 1] as a percentage rounded to ``digits`` decimals."""
    return round(100.0 * float(fraction), digits)


def write(out: str | os.PathLike[str], figures: dict[str, Any], training_seconds: float) -> Path:
    """Write ``figures`` with the training and wall times to ``out/metrics.json``.

    The times are rounded to 0.1 s; they are the only entries that differ between two
    runs of the same code (the rest are the same bits every run).
    """
    record = {
        **figures,
        "training_seconds": rounded(training_seconds, 1),
        "wall_seconds": rounded(time.perf_counter() - STARTED, 1),
    }
    path = Path(out) / "metrics.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
