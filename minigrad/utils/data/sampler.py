"""Samplers: the order in which a loader visits a dataset's indices, and how it
groups them into batches.

A shuffle draws from the ``generator=`` given, or else from a seed taken from
minigrad's global generator at the start of each pass, so that ``mg.manual_seed(n)``
fixes every epoch's order (as ``torch.manual_seed`` does for PyTorch's loaders).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sized
from typing import Any

import numpy as np

from minigrad import random
from minigrad.generator import Generator

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler"]


class Sampler:
    """Base class: an iterable of indices (or of lists of indices, for a batch sampler)."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        """The items, in order."""
        raise NotImplementedError


def check_generator(owner: str, generator: Any) -> None:
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{owner}: generator: expected a minigrad.Generator or None, got "
            f"{type(generator).__name__}"
        )


def numpy_generator(generator: Generator | None) -> np.random.Generator:
    """The generator to draw one pass's order from: the one given, or a fresh one
    seeded from the global generator (which moves on by one draw).
    """
    if generator is not None:
        return generator.numpy()
    seed = int(random.generator().integers(0, 2**63 - 1))
    return np.random.default_rng(seed)


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        """The items, in order."""
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        """The number of items."""
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices in a random order (a new one each pass), or ``num_samples`` indices
    drawn uniformly with ``replacement``.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"RandomSampler: replacement: expected True or False, got {replacement!r}"
            )
        if num_samples is not None and (
            isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0
        ):
            raise ValueError(
                f"RandomSampler: num_samples: expected a positive int, got {num_samples!r}"
            )
        check_generator("RandomSampler", generator)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self) -> int:
        """The number of indices one pass gives."""
        # The dataset's size may change between the sampler's creation and its use.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        """The items, in order."""
        size = len(self.data_source)
        rng = numpy_generator(self.generator)
        if self.replacement:
            yield from rng.integers(0, size, self.num_samples).tolist()
            return
        for _ in range(self.num_samples // size):
            yield from rng.permutation(size).tolist()
        yield from rng.permutation(size)[: self.num_samples % size].tolist()

    def __len__(self) -> int:
        """The number of items."""
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order (a new one each pass)."""

    def __init__(self, indices: Iterable[int], generator: Generator | None = None) -> None:
        check_generator("SubsetRandomSampler", generator)
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        """The items, in order."""
        order = numpy_generator(self.generator).permutation(len(self.indices))
        for position in order.tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        """The number of items."""
        return len(self.indices)


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size``; the last, shorter
    one is dropped if ``drop_last``.

    >>> list(BatchSampler(range(5), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"BatchSampler: batch_size: expected a positive int, got {batch_size!r}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last: expected True or False, got {drop_last!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        """The items, in order."""
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        """The number of items."""
        count = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return count // self.batch_size
        return math.ceil(count / self.batch_size)
