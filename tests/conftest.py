"""Shared fixtures: a fixed seed for every test, and torch as an optional oracle."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minigrad as mg
from minigrad.autograd import function

# One profile for the whole suite: no per-example deadline (the first call of a Numba
# kernel compiles), and a budget that keeps the suite within its ten minutes.
settings.register_profile(
    "minigrad",
    deadline=None,
    max_examples=int(os.environ.get("MINIGRAD_HYPOTHESIS_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
settings.load_profile("minigrad")


@pytest.fixture(autouse=True)
def _seed() -> None:
    mg.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(autouse=True)
def _drop_every_unread_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every recorded input that no needed formula reads is dropped from its node, however
    small (users' tapes drop only those of ``KEPT_BELOW`` elements or more): so every
    backward in the suite would fail at once if it read values its op's ``reads`` does not
    list. A test of the default keeps it with ``monkeypatch.setattr`` of its own.
    """
    monkeypatch.setattr(function, "KEPT_BELOW", 0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """The torch module, or a clean skip when it is not installed."""
    return pytest.importorskip("torch")
