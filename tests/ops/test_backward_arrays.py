"""The ops' ``backward_arrays`` (autograd.function's fast path for backward passes that
are not recorded) against their ``backward``, the definition: the same bits, dtype and
shape for every gradient, on broadcast and 0-d operands, special values, both float
dtypes and every pattern of needed gradients; and the engine's use of each.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.function import Function
from minigrad.functional._conv_spec import conv_spec
from minigrad.ops import conv, elementwise, fused, linalg, reduce
from tests.helpers import randn

SPECIAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-30, 50.0, -50.0]

# The last pair is large enough for the ops' per-channel layout (arithmetic.rows).
BINARY_SHAPES = [
    ((4, 5), (4, 5)),
    ((4, 5), (5,)),
    ((3, 1), (1, 4)),
    ((4, 5), ()),
    ((), (4,)),
    ((16, 16, 4, 4), (1, 16, 1, 1)),
]

CONV_SHAPES = [((2, 3, 5, 5), (4, 3, 3, 3)), ((1, 2, 6), (3, 2, 2)), ((16, 3, 4, 4), (1, 3, 2, 2))]


def _weight_grad_of_conv(x, y):
    """ConvWeightGrad(x, y) of the conv with a 3-wide kernel, stride 2 and padding 1."""
    rank = x.ndim - 2
    w = mg.zeros(y.shape[1], x.shape[1], *(3,) * rank, dtype=x.dtype)
    geometry = conv_spec(rank, x, w, None, 2, 1, 1, 1, "zeros").geometry
    return conv.ConvWeightGrad.apply(x, y, geometry=geometry)


# op -> (the call on tensors, the input shapes to try)
CASES = {
    elementwise.Add: (lambda x, y: x + y, BINARY_SHAPES),
    elementwise.Sub: (lambda x, y: x - y, BINARY_SHAPES),
    elementwise.Mul: (lambda x, y: x * y, BINARY_SHAPES),
    elementwise.Div: (lambda x, y: x / y, BINARY_SHAPES),
    elementwise.Neg: (lambda x: -x, [((4, 5),), ((),)]),
    elementwise.Square: (lambda x: x.square(), [((4, 5),), ((),)]),
    elementwise.Exp: (lambda x: x.exp(), [((4, 5),), ((),)]),
    elementwise.Tanh: (lambda x: x.tanh(), [((4, 5),), ((),)]),
    elementwise.Sigmoid: (lambda x: x.sigmoid(), [((4, 5),), ((),)]),
    elementwise.LeakyRelu: (lambda x: mg.nn.functional.leaky_relu(x, 0.2), [((4, 5),)]),
    elementwise.Relu: (lambda x: x.relu(), [((4, 5),), ((),)]),
    linalg.MatMul: (
        lambda x, y: x @ y,
        [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 1), (1, 4))],
    ),
    fused.ChannelBias: (
        fused.ChannelBias.apply,
        [((4, 3, 5), (3,)), ((2, 3), (3,)), ((16, 16, 4, 4), (16,)), ((1, 2, 2, 2, 2), (2,))],
    ),
    reduce.Sum: (lambda x: _sums(x), [((4, 5),), ((),), ((2, 3, 4),), ((2, 1, 4),)]),
    # The conv triangle, through the public calls: zero padding fused, a stride, groups.
    conv.Conv: (
        lambda x, w: getattr(mg.nn.functional, f"conv{x.ndim - 2}d")(x, w, stride=2, padding=1),
        CONV_SHAPES,
    ),
    conv.ConvTranspose: (
        lambda y, w: mg.nn.functional.conv_transpose2d(y, w, stride=2, padding=1, groups=2),
        [((2, 4, 3, 3), (4, 3, 3, 3))],
    ),
    conv.ConvWeightGrad: (
        _weight_grad_of_conv,
        [((2, 3, 5, 5), (2, 4, 3, 3)), ((1, 2, 6), (1, 3, 3)), ((16, 3, 4, 4), (16, 1, 2, 2))],
    ),
    linalg.Linear: (
        lambda *args: mg.nn.functional.linear(*args),
        [((3, 4), (5, 4), (5,)), ((2, 3, 4), (5, 4), (5,)), ((3, 4), (5, 4)), ((3, 1), (1, 1))],
    ),
}


def _sums(x):
    """Every kind of Sum: over all of a matrix, one dim of a 3-d tensor (kept), a 0-d one."""
    if x.ndim == 3:
        return x.sum(dim=(0, 2), keepdim=True) if x.shape[1] == 1 else x.sum(dim=1)
    return x.sum()


def _with_specials(shape, seed, dtype):
    values = randn(*shape, seed=seed).astype(dtype) if shape else np.asarray(0.5, dtype)
    if values.size > len(SPECIAL):
        values.reshape(-1)[: len(SPECIAL)] = SPECIAL
    return values


def _ops_with_backward_arrays():
    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.backward_arrays is not None:
                found.add(sub)
    return found


def test_every_op_with_backward_arrays_is_checked_here():
    assert _ops_with_backward_arrays() <= set(CASES), "add the op to CASES"


def _cases():
    for function, (call, shape_sets) in CASES.items():
        for shapes in shape_sets:
            for needs in itertools.product([True, False], repeat=len(shapes)):
                if any(needs):
                    yield pytest.param(
                        function, call, shapes, needs, id=f"{function.__name__}-{shapes}-{needs}"
                    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(("function", "call", "shapes", "needs"), list(_cases()))
def test_backward_arrays_has_the_bits_of_backward(function, call, shapes, needs, dtype):
    tensors = [
        mg.tensor(_with_specials(shape, seed, dtype), requires_grad=need)
        for seed, (shape, need) in enumerate(zip(shapes, needs))
    ]
    with np.errstate(all="ignore"):
        out = call(*tensors)
    node = out.grad_fn
    while node.function is not function:  # a vector's product is wrapped in reshapes
        node = next(edge for edge in node.edges if edge is not None)
    grad = mg.tensor(_with_specials(node.shape, 7, dtype))
    with mg.no_grad(), np.errstate(all="ignore"):
        plain = node.function.backward(node.ctx, grad)
        fast = node.function.backward_arrays(node.ctx, grad.numpy())
    assert len(plain) == len(fast)
    for want, got in zip(plain, fast):
        assert (want is None) == (got is None)
        if want is not None:
            got = np.asarray(got)
            assert got.dtype == want.dtype and got.shape == want.shape
            assert got.tobytes() == want.numpy().tobytes()


def test_the_engine_takes_the_fast_path_only_when_the_backward_is_not_recorded(monkeypatch):
    calls = []
    original = elementwise.Tanh.backward_arrays

    def counted(ctx, grad):
        calls.append(1)
        return original(ctx, grad)

    monkeypatch.setattr(elementwise.Tanh, "backward_arrays", staticmethod(counted))
    x = mg.tensor(randn(3), requires_grad=True)
    (first,) = mg.autograd.grad(x.tanh().sum(), x)
    assert calls == [1] and not first.requires_grad
    (second,) = mg.autograd.grad(x.tanh().sum(), x, create_graph=True)
    assert calls == [1] and second.requires_grad  # recorded: the definition ran
    (double,) = mg.autograd.grad(second.sum(), x)
    out = np.tanh(randn(3))
    np.testing.assert_allclose(double.numpy(), -2 * out * (1 - out * out), rtol=1e-12)
