"""Reading an ``.npz`` archive that trusts nothing, and what may name its members.

The zip directory and every member's ``.npy`` header are checked against each other
and against the file's size before any array data is read.
"""

from __future__ import annotations

import io
import math
import os
import struct
import zipfile
import zlib
from typing import IO, Any

import numpy as np

from minigrad.serialization._errors import SerializationError, _error
from minigrad.serialization._structure import STRUCTURE_KEY

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
