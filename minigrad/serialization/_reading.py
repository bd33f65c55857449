"""``load``: an ``.npz`` archive back to a state dict of Tensors, or a nested object."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from minigrad.devices import DeviceError, as_device, device
from minigrad.serialization._archive import _read_archive
from minigrad.serialization._structure import STRUCTURE_KEY, _StructureReader, _tensor
from minigrad.serialization._writing import check_flag, check_path

# The keyword arguments PyTorch hands on to pickle's loader: accepted, and ignored.
_PICKLE_LOAD_ARGS = frozenset({"encoding", "errors", "fix_imports"})


def load(
    f: str | os.PathLike[str],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Read a file written by [`save`][] (or any ``.npz`` of numeric arrays).

    PyTorch's keywords are accepted, so ``torch.load(path, map_location=device)``
    ports unchanged. ``map_location`` may be the CPU (``"cpu"``, ``mg.device("cpu")``),
    a dict whose values name the CPU (``{"cuda:0": "cpu"}``), or a function of
    ``(storage, location)`` that returns the storage or None (``lambda storage, loc:
    storage``); any other device raises ``DeviceError``, since everything loads onto
    the CPU. ``pickle_module``, ``weights_only`` (nothing but arrays and plain values
    is ever read, as ``weights_only=True`` promises), ``mmap`` and the pickle options
    ``encoding``, ``errors`` and ``fix_imports`` concern only PyTorch's pickle format
    and are ignored: no pickle is ever read.

    Every member must be an ``.npy`` array of a plain numeric dtype, whose header
    fits the member's size; the members must fit the file, and their CRCs must
    match. Files from ``np.savez`` and ``np.savez_compressed`` load unchanged.

    Args:
        f: the file to read (a path).
        map_location: where tensors go: the CPU, in one of the forms above.
        pickle_module: ignored.
        weights_only: None or a bool; ignored.
        mmap: None or a bool; ignored (the arrays are read into memory).
        pickle_load_args: ``encoding``, ``errors``, ``fix_imports``; ignored.

    Returns:
        An ordered dict of name -> Tensor for a state dict; the nested object, with
        Tensors for its arrays, for a file that stores a structure.

    Raises:
        SerializationError: (a ``ValueError``) for a file that is empty, truncated,
            corrupted or not an ``.npz`` of plain arrays: a pickle, a single ``.npy``,
            members that are not ``.npy`` arrays or are named twice, object arrays,
            unsupported dtypes, headers that do not fit their data, a malformed or too
            deeply nested structure entry. The message names the file and the problem.
        FileNotFoundError: when ``f`` does not exist (other ``OSError`` s from
            opening the file pass through too).
        DeviceError: for a ``map_location`` that names another device than the CPU.
        TypeError: for an argument of the wrong type, or another keyword argument.

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
    unknown = sorted(set(pickle_load_args) - _PICKLE_LOAD_ARGS)
    if unknown:
        raise TypeError(f"load: unexpected keyword arguments {unknown}")
    check_map_location(map_location)
    check_flag("load", "weights_only", weights_only, optional=True)
    check_flag("load", "mmap", mmap, optional=True)
    name = check_path("load", f)
    with open(name, "rb") as file:
        arrays = _read_archive(file, name)
    if STRUCTURE_KEY in arrays:
        return _StructureReader(arrays, name).read_all()
    return OrderedDict((key, _tensor(array, key, name)) for key, array in arrays.items())


class _Storage:
    """What a ``map_location`` function is tried on: it stays on the CPU."""

    def cpu(self) -> _Storage:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> _Storage:
        raise DeviceError(
            "load: map_location: minigrad loads onto the CPU only; the function moved the "
            "storage to a GPU (.cuda())"
        )

    def to(self, *args: Any, **kwargs: Any) -> _Storage:
        for value in [*args, kwargs.get("device")]:
            if isinstance(value, str | device | int) and not isinstance(value, bool):
                as_device(value, "load: map_location")
        return self


def check_map_location(map_location: Any) -> None:
    """PyTorch's ``map_location``, which must keep every tensor on the CPU."""
    argument = "load: map_location"
    if map_location is None:
        return
    if isinstance(map_location, Mapping):
        for source, target in map_location.items():
            if not isinstance(source, str):
                raise TypeError(f"{argument}: expected device names as keys, got {source!r}")
            as_device(target, f"{argument}[{source!r}]")
    elif isinstance(map_location, str | device | int):
        as_device(map_location, argument)
    elif callable(map_location):
        storage = _Storage()
        moved = map_location(storage, "cpu")
        if moved is not storage and moved is not None:
            raise DeviceError(
                f"{argument}: minigrad loads onto the CPU only, so the function must return "
                f"the storage it is given (or None), got {type(moved).__name__}"
            )
    else:
        raise TypeError(
            f"{argument}: expected None, a device, a dict of device names or a function, "
            f"got {type(map_location).__name__}"
        )
