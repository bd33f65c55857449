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
from minigrad.serialization._structure import (
    STRUCTURE_KEY,
    _array,
    _encode,
    _is_array,
    refuse_whole_object,
)

# A fixed timestamp, so saving the same object twice gives the same bytes.
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def save(
    obj: Any,
    f: str | os.PathLike[str],
    pickle_module: Any = None,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Write a state dict (name -> Tensor or array), or a nested dict of them, to
    ``f`` as an ``.npz`` archive (exactly at ``f``: no suffix is added).

    The write is atomic: a temporary file in the same directory is written, fsynced
    and renamed over ``f``, so an existing file at ``f`` is replaced whole or not at
    all (see the package docstring). The new file keeps an existing file's permission
    bits.

    PyTorch's other arguments (``pickle_module``, ``pickle_protocol``,
    ``_use_new_zipfile_serialization``, ``_disable_byteorder_record``) are accepted so
    that ``torch.save`` calls port unchanged, and ignored: they only concern pickle,
    and no pickle is ever written.

    Args:
        obj: a mapping from str to Tensors / numpy arrays, optionally nested with
            dicts, lists, tuples, ints, floats, bools, strings and None (as in an
            optimiser's ``state_dict()``), at most [`MAX_DEPTH`][] levels deep.
        f: the file to write (a path; minigrad writes atomically, so not a file object).
        pickle_module: ignored.
        pickle_protocol: an int; ignored.
        _use_new_zipfile_serialization: a bool; ignored.
        _disable_byteorder_record: a bool; ignored.

    A whole module (``mg.save(model, f)``) or optimiser, alone or inside a checkpoint
    dict, is refused with a ``TypeError`` that points at ``state_dict()``: storing the
    object itself would need pickle, and rebuilding it on load would mean importing and
    running its class's code, which ``load`` never does. Save ``model.state_dict()``
    and, to restore, build the model and call ``model.load_state_dict(mg.load(f))``.

    Raises:
        TypeError: for a value that cannot be stored without pickle, naming its key
            (a module or optimiser: pointing at its ``state_dict()``), or an argument of
            the wrong type.
        ValueError: for a key that cannot name an archive member (empty, or with an
            empty, ``.`` or ``..`` part between slashes), or nesting deeper than
            [`MAX_DEPTH`][], naming the key path.
        OSError: when the file cannot be written (``PermissionError`` for a read-only
            file at ``f``); ``f`` is then left as it was.

    >>> import minigrad as mg, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> mg.save(mg.nn.Linear(2, 3).state_dict(), path)
    >>> sorted(mg.load(path))
    ['bias', 'weight']
    """
    refuse_whole_object(obj, "obj")
    if not isinstance(obj, dict):
        raise TypeError(f"save: obj: expected a dict (a state dict), got {type(obj).__name__}")
    name = check_path("save", f)
    if isinstance(pickle_protocol, bool) or not isinstance(pickle_protocol, int):
        raise TypeError(
            f"save: pickle_protocol: expected an int, got {type(pickle_protocol).__name__}"
        )
    check_flag("save", "_use_new_zipfile_serialization", _use_new_zipfile_serialization)
    check_flag("save", "_disable_byteorder_record", _disable_byteorder_record)
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
    _write_atomically(arrays, os.path.realpath(name))


def check_path(caller: str, f: Any) -> str:
    """``f`` as a file name: a str, bytes or path-like (not a file object)."""
    if not isinstance(f, str | bytes | os.PathLike):
        raise TypeError(
            f"{caller}: f: expected a path (str or os.PathLike), got {type(f).__name__}; "
            "minigrad reads and writes files by name, never file objects"
        )
    return os.fsdecode(f)


def check_flag(caller: str, name: str, value: Any, optional: bool = False) -> None:
    """A bool (or None when ``optional``), as PyTorch's signature says."""
    if (value is None and optional) or isinstance(value, bool):
        return
    expected = "None, True or False" if optional else "True or False"
    raise TypeError(f"{caller}: {name}: expected {expected}, got {value!r}")


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
