"""Reverse-mode autodiff over the tape: discover -> seed -> propagate -> finish.

``backward`` writes gradients into ``.grad``; ``grad`` returns them. Both run the
same four steps. With ``create_graph=True`` the propagation itself is recorded (it
runs in grad mode), so the gradients it produces can be differentiated again. Their
arguments are read, as PyTorch reads them, in :mod:`minigrad.autograd._arguments`.
"""

from __future__ import annotations

import heapq
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.autograd import _arguments as args
from minigrad.autograd import grad_mode
from minigrad.autograd._arguments import ImplicitGradientError
from minigrad.autograd._batched import grad_rows
from minigrad.autograd.graph import Node

if TYPE_CHECKING:
    from minigrad.tensor import Tensor

__all__ = ["FREED_MESSAGE", "ImplicitGradientError", "backward", "grad", "run_backward"]

# id(tensor) -> (tensor, its total gradient)
Gradients = dict[int, tuple["Tensor", "Tensor"]]

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or to use saved values after "
    "they were freed). Saved intermediate values are freed when you call .backward() or "
    "autograd.grad(); specify retain_graph=True the first time if you need to backward "
    "through the graph again."
)


class _Plan:
    """Step 1's result: the nodes to visit, each with its number of consumers among
    them, and the tensors asked for (``targets``; None: every leaf).
    """

    def __init__(self, roots: Sequence[Tensor], targets: Sequence[Tensor] | None) -> None:
        self.targets = targets
        self.target_nodes = {t.grad_fn: t for t in targets or () if t.grad_fn is not None}
        self.target_leaves = {id(t) for t in targets or () if t.grad_fn is None}
        self.consumers = _count_consumers([r.grad_fn for r in roots if r.grad_fn is not None])
        if targets is not None:
            self.consumers = self._pruned(self.consumers)

    def _pruned(self, consumers: dict[Node, int]) -> dict[Node, int]:
        """Only the nodes with a path to a target, with consumers recounted among them."""
        useful: set[Node] = set()
        # Nodes in creation order: every edge points to an older node, so whether a
        # node's edges are useful is settled before the node itself is visited.
        for node in sorted(consumers, key=lambda n: n.sequence):
            if node in self.target_nodes or any(self._wanted(e, useful) for e in node.edges):
                useful.add(node)
        kept = {node: 0 for node in consumers if node in useful}
        for node in kept:
            for edge in node.edges:
                if isinstance(edge, Node) and edge in kept:
                    kept[edge] += 1
        return kept

    def _wanted(self, edge: Any, useful: Container[Node]) -> bool:
        """Whether a gradient along ``edge`` is wanted: it goes to a useful node, or
        to a target leaf.
        """
        if isinstance(edge, Node):
            return edge in useful
        return edge is not None and id(edge) in self.target_leaves

    def wants_leaf(self, edge: Tensor) -> bool:
        return self.targets is None or id(edge) in self.target_leaves

    def runs(self, node: Node) -> bool:
        """Whether ``node``'s backward runs: with targets, only if a gradient leaving it
        is wanted (so grad(loss, middle) leaves middle's own op, and its saved values,
        alone, as in PyTorch).
        """
        if self.targets is None:
            return True
        return any(self._wanted(edge, self.consumers) for edge in node.edges)


def run_backward(
    roots: Sequence[Tensor],
    seeds: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[Tensor] | None = None,
) -> tuple[Gradients, Gradients]:
    """Propagate ``seeds`` from ``roots`` down the tape.

    Returns the gradients found (of every reached leaf, or of the reached targets) and
    those of the tensors that called ``retain_grad()``. Nothing is written to ``.grad``.
    """
    # 1. Discover: the reachable nodes (with targets, those on a path to one) and their
    # consumer counts; refuse now, before any work, if one that will run cannot.
    plan = _Plan(roots, targets)
    _check_saved_values(plan)
    # As in PyTorch, a backward through infs and NaNs (inf * 0, say) is silent: numpy's
    # warnings would point into minigrad's ops rather than at the user's values.
    mode = grad_mode.enable_grad() if create_graph else grad_mode.no_grad()
    with mode, np.errstate(all="ignore"):
        # 2. Seed.
        slots, found = _seed(plan, roots, seeds)
        # 3. Propagate.
        retained = _propagate(plan, slots, found, retain_graph)
    # (4. Finish is the caller's: backward writes .grad, grad returns the gradients.)
    return found, retained


def _seed(
    plan: _Plan, roots: Sequence[Tensor], seeds: Sequence[Tensor]
) -> tuple[dict[Node, Tensor], Gradients]:
    """Each root's gradient goes into its node's slot (a leaf root's is found at once)."""
    slots: dict[Node, Tensor] = {}
    found: Gradients = {}
    for root, seed in zip(roots, seeds):
        if root.grad_fn is None:
            _accumulate_tensor(found, root, seed)
        elif root.grad_fn in plan.consumers:
            _accumulate(slots, root.grad_fn, seed)
    return slots, found


def _propagate(
    plan: _Plan, slots: dict[Node, Tensor], found: Gradients, retain_graph: bool
) -> Gradients:
    """Kahn's algorithm; ties go to the newest node, a fixed order. A node's gradient
    is complete when it is popped: it is noted for a target or a retained tensor, and
    handed on by the node's backward.
    """
    retained: Gradients = {}
    consumers = plan.consumers
    ready = [(-node.sequence, node) for node in consumers if consumers[node] == 0]
    heapq.heapify(ready)
    while ready:
        _, node = heapq.heappop(ready)
        node_grad = slots.pop(node, None)
        if node_grad is not None:
            if node in plan.target_nodes:
                _accumulate_tensor(found, plan.target_nodes[node], node_grad)
            tensor = node.retained() if node.retained is not None else None
            if tensor is not None:
                _accumulate_tensor(retained, tensor, node_grad)
            if plan.runs(node):
                _call_backward(node, node_grad, plan, slots, found, retain_graph)
        for edge in node.edges:
            if isinstance(edge, Node) and edge in consumers:
                consumers[edge] -= 1
                if consumers[edge] == 0:
                    heapq.heappush(ready, (-edge.sequence, edge))
    return retained


def _count_consumers(starts: list[Node]) -> dict[Node, int]:
    """Iterative DFS over the tape from ``starts``; counts reachable consumers per node."""
    consumers: dict[Node, int] = {node: 0 for node in starts}
    stack = list(starts)
    while stack:
        node = stack.pop()
        for edge in node.edges:
            if isinstance(edge, Node):
                if edge not in consumers:
                    consumers[edge] = 0
                    stack.append(edge)
                consumers[edge] += 1
    return consumers


def _check_saved_values(plan: _Plan) -> None:
    """Refuse unless every node whose backward will run still has its saved values,
    unchanged since its forward.
    """
    for node in plan.consumers:
        if not plan.runs(node):
            continue
        if node.spent:
            raise RuntimeError(FREED_MESSAGE)
        for position, counter, version in node.ctx.versions:
            if counter.value != version:
                raise RuntimeError(_modified_message(node, position, counter.value, version))


def _modified_message(node: Node, position: int, now: int, then: int) -> str:
    inputs = node.ctx.inputs
    if position == len(inputs):
        what = f"its output, a tensor of shape {tuple(node.shape)}"
    else:
        what = f"its input {position}, a tensor of shape {tuple(inputs[position].shape)}"
    return (
        f"{node.name}'s backward reads {what}, which was modified by an inplace operation "
        f"after the forward: it is at version {now}; expected version {then}. Run the "
        "forward again after the change (or change a clone instead)."
    )


def _call_backward(
    node: Node,
    grad: Tensor,
    plan: _Plan,
    slots: dict[Node, Tensor],
    found: Gradients,
    retain_graph: bool,
) -> None:
    """Run one node's backward and hand each input gradient to its edge."""
    if node.spent:
        raise RuntimeError(FREED_MESSAGE)
    input_grads = node.function.backward(node.ctx, grad)
    if not retain_graph:
        node.release()
    for edge, input_grad in zip(node.edges, input_grads):
        if edge is None or input_grad is None:
            continue
        if input_grad.shape != edge.shape:
            raise RuntimeError(
                f"{node.name}.backward returned a gradient of shape {input_grad.shape} "
                f"for an input of shape {edge.shape}"
            )
        if isinstance(edge, Node):
            if edge in plan.consumers:
                _accumulate(slots, edge, input_grad)
        elif plan.wants_leaf(edge):
            _accumulate_tensor(found, edge, input_grad)


def _accumulate(slots: dict[Node, Tensor], node: Node, grad: Tensor) -> None:
    # Out-of-place '+', so that under create_graph the accumulation is recorded too.
    slots[node] = grad if node not in slots else slots[node] + grad


def _accumulate_tensor(gradients: Gradients, tensor: Tensor, grad: Tensor) -> None:
    key = id(tensor)
    gradients[key] = (tensor, grad if key not in gradients else gradients[key][1] + grad)


def _write_grads(gradients: Gradients, create_graph: bool) -> None:
    """4. Finish: add each gradient into its tensor's ``.grad``, as PyTorch accumulates."""
    from minigrad.tensor import Tensor

    for tensor, grad in gradients.values():
        if not create_graph:
            # A fresh array: one gradient may reach several leaves (x + y) or be the
            # caller's own `gradient`, and editing one .grad in place must not change another.
            grad = Tensor._wrap(np.array(grad._data))
        # ._grad: the shapes were checked in step 3, as the setter would.
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad


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
    found, retained = run_backward(roots, seeds, retain, create_graph, targets)
    if targets is not None:
        wanted = {id(t) for t in targets}
        found = {key: pair for key, pair in found.items() if key in wanted}
    # A retained tensor that is also an input gets its gradient once.
    _write_grads({**retained, **found}, create_graph)


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

    def gradients(seeds: list[Tensor], keep_graph: bool) -> list[Tensor | None]:
        found, retained = run_backward(roots, seeds, keep_graph, create_graph, targets)
        _write_grads(retained, create_graph)
        return [found[id(t)][1] if id(t) in found else None for t in targets]

    if is_grads_batched:
        rows = args.batched_seeds(roots, grad_outputs)
        results = grad_rows(gradients, rows, retain)
    else:
        results = gradients(args.seed_gradients(roots, grad_outputs, "grad_outputs"), retain)
    answers = args.answers_of(results, targets, allowed, materialize_grads, create_graph)
    return args.named(names, answers)
