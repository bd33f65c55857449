"""nn.InstanceNorm1d/2d/3d, nn.LayerNorm, nn.GroupNorm against their torch twins:
outputs and every gradient in train and eval mode, running statistics over a few
steps, state-dict keys and shapes, reprs, defaults, warnings and bad input.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer, copy_into_torch

INSTANCE = [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm2d", (2, 3, 4, 3))]
INSTANCE += [("InstanceNorm3d", (2, 3, 2, 3, 2)), ("InstanceNorm1d", (3, 5))]
INSTANCE += [("InstanceNorm2d", (3, 4, 3)), ("InstanceNorm3d", (3, 2, 3, 2))]


@pytest.mark.parametrize(("name", "shape"), INSTANCE)
@pytest.mark.parametrize(("affine", "track"), [(False, False), (True, False), (True, True)])
def test_instance_norm_matches_torch(torch, name, shape, affine, track):
    options = {"affine": affine, "track_running_stats": track, "momentum": 0.3}
    layer = getattr(mg.nn, name)(3, **options)
    twin = getattr(torch.nn, name)(3, **options)
    with mg.no_grad():
        if affine:
            layer.weight.copy_(mg.tensor(randn(3, seed=1)))
            layer.bias.copy_(mg.tensor(randn(3, seed=2)))
    check_layer(torch, layer, twin, randn(*shape) * 2 + 1)


def test_instance_norm_running_statistics_over_steps_then_eval(torch):
    layer = mg.nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    twin = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()
    for step in range(3):
        x = randn(2, 3, 4, 4, seed=step) * (step + 1) + step
        out, t_out = layer(mg.tensor(x)), twin(torch.tensor(x))
        np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    t_state = twin.state_dict()
    for key, value in layer.state_dict().items():
        np.testing.assert_allclose(value.numpy(), t_state[key].numpy(), rtol=1e-12, err_msg=key)
    assert int(layer.num_batches_tracked.item()) == 0  # instance norm counts nothing, as torch
    layer.eval()
    twin.eval()
    x = randn(2, 3, 4, 4, seed=9)
    np.testing.assert_allclose(
        layer(mg.tensor(x)).detach().numpy(), twin(torch.tensor(x)).detach().numpy(), atol=1e-12
    )


def test_instance_norm_with_momentum_none_keeps_its_running_statistics(torch):
    layer = mg.nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    twin = torch.nn.InstanceNorm1d(3, track_running_stats=True, momentum=None)
    x = randn(2, 3, 5).astype(np.float32)
    layer(mg.tensor(x))
    twin(torch.tensor(x))
    np.testing.assert_array_equal(layer.running_mean.numpy(), twin.running_mean.numpy())
    np.testing.assert_array_equal(layer.running_var.numpy(), twin.running_var.numpy())


def test_instance_norm_state_dict_and_repr_match_torch(torch):
    for options in ({}, {"affine": True}, {"track_running_stats": True}, {"bias": False}):
        options = {**options, "affine": True} if "bias" in options else options
        layer, twin = mg.nn.InstanceNorm2d(4, **options), torch.nn.InstanceNorm2d(4, **options)
        assert repr(layer) == repr(twin)
        state, t_state = layer.state_dict(), twin.state_dict()
        assert list(state) == list(t_state)
        for key, value in state.items():
            assert value.shape == tuple(t_state[key].shape), key
            assert str(value.dtype) == str(t_state[key].dtype).replace("torch.", ""), key
        copy_into_torch(torch, layer, twin)
    assert repr(mg.nn.InstanceNorm1d(3, momentum=None)) == repr(
        torch.nn.InstanceNorm1d(3, momentum=None)
    )


def test_state_dicts_load_from_torch(torch):
    pairs = [
        (
            mg.nn.InstanceNorm2d(3, affine=True, track_running_stats=True, dtype=mg.float64),
            torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double(),
        ),
        (mg.nn.LayerNorm((2, 3), dtype=mg.float64), torch.nn.LayerNorm((2, 3)).double()),
        (mg.nn.GroupNorm(1, 3, dtype=mg.float64), torch.nn.GroupNorm(1, 3).double()),
    ]
    for layer, twin in pairs:
        with torch.no_grad():
            for value in twin.state_dict().values():
                if value.is_floating_point():
                    value.copy_(torch.randn(value.shape, dtype=torch.float64))
        layer.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
        for key, value in twin.state_dict().items():
            np.testing.assert_array_equal(layer.state_dict()[key].numpy(), value.numpy())


def test_instance_norm_warns_on_a_channel_mismatch_without_affine(torch):
    layer, twin = mg.nn.InstanceNorm1d(4), torch.nn.InstanceNorm1d(4)
    x = randn(2, 3, 5)
    with pytest.warns(UserWarning, match="dim=1 .* does not match num_features"):
        out = layer(mg.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = twin(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), want.numpy(), atol=1e-12)
    with pytest.warns(UserWarning, match="dim=0"):
        mg.nn.InstanceNorm2d(4)(mg.randn(3, 5, 5))  # unbatched: the channels are dim 0


def test_instance_norm_refuses_bad_input():
    with assert_raises_with(ValueError, "InstanceNorm1d", "4 channels", "(2, 3, 5)"):
        mg.nn.InstanceNorm1d(4, affine=True)(mg.randn(2, 3, 5))
    with assert_raises_with(ValueError, "InstanceNorm2d", "3-d", "4-d", "(2, 3)"):
        mg.nn.InstanceNorm2d(3)(mg.randn(2, 3))
    with assert_raises_with(ValueError, "more than 1 spatial", "(2, 3, 1)"):
        mg.nn.InstanceNorm1d(3)(mg.randn(2, 3, 1))
    with assert_raises_with(TypeError, "InstanceNorm1d", "input", "ndarray"):
        mg.nn.InstanceNorm1d(3)(np.zeros((2, 3, 4)))
    with assert_raises_with(ValueError, "InstanceNorm1d", "num_features", "got 0"):
        mg.nn.InstanceNorm1d(0)
    with assert_raises_with(ValueError, "InstanceNorm1d", "eps", "-1"):
        mg.nn.InstanceNorm1d(3, eps=-1)
    with assert_raises_with(TypeError, "InstanceNorm1d", "momentum", "str"):
        mg.nn.InstanceNorm1d(3, momentum="fast")
    with assert_raises_with(TypeError, "InstanceNorm1d", "affine", "str"):
        mg.nn.InstanceNorm1d(3, affine="yes")
    with assert_raises_with(ValueError, "instance_norm", "running_mean", "(3,)", "(4,)"):
        layer = mg.nn.InstanceNorm1d(4, track_running_stats=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer(mg.randn(2, 3, 5))
    # In eval mode with running statistics one spatial value is fine, as in PyTorch.
    layer = mg.nn.InstanceNorm1d(3, track_running_stats=True).eval()
    assert layer(mg.randn(2, 3, 1)).shape == (2, 3, 1)


@pytest.mark.parametrize(
    ("normalized", "shape"), [(4, (3, 4)), ((3, 4), (2, 3, 4)), ([2, 2], (2, 2, 2, 2))]
)
@pytest.mark.parametrize("options", [{}, {"elementwise_affine": False}, {"bias": False}])
def test_layer_norm_matches_torch(torch, normalized, shape, options):
    layer = mg.nn.LayerNorm(normalized, eps=1e-3, **options)
    twin = torch.nn.LayerNorm(normalized, eps=1e-3, **options)
    assert repr(layer) == repr(twin)
    assert list(layer.state_dict()) == list(twin.state_dict())
    with mg.no_grad():
        for param in layer.parameters():
            param.copy_(mg.tensor(randn(*param.shape, seed=3)))
    check_layer(torch, layer, twin, randn(*shape) * 2 + 1)


def test_layer_norm_defaults_and_bad_input(torch):
    layer = mg.nn.LayerNorm(5)
    assert layer.normalized_shape == (5,) and layer.eps == 1e-5
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(5, np.float32))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(5, np.float32))
    assert mg.nn.LayerNorm(5, dtype=mg.float64).weight.dtype == np.float64
    with assert_raises_with(ValueError, "layer_norm", "(*, 5)", "(3, 4)"):
        layer(mg.randn(3, 4))
    with assert_raises_with(TypeError, "LayerNorm", "normalized_shape", "str"):
        mg.nn.LayerNorm("5")
    with assert_raises_with(ValueError, "LayerNorm", "normalized_shape", "-1"):
        mg.nn.LayerNorm(-1)
    with assert_raises_with(ValueError, "LayerNorm", "eps", "-0.5"):
        mg.nn.LayerNorm(5, eps=-0.5)
    with assert_raises_with(TypeError, "layer_norm", "weight", "float32", "float64"):
        layer(mg.randn(3, 5, dtype=mg.float64))


@pytest.mark.parametrize(("groups", "shape"), [(2, (2, 4, 3)), (1, (3, 4)), (4, (2, 4, 2, 2))])
@pytest.mark.parametrize("options", [{}, {"affine": False}, {"bias": False}])
def test_group_norm_matches_torch(torch, groups, shape, options):
    layer = mg.nn.GroupNorm(groups, 4, eps=1e-3, **options)
    twin = torch.nn.GroupNorm(groups, 4, eps=1e-3, **options)
    assert repr(layer) == repr(twin)
    assert list(layer.state_dict()) == list(twin.state_dict())
    with mg.no_grad():
        for param in layer.parameters():
            param.copy_(mg.tensor(randn(*param.shape, seed=3)))
    check_layer(torch, layer, twin, randn(*shape) * 2 + 1)


def test_group_norm_bad_input():
    with assert_raises_with(ValueError, "GroupNorm", "num_channels (4)", "num_groups (3)"):
        mg.nn.GroupNorm(3, 4)
    with assert_raises_with(ValueError, "GroupNorm", "num_groups", "got 0"):
        mg.nn.GroupNorm(0, 4)
    with assert_raises_with(ValueError, "group_norm", "weight", "(6,)", "(4,)"):
        mg.nn.GroupNorm(2, 4)(mg.randn(2, 6, 3))
    with assert_raises_with(TypeError, "GroupNorm", "affine", "int"):
        mg.nn.GroupNorm(2, 4, affine=1)


def test_a_gradient_penalty_through_each_layer_matches_torch(torch):
    # WGAN-GP: the norm of d(critic)/dx, differentiated again with respect to the weights.
    pairs = [
        (mg.nn.InstanceNorm2d(3, affine=True), torch.nn.InstanceNorm2d(3, affine=True)),
        (mg.nn.LayerNorm((3, 4, 4)), torch.nn.LayerNorm((3, 4, 4))),
        (mg.nn.GroupNorm(3, 3), torch.nn.GroupNorm(3, 3)),
    ]
    x, c = randn(2, 3, 4, 4), randn(2, 3, 4, 4, seed=1)
    for layer, twin in pairs:
        layer.double()
        twin.double()
        with mg.no_grad():
            for param in layer.parameters():
                param.copy_(mg.tensor(randn(*param.shape, seed=2)))
        copy_into_torch(torch, layer, twin)
        xm = mg.tensor(x, requires_grad=True)
        (dx,) = mg.autograd.grad((layer(xm) * mg.tensor(c)).sum(), [xm], create_graph=True)
        ((dx * dx).sum()).backward()
        xt = torch.tensor(x, requires_grad=True)
        (dxt,) = torch.autograd.grad((twin(xt) * torch.tensor(c)).sum(), [xt], create_graph=True)
        ((dxt * dxt).sum()).backward()
        t_params = dict(twin.named_parameters())
        for name, param in layer.named_parameters():
            # The bias does not enter dx: no gradient in either library.
            assert (param.grad is None) == (t_params[name].grad is None), name
            if param.grad is not None:
                np.testing.assert_allclose(
                    param.grad.numpy(), t_params[name].grad.numpy(), atol=1e-10, err_msg=name
                )
