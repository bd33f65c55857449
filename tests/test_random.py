"""manual_seed: one generator behind every draw, reproducible across dtypes."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import random
from tests.helpers import assert_raises_with


def _draws():
    return [
        mg.rand(3).numpy().copy(),
        mg.randn(2, 2).numpy().copy(),
        mg.randn_like(mg.zeros(4, dtype=mg.float64)).numpy().copy(),
    ]


def test_manual_seed_reproduces_every_draw():
    mg.manual_seed(123)
    first = _draws()
    mg.manual_seed(123)
    second = _draws()
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()


def test_different_seeds_give_different_draws():
    mg.manual_seed(1)
    a = mg.randn(5).numpy().copy()
    mg.manual_seed(2)
    b = mg.randn(5).numpy().copy()
    assert not np.array_equal(a, b)


def test_successive_draws_differ():
    mg.manual_seed(0)
    assert not np.array_equal(mg.rand(4).numpy(), mg.rand(4).numpy())


def test_a_seed_gives_the_same_numbers_in_both_float_dtypes():
    mg.manual_seed(5)
    single = mg.randn(6).numpy()
    mg.manual_seed(5)
    double = mg.randn(6, dtype=mg.float64).numpy()
    np.testing.assert_allclose(single, double, rtol=1e-6)
    assert double.dtype == np.float64


def test_generator_is_replaced_by_each_seed():
    mg.manual_seed(9)
    before = random.generator()
    mg.manual_seed(9)
    assert random.generator() is not before
    assert random.generator().random() == before.random()


def test_manual_seed_checks_its_argument():
    with assert_raises_with(TypeError, "seed", "int", "float"):
        mg.manual_seed(1.5)
    with assert_raises_with(TypeError, "seed", "bool"):
        mg.manual_seed(True)
    with assert_raises_with(ValueError, "seed", "non-negative", "-3"):
        mg.manual_seed(-3)
    mg.manual_seed(np.int64(4))
