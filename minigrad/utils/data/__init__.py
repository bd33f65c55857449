"""Datasets and data loaders, as ``torch.utils.data``.

>>> import minigrad as mg
>>> from minigrad.utils.data import DataLoader, TensorDataset
>>> dataset = TensorDataset(mg.arange(6.0).reshape(3, 2), mg.tensor([0, 1, 0]))
>>> loader = DataLoader(dataset, batch_size=2)
>>> tuple(tuple(labels.tolist()) for _, labels in loader)
((0, 1), (0,))
"""

from minigrad.utils.data.collate import default_collate, default_convert
from minigrad.utils.data.dataloader import DataLoader, get_worker_info
from minigrad.utils.data.dataset import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from minigrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
