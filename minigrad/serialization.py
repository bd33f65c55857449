"""``save`` and ``load``: state dicts (and optimiser state dicts) as ``.npz`` files.

The file is a plain numpy ``.npz`` archive, written and read without pickle:

* each array is stored under its key path (``"0.weight"`` for a model state dict,
  ``"state/0/exp_avg"`` inside an optimiser's), so ``np.load`` reads it too;
* a nested object (an optimiser state dict with its numbers, tuples and integer
  keys) also stores its layout as JSON text under ``__minigrad_structure__``.

Loading uses ``np.load(..., allow_pickle=False)``: object arrays and pickled files
are refused, so a file can never run code.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.tensor import Tensor

__all__ = ["load", "save"]

STRUCTURE_KEY = "__minigrad_structure__"
# A fixed timestamp, so saving the same object twice gives the same bytes.
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write a state dict (name -> Tensor or array), or a nested dict of them, to
    ``path`` as an ``.npz`` archive (exactly at ``path``: no suffix is added).

    Args:
        obj: a mapping from str to Tensors / numpy arrays, optionally nested with
            dicts, lists, tuples, ints, floats, bools, strings and None (as in an
            optimiser's ``state_dict()``).
        path: the file to write.

    Raises:
        TypeError: for a value that cannot be stored without pickle, naming its key.

    >>> import minigrad as mg, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> mg.save(mg.nn.Linear(2, 3).state_dict(), path)
    >>> sorted(mg.load(path))
    ['bias', 'weight']
    """
    if not isinstance(obj, dict):
        raise TypeError(f"save: obj: expected a dict (a state dict), got {type(obj).__name__}")
    arrays: dict[str, np.ndarray] = {}
    flat = all(isinstance(k, str) and _is_array(v) for k, v in obj.items())
    if STRUCTURE_KEY in obj:
        raise ValueError(f"save: obj: the key {STRUCTURE_KEY!r} is reserved")
    if flat:
        for key, value in obj.items():
            arrays[key] = _array(value, key)
    else:
        structure = _encode(obj, [], arrays)
        arrays[STRUCTURE_KEY] = np.array(json.dumps(structure))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=_TIMESTAMP)
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(path: str | os.PathLike[str]) -> Any:
    """Read a file written by :func:`save` (or any ``.npz`` of numeric arrays).

    Returns:
        An ordered dict of name -> Tensor for a state dict; the nested object, with
        Tensors for its arrays, for a file that stores a structure.

    Raises:
        ValueError: for a file that is not an ``.npz`` of plain arrays (a pickle,
            object arrays, unsupported dtypes), naming the offending entry.
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as error:
        raise ValueError(
            f"load: {os.fspath(path)!r} is not an .npz archive of plain arrays (pickled data "
            f"is refused: {error})"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load: {os.fspath(path)!r}: expected an .npz archive, got a single .npy array"
        )
    with archive:
        arrays: dict[str, np.ndarray] = {}
        for key in archive.files:
            try:
                arrays[key] = archive[key]
            except ValueError as error:
                raise ValueError(
                    f"load: entry {key!r} of {os.fspath(path)!r} cannot be read without "
                    f"pickle ({error}); object arrays are refused"
                ) from None
    if STRUCTURE_KEY in arrays:
        structure = json.loads(str(arrays.pop(STRUCTURE_KEY)))
        return _decode(structure, arrays, path)
    return OrderedDict((key, _tensor(array, key, path)) for key, array in arrays.items())


def _is_array(value: Any) -> bool:
    return isinstance(value, Tensor | np.ndarray)


def _array(value: Any, key: str) -> np.ndarray:
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"save: {key!r}: expected a numeric array, got dtype {array.dtype} (only arrays "
            "that need no pickle can be saved)"
        )
    return array


def _encode(value: Any, path: list[str], arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able description of ``value``; arrays go into ``arrays`` by key path."""
    where = "/".join(path) or "obj"
    if _is_array(value):
        if where in arrays:
            raise ValueError(f"save: two entries map to the same key {where!r}")
        arrays[where] = _array(value, where)
        kind = "tensor" if isinstance(value, Tensor) else "array"
        return {kind: where}
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"save: {where!r}: expected str or int keys, got {key!r}")
            items.append([key, _encode(item, [*path, str(key)], arrays)])
        return {"dict": items}
    if isinstance(value, list | tuple):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(item, [*path, str(i)], arrays) for i, item in enumerate(value)]}
    if value is None or isinstance(value, bool | int | float | str):
        return {"value": value}
    if isinstance(value, np.generic):
        return {"value": value.item()}
    raise TypeError(
        f"save: {where!r}: cannot store a {type(value).__name__} without pickle; expected "
        "tensors, arrays, numbers, strings, None, lists, tuples or dicts"
    )


def _decode(structure: Any, arrays: dict[str, np.ndarray], path: Any) -> Any:
    if not isinstance(structure, dict) or len(structure) != 1:
        raise ValueError(f"load: {os.fspath(path)!r}: malformed structure entry")
    ((kind, body),) = structure.items()
    if kind in ("tensor", "array"):
        if body not in arrays:
            raise ValueError(f"load: {os.fspath(path)!r}: the array {body!r} is missing")
        if kind == "array":
            return arrays[body]
        return _tensor(arrays[body], body, path)
    if kind == "dict":
        return {key: _decode(item, arrays, path) for key, item in body}
    if kind == "list":
        return [_decode(item, arrays, path) for item in body]
    if kind == "tuple":
        return tuple(_decode(item, arrays, path) for item in body)
    if kind == "value":
        return body
    raise ValueError(f"load: {os.fspath(path)!r}: unknown entry kind {kind!r}")


def _tensor(array: np.ndarray, key: str, path: Any) -> Tensor:
    try:
        dtypes.as_dtype(array.dtype)
    except TypeError:
        raise ValueError(
            f"load: entry {key!r} of {os.fspath(path)!r} has dtype {array.dtype}; expected one "
            f"of {', '.join(str(d) for d in dtypes.SUPPORTED_DTYPES)}"
        ) from None
    return Tensor._wrap(array)
