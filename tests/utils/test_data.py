"""minigrad.utils.data against torch.utils.data: batches, collation, samplers, splits;
shuffles that mg.manual_seed and generator= make reproducible; bad arguments.
"""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)
from tests.helpers import assert_raises_with


def _pair(lib, size=10):  # type: ignore[no-untyped-def]
    features = np.arange(size * 3, dtype=np.float64).reshape(size, 3)
    return lib.utils.data.TensorDataset(lib.tensor(features), lib.tensor(np.arange(size) % 3))


def _as_plain(value):  # type: ignore[no-untyped-def]
    """A batch as nested Python values with each array's dtype name and contents."""
    if hasattr(value, "numpy") and hasattr(value, "shape"):
        array = value.detach().numpy() if hasattr(value, "detach") else value.numpy()
        return ("array", str(array.dtype), array.shape, array.tolist())
    if isinstance(value, dict):
        return {key: _as_plain(item) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [_as_plain(item) for item in value])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_as_plain(item) for item in value])
    return value


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"batch_size": 3},
        {"batch_size": 3, "drop_last": True},
        {"batch_size": 10},
        {"batch_size": None},
    ],
)
def test_unshuffled_batches_match_torch(torch, options):
    import torch.utils.data  # noqa: F401 - torch.utils.data is a submodule

    loader = DataLoader(_pair(mg), **options)
    twin = torch.utils.data.DataLoader(_pair(torch), **options)
    assert len(loader) == len(twin)
    assert [_as_plain(b) for b in loader] == [_as_plain(b) for b in twin]


Point = collections.namedtuple("Point", ["x", "y"])


@pytest.mark.parametrize(
    "samples",
    [
        [1.5, 2.5],
        [1, 2, 3],
        [True, False],
        ["a", "b"],
        [np.float32(1.0), np.float32(2.0)],
        [np.arange(3.0), np.arange(3.0) + 1],
        [np.arange(2, dtype=np.int64), np.arange(2, dtype=np.int64)],
        [(1, 2.0, "a"), (3, 4.0, "b")],
        [[1, 2], [3, 4]],
        [{"x": np.ones(2), "y": 1}, {"x": np.zeros(2), "y": 0}],
        [Point(1.0, 2), Point(3.0, 4)],
        [{"nested": [(1, 2.0)]}, {"nested": [(3, 4.0)]}],
    ],
)
def test_default_collate_matches_torch(torch, samples):
    from torch.utils.data import default_collate as torch_collate

    assert _as_plain(default_collate(samples)) == _as_plain(torch_collate(samples))


def test_default_collate_stacks_tensors_and_refuses_what_torch_refuses(torch):
    from torch.utils.data import default_collate as torch_collate

    batch = default_collate([mg.ones(2, 3), mg.zeros(2, 3)])
    assert batch.shape == (2, 2, 3) and batch.dtype == mg.float32
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError):
        torch_collate([[1, 2], [3]])
    for bad in ([object(), object()], [np.array(["a"]), np.array(["b"])]):
        with pytest.raises(TypeError):
            torch_collate(bad)
        with assert_raises_with(TypeError, "default_collate"):
            default_collate(bad)


def test_default_convert_matches_torch(torch):
    from torch.utils.data import default_convert as torch_convert

    sample = {"x": np.arange(3.0), "y": (np.int64(2), "label"), "z": [np.ones(2)]}
    assert _as_plain(default_convert(sample)) == _as_plain(torch_convert(sample))


def _orders(loader):  # type: ignore[no-untyped-def]
    return [labels.tolist() for (labels,) in loader]


def test_shuffle_is_fixed_by_manual_seed_and_new_each_epoch():
    dataset = TensorDataset(mg.arange(20))
    mg.manual_seed(3)
    loader = DataLoader(dataset, batch_size=5, shuffle=True)
    first, second = _orders(loader), _orders(loader)
    mg.manual_seed(3)
    again = DataLoader(dataset, batch_size=5, shuffle=True)
    assert _orders(again) == first and _orders(again) == second
    assert first != second  # a new order each pass
    for order in (first, second):
        assert sorted(sum(order, [])) == list(range(20))
    mg.manual_seed(4)
    assert _orders(DataLoader(dataset, batch_size=5, shuffle=True)) != first


def test_shuffle_with_a_generator_ignores_the_global_seed():
    dataset = TensorDataset(mg.arange(12))
    runs = []
    for seed in (0, 1):
        mg.manual_seed(seed)
        generator = mg.Generator().manual_seed(7)
        loader = DataLoader(dataset, batch_size=4, shuffle=True, generator=generator)
        runs.append((_orders(loader), _orders(loader)))
    assert runs[0] == runs[1] and runs[0][0] != runs[0][1]
    assert mg.Generator().manual_seed(7).initial_seed() == 7
    assert mg.Generator().initial_seed() == 67280421310721


def test_samplers_and_batch_samplers_match_torch(torch):
    from torch.utils.data import BatchSampler as TorchBatchSampler
    from torch.utils.data import SequentialSampler as TorchSequential

    for drop_last in (False, True):
        mine = BatchSampler(SequentialSampler(range(7)), 3, drop_last)
        theirs = TorchBatchSampler(TorchSequential(range(7)), 3, drop_last)
        assert list(mine) == list(theirs) and len(mine) == len(theirs)
    dataset = _pair(mg)
    loader = DataLoader(dataset, batch_sampler=[[0, 5], [9, 1, 2]])
    assert [labels.tolist() for _, labels in loader] == [[0, 2], [0, 1, 2]]
    loader = DataLoader(dataset, sampler=[3, 1], batch_size=2)
    assert [labels.tolist() for _, labels in loader] == [[0, 1]]
    sampler = RandomSampler(range(5), replacement=True, num_samples=12, generator=mg.Generator())
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 12 and set(drawn) <= set(range(5))
    more = list(RandomSampler(range(4), num_samples=10, generator=mg.Generator()))
    assert len(more) == 10 and sorted(more[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    subset = list(SubsetRandomSampler([4, 8, 15], generator=mg.Generator()))
    assert sorted(subset) == [4, 8, 15]


def test_datasets_subsets_and_concatenation():
    dataset = _pair(mg)
    assert len(dataset) == 10 and dataset[4][1].item() == 1
    subset = Subset(dataset, [9, 2])
    assert len(subset) == 2 and subset[0][1].item() == 0
    assert [labels.tolist() for _, labels in DataLoader(subset, batch_size=2)] == [[0, 2]]
    both = dataset + subset
    assert isinstance(both, ConcatDataset) and len(both) == 12
    assert both[11][1].item() == 2 and both[-1][1].item() == 2
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_random_split_lengths_match_torch_and_are_reproducible(torch):
    from torch.utils.data import random_split as torch_split

    dataset = _pair(mg, size=11)
    for lengths in ([0.5, 0.3, 0.2], [3, 8], [1.0], [0.25, 0.25, 0.25, 0.25]):
        parts = random_split(dataset, lengths, generator=mg.Generator().manual_seed(1))
        twins = torch_split(range(11), lengths, generator=torch.Generator().manual_seed(1))
        assert [len(p) for p in parts] == [len(t) for t in twins]
        assert sorted(sum((list(p.indices) for p in parts), [])) == list(range(11))
    again = random_split(dataset, [3, 8], generator=mg.Generator().manual_seed(1))
    assert (
        again[0].indices == random_split(dataset, [3, 8], mg.Generator().manual_seed(1))[0].indices
    )
    mg.manual_seed(5)
    first = random_split(dataset, [5, 6])[0].indices
    mg.manual_seed(5)
    assert random_split(dataset, [5, 6])[0].indices == first
    with assert_raises_with(ValueError, "random_split", "lengths", "sum 10"):
        random_split(dataset, [4, 6])
    with assert_raises_with(ValueError, "lengths[0]", "-1"):
        random_split(dataset, [-1, 12])
    with pytest.warns(UserWarning, match="empty"):
        random_split(_pair(mg, size=2), [0.1, 0.1, 0.8])


class _Stream(IterableDataset):
    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(range(7))

    def __len__(self) -> int:
        return 7


def test_iterable_datasets_batch_in_their_own_order(torch):
    from torch.utils.data import DataLoader as TorchLoader
    from torch.utils.data import IterableDataset as TorchIterable

    class TorchStream(TorchIterable):
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(range(7))

    for options in ({"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}):
        mine = [_as_plain(b) for b in DataLoader(_Stream(), **options)]
        assert mine == [_as_plain(b) for b in TorchLoader(TorchStream(), **options)]
    with assert_raises_with(ValueError, "shuffle"):
        DataLoader(_Stream(), shuffle=True)


def test_workers_run_in_process_with_the_same_batches():
    called = []
    dataset = _pair(mg)
    plain = [_as_plain(b) for b in DataLoader(dataset, batch_size=4)]
    loader = DataLoader(
        dataset,
        batch_size=4,
        num_workers=3,
        pin_memory=True,
        prefetch_factor=2,
        persistent_workers=True,
        worker_init_fn=called.append,
    )
    assert [_as_plain(b) for b in loader] == plain and called == [0]
    assert get_worker_info() is None


def test_a_collate_fn_is_used():
    loader = DataLoader(_pair(mg), batch_size=4, collate_fn=len)
    assert list(loader) == [4, 4, 2]


@pytest.mark.parametrize(
    "options, error, shown",
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"num_workers": -1}, ValueError, "num_workers"),
        ({"prefetch_factor": 2}, ValueError, "prefetch_factor"),
        ({"persistent_workers": True}, ValueError, "persistent_workers"),
        ({"sampler": [0, 1], "shuffle": True}, ValueError, "sampler"),
        ({"batch_sampler": [[0]], "batch_size": 2}, ValueError, "batch_sampler"),
        ({"batch_size": None, "drop_last": True}, ValueError, "drop_last"),
        ({"timeout": -1}, ValueError, "timeout"),
    ],
)
def test_bad_loader_arguments_are_refused_as_torch_refuses_them(torch, options, error, shown):
    from torch.utils.data import DataLoader as TorchLoader

    with assert_raises_with(error, "DataLoader", shown):
        DataLoader(_pair(mg), **options)
    with pytest.raises(ValueError):
        TorchLoader(_pair(torch), **options)


def test_other_bad_arguments():
    with assert_raises_with(ValueError, "TensorDataset", "sizes [3, 2]"):
        TensorDataset(mg.zeros(3), mg.zeros(2))
    with assert_raises_with(TypeError, "TensorDataset", "tensors[0]", "list"):
        TensorDataset([1, 2])
    with assert_raises_with(TypeError, "DataLoader", "generator"):
        DataLoader(_pair(mg), shuffle=True, generator=np.random.default_rng(0))
    with assert_raises_with(TypeError, "DataLoader", "dataset", "int"):
        DataLoader(3)
    with assert_raises_with(ValueError, "BatchSampler", "batch_size"):
        BatchSampler(range(3), 0, False)
    with assert_raises_with(TypeError, "manual_seed", "str"):
        mg.Generator().manual_seed("1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(DataLoader(_pair(mg), batch_size=3, shuffle=True))
