"""no_grad / enable_grad as context managers and decorators."""

from __future__ import annotations

import pytest

import minigrad as mg


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
