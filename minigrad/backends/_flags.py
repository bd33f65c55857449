"""Settable on/off switches, checked as PyTorch checks them (a bool, or TypeError)."""

from __future__ import annotations

import types
from typing import Any


def check_flag(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{owner}.{name}: expected True or False, got {value!r}")
    return value


class FlagModule(types.ModuleType):
    """A module whose names in its own ``FLAGS`` tuple only take bools."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("FLAGS", ()):
            check_flag(self.__name__, name, value)
        super().__setattr__(name, value)
