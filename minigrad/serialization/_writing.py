"""``save``: a state dict to an ``.npz`` archive, written atomically."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import stat
import zipfile
from typing import Any

import numpy as np

from minigrad.serialization._archive import _is_member_key
from minigrad.serialization._structure import STRUCTURE_KEY, _array, _encode, _is_array

# A fixed timestamp, so saving the same object twice gives the same bytes.
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write a state dict (name -> Tensor or array), or a nested dict of them, to
    ``path`` as an ``.npz`` archive (exactly at ``path``: no suffix is added).

    The write is atomic: a temporary file in the same directory is written, fsynced
    and renamed over ``path``, so an existing file at ``path`` is replaced whole or
    not at all (see the package docstring). The new file keeps an existing file's
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
