"""Nodes of the tape, and the tape rendered as Graphviz DOT text."""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from minigrad.autograd.function import Context, Function
    from minigrad.tensor import Tensor

# Creation order of nodes: the engine uses it to break ties, which keeps the order of
# gradient accumulation (and so the bits of the result) the same on every run.
_sequence = itertools.count()


class Node:
    """One recorded op: its Function, its context, and an edge per input.

    An edge is the input's own ``Node`` when the input is an op result, the input
    tensor itself when it is a leaf that requires grad, and ``None`` otherwise.
    """

    # One node per recorded op, several hundred per training step: slots make them cheaper.
    __slots__ = (
        "function",
        "ctx",
        "shape",
        "dtype",
        "sequence",
        "spent",
        "retained",
        "edges",
        "__weakref__",  # a backward that reads its op's output reaches the node weakly
    )

    def __init__(
        self,
        function: type[Function],
        ctx: Context,
        shape: tuple[int, ...],
        dtype: np.dtype[Any],
    ) -> None:
        self.function = function
        self.ctx = ctx
        self.shape = shape
        self.dtype = dtype
        self.sequence = next(_sequence)
        self.spent = False
        self.retained: weakref.ref[Tensor] | None = None
        self.edges: tuple[Node | Tensor | None, ...] = tuple([_edge_to(t) for t in ctx.inputs])

    @property
    def name(self) -> str:
        """The op's name, its Function's class name (``"Mul"``)."""
        return self.function.__name__

    def release(self) -> None:
        """Free the saved values; a later backward through this node must fail."""
        self.ctx.release()
        self.spent = True

    def __repr__(self) -> str:
        """``<MulBackward(...) -> shape>``: the op, its parameters, its output shape."""
        params = ", ".join(f"{key}={_short(value)}" for key, value in self.ctx.params.items())
        return f"<{self.name}Backward({params}) -> {self.shape}>"


def _edge_to(tensor: Tensor) -> Node | Tensor | None:
    if not tensor._requires_grad:
        return None
    return tensor.grad_fn if tensor.grad_fn is not None else tensor


def _short(value: Any) -> str:
    """A parameter for ``repr``: arrays (index arrays, masks) by shape, not by content."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        return "(" + ", ".join(_short(v) for v in value) + ")"
    return repr(value)


def to_dot(tensor: Tensor) -> str:
    """The tape behind ``tensor`` as Graphviz DOT text: one box per op with its
    output shape, one ellipse per leaf that requires grad.

    >>> import minigrad as mg
    >>> x = mg.ones(2, 3, requires_grad=True)
    >>> print(mg.autograd.to_dot((x * 2).sum()))  # doctest: +ELLIPSIS
    digraph minigrad {
    ...Sum...
    }
    """
    lines = ["digraph minigrad {", "  rankdir=BT;"]
    names: dict[int, str] = {}

    def name_of(item: Node | Tensor) -> str:
        key = id(item)
        if key not in names:
            names[key] = f"n{len(names)}"
            if isinstance(item, Node):
                label = f"{item.name}\\n{item.shape}"
                lines.append(f'  {names[key]} [shape=box, label="{label}"];')
            else:
                lines.append(f'  {names[key]} [shape=ellipse, label="leaf\\n{item.shape}"];')
        return names[key]

    if tensor.grad_fn is None:
        if tensor.requires_grad:
            name_of(tensor)
    else:
        name_of(tensor.grad_fn)
        stack: list[Node] = [tensor.grad_fn]
        seen = {id(tensor.grad_fn)}
        while stack:
            node = stack.pop()
            for edge in node.edges:
                if edge is None:
                    continue
                lines.append(f"  {name_of(edge)} -> {name_of(node)};")
                if isinstance(edge, Node) and id(edge) not in seen:
                    seen.add(id(edge))
                    stack.append(edge)
    lines.append("}")
    return "\n".join(lines)
