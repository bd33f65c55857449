"""no_grad / enable_grad / set_grad_enabled as context managers and decorators, on
functions and generators; the observable behaviour checked against PyTorch's.
"""

from __future__ import annotations

import pytest

import minigrad as mg
from tests.helpers import assert_raises_with


def test_no_grad_records_nothing():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = (x * 2).exp().sum()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert x.requires_grad  # leaves keep their flag


def test_no_grad_as_a_decorator_with_and_without_parentheses():
    x = mg.ones(2, requires_grad=True)

    @mg.no_grad()
    def with_parentheses(t):
        return t * 2

    @mg.no_grad
    def without_parentheses(t):
        """Docstring kept."""
        return t * 2

    assert not with_parentheses(x).requires_grad
    assert not without_parentheses(x).requires_grad
    assert without_parentheses.__doc__ == "Docstring kept."
    assert mg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        with mg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad


def test_enable_grad_as_a_decorator_inside_no_grad():
    x = mg.ones(2, requires_grad=True)

    @mg.enable_grad()
    def double(t):
        return t * 2

    with mg.no_grad():
        y = double(x)
        assert not mg.is_grad_enabled()
    assert y.requires_grad


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(KeyError):
        with mg.no_grad():
            raise KeyError("boom")
    assert mg.is_grad_enabled()


def test_nested_reuse_of_one_context_object():
    context = mg.no_grad()
    with context:
        with mg.enable_grad():
            with context:
                assert not mg.is_grad_enabled()
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_set_grad_enabled_switches_globally():
    try:
        mg.autograd.set_grad_enabled(False)
        assert not (mg.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        mg.autograd.set_grad_enabled(True)
    assert (mg.ones(1, requires_grad=True) * 2).requires_grad


# Against PyTorch: the same calls, traced with each library's is_grad_enabled.


def _generator_trace(lib):
    seen = []

    @lib.no_grad()
    def numbers():
        seen.append(("body starts", lib.is_grad_enabled()))
        received = yield 1
        seen.append(("body received", received, lib.is_grad_enabled()))
        yield 2
        seen.append(("body ends", lib.is_grad_enabled()))
        return "done"

    generator = numbers()
    seen.append(("made, not started", lib.is_grad_enabled()))
    seen.append(("first", next(generator), lib.is_grad_enabled()))
    with lib.enable_grad():
        seen.append(("sent", generator.send("hello"), lib.is_grad_enabled()))
    with pytest.raises(StopIteration) as stop:
        next(generator)
    seen.append(("returned", stop.value.value, lib.is_grad_enabled()))

    @lib.enable_grad()
    def recording():
        seen.append(("enable_grad body", lib.is_grad_enabled()))
        yield
        seen.append(("enable_grad body again", lib.is_grad_enabled()))

    with lib.no_grad():
        for _ in recording():
            seen.append(("no_grad caller between steps", lib.is_grad_enabled()))
    return seen


def test_no_grad_on_a_generator_covers_its_body_but_not_the_caller_as_in_torch(torch):
    trace = _generator_trace(mg)
    assert trace == _generator_trace(torch)
    assert ("body starts", False) in trace and ("first", 1, True) in trace


def _throw_and_close_trace(lib):
    seen = []

    @lib.no_grad()
    def guarded():
        try:
            yield 1
        except ValueError:
            seen.append(("caught", lib.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("finally", lib.is_grad_enabled()))

    generator = guarded()
    next(generator)
    seen.append(("thrown", generator.throw(ValueError("stop")), lib.is_grad_enabled()))
    generator.close()
    seen.append(("closed", lib.is_grad_enabled()))
    return seen


def test_throw_and_close_reach_a_no_grad_generator_in_its_mode_as_in_torch(torch):
    trace = _throw_and_close_trace(mg)
    assert trace == _throw_and_close_trace(torch)
    assert trace == [("caught", False), ("thrown", 2, True), ("finally", False), ("closed", True)]


def _set_grad_enabled_trace(lib):
    seen = []
    try:
        lib.set_grad_enabled(False)  # as a function: at once
        seen.append(("function False", lib.is_grad_enabled()))
        lib.set_grad_enabled(True)
        seen.append(("function True", lib.is_grad_enabled()))
        with lib.set_grad_enabled(False):
            seen.append(("with False", lib.is_grad_enabled()))
            with lib.set_grad_enabled(True):
                seen.append(("nested with True", lib.is_grad_enabled()))
            seen.append(("back in with False", lib.is_grad_enabled()))
        seen.append(("after with", lib.is_grad_enabled()))
        with lib.no_grad():
            with lib.set_grad_enabled(True):
                seen.append(("with True in no_grad", lib.is_grad_enabled()))
            seen.append(("back in no_grad", lib.is_grad_enabled()))

        @lib.set_grad_enabled(False)
        def off():
            return lib.is_grad_enabled()

        seen.append(("after decorating", lib.is_grad_enabled()))
        seen.append(("decorated call", off(), lib.is_grad_enabled()))

        @lib.set_grad_enabled(True)
        def on():
            return lib.is_grad_enabled()

        with lib.no_grad():
            seen.append(("decorated call in no_grad", on(), lib.is_grad_enabled()))
        manager = lib.set_grad_enabled(False)  # made here, entered later
        seen.append(("made", lib.is_grad_enabled()))
        with manager:
            seen.append(("entered", lib.is_grad_enabled()))
        seen.append(("left", lib.is_grad_enabled()))
        with pytest.raises(KeyError):
            with lib.set_grad_enabled(False):
                raise KeyError("boom")
        seen.append(("after an exception", lib.is_grad_enabled()))
    finally:
        lib.set_grad_enabled(True)
    return seen


def test_set_grad_enabled_as_function_context_manager_and_decorator_as_in_torch(torch):
    trace = _set_grad_enabled_trace(mg)
    assert trace == _set_grad_enabled_trace(torch)
    assert ("function False", False) in trace and ("after decorating", True) in trace


def test_set_grad_enabled_refuses_a_non_bool_as_torch_does(torch):
    with pytest.raises(TypeError):
        torch.set_grad_enabled(1)
    with assert_raises_with(TypeError, "mode", "int"):
        mg.set_grad_enabled(1)
    assert mg.is_grad_enabled()


def _overlapping_trace(lib):
    # Entered a, b and left a, b: not nested. Each block restores the mode it found.
    seen = []
    try:
        first, second = lib.no_grad(), lib.enable_grad()
        first.__enter__()
        second.__enter__()
        seen.append(("both entered", lib.is_grad_enabled()))
        first.__exit__(None, None, None)
        seen.append(("first left", lib.is_grad_enabled()))
        second.__exit__(None, None, None)
        seen.append(("second left", lib.is_grad_enabled()))
    finally:
        lib.set_grad_enabled(True)
    return seen


def test_overlapping_blocks_each_restore_the_mode_they_found_as_in_torch(torch):
    trace = _overlapping_trace(mg)
    assert trace == _overlapping_trace(torch)
    assert trace == [("both entered", True), ("first left", True), ("second left", False)]


def test_deeply_nested_blocks_restore_exactly():
    managers = [mg.no_grad, mg.enable_grad, lambda: mg.set_grad_enabled(False)] * 3
    expected = []
    seen = []

    def nest(depth: int, mode: bool) -> None:
        if depth == len(managers):
            return
        manager = managers[depth]()
        inner = manager.mode
        with manager:
            seen.append(mg.is_grad_enabled())
            expected.append(inner)
            nest(depth + 1, inner)
            seen.append(mg.is_grad_enabled())
            expected.append(inner)
        seen.append(mg.is_grad_enabled())
        expected.append(mode)

    nest(0, True)
    assert seen == expected
    assert mg.is_grad_enabled()
