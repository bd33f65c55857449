"""Which kernels run: the fast ones (Numba loops, BLAS, Winograd) or the reference ones
(the textbook loops of ``minigrad.kernels.reference`` and plain numpy), for reading
the library in a debugger and for checking the fast kernels against the definitions.

The choice starts from the environment variable ``MINIGRAD_KERNELS`` (``fast``, the
default, or ``reference``) and can be changed for a block::

    import minigrad as mg
    with mg.kernels.use("reference"):
        loss.backward()          # every kernel call in here runs the reference loops

The setting is a context variable: a ``use`` block in one thread does not change the
kernels of another (new threads start from the environment's choice).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

NAMES = ("fast", "reference")

ENVIRONMENT = "MINIGRAD_KERNELS"


def _from_environment() -> str:
    value = os.environ.get(ENVIRONMENT, "fast").strip().lower() or "fast"
    if value not in NAMES:
        raise ValueError(
            f"{ENVIRONMENT}: expected one of {', '.join(NAMES)}, got {os.environ[ENVIRONMENT]!r}"
        )
    return value


_DEFAULT = _from_environment()  # a str: immutable, as a context variable's default must be
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar(
    "minigrad_kernels",
    default=_DEFAULT,
)


def current() -> str:
    """The kernels in use in this thread: ``"fast"`` or ``"reference"``."""
    return _CURRENT.get()


def reference() -> bool:
    """Whether the reference kernels are in use (the test each dispatch makes)."""
    return _CURRENT.get() == "reference"


@contextlib.contextmanager
def use(name: str) -> Iterator[None]:
    """Run the block on the ``"fast"`` or the ``"reference"`` kernels, then restore the
    previous choice (also when the block raises).
    """
    if name not in NAMES:
        raise ValueError(f"kernels.use: name: expected one of {', '.join(NAMES)}, got {name!r}")
    token = _CURRENT.set(name)
    try:
        yield
    finally:
        _CURRENT.reset(token)
