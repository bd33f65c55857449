"""``mg.backends.cudnn``: PyTorch's cuDNN switches, settable and without effect.

``benchmark`` (False), ``deterministic`` (False), ``enabled`` (True) and
``allow_tf32`` (True) keep PyTorch's defaults and take any bool; minigrad never uses
cuDNN, and its convolutions are deterministic whatever ``deterministic`` says.
``is_available()`` is False and ``version()`` None, as in PyTorch without CUDA.

>>> import minigrad as mg
>>> mg.backends.cudnn.deterministic = True
>>> mg.backends.cudnn.is_available()
False
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from minigrad.backends._flags import FlagModule, check_flag

FLAGS = ("benchmark", "deterministic", "enabled", "allow_tf32")

benchmark = False
"""PyTorch's autotuning switch; minigrad has nothing to tune."""
deterministic = False
"""PyTorch's determinism switch; minigrad's convolutions are deterministic either way."""
enabled = True
"""Whether PyTorch would use cuDNN; minigrad never does."""
allow_tf32 = True
"""PyTorch's TF32 switch for cuDNN convolutions; minigrad computes in the tensor's dtype."""


def is_available() -> bool:
    """False: minigrad has no cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN library is loaded."""
    return None


@contextlib.contextmanager
def flags(
    enabled: bool = False,
    benchmark: bool = False,
    deterministic: bool = False,
    allow_tf32: bool = True,
) -> Iterator[None]:
    """Set the four switches for a ``with`` block and restore them after (no effect
    on minigrad's numbers either way).
    """
    module = sys.modules[__name__]
    wanted = {
        "enabled": enabled,
        "benchmark": benchmark,
        "deterministic": deterministic,
        "allow_tf32": allow_tf32,
    }
    for name, value in wanted.items():
        check_flag(__name__, name, value)
    saved = {name: getattr(module, name) for name in wanted}
    for name, value in wanted.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


# Assignments such as `cudnn.benchmark = "yes"` are refused, as in PyTorch.
sys.modules[__name__].__class__ = FlagModule
