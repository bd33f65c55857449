"""``mg.backends.cuda``: PyTorch's CUDA switches, settable and without effect.

``is_built()`` is False; ``matmul.allow_tf32`` (False) takes any bool and changes
nothing, since minigrad's matrix products run on the CPU in the tensors' own dtype.

>>> import minigrad as mg
>>> mg.backends.cuda.matmul.allow_tf32 = True   # accepted; no effect
"""

from __future__ import annotations

from typing import Any

from minigrad.backends._flags import check_flag


def is_built() -> bool:
    """False: minigrad has no CUDA backend."""
    return False


class _MatmulSettings:
    """``matmul.allow_tf32``: a bool, as in PyTorch, and without effect."""

    allow_tf32 = False

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "allow_tf32":
            raise AttributeError(f"backends.cuda.matmul has no setting {name!r}")
        object.__setattr__(self, name, check_flag("backends.cuda.matmul", name, value))


matmul = _MatmulSettings()
"""``matmul.allow_tf32`` (False): PyTorch's TF32 switch for matrix products; no effect."""
