"""``Variable``: PyTorch's legacy wrapper, which PyTorch 0.4 made the identity.

>>> import minigrad as mg
>>> x = mg.autograd.Variable(mg.ones(2), requires_grad=True)
>>> x.requires_grad
True
"""

from __future__ import annotations

from minigrad.tensor import Tensor


def Variable(data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """The tensor itself, as PyTorch made ``Variable`` (with ``requires_grad`` set when
    asked: ``Variable(t, requires_grad=True)``).
    """
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable: data: expected a Tensor, got {type(data).__name__}")
    if requires_grad:
        data.requires_grad_(True)
    return data
