"""Empty batches and zero-size dims behave as in PyTorch: the same result shape and
values (NaN where PyTorch gives NaN), a backward that works, and the same refusals.
(The convolutions have their own differential fuzz in test_conv_fuzz.py.)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import minigrad as mg


def _lib(x: Any) -> Any:
    if isinstance(x, mg.Tensor):
        return mg
    import torch

    return torch


def _functional(x: Any) -> Any:
    return _lib(x).nn.functional


CASES: dict[str, tuple[Any, list[tuple[int, ...]]]] = {
    "linear, batch 0": (lambda x, w, b: _functional(x).linear(x, w, b), [(0, 3), (4, 3), (4,)]),
    "linear, 0 features": (
        lambda x, w, b: _functional(x).linear(x, w, b),
        [(2, 0), (4, 0), (4,)],
    ),
    "matmul, 0 rows": (lambda x, w: x @ w, [(0, 3), (3, 2)]),
    "matmul, 0 inner": (lambda x, w: x @ w, [(2, 0), (0, 2)]),
    "batch_norm training, batch 0": (
        lambda x, w, b: _functional(x).batch_norm(x, None, None, w, b, training=True),
        [(0, 3, 4), (3,), (3,)],
    ),
    "batch_norm eval, batch 0": (
        lambda x, w, b: _functional(x).batch_norm(
            x, _lib(x).zeros(3, dtype=x.dtype), _lib(x).ones(3, dtype=x.dtype), w, b
        ),
        [(0, 3), (3,), (3,)],
    ),
    "relu": (lambda x: x.relu(), [(0, 3)]),
    "leaky_relu": (lambda x: _functional(x).leaky_relu(x, 0.2), [(0, 3)]),
    "tanh": (lambda x: x.tanh(), [(0, 3)]),
    "sigmoid": (lambda x: x.sigmoid(), [(0, 3)]),
    "exp": (lambda x: x.exp(), [(0, 3)]),
    "pow": (lambda x: x**2, [(0, 3)]),
    "sum": (lambda x: x.sum(), [(0, 3)]),
    "sum(dim)": (lambda x: x.sum(0), [(0, 3)]),
    "mean": (lambda x: x.mean(), [(0, 3)]),
    "mean(dim)": (lambda x: x.mean(0), [(0, 3)]),
    "var": (lambda x: x.var(), [(0, 3)]),
    "max(dim) over a non-empty dim": (lambda x: x.max(1)[0], [(0, 3)]),
    "softmax": (lambda x: _functional(x).softmax(x, 1), [(0, 3)]),
    "softmax, 0 classes": (lambda x: _functional(x).softmax(x, 1), [(2, 0)]),
    "log_softmax": (lambda x: _functional(x).log_softmax(x, 1), [(0, 3)]),
    "mse_loss": (lambda x, y: _functional(x).mse_loss(x, y.detach()), [(0, 3), (0, 3)]),
    "mse_loss sum": (
        lambda x, y: _functional(x).mse_loss(x, y.detach(), reduction="sum"),
        [(0, 3), (0, 3)],
    ),
    "binary_cross_entropy_with_logits": (
        lambda x, y: _functional(x).binary_cross_entropy_with_logits(x, y.detach().sigmoid()),
        [(0, 3), (0, 3)],
    ),
    "binary_cross_entropy": (
        lambda x, y: _functional(x).binary_cross_entropy(x.sigmoid(), y.detach().sigmoid()),
        [(0, 3), (0, 3)],
    ),
    "pad reflect": (lambda x: _functional(x).pad(x, (1, 1), mode="reflect"), [(0, 2, 4)]),
    "pad zeros": (lambda x: _functional(x).pad(x, (1, 2)), [(0, 2, 4)]),
    "dropout": (lambda x: _functional(x).dropout(x, 0.5), [(0, 3)]),
    "flatten": (lambda x: x.flatten(1), [(0, 2, 3)]),
    "reshape": (lambda x: x.reshape(0, 6), [(0, 2, 3)]),
    "cat with an empty piece": (lambda x, y: _lib(x).cat([x, y], 0), [(0, 3), (2, 3)]),
    "stack of empties": (lambda x, y: _lib(x).stack([x, y], 0), [(0, 3), (0, 3)]),
    "empty slice": (lambda x: x[1:1], [(2, 3)]),
    "transpose": (lambda x: x.transpose(0, 1), [(0, 3)]),
    "broadcast add": (lambda x, y: x + y, [(0, 3), (3,)]),
    "max() of an empty tensor": (lambda x: x.max(), [(0, 3)]),
    "max(dim) over an empty dim": (lambda x: x.max(0)[0], [(0, 3)]),
}


def _outcome(library: str, case: str) -> tuple[Any, ...]:
    fn, shapes = CASES[case]
    arrays = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    if library == "minigrad":
        inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
    else:
        import torch

        inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    try:
        out = fn(*inputs)
    except (ValueError, TypeError, RuntimeError, IndexError) as error:
        return ("refused", type(error).__name__)
    out.sum().backward()
    grads = [None if t.grad is None else t.grad.detach().numpy() for t in inputs]
    return ("ok", out.detach().numpy(), grads)


@pytest.mark.parametrize("case", sorted(CASES))
def test_empty_and_zero_size_inputs_as_in_torch(case, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may leak out of minigrad
        got = _outcome("minigrad", case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own (var of nothing, say)
        want = _outcome("torch", case)
    assert got[0] == want[0], (got, want)
    if got[0] == "refused":
        assert got[1] in ("ValueError", "TypeError"), got
        return
    _, out, grads = got
    _, torch_out, torch_grads = want
    assert out.shape == torch_out.shape
    np.testing.assert_allclose(out, torch_out, rtol=1e-12, atol=1e-12)  # NaN == NaN here
    for grad, torch_grad in zip(grads, torch_grads):
        assert (grad is None) == (torch_grad is None)
        if grad is not None:
            assert grad.shape == torch_grad.shape
            np.testing.assert_allclose(grad, torch_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("module", ["BatchNorm1d", "BatchNorm2d"])
def test_batch_norm_layers_on_an_empty_batch_keep_their_statistics(module, torch):
    shape = (0, 3) if module == "BatchNorm1d" else (0, 3, 2, 2)
    layers = [getattr(mg.nn, module)(3), getattr(torch.nn, module)(3)]
    for layer, lib in zip(layers, (mg, torch)):
        out = layer(lib.randn(*shape))
        out.sum().backward()
        assert tuple(out.shape) == shape
        assert layer.weight.grad.detach().numpy().tolist() == [0.0, 0.0, 0.0]
    ours, theirs = layers
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_array_equal(
            getattr(ours, name).detach().numpy(), getattr(theirs, name).detach().numpy()
        )
