"""Weight norm and spectral norm, hook-based and as parametrisations, against torch.

Each case builds one layer in both libraries, copies torch's state dict (so the random
``u``/``v`` start equal), and compares state-dict keys, forwards over training steps
(the power iteration's buffers included), eval mode, every gradient, and a gradient
penalty's gradients (double backward through the reparametrisation).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.nn.utils import parametrizations, parametrize
from minigrad.nn.utils.parametrizations import _SpectralNorm
from minigrad.nn.utils.weight_norm import _weight_norm, norm_except_dim
from tests.helpers import assert_close, assert_raises_with

FORMS = ["weight_norm", "spectral_norm", "param_weight_norm", "param_spectral_norm"]
LAYERS = {
    "Linear": ((3, 4), (5, 3)),
    "Conv1d": ((2, 3, 3), (2, 2, 6)),
    "ConvTranspose2d": ((2, 3, 3), (1, 2, 4, 4)),
}


def _apply(library, form, layer, **kwargs):
    utils = library.nn.utils
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if form == "weight_norm":
            return utils.weight_norm(layer, **kwargs)
        if form == "spectral_norm":
            return utils.spectral_norm(layer, **kwargs)
        if form == "param_weight_norm":
            return utils.parametrizations.weight_norm(layer, **kwargs)
        return utils.parametrizations.spectral_norm(layer, **kwargs)


def _pair(torch, form, layer_name, **kwargs):
    args, _ = LAYERS[layer_name]
    theirs = _apply(torch, form, getattr(torch.nn, layer_name)(*args).double(), **kwargs)
    ours = _apply(mg, form, getattr(mg.nn, layer_name)(*args).double(), **kwargs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, ours


def _keys_and_shapes(module):
    return [(key, tuple(value.shape)) for key, value in module.state_dict().items()]


@pytest.mark.parametrize("layer_name", list(LAYERS))
@pytest.mark.parametrize("form", FORMS)
def test_keys_forward_buffers_and_gradients_match_torch(torch, form, layer_name):
    theirs, ours = _pair(torch, form, layer_name)
    assert _keys_and_shapes(ours) == _keys_and_shapes(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal(LAYERS[layer_name][1])
    for _ in range(3):  # each training forward moves spectral norm's u and v
        for module in (theirs, ours):
            module.zero_grad()
        want = theirs(torch.tensor(x))
        got = ours(mg.tensor(x))
        assert_close(got, want)
        want.pow(2).sum().backward()
        got.pow(2).sum().backward()
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert_close(p.grad, q.grad, atol=1e-9)
        for key, value in theirs.state_dict().items():
            assert_close(ours.state_dict()[key], value, atol=1e-12)
    theirs.eval()
    ours.eval()
    assert_close(ours(mg.tensor(x)), theirs(torch.tensor(x)))
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value, atol=1e-12)


@pytest.mark.parametrize("form", FORMS)
def test_gradient_penalty_flows_through_the_reparametrisation(torch, form):
    theirs, ours = _pair(torch, form, "Conv1d")
    x = np.random.default_rng(1).standard_normal((2, 2, 6))
    results = []
    for library, module in ((torch, theirs), (mg, ours)):
        inputs = library.tensor(x, requires_grad=True)
        out = module(inputs)
        (grad,) = library.autograd.grad(out.sum(), [inputs], create_graph=True)
        penalty = ((grad.pow(2).sum() - 1.0) ** 2).sum()
        penalty.backward()
        # The bias has no second derivative here: None in torch, maybe zeros in ours.
        results.append([0.0 if p.grad is None else p.grad for _, p in module.named_parameters()])
    for want, got in zip(*results):
        assert_close(got, want, atol=1e-9)
    assert not all(isinstance(grad, float) for grad in results[1])


@pytest.mark.parametrize("dim", [0, 1, 2, -2, -1, None])
def test_weight_norm_dims_follow_torch_including_minus_one_for_the_whole_tensor(torch, dim):
    for form in ("weight_norm", "param_weight_norm"):
        theirs, ours = _pair(torch, form, "Conv1d", dim=dim)
        assert _keys_and_shapes(ours) == _keys_and_shapes(theirs)
        x = np.random.default_rng(2).standard_normal((2, 2, 6))
        assert_close(ours(mg.tensor(x)), theirs(torch.tensor(x)))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_weight_norm_formula_passes_gradcheck_and_gradgradcheck(dim):
    rng = np.random.default_rng(3)
    v = mg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    g_shape = () if dim == -1 else tuple(v.shape[a] if a == dim else 1 for a in range(3))
    g = mg.tensor(rng.standard_normal(g_shape), requires_grad=True)
    assert mg.autograd.gradcheck(lambda g, v: _weight_norm(v, g, dim), [g, v])
    assert mg.autograd.gradgradcheck(lambda g, v: _weight_norm(v, g, dim), [g, v])


def test_spectral_norm_formula_passes_gradcheck_and_gradgradcheck():
    weight = mg.tensor(np.random.default_rng(4).standard_normal((3, 2, 2)), requires_grad=True)
    norm = _SpectralNorm(weight.detach(), dim=1).eval()  # u, v fixed, as in one backward
    assert mg.autograd.gradcheck(norm, [weight])
    assert mg.autograd.gradgradcheck(norm, [weight])


def test_spectral_norm_of_a_vector_is_its_normalisation(torch):
    theirs = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(2, 3).double(), "bias")
    ours = parametrizations.spectral_norm(mg.nn.Linear(2, 3).double(), "bias")
    assert _keys_and_shapes(ours) == _keys_and_shapes(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert_close(ours.bias, theirs.bias)


@pytest.mark.parametrize("form", ["weight_norm", "spectral_norm"])
def test_remove_restores_a_plain_parameter_as_torch(torch, form):
    theirs, ours = _pair(torch, form, "Linear")
    x = np.random.default_rng(5).standard_normal((5, 3))
    theirs(torch.tensor(x))
    ours(mg.tensor(x))
    getattr(torch.nn.utils, f"remove_{form}")(theirs)
    assert getattr(mg.nn.utils, f"remove_{form}")(ours) is ours
    assert (
        _keys_and_shapes(ours) == _keys_and_shapes(theirs) == [("bias", (4,)), ("weight", (4, 3))]
    )
    assert isinstance(ours.weight, mg.nn.Parameter)
    assert_close(ours.weight, theirs.weight)
    assert not ours._forward_pre_hooks
    with assert_raises_with(ValueError, form, "'weight'", "not found"):
        getattr(mg.nn.utils, f"remove_{form}")(ours)


def test_parametrization_remove_and_assignment(torch):
    for library in (torch, mg):
        layer = library.nn.Linear(3, 4).double()
        library.nn.utils.parametrizations.weight_norm(layer)
        wanted = layer.weight.detach().clone()
        library.nn.utils.parametrize.remove_parametrizations(layer, "weight")
        assert type(layer).__name__ == "Linear"
        assert list(layer.state_dict()) == ["bias", "weight"]
        assert_close(layer.weight, wanted)
    layer = parametrizations.spectral_norm(mg.nn.Linear(3, 4))
    original = layer.parametrizations.weight.original
    layer.weight = mg.ones(4, 3)  # right_inverse: the identity, into the original
    assert original is layer.parametrizations.weight.original
    assert_close(original, np.ones((4, 3)))
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert parametrize.type_before_parametrizations(layer) is mg.nn.Linear
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    assert not parametrize.is_parametrized(layer)
    assert_close(layer.weight, np.ones((4, 3)))


def test_optimiser_built_before_spectral_norm_still_trains_the_weight():
    layer = mg.nn.Linear(3, 4)
    weight = layer.weight
    parametrizations.spectral_norm(layer)
    assert layer.parametrizations.weight.original is weight  # the same Parameter


def test_hook_weight_norm_warns_as_torch(torch):
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        mg.nn.utils.weight_norm(mg.nn.Linear(2, 2))


def test_bad_arguments_are_refused_before_any_change():
    layer = mg.nn.Linear(2, 3)
    with assert_raises_with(ValueError, "spectral_norm", "n_power_iterations", "got 0"):
        mg.nn.utils.spectral_norm(layer, n_power_iterations=0)
    with assert_raises_with(ValueError, "spectral_norm", "eps"):
        parametrizations.spectral_norm(layer, eps=0.0)
    with assert_raises_with(ValueError, "weight_norm", "'kernel'"):
        parametrizations.weight_norm(layer, "kernel")
    with assert_raises_with(ValueError, "weight_norm", "'kernel'"):
        mg.nn.utils.weight_norm(layer, "kernel")
    with assert_raises_with(ValueError, "dim", "got 2"):
        mg.nn.utils.spectral_norm(layer, dim=2)
    with assert_raises_with(TypeError, "module", "int"):
        mg.nn.utils.spectral_norm(3)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert not layer._forward_pre_hooks
    mg.nn.utils.spectral_norm(layer)
    with assert_raises_with(RuntimeError, "two spectral_norm hooks", "weight"):
        mg.nn.utils.spectral_norm(layer)


def test_parametrized_weight_norm_loads_hook_based_state_dicts_as_torch(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = torch.nn.utils.weight_norm(torch.nn.Linear(3, 4).double())
    old_state = {k: v.numpy() for k, v in old.state_dict().items()}
    for library in (torch, mg):
        new = library.nn.utils.parametrizations.weight_norm(library.nn.Linear(3, 4).double())
        state = {k: library.tensor(v) for k, v in old_state.items()}
        new.load_state_dict(state)
        assert list(state) == ["bias", "weight_g", "weight_v"]  # the caller's dict is kept
        assert_close(new.weight, old.weight)
    net = mg.nn.Sequential(parametrizations.weight_norm(mg.nn.Linear(3, 4)))
    net.load_state_dict({f"0.{k}": v for k, v in old_state.items()})
    assert_close(net[0].weight, old.weight, atol=1e-6)


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple),
    data=st.data(),
)
def test_weight_norm_and_spectral_norm_on_drawn_shapes_match_torch(shape, data):
    torch = pytest.importorskip("torch")
    dim = data.draw(st.integers(-1, len(shape) - 1), label="dim")
    rng = np.random.default_rng(len(shape))
    v = rng.standard_normal(shape)
    g = norm_except_dim(mg.tensor(v), 2, dim).numpy() * 1.5
    want = torch._weight_norm(torch.tensor(v), torch.tensor(g), dim)
    assert_close(_weight_norm(mg.tensor(v), mg.tensor(g), dim), want)
    theirs = torch.nn.utils.parametrizations._SpectralNorm(torch.tensor(v), dim=dim)
    ours = _SpectralNorm(mg.tensor(v), dim=dim)
    for name, buffer in theirs.named_buffers():
        getattr(ours, name).copy_(mg.tensor(buffer.numpy()))
    for module in (theirs, ours):  # one training step, then eval
        module.train()
    assert_close(ours(mg.tensor(v)), theirs(torch.tensor(v)))
    theirs.eval()
    ours.eval()
    assert_close(ours(mg.tensor(v)), theirs(torch.tensor(v)))
