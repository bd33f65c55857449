"""nn.DataParallel and nn.parallel.data_parallel: on the CPU they run the module, with
torch's state-dict keys (``module.`` in front), so checkpoints move between the two.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with


def _nets(torch):
    ours = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.BatchNorm1d(4), mg.nn.Linear(4, 2))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2)
    )
    return ours, theirs


def test_state_dict_keys_and_repr_are_torch_s(torch):
    ours, theirs = _nets(torch)
    wrapped, twin = mg.nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    assert list(wrapped.state_dict()) == list(twin.state_dict())
    assert [name for name, _ in wrapped.named_parameters()] == [
        name for name, _ in twin.named_parameters()
    ]
    assert repr(wrapped) == repr(twin)
    assert wrapped.module is ours and twin.module is theirs
    assert wrapped.device_ids == twin.device_ids == []


def test_forward_runs_the_module_and_checkpoints_move_both_ways(torch):
    ours, theirs = _nets(torch)
    wrapped, twin = mg.nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    wrapped.load_state_dict({k: v.detach().numpy() for k, v in twin.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        wrapped(mg.tensor(x)).detach().numpy(),
        twin(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    # ... and the unwrapped module's keys are the bare ones.
    bare = {k.removeprefix("module."): v for k, v in wrapped.state_dict().items()}
    assert list(bare) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in bare.items()})


def test_device_arguments_are_ignored_on_the_cpu_as_torch(torch):
    layer = mg.nn.Linear(2, 2)
    wrapped = mg.nn.DataParallel(layer, device_ids=[0, 1], output_device=0, dim=1)
    twin = torch.nn.DataParallel(torch.nn.Linear(2, 2), device_ids=[0, 1], output_device=0)
    assert wrapped.device_ids == twin.device_ids == []
    assert wrapped(input=mg.ones(3, 2)).shape == (3, 2)  # keyword inputs reach the module
    assert mg.nn.parallel.DataParallel is mg.nn.DataParallel


def test_data_parallel_runs_the_module():
    layer = mg.nn.Linear(2, 3)
    x = mg.randn(4, 2)
    expected = layer(x).detach().numpy()
    for inputs in (x, (x,)):
        got = mg.nn.parallel.data_parallel(layer, inputs, device_ids=range(2))
        np.testing.assert_array_equal(got.detach().numpy(), expected)
    bilinear = mg.nn.Module()
    bilinear.forward = lambda a, b, scale=1.0: (a * b).sum() * scale
    assert mg.nn.parallel.data_parallel(
        bilinear, (mg.ones(2), mg.ones(2)), module_kwargs={"scale": 3.0}
    ).item() == pytest.approx(6.0)


def test_bad_arguments_name_the_argument():
    with assert_raises_with(TypeError, "DataParallel", "module", "str"):
        mg.nn.DataParallel("net")
    with assert_raises_with(TypeError, "device_ids", "int"):
        mg.nn.DataParallel(mg.nn.Linear(2, 2), device_ids=0)
    with assert_raises_with(TypeError, "device_ids[1]", "1.5"):
        mg.nn.DataParallel(mg.nn.Linear(2, 2), device_ids=[0, 1.5])
    with assert_raises_with(TypeError, "dim", "float"):
        mg.nn.DataParallel(mg.nn.Linear(2, 2), dim=0.0)
    with assert_raises_with(TypeError, "data_parallel", "module_kwargs", "list"):
        mg.nn.parallel.data_parallel(mg.nn.Linear(2, 2), mg.ones(2), module_kwargs=[])
    with assert_raises_with(TypeError, "data_parallel", "module"):
        mg.nn.parallel.data_parallel(lambda x: x, mg.ones(2))
