"""nn.utils' gradient clipping and parameter/vector conversions, against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_close, assert_raises_with


def _parameters(library, arrays, grads):
    params = []
    for array, grad in zip(arrays, grads):
        param = library.nn.Parameter(library.tensor(array))
        if grad is not None:
            param.grad = library.tensor(grad)
        params.append(param)
    return params


def _arrays(dtype, scale=1.0):
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (4,), (2, 2, 2)]
    values = [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]
    grads = [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]
    grads[1] = None  # a parameter without a gradient is skipped
    return values, grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 0.5, 3.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, dtype, norm_type, max_norm):
    values, grads = _arrays(dtype)
    ours = _parameters(mg, values, grads)
    theirs = _parameters(torch, values, grads)
    norm_type = float(norm_type)
    got = mg.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    tolerance = 1e-6 if dtype == np.float32 else 1e-12
    assert isinstance(got, mg.Tensor) and got.shape == ()
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    assert_close(got, want, atol=tolerance, rtol=tolerance)
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, q.grad, atol=tolerance, rtol=tolerance)


def test_clip_grad_norm_edge_cases_match_torch(torch):
    assert_close(mg.nn.utils.clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))
    assert mg.nn.utils.clip_grad_norm_([], 1.0).dtype == mg.float32
    single = mg.nn.Parameter(mg.zeros(2))
    single.grad = mg.tensor([3.0, 4.0])
    assert_close(mg.nn.utils.clip_grad_norm_(single, 1.0, foreach=True), np.float32(5.0))
    assert_close(single.grad, np.array([0.6, 0.8]), atol=1e-6)
    for library in (mg, torch):
        bad = library.nn.Parameter(library.zeros(2))
        bad.grad = library.tensor([math.inf, 1.0])
        with pytest.raises(RuntimeError, match="non-finite"):
            library.nn.utils.clip_grad_norm_([bad], 1.0, error_if_nonfinite=True)
        assert bad.grad.tolist() == [math.inf, 1.0]  # refused before any change
        assert math.isinf(library.nn.utils.clip_grad_norm_([bad], 1.0).item())
        assert math.isnan(bad.grad[0].item()) and bad.grad[1].item() == 0.0


def test_clip_grad_value_matches_torch(torch):
    values, grads = _arrays(np.float64, scale=3.0)
    ours = _parameters(mg, values, grads)
    theirs = _parameters(torch, values, grads)
    assert mg.nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours, theirs):
        if q.grad is not None:
            assert_close(p.grad, q.grad)
    assert max(float(p.grad.abs().max()) for p in ours if p.grad is not None) == 1.5


def test_parameters_to_vector_and_back_match_torch(torch):
    ours_model = mg.nn.Linear(3, 2).double()
    theirs_model = torch.nn.Linear(3, 2).double()
    ours_model.load_state_dict({k: v.numpy() for k, v in theirs_model.state_dict().items()})
    got = mg.nn.utils.parameters_to_vector(ours_model.parameters())
    want = torch.nn.utils.parameters_to_vector(theirs_model.parameters())
    assert_close(got, want)
    weights = np.random.default_rng(1).standard_normal(8)
    (got * mg.tensor(weights)).sum().backward()  # differentiable: gradients reach the layer
    (want * torch.tensor(weights)).sum().backward()
    assert_close(ours_model.weight.grad, theirs_model.weight.grad)
    vector = np.arange(10.0)  # two more values than needed: ignored, as in torch
    mg.nn.utils.vector_to_parameters(mg.tensor(vector), ours_model.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(vector), theirs_model.parameters())
    for p, q in zip(ours_model.parameters(), theirs_model.parameters()):
        assert_close(p, q)
        assert isinstance(p, mg.nn.Parameter) and p.requires_grad


def test_bad_arguments_are_refused_before_any_change():
    layer = mg.nn.Linear(2, 2)
    before = [p.detach().clone() for p in layer.parameters()]
    with assert_raises_with(ValueError, "vector_to_parameters", "6", "only 5"):
        mg.nn.utils.vector_to_parameters(mg.zeros(5), layer.parameters())
    with assert_raises_with(ValueError, "vector_to_parameters", "1-d"):
        mg.nn.utils.vector_to_parameters(mg.zeros(2, 3), layer.parameters())
    with assert_raises_with(TypeError, "vector_to_parameters", "vec", "list"):
        mg.nn.utils.vector_to_parameters([0.0] * 6, layer.parameters())
    for p, b in zip(layer.parameters(), before):
        assert_close(p, b)
    with assert_raises_with(ValueError, "parameters_to_vector", "none"):
        mg.nn.utils.parameters_to_vector([])
    with assert_raises_with(TypeError, "parameters_to_vector", "parameters[1]", "int"):
        mg.nn.utils.parameters_to_vector([layer.weight, 3])
    with assert_raises_with(TypeError, "clip_grad_norm_", "max_norm", "str"):
        mg.nn.utils.clip_grad_norm_(layer.parameters(), "1")
    with assert_raises_with(TypeError, "clip_grad_norm_", "parameters", "int"):
        mg.nn.utils.clip_grad_norm_(3, 1.0)
    with assert_raises_with(TypeError, "clip_grad_value_", "clip_value", "NoneType"):
        mg.nn.utils.clip_grad_value_(layer.parameters(), None)


def test_parameters_to_vector_passes_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(2)
    tensors = [mg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (4,)]]

    def flatten(a, b):
        return mg.nn.utils.parameters_to_vector([a, b]).pow(2)

    assert mg.autograd.gradcheck(flatten, tensors)
    assert mg.autograd.gradgradcheck(flatten, tensors)


def test_clipping_takes_a_generator_of_parameters(torch):
    ours, theirs = mg.nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((4, 3))
    ours(mg.tensor(x)).sum().backward()
    theirs(torch.tensor(x)).sum().backward()
    got = mg.nn.utils.clip_grad_norm_(ours.parameters(), 0.1)
    want = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.1)
    assert_close(got, want)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad)
