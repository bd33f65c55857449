"""``save`` and ``load``: state dicts (and optimiser state dicts) as ``.npz`` files.

The file is a plain numpy ``.npz`` archive, written and read without pickle:

* each array is stored under its key path (``"0.weight"`` for a model state dict,
  ``"state/0/exp_avg"`` inside an optimiser's), so ``np.load`` reads it too;
* a nested object (an optimiser state dict with its numbers, tuples and integer
  keys) also stores its layout as JSON text under ``__minigrad_structure__``. It may
  nest dicts, lists and tuples at most :data:`MAX_DEPTH` levels deep.

Saving is atomic. The archive is written to a temporary file beside the target,
``.<name>.<8 hex digits>.tmp`` (hidden, and not ending in ``.npz``), flushed and
fsynced, then renamed over the target with ``os.replace``; on POSIX the directory is
fsynced after the rename, so the rename itself is durable. Whatever happens during a
save, the target holds either the old checkpoint or the new one, never a mix. A save
that fails with an exception removes its temporary file; a process killed outright
(SIGKILL, power loss) may leave it behind. Such a file is never read by ``load`` (it
is not at the target's path) and can be deleted.

Loading trusts nothing in the file. It reads the zip directory, then each member's
``.npy`` header, and checks them against each other and against the file's size
before it reads any array data, so a damaged or hostile file is refused quickly and
without allocating more than the file can hold. The zip CRC of every member is
verified, so flipped bits in the data are caught too. Every such problem raises
:class:`SerializationError` naming the file; nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from minigrad import dtypes
from minigrad.tensor import Tensor

__all__ = ["MAX_DEPTH", "SerializationError", "load", "save"]

STRUCTURE_KEY = "__minigrad_structure__"
# Dicts, lists and tuples nest at most this deep (the top-level dict is level 1). An
# optimiser state dict needs 4; the limit keeps a hostile file from exhausting the stack.
MAX_DEPTH = 64
# One nested level is at most three JSON levels ({"dict": [[key, item]]}), plus the leaf.
_MAX_JSON_DEPTH = 3 * MAX_DEPTH + 1
# A fixed timestamp, so saving the same object twice gives the same bytes.
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a first member, or an empty archive
_NPY_SIGNATURE = b"\x93NUMPY"
# Deflate cannot expand its input more than about 1032 times (258 bytes per 2 bits).
_DEFLATE_MAX_RATIO = 1032
# The longest .npy header text read (numpy's own limit for untrusted files).
_HEADER_LIMIT = 10_000
_MAX_DIMS = 64  # numpy's limit on the number of dimensions
_CHUNK = 1 << 24  # array data is read in 16 MiB pieces
# What zipfile, zlib and numpy's header parser raise for a damaged file.
_DAMAGE = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    struct.error,
    NotImplementedError,
    OverflowError,
)


class SerializationError(ValueError):
    """``mg.load`` refused a file: damaged, truncated, or not a minigrad / numpy ``.npz``.

    The message names the file and what is wrong with it.
    """


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write a state dict (name -> Tensor or array), or a nested dict of them, to
    ``path`` as an ``.npz`` archive (exactly at ``path``: no suffix is added).

    The write is atomic: a temporary file in the same directory is written, fsynced
    and renamed over ``path``, so an existing file at ``path`` is replaced whole or
    not at all (see the module docstring). The new file keeps an existing file's
    permission bits.

    Args:
        obj: a mapping from str to Tensors / numpy arrays, optionally nested with
            dicts, lists, tuples, ints, floats, bools, strings and None (as in an
            optimiser's ``state_dict()``), at most :data:`MAX_DEPTH` levels deep.
        path: the file to write.

    Raises:
        TypeError: for a value that cannot be stored without pickle, naming its key.
        ValueError: for a key that cannot name an archive member (empty, or with an
            empty, ``.`` or ``..`` part between slashes), or nesting deeper than
            :data:`MAX_DEPTH`, naming the key path.
        OSError: when the file cannot be written (``PermissionError`` for a read-only
            file at ``path``); ``path`` is then left as it was.

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
        structure = _encode(obj, [], arrays, depth=1)
        arrays[STRUCTURE_KEY] = np.array(json.dumps(structure))
    for key in arrays:
        if not _is_member_key(key):
            raise ValueError(
                f"save: {key!r}: cannot name an archive member (expected a non-empty key "
                "without empty, '.' or '..' parts between slashes, backslashes or NUL)"
            )
    _write_atomically(arrays, os.path.realpath(os.fsdecode(path)))


def _write_atomically(arrays: dict[str, np.ndarray], target: str) -> None:
    directory, name = os.path.split(target)
    if os.path.exists(target) and not os.access(target, os.W_OK):
        # Writing in place would fail; a rename would silently replace a read-only file.
        raise PermissionError(errno.EACCES, "save: the file is read-only", target)
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse a file someone else made; 0o666: the umask applies, as for open().
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
                for key, array in arrays.items():
                    info = zipfile.ZipInfo(key + ".npy", date_time=_TIMESTAMP)
                    with archive.open(info, "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if os.name == "posix":
        # The rename is durable once the directory is synced. The checkpoint is already
        # in place, so a file system that cannot sync a directory is not an error.
        with contextlib.suppress(OSError):
            directory_descriptor = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(directory_descriptor)
            finally:
                os.close(directory_descriptor)


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


def _error(name: str, problem: str) -> SerializationError:
    return SerializationError(f"load: {name!r}: {problem}")


def _read_archive(file: IO[bytes], name: str) -> dict[str, np.ndarray]:
    size = os.fstat(file.fileno()).st_size
    if size == 0:
        raise _error(name, "the file is empty (0 bytes)")
    signature = file.read(len(_NPY_SIGNATURE))
    file.seek(0)
    if signature.startswith(_NPY_SIGNATURE):
        raise _error(name, "expected an .npz archive, got a single .npy array")
    if not signature.startswith(_ZIP_SIGNATURES):
        kind = "a pickle, which is never loaded" if signature[:1] == b"\x80" else "another format"
        raise _error(name, f"not an .npz archive (no zip signature at the start; {kind})")
    try:
        archive = zipfile.ZipFile(file)
        declared = _declared_member_count(file, size, len(archive.comment))
    except _DAMAGE as error:
        raise _error(
            name, f"not a readable zip archive, truncated or corrupted ({error})"
        ) from None
    with archive:
        infos = archive.infolist()
        if declared != len(infos):
            # zipfile stops at the directory's byte size, so a damaged length field in one
            # entry can hide the entries after it.
            raise _error(
                name,
                f"the zip directory lists {len(infos)} of the {declared} members that its "
                "end record declares",
            )
        _check_directory(infos, archive.start_dir, name)
        return {info.filename[:-4]: _read_member(archive, info, name) for info in infos}


def _declared_member_count(file: IO[bytes], size: int, comment_size: int) -> int:
    """The member count in the end-of-directory record (zip64's when it is a zip64 file)."""
    end = size - 22 - comment_size  # the record is 22 bytes, then the archive's comment
    file.seek(end)
    record = file.read(22)
    if record[:4] != b"PK\x05\x06":
        raise ValueError("the end-of-directory record is not at the end of the file")
    count = int.from_bytes(record[10:12], "little")
    if count != 0xFFFF:
        return count
    file.seek(end - 20)  # the zip64 locator: the zip64 record's offset at bytes 8-16
    file.seek(int.from_bytes(file.read(20)[8:16], "little"))
    return int.from_bytes(file.read(56)[32:40], "little")


def _check_directory(infos: list[zipfile.ZipInfo], directory_start: int, name: str) -> None:
    """The zip directory, before any member is opened: names, methods and sizes."""
    seen = set()
    for info in infos:
        member = info.orig_filename
        if not member.endswith(".npy") or not _is_member_key(member[:-4]):
            raise _error(
                name,
                f"member {member!r} is not an array entry ('<key>.npy', the key without "
                "empty, '.' or '..' parts between slashes)",
            )
        if member in seen:
            raise _error(name, f"member {member!r} appears twice")
        seen.add(member)
        if info.flag_bits & 0x1:
            raise _error(name, f"member {member!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _error(name, f"member {member!r} uses zip compression {info.compress_type}")
        stored = info.compress_type == zipfile.ZIP_STORED
        limit = info.compress_size * (1 if stored else _DEFLATE_MAX_RATIO)
        if info.file_size > limit or (stored and info.file_size != info.compress_size):
            raise _error(
                name,
                f"member {member!r} claims {info.file_size} bytes from {info.compress_size} "
                "stored bytes, which is impossible",
            )
    # Members lie one after another, before the directory: their data cannot overlap
    # nor run past the file, so all of it together is at most the file's size.
    ordered = sorted(infos, key=lambda info: info.header_offset)
    ends = [info.header_offset for info in ordered[1:]] + [directory_start]
    for info, end in zip(ordered, ends):
        if info.header_offset + info.compress_size > end:
            raise _error(
                name,
                f"member {info.orig_filename!r} ({info.compress_size} bytes at offset "
                f"{info.header_offset}) overlaps the next member or runs past the file",
            )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    key = info.filename[:-4]
    try:
        with archive.open(info) as member:
            shape, fortran_order, dtype, header_size = _read_header(member)
            _check_header(key, shape, dtype, info.file_size - header_size, name)
            buffer = _read_data(member, dtype.itemsize * math.prod(shape))
    except SerializationError:
        raise
    except _DAMAGE as error:
        raise _error(name, f"entry {key!r} is damaged ({error})") from None
    array = np.frombuffer(buffer, dtype=dtype)
    return array.reshape(shape, order="F" if fortran_order else "C")


def _read_data(member: IO[bytes], size: int) -> bytearray:
    """The ``size`` bytes left in ``member``, read piece by piece into one buffer."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    position = 0
    while position < size:
        piece = member.read(min(_CHUNK, size - position))
        if not piece:
            raise EOFError("the data ends early")
        view[position : position + len(piece)] = piece
        position += len(piece)
    if member.read(1):  # reading to the end is also what makes zipfile check the CRC
        raise ValueError("bytes after the array data")
    return buffer


def _read_header(member: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Shape, Fortran order, dtype and size of the .npy header, reading no byte past it."""
    start = member.read(len(_NPY_SIGNATURE) + 2)  # the magic string and the version
    version = np.lib.format.read_magic(io.BytesIO(start))
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f".npy format version {version} is not supported")
    length_field = member.read(2 if version == (1, 0) else 4)
    length = int.from_bytes(length_field, "little")
    if length > _HEADER_LIMIT:
        raise ValueError(f"its .npy header claims {length} bytes, more than {_HEADER_LIMIT}")
    head = io.BytesIO(start + length_field + member.read(length))
    head.seek(len(start))  # numpy's header readers start after the magic string
    if version == (1, 0):
        header = np.lib.format.read_array_header_1_0(head, max_header_size=_HEADER_LIMIT)
    else:
        header = np.lib.format.read_array_header_2_0(head, max_header_size=_HEADER_LIMIT)
    shape, fortran_order, dtype = header
    return shape, fortran_order, dtype, head.tell()


def _check_header(
    key: str, shape: tuple[int, ...], dtype: np.dtype[Any], data_size: int, name: str
) -> None:
    """A member's header against what it must be, and against its size in the directory."""
    where = f"entry {key!r}"
    if dtype.hasobject:
        raise _error(name, f"{where} has dtype object; object arrays are pickles, never loaded")
    if key == STRUCTURE_KEY:
        if dtype.kind != "U" or shape != ():
            raise _error(name, f"the structure entry is a {dtype} array of shape {shape}")
    elif dtype.kind not in "fiub" or dtype.fields is not None:
        raise _error(name, f"{where} has dtype {dtype}; expected a plain numeric dtype")
    if len(shape) > _MAX_DIMS or any(size < 0 for size in shape):
        raise _error(name, f"{where} has an impossible shape {shape}")
    expected = dtype.itemsize * math.prod(shape)
    if expected != data_size:
        raise _error(
            name,
            f"{where}: its header declares shape {shape} of {dtype} ({expected} bytes), but "
            f"the member holds {data_size} bytes of data",
        )


def _is_member_key(key: str) -> bool:
    """Whether ``key`` can name a member: slashes separate parts, none empty, . or .."""
    if "\\" in key or "\x00" in key:
        return False
    return all(part not in ("", ".", "..") for part in key.split("/"))


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


def _encode(value: Any, path: list[str], arrays: dict[str, np.ndarray], depth: int) -> Any:
    """A JSON-able description of ``value``; arrays go into ``arrays`` by key path."""
    where = "/".join(path) or "obj"
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
