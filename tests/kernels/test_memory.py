"""The malloc policy of ``kernels/_memory.py``: an opt-in, applied on glibc, never over
the user's own settings, never by importing minigrad alone.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from minigrad.kernels import _memory

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)


@glibc
def test_applied_without_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*_memory._USER_SETTINGS, "GLIBC_TUNABLES"):
        monkeypatch.delenv(name, raising=False)
    assert _memory.keep_freed_memory() is True


@glibc
@pytest.mark.parametrize(
    "name, value",
    [
        ("MALLOC_TRIM_THRESHOLD_", "131072"),
        ("MALLOC_MMAP_THRESHOLD_", "131072"),
        ("MALLOC_TOP_PAD_", "0"),
        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072"),
    ],
)
def test_left_alone_when_the_user_set_malloc(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert _memory.keep_freed_memory() is False


def test_never_on_other_systems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    assert _memory.keep_freed_memory() is False


MALLOC_PROBE = """
import ctypes
calls = []
real_cdll = ctypes.CDLL


class Spy:
    def __init__(self, libc):
        self.libc = libc

    def __getattr__(self, name):
        if name == "mallopt":
            return lambda *args: calls.append(args) or self.libc.mallopt(*args)
        return getattr(self.libc, name)


def spied_cdll(name, *args, **kwargs):
    libc = real_cdll(name, *args, **kwargs)
    return Spy(libc) if name is None else libc


ctypes.CDLL = spied_cdll
import minigrad
print(len(calls))
"""


@glibc
@pytest.mark.parametrize(("setting", "calls"), [(None, 0), ("0", 0), ("1", 2)])
def test_importing_minigrad_changes_malloc_only_when_asked(
    setting: str | None, calls: int
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_KEEP_FREED_MEMORY"}
    for name in (*_memory._USER_SETTINGS, "GLIBC_TUNABLES"):
        env.pop(name, None)
    if setting is not None:
        env["MINIGRAD_KEEP_FREED_MEMORY"] = setting
    result = subprocess.run(
        [sys.executable, "-c", MALLOC_PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [str(calls)], result.stderr


def test_requested_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_KEEP_FREED_MEMORY", raising=False)
    assert not _memory.requested()
    monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", "1")
    assert _memory.requested()
    monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", "0")
    assert not _memory.requested()
