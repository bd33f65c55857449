"""``load``: an ``.npz`` archive back to a state dict of Tensors, or a nested object."""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any

from minigrad.serialization._archive import _read_archive
from minigrad.serialization._structure import STRUCTURE_KEY, _StructureReader, _tensor


def load(path: str | os.PathLike[str]) -> Any:
    """Read a file written by :func:`save` (or any ``.npz`` of numeric arrays).

    Every member must be an ``.npy`` array of a plain numeric dtype, whose header
    fits the member's size; the members must fit the file, and their CRCs must
    match. Files from ``np.savez`` and ``np.savez_compressed`` load unchanged.

    Args:
        path: the file to read.

    Returns:
        An ordered dict of name -> Tensor for a state dict; the nested object, with
        Tensors for its arrays, for a file that stores a structure.

    Raises:
        SerializationError: (a ``ValueError``) for a file that is empty, truncated,
            corrupted or not an ``.npz`` of plain arrays: a pickle, a single ``.npy``,
            members that are not ``.npy`` arrays or are named twice, object arrays,
            unsupported dtypes, headers that do not fit their data, a malformed or too
            deeply nested structure entry. The message names the file and the problem.
        FileNotFoundError: when ``path`` does not exist (other ``OSError`` s from
            opening the file pass through too).

    >>> import minigrad as mg, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> mg.save({"weight": mg.ones(2)}, path)
    >>> mg.load(path)["weight"]
    tensor([1., 1.])
    >>> with open(path, "r+b") as file:  # cut the file short, as a full disk might
    ...     _ = file.truncate(100)
    >>> mg.load(path)
    Traceback (most recent call last):
    ...
    minigrad.serialization.SerializationError: load: '...': not a readable zip archive, ...
    """
    name = os.fsdecode(path)
    with open(name, "rb") as file:
        arrays = _read_archive(file, name)
    if STRUCTURE_KEY in arrays:
        return _StructureReader(arrays, name).read_all()
    return OrderedDict((key, _tensor(array, key, name)) for key, array in arrays.items())
