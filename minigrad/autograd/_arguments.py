"""The arguments of ``backward`` and ``grad``, read as PyTorch reads them.

Outputs and inputs are a tensor or a sequence of tensors (``inputs`` may also be a
dict of named tensors, and ``grad`` then answers with a dict); a seed gradient must
have its output's shape and is cast to its output's dtype; the deprecated
``only_inputs`` and ``grad_variables`` warn, and ``allow_unused`` follows
``materialize_grads`` when it is not given. The engine itself sees checked lists.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.tensor import Tensor


class ImplicitGradientError(RuntimeError, ValueError):
    """A non-scalar output was given no gradient. It is a ``RuntimeError`` as in
    PyTorch, and a ``ValueError`` because the missing value is an argument.
    """


class AutogradArgumentError(RuntimeError, ValueError):
    """A bad value given to ``backward`` or ``grad`` that PyTorch reports as a
    ``RuntimeError`` (an empty ``inputs``, a batched gradient of the wrong shape), and
    a ``ValueError`` as minigrad's contract asks.
    """


def tensor_list(value: Any, argument: str) -> list[Tensor]:
    """A tensor or a sequence of tensors, as a list."""
    items = [value] if isinstance(value, Tensor) else list(value)
    for index, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{argument}[{index}]: expected a Tensor, got {type(item).__name__}")
    return items


def targets_of(inputs: Any, caller: str) -> tuple[list[str] | None, list[Tensor]]:
    """``inputs`` of ``grad`` or ``backward``: the names (for a dict, else None) and the
    tensors, which must be there and require grad.
    """
    names = None
    if isinstance(inputs, Mapping):
        names = list(inputs)
        inputs = list(inputs.values())
    targets = tensor_list(inputs, "inputs")
    if not targets:
        raise AutogradArgumentError(f"{caller}: inputs: expected at least one tensor, got none")
    for index, target in enumerate(targets):
        if not target.requires_grad:
            raise RuntimeError(f"inputs[{index}] does not require grad")
    return names, targets


def allow_unused_of(allow_unused: bool | None, materialize_grads: bool, only_inputs: bool) -> bool:
    """What ``allow_unused`` means: as given, or ``materialize_grads`` when None."""
    if not only_inputs:
        warnings.warn(
            "grad: only_inputs is deprecated and ignored (it is always True); use "
            "mg.autograd.backward(..., inputs=...) to accumulate into .grad instead",
            FutureWarning,
            stacklevel=3,
        )
    if materialize_grads and allow_unused is False:
        raise AutogradArgumentError(
            "grad: allow_unused: expected True or None with materialize_grads=True, got False"
        )
    return materialize_grads if allow_unused is None else bool(allow_unused)


def grad_tensors_of(grad_tensors: Any, grad_variables: Any) -> Any:
    """``grad_tensors``, or the deprecated ``grad_variables`` standing in for it."""
    if grad_variables is None:
        return grad_tensors
    warnings.warn(
        "backward: grad_variables is deprecated; pass grad_tensors instead",
        FutureWarning,
        stacklevel=3,
    )
    if grad_tensors is not None:
        raise AutogradArgumentError(
            "backward: got both grad_tensors and grad_variables (deprecated); pass "
            "grad_tensors only"
        )
    return grad_variables


def _given_list(roots: list[Tensor], given: Any, argument: str) -> list[Any]:
    """One given gradient (or None) per root."""
    if given is None:
        given_list: list[Any] = [None] * len(roots)
    elif isinstance(given, Tensor):
        given_list = [given]
    else:
        given_list = list(given)
    if len(given_list) != len(roots):
        raise ValueError(
            f"{argument}: expected {len(roots)} gradient(s), one per output, got {len(given_list)}"
        )
    for index, root in enumerate(roots):
        if not root.requires_grad:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
    return given_list


def seed_gradients(roots: list[Tensor], given: Any, argument: str) -> list[Tensor]:
    """Step 2's seeds: the given gradients, or ones for scalar roots.

    A gradient of another real dtype is cast to its output's, as PyTorch does.
    """
    seeds = []
    for root, seed in zip(roots, _given_list(roots, given, argument)):
        if seed is None:
            if root.numel() != 1:
                raise ImplicitGradientError(
                    f"grad can be implicitly created only for scalar outputs; got an output "
                    f"of shape {root.shape}: pass {argument}= with a tensor of that shape"
                )
            seed = Tensor._wrap(np.ones(root.shape, dtype=root.dtype))
        elif not isinstance(seed, Tensor):
            raise TypeError(f"{argument}: expected a Tensor, got {type(seed).__name__}")
        elif seed.shape != root.shape:
            raise ValueError(
                f"{argument}: expected shape {root.shape} (the output's), got {seed.shape}"
            )
        seeds.append(seed if seed.dtype == root.dtype else seed.to(root.dtype))
    return seeds


def batched_seeds(roots: list[Tensor], given: Any) -> list[list[Tensor]]:
    """``grad_outputs`` under ``is_grads_batched=True``: one list of seeds per row of
    the leading (batch) dim, which every gradient must have, of the same size.
    """
    argument = "grad_outputs"
    given_list = _given_list(roots, given, argument)
    sizes = set()
    for index, (root, seed) in enumerate(zip(roots, given_list)):
        if not isinstance(seed, Tensor):
            raise TypeError(
                f"{argument}[{index}]: expected a Tensor with a leading batch dim for "
                f"is_grads_batched=True, got {type(seed).__name__}"
            )
        if seed.shape[1:] != root.shape or seed.ndim != root.ndim + 1:
            raise AutogradArgumentError(
                f"{argument}[{index}]: with is_grads_batched=True, expected shape "
                f"(batch, *{root.shape}) (a batch dim, then the output's shape), got "
                f"{seed.shape}"
            )
        sizes.add(seed.shape[0])
    if len(sizes) != 1 or 0 in sizes:
        raise AutogradArgumentError(
            f"{argument}: with is_grads_batched=True, expected one batch size of at least 1 "
            f"for every output, got {sorted(sizes)}"
        )
    batch = sizes.pop()
    rows = []
    for row in range(batch):
        rows.append(seed_gradients(roots, [seed[row] for seed in given_list], argument))
    return rows


def answers_of(
    found: list[Tensor | None],
    targets: list[Tensor],
    allow_unused: bool,
    materialize_grads: bool,
    create_graph: bool,
) -> list[Tensor | None]:
    """``grad``'s answers: an unused input is refused, or None, or zeros."""
    answers = []
    for index, (target, gradient) in enumerate(zip(targets, found)):
        if gradient is None and not allow_unused:
            raise RuntimeError(
                f"inputs[{index}] was not used to compute outputs; pass allow_unused=True "
                "to get None for it (or materialize_grads=True for zeros)"
            )
        if gradient is None and materialize_grads:
            zeros = np.zeros(target.shape, dtype=target.dtype)
            gradient = Tensor._wrap(zeros, requires_grad=create_graph)
        answers.append(gradient)
    return answers


def named(names: Sequence[str] | None, answers: list[Tensor | None]) -> Any:
    """A tuple, or a dict when ``inputs`` was a dict."""
    return tuple(answers) if names is None else dict(zip(names, answers))
