"""The JSON layout of a nested object: ``_encode`` for save, ``_StructureReader`` for load.

Both keep dicts, lists and tuples within [`MAX_DEPTH`][] levels.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.serialization._errors import SerializationError, _error
from minigrad.tensor import Tensor

STRUCTURE_KEY = "__minigrad_structure__"
# Dicts, lists and tuples nest at most this deep (the top-level dict is level 1). An
# optimiser state dict needs 4; the limit keeps a hostile file from exhausting the stack.
MAX_DEPTH = 64
"""How deep ``save`` and ``load`` nest dicts, lists and tuples (the top-level dict is
level 1); deeper is refused with a SerializationError.
"""
# One nested level is at most three JSON levels ({"dict": [[key, item]]}), plus the leaf.
_MAX_JSON_DEPTH = 3 * MAX_DEPTH + 1


def _is_array(value: Any) -> bool:
    return isinstance(value, Tensor | np.ndarray)


def _array(value: Any, key: str) -> np.ndarray:
    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"save: {key!r}: expected a numeric array, got dtype {array.dtype} (only arrays "
            "that need no pickle can be saved)"
        )
    return array


def refuse_whole_object(value: Any, where: str) -> None:
    """Refuse a module or an optimiser (anything with a ``state_dict`` method): storing
    it whole would take pickle, and rebuilding it would run its class's code.
    """
    if isinstance(value, dict) or not callable(getattr(type(value), "state_dict", None)):
        return
    name = type(value).__name__
    raise TypeError(
        f"save: {where}: cannot save a whole {name} object; minigrad files hold no pickle "
        f"and no code. Save its state_dict() instead (mg.save(obj.state_dict(), f)), "
        f"then build the {name} again and call load_state_dict(mg.load(f))"
    )


def _encode(value: Any, path: list[str], arrays: dict[str, np.ndarray], depth: int) -> Any:
    """A JSON-able description of ``value``; arrays go into ``arrays`` by key path."""
    where = "/".join(path) or "obj"
    refuse_whole_object(value, repr(where))
    if _is_array(value):
        if where in arrays:
            raise ValueError(f"save: two entries map to the same key {where!r}")
        arrays[where] = _array(value, where)
        kind = "tensor" if isinstance(value, Tensor) else "array"
        return {kind: where}
    if isinstance(value, dict | list | tuple) and depth > MAX_DEPTH:
        raise ValueError(
            f"save: {where!r}: dicts, lists and tuples nest more than {MAX_DEPTH} levels deep "
            "here (a reference cycle?); load would refuse the file"
        )
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"save: {where!r}: expected str or int keys, got {key!r}")
            items.append([key, _encode(item, [*path, str(key)], arrays, depth + 1)])
        return {"dict": items}
    if isinstance(value, list | tuple):
        kind = "list" if isinstance(value, list) else "tuple"
        body = [_encode(item, [*path, str(i)], arrays, depth + 1) for i, item in enumerate(value)]
        return {kind: body}
    if value is None or isinstance(value, bool | int | float | str):
        return {"value": value}
    if isinstance(value, np.generic):
        return {"value": value.item()}
    raise TypeError(
        f"save: {where!r}: cannot store a {type(value).__name__} without pickle; expected "
        "tensors, arrays, numbers, strings, None, lists, tuples or dicts"
    )


class _StructureReader:
    """Rebuilds a saved object from its JSON layout, checking every node on the way."""

    def __init__(self, arrays: dict[str, np.ndarray], name: str) -> None:
        self.text = str(arrays.pop(STRUCTURE_KEY)[()])
        self.arrays = arrays
        self.name = name
        self.used: set[str] = set()

    def read_all(self) -> Any:
        if _nests_deeper(self.text, _MAX_JSON_DEPTH):
            raise self._fail(f"it is nested deeper than {MAX_DEPTH} levels")
        try:
            structure = json.loads(self.text)
        except ValueError as error:  # json.JSONDecodeError, or an int of too many digits
            raise self._fail(f"it is not valid JSON ({error})") from None
        if not (isinstance(structure, dict) and "dict" in structure):
            raise self._fail("expected a dict at the top")
        obj = self.read(structure, depth=1)
        unused = sorted(self.arrays.keys() - self.used)
        if unused:
            raise self._fail(f"the arrays {unused} are not part of it")
        return obj

    def read(self, node: Any, depth: int) -> Any:
        if not (isinstance(node, dict) and len(node) == 1):
            raise self._fail(f"expected an object with one key, got {_preview(node)}")
        ((kind, body),) = node.items()
        if kind in ("tensor", "array"):
            return self._array(kind, body)
        if kind == "value":
            if body is not None and not isinstance(body, bool | int | float | str):
                raise self._fail(f"expected a number, string or null, got {_preview(body)}")
            return body
        if kind not in ("dict", "list", "tuple"):
            raise self._fail(f"unknown entry kind {_preview(kind)}")
        if depth > MAX_DEPTH:
            raise self._fail(f"it is nested deeper than {MAX_DEPTH} levels")
        if not isinstance(body, list):
            raise self._fail(f"expected a list for a {kind}, got {_preview(body)}")
        if kind == "dict":
            return self._dict(body, depth)
        items = [self.read(item, depth + 1) for item in body]
        return items if kind == "list" else tuple(items)

    def _dict(self, body: list[Any], depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self._fail(f"expected a [key, value] pair, got {_preview(pair)}")
            key, item = pair
            if isinstance(key, bool) or not isinstance(key, str | int) or key in result:
                raise self._fail(f"a dict key must be a new str or int, got {_preview(key)}")
            result[key] = self.read(item, depth + 1)
        return result

    def _array(self, kind: str, key: Any) -> Any:
        if not isinstance(key, str) or key not in self.arrays:
            raise self._fail(f"the array {_preview(key)} is missing")
        if key in self.used:
            raise self._fail(f"the array {key!r} is used twice")
        self.used.add(key)
        array = self.arrays[key]
        return _tensor(array, key, self.name) if kind == "tensor" else array

    def _fail(self, problem: str) -> SerializationError:
        return _error(self.name, f"malformed structure entry {STRUCTURE_KEY!r}: {problem}")


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _nests_deeper(text: str, limit: int) -> bool:
    """Whether JSON ``text`` nests deeper than ``limit``, found without parsing it."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _tensor(array: np.ndarray, key: str, name: str) -> Tensor:
    try:
        dtypes.as_dtype(array.dtype)
    except TypeError:
        raise _error(
            name,
            f"entry {key!r} has dtype {array.dtype}; expected one of "
            f"{', '.join(str(d) for d in dtypes.SUPPORTED_DTYPES)}",
        ) from None
    return Tensor._wrap(array)
