"""Numerical checks of analytic derivatives, all in float64.

* ``gradcheck``: the Jacobian from backward against central finite differences.
* ``gradgradcheck``: the same check applied to the backward itself (second order).
* ``check_adjoint``: the dot-product test ``<f(x), y> == <x, f_adjoint(y)>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.engine import grad
from minigrad.tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic derivative disagrees with its numerical estimate."""


def _as_list(value: Any) -> list[Tensor]:
    return [value] if isinstance(value, Tensor) else list(value)


def _checked_inputs(inputs: Sequence[Tensor]) -> list[int]:
    positions = []
    for position, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"inputs[{position}]: expected a Tensor, got {type(tensor).__name__}")
        if tensor.requires_grad:
            if tensor.dtype != np.float64:
                raise TypeError(
                    f"inputs[{position}]: gradcheck needs float64 inputs, got {tensor.dtype}"
                )
            positions.append(position)
    if not positions:
        raise ValueError("inputs: expected at least one tensor with requires_grad=True")
    return positions


def _flat_outputs(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> list[Tensor]:
    return [t for t in _as_list(fn(*inputs)) if np.issubdtype(t.dtype, np.floating)]


def _numerical_jacobian(
    fn: Callable[..., Any], inputs: list[Tensor], position: int, eps: float
) -> np.ndarray:
    """d(all outputs, flattened)/d(inputs[position], flattened) by central differences."""
    tensor = inputs[position]
    original = tensor._data.copy()
    columns = []
    # Grad mode stays on: for gradgradcheck, fn itself calls autograd.grad.
    for element in range(original.size):
        values = []
        for step in (eps, -eps):
            perturbed = original.copy()
            perturbed.flat[element] += step
            tensor._set_array(perturbed)
            outputs = _flat_outputs(fn, inputs)
            values.append(np.concatenate([o._data.ravel() for o in outputs] + [np.zeros(0)]))
        columns.append((values[0] - values[1]) / (2 * eps))
    tensor._set_array(original)
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _analytic_jacobians(
    fn: Callable[..., Any], inputs: list[Tensor], positions: list[int]
) -> list[np.ndarray]:
    """One Jacobian per checked input, built row by row from backward passes."""
    outputs = _flat_outputs(fn, inputs)
    total = sum(o.numel() for o in outputs)
    jacobians = [np.zeros((total, inputs[p].numel())) for p in positions]
    row = 0
    for output in outputs:
        for element in range(output.numel()):
            if output.requires_grad:
                seed = np.zeros(output.shape, dtype=output.dtype)
                seed.flat[element] = 1.0
                grads = grad(
                    output,
                    [inputs[p] for p in positions],
                    Tensor._wrap(seed),
                    retain_graph=True,
                    allow_unused=True,
                )
                for jacobian, g in zip(jacobians, grads):
                    if g is not None:
                        jacobian[row] = g._data.ravel()
            row += 1
    return jacobians


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare backward's Jacobian with central finite differences.

    Every input with ``requires_grad=True`` must be float64. An entry passes when
    ``|analytic - numerical| <= atol + rtol * |numerical|``.

    Returns:
        ``True`` when every entry passes.

    Raises:
        GradcheckError: naming the input, the output element, the input element and
            both values of the first entry that fails.

    >>> import minigrad as mg
    >>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
    >>> mg.autograd.gradcheck(lambda t: (t * t).tanh(), (x,))
    True
    """
    tensors = _as_list(inputs)
    positions = _checked_inputs(tensors)
    analytic = _analytic_jacobians(fn, tensors, positions)
    for position, jacobian in zip(positions, analytic):
        numerical = _numerical_jacobian(fn, tensors, position, eps)
        bad = np.abs(jacobian - numerical) > atol + rtol * np.abs(numerical)
        if bad.any():
            out_index, in_index = (int(i) for i in np.argwhere(bad)[0])
            in_element = np.unravel_index(in_index, tensors[position].shape)
            raise GradcheckError(
                f"Jacobian mismatch for inputs[{position}] element {tuple(map(int, in_element))}"
                f" and output element {out_index} (outputs flattened): analytic "
                f"{float(jacobian[out_index, in_index])!r}, numerical "
                f"{float(numerical[out_index, in_index])!r}"
            )
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> vᵀ J(inputs).

    ``grad_outputs`` (``v``) are drawn at random (from a fixed seed) when not given,
    and are checked as inputs too.

    >>> import minigrad as mg
    >>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
    >>> mg.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    tensors = _as_list(inputs)
    positions = _checked_inputs(tensors)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor._wrap(rng.standard_normal(o.shape), requires_grad=True)
            for o in _flat_outputs(fn, tensors)
        ]
    vectors = list(grad_outputs)
    count = len(tensors)

    def first_derivative(*arguments: Tensor) -> tuple[Tensor, ...]:
        outputs = _flat_outputs(fn, arguments[:count])
        needed = [(o, v) for o, v in zip(outputs, arguments[count:]) if o.requires_grad]
        grads = grad(
            [o for o, _ in needed],
            [arguments[p] for p in positions],
            [v for _, v in needed],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, [*tensors, *vectors], eps, atol, rtol)


def check_adjoint(
    f: Callable[[Tensor], Tensor],
    f_adjoint: Callable[[Tensor], Tensor],
    x: Tensor | np.ndarray | tuple[int, ...],
    y: Tensor | np.ndarray | tuple[int, ...],
    rtol: float = 1e-10,
) -> float:
    """The dot-product test of a linear map: ``<f(x), y> == <x, f_adjoint(y)>``.

    ``x`` and ``y`` are tensors or arrays, or shapes to draw standard normal float64
    inputs for (from a fixed seed).

    Returns:
        The relative gap ``|<f(x), y> - <x, f_adjoint(y)>| / max(|both|)``.

    Raises:
        GradcheckError: when the gap exceeds ``rtol``.

    >>> import minigrad as mg
    >>> gap = mg.autograd.check_adjoint(lambda t: t.T, lambda t: t.T, (2, 3), (3, 2))
    >>> gap < 1e-12
    True
    """
    rng = np.random.default_rng(0)
    x_tensor = _draw(x, rng)
    y_tensor = _draw(y, rng)
    with grad_mode.no_grad():
        forward = f(x_tensor)
        backward = f_adjoint(y_tensor)
    for name, got, want in (("f(x)", forward, y_tensor), ("f_adjoint(y)", backward, x_tensor)):
        if got.shape != want.shape:
            raise ValueError(f"check_adjoint: {name} has shape {got.shape}, expected {want.shape}")
    left = _dot(forward._data, y_tensor._data)
    right = _dot(x_tensor._data, backward._data)
    gap = float(abs(left - right) / max(abs(left), abs(right), np.finfo(np.float64).tiny))
    if gap > rtol:
        raise GradcheckError(
            f"adjoint mismatch: <f(x), y> = {left!r} but <x, f_adjoint(y)> = {right!r} "
            f"(relative gap {gap:.3g} > rtol {rtol})"
        )
    return gap


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``<a, b>`` in float64 by numpy's pairwise sum: BLAS's dot would give other bits on
    other thread counts.
    """
    return float(np.multiply(a, b, dtype=np.float64).sum())


def _draw(value: Any, rng: np.random.Generator) -> Tensor:
    if isinstance(value, Tensor):
        return value.detach()
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return Tensor._wrap(rng.standard_normal(value))
    return Tensor._wrap(np.asarray(value, dtype=np.float64))
