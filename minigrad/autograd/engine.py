"""Reverse-mode autodiff over the tape: discover -> seed -> propagate -> finish.

``backward`` writes gradients into leaf ``.grad``; ``grad`` returns them. Both run
the same four steps. With ``create_graph=True`` the propagation itself is recorded
(it runs in grad mode), so the gradients it produces can be differentiated again.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.graph import Node

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


class ImplicitGradientError(RuntimeError, ValueError):
    """A non-scalar output was given no gradient. It is a ``RuntimeError`` as in
    PyTorch, and a ``ValueError`` because the missing value is an argument.
    """


Results = dict[int, tuple["Tensor", "Tensor"]]

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or to use saved values after "
    "they were freed). Saved intermediate values are freed when you call .backward() or "
    "autograd.grad(); specify retain_graph=True the first time if you need to backward "
    "through the graph again."
)


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[Tensor] | None = None,
) -> Results:
    """Propagate ``root_grads`` from ``roots`` down the tape.

    Returns ``(tensor, total gradient)`` for every reached leaf (and every target),
    keyed by ``id`` of the tensor. When ``targets`` is given, only the part of the graph that
    leads to a target is visited, and nothing is written to ``.grad``.
    """
    # 1. Discover: the reachable nodes and, for each, how many reachable consumers it has.
    consumers = _count_consumers([r.grad_fn for r in roots if r.grad_fn is not None])
    if targets is not None:
        consumers = _prune_to_targets(consumers, targets)
    # ... and refuse now, before any work, if one that will run cannot run its backward.
    target_leaves = {id(t) for t in targets or () if t.grad_fn is None}
    _check_saved_values(consumers, targets, target_leaves)

    # 2. Seed: the root gradients go into their node's slot (or straight to a leaf root).
    slots: dict[Node, Tensor] = {}
    results: Results = {}
    # As in PyTorch, a backward through infs and NaNs (inf * 0, say) is silent: numpy's
    # warnings would point into minigrad's ops rather than at the user's values.
    mode = grad_mode.no_grad() if not create_graph else grad_mode.enable_grad()
    with mode, np.errstate(all="ignore"):
        for root, seed in zip(roots, root_grads):
            if root.grad_fn is None:
                _accumulate_leaf(results, root, seed)
            elif root.grad_fn in consumers:
                _accumulate(slots, root.grad_fn, seed)

        # 3. Propagate: Kahn's algorithm; ties go to the newest node, a fixed order.
        target_nodes = {id(t.grad_fn): t for t in targets or () if t.grad_fn is not None}
        ready = [(-node.sequence, node) for node in consumers if consumers[node] == 0]
        heapq.heapify(ready)
        while ready:
            _, node = heapq.heappop(ready)
            node_grad = slots.pop(node, None)
            if node_grad is not None:
                if id(node) in target_nodes:
                    _accumulate_leaf(results, target_nodes[id(node)], node_grad)
                # A target's own op runs only if something below it is wanted too, so
                # grad(loss, middle) leaves middle's history intact, as in PyTorch.
                if targets is None or _feeds_a_target(node, consumers, target_leaves):
                    _call_backward(node, node_grad, results, slots, consumers, retain_graph)
            for edge in node.edges:
                if isinstance(edge, Node) and edge in consumers:
                    consumers[edge] -= 1
                    if consumers[edge] == 0:
                        heapq.heappush(ready, (-edge.sequence, edge))
    return results


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


def _check_saved_values(
    nodes: dict[Node, int], targets: Sequence[Tensor] | None, target_leaves: set[int]
) -> None:
    """Refuse unless every node whose backward will run still has its saved values,
    unchanged since its forward (a target's own op runs only if something below it is
    wanted too).
    """
    for node in nodes:
        if targets is not None and not _feeds_a_target(node, nodes, target_leaves):
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


def _prune_to_targets(consumers: dict[Node, int], targets: Sequence[Tensor]) -> dict[Node, int]:
    """Keep only nodes with a path to a target; recount consumers within what is kept."""
    target_leaves = {id(t) for t in targets if t.grad_fn is None}
    target_nodes = {t.grad_fn for t in targets if t.grad_fn is not None}
    useful: dict[Node, bool] = {}
    # Nodes in creation order: every edge points to an older node, so whether a node's
    # edges are useful is settled before the node itself is visited.
    for node in sorted(consumers, key=lambda n: n.sequence):
        useful[node] = node in target_nodes or any(
            (isinstance(e, Node) and useful.get(e, False))
            or (e is not None and not isinstance(e, Node) and id(e) in target_leaves)
            for e in node.edges
        )
    kept = {node: 0 for node in consumers if useful[node]}
    for node in kept:
        for edge in node.edges:
            if isinstance(edge, Node) and edge in kept:
                kept[edge] += 1
    return kept


def _feeds_a_target(node: Node, kept: dict[Node, int], target_leaves: set[int]) -> bool:
    """Whether a gradient leaving ``node`` reaches a kept node or a target leaf."""
    return any(
        edge in kept if isinstance(edge, Node) else edge is not None and id(edge) in target_leaves
        for edge in node.edges
    )


def _call_backward(
    node: Node,
    grad: Tensor,
    results: Results,
    slots: dict[Node, Tensor],
    consumers: dict[Node, int],
    retain_graph: bool,
) -> None:
    """Run one node's backward and hand each input gradient to its edge."""
    if node.spent:
        raise RuntimeError(FREED_MESSAGE)
    if node.retained is not None:
        retained = node.retained()
        if retained is not None:
            retained.grad = grad if retained.grad is None else retained.grad + grad
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
            if edge in consumers:
                _accumulate(slots, edge, input_grad)
        else:
            _accumulate_leaf(results, edge, input_grad)


def _accumulate(slots: dict[Node, Tensor], node: Node, grad: Tensor) -> None:
    # Out-of-place '+', so that under create_graph the accumulation is recorded too.
    slots[node] = grad if node not in slots else slots[node] + grad


def _accumulate_leaf(results: Results, tensor: Tensor, grad: Tensor) -> None:
    key = id(tensor)
    results[key] = (tensor, grad if key not in results else results[key][1] + grad)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(tensors)/d(leaf) into every reachable leaf's ``.grad``."""
    from minigrad.tensor import Tensor

    roots = _as_tensor_list(tensors, "tensors")
    seeds = _seed_gradients(roots, grad_tensors, "gradient")
    retain = create_graph if retain_graph is None else retain_graph
    for tensor, grad in run_backward(roots, seeds, retain, create_graph).values():
        if not create_graph:
            # A fresh array: one gradient may reach several leaves (x + y) or be the
            # caller's own `gradient`, and editing one .grad in place must not change another.
            grad = Tensor._wrap(np.array(grad._data))
        # ._grad: the shapes and dtypes were checked in step 3, as the setter would.
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple.

    Nothing is written to ``.grad``. With ``create_graph=True`` the returned
    gradients are themselves differentiable.

    >>> import minigrad as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (dx,) = mg.autograd.grad(x ** 3, x, create_graph=True)
    >>> (ddx,) = mg.autograd.grad(dx, x)
    >>> dx.item(), ddx.item()
    (27.0, 18.0)
    """
    roots = _as_tensor_list(outputs, "outputs")
    targets = _as_tensor_list(inputs, "inputs")
    for index, target in enumerate(targets):
        if not target.requires_grad:
            raise RuntimeError(f"inputs[{index}] does not require grad")
    seeds = _seed_gradients(roots, grad_outputs, "grad_outputs")
    retain = create_graph if retain_graph is None else retain_graph
    results = run_backward(roots, seeds, retain, create_graph, targets=targets)
    answers: list[Tensor | None] = []
    for index, target in enumerate(targets):
        found = results.get(id(target))
        if found is None and not allow_unused:
            raise RuntimeError(
                f"inputs[{index}] was not used to compute outputs; pass allow_unused=True "
                "to get None for it"
            )
        answers.append(None if found is None else found[1])
    return tuple(answers)


def _as_tensor_list(value: Tensor | Sequence[Tensor], argument: str) -> list[Tensor]:
    from minigrad.tensor import Tensor

    items = [value] if isinstance(value, Tensor) else list(value)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{argument}[{index}]: expected a Tensor, got {type(item).__name__}")
    return items


def _seed_gradients(
    roots: list[Tensor], given: Tensor | Sequence[Tensor | None] | None, argument: str
) -> list[Tensor]:
    """Step 2's seeds: the given gradients, or ones for scalar roots."""
    from minigrad.tensor import Tensor

    if given is None:
        given_list: list[Tensor | None] = [None] * len(roots)
    elif isinstance(given, Tensor):
        given_list = [given]
    else:
        given_list = list(given)
    if len(given_list) != len(roots):
        raise ValueError(
            f"{argument}: expected {len(roots)} gradient(s), one per output, got {len(given_list)}"
        )
    seeds = []
    for index, (root, seed) in enumerate(zip(roots, given_list)):
        if not root.requires_grad:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
        if seed is None:
            if root.numel() != 1:
                raise ImplicitGradientError(
                    f"grad can be implicitly created only for scalar outputs; got an output "
                    f"of shape {root.shape}: pass {argument}= with a tensor of that shape"
                )
            seed = Tensor._wrap(np.ones(root.shape, dtype=root.dtype))
        elif not isinstance(seed, Tensor):
            raise TypeError(f"{argument}: expected a Tensor, got {type(seed).__name__}")
        elif seed.dtype != root.dtype:
            raise TypeError(
                f"{argument}: expected dtype {root.dtype} (the output's), got {seed.dtype}"
            )
        elif seed.shape != root.shape:
            raise ValueError(
                f"{argument}: expected shape {root.shape} (the output's), got {seed.shape}"
            )
        seeds.append(seed)
    return seeds
