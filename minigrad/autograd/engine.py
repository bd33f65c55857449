"""Reverse-mode autodiff over the tape, in four steps.

``backward`` and ``grad`` read their arguments (as PyTorch reads them, in
``minigrad.autograd._arguments``) and then call the same four functions in order:

1. [`discover`][] walks the tape from the roots and keeps the nodes whose gradient
   is needed, with their number of consumers among them; with ``inputs``, only the
   nodes on a path to one of them. It refuses, before any work, a node that would run
   on freed or changed saved values.
2. [`seed`][] hands each root its gradient.
3. [`propagate`][] visits the nodes in reverse topological order, each once its
   gradient is complete, and runs its backward.
4. [`finish`][] adds the gradients into ``.grad`` (``backward``, and every tensor
   that called ``retain_grad()``) or hands them back (``grad``).

Steps 2 and 3 run in grad mode when ``create_graph=True``, so that they are recorded
themselves and the gradients they produce can be differentiated again.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from minigrad.autograd import _arguments as args
from minigrad.autograd import grad_mode
from minigrad.autograd._arguments import ImplicitGradientError
from minigrad.autograd._batched import grad_rows
from minigrad.autograd.graph import Node
from minigrad.tensor import Tensor

_grad_state = grad_mode._state

__all__ = [
    "FREED_MESSAGE",
    "Gradients",
    "Graph",
    "ImplicitGradientError",
    "backward",
    "discover",
    "finish",
    "grad",
    "propagate",
    "seed",
]

# A gradient on its way through propagate: a Tensor, or, in a backward that is not
# recorded, the array an op's ``backward_arrays`` gave.
Grad = Tensor | np.ndarray
# id(tensor) -> (tensor, its total gradient so far; made a Tensor in finish)
TensorGradients = dict[int, tuple[Tensor, Grad]]

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or to use saved values after "
    "they were freed). Saved intermediate values are freed when you call .backward() or "
    "autograd.grad(); specify retain_graph=True the first time if you need to backward "
    "through the graph again."
)


class Graph:
    """What [`discover`][] found: the part of the tape that one pass visits.

    Attributes:
        consumers: each node whose gradient is needed, with the number of its consumers
            among them (the gradients it receives; [`propagate`][] visits the nodes
            newest first, which is after all of them).
        silent: the nodes among them whose backward does not run. With ``inputs``, a
            target node whose own inputs lead to no target (so ``grad(loss, middle)``
            leaves middle's op, and its saved values, alone, as in PyTorch); else empty.
        target_nodes: node -> the target tensor that it produced.
        leaves: the ids of the leaves that get a gradient; None: every leaf.
    """

    __slots__ = ("consumers", "silent", "target_nodes", "leaves")

    def __init__(self, consumers: dict[Node, int]) -> None:
        self.consumers = consumers
        self.silent: set[Node] | frozenset[Node] = frozenset()
        self.target_nodes: dict[Node, Tensor] = {}
        self.leaves: set[int] | None = None


class Gradients:
    """The gradients of one pass, from [`seed`][] to [`finish`][].

    Attributes:
        pending: node -> the sum of the gradients handed to it so far.
        found: the gradient of each leaf reached (with ``inputs``: of each target).
        retained: the gradient of each tensor that called ``retain_grad()``.
    """

    __slots__ = ("pending", "found", "retained")

    def __init__(self) -> None:
        self.pending: dict[Node, Grad] = {}
        self.found: TensorGradients = {}
        self.retained: TensorGradients = {}


# ---- 1. discover ------------------------------------------------------------------------


def discover(roots: Sequence[Tensor], targets: Sequence[Tensor] | None) -> Graph:
    """Step 1: the nodes reachable from ``roots`` (with ``targets``, those on a path
    to one) and their consumer counts; refuse now if a node that will run cannot.
    """
    graph = Graph(_count_consumers([r.grad_fn for r in roots if r.grad_fn is not None]))
    if targets is not None:
        _prune(graph, targets)
    _check_saved_values(graph)
    return graph


def _count_consumers(starts: list[Node]) -> dict[Node, int]:
    """Iterative DFS over the tape from ``starts``; counts reachable consumers per node."""
    consumers: dict[Node, int] = dict.fromkeys(starts, 0)
    stack = list(starts)
    while stack:
        for edge in stack.pop().edges:
            if isinstance(edge, Node):
                count = consumers.get(edge)
                if count is None:
                    consumers[edge] = 1
                    stack.append(edge)
                else:
                    consumers[edge] = count + 1
    return consumers


def _prune(graph: Graph, targets: Sequence[Tensor]) -> None:
    """Keep only the nodes with a path to a target, with consumers recounted among
    them; note the targets, and the kept nodes whose backward has nothing to hand on.
    """
    target_nodes = {t.grad_fn: t for t in targets if t.grad_fn is not None}
    leaves = {id(t) for t in targets if t.grad_fn is None}
    useful: set[Node] = set()
    silent: set[Node] = set()
    # Nodes in creation order: every edge points to an older node, so whether a
    # node's edges lead to a target is settled before the node itself is visited.
    for node in sorted(graph.consumers, key=lambda n: n.sequence):
        if any(_leads_to_target(edge, useful, leaves) for edge in node.edges):
            useful.add(node)
        elif node in target_nodes:
            useful.add(node)
            silent.add(node)
    kept = {node: 0 for node in graph.consumers if node in useful}
    for node in kept:
        for edge in node.edges:
            if isinstance(edge, Node) and edge in kept:
                kept[edge] += 1
    graph.consumers = kept
    graph.silent = silent
    graph.target_nodes = target_nodes
    graph.leaves = leaves


def _leads_to_target(edge: Any, useful: set[Node], leaves: set[int]) -> bool:
    """Whether a gradient along ``edge`` is wanted: it goes to a node on a path to a
    target, or to a target leaf.
    """
    if isinstance(edge, Node):
        return edge in useful
    return edge is not None and id(edge) in leaves


def _check_saved_values(graph: Graph) -> None:
    """Refuse unless every node whose backward will run still has its saved values,
    unchanged since its forward.
    """
    for node in graph.consumers:
        if node in graph.silent:
            continue
        if node.spent:
            raise RuntimeError(FREED_MESSAGE)
        for position, counter, version in node.versions:
            if counter is None:
                # The input had no counter at the forward (Function._record): it has
                # one now only if it was written since.
                counter = node.inputs[position]._versions
                if counter is None:
                    continue
            if counter.value != version:
                raise RuntimeError(_modified_message(node, position, counter.value, version))


def _modified_message(node: Node, position: int, now: int, then: int) -> str:
    inputs = node.inputs
    if position == len(inputs):
        what = f"its output, a tensor of shape {tuple(node.shape)}"
    else:
        what = f"its input {position}, a tensor of shape {tuple(inputs[position].shape)}"
    return (
        f"{node.name}'s backward reads {what}, which was modified by an inplace operation "
        f"after the forward: it is at version {now}; expected version {then}. Run the "
        "forward again after the change (or change a clone instead)."
    )


# ---- 2. seed ----------------------------------------------------------------------------


def seed(graph: Graph, roots: Sequence[Tensor], seeds: Sequence[Tensor]) -> Gradients:
    """Step 2: each root's gradient goes to its node (a leaf root's is found at once)."""
    gradients = Gradients()
    for root, gradient in zip(roots, seeds):
        if root.grad_fn is None:
            if graph.leaves is None or id(root) in graph.leaves:
                _accumulate_tensor(gradients.found, root, gradient)
        elif root.grad_fn in graph.consumers:
            _accumulate(gradients.pending, root.grad_fn, gradient)
    return gradients


@contextlib.contextmanager
def _recorded_if(create_graph: bool) -> Iterator[None]:
    """The mode of steps 2 and 3: recorded only with ``create_graph``, and silent on
    infs and NaNs (inf * 0, say), as PyTorch's backward is: numpy's warnings would
    point into minigrad's ops rather than at the user's values.
    """
    # This thread's grad mode set and restored directly: what enable_grad() and
    # no_grad() do, without their per-block bookkeeping.
    previous = _grad_state.enabled
    _grad_state.enabled = create_graph
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _grad_state.enabled = previous


# ---- 3. propagate -----------------------------------------------------------------------

# The sort key of propagate: a node's creation number (read in C, not a Python call per node).
_SEQUENCE = operator.attrgetter("sequence")


def propagate(graph: Graph, gradients: Gradients, retain_graph: bool) -> None:
    """Step 3: the nodes newest first. Every edge points to an older node, so a node
    comes after all of its consumers and its gradient is complete when it is reached:
    it is noted for a target or a retained tensor, and handed on by the node's backward.

    This is the order of Kahn's algorithm with ties to the newest node (the newest
    node not yet visited is always ready), found by one sort: a fixed order, so the
    same bits on every run.

    A backward that is not recorded hands on plain arrays where the ops run their
    ``backward_arrays`` (``Grad`` below): a Tensor is made only where one is needed.
    """
    silent = graph.silent
    target_nodes = graph.target_nodes
    pending = gradients.pending
    on_arrays = not _grad_state.enabled  # not recorded: the ops' backward_arrays may run
    for node in sorted(graph.consumers, key=_SEQUENCE, reverse=True):
        node_grad = pending.pop(node, None)
        if node_grad is None:
            continue
        if node in target_nodes:
            _accumulate_tensor(gradients.found, target_nodes[node], node_grad)
        tensor = node.retained() if node.retained is not None else None
        if tensor is not None:
            _accumulate_tensor(gradients.retained, tensor, node_grad)
        if node not in silent:
            _call_backward(node, node_grad, graph, gradients, retain_graph, on_arrays)


def _call_backward(
    node: Node,
    grad: Grad,
    graph: Graph,
    gradients: Gradients,
    retain_graph: bool,
    on_arrays: bool,
) -> None:
    """Run one node's backward and hand each input gradient to its edge; ``on_arrays``:
    the backward is not recorded, so the op's ``backward_arrays`` may run.
    """
    if node.spent:
        raise RuntimeError(FREED_MESSAGE)
    input_grads: Sequence[Grad | None]
    formula = node.function.backward_arrays if on_arrays else None
    if formula is not None:
        # Not recorded: the op's same formula on arrays (autograd.function's fast path).
        input_grads = formula(node, grad if isinstance(grad, np.ndarray) else grad._data)
    else:
        input_grads = node.function.backward(node, _tensor(grad))
    if not retain_graph:
        node.release()
    consumers = graph.consumers
    pending = gradients.pending
    leaves = graph.leaves
    for edge, input_grad in zip(node.edges, input_grads):
        if edge is None or input_grad is None:
            continue
        if type(input_grad) is np.ndarray:
            shape = input_grad.shape
        elif isinstance(input_grad, Tensor):
            shape = input_grad._data.shape
        else:
            input_grad = np.asarray(input_grad)  # numpy gives 0-d results as scalars
            shape = input_grad.shape
        if shape != edge.shape:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {tuple(shape)} "
                f"for an input of shape {edge.shape}"
            )
        if isinstance(edge, Node):
            if edge in consumers:
                total = pending.get(edge)
                pending[edge] = input_grad if total is None else _sum(total, input_grad)
        elif leaves is None or id(edge) in leaves:
            # Kept as it came (an array, in a backward that is not recorded) until finish.
            _accumulate_tensor(gradients.found, edge, input_grad)


def _tensor(grad: Grad) -> Tensor:
    return grad if isinstance(grad, Tensor) else Tensor._wrap(grad)


def _array(grad: Grad) -> np.ndarray:
    return grad if isinstance(grad, np.ndarray) else grad._data


def _accumulate(pending: dict[Node, Grad], node: Node, grad: Tensor) -> None:
    total = pending.get(node)
    pending[node] = grad if total is None else _sum(total, grad)


def _accumulate_tensor(gradients: TensorGradients, tensor: Tensor, grad: Grad) -> None:
    key = id(tensor)
    entry = gradients.get(key)
    gradients[key] = (tensor, grad if entry is None else _sum(entry[1], grad))


def _sum(total: Grad, grad: Grad) -> Grad:
    """``total + grad``, out of place (one gradient may be handed to several edges).

    Under create_graph this is the op, so that the accumulation is recorded too. Else,
    for operands of one dtype (their shapes are checked equal), it is numpy's sum of
    the arrays: the bits of the Add op, without its bookkeeping.
    """
    left, right = _array(total), _array(grad)
    if _grad_state.enabled or left.dtype != right.dtype:
        return _tensor(total) + _tensor(grad)
    out = np.asarray(left + right)
    return out if type(total) is np.ndarray and type(grad) is np.ndarray else Tensor._wrap(out)


# ---- 4. finish --------------------------------------------------------------------------


def finish(
    gradients: Gradients, create_graph: bool, answers_for: Sequence[Tensor] | None = None
) -> list[Tensor | None]:
    """Step 4: add the retained tensors' gradients into their ``.grad``; then either
    add the found ones into ``.grad`` too (``backward``) or, given ``answers_for``,
    return the gradient of each of those tensors, None for one not reached (``grad``).
    """
    if answers_for is None:
        # A retained tensor that is also an input gets its gradient once.
        _write_grads({**gradients.retained, **gradients.found}, create_graph)
        return []
    _write_grads(gradients.retained, create_graph)
    found = gradients.found
    return [_tensor(found[id(t)][1]) if id(t) in found else None for t in answers_for]


def _write_grads(gradients: TensorGradients, create_graph: bool) -> None:
    """Add each gradient into its tensor's ``.grad``, as PyTorch accumulates."""
    for tensor, grad in gradients.values():
        if not create_graph:
            # A fresh array: one gradient may reach several leaves (x + y) or be the
            # caller's own `gradient`, and editing one .grad in place must not change another.
            grad = Tensor._wrap(np.array(_array(grad)))
        # ._grad: the shapes were checked in step 3, as the setter would.
        tensor._grad = _tensor(grad) if tensor._grad is None else tensor._grad + _tensor(grad)


# ---- the two entry points ---------------------------------------------------------------


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Tensor | Sequence[Tensor | None] | None = None,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate d(tensors)/d(leaf) into every reachable leaf's ``.grad``; with
    ``inputs``, into those tensors' ``.grad`` only (leaves or not), as in PyTorch.
    ``grad_variables`` is PyTorch's deprecated name for ``grad_tensors``.
    """
    roots = args.tensor_list(tensors, "tensors")
    given = args.grad_tensors_of(grad_tensors, grad_variables)
    targets = None if inputs is None else args.targets_of(inputs, "backward")[1]
    seeds = args.seed_gradients(roots, given, "gradient")
    retain = create_graph if retain_graph is None else retain_graph
    graph = discover(roots, targets)
    with _recorded_if(create_graph):
        gradients = seed(graph, roots, seeds)
        propagate(graph, gradients, retain)
    finish(gradients, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> Any:
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple
    (a dict when ``inputs`` is a dict of named tensors).

    Nothing is written to ``.grad`` of the inputs. With ``create_graph=True`` the
    returned gradients are themselves differentiable. An input that the outputs do not
    depend on is refused, unless ``allow_unused`` (None for it; the default is
    ``materialize_grads``) or ``materialize_grads`` (zeros for it). With
    ``is_grads_batched=True`` each ``grad_outputs`` tensor has a leading batch dim, and
    each answer gets it too: one vector-Jacobian product per row. ``only_inputs`` is
    deprecated in PyTorch and ignored (False warns).

    >>> import minigrad as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (dx,) = mg.autograd.grad(x ** 3, x, create_graph=True)
    >>> (ddx,) = mg.autograd.grad(dx, x)
    >>> dx.item(), ddx.item()
    (27.0, 18.0)
    """
    roots = args.tensor_list(outputs, "outputs")
    names, targets = args.targets_of(inputs, "grad")
    allowed = args.allow_unused_of(allow_unused, materialize_grads, only_inputs)
    retain = create_graph if retain_graph is None else retain_graph

    def one_pass(seeds: list[Tensor], keep_graph: bool) -> list[Tensor | None]:
        graph = discover(roots, targets)
        with _recorded_if(create_graph):
            gradients = seed(graph, roots, seeds)
            propagate(graph, gradients, keep_graph)
        return finish(gradients, create_graph, answers_for=targets)

    if is_grads_batched:
        rows = args.batched_seeds(roots, grad_outputs)
        results = grad_rows(one_pass, rows, retain)
    else:
        results = one_pass(args.seed_gradients(roots, grad_outputs, "grad_outputs"), retain)
    answers = args.answers_of(results, targets, allowed, materialize_grads, create_graph)
    return args.named(names, answers)
