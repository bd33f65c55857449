"""mg.cuda, mg.accelerator and mg.backends answer as torch does on a machine without a
GPU (torch CPU is the oracle), and the device-agnostic idioms of ported code run.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with

# ---- mg.cuda -------------------------------------------------------------------------------

ANSWERS = [
    "is_available",
    "device_count",
    "is_initialized",
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
]
REFUSED = [
    "current_device",
    "get_device_name",
    "get_device_capability",
    "get_device_properties",
    "synchronize",
    "get_rng_state",
    "init",
    "ipc_collect",
]


@pytest.mark.parametrize("name", ANSWERS)
def test_cuda_answers_as_torch_without_a_gpu(torch, name):
    assert getattr(mg.cuda, name)() == getattr(torch.cuda, name)()


@pytest.mark.parametrize("name", REFUSED)
def test_cuda_refuses_what_needs_a_gpu_as_torch(torch, name):
    with pytest.raises(AssertionError):
        getattr(torch.cuda, name)()
    with assert_raises_with(mg.DeviceError, f"cuda.{name}", "CPU only"):
        getattr(mg.cuda, name)()


def test_cuda_device_errors_are_runtime_and_value_errors():
    with pytest.raises(RuntimeError):
        mg.cuda.current_device()
    with pytest.raises(ValueError):
        mg.cuda.set_device(0)


def test_cuda_seeding_is_accepted_and_changes_nothing(torch):
    mg.manual_seed(5)
    expected = mg.rand(3).numpy()
    for seed_all in (mg.cuda.manual_seed, mg.cuda.manual_seed_all):
        mg.manual_seed(5)
        assert seed_all(123) is None
        assert torch.cuda.manual_seed(123) is None  # accepted by torch too
        np.testing.assert_array_equal(mg.rand(3).numpy(), expected)
    mg.cuda.seed()
    mg.cuda.seed_all()
    assert mg.cuda.empty_cache() is None and torch.cuda.empty_cache() is None
    with assert_raises_with(TypeError, "cuda.manual_seed", "seed", "str"):
        mg.cuda.manual_seed("1")


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor"])
def test_cuda_tensor_types_refuse_as_torch(torch, name):
    with pytest.raises(TypeError):
        getattr(torch.cuda, name)(2)
    with assert_raises_with(mg.DeviceError, name, "CPU only"):
        getattr(mg.cuda, name)(2)
    assert not isinstance(mg.ones(2), getattr(mg.cuda, name))
    assert not isinstance(torch.ones(2), getattr(torch.cuda, name))
    with assert_raises_with(mg.DeviceError, name):
        mg.ones(2).type(getattr(mg.cuda, name))


def test_device_agnostic_idiom_runs_on_the_cpu():
    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    model = mg.nn.Linear(3, 2).to(device)
    out = model(mg.ones(4, 3).to(device))
    assert out.device == device == mg.device("cpu")
    if mg.cuda.device_count() > 1:  # pragma: no cover - never on minigrad
        model = mg.nn.DataParallel(model)


# ---- mg.accelerator ------------------------------------------------------------------------


def test_accelerator_answers_as_torch(torch):
    assert mg.accelerator.is_available() is torch.accelerator.is_available() is False
    assert mg.accelerator.current_accelerator() is torch.accelerator.current_accelerator()
    assert mg.accelerator.current_accelerator(check_available=True) is None
    assert mg.accelerator.device_count() == torch.accelerator.device_count() == 0


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("current_device_index", ()),
        ("set_device_index", (0,)),
        ("synchronize", ()),
        ("empty_cache", ()),
        ("memory_allocated", ()),
    ],
)
def test_accelerator_refuses_what_needs_one_as_torch(torch, name, args):
    with pytest.raises(RuntimeError):
        getattr(torch.accelerator, name)(*args)
    with assert_raises_with(mg.DeviceError, f"accelerator.{name}", "no accelerator"):
        getattr(mg.accelerator, name)(*args)


# ---- mg.backends ---------------------------------------------------------------------------

CUDNN_FLAGS = ["benchmark", "deterministic", "enabled", "allow_tf32"]


@pytest.fixture
def cudnn_flags():
    """Restore minigrad's cuDNN switches after a test that sets them."""
    saved = {name: getattr(mg.backends.cudnn, name) for name in CUDNN_FLAGS}
    yield mg.backends.cudnn
    for name, value in saved.items():
        setattr(mg.backends.cudnn, name, value)


def test_cudnn_defaults_and_answers_are_torch_s(torch):
    for name in CUDNN_FLAGS:
        assert getattr(mg.backends.cudnn, name) is getattr(torch.backends.cudnn, name), name
    assert mg.backends.cudnn.is_available() is torch.backends.cudnn.is_available()
    assert mg.backends.cudnn.version() is torch.backends.cudnn.version()
    assert mg.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert mg.backends.mps.is_built() is torch.backends.mps.is_built()
    assert mg.backends.cuda.is_built() is torch.backends.cuda.is_built()
    assert mg.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32


@pytest.mark.parametrize("name", CUDNN_FLAGS)
def test_cudnn_switches_are_settable_and_change_no_number(cudnn_flags, name):
    x, w = mg.randn(2, 3, 8, 8), mg.randn(4, 3, 3, 3)
    before = mg.functional.conv2d(x, w).numpy()
    for value in (True, False):
        setattr(cudnn_flags, name, value)
        assert getattr(cudnn_flags, name) is value
        np.testing.assert_array_equal(mg.functional.conv2d(x, w).numpy(), before)


def test_cudnn_switches_take_only_bools_as_torch(torch, cudnn_flags):
    with pytest.raises(RuntimeError, match="expects a bool"):
        torch.backends.cudnn.benchmark = "yes"
    with assert_raises_with(TypeError, "cudnn.benchmark", "'yes'"):
        cudnn_flags.benchmark = "yes"
    assert cudnn_flags.benchmark is False
    with assert_raises_with(TypeError, "matmul.allow_tf32", "1"):
        mg.backends.cuda.matmul.allow_tf32 = 1


def test_cudnn_flags_context_restores_the_switches(cudnn_flags):
    cudnn_flags.benchmark = True
    with cudnn_flags.flags(enabled=False, benchmark=False, deterministic=True):
        assert (cudnn_flags.enabled, cudnn_flags.benchmark, cudnn_flags.deterministic) == (
            False,
            False,
            True,
        )
    assert (cudnn_flags.enabled, cudnn_flags.benchmark, cudnn_flags.deterministic) == (
        True,
        True,
        False,
    )
    with assert_raises_with(TypeError, "enabled", "None"):
        with cudnn_flags.flags(enabled=None):
            pass
    assert cudnn_flags.enabled is True


def test_tf32_switch_is_settable(torch):
    mg.backends.cuda.matmul.allow_tf32 = True
    try:
        assert mg.backends.cuda.matmul.allow_tf32 is True
    finally:
        mg.backends.cuda.matmul.allow_tf32 = False
