"""The pictures need matplotlib (the ``viz`` extra): skip this folder cleanly without it,
and draw off screen."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
