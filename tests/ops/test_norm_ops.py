"""ops.norms: every fused op against its unfused twin (values and gradients), gradcheck
and gradgradcheck of both, and GroupNorm's one backward under create_graph (a gradient
penalty) against torch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.kernels import backend
from minigrad.ops.norms import (
    GroupNorm,
    InverseStd,
    NormInputGrad,
    Standardise,
    WeightDot,
    WeightSum,
    group_norm_unfused,
    inverse_std_unfused,
    norm_grads,
    norm_grads_unfused,
    norm_input_grad_unfused,
    norm_param_grads,
    norm_param_grads_unfused,
    row_statistics,
    standardise_unfused,
)
from tests.helpers import randn

EPS = 1e-3
# (x's shape, rows (B, P), weight shape): layer, instance and group norm layouts.
LAYOUTS = [
    ((3, 2, 4), (3, 1), (2, 4)),
    ((2, 3, 4), (2, 3), (3,)),
    ((2, 4, 3), (2, 2), (4,)),
]


def _product(pair: Callable[..., tuple[mg.Tensor, mg.Tensor]]) -> Callable[..., mg.Tensor]:
    def both(*inputs: mg.Tensor) -> mg.Tensor:
        first, second = pair(*inputs)
        return first * 2 + second * second

    return both


def _mix(results: tuple[mg.Tensor, mg.Tensor, mg.Tensor]) -> mg.Tensor:
    # One output for the checks: each of the three enters with its own factor.
    dx, db, dw = results
    return (dx * dx).sum() + (db * 3).sum() + (dw * dw).sum()


def _pairs(rows: tuple[int, int], weight: tuple[int, ...]) -> dict[str, Any]:
    """op name -> (fused, unfused, input shapes: "x", "w" or "r")."""
    return {
        "group_norm": (
            lambda x, w, b: GroupNorm.apply(x, w, b, rows=rows, eps=EPS),
            lambda x, w, b: group_norm_unfused(x, w, b, rows=rows, eps=EPS),
            "xww",
        ),
        "standardise": (
            lambda x: Standardise.apply(x, rows=rows, eps=EPS),
            lambda x: standardise_unfused(x, rows=rows, eps=EPS),
            "x",
        ),
        "inverse_std": (
            lambda x: InverseStd.apply(x, rows=rows, eps=EPS),
            lambda x: inverse_std_unfused(x, rows=rows, eps=EPS),
            "x",
        ),
        "input_grad": (
            lambda g, xhat, r, w: NormInputGrad.apply(g, xhat, r, w, rows=rows),
            lambda g, xhat, r, w: norm_input_grad_unfused(g, xhat, r, w, rows=rows),
            "xxrw",
        ),
        "param_grads": (
            _product(lambda g, xhat: norm_param_grads(g, xhat, rows, weight)),
            _product(lambda g, xhat: norm_param_grads_unfused(g, xhat, rows, weight)),
            "xx",
        ),
        "grads": (
            lambda g, xhat, r, w: _mix(norm_grads(g, xhat, r, w, rows)),
            lambda g, xhat, r, w: _mix(norm_grads_unfused(g, xhat, r, w, rows)),
            "xxrw",
        ),
        "weight_sum": (
            lambda g: WeightSum.apply(g, rows=rows, shape=weight),
            lambda g: norm_param_grads_unfused(g, g, rows, weight)[0],
            "x",
        ),
        "weight_dot": (
            lambda g, xhat: WeightDot.apply(g, xhat, rows=rows, shape=weight),
            lambda g, xhat: norm_param_grads_unfused(g, xhat, rows, weight)[1],
            "xx",
        ),
    }


def _inputs(kinds: str, shape, rows, weight) -> list[mg.Tensor]:
    sizes = {"x": shape, "w": weight, "r": rows}
    arrays = [randn(*sizes[kind], seed=i) * 1.5 + 0.5 for i, kind in enumerate(kinds)]
    arrays = [np.abs(a) + 0.5 if kind == "r" else a for a, kind in zip(arrays, kinds)]
    return [mg.tensor(a, requires_grad=True) for a in arrays]


CASES = [(name, layout) for layout in LAYOUTS for name in _pairs(layout[1], layout[2])]


@pytest.mark.parametrize(("name", "layout"), CASES)
def test_fused_op_matches_its_twin_and_passes_gradcheck(name, layout):
    shape, rows, weight = layout
    fused, unfused, kinds = _pairs(rows, weight)[name]
    inputs = _inputs(kinds, shape, rows, weight)
    got, want = fused(*inputs), unfused(*inputs)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-12)
    seed = mg.tensor(randn(*got.shape, seed=9))
    got_grads = mg.autograd.grad(got, inputs, seed, allow_unused=True)
    want_grads = mg.autograd.grad(want, inputs, seed, allow_unused=True)
    for position, (g, w) in enumerate(zip(got_grads, want_grads)):
        g_array = 0 if g is None else g.numpy()
        w_array = 0 if w is None else w.numpy()
        np.testing.assert_allclose(g_array, w_array, atol=1e-11, err_msg=f"input {position}")
    for function in (fused, unfused):
        assert mg.autograd.gradcheck(function, inputs)
        assert mg.autograd.gradgradcheck(function, inputs)


@given(
    count=st.integers(1, 3),
    parts=st.integers(1, 3),
    pieces=st.integers(1, 3),
    size=st.integers(2, 5),
)
@settings(max_examples=10)
def test_group_norm_matches_its_twin_on_drawn_layouts(count, parts, pieces, size):
    shape, rows, weight = (count, parts * pieces, size), (count, parts), (parts * pieces,)
    inputs = _inputs("xww", shape, rows, weight)
    fused = GroupNorm.apply(*inputs, rows=rows, eps=EPS)
    plain = group_norm_unfused(*inputs, rows=rows, eps=EPS)
    np.testing.assert_allclose(fused.detach().numpy(), plain.detach().numpy(), atol=1e-12)
    seed = mg.tensor(randn(*shape, seed=5))
    for got, want in zip(
        mg.autograd.grad(fused, inputs, seed), mg.autograd.grad(plain, inputs, seed)
    ):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-11)


def test_reference_kernels_give_the_same_op_results():
    shape, rows, weight = LAYOUTS[2]
    inputs = _inputs("xww", shape, rows, weight)
    fast = GroupNorm.apply(*inputs, rows=rows, eps=EPS)
    fast_grads = mg.autograd.grad(fast.sum(), inputs)
    with backend.use("reference"):
        slow = GroupNorm.apply(*inputs, rows=rows, eps=EPS)
        slow_grads = mg.autograd.grad(slow.sum(), inputs)
    np.testing.assert_allclose(fast.detach().numpy(), slow.detach().numpy(), atol=1e-13)
    for got, want in zip(fast_grads, slow_grads):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)


def test_row_statistics_are_float64_per_row():
    x = randn(2, 3, 5).astype(np.float32)
    mean, variance = row_statistics(x, (2, 3))
    assert mean.dtype == variance.dtype == np.float64 and mean.shape == (2, 3)
    np.testing.assert_allclose(variance, x.astype(np.float64).var(axis=2), rtol=1e-12)


def test_gradient_penalty_through_group_norm_matches_torch(torch):
    # d/dw of |d(sum(out * c))/dx|^2: the backward recorded, then differentiated again.
    shape, rows = (2, 4, 3), (2, 2)
    x, w, b, c = randn(*shape), randn(4, seed=1), randn(4, seed=2), randn(*shape, seed=3)
    xs = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = GroupNorm.apply(*xs, rows=rows, eps=EPS)
    (dx,) = mg.autograd.grad((out * mg.tensor(c)).sum(), [xs[0]], create_graph=True)
    got = mg.autograd.grad((dx * dx).sum(), xs, allow_unused=True)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out_t = torch.nn.functional.group_norm(ts[0], 2, ts[1], ts[2], eps=EPS)
    (dx_t,) = torch.autograd.grad((out_t * torch.tensor(c)).sum(), [ts[0]], create_graph=True)
    want = torch.autograd.grad((dx_t * dx_t).sum(), ts, allow_unused=True)
    for g, t in zip(got, want):
        g_array = 0 if g is None else g.numpy()
        t_array = 0 if t is None else t.numpy()
        np.testing.assert_allclose(g_array, t_array, atol=1e-10)


def test_an_input_written_in_place_after_the_forward_is_refused():
    x = mg.tensor(randn(2, 3, 4), requires_grad=True)
    w, b = mg.ones(3, dtype=mg.float64), mg.zeros(3, dtype=mg.float64)
    y = x * 1
    out = GroupNorm.apply(y, w, b, rows=(2, 3), eps=EPS)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
