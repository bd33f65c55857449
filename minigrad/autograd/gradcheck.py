"""Numerical checks of analytic derivatives, all in float64.

* ``gradcheck``: the Jacobian from backward against central finite differences.
* ``gradgradcheck``: the same check applied to the backward itself (second order).
* ``check_adjoint``: the dot-product test ``<f(x), y> == <x, f_adjoint(y)>``.
* ``adjoint_matrices``: the same pair as dense matrices, one exactly the other's transpose.

With ``check_forward_ad=True``, ``gradcheck`` also checks the Jacobian built column by
column from [`jvp`][minigrad.autograd.functional.jvp].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad.autograd import functional, grad_mode
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


def _forward_jacobians(
    fn: Callable[..., Any], inputs: list[Tensor], positions: list[int]
) -> list[np.ndarray]:
    """One Jacobian per checked input, built column by column from ``jvp`` with a
    one-hot ``v`` (the inputs that are not checked stay fixed).
    """
    checked = tuple(inputs[p] for p in positions)

    def of_checked(*tensors: Tensor) -> tuple[Tensor, ...]:
        arguments = list(inputs)
        for position, tensor in zip(positions, tensors):
            arguments[position] = tensor
        return tuple(_flat_outputs(fn, arguments))

    jacobians = []
    for index, tensor in enumerate(checked):
        columns = []
        for element in range(tensor.numel()):
            vectors = [Tensor._wrap(np.zeros(t.shape, dtype=t.dtype)) for t in checked]
            vectors[index]._data.flat[element] = 1.0
            _, products = functional.jvp(of_checked, checked, tuple(vectors))
            columns.append(np.concatenate([p._data.ravel() for p in products] + [np.zeros(0)]))
        total = sum(o.numel() for o in of_checked(*checked))
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((total, 0)))
    return jacobians


def _raise_on_mismatch(
    analytic: np.ndarray,
    numerical: np.ndarray,
    atol: float,
    rtol: float,
    position: int,
    shape: tuple[int, ...],
    what: str,
) -> None:
    """Raise GradcheckError naming the first entry of ``analytic`` that fails."""
    bad = np.abs(analytic - numerical) > atol + rtol * np.abs(numerical)
    if bad.any():
        out_index, in_index = (int(i) for i in np.argwhere(bad)[0])
        in_element = np.unravel_index(in_index, shape)
        raise GradcheckError(
            f"{what} mismatch for inputs[{position}] element {tuple(map(int, in_element))}"
            f" and output element {out_index} (outputs flattened): analytic "
            f"{float(analytic[out_index, in_index])!r}, numerical "
            f"{float(numerical[out_index, in_index])!r}"
        )


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    raise_exception: bool = True,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
) -> bool:
    """Compare the Jacobian from backward (and, if asked, from ``jvp``) with central
    finite differences.

    For each input ``x`` with ``requires_grad=True`` (float64) and all outputs ``y``
    flattened, ``J[i, j] = dy_i/dx_j`` is estimated as ``(y(x + eps e_j) - y(x - eps
    e_j))_i / 2 eps``. An entry passes when ``|analytic - numerical| <= atol + rtol *
    |numerical|``.

    Args:
        fn: takes the tensors of ``inputs`` and returns a tensor or a sequence of them.
        inputs: a tensor or a sequence of tensors; those that require grad are checked.
        eps: the finite-difference step.
        atol: the absolute tolerance.
        rtol: the relative tolerance.
        raise_exception: raise on a mismatch; False: return False instead.
        check_forward_ad: also check the Jacobian built column by column with
            [`jvp`][minigrad.autograd.functional.jvp] (the double-vjp trick, so this also
            checks that each backward is differentiable in its incoming gradient).
        check_backward_ad: check the Jacobian built row by row from backward passes.

    Returns:
        ``True`` when every entry passes (``False`` on a mismatch with
        ``raise_exception=False``).

    Raises:
        GradcheckError: naming the input, the output element, the input element and
            both values of the first entry that fails.
        TypeError: an input is not a tensor, or requires grad and is not float64.
        ValueError: no input requires grad.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
        >>> mg.autograd.gradcheck(lambda t: (t * t).tanh(), (x,), check_forward_ad=True)
        True
        >>> mg.autograd.gradcheck(lambda t: t.detach() * t, (x,), raise_exception=False)
        False
    """
    tensors = _as_list(inputs)
    positions = _checked_inputs(tensors)
    try:
        backward_jacobians = (
            _analytic_jacobians(fn, tensors, positions) if check_backward_ad else []
        )
        forward_jacobians = _forward_jacobians(fn, tensors, positions) if check_forward_ad else []
        for index, position in enumerate(positions):
            numerical = _numerical_jacobian(fn, tensors, position, eps)
            shape = tensors[position].shape
            if check_backward_ad:
                analytic = backward_jacobians[index]
                _raise_on_mismatch(analytic, numerical, atol, rtol, position, shape, "Jacobian")
            if check_forward_ad:
                analytic = forward_jacobians[index]
                _raise_on_mismatch(
                    analytic, numerical, atol, rtol, position, shape, "Forward-mode (jvp) Jacobian"
                )
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> vᵀ J(inputs).

    ``grad_outputs`` (``v``) are drawn at random (from a fixed seed) when not given,
    and are checked as inputs too. ``raise_exception=False``: return False on a
    mismatch instead of raising ``GradcheckError``.

    Examples:
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

    return gradcheck(
        first_derivative, [*tensors, *vectors], eps, atol, rtol, raise_exception=raise_exception
    )


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

    [`adjoint_matrices`][minigrad.autograd.gradcheck.adjoint_matrices] checks the same
    pair entry by entry.

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


def adjoint_matrices(
    f: Callable[[Tensor], Tensor],
    f_adjoint: Callable[[Tensor], Tensor],
    x_shape: tuple[int, ...],
    y_shape: tuple[int, ...],
    atol: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The dense matrices of a linear map and of its adjoint, checked to be each other's
    transpose: ``f_adjoint`` is the adjoint of ``f`` exactly when ``B == Aᵀ``.

    ``A`` is ``f``'s Jacobian and ``B`` is ``f_adjoint``'s, both from
    [`jacobian`][minigrad.autograd.functional.jacobian] at float64 zeros (a linear map's
    Jacobian is its matrix), flattened to ``A: (prod(y_shape), prod(x_shape))`` and
    ``B: (prod(x_shape), prod(y_shape))``. Where
    [`check_adjoint`][minigrad.autograd.gradcheck.check_adjoint] compares two numbers,
    this compares every entry, so a wrong entry is named. The default ``atol=0`` asks
    for bitwise equality (``-0.0 == 0.0``).

    Args:
        f: a linear map from tensors of shape ``x_shape`` to tensors of ``y_shape``.
        f_adjoint: its claimed adjoint, from ``y_shape`` to ``x_shape``.
        x_shape: the shape of ``f``'s input.
        y_shape: the shape of ``f``'s output.
        atol: the largest allowed ``|B - Aᵀ|``.

    Returns:
        ``(A, B)`` as float64 arrays.

    Raises:
        ValueError: ``f`` or ``f_adjoint`` does not map between the given shapes.
        GradcheckError: naming the first entry where ``|B - Aᵀ| > atol``, and both values.

    Examples:
        >>> import minigrad as mg
        >>> a, b = mg.autograd.adjoint_matrices(lambda t: t.T, lambda t: t.T, (2, 3), (3, 2))
        >>> a.shape, bool((b == a.T).all())
        ((6, 6), True)
    """
    x_shape, y_shape = tuple(x_shape), tuple(y_shape)
    forward = _matrix(f, "f", x_shape, y_shape)
    backward = _matrix(f_adjoint, "f_adjoint", y_shape, x_shape)
    bad = ~(np.abs(backward - forward.T) <= atol)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        x_index = tuple(map(int, np.unravel_index(row, x_shape)))
        y_index = tuple(map(int, np.unravel_index(column, y_shape)))
        raise GradcheckError(
            f"adjoint matrices differ at x element {x_index}, y element {y_index}: "
            f"f_adjoint's entry is {float(backward[row, column])!r} but f's transposed entry "
            f"is {float(forward.T[row, column])!r} (atol {atol})"
        )
    return forward, backward


def _matrix(
    f: Callable[[Tensor], Tensor], name: str, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> np.ndarray:
    """``f``'s Jacobian at zeros as a ``(prod(out_shape), prod(in_shape))`` matrix."""
    jacobian_of_f = functional.jacobian(f, Tensor._wrap(np.zeros(in_shape)))
    if jacobian_of_f.shape != out_shape + in_shape:
        got = jacobian_of_f.shape[: jacobian_of_f.ndim - len(in_shape)]
        raise ValueError(
            f"adjoint_matrices: {name} maps shape {in_shape} to {got}, expected {out_shape}"
        )
    return np.asarray(jacobian_of_f._data).reshape(int(np.prod(out_shape)), int(np.prod(in_shape)))


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
