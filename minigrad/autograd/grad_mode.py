"""The "record the graph?" switch, per thread, and ``no_grad`` / ``enable_grad``.

As in PyTorch, grad mode belongs to the thread: a ``no_grad`` evaluation in one
thread never stops another thread's training from recording its graph, and every new
thread starts with recording on.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadState(threading.local):
    # A class attribute: the value every thread sees until it sets its own.
    enabled = True


_state = _ThreadState()


def is_grad_enabled() -> bool:
    """Whether ops called now, in this thread, record themselves on the tape."""
    return _state.enabled


def _set_enabled(mode: bool) -> None:
    _state.enabled = mode


class _GradMode:
    """A context manager and decorator that sets this thread's grad mode and restores
    it on exit.

    The modes to restore are kept per thread, so one instance may be entered by
    several threads at once. A decorated generator function runs each step of the
    generator in the mode, and the caller's mode between steps, as PyTorch does.
    """

    mode: bool

    def __new__(cls, function: Any = None) -> Any:
        # `@no_grad` without parentheses, as PyTorch allows: decorate right away.
        if function is not None:
            return cls()(function)
        return super().__new__(cls)

    def __init__(self, function: Any = None) -> None:
        # The modes to restore, a stack per thread (keyed by thread id).
        self._saved: dict[int, list[bool]] = {}

    def _stack(self) -> list[bool]:
        return self._saved.setdefault(threading.get_ident(), [])

    def __enter__(self) -> None:
        self._stack().append(_state.enabled)
        _state.enabled = self.mode

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        thread = threading.get_ident()
        stack = self._saved[thread]
        _state.enabled = stack.pop()
        if not stack:
            del self._saved[thread]

    def clone(self) -> _GradMode:
        """A fresh manager of the same mode (what a decorated call enters)."""
        return type(self)()

    def __call__(self, function: F) -> F:
        if inspect.isgeneratorfunction(function):
            return self._wrap_generator(function)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _wrap_generator(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            generator = function(*args, **kwargs)
            # Each resumption runs in the mode; the caller's mode returns at every yield.
            try:
                with self.clone():
                    request = generator.send(None)
                while True:
                    try:
                        sent = yield request
                    except GeneratorExit:
                        with self.clone():
                            generator.close()
                        raise
                    except BaseException as error:  # thrown into us: pass it on
                        with self.clone():
                            request = generator.throw(error)
                    else:
                        with self.clone():
                            request = generator.send(sent)
            except StopIteration as stop:
                return stop.value

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


class set_grad_enabled(_GradMode):  # noqa: N801
    """Set this thread's grad mode to ``mode``: at once when called, as PyTorch's
    function does, and back to the previous mode at the end of a ``with`` block (or of
    a decorated function).

    >>> import minigrad as mg
    >>> with mg.set_grad_enabled(False):
    ...     print(mg.is_grad_enabled())
    False
    >>> mg.is_grad_enabled()
    True
    """

    def __new__(cls, mode: bool) -> Any:
        """A new manager (``mode`` is positional, never a function to decorate)."""
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode: expected a bool, got {type(mode).__name__}")
        super().__init__()
        self.mode = mode
        # Called as a plain function, it takes effect now; a `with` block entered
        # right after restores the mode seen before this call.
        self._before = is_grad_enabled()
        _set_enabled(mode)

    def __enter__(self) -> None:
        """Set the mode, noting the one seen before the call to restore it on exit."""
        self._stack().append(self._before)
        _set_enabled(self.mode)

    def clone(self) -> _GradMode:
        """A fresh manager of the same mode."""
        return type(self)(self.mode)

    def __call__(self, function: F) -> F:
        """Decorate ``function`` to run in the mode."""
        # Used as a decorator, it must not have changed the mode where it was written.
        _set_enabled(self._before)
        return super().__call__(function)
