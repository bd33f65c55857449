"""The global "record the graph?" switch, and ``no_grad`` / ``enable_grad``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

_enabled = True

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether ops called now record themselves on the tape."""
    return _enabled


def set_grad_enabled(mode: bool) -> None:
    """Switch graph recording on or off globally."""
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    """A context manager and decorator that sets grad mode and restores it on exit."""

    mode: bool

    def __new__(cls, function: Any = None) -> Any:
        # `@no_grad` without parentheses, as PyTorch allows: decorate right away.
        if function is not None:
            return cls()(function)
        return super().__new__(cls)

    def __init__(self, function: Any = None) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(is_grad_enabled())
        set_grad_enabled(self.mode)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        set_grad_enabled(self._previous.pop())

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 - the name users know from PyTorch
    """Run without recording the graph: results do not require grad.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Record the graph again inside a ``no_grad`` region.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> with mg.no_grad():
    ...     with mg.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    mode = True
