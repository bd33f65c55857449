"""The padding layers against torch: values, gradients, reprs, both padding forms,
batched and unbatched input, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from tests.helpers import assert_raises_with, check_op, randn
from tests.nn.torch_twin import check_layer

FAMILIES = ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"]


def _make(nn, family, rank, padding, value=2.5):
    cls = getattr(nn, f"{family}{rank}d")
    return cls(padding, value) if family == "ConstantPad" else cls(padding)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("batched", [True, False])
def test_matches_torch_with_int_padding(torch, family, rank, batched):
    shape = ((2,) if batched else ()) + (3,) + (4,) * rank
    layer, twin = _make(mg.nn, family, rank, 2), _make(torch.nn, family, rank, 2)
    check_layer(torch, layer, twin, randn(*shape), modes=(True,))
    assert repr(layer) == repr(twin)
    assert layer.padding == twin.padding
    assert layer.state_dict() == {} and len(twin.state_dict()) == 0


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_matches_torch_with_tuple_padding(torch, family, rank):
    padding = (1, 0, 2, 3, 0, 1)[: 2 * rank]
    layer, twin = _make(mg.nn, family, rank, padding), _make(torch.nn, family, rank, padding)
    check_layer(torch, layer, twin, randn(2, 2, *(4,) * rank), modes=(True,))
    assert repr(layer) == repr(twin)
    assert layer.padding == padding


def test_gradcheck_and_gradgradcheck_each_mode():
    for family in FAMILIES:
        layer = _make(mg.nn, family, 2, (1, 2, 2, 0))
        check_op(layer, randn(1, 2, 3, 3), torch_fn=None)


def test_constant_and_zero_pad_any_rank_and_negative_padding(torch):
    for make in (
        lambda nn: nn.ConstantPad1d((-1, 2), -3.0),
        lambda nn: nn.ZeroPad2d((1, -1, 0, 2)),
        lambda nn: nn.ConstantPad2d(1, 0.5),
    ):
        layer, twin = make(mg.nn), make(torch.nn)
        for shape in [(3, 4), (2, 3, 4), (1, 2, 3, 4, 4)]:
            check_layer(torch, layer, twin, randn(*shape), modes=(True,))


def test_a_short_tuple_pads_fewer_dims_as_torch(torch):
    layer, twin = mg.nn.ZeroPad2d((1, 2)), torch.nn.ZeroPad2d((1, 2))
    check_layer(torch, layer, twin, randn(1, 2, 2), modes=(True,))
    assert repr(layer) == repr(twin) == "ZeroPad2d((1, 2))"


@settings(max_examples=10)
@given(
    family=st.sampled_from(FAMILIES),
    rank=st.integers(1, 3),
    sides=st.lists(st.integers(0, 2), min_size=6, max_size=6),
    sizes=st.lists(st.integers(3, 4), min_size=3, max_size=3),
    batched=st.booleans(),
)
def test_drawn_paddings_match_torch(torch, family, rank, sides, sizes, batched):
    padding = tuple(sides[: 2 * rank])
    shape = ((2,) if batched else ()) + (2,) + tuple(sizes[:rank])
    layer, twin = _make(mg.nn, family, rank, padding), _make(torch.nn, family, rank, padding)
    check_layer(torch, layer, twin, randn(*shape), modes=(True,))


def test_reprs():
    assert repr(mg.nn.ZeroPad1d(1)) == "ZeroPad1d((1, 1))"
    assert repr(mg.nn.ConstantPad3d(1, 0)) == "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=0)"
    assert repr(mg.nn.ReflectionPad2d((1, 2, 3, 4))) == "ReflectionPad2d((1, 2, 3, 4))"
    assert repr(mg.nn.ReplicationPad1d(2)) == "ReplicationPad1d((2, 2))"
    assert repr(mg.nn.CircularPad3d(1)) == "CircularPad3d((1, 1, 1, 1, 1, 1))"


def test_float32_stays_float32():
    for family in FAMILIES:
        out = _make(mg.nn, family, 1, 1)(mg.randn(2, 3))
        assert out.dtype == mg.float32 and out.shape == (2, 5)


def test_bad_input():
    with assert_raises_with(TypeError, "ZeroPad2d", "padding", "int or a tuple of 4 ints", "1.5"):
        mg.nn.ZeroPad2d(1.5)
    with assert_raises_with(TypeError, "ReflectionPad1d", "padding", "str"):
        mg.nn.ReflectionPad1d("1")
    with assert_raises_with(TypeError, "ConstantPad1d", "value", "number", "str"):
        mg.nn.ConstantPad1d(1, "0")
    with assert_raises_with(ValueError, "CircularPad2d", "3D or 4D", "got 2D"):
        mg.nn.CircularPad2d(1)(mg.randn(3, 3))
    with assert_raises_with(TypeError, "CircularPad1d", "input", "list"):
        mg.nn.CircularPad1d(1)([1.0])
    # The mode's own limits come from F.pad, when the layer is called.
    with assert_raises_with(ValueError, "pad", "reflect", "smaller than the dim's size"):
        mg.nn.ReflectionPad1d(3)(mg.randn(1, 2, 3))
    with assert_raises_with(ValueError, "pad", "got 4"):
        mg.nn.ReplicationPad2d(1)(mg.randn(5))


def test_gradient_of_reflection_folds_back(torch):
    x = mg.tensor(np.arange(4.0).reshape(1, 1, 4), requires_grad=True)
    mg.nn.ReflectionPad1d(2)(x).sum().backward()
    tx = torch.tensor(np.arange(4.0).reshape(1, 1, 4), requires_grad=True)
    torch.nn.ReflectionPad1d(2)(tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert x.grad.numpy().tolist() == [[[1.0, 3.0, 3.0, 1.0]]]
