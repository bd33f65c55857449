"""Datasets: indexable collections of samples, and ways to combine and split them."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from minigrad import random
from minigrad.generator import Generator
from minigrad.tensor import Tensor
from minigrad.utils.data.sampler import check_generator

__all__ = [
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset:
    """Base class of map-style datasets: ``dataset[index]`` gives a sample; most also
    define ``len(dataset)``. ``a + b`` concatenates two.
    """

    def __getitem__(self, index: Any) -> Any:
        """The sample at ``index``."""
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        """This dataset followed by ``other``."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets that are a stream: ``iter(dataset)`` gives the samples."""

    def __iter__(self) -> Iterator[Any]:
        """The items, in order."""
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of tensors that share their first dimension:
    ``dataset[i] == (tensors[0][i], tensors[1][i], ...)``.

    >>> import minigrad as mg
    >>> dataset = TensorDataset(mg.zeros(3, 2), mg.tensor([1, 2, 3]))
    >>> sample = dataset[2]
    >>> len(dataset), sample[1].item()
    (3, 3)
    """

    def __init__(self, *tensors: Tensor) -> None:
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"TensorDataset: tensors[{position}]: expected a Tensor, got "
                    f"{type(tensor).__name__}"
                )
            if tensor.ndim == 0:
                raise ValueError(
                    f"TensorDataset: tensors[{position}]: expected at least one dimension, "
                    "got a 0-d tensor"
                )
        sizes = [tensor.shape[0] for tensor in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: tensors: expected the same size of the first dimension, got "
                f"sizes {sizes}"
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        """The sample at ``index``."""
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        """The number of items."""
        return self.tensors[0].shape[0] if self.tensors else 0


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets: expected at least one dataset, got none")
        for position, dataset in enumerate(self.datasets):
            if isinstance(dataset, IterableDataset):
                raise TypeError(
                    f"ConcatDataset: datasets[{position}]: expected a map-style dataset, got "
                    f"an IterableDataset"
                )
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))  # type: ignore[arg-type]

    def __len__(self) -> int:
        """The number of items."""
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        """The sample at ``index``."""
        if index < 0:
            if -index > len(self):
                raise IndexError(
                    f"ConcatDataset: index {index} out of range for length {len(self)}"
                )
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        """The sample at ``index``."""
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices``, in one call."""
        many = getattr(self.dataset, "__getitems__", None)
        if callable(many):
            result: list[Any] = many([self.indices[i] for i in indices])
            return result
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        """The number of items."""
        return len(self.indices)


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths, or
    of the given fractions of it (summing to 1; the rows left over by rounding down go
    one each to the first subsets). Draws from ``generator``, or from minigrad's
    global generator.

    >>> import minigrad as mg
    >>> generator = mg.Generator().manual_seed(0)
    >>> parts = random_split(TensorDataset(mg.arange(10)), [0.7, 0.3], generator)
    >>> tuple(len(part) for part in parts)
    (7, 3)
    """
    check_generator("random_split", generator)
    size = len(dataset)  # type: ignore[arg-type]
    if not isinstance(lengths, Sequence) or isinstance(lengths, str):
        raise TypeError(f"random_split: lengths: expected a list of numbers, got {lengths!r}")
    for position, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, int | float) or length < 0:
            raise ValueError(
                f"random_split: lengths[{position}]: expected a non-negative number, got "
                f"{length!r}"
            )
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(size * fraction)) for fraction in lengths]
        for position in range(size - sum(counts)):
            counts[position % len(counts)] += 1
        for position, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"random_split: lengths[{position}] gives an empty subset",
                    UserWarning,
                    stacklevel=2,
                )
        lengths = counts
    if any(isinstance(length, float) and not length.is_integer() for length in lengths):
        raise ValueError(
            f"random_split: lengths: expected whole numbers summing to {size}, or fractions "
            f"summing to 1, got {lengths}"
        )
    counts = [int(length) for length in lengths]
    if sum(counts) != size:
        raise ValueError(
            f"random_split: lengths: expected lengths summing to the dataset's {size} "
            f"samples, got {lengths} (sum {sum(counts)})"
        )
    rng = generator.numpy() if generator is not None else random.generator()
    order = rng.permutation(size).tolist()
    return [
        Subset(dataset, order[end - count : end])
        for end, count in zip(itertools.accumulate(counts), counts, strict=True)
    ]
