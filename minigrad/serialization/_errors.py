"""The error ``load`` raises for a file it refuses, and the message it carries."""

from __future__ import annotations


class SerializationError(ValueError):
    """``mg.load`` refused a file: damaged, truncated, or not a minigrad / numpy ``.npz``.

    The message names the file and what is wrong with it.
    """

    # Shown as minigrad.serialization.SerializationError (in tracebacks, reprs and
    # pickles): the package that exports it, not this private module.
    __module__ = "minigrad.serialization"


def _error(name: str, problem: str) -> SerializationError:
    return SerializationError(f"load: {name!r}: {problem}")
