"""Checkpoints: a killed or failing ``mg.save`` keeps the old file; ``mg.load`` refuses damage.

A save writes ``.<name>.<8 hex digits>.tmp`` beside the target and renames it over the
target only when it is complete, so the target is never half written. A save killed by
SIGKILL leaves that temporary file behind (nothing can run to remove it); it is hidden,
does not end in ``.npz``, and ``mg.load`` refuses it as truncated, so it cannot pass for
a checkpoint. A save that fails with an exception removes it.

Every damaged file in the catalogue must raise ``mg.SerializationError`` whose message
names the file and the problem, while allocating little (checked with tracemalloc).
"""

from __future__ import annotations

import errno
import io
import os
import pickle
import queue
import re
import signal
import stat
import struct
import subprocess
import sys
import threading
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with

REPO = Path(__file__).resolve().parents[2]
TEMPORARY_NAME = re.compile(r"^\.checkpoint\.npz\.[0-9a-f]{8}\.tmp$")


def _old_state() -> dict[str, np.ndarray]:
    """The checkpoint that must survive, built with numpy alone."""
    return {
        "weight": np.arange(24, dtype=np.float32).reshape(4, 6) / 7,
        "bias": np.linspace(-1, 1, 6),
        "steps": np.array(7, dtype=np.int64),
    }


def _assert_loads_as(path: Path, state: dict[str, np.ndarray]) -> None:
    loaded = mg.load(path)
    assert list(loaded) == list(state)
    for key, array in state.items():
        got = loaded[key].numpy()
        assert (got.dtype, got.shape) == (array.dtype, array.shape), key
        assert got.tobytes() == array.tobytes(), key


def _temporary_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name != "checkpoint.npz")


def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [environment.get("PYTHONPATH")])]
    )
    return environment


def _line_reader(stream) -> queue.Queue[str]:
    """A queue of the stream's lines, so the test can wait for one with a timeout."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line.strip())
        lines.put("<end of output>")

    threading.Thread(target=pump, daemon=True).start()
    return lines


# 4 arrays of 64 MiB. After writing the second, the child announces it and pauses, as a
# save to a slow disk would; the parent then kills it with the temporary file half full.
# Pausing after a known array (rather than racing a fast write) makes the kill land in
# the middle of the save on every run, however loaded the machine is.
KILLED_CHILD = """
import sys, time
import numpy as np
import minigrad as mg

target = sys.argv[1]
state = {f"layer{i}.weight": np.full((16, 1024, 1024), i + 1, np.float32) for i in range(4)}
write_array = np.lib.format.write_array
written = []

def write_then_pause(*args, **kwargs):
    write_array(*args, **kwargs)
    written.append(1)
    if len(written) == 2:
        print("halfway", flush=True)
        time.sleep(120)

np.lib.format.write_array = write_then_pause
print("saving", flush=True)
mg.save(state, target)
print("saved", flush=True)
"""
ARRAY_BYTES = 16 * 1024 * 1024 * 4


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_save_killed_midway_leaves_the_old_checkpoint(tmp_path):
    target = tmp_path / "checkpoint.npz"
    mg.save(_old_state(), target)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, str(target)],
        cwd=REPO,
        env=_child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = _line_reader(child.stdout)
        assert lines.get(timeout=120) == "saving"
        assert lines.get(timeout=120) == "halfway"
        (temporary,) = _temporary_files(tmp_path)
        assert TEMPORARY_NAME.match(temporary.name), temporary.name
        assert temporary.stat().st_size > 1.5 * ARRAY_BYTES  # two arrays written, two to go
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    _assert_loads_as(target, _old_state())
    # The leftover stays (documented), and is refused as what it is: a truncated archive.
    (leftover,) = _temporary_files(tmp_path)
    assert leftover == temporary
    with assert_raises_with(mg.SerializationError, str(leftover), "truncated"):
        mg.load(leftover)
    # A later save is not disturbed by it.
    new_state = {"weight": np.ones((2, 2), np.float64)}
    mg.save(new_state, target)
    _assert_loads_as(target, new_state)
    assert _temporary_files(tmp_path) == [leftover]
    leftover.unlink()  # 128 MiB; pytest keeps the last runs' directories


# A real write error, without patching anything: the file size limit makes the kernel
# refuse the write with EFBIG once the temporary file reaches 1 MiB.
LIMITED_CHILD = """
import resource, signal, sys
import numpy as np
import minigrad as mg

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
try:
    mg.save({"big": np.ones(1 << 20, np.float32)}, sys.argv[1])
except OSError as error:
    print("OSError", error.errno)
else:
    print("saved")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE (POSIX)")
def test_a_real_write_error_propagates_and_leaves_the_old_checkpoint(tmp_path):
    target = tmp_path / "checkpoint.npz"
    mg.save(_old_state(), target)
    result = subprocess.run(
        [sys.executable, "-c", LIMITED_CHILD, str(target)],
        cwd=REPO,
        env=_child_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["OSError", str(errno.EFBIG)], result.stderr
    _assert_loads_as(target, _old_state())
    assert _temporary_files(tmp_path) == []


def _fail_on_second_array(exception: BaseException):
    write_array = np.lib.format.write_array
    calls = []

    def write(file, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            file.write(b"\0" * 1000)  # part of the array reached the file
            raise exception
        write_array(file, array, *args, **kwargs)

    return write


def _raise(exception: BaseException):
    def fail(*args, **kwargs):
        raise exception

    return fail


@pytest.mark.parametrize(
    ("module", "name", "make", "error"),
    [
        (np.lib.format, "write_array", _fail_on_second_array, OSError(errno.ENOSPC, "full")),
        (np.lib.format, "write_array", _fail_on_second_array, KeyboardInterrupt()),
        (os, "fsync", _raise, OSError(errno.EIO, "I/O error")),
        (os, "replace", _raise, PermissionError(errno.EACCES, "denied")),
    ],
    ids=["disk full mid-array", "interrupted mid-array", "fsync fails", "rename fails"],
)
def test_a_failed_save_propagates_and_cleans_up(tmp_path, monkeypatch, module, name, make, error):
    target = tmp_path / "checkpoint.npz"
    mg.save(_old_state(), target)
    monkeypatch.setattr(module, name, make(error))
    with pytest.raises(type(error)):
        mg.save({"a": np.zeros(10), "b": np.ones(10), "c": np.ones(3)}, target)
    monkeypatch.undo()
    _assert_loads_as(target, _old_state())
    assert _temporary_files(tmp_path) == []


def test_save_syncs_the_data_before_the_rename_and_the_directory_after(tmp_path, monkeypatch):
    events = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(descriptor):
        kind = "directory" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file"
        events.append(f"fsync {kind}")
        fsync(descriptor)

    def recording_replace(source, destination):
        events.append(f"replace {Path(source).parent == Path(destination).parent}")
        replace(source, destination)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    mg.save(_old_state(), tmp_path / "checkpoint.npz")
    expected = ["fsync file", "replace True"] + (["fsync directory"] if os.name == "posix" else [])
    assert events == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "checkpoint.npz"
    mg.save(_old_state(), target)
    target.chmod(0o640)
    mg.save({"w": np.zeros(3)}, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="POSIX permission bits, not as root"
)
def test_save_does_not_replace_a_read_only_file(tmp_path):
    target = tmp_path / "checkpoint.npz"
    mg.save(_old_state(), target)
    target.chmod(0o444)
    with assert_raises_with(PermissionError, "read-only"):
        mg.save({"w": np.zeros(3)}, target)
    _assert_loads_as(target, _old_state())
    assert _temporary_files(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_save_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.npz"
    mg.save(_old_state(), real)
    link = tmp_path / "checkpoint.npz"
    link.symlink_to(real)
    mg.save({"w": np.zeros(3)}, link)
    assert link.is_symlink()
    _assert_loads_as(real, {"w": np.zeros(3)})


# The catalogue of damaged files. Each builder writes its file from a valid checkpoint
# (or from scratch) and returns the fragment the error message must contain.


def _valid(path: Path) -> bytes:
    mg.save(_old_state(), path)
    return path.read_bytes()


def _directory(data: bytes) -> tuple[list[zipfile.ZipInfo], int]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist(), archive.start_dir


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npy_with_header(header: dict, data: bytes) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def _zip(path: Path, members: list[tuple[str, bytes]], compression=zipfile.ZIP_STORED) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", compression=compression) as archive:
            for name, data in members:
                archive.writestr(name, data)


def _structure(text: str, *members: tuple[str, bytes]) -> list[tuple[str, bytes]]:
    return [("__minigrad_structure__.npy", _npy(np.array(text))), *members]


def _patched(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


def zero_bytes(path):
    path.write_bytes(b"")
    return "empty (0 bytes)"


def truncated_in_a_local_header(path):
    path.write_bytes(_valid(path)[:20])
    return "truncated"


def truncated_in_the_data(path):
    data = _valid(path)
    infos, _ = _directory(data)
    path.write_bytes(data[: infos[1].header_offset - 10])  # inside the first array's data
    return "truncated"


def truncated_before_the_directory(path):
    data = _valid(path)
    _, start = _directory(data)
    path.write_bytes(data[:start])
    return "truncated"


def truncated_in_the_directory(path):
    data = _valid(path)
    _, start = _directory(data)
    path.write_bytes(data[: start + 50])
    return "truncated"


def random_bytes(path):
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    return "not an .npz archive"


def random_bytes_after_a_zip_signature(path):
    path.write_bytes(b"PK\x03\x04" + np.random.default_rng(0).bytes(1000))
    return "not a readable zip archive"


def flipped_byte_in_array_data(path):
    data = _valid(path)
    offset = data.index(_old_state()["weight"].tobytes()) + 41
    path.write_bytes(_patched(data, offset, bytes([data[offset] ^ 0x10])))
    return "Bad CRC-32"  # same size, parseable: only the CRC tells


def flipped_byte_in_an_npy_header(path):
    # A member larger than zipfile's 4 KiB read-ahead, so the header is checked before
    # the CRC (a small member is read whole at once, and its CRC fails first).
    mg.save({"weight": np.zeros(1 << 16, np.float32)}, path)
    data = path.read_bytes()
    offset = data.index(b"(65536,)") + 1
    path.write_bytes(_patched(data, offset, b"7"))
    return "declares shape (75536,) of float32 (302144 bytes), but the member holds 262144"


def header_shape_that_does_not_fit_the_data(path):
    header = {"descr": "<f8", "fortran_order": True, "shape": (4, 7)}
    _zip(path, [("weight.npy", _npy_with_header(header, bytes(8 * 24)))])
    return "declares shape (4, 7) of float64 (224 bytes), but the member holds 192"


def flipped_byte_in_a_directory_crc(path):
    data = _valid(path)
    _, start = _directory(data)
    path.write_bytes(_patched(data, start + 16, bytes([data[start + 16] ^ 0x01])))
    return "Bad CRC-32"


def entry_hidden_by_a_damaged_comment_length(path):
    data = _valid(path)
    _, start = _directory(data)
    # The first directory entry's comment length now swallows the entries after it.
    path.write_bytes(_patched(data, start + 32, struct.pack("<H", 0xFFFF)))
    return "lists 1 of the 3 members"


def member_that_is_not_npy(path):
    _zip(path, [("weight.npy", _npy(np.ones(3))), ("notes.txt", b"hello")])
    return "'notes.txt' is not an array entry"


def member_with_a_nested_path(path):
    _zip(path, [("../weight.npy", _npy(np.ones(3)))])
    return "'../weight.npy' is not an array entry"


def duplicate_member_names(path):
    _zip(path, [("weight.npy", _npy(np.ones(3))), ("weight.npy", _npy(np.zeros(3)))])
    return "'weight.npy' appears twice"


def header_claiming_a_huge_shape(path):
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**12,)}
    _zip(path, [("weight.npy", _npy_with_header(header, bytes(16)))])
    return "declares shape (1000000000000,)"


def header_of_an_object_array(path):
    _zip(path, [("weight.npy", _npy(np.array([{"a": 1}, None], dtype=object)))])
    return "object arrays are pickles"


def structured_dtype(path):
    _zip(path, [("weight.npy", _npy(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")])))])
    return "expected a plain numeric dtype"


def unsupported_npy_version(path):
    member = bytearray(_npy(np.ones(3)))
    member[6] = 9  # major version 9
    _zip(path, [("weight.npy", bytes(member))])
    return "version"


def stored_sizes_that_disagree(path):
    data = _valid(path)
    _, start = _directory(data)
    path.write_bytes(_patched(data, start + 24, struct.pack("<I", 10**6)))  # uncompressed size
    return "which is impossible"


def zip_bomb_member(path):
    zeros = np.zeros(1 << 18, np.float32)
    _zip(path, [("weight.npy", _npy(zeros))], compression=zipfile.ZIP_DEFLATED)
    data = path.read_bytes()
    _, start = _directory(data)
    # The member, about 1 KiB deflated, now claims 4 GiB once inflated.
    path.write_bytes(_patched(data, start + 24, struct.pack("<I", 0xFFFFFFF0)))
    return "claims 4294967280 bytes"


def overlapping_members(path):
    data = _valid(path)
    infos, start = _directory(data)
    second = start + 46 + len(infos[0].filename) + len(infos[0].extra)
    # The second entry points at the first member's local header (a "quoted overlap").
    path.write_bytes(_patched(data, second + 42, struct.pack("<I", 0)))
    return "overlaps the next member"


def encrypted_member(path):
    data = _valid(path)
    _, start = _directory(data)
    path.write_bytes(_patched(data, start + 8, struct.pack("<H", 0x1)))
    return "encrypted"


def structure_that_is_not_json(path):
    _zip(path, _structure("{'dict': [}"))
    return "not valid JSON"


def structure_nested_a_hundred_thousand_deep(path):
    _zip(path, _structure("[" * 100_000 + "]" * 100_000))
    return "nested deeper than 64 levels"


def structure_of_65_nested_lists(path):
    text = '{"dict": [["a", ' + '{"list": [' * 65 + "]}" * 65 + "]]}"
    _zip(path, _structure(text))
    return "nested deeper than 64 levels"


def structure_with_a_value_of_the_wrong_type(path):
    _zip(path, _structure('{"dict": [["lr", {"value": [0.1]}]]}'))
    return "expected a number, string or null"


def structure_referring_to_a_missing_array(path):
    _zip(path, _structure('{"dict": [["weight", {"tensor": "weight"}]]}'))
    return "the array 'weight' is missing"


def structure_leaving_an_array_out(path):
    _zip(path, _structure('{"dict": []}', ("weight.npy", _npy(np.ones(3)))))
    return "the arrays ['weight'] are not part of it"


def structure_entry_that_is_not_text(path):
    _zip(path, [("__minigrad_structure__.npy", _npy(np.ones(3)))])
    return "the structure entry is a float64 array"


def single_npy_file(path):
    np.save(path.with_suffix(".npy"), np.ones(3))
    path.with_suffix(".npy").rename(path)
    return "single .npy"


def pickle_file(path):
    path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}))
    return "pickle"


CATALOGUE = [
    zero_bytes,
    truncated_in_a_local_header,
    truncated_in_the_data,
    truncated_before_the_directory,
    truncated_in_the_directory,
    random_bytes,
    random_bytes_after_a_zip_signature,
    flipped_byte_in_array_data,
    flipped_byte_in_an_npy_header,
    header_shape_that_does_not_fit_the_data,
    flipped_byte_in_a_directory_crc,
    entry_hidden_by_a_damaged_comment_length,
    member_that_is_not_npy,
    member_with_a_nested_path,
    duplicate_member_names,
    header_claiming_a_huge_shape,
    header_of_an_object_array,
    structured_dtype,
    unsupported_npy_version,
    stored_sizes_that_disagree,
    zip_bomb_member,
    overlapping_members,
    encrypted_member,
    structure_that_is_not_json,
    structure_nested_a_hundred_thousand_deep,
    structure_of_65_nested_lists,
    structure_with_a_value_of_the_wrong_type,
    structure_referring_to_a_missing_array,
    structure_leaving_an_array_out,
    structure_entry_that_is_not_text,
    single_npy_file,
    pickle_file,
]


@pytest.mark.parametrize("damage", CATALOGUE, ids=[f.__name__ for f in CATALOGUE])
def test_a_damaged_file_raises_one_documented_error(tmp_path, damage):
    path = tmp_path / "checkpoint.npz"
    fragment = damage(path)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with assert_raises_with(mg.SerializationError, str(path), fragment) as info:
            mg.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None  # no zipfile or numpy error in the traceback
    assert info.value.__context__ is None or info.value.__suppress_context__
    assert peak < 4 << 20, f"load allocated {peak} bytes at its peak"


def _content(value):
    """A comparable copy of a loaded object: tensors by dtype, shape and bytes."""
    if isinstance(value, dict):
        return {key: _content(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_content(item) for item in value)
    if isinstance(value, mg.Tensor | np.ndarray):
        array = np.asarray(value.numpy() if isinstance(value, mg.Tensor) else value)
        return (array.dtype.str, array.shape, array.tobytes())
    return value


def test_every_truncation_and_every_flipped_byte_is_refused_or_harmless(tmp_path):
    """Any prefix is refused; any single changed byte is refused or changes nothing."""
    original = tmp_path / "original.npz"
    state = {"state": {0: {"step": 3, "exp_avg": mg.ones(2, 3)}}, "groups": [{"lr": 0.5}]}
    mg.save(state, original)
    data = original.read_bytes()
    expected = _content(mg.load(original))
    path = tmp_path / "damaged.npz"
    harmless = []
    for size in range(len(data)):
        path.write_bytes(data[:size])
        with pytest.raises(mg.SerializationError):
            mg.load(path)
    for offset in range(len(data)):
        path.write_bytes(_patched(data, offset, bytes([data[offset] ^ 0xFF])))
        try:
            loaded = mg.load(path)
        except mg.SerializationError:
            continue
        assert _content(loaded) == expected, f"byte {offset} changed the result silently"
        harmless.append(offset)
    # Only bytes that no reader uses may change without an error (e.g. timestamps,
    # attributes, the local copies of sizes and CRCs), and they are few.
    assert len(harmless) < len(data) // 4, harmless


def test_an_honest_highly_compressed_member_still_loads(tmp_path):
    """np.savez_compressed of zeros inflates about 1000:1, which deflate can do."""
    path = tmp_path / "zeros.npz"
    zeros = np.zeros((4, 1 << 18), np.float32)
    np.savez_compressed(path, weight=zeros)
    assert path.stat().st_size * 500 < zeros.nbytes
    _assert_loads_as(path, {"weight": zeros})


def _nested(container: str, levels: int):
    """{"top": ...} holding ``levels - 1`` lists or dicts around a tensor: ``levels`` deep."""
    inner = mg.ones(2)
    for _ in range(levels - 1):
        inner = [inner] if container == "list" else {"next": inner}
    return {"top": inner}


@pytest.mark.parametrize("container", ["list", "dict"])
def test_the_nesting_limit_is_the_same_for_save_and_load(tmp_path, container):
    path = tmp_path / "deep.npz"
    mg.save(_nested(container, 64), path)
    inner = mg.load(path)["top"]
    for _ in range(63):
        inner = inner[0] if container == "list" else inner["next"]
    assert isinstance(inner, mg.Tensor) and inner.numpy().tolist() == [1.0, 1.0]
    part = "0" if container == "list" else "next"
    with assert_raises_with(ValueError, "more than 64 levels", f"'top/{part}/{part}/"):
        mg.save(_nested(container, 65), tmp_path / "too_deep.npz")
    assert not (tmp_path / "too_deep.npz").exists()


def test_a_reference_cycle_is_refused_by_save(tmp_path):
    cycle: list = []
    cycle.append(cycle)
    with assert_raises_with(ValueError, "'cycle/0/0/0", "more than 64 levels", "cycle"):
        mg.save({"cycle": cycle}, tmp_path / "cycle.npz")
    assert list(tmp_path.iterdir()) == []
