"""The reference backend: ``MINIGRAD_KERNELS=reference`` and ``mg.kernels.use("reference")``
run the library on the textbook loops. A slice of the suite runs on them and agrees
with the fast kernels: the conv family forward (every rank, transposed, groups,
dilation, padding modes) with every gradient, a double backward and a DCGAN training
step; and the switch itself is checked (environment, refused names, no leaks).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.kernels import backend
from minigrad.kernels import reference as twins
from minigrad.kernels.conv import direct, im2col, reference, winograd

ROOT = Path(__file__).resolve().parents[2]
RTOL = {np.float32: 1e-4, np.float64: 1e-10}


def on_both(run: Callable[[], list[np.ndarray]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``run()`` on the fast kernels, then on the reference ones."""
    with mg.kernels.use("fast"):
        fast = run()
    with mg.kernels.use("reference"):
        slow = run()
    return fast, slow


def assert_agree(fast: list[np.ndarray], slow: list[np.ndarray], dtype: type) -> None:
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert a.shape == b.shape and a.dtype == b.dtype
        scale = max(1.0, float(np.abs(a).max(initial=0)))
        np.testing.assert_allclose(b, a, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


@pytest.fixture
def conv_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts of the kernel calls that each conv path runs (the dispatch looks them up
    on the path's module at every call).
    """
    counts = {"reference": 0, "fast": 0}
    kernels = ("conv_valid", "conv_transpose_valid", "conv_weight_grad", "conv_and_weight_grad")
    paths = ((reference, "reference"), (im2col, "fast"), (winograd, "fast"), (direct, "fast"))
    for module, key in paths:
        for name in kernels:
            original = getattr(module, name)

            def counted(*args: Any, _original: Any = original, _key: str = key, **kw: Any) -> Any:
                counts[_key] += 1
                return _original(*args, **kw)

            monkeypatch.setattr(module, name, counted)
    yield counts


def draw(seed: int, shape: tuple[int, ...], dtype: type) -> mg.Tensor:
    array = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return mg.tensor(array, requires_grad=True)


# (function, input shape, weight shape, options): tiny, the loops are slow Python.
CONV_CASES = {
    "conv1d stride padding": ("conv1d", (2, 3, 7), (4, 3, 3), {"stride": 2, "padding": 1}),
    "conv1d dilation groups": ("conv1d", (2, 4, 9), (6, 2, 3), {"dilation": 2, "groups": 2}),
    "conv1d reflect": ("conv1d", (1, 2, 6), (3, 2, 3), {"padding": 2, "padding_mode": "reflect"}),
    "conv2d same": ("conv2d", (2, 2, 5, 5), (3, 2, 2, 3), {"padding": "same"}),
    "conv2d circular": ("conv2d", (1, 2, 4, 5), (2, 2, 3, 3), {"padding": 1,
                                                              "padding_mode": "circular"}),
    "conv2d replicate": ("conv2d", (1, 2, 4, 4), (2, 2, 3, 2), {"padding": (1, 2),
                                                               "padding_mode": "replicate"}),
    "conv2d groups dilation": ("conv2d", (2, 4, 7, 7), (4, 2, 3, 3), {"groups": 2,
                                                                     "dilation": 2,
                                                                     "stride": (2, 1)}),
    "conv3d": ("conv3d", (1, 2, 4, 4, 4), (3, 2, 2, 2, 2), {"stride": 2, "padding": 1}),
    "conv_transpose1d output_padding": ("conv_transpose1d", (2, 3, 4), (3, 2, 3),
                                        {"stride": 3, "output_padding": 2, "dilation": 2}),
    "conv_transpose1d reflect": ("conv_transpose1d", (1, 2, 5), (2, 3, 3),
                                 {"padding": 1, "padding_mode": "reflect"}),
    "conv_transpose2d groups": ("conv_transpose2d", (2, 4, 3, 3), (4, 2, 3, 3),
                                {"groups": 2, "stride": 2, "padding": 1}),
    "conv_transpose2d unbatched": ("conv_transpose2d", (3, 3, 3), (3, 2, 2, 2), {"stride": 2}),
    "conv_transpose3d": ("conv_transpose3d", (1, 2, 2, 3, 2), (2, 2, 2, 2, 2), {"stride": 2}),
}  # fmt: skip


def conv_case(name: str, dtype: type) -> Callable[[], list[np.ndarray]]:
    """Forward, then the gradients of input, weight and bias for a fixed upstream."""
    function, x_shape, w_shape, options = CONV_CASES[name]
    transposed = "transpose" in function
    channels = w_shape[1] * options.get("groups", 1) if transposed else w_shape[0]

    def run() -> list[np.ndarray]:
        x, w, b = draw(1, x_shape, dtype), draw(2, w_shape, dtype), draw(3, (channels,), dtype)
        y = getattr(mg.functional, function)(x, w, b, **options)
        upstream = mg.tensor(np.random.default_rng(4).standard_normal(y.shape).astype(dtype))
        grads = mg.autograd.grad((y * upstream).sum(), [x, w, b])
        return [y.detach().numpy()] + [g.numpy() for g in grads]

    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_family_and_its_gradients_agree(
    name: str, dtype: type, conv_calls: dict[str, int]
) -> None:
    with mg.kernels.use("fast"):
        fast = conv_case(name, dtype)()
    assert conv_calls["fast"] > 0 and conv_calls["reference"] == 0
    conv_calls["fast"] = 0
    with mg.kernels.use("reference"):
        slow = conv_case(name, dtype)()
    # Forward and backward ran on the loops alone.
    assert conv_calls["reference"] >= 3 and conv_calls["fast"] == 0
    assert_agree(fast, slow, dtype)


def test_a_double_backward_agrees() -> None:
    # A gradient penalty through conv_transpose2d and conv2d: second derivatives of both.
    def run() -> list[np.ndarray]:
        x = draw(5, (2, 3, 3, 3), np.float64)
        w1, w2 = draw(6, (3, 2, 4, 4), np.float64), draw(7, (1, 2, 3, 3), np.float64)
        h = mg.functional.conv_transpose2d(x, w1, stride=2, padding=1).tanh()
        out = mg.functional.conv2d(h, w2, padding=1).sum()
        (gx,) = mg.autograd.grad(out, [x], create_graph=True)
        grads = mg.autograd.grad((gx * gx).sum(), [x, w1, w2])
        return [gx.detach().numpy()] + [g.numpy() for g in grads]

    assert_agree(*on_both(run), np.float64)


def test_a_linear_layer_and_matmul_agree() -> None:
    def run() -> list[np.ndarray]:
        x, w = draw(8, (3, 5), np.float64), draw(9, (2, 4, 5), np.float64)
        out = (nn.functional.linear(x, w[0]) + (x @ w.transpose(-1, -2)).sum(0)).tanh()
        return [out.detach().numpy(), *(g.numpy() for g in mg.autograd.grad(out.sum(), [x, w]))]

    assert_agree(*on_both(run), np.float64)


def dcgan_step() -> list[np.ndarray]:
    """One discriminator and one generator step of the demo's DCGAN (narrow, in float64,
    on a batch of 4): the losses, then every parameter and buffer after the step.
    """
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import dcgan_digits as example
    finally:
        sys.path.remove(str(ROOT / "examples"))
    mg.manual_seed(0)
    generator, discriminator = example.generator(2).double(), example.discriminator(2).double()
    adam_g = mg.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    adam_d = mg.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    real = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (4, 1, 8, 8)))
    ones, zeros = mg.ones(4, 1, 1, 1, dtype=mg.float64), mg.zeros(4, 1, 1, 1, dtype=mg.float64)
    criterion = nn.BCEWithLogitsLoss()
    fake = generator(mg.randn(4, example.NOISE, 1, 1, dtype=mg.float64))
    loss_d = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
    adam_d.zero_grad()
    loss_d.backward()
    adam_d.step()
    loss_g = criterion(discriminator(fake), ones)
    adam_g.zero_grad()
    loss_g.backward()
    adam_g.step()
    states = [v.numpy() for m in (generator, discriminator) for v in m.state_dict().values()]
    return [loss_d.detach().numpy(), loss_g.detach().numpy(), *states]


def test_a_dcgan_training_step_agrees(conv_calls: dict[str, int]) -> None:
    fast, slow = on_both(dcgan_step)
    assert conv_calls["reference"] > 0
    assert_agree(fast, slow, np.float64)


def test_padding_and_matmul_run_their_twins(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("pad_by_mode", "fold_padding", "matmul"):
        original = getattr(twins, name)

        def counted(*args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(twins, name, counted)

    def run() -> list[np.ndarray]:
        x, w = draw(1, (1, 2, 5), np.float32), draw(2, (3, 2, 3), np.float32)
        y = mg.functional.conv1d(x, w, padding=1, padding_mode="circular")
        z = y.reshape(3, 5) @ draw(3, (5, 2), np.float32)
        return [z.detach().numpy(), *(g.numpy() for g in mg.autograd.grad(z.sum(), [x, w]))]

    fast, slow = on_both(run)
    assert sorted(set(calls)) == ["fold_padding", "matmul", "pad_by_mode"]
    assert_agree(fast, slow, np.float32)


# ---- the switch -----------------------------------------------------------------------


def test_the_environment_variable_chooses_the_reference_kernels() -> None:
    script = "import minigrad as mg; print(mg.kernels.backend.current())"
    unset = {key: value for key, value in os.environ.items() if key != "MINIGRAD_KERNELS"}
    for env, want in (({**unset, "MINIGRAD_KERNELS": "reference"}, "reference"), (unset, "fast")):
        done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=True)  # fmt: skip
        assert done.stdout.strip() == want


def test_a_bad_environment_value_is_refused_by_name() -> None:
    env = {**os.environ, "MINIGRAD_KERNELS": "turbo"}
    done = subprocess.run([sys.executable, "-c", "import minigrad"], env=env, cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode != 0
    assert "ValueError" in done.stderr and "MINIGRAD_KERNELS" in done.stderr
    assert "'turbo'" in done.stderr


def test_a_bad_name_is_refused_by_name() -> None:
    before = backend.current()
    with pytest.raises(ValueError, match="'turbo'"):
        with mg.kernels.use("turbo"):
            pass  # pragma: no cover
    assert backend.current() == before


def test_the_setting_ends_with_its_block() -> None:
    before = backend.current()
    with mg.kernels.use("reference"):
        assert backend.current() == "reference" and backend.reference()
        with mg.kernels.use("fast"):
            assert backend.current() == "fast" and not backend.reference()
        assert backend.current() == "reference"
    assert backend.current() == before
    with pytest.raises(KeyError):
        with mg.kernels.use("reference"):
            raise KeyError("inside")
    assert backend.current() == before


def test_the_setting_stays_in_its_thread() -> None:
    before = backend.current()
    entered, release = threading.Event(), threading.Event()
    seen: dict[str, str] = {}

    def other() -> None:
        seen["at start"] = backend.current()
        with mg.kernels.use("reference"):
            entered.set()
            release.wait(10)
            seen["inside"] = backend.current()

    with mg.kernels.use("fast"):
        thread = threading.Thread(target=other)
        thread.start()
        assert entered.wait(10)
        assert backend.current() == "fast"  # the other thread's block is not ours
        release.set()
        thread.join(10)
    # Ours is not the other's either: a new thread starts from the environment's choice.
    with mg.kernels.use("reference"):
        started = threading.Thread(target=lambda: seen.update(new=backend.current()))
        started.start()
        started.join(10)
    assert seen == {"at start": backend._DEFAULT, "inside": "reference", "new": backend._DEFAULT}
    assert backend.current() == before
