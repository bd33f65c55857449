"""Shared test helpers: one call checks an op four ways, one checks an error message.

``check_op`` is tinygrad's ``helper_test_op`` made explicit: the forward against numpy
and (when installed) torch, the gradient against torch, then ``gradcheck`` and
``gradgradcheck`` in float64. Most minigrad and torch methods share their names, so
one lambda usually serves both libraries.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import minigrad as mg

SAME = object()  # torch_fn=SAME: run the minigrad lambda on torch tensors too


def torch_or_none() -> Any:
    """The torch module when it is installed, else None (the oracle is optional)."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def randn(*shape: int, low: float | None = None, seed: int = 0) -> np.ndarray:
    """A float64 standard normal array; with ``low``, shifted away from a singular point.

    ``low`` keeps values in ``[low, inf)`` (e.g. 0.5 for log and sqrt) by folding them
    with ``abs`` and adding ``low``.
    """
    values = np.random.default_rng(seed).standard_normal(shape)
    return values if low is None else np.abs(values) + low


def to_mg(array: Any) -> mg.Tensor:
    """A minigrad leaf; float64 arrays require grad, others (indices, masks) do not."""
    array = np.asarray(array)
    return mg.tensor(array, requires_grad=array.dtype == np.float64)


def to_torch(torch: Any, array: Any) -> Any:
    array = np.asarray(array)
    return torch.tensor(array, requires_grad=array.dtype == np.float64)


def assert_close(got: Any, want: Any, atol: float = 1e-10, rtol: float = 1e-7) -> None:
    """Values and shape equal up to tolerance; ``got``/``want`` tensors or arrays."""
    got_array = np.asarray(got.detach().numpy() if hasattr(got, "detach") else got)
    want_array = np.asarray(want.detach().numpy() if hasattr(want, "detach") else want)
    assert got_array.shape == want_array.shape, (got_array.shape, want_array.shape)
    np.testing.assert_allclose(got_array, want_array, atol=atol, rtol=rtol)


def check_op(
    fn: Callable[..., mg.Tensor],
    *inputs: Any,
    torch_fn: Any = SAME,
    numpy_fn: Callable[..., Any] | None = None,
    gradgrad: bool = True,
    atol: float = 1e-10,
    rtol: float = 1e-7,
) -> mg.Tensor:
    """Check one op: forward vs numpy and torch, gradient vs torch, gradcheck, gradgradcheck.

    Args:
        fn: the op under test, a function of minigrad tensors.
        inputs: numpy arrays; float64 ones become inputs that require grad.
        torch_fn: the same function on torch tensors (``SAME``: ``fn`` itself;
            ``None``: no torch comparison).
        numpy_fn: the forward on numpy arrays, when numpy has it.
        gradgrad: also run ``gradgradcheck``.

    Returns:
        The minigrad output, for extra assertions.
    """
    tensors = [to_mg(a) for a in inputs]
    out = fn(*tensors)
    if numpy_fn is not None:
        assert_close(out, numpy_fn(*[np.asarray(a) for a in inputs]), atol, rtol)
    torch = torch_or_none()
    if torch is not None and torch_fn is not None:
        _compare_with_torch(torch, fn if torch_fn is SAME else torch_fn, inputs, tensors, out)
    if any(t.requires_grad for t in tensors):
        assert mg.autograd.gradcheck(fn, tensors)
        if gradgrad:
            assert mg.autograd.gradgradcheck(fn, tensors)
    return out


def _compare_with_torch(
    torch: Any,
    torch_fn: Callable[..., Any],
    arrays: Sequence[Any],
    tensors: list[mg.Tensor],
    out: mg.Tensor,
) -> None:
    torch_inputs = [to_torch(torch, a) for a in arrays]
    torch_out = torch_fn(*torch_inputs)
    assert_close(out, torch_out)
    assert str(out.dtype) == str(torch_out.dtype).replace("torch.", ""), (out.dtype, torch_out)
    if not out.requires_grad:
        return
    seed = np.random.default_rng(1).standard_normal(out.shape)
    wanted = [i for i, t in enumerate(tensors) if t.requires_grad]
    got = mg.autograd.grad(
        out, [tensors[i] for i in wanted], mg.tensor(seed), retain_graph=True, allow_unused=True
    )
    want = torch.autograd.grad(
        torch_out, [torch_inputs[i] for i in wanted], torch.tensor(seed), allow_unused=True
    )
    for position, g, w in zip(wanted, got, want):
        g_array = np.zeros(tensors[position].shape) if g is None else g.numpy()
        w_array = np.zeros(tensors[position].shape) if w is None else w.numpy()
        np.testing.assert_allclose(
            g_array, w_array, atol=1e-10, rtol=1e-7, err_msg=f"gradient of input {position}"
        )


@contextlib.contextmanager
def assert_raises_with(exception: type[BaseException], *fragments: str) -> Iterator[Any]:
    """Expect ``exception`` whose message contains every fragment (case-sensitive).

    >>> with assert_raises_with(ValueError, "stride", "got 0"):
    ...     raise ValueError("stride: expected positive values, got 0")
    """
    with pytest.raises(exception) as info:
        yield info
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message {message!r} lacks {missing}"
