"""Derivatives of whole functions: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp``, ``hvp``.

PyTorch's ``torch.autograd.functional``, with its signatures and rules, built from
``grad`` alone. Every function here

* runs ``func`` on fresh copies of ``inputs`` that require grad (with
  ``create_graph=True``, on differentiable views of them, so the answers can be
  differentiated with respect to the original inputs);
* returns answers cut from the tape unless ``create_graph=True``;
* gives zeros for a part of the answer that does not depend on the inputs, or, with
  ``strict=True``, raises ``RuntimeError`` saying which output and input;
* answers in the shape of its arguments: a tensor for a tensor, a tuple for a tuple.

Forward mode (``jvp``) is the double-vjp trick: ``u -> Jᵀu`` is linear in ``u``, so
the gradient of ``<Jᵀu, v>`` with respect to ``u`` is ``J v``, for any ``u`` (zeros
here). It works through every op whose backward is differentiable, which is every
op of minigrad's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.autograd import _functional_arguments as args
from minigrad.autograd import grad_mode
from minigrad.autograd._batched import StackRows
from minigrad.autograd._functional_arguments import (
    FunctionalArgumentError,
    StrategyError,
    Tensors,
)
from minigrad.tensor import Tensor

__all__ = [
    "FunctionalArgumentError",
    "StrategyError",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "vhp",
    "vjp",
]

STRATEGIES = ("forward-mode", "reverse-mode")


# ---- the public functions ----------------------------------------------------------------


def vjp(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    v: Tensor | Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """The vector-Jacobian product ``vᵀ J`` of ``func`` at ``inputs``.

    ``(vᵀ J)_x = sum_y v_y * d func(x)_y / dx``, with ``v`` shaped as the outputs and the
    answer as the inputs.

    Args:
        func: takes the tensors of ``inputs`` and returns a tensor or a tuple of them.
        inputs: a tensor or a tuple of tensors.
        v: shaped as ``func``'s outputs; may be None when ``func`` returns a single
            tensor with a single element.
        create_graph: record the computation, so the answers can be differentiated
            again (with respect to ``inputs`` and ``v``).
        strict: raise when an output does not depend on an input, instead of
            returning zeros for it.

    Returns:
        ``(func(inputs), vjp)``, the second shaped as ``inputs``.

    Raises:
        TypeError: ``inputs``, ``v`` or the outputs are not tensors or tuples of tensors.
        FunctionalArgumentError: ``v`` has the wrong length or shapes, or is None where
            it cannot be.
        RuntimeError: with ``strict=True``, an output does not depend on an input.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0])
        >>> out, grad_x = mg.autograd.functional.vjp(lambda t: t ** 2, x, mg.ones(2))
        >>> grad_x.tolist()
        [2.0, 4.0]
    """
    with grad_mode.enable_grad():
        inputs_is_tuple, tensors = args.as_tuple(inputs, "inputs", "vjp")
        tensors = args.prepare(tensors, create_graph, need_graph=True)
        outputs_is_tuple, outputs = args.as_tuple(
            func(*tensors), "outputs of the user-provided function", "vjp"
        )
        args.check_outputs(outputs, strict, "vjp")
        vectors = args.v_of(v, outputs, outputs_is_tuple, "output", "vjp", create_graph)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        found = args.grads(outputs, tensors, vectors, create_graph)
        answers = args.filled(
            found,
            tensors,
            strict,
            create_graph,
            "vjp",
            "the output of the user-provided function does not depend on input {index}",
        )
    return (
        args.unpack(args.finish(outputs, create_graph), outputs_is_tuple),
        args.unpack(args.finish(answers, create_graph), inputs_is_tuple),
    )


def jacobian(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``J[y..., x...] = d func(x)[y...] / d x[x...]``.

    For a tensor input of shape ``X`` and a tensor output of shape ``Y`` the answer is
    one tensor of shape ``Y + X``. For a tuple of outputs it is a tuple over the
    outputs; for a tuple of inputs, a tuple over the inputs; for both, ``J[i][j]`` for
    output ``i`` and input ``j``.

    Reverse mode builds the Jacobian row by row, one backward per output element (a
    one-hot gradient); forward mode column by column, one Jacobian-vector product per
    input element (the double-vjp trick of [`jvp`][minigrad.autograd.functional.jvp]).
    As in PyTorch, forward mode needs ``vectorize=True`` and allows neither
    ``create_graph`` nor ``strict``.
    ``vectorize`` is accepted for PyTorch's sake and gives the same numbers by the
    same loop (PyTorch uses vmap there).

    Args:
        func: takes the tensors of ``inputs`` and returns a tensor or a tuple of them.
        inputs: a tensor or a tuple of tensors.
        create_graph: record the computation, so the Jacobian can be differentiated.
        strict: raise when an output does not depend on an input, instead of
            returning zeros for that block.
        vectorize: PyTorch's switch to vmap; refused with ``strict=True`` as there.
        strategy: ``"reverse-mode"`` or ``"forward-mode"``.

    Returns:
        A tensor, a tuple, or a tuple of tuples of tensors, as described above.

    Raises:
        StrategyError: ``strategy`` is not one of the two.
        NotImplementedError: forward mode with ``create_graph=True`` or
            ``vectorize=False``.
        RuntimeError: ``strict=True`` with forward mode or ``vectorize=True``, or an
            output that does not depend on an input.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0])
        >>> mg.autograd.functional.jacobian(lambda t: t ** 2, x).tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    if strategy not in STRATEGIES:
        raise StrategyError(
            f"jacobian: strategy: expected 'forward-mode' or 'reverse-mode', got {strategy!r}"
        )
    if strategy == "forward-mode":
        return _forward_jacobian(func, inputs, create_graph, strict, vectorize)
    with grad_mode.enable_grad():
        inputs_is_tuple, tensors = args.as_tuple(inputs, "inputs", "jacobian")
        tensors = args.prepare(tensors, create_graph, need_graph=True)
        outputs_is_tuple, outputs = args.as_tuple(
            func(*tensors), "outputs of the user-provided function", "jacobian"
        )
        args.check_outputs(outputs, strict, "jacobian")
        if vectorize and strict:
            raise RuntimeError(
                "jacobian: strict=True and vectorize=True cannot be used together; set one "
                "of them to False"
            )
        blocks = tuple(
            _reverse_rows(output, index, tensors, create_graph, strict)
            for index, output in enumerate(outputs)
        )
    return args.unpack_both(args.finish(blocks, create_graph), outputs_is_tuple, inputs_is_tuple)


def _reverse_rows(
    output: Tensor, out_index: int, tensors: Tensors, create_graph: bool, strict: bool
) -> Tensors:
    """One Jacobian block per input for one output: a backward per output element."""
    rows: list[list[Tensor]] = [[] for _ in tensors]
    for element in range(output.numel()):
        seed = np.zeros(output.shape, dtype=output.dtype)
        seed.flat[element] = 1.0
        found = args.grads((output,), tensors, (Tensor._wrap(seed),), create_graph, True)
        for in_index, (answer, tensor) in enumerate(zip(found, tensors)):
            if answer is None:
                if strict:
                    raise RuntimeError(
                        f"jacobian: output {out_index} of the user-provided function does "
                        f"not depend on input {in_index}, which strict=True does not allow"
                    )
                answer = args.zeros_like(tensor)
            elif strict and create_graph and not answer.requires_grad:
                raise RuntimeError(
                    f"jacobian: the Jacobian of output {out_index} with respect to input "
                    f"{in_index} does not depend on the inputs, which strict=True with "
                    "create_graph=True does not allow"
                )
            rows[in_index].append(answer)
    return tuple(
        _stacked(row, output.shape + tensor.shape, tensor) for row, tensor in zip(rows, tensors)
    )


def _stacked(rows: list[Tensor], shape: tuple[int, ...], like: Tensor) -> Tensor:
    """The rows stacked (differentiably) and viewed as ``shape``."""
    if not rows:
        return Tensor._wrap(np.zeros(shape, dtype=like.dtype))
    return StackRows.apply(*rows).reshape(shape)


class _Linearization:
    """``func`` at ``tensors`` set up for Jacobian-vector products by the double-vjp
    trick: ``grad_inputs = Jᵀ u`` recorded for zeros ``u`` (one per output), so that
    ``J v`` is the gradient of ``<grad_inputs, v>`` with respect to ``u``.

    The value of ``u`` never matters, as ``Jᵀu`` is linear in it; zeros keep infs and
    NaNs out.
    """

    def __init__(
        self, func: Callable[..., Any], tensors: Tensors, strict: bool, caller: str
    ) -> None:
        self.outputs_is_tuple, self.outputs = args.as_tuple(
            func(*tensors), "outputs of the user-provided function", caller
        )
        args.check_outputs(self.outputs, strict, caller)
        self.caller = caller
        self.cotangents = tuple(
            Tensor._wrap(np.zeros(o.shape, dtype=o.dtype), requires_grad=True)
            for o in self.outputs
        )
        self.grad_inputs = args.grads(self.outputs, tensors, self.cotangents, create_graph=True)
        if strict:
            for index, grad_input in enumerate(self.grad_inputs):
                if grad_input is None:
                    raise RuntimeError(
                        f"{caller}: the output of the user-provided function does not "
                        f"depend on input {index}, which strict=True does not allow"
                    )
                if not grad_input.requires_grad:
                    raise RuntimeError(
                        f"{caller}: the gradient with respect to input {index} does not "
                        "depend on the inputs of the user-provided function, which "
                        "strict=True does not allow"
                    )

    def apply(
        self, vectors: tuple[Tensor | None, ...] | None, create_graph: bool, strict: bool
    ) -> Tensors:
        """``J v``, one tensor per output; ``vectors`` None: ``v`` is one implied 1."""
        found = args.grads(self.grad_inputs, self.cotangents, vectors, create_graph, True)
        return args.filled(
            found,
            self.outputs,
            strict,
            create_graph,
            self.caller,
            "the gradient with respect to the inputs does not depend on entry {index} of "
            "the grad_outputs of the double-vjp trick",
        )


def jvp(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    v: Tensor | Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs``.

    ``(J v)_y = sum_x d func(x)_y / dx * v_x``, with ``v`` shaped as the inputs and the
    answer as the outputs. Computed by the double-vjp trick (see the module's
    docstring): two backward passes, no forward-mode rules needed.

    Args:
        func: takes the tensors of ``inputs`` and returns a tensor or a tuple of them.
        inputs: a tensor or a tuple of tensors.
        v: shaped as ``inputs``; may be None when ``inputs`` is a single tensor with a
            single element.
        create_graph: record the computation, so the answers can be differentiated
            again (with respect to ``inputs`` and ``v``).
        strict: raise when an output does not depend on an input, instead of
            returning zeros for it.

    Returns:
        ``(func(inputs), jvp)``, the second shaped as the outputs.

    Raises:
        TypeError: ``inputs``, ``v`` or the outputs are not tensors or tuples of tensors.
        FunctionalArgumentError: ``v`` has the wrong length or shapes, or is None where
            it cannot be.
        RuntimeError: with ``strict=True``, an output does not depend on an input.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0])
        >>> out, jv = mg.autograd.functional.jvp(lambda t: t ** 2, x, mg.ones(2))
        >>> jv.tolist()
        [2.0, 4.0]
    """
    with grad_mode.enable_grad():
        inputs_is_tuple, tensors = args.as_tuple(inputs, "inputs", "jvp")
        tensors = args.prepare(tensors, create_graph, need_graph=True)
        vectors = args.v_of(v, tensors, inputs_is_tuple, "input", "jvp", create_graph)
        linear = _Linearization(func, tensors, strict, "jvp")
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        answers = linear.apply(vectors, create_graph, strict)
    return (
        args.unpack(args.finish(linear.outputs, create_graph), linear.outputs_is_tuple),
        args.unpack(args.finish(answers, create_graph), linear.outputs_is_tuple),
    )


def _forward_jacobian(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    create_graph: bool,
    strict: bool,
    vectorize: bool,
) -> Any:
    """``jacobian(strategy="forward-mode")``: a column per input element, each a
    Jacobian-vector product with a one-hot ``v`` on one linearisation of ``func``.
    """
    if create_graph:
        raise NotImplementedError(
            'jacobian: create_graph=True and strategy="forward-mode" are not supported '
            'together; set create_graph=False or strategy="reverse-mode"'
        )
    if strict:
        raise RuntimeError(
            'jacobian: strict=True and strategy="forward-mode" are not supported together; '
            'set strict=False or strategy="reverse-mode"'
        )
    inputs_is_tuple, tensors = args.as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(
            'jacobian: strategy="forward-mode" is implemented only with vectorize=True '
            "(as in PyTorch)"
        )
    with grad_mode.enable_grad():
        tensors = args.prepare(tensors, create_graph=False, need_graph=True)
        linear = _Linearization(func, tensors, strict=False, caller="jacobian")
        columns_per_input = []
        for position, tensor in enumerate(tensors):
            columns: list[Tensors] = []
            for element in range(tensor.numel()):
                vectors: list[Tensor | None] = [args.zeros_like(t) for t in tensors]
                one_hot = np.zeros(tensor.shape, dtype=tensor.dtype)
                one_hot.flat[element] = 1.0
                vectors[position] = Tensor._wrap(one_hot)
                columns.append(linear.apply(tuple(vectors), create_graph=False, strict=False))
            columns_per_input.append(columns)
    blocks = tuple(
        tuple(
            _columns_stacked([c[out_index] for c in columns], output, tensor)
            for columns, tensor in zip(columns_per_input, tensors)
        )
        for out_index, output in enumerate(linear.outputs)
    )
    return args.unpack_both(blocks, linear.outputs_is_tuple, inputs_is_tuple)


def _columns_stacked(columns: list[Tensor], output: Tensor, tensor: Tensor) -> Tensor:
    """Columns ``J e_k`` (each shaped as the output) as the block of shape ``Y + X``."""
    shape = output.shape + tensor.shape
    if not columns:
        return Tensor._wrap(np.zeros(shape, dtype=output.dtype))
    stacked = np.stack([column._data for column in columns], axis=-1)
    return Tensor._wrap(stacked.reshape(shape))


def hessian(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: ``H[x..., x'...] = d² f / dx dx'``.

    The Jacobian of the gradient: the inner Jacobian in reverse mode (with
    ``create_graph=True``), the outer one by ``outer_jacobian_strategy``. For a tensor
    input of shape ``X`` the answer has shape ``X + X``; for a tuple of inputs it is
    ``H[i][j]`` of shape ``X_i + X_j``.

    Args:
        func: takes the tensors of ``inputs`` and returns a tensor with one element.
        inputs: a tensor or a tuple of tensors.
        create_graph: record the computation, so the Hessian can be differentiated.
        strict: raise when the gradient does not depend on an input (a function
            linear in it, for example), instead of returning zeros.
        vectorize: passed to the outer [`jacobian`][minigrad.autograd.functional.jacobian].
        outer_jacobian_strategy: ``"reverse-mode"`` or ``"forward-mode"`` (which, as in
            PyTorch, needs ``vectorize=True``).

    Returns:
        A tensor, or a tuple of tuples of tensors, as described above.

    Raises:
        StrategyError: ``outer_jacobian_strategy`` is not one of the two.
        RuntimeError: ``func`` returns a tuple or more than one element, or, with
            ``strict=True``, a derivative does not depend on an input.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0])
        >>> mg.autograd.functional.hessian(lambda t: (t ** 3).sum(), x).tolist()
        [[6.0, 0.0], [0.0, 12.0]]
    """
    inputs_is_tuple, tensors = args.as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in STRATEGIES:
        raise StrategyError(
            "hessian: outer_jacobian_strategy: expected 'forward-mode' or 'reverse-mode', "
            f"got {outer_jacobian_strategy!r}"
        )

    def scalar_func(*arguments: Tensor) -> Tensor:
        is_tuple, outputs = args.as_tuple(
            func(*arguments), "outputs of the user-provided function", "hessian"
        )
        args.check_outputs(outputs, strict, "hessian")
        return args.single_output(outputs, is_tuple, "hessian").squeeze()

    def gradient_func(*arguments: Tensor) -> Tensors:
        gradients: Tensors = jacobian(scalar_func, arguments, create_graph=True)
        args.check_gradients(gradients, strict, "hessian")
        return gradients

    blocks = jacobian(
        gradient_func,
        tensors,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return args.unpack_both(blocks, inputs_is_tuple, inputs_is_tuple)


def _scalar_gradient(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    v: Tensor | Tensors | None,
    create_graph: bool,
    strict: bool,
    caller: str,
) -> tuple[bool, Tensors, Tensors | None, Tensor, tuple[Tensor | None, ...]]:
    """What ``vhp`` and ``hvp`` share: the prepared inputs and ``v``, the scalar output
    and its gradient, recorded for a second differentiation.
    """
    inputs_is_tuple, tensors = args.as_tuple(inputs, "inputs", caller)
    tensors = args.prepare(tensors, create_graph, need_graph=True)
    vectors = args.v_of(v, tensors, inputs_is_tuple, "input", caller, create_graph)
    is_tuple, outputs = args.as_tuple(
        func(*tensors), "outputs of the user-provided function", caller
    )
    args.check_outputs(outputs, strict, caller)
    output = args.single_output(outputs, is_tuple, caller)
    gradients = args.grads(outputs, tensors, None, create_graph=True)
    args.check_gradients(gradients, strict, caller)
    return inputs_is_tuple, tensors, vectors, output, gradients


def vhp(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    v: Tensor | Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """The vector-Hessian product ``vᵀ H`` of a scalar ``func`` at ``inputs``.

    ``(vᵀ H)_x' = sum_x v_x * d² f / dx dx'``: the gradient of ``<grad f, v>``, shaped
    as the inputs (``v`` too).

    Args:
        func: takes the tensors of ``inputs`` and returns a tensor with one element.
        inputs: a tensor or a tuple of tensors.
        v: shaped as ``inputs``; may be None when ``inputs`` is a single tensor with a
            single element.
        create_graph: record the computation, so the answers can be differentiated.
        strict: raise when a derivative does not depend on an input, instead of
            returning zeros.

    Returns:
        ``(func(inputs), vhp)``, the second shaped as ``inputs``.

    Raises:
        TypeError: ``inputs``, ``v`` or the output are not tensors or tuples of tensors.
        FunctionalArgumentError: ``v`` has the wrong length or shapes, or is None where
            it cannot be.
        RuntimeError: ``func`` returns a tuple or more than one element, or, with
            ``strict=True``, a derivative does not depend on an input.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0])
        >>> f, product = mg.autograd.functional.vhp(lambda t: (t ** 3).sum(), x, mg.ones(2))
        >>> product.tolist()
        [6.0, 12.0]
    """
    with grad_mode.enable_grad():
        inputs_is_tuple, tensors, vectors, output, gradients = _scalar_gradient(
            func, inputs, v, create_graph, strict, "vhp"
        )
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        found = args.grads(gradients, tensors, vectors, create_graph)
        answers = args.filled(
            found,
            tensors,
            strict,
            create_graph,
            "vhp",
            "the gradient of the user-provided function does not depend on input {index}",
        )
    return args.finish(output, create_graph), args.unpack(
        args.finish(answers, create_graph), inputs_is_tuple
    )


def hvp(
    func: Callable[..., Any],
    inputs: Tensor | Tensors,
    v: Tensor | Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """The Hessian-vector product ``H v`` of a scalar ``func`` at ``inputs``.

    ``(H v)_x = sum_x' d² f / dx dx' * v_x'``, shaped as the inputs (``v`` too). By the
    double-vjp trick on the gradient (``u -> Hᵀu`` is linear in ``u``); for a twice
    continuously differentiable ``f``, ``H`` is symmetric and ``hvp`` equals ``vhp``.

    Args:
        func: takes the tensors of ``inputs`` and returns a tensor with one element.
        inputs: a tensor or a tuple of tensors.
        v: shaped as ``inputs``; may be None when ``inputs`` is a single tensor with a
            single element.
        create_graph: record the computation, so the answers can be differentiated.
        strict: raise when a derivative does not depend on an input, instead of
            returning zeros.

    Returns:
        ``(func(inputs), hvp)``, the second shaped as ``inputs``.

    Raises:
        TypeError: ``inputs``, ``v`` or the output are not tensors or tuples of tensors.
        FunctionalArgumentError: ``v`` has the wrong length or shapes, or is None where
            it cannot be.
        RuntimeError: ``func`` returns a tuple or more than one element, or, with
            ``strict=True``, a derivative does not depend on an input.

    Examples:
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0])
        >>> f, product = mg.autograd.functional.hvp(lambda t: (t ** 3).sum(), x, mg.ones(2))
        >>> product.tolist()
        [6.0, 12.0]
    """
    with grad_mode.enable_grad():
        inputs_is_tuple, tensors, vectors, output, gradients = _scalar_gradient(
            func, inputs, v, create_graph, strict, "hvp"
        )
        cotangents = tuple(
            Tensor._wrap(np.zeros(t.shape, dtype=t.dtype), requires_grad=True) for t in tensors
        )
        double_back = args.grads(gradients, tensors, cotangents, create_graph=True)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        found = args.grads(double_back, cotangents, vectors, create_graph)
        answers = args.filled(
            found,
            tensors,
            strict,
            create_graph,
            "hvp",
            "the Hessian of the user-provided function does not depend on entry {index} of "
            "the grad_outputs of the double-vjp trick",
        )
    return args.finish(output, create_graph), args.unpack(
        args.finish(answers, create_graph), inputs_is_tuple
    )
