"""Long training keeps no memory from step to step: the live tape objects and the
traced allocations after many steps are what they were after a few.

(``benchmarks/memory.py`` reports the resident memory of 300 steps of the
dcgan_digits model, which is flat; this is the exact, in-process form of that check.)
"""

from __future__ import annotations

import gc
import tracemalloc
from collections import Counter

import numpy as np

import minigrad as mg
import minigrad.nn as nn
from minigrad.autograd.function import Context
from minigrad.autograd.graph import Node


def _gan() -> tuple[nn.Module, nn.Module]:
    generator = nn.Sequential(
        nn.ConvTranspose2d(8, 16, 2, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, 8, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(8, 16, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.LeakyReLU(0.2),
        nn.Conv2d(16, 1, 2),
    )
    return generator, discriminator


def _live() -> Counter[str]:
    gc.collect()
    kinds = (mg.Tensor, Node, Context)
    # type(), not isinstance(): the latter reads __class__, which some lazy modules of
    # other libraries answer with a deprecation warning.
    return Counter(type(o).__name__ for o in gc.get_objects() if issubclass(type(o), kinds))


def test_training_steps_keep_nothing_alive():
    generator, discriminator = _gan()
    adam_g = mg.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    adam_d = mg.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    real = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (16, 1, 8, 8)).astype(np.float32))
    ones, zeros = mg.ones(16, 1, 1, 1), mg.zeros(16, 1, 1, 1)

    def step() -> None:
        fake = generator(mg.randn(16, 8, 1, 1))
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

    for _ in range(3):
        step()
    tracemalloc.start()
    try:
        step()
        before_objects = _live()
        before_bytes = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            step()
        after_objects = _live()
        after_bytes = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after_objects == before_objects
    # One step's arrays are about 1 MB here: a step's worth kept would show.
    assert after_bytes - before_bytes < 64 * 1024, (before_bytes, after_bytes)
