"""``DataLoader``: batches of a dataset, in order or shuffled, as PyTorch's.

Everything runs in the calling process: ``num_workers``, ``pin_memory``,
``prefetch_factor``, ``persistent_workers``, ``timeout`` and
``multiprocessing_context`` are accepted (checked as PyTorch checks them) and change
nothing but speed, so the batches are the same, and in the same order, whatever they
say. ``worker_init_fn``, if given with ``num_workers > 0``, is called with worker id 0
at the start of each pass, where PyTorch's first worker would call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from minigrad.generator import Generator
from minigrad.utils.data.collate import default_collate, default_convert
from minigrad.utils.data.dataset import Dataset, IterableDataset
from minigrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    check_generator,
)

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info() -> None:
    """None: the loading runs in the main process (PyTorch's answer there too)."""
    return None


def _check_non_negative_int(argument: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"DataLoader: {argument}: expected an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"DataLoader: {argument}: expected a non-negative int, got {value}")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples, each made into one
    batch by ``collate_fn`` ([`default_collate`][]: tensors stacked, structures
    kept).

    ``shuffle=True`` visits the samples in a new random order each pass, drawn from
    ``generator`` or else from a seed taken from the global generator (so
    ``mg.manual_seed`` fixes it). ``drop_last`` drops a last, incomplete batch.
    ``sampler`` (an iterable of indices) or ``batch_sampler`` (of lists of indices)
    replace the order; ``batch_size=None`` turns batching off.

    >>> import minigrad as mg
    >>> from minigrad.utils.data import TensorDataset
    >>> dataset = TensorDataset(mg.arange(5))
    >>> loader = DataLoader(dataset, batch_size=2, shuffle=True, drop_last=True,
    ...                     generator=mg.Generator().manual_seed(0))
    >>> len(loader), [len(batch) for (batch,) in loader]
    (2, [2, 2])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_non_negative_int("num_workers", num_workers)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise ValueError(
                f"DataLoader: timeout: expected a non-negative number, got {timeout!r}"
            )
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "DataLoader: prefetch_factor: only with num_workers > 0 (as PyTorch); got "
                f"prefetch_factor={prefetch_factor} with num_workers=0"
            )
        if prefetch_factor is not None:
            _check_non_negative_int("prefetch_factor", prefetch_factor)
        if persistent_workers and num_workers == 0:
            raise ValueError(
                "DataLoader: persistent_workers=True: expected num_workers > 0, got num_workers=0"
            )
        if shuffle not in (None, True, False):
            raise TypeError(f"DataLoader: shuffle: expected True, False or None, got {shuffle!r}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"DataLoader: drop_last: expected True or False, got {drop_last!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(
                f"DataLoader: collate_fn: expected a function, got {type(collate_fn).__name__}"
            )
        check_generator("DataLoader", generator)
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
                raise ValueError(
                    f"DataLoader: batch_size: expected a positive int or None, got {batch_size!r}"
                )
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle:
                raise ValueError(
                    "DataLoader: shuffle=True: an IterableDataset has its own order; expected "
                    "shuffle to be unspecified"
                )
            if sampler is not None or batch_sampler is not None:
                raise ValueError(
                    "DataLoader: sampler and batch_sampler: an IterableDataset has its own "
                    "order; expected neither"
                )
        elif not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset: expected a Dataset (with __getitem__ and __len__) or an "
                f"IterableDataset, got {type(dataset).__name__}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler: expected shuffle unset or False with a sampler")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler: expected batch_size, shuffle, sampler and "
                    "drop_last left at their defaults with a batch_sampler"
                )
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: drop_last=True: expected a batch_size (batch_size=None turns "
                "batching off)"
            )
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else None
            sampler = sampler or SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator
        batching = batch_sampler is not None or (iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if batching else default_convert
        self.collate_fn = collate_fn
        self._batching = batching
        self._iterable = iterable

    def __iter__(self) -> Iterator[Any]:
        """The items, in order."""
        if self.num_workers > 0 and self.worker_init_fn is not None:
            self.worker_init_fn(0)
        if self._iterable:
            return self._iterate_stream()
        return self._iterate_map()

    def _iterate_map(self) -> Iterator[Any]:
        if not self._batching:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        many = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = many(indices) if callable(many) else [self.dataset[i] for i in indices]
            yield self.collate_fn(samples)

    def _iterate_stream(self) -> Iterator[Any]:
        if not self._batching:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        assert self.batch_size is not None
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        """The number of items."""
        if self._iterable:
            count = len(self.dataset)
            if self.batch_size is None:
                return count
            full, rest = divmod(count, self.batch_size)
            return full + (1 if rest and not self.drop_last else 0)
        if self._batching:
            return len(self.batch_sampler)
        return len(self.sampler)


# Dataset and Sampler are re-exported here for code that imports them from this module.
__all__ += ["Dataset", "Sampler"]
