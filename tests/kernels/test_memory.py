"""The malloc policy of ``kernels/_memory.py``: applied on glibc, never over the user's."""

from __future__ import annotations

import platform

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
