"""Function.apply: what it records, when, and what a backward receives."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad.autograd import Function
from tests.helpers import assert_close


class Scale(Function):
    """out = x * factor + y.   dx = grad * factor.   dy = sum_to(grad); records its calls."""

    calls: list[tuple[bool, ...]] = []

    @staticmethod
    def forward(ctx, x, y, *, factor):
        ctx.saved["factor_array"] = np.asarray(factor, dtype=x.dtype)
        return x * factor + y

    @staticmethod
    def backward(ctx, grad):
        Scale.calls.append(ctx.needs_input_grad)
        dx = grad * factor_of(ctx) if ctx.needs_input_grad[0] else None
        dy = grad if ctx.needs_input_grad[1] else None
        return dx, dy


def factor_of(ctx):
    return mg.Tensor._wrap(ctx.saved["factor_array"])


def test_apply_runs_forward_and_records_a_node():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([10.0, 20.0])
    out = Scale.apply(x, y, factor=3.0)
    assert out.tolist() == [13.0, 26.0]
    assert out.requires_grad and not out.is_leaf
    node = out.grad_fn
    assert node.name == "Scale"
    assert node.ctx.params == {"factor": 3.0}
    assert node.ctx.inputs == (x, y)
    assert node.edges == (x, None)  # a leaf that requires grad, then nothing
    assert node.shape == (2,) and node.dtype == mg.float32


def test_backward_sees_needs_input_grad_and_returns_none_for_the_rest():
    Scale.calls.clear()
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([10.0, 20.0])
    Scale.apply(x, y, factor=3.0).sum().backward()
    assert Scale.calls == [(True, False)]
    assert x.grad.tolist() == [3.0, 3.0]
    assert y.grad is None


def test_nothing_is_recorded_without_an_input_that_requires_grad():
    out = Scale.apply(mg.ones(2), mg.ones(2), factor=2.0)
    assert not out.requires_grad and out.grad_fn is None


def test_nothing_is_recorded_under_no_grad():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        out = Scale.apply(x, x, factor=2.0)
    assert not out.requires_grad and out.grad_fn is None


def test_edges_point_to_the_producing_node():
    x = mg.ones(2, requires_grad=True)
    middle = x * 2
    out = Scale.apply(middle, x, factor=1.0)
    assert out.grad_fn.edges == (middle.grad_fn, x)


def test_zero_dim_results_are_arrays():
    x = mg.tensor(2.0, requires_grad=True)
    for out in ((x * 3), x.exp(), x.sum(), mg.tensor(2.0) + 1):
        assert isinstance(out.detach().numpy(), np.ndarray)
        assert out.shape == ()


def test_integer_results_are_not_recorded():
    x = mg.tensor([1.7, -2.2], requires_grad=True)
    out = x.to(mg.int32)
    assert out.dtype == mg.int32 and out.tolist() == [1, -2]
    assert out.grad_fn is None and not out.requires_grad


def test_a_custom_function_supports_double_backward_when_written_in_ops():
    class Cube(Function):
        """out = x**3.   dx = grad * 3 x**2 (written with ops, so differentiable)."""

        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.inputs
            return (grad * 3 * x * x,)

    x = mg.tensor([0.5, -1.5], dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(Cube.apply, [x])
    assert mg.autograd.gradgradcheck(Cube.apply, [x])
    (first,) = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (second,) = mg.autograd.grad(first.sum(), x)
    assert_close(second, 6 * x.detach())


# ---- what a node keeps: the inputs its needed formulas read (``reads``), and small ones


def _big(*shape: int, requires_grad: bool = False) -> mg.Tensor:
    return mg.randn(*shape, dtype=mg.float64, requires_grad=requires_grad)


def test_an_unread_input_is_dropped_and_freed_with_its_last_user(monkeypatch):
    import gc
    import weakref

    from minigrad.autograd import function
    from minigrad.autograd.graph import Unkept

    monkeypatch.setattr(function, "KEPT_BELOW", 1024)
    w = _big(32, 64, requires_grad=True)
    h = w * 2.0  # Mul reads the constant 2 for dw, never w * 2's own values
    out = h.tanh().sum()  # tanh reads its output; Sum reads nothing
    held = weakref.ref(h._data)
    tanh_node = out.grad_fn.edges[0]
    assert isinstance(tanh_node.inputs[0], Unkept)
    assert tanh_node.inputs[0].shape == (32, 64) and tanh_node.inputs[0].dtype == np.float64
    assert tanh_node.inputs[0]._data is None and tanh_node.inputs[0].ndim == 2
    del h
    gc.collect()
    assert held() is None  # no node holds it: its memory is back
    out.backward()
    want = 2.0 * (1 - np.tanh(2.0 * w._data) ** 2)
    assert_close(w.grad._data, want, atol=1e-12)


def test_read_and_small_inputs_are_kept(monkeypatch):
    from minigrad.autograd import function

    monkeypatch.setattr(function, "KEPT_BELOW", 1024)
    x, y = _big(40, 40, requires_grad=True), _big(40, 40, requires_grad=True)
    product = x * y  # each factor is read by the other's formula
    assert product.grad_fn.inputs == (x, y)
    small = mg.ones(4, requires_grad=True)
    total = (small + 1.0).sum()  # 4 elements: below the threshold, kept though unread
    assert isinstance(total.grad_fn.inputs[0], mg.Tensor)
    # What is read depends on the gradients needed: x alone needs y, not x itself.
    only_x = x * y.detach()
    assert only_x.grad_fn.inputs[1] is not None and not isinstance(
        only_x.grad_fn.inputs[0], mg.Tensor
    )


def test_an_unread_input_shows_not_kept_in_the_drawn_tape(monkeypatch):
    from minigrad.autograd import function

    monkeypatch.setattr(function, "KEPT_BELOW", 1024)
    x = _big(40, 40, requires_grad=True)
    dot = mg.autograd.to_dot((x * 3.0).sum(), values=True)
    assert 'label="Mul\\n(40, 40)\\n(not kept)\\l"' in dot
    kept = mg.autograd.to_dot((x * 3.0) * x, values=True)  # the outer Mul reads x * 3
    assert "(not kept)" not in kept and 'label="Mul\\n(40, 40)\\nmean' in kept


def test_every_op_of_minigrad_says_what_it_reads():
    """None keeps every input (a user's Function that does not say); minigrad's own ops
    each declare theirs, so that their tapes drop what no backward reads.
    """
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(mg.__path__, "minigrad."):
        importlib.import_module(module.name)
    undeclared, stack = [], [Function]
    while stack:
        for op in stack.pop().__subclasses__():
            stack.append(op)
            if op.__module__.startswith("minigrad.") and op.reads is None:
                undeclared.append(op.__qualname__)
    assert undeclared == []


def test_a_function_without_reads_keeps_every_input(monkeypatch):
    from minigrad.autograd import function

    monkeypatch.setattr(function, "KEPT_BELOW", 0)

    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.inputs
            return (grad * 2 + 0 * x,)  # reads x (needlessly), as a user's might

    x = mg.ones(3, requires_grad=True)
    out = Twice.apply(x)
    assert out.grad_fn.inputs == (x,) and out.grad_fn.versions == ()
    out.sum().backward()
    assert_close(x.grad._data, np.full(3, 2.0, np.float32))
