"""The arguments and answers of [`functional`][minigrad.autograd.functional], read as
PyTorch reads them.

``inputs``, ``v`` and the function's outputs are a tensor or a tuple of tensors (a
list is refused); the answers come back in the same form. ``func`` runs on fresh
tensors that require grad, and the answers are cut from the tape unless
``create_graph``. ``grads`` is ``grad`` over whatever requires grad, with None for
what it does not reach; ``filled`` turns those None into zeros, or into the
``strict=True`` error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.engine import grad
from minigrad.tensor import Tensor

__all__ = [
    "FunctionalArgumentError",
    "StrategyError",
    "Tensors",
    "as_tuple",
    "check_gradients",
    "check_outputs",
    "filled",
    "finish",
    "grads",
    "prepare",
    "single_output",
    "unpack",
    "unpack_both",
    "v_of",
    "zeros_like",
]

Tensors = tuple[Tensor, ...]


class FunctionalArgumentError(RuntimeError, ValueError):
    """A bad ``v`` (wrong length or shape, or missing where it cannot be implied).

    A ``RuntimeError`` as in PyTorch, and a ``ValueError`` because it is an argument.
    """


class StrategyError(AssertionError, ValueError):
    """An unknown ``strategy``: PyTorch asserts (``AssertionError``); a ``ValueError`` too."""


# ---- arguments, read as PyTorch reads them -----------------------------------------------


def as_tuple(value: Any, argument: str, caller: str) -> tuple[bool, Tensors]:
    """Whether ``value`` was a tuple, and it as a tuple of tensors (a list is refused)."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"{argument}[{index}]" if is_tuple else argument
            raise TypeError(
                f"{caller}: {where}: expected a Tensor or a tuple of Tensors, got "
                f"{type(item).__name__}"
            )
    return is_tuple, items


def prepare(tensors: Tensors, create_graph: bool, need_graph: bool) -> Tensors:
    """Fresh tensors for ``func``: differentiable views of the originals when the answer
    must reach them (``create_graph``), else detached copies.

    Always new objects, so that ``func`` capturing an original from its scope is not
    mistaken for using the argument.
    """
    prepared = []
    for tensor in tensors:
        if create_graph and tensor.requires_grad:
            prepared.append(tensor.view_as(tensor))
        else:
            prepared.append(tensor.detach().requires_grad_(need_graph))
    return tuple(prepared)


def finish(tensors: Any, create_graph: bool) -> Any:
    """Cut the answers (possibly nested tuples) from the tape unless ``create_graph``."""
    if create_graph:
        return tensors
    if isinstance(tensors, Tensor):
        return tensors.detach()
    return tuple(finish(item, create_graph) for item in tensors)


def unpack(answers: Any, is_tuple: bool) -> Any:
    """A tuple of answers as the argument was: the one answer for a single tensor."""
    return answers if is_tuple else answers[0]


def unpack_both(blocks: Any, outputs_is_tuple: bool, inputs_is_tuple: bool) -> Any:
    """Undo the tuple wrapping of both the outputs (outer) and the inputs (inner)."""
    if not inputs_is_tuple:
        blocks = tuple(block[0] for block in blocks)
    return blocks if outputs_is_tuple else blocks[0]


def check_v(v: Tensors, others: Tensors, others_is_tuple: bool, what: str, caller: str) -> None:
    """``v`` has one tensor of the same shape per tensor of ``others`` (the ``what``s)."""
    if len(v) != len(others):
        if others_is_tuple:
            message = f"expected a tuple of {len(others)} tensors, one per {what}, got {len(v)}"
        else:
            message = f"expected a single Tensor (the {what} is one), got a tuple of {len(v)}"
        raise FunctionalArgumentError(f"{caller}: v: {message}")
    for index, (vector, other) in enumerate(zip(v, others)):
        if vector.shape != other.shape:
            where = f"v[{index}]" if others_is_tuple else "v"
            raise FunctionalArgumentError(
                f"{caller}: {where}: expected shape {other.shape} (the {what}'s), got "
                f"{vector.shape}"
            )


def v_of(
    v: Any, others: Tensors, others_is_tuple: bool, what: str, caller: str, create_graph: bool
) -> Tensors | None:
    """The checked ``v``, shaped as ``others`` (the function's ``what``: "input" or
    "output"); None only where that is one tensor with one element (an implied 1).
    """
    if v is None:
        if len(others) != 1 or others[0].numel() != 1:
            raise FunctionalArgumentError(
                f"{caller}: v: None is allowed only when the {what} is a single Tensor "
                "with a single element; pass v"
            )
        return None
    _, vectors = as_tuple(v, "v", caller)
    vectors = prepare(vectors, create_graph, need_graph=False)
    check_v(vectors, others, others_is_tuple, what, caller)
    return vectors


def check_outputs(outputs: Tensors, strict: bool, caller: str) -> None:
    """Under ``strict``: every output must depend on the inputs."""
    if strict:
        for index, output in enumerate(outputs):
            if not output.requires_grad:
                raise RuntimeError(
                    f"{caller}: output {index} of the user-provided function does not "
                    "depend on the inputs (it does not require grad), which strict=True "
                    "does not allow"
                )


def single_output(outputs: Tensors, is_tuple: bool, caller: str) -> Tensor:
    """The one tensor with one element that ``hessian``, ``vhp`` and ``hvp`` need."""
    if is_tuple:
        raise RuntimeError(f"{caller}: the function should return a single Tensor, got a tuple")
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"{caller}: the function should return a Tensor with a single element, got "
            f"shape {outputs[0].shape}"
        )
    return outputs[0]


# ---- gradients that tolerate unused outputs and inputs -----------------------------------


def grads(
    outputs: tuple[Tensor | None, ...],
    inputs: Tensors,
    grad_outputs: tuple[Tensor | None, ...] | None,
    create_graph: bool,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """``grad`` over the outputs that require grad (None: not a function of the inputs);
    None for each input that none of them reach.
    """
    seeds = grad_outputs if grad_outputs is not None else (None,) * len(outputs)
    pairs = [(o, s) for o, s in zip(outputs, seeds) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    found = grad(
        [o for o, _ in pairs],
        list(inputs),
        [s for _, s in pairs],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    return tuple(found)


def zeros_like(tensor: Tensor) -> Tensor:
    """Zeros of the shape and dtype of ``tensor``, a constant."""
    return Tensor._wrap(np.zeros(tensor.shape, dtype=tensor.dtype))


def filled(
    found: tuple[Tensor | None, ...],
    like: Tensors,
    strict: bool,
    create_graph: bool,
    caller: str,
    nothing: str,
) -> Tensors:
    """Zeros (shaped as ``like``) where ``found`` has None. Under ``strict``, the error
    ``nothing`` (a message with ``{index}``) instead; and, with ``create_graph``, an
    error for an answer that does not depend on the inputs either.
    """
    answers = []
    for index, (answer, reference) in enumerate(zip(found, like)):
        if answer is None:
            if strict:
                raise RuntimeError(
                    f"{caller}: {nothing.format(index=index)}, which strict=True does not allow"
                )
            answer = zeros_like(reference)
        elif strict and create_graph and not answer.requires_grad:
            raise RuntimeError(
                f"{caller}: the answer for entry {index} does not depend on the inputs, which "
                "strict=True with create_graph=True does not allow"
            )
        answers.append(answer)
    return tuple(answers)


def check_gradients(gradients: Any, strict: bool, caller: str) -> None:
    """Under ``strict``: each gradient must exist and depend on the inputs."""
    if strict:
        for index, gradient in enumerate(gradients):
            if gradient is None:
                raise RuntimeError(
                    f"{caller}: the output of the user-provided function does not depend "
                    f"on input {index}, which strict=True does not allow"
                )
            if not gradient.requires_grad:
                raise RuntimeError(
                    f"{caller}: the gradient with respect to input {index} does not depend "
                    "on the inputs (the function is linear in it?), which strict=True does "
                    "not allow: the function must be twice differentiable with a gradient "
                    "that depends on the inputs"
                )
