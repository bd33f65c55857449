"""The tape's nodes and the contexts of ops, and the tape rendered as Graphviz DOT text."""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.tensor import Tensor, VersionCounter

if TYPE_CHECKING:
    from minigrad.autograd.function import Function

# Creation order of nodes: the engine uses it to break ties, which keeps the order of
# gradient accumulation (and so the bits of the result) the same on every run.
_sequence = itertools.count()

# In ``reads``: the op's own output (exp, tanh and sigmoid differentiate through it).
OUTPUT = "output"


class Context:
    """What a forward leaves for its backward.

    A recorded op's context is its [`Node`][minigrad.autograd.graph.Node] itself (a
    subclass): one object per op, made before the forward runs, so that recording adds
    no second one.

    Attributes:
        inputs: the op's tensor inputs, in order; backward computes with these. Once
            recorded, an input the needed formulas do not read (see ``Function.reads``)
            is an [`Unkept`][minigrad.autograd.graph.Unkept]: its shape and dtype only.
        needs_input_grad: one bool per input: compute only the gradients needed.
        params: the op's non-tensor arguments, as given to ``apply``.
        saved: extra arrays (masks, indices) whose derivative is zero.
    """

    # Several hundred contexts are made per training step: slots make them cheaper.
    __slots__ = ("inputs", "needs_input_grad", "params", "saved", "versions")

    def __init__(
        self,
        inputs: tuple[Tensor, ...],
        params: dict[str, Any],
        needs_input_grad: tuple[bool, ...] | None = None,
    ) -> None:
        self.inputs = inputs
        if needs_input_grad is None:
            needs_input_grad = tuple([t._requires_grad for t in inputs])
        self.needs_input_grad = needs_input_grad
        self.params = params
        self.saved: dict[str, Any] = {}
        # (position, counter, version at the forward) per tensor the backward reads;
        # position len(inputs) is the output; counter None: an input that had none yet.
        self.versions: tuple[tuple[int, VersionCounter | None, int], ...] = ()

    def output(self) -> Tensor:
        """The op's own output, for a backward that reads it: a tensor on the op's node,
        so that a recorded backward (``create_graph``) differentiates through it.
        """
        assert isinstance(self, Node), "only a recorded op's backward runs"
        assert OUTPUT in self.saved, "the op does not list OUTPUT in its reads"
        out = Tensor._wrap(self.saved[OUTPUT], requires_grad=True)
        out.grad_fn = self
        return out


class Unkept:
    """An op input that its backward does not read, as the op's node holds it: the
    input's shape and dtype, not its values (PyTorch's tape, too, keeps only what a
    backward reads), so its array is freed once nothing else holds it. ``_data`` is
    None: a backward that read the values would fail at once, not compute with stale
    ones.
    """

    __slots__ = ("shape", "dtype")
    _data = None

    def __init__(self, tensor: Tensor) -> None:  # noqa: D107 - see the class
        self.shape: tuple[int, ...] = tensor._data.shape
        self.dtype: np.dtype[Any] = tensor._data.dtype

    @property
    def ndim(self) -> int:
        """The number of dims (``len(shape)``)."""
        return len(self.shape)


class Node(Context):
    """One recorded op: its Function, its context (the node itself), and an edge per
    input.

    An edge is the input's own ``Node`` when the input is an op result, the input
    tensor itself when it is a leaf that requires grad, and ``None`` otherwise.
    ``Function.apply`` makes the node before the forward runs (as its context) and
    ``Function._record`` notes the output's shape and dtype.
    """

    # One node per recorded op, several hundred per training step: slots make them cheaper.
    __slots__ = (
        "function",
        "shape",
        "dtype",
        "sequence",
        "spent",
        "retained",
        "edges",
    )
    #: The output's shape and dtype (the node does not hold the output itself).
    shape: tuple[int, ...]
    dtype: np.dtype[Any]

    def __init__(
        self, function: type[Function], inputs: tuple[Tensor, ...], params: dict[str, Any]
    ) -> None:
        # Context's attributes set here, not by a call to Context.__init__: one frame less
        # per recorded op.
        self.inputs = inputs
        self.params = params
        self.saved: dict[str, Any] = {}
        self.versions: tuple[tuple[int, VersionCounter | None, int], ...] = ()
        self.function = function
        self.spent = False
        self.retained: weakref.ref[Tensor] | None = None
        # The edges of the class docstring (a Node is always truthy), with the inputs'
        # needs. Most ops take one or two inputs: their tuples are built directly (each
        # _requires_grad is a bool), others' in one plain loop (a comprehension is a
        # function made and called).
        count = len(inputs)
        if count == 1:
            (x,) = inputs
            self.edges: tuple[Node | Tensor | None, ...] = (
                (x.grad_fn or x) if x._requires_grad else None,
            )
            self.needs_input_grad = (x._requires_grad,)
        elif count == 2:
            x, y = inputs
            self.edges = (
                (x.grad_fn or x) if x._requires_grad else None,
                (y.grad_fn or y) if y._requires_grad else None,
            )
            self.needs_input_grad = (x._requires_grad, y._requires_grad)
        else:
            edges: list[Node | Tensor | None] = []
            needs: list[bool] = []
            for t in inputs:
                if t._requires_grad:
                    edges.append(t.grad_fn or t)
                    needs.append(True)
                else:
                    edges.append(None)
                    needs.append(False)
            self.edges = tuple(edges)
            self.needs_input_grad = tuple(needs)
        # Made before the forward runs, which records nothing (it works on arrays), so
        # the node is still newer than every node its edges reach.
        self.sequence = next(_sequence)
        # shape and dtype are set by Function._record, from the output: a node that it
        # does not record is dropped unread.

    @property
    def ctx(self) -> Context:
        """The op's context: the node itself."""
        return self

    @property
    def name(self) -> str:
        """The op's name, its Function's class name (``"Mul"``)."""
        return self.function.__name__

    def release(self) -> None:
        """Free the saved values; a later backward through this node must fail."""
        self.inputs = ()
        self.saved = {}
        self.versions = ()
        self.spent = True

    def __repr__(self) -> str:
        """``<MulBackward(...) -> shape>``: the op, its parameters, its output shape."""
        params = ", ".join(f"{key}={_short(value)}" for key, value in self.params.items())
        return f"<{self.name}Backward({params}) -> {self.shape}>"


def _short(value: Any) -> str:
    """A parameter for ``repr``: arrays (index arrays, masks) by shape, not by content."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        return "(" + ", ".join(_short(v) for v in value) + ")"
    return repr(value)


# An array with at most this many elements is printed in full in a DOT label.
_FULL_VALUES = 16


def to_dot(tensor: Tensor, *, values: bool = False, grads: bool = False) -> str:
    r"""The tape behind ``tensor`` as Graphviz DOT text: one box per op with its
    output shape, one ellipse per leaf that requires grad, an edge from each input
    to the op that consumed it.

    Args:
        tensor: the output whose history is drawn.
        values: also print each node's value (an op's output, a leaf's data): small
            arrays (at most 16 elements) in full, larger ones as mean, min and max. An
            op whose saved inputs were freed by ``backward()`` shows ``(freed)``.
        grads: also print ``.grad`` of the leaves (and of tensors that called
            ``retain_grad()``), when it is set.

    Returns:
        The DOT text; ``dot -Tpng`` (Graphviz) renders it, or see
        ``minigrad.viz.draw_tape``.

    >>> import minigrad as mg
    >>> x = mg.ones(2, 3, requires_grad=True)
    >>> print(mg.autograd.to_dot((x * 2).sum()))  # doctest: +ELLIPSIS
    digraph minigrad {
    ...Sum...
    }

    With ``values`` and ``grads`` the labels hold the numbers, each row of a value
    ended by ``\l`` (left-justified). After ``backward()`` the op's inputs are freed,
    so ``Mul``'s value is gone; the leaf keeps its data and its ``.grad``:

    >>> v = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (v * 2).sum()
    >>> loss.backward()
    >>> print(mg.autograd.to_dot(loss, values=True, grads=True))
    digraph minigrad {
      rankdir=BT;
      node [fontname="Courier", fontsize=10];
      n0 [shape=box, label="Sum\n()\n6.\l"];
      n1 [shape=box, label="Mul\n(2,)\n(freed)\l"];
      n1 -> n0;
      n2 [shape=ellipse, label="leaf\n(2,)\n[1. 2.]\lgrad\l[2. 2.]\l"];
      n2 -> n1;
    }
    """
    lines = ["digraph minigrad {", "  rankdir=BT;"]
    if values or grads:
        # Monospace, so that the rows of a printed array line up.
        lines.append('  node [fontname="Courier", fontsize=10];')
    names: dict[int, str] = {}
    # An op's output is not kept on its node; its consumers hold it among their inputs
    # (as an Unkept where none of them reads it).
    outputs: dict[int, Tensor | Unkept | None] = {}
    if tensor.grad_fn is not None:
        outputs[id(tensor.grad_fn)] = tensor

    def name_of(item: Node | Tensor) -> str:
        key = id(item)
        if key not in names:
            names[key] = f"n{len(names)}"
            if isinstance(item, Node):
                label = f"{item.name}\\n{item.shape}"
                label += _node_extras(item, outputs.get(key), values, grads)
                lines.append(f'  {names[key]} [shape=box, label="{label}"];')
            else:
                label = f"leaf\\n{item.shape}" + _leaf_extras(item, values, grads)
                lines.append(f'  {names[key]} [shape=ellipse, label="{label}"];')
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
            inputs = node.inputs
            for position, edge in enumerate(node.edges):
                if edge is None:
                    continue
                if isinstance(edge, Node) and id(edge) not in outputs:
                    outputs[id(edge)] = inputs[position] if inputs else None
                lines.append(f"  {name_of(edge)} -> {name_of(node)};")
                if isinstance(edge, Node) and id(edge) not in seen:
                    seen.add(id(edge))
                    stack.append(edge)
    lines.append("}")
    return "\n".join(lines)


def _node_extras(node: Node, output: Tensor | Unkept | None, values: bool, grads: bool) -> str:
    """The value and retained gradient lines of an op's label (empty by default)."""
    text = ""
    if values:
        if output is None:
            text += "(freed)\\l"
        elif isinstance(output, Unkept):
            text += "(not kept)\\l"
        else:
            text += _describe(output._data)
    retained = node.retained() if node.retained is not None else None
    if grads and retained is not None and retained.grad is not None:
        text += "grad\\l" + _describe(retained.grad._data)
    return "\\n" + text if text else ""


def _leaf_extras(leaf: Tensor, values: bool, grads: bool) -> str:
    """The value and gradient lines of a leaf's label (empty by default)."""
    text = _describe(leaf._data) if values else ""
    if grads and leaf.grad is not None:
        text += "grad\\l" + _describe(leaf.grad._data)
    return "\\n" + text if text else ""


def _describe(array: np.ndarray) -> str:
    r"""An array for a DOT label, each row ended by ``\l`` (left-justified): in full
    when small, else its mean, min and max.
    """
    if array.size == 0:
        return "(empty)\\l"
    if array.size <= _FULL_VALUES:
        text = np.array2string(array, precision=4, suppress_small=True, max_line_width=48)
        return "".join(row + "\\l" for row in text.splitlines())
    # float64 statistics, so that a float32 mean is not rounded twice.
    wide = array.astype(np.float64)
    return f"mean {wide.mean():.4g}\\lmin {wide.min():.4g}, max {wide.max():.4g}\\l"
