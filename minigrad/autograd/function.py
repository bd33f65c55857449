"""``Function``: the base class of every differentiable op.

An op subclasses ``Function`` and writes two static methods side by side:

* ``forward(ctx, *arrays, **params) -> array`` computes on numpy arrays;
* ``backward(ctx, grad) -> tuple`` returns one gradient per tensor input, written
  only with minigrad ops on Tensors, so that the backward is itself recorded when
  ``create_graph=True`` and gradients of any order follow.

``apply`` runs the forward, wraps the result in a Tensor and, when grad mode is on
and some input requires grad, records a [`Node`][minigrad.autograd.graph.Node]: the
node is made first and is the forward's ``ctx``, so an op on the tape is one object.

An op also says which values its backward reads, in ``reads``: for each input i,
the inputs (and ``OUTPUT``, the op's own result) that the formula for ``dx_i`` uses.
``apply`` notes the version of each tensor that a needed formula reads, and the
engine refuses to run the backward if one of them was written in place since: the
derivative would be taken at values the forward never saw. This is PyTorch's saved
tensor check, and ``reads`` mirrors what PyTorch saves for the same op. It is also what
the node keeps: an input that no needed formula reads is kept as an ``Unkept`` (its
shape and dtype, see ``KEPT_BELOW``), so that its array is freed with its last user.
An op that does not set ``reads`` keeps every input and has nothing checked.

A fast path: a few ops that small models run most (the arithmetic, the activations,
``Linear``, the conv triangle, ``Sum``) also write ``backward_arrays(ctx, grad) ->
tuple``, the same formula, op for op, on numpy arrays (``grad`` and the results are
arrays). The engine runs it for a backward that is not recorded
(``create_graph=False``), where it gives the same bits without a Tensor and a dispatch
per intermediate. ``backward`` stays the definition, and
tests/ops/test_backward_arrays.py checks that the two agree bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.graph import OUTPUT, Context, Node, Unkept
from minigrad.tensor import Tensor, VersionCounter, _new

# Context and OUTPUT live with Node (a recorded op's node is its context); ops import
# all three names from here.
__all__ = ["OUTPUT", "Context", "Function"]

_grad_state = grad_mode._state

#: An input that the needed formulas do not read is dropped from its node (kept as an
#: Unkept: shape and dtype) from this many elements: its array is then freed as soon as
#: nothing else holds it, as PyTorch's tape keeps only what a backward reads. A smaller
#: one costs less to keep than to drop, and stays.
KEPT_BELOW = 1024


class Function:
    """Base class of differentiable ops: see the module docstring."""

    #: {input i: what the formula for dx_i reads}: input positions and OUTPUT; ``{}``
    #: for formulas that read no values (shapes only). None, not declared: the node
    #: keeps every input and notes no versions.
    reads: ClassVar[Mapping[int, tuple[int | str, ...]] | None] = None
    #: Whether the result is a view of input 0's array (reshape, permute): it then
    #: shares that input's version counter, as a PyTorch view shares its base's.
    view: ClassVar[bool] = False
    # Per op: needed gradients -> (positions of the tensors they read, positions of the
    # inputs they do not read): see _read_plan.
    _read_plans: ClassVar[dict[tuple[bool, ...], tuple[tuple[int, ...], tuple[int, ...]]]] = {}
    #: The backward on arrays, for an op that writes one (see the module docstring).
    backward_arrays: ClassVar[Any] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each op its own table of read plans."""
        super().__init_subclass__(**kwargs)
        cls._read_plans = {}

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, **params: Any) -> np.ndarray:
        """The op on numpy arrays; non-differentiable facts for the backward go on ``ctx``."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        """One gradient per input (None where not needed), written with minigrad ops."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """Run the op on tensors and record it on the tape when needed."""
        # Most ops take one or two inputs: their arrays are gathered directly; others' in
        # a plain loop (a comprehension is a function made and called, per op).
        count = len(inputs)
        if count == 1:
            arrays: Any = (inputs[0]._data,)
            wanted = inputs[0]._requires_grad
        elif count == 2:
            x, y = inputs
            arrays = (x._data, y._data)
            wanted = x._requires_grad or y._requires_grad
        else:
            arrays = []
            wanted = False
            for t in inputs:
                arrays.append(t._data)
                if t._requires_grad:
                    wanted = True
        if wanted and _grad_state.enabled:
            node = Node(cls, inputs, params)
            return cls._record(node, cls.forward(node, *arrays, **params))
        # Nothing to record (no_grad, as for every op of a backward without
        # create_graph; or no input requires grad): what the forward notes is not kept.
        return cls._unrecorded(cls.forward(_Scratch(), *arrays, **params), inputs)

    @classmethod
    def applied(cls, output: np.ndarray, *inputs: Tensor, **params: Any) -> Tensor:
        """Record the op as if ``apply(*inputs, **params)`` had returned ``output``.

        For an output computed together with another op's by one kernel (the two
        products of a convolution's backward share their im2col). Only for ops whose
        forward leaves nothing on ``ctx``; the backward is the op's own, as ever.
        """
        if not _grad_state.enabled:
            return cls._unrecorded(output, inputs)
        return cls._record(Node(cls, inputs, params), output)

    @classmethod
    def _unrecorded(cls, output: np.ndarray, inputs: tuple[Tensor, ...]) -> Tensor:
        """``output`` as a tensor off the tape."""
        if type(output) is not np.ndarray:
            # numpy turns 0-d results into scalars; a Tensor always holds an ndarray.
            output = np.asarray(output)
        result = Tensor._wrap(output)
        if cls.view and np.may_share_memory(output, inputs[0]._data):
            result._versions = inputs[0]._counter()
        return result

    @classmethod
    def _record(cls, node: Node, output: np.ndarray) -> Tensor:
        if type(output) is not np.ndarray:
            output = np.asarray(output)
        # Integer and bool results (a cast, say) have no gradient, as in PyTorch. (Grad
        # mode is on: apply and applied call this only then.)
        needs = node.needs_input_grad
        if not (True in needs and output.dtype.kind == "f"):
            return cls._unrecorded(output, node.inputs)
        # Tensor._wrap written out, with the node set at once: one call less per op.
        result = _new(Tensor)
        result._data = output
        result._grad = None
        result.grad_fn = node
        result._requires_grad = True
        result._versions = None
        if cls.view and np.may_share_memory(output, node.inputs[0]._data):
            result._versions = node.inputs[0]._counter()
        node.shape = output.shape
        node.dtype = output.dtype
        plan = cls._read_plans.get(needs)
        if plan is None:
            plan = _read_plan(cls, needs)
        positions, unread = plan
        if positions:
            # Note the version of each tensor a needed formula reads (the engine
            # compares them before the backward runs). An input with no counter yet
            # is at version 0, and is noted as (position, None, 0): the node holds
            # the input, and any later write gives it a counter the check then reads,
            # so no counter is made here for each op result read by the next op.
            inputs = node.inputs
            count = len(inputs)
            versions: list[tuple[int, VersionCounter | None, int]] = []
            for position in positions:
                if position == count:  # the output: the node does not hold its tensor
                    counter = result._versions
                    if counter is None:
                        counter = result._versions = VersionCounter()
                    versions.append((position, counter, counter.value))
                    node.saved[OUTPUT] = output
                else:
                    known = inputs[position]._versions
                    versions.append((position, known, 0 if known is None else known.value))
            node.versions = tuple(versions)
        if unread:
            inputs = node.inputs
            for position in unread:
                if inputs[position]._data.size >= KEPT_BELOW:
                    node.inputs = _without_unread(inputs, unread)
                    break
        return result


def _without_unread(inputs: tuple[Tensor, ...], unread: tuple[int, ...]) -> tuple[Any, ...]:
    """``inputs`` with each unread one of ``KEPT_BELOW`` elements or more as an Unkept."""
    kept: list[Any] = list(inputs)
    for position in unread:
        if inputs[position]._data.size >= KEPT_BELOW:
            kept[position] = Unkept(inputs[position])
    return tuple(kept)


class _Scratch(Context):
    """The context of a forward that is not recorded: only ``saved``, to write to."""

    __slots__ = ()

    def __init__(self) -> None:  # noqa: D107 - see the class
        self.saved = {}


def _read_plan(
    function: type[Function], needs: tuple[bool, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The tensors the needed formulas of ``function`` read, as sorted positions
    (``len(needs)`` for the output), and the inputs they do not read; kept per op and
    pattern of needed gradients.
    """
    reads = function.reads
    plan: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())  # not declared: keep all
    if reads is not None:
        wanted: set[int] = set()
        for index, needed in enumerate(needs):
            if needed:
                read = reads.get(index, ())
                wanted.update(len(needs) if r == OUTPUT else int(r) for r in read)
        unread = tuple(position for position in range(len(needs)) if position not in wanted)
        plan = (tuple(sorted(wanted)), unread)
    function._read_plans[needs] = plan
    return plan
