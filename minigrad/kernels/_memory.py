"""Keep freed memory in the process for reuse, rather than handing it back to the OS.

Every op returns a fresh numpy array, and a layer's arrays are MBs. With glibc's
defaults a freed block that large goes back to the kernel (munmap, or a trim of the
heap top), so the next array of that size page-faults on every 4 KB page it touches:
under a VM that cost as much as the small layers' arithmetic (a 7x7 -> 14x14 layer's
forward+backward ran markedly slower with glibc's defaults: see docs/performance.md).
So, once at import on glibc, minigrad asks malloc to serve blocks up to MMAP_THRESHOLD
from its heap and to keep up to TRIM_THRESHOLD of free memory at the top of it.

That changes malloc for the whole process, so it is an opt-in, never a side effect of
``import minigrad``: a training script calls ``keep_freed_memory`` (exported as
``minigrad.kernels.keep_freed_memory``), or sets ``MINIGRAD_KEEP_FREED_MEMORY=1`` in
the environment, which applies it at import. The cost is memory held after a peak: up
to TRIM_THRESHOLD more resident memory than live arrays. A user who sets glibc's own
knobs (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_, MALLOC_TOP_PAD_ or a
``glibc.malloc`` tunable) is left alone.
"""

from __future__ import annotations

import ctypes
import os
import platform

MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20

# mallopt parameter numbers from glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_USER_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_")


def requested() -> bool:
    """Whether the environment asks for the policy at import
    (``MINIGRAD_KEEP_FREED_MEMORY=1``).
    """
    return os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "0") not in ("", "0")


def keep_freed_memory() -> bool:
    """Keep freed arrays' memory in the process for reuse (glibc only; see the module
    docstring): process-wide, so call it from a script, not from a library. Returns
    whether malloc's settings were changed (False elsewhere, or when the user set
    glibc's own knobs).
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if any(name in os.environ for name in _USER_SETTINGS):
        return False
    if "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    libc = ctypes.CDLL(None)
    # Set the mmap threshold first: fixing it also stops glibc's own adjustment of both.
    changed = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and changed
