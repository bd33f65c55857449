"""Activation layers against torch; reprs."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.ReLU(),
        lambda nn: nn.LeakyReLU(0.2),
        lambda nn: nn.Tanh(),
        lambda nn: nn.Sigmoid(),
        lambda nn: nn.Softmax(dim=1),
        lambda nn: nn.LogSoftmax(dim=-1),
    ],
)
def test_matches_torch(torch, make):
    layer, twin = make(mg.nn), make(torch.nn)
    check_layer(torch, layer, twin, randn(3, 4))
    assert repr(layer) == repr(twin)


@pytest.mark.parametrize(
    "make", [lambda nn: nn.ReLU(True), lambda nn: nn.LeakyReLU(0.2, inplace=True)]
)
def test_inplace_activations_overwrite_their_input_as_torch(make, torch):
    outcomes = []
    for lib in (mg, torch):
        layer = make(lib.nn)
        x = lib.tensor(np.array([-1.0, 2.0, -3.0, 0.5]), requires_grad=True)
        y = x * 2
        out = layer(y)
        assert out is y
        (out * out).sum().backward()
        # After an op that saved its output, an in-place activation is refused.
        saved = (x * 1).sigmoid()
        layer(saved)
        try:
            saved.sum().backward()
            refused = False
        except RuntimeError:
            refused = True
        outcomes.append((out.tolist(), x.grad.tolist(), repr(layer), refused))
    assert outcomes[0] == outcomes[1]
    with pytest.raises(TypeError, match="inplace"):
        mg.nn.ReLU(inplace="yes")


NEW_LAYERS = [
    lambda nn: nn.ELU(),
    lambda nn: nn.ELU(0.5),
    lambda nn: nn.ELU(alpha=2, inplace=False),
    lambda nn: nn.SELU(),
    lambda nn: nn.CELU(1.5),
    lambda nn: nn.GELU(),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(),
    lambda nn: nn.Mish(),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softplus(2, 10),
    lambda nn: nn.Softplus(beta=0.5, threshold=1.5),
    lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardtanh(-2, 2),
    lambda nn: nn.Hardtanh(min_val=-0.5, max_val=1.5),
    lambda nn: nn.ReLU6(),
    lambda nn: nn.Hardswish(),
    lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Softsign(),
    lambda nn: nn.PReLU(),
    lambda nn: nn.PReLU(4, 0.1),
]


@pytest.mark.parametrize("make", NEW_LAYERS)
def test_new_layers_match_torch(torch, make):
    layer, twin = make(mg.nn), make(torch.nn)
    # torch's hardsigmoid gradient is float32's 1/6 even in float64.
    rtol = 1e-7 if isinstance(layer, mg.nn.Hardsigmoid) else 1e-10
    check_layer(torch, layer, twin, randn(3, 4, 2) * 3, rtol=rtol)
    assert repr(layer) == repr(twin)
    assert list(layer.state_dict()) == list(twin.state_dict())


INPLACE_LAYERS = [
    lambda nn: nn.ELU(0.5, True),
    lambda nn: nn.SELU(True),
    lambda nn: nn.CELU(2.0, inplace=True),
    lambda nn: nn.SiLU(True),
    lambda nn: nn.Mish(inplace=True),
    lambda nn: nn.Hardtanh(-1, 2, True),
    lambda nn: nn.ReLU6(True),
    lambda nn: nn.Hardswish(True),
    lambda nn: nn.Hardsigmoid(inplace=True),
    lambda nn: nn.Threshold(0.5, -1.0, True),
    # lower == upper: the random slope is the same in both libraries
    lambda nn: nn.RReLU(0.2, 0.2, True),
]


@pytest.mark.parametrize("make", INPLACE_LAYERS)
def test_new_inplace_layers_overwrite_their_input_as_torch(torch, make):
    outcomes = []
    for lib in (mg, torch):
        layer = make(lib.nn)
        x = lib.tensor(np.array([-4.0, 2.0, -1.0, 0.5, 7.0]), requires_grad=True)
        y = x * 1.5
        out = layer(y)
        assert out is y
        (out * out).sum().backward()
        outcomes.append((out.detach().numpy(), x.grad.numpy(), repr(layer)))
    np.testing.assert_allclose(outcomes[0][0], outcomes[1][0], rtol=1e-7)
    np.testing.assert_allclose(outcomes[0][1], outcomes[1][1], rtol=1e-7)
    assert outcomes[0][2] == outcomes[1][2]


def test_prelu_parameter_and_state_dict(torch):
    layer, twin = mg.nn.PReLU(3, init=0.2), torch.nn.PReLU(3, init=0.2)
    assert layer.weight.shape == (3,) and layer.weight.dtype == mg.float32
    np.testing.assert_array_equal(layer.weight.detach().numpy(), twin.weight.detach().numpy())
    assert {k: v.shape for k, v in layer.state_dict().items()} == {"weight": (3,)}
    assert mg.nn.PReLU(dtype=mg.float64).weight.dtype == mg.float64
    layer.weight.data.fill_(0.0)
    layer.reset_parameters()
    assert layer.weight.tolist() == pytest.approx([0.2] * 3)
    # A channel count that does not match the input is refused when called.
    with assert_raises_with(ValueError, "prelu", "weight", "got 3"):
        layer(mg.randn(2, 4, 5))


def test_new_layers_bad_arguments():
    with assert_raises_with(ValueError, "Hardtanh", "max_val", "more than min_val = 1", "got 1"):
        mg.nn.Hardtanh(1, 1)
    with assert_raises_with(TypeError, "ELU", "alpha", "str"):
        mg.nn.ELU("1.0")
    with assert_raises_with(TypeError, "SiLU", "inplace", "bool", "str"):
        mg.nn.SiLU("yes")
    with assert_raises_with(ValueError, "PReLU", "num_parameters", "positive int", "0"):
        mg.nn.PReLU(0)
    with assert_raises_with(TypeError, "Softplus", "beta", "NoneType"):
        mg.nn.Softplus(None)
    # GELU checks ``approximate`` when called, as PyTorch does.
    layer = mg.nn.GELU("fast")
    with assert_raises_with(ValueError, "gelu", "approximate", "'fast'"):
        layer(mg.randn(2))


EXTRA_LAYERS = [
    lambda nn: nn.Threshold(0.1, 20),
    lambda nn: nn.Threshold(-0.5, 1.5),
    lambda nn: nn.LogSigmoid(),
    lambda nn: nn.Softshrink(),
    lambda nn: nn.Softshrink(1.5),
    lambda nn: nn.Hardshrink(1),
    lambda nn: nn.GLU(),
    lambda nn: nn.GLU(1),
]


@pytest.mark.parametrize("make", EXTRA_LAYERS)
def test_extra_layers_match_torch(torch, make):
    layer, twin = make(mg.nn), make(torch.nn)
    check_layer(torch, layer, twin, randn(3, 4, 2) * 3)
    assert repr(layer) == repr(twin)
    assert repr(mg.nn.Threshold(0, 1, True)) == repr(torch.nn.Threshold(0, 1, True))


def test_rrelu_layer_trains_randomly_and_evaluates_at_the_mean(torch):
    layer, twin = mg.nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    assert repr(layer) == repr(twin) and repr(mg.nn.RReLU(inplace=True)) == repr(
        torch.nn.RReLU(inplace=True)
    )
    x = -np.abs(randn(500)) - 0.1
    slopes = layer(mg.tensor(x)).numpy() / x
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and slopes.std() > 0.04
    layer.eval()
    twin.eval()
    check_layer(torch, layer, twin, randn(3, 4), modes=(False,))
