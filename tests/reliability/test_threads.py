"""Autograd from several threads: independent models trained, or evaluated, at the same
time give the bits of the same calls made one after the other, whatever the thread
counts of OpenBLAS and Numba (SPEC, "Safety guarantees").

The models cover the kernels' paths: a DCGAN-like pair (transposed and strided convs
through im2col and, for two of its layers, Winograd; batch norm; Adam) and an MLP
(Linear, so MatMul, one product big enough to be cut into row blocks; SGD with
momentum).

Nothing here draws from minigrad's random generator once a thread has started: it is
one generator for the process, as in PyTorch, so draws made from two threads would
interleave in an order that changes from run to run. Models are built, and their
inputs drawn, in the main thread first.

Run as a script (``python -m tests.reliability.test_threads``), this file is the child
of the subprocess tests: it trains both models in two threads (so a fresh process makes
the first call of every kernel from two threads at once), then one after the other,
and prints digests of the bits.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

ROOT = Path(__file__).resolve().parents[2]
CONV_STEPS = 3
MLP_STEPS = 6
# Without the JIT (make test-nojit) the kernels are Python loops, tens of times slower.
SLOWER = 10 if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0") else 1


CONV_BATCH = 96
MLP_BATCH = 256

Record = dict[str, np.ndarray]


class ConvGan:
    """A DCGAN-like pair on 16x16 images: generator 1 -> 2 -> 4 -> 8 -> 16 by transposed
    convs with batch norm and a 3x3 conv to one channel, discriminator 16 -> 8 -> 4 -> 1
    by strided convs; Adam.
    """

    def __init__(self, seed: int) -> None:
        mg.manual_seed(seed)
        self.generator = nn.Sequential(
            nn.ConvTranspose2d(16, 128, 2, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 1, 3, 1, 1), nn.Tanh(),
        )  # fmt: skip
        self.discriminator = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 1, 4),
        )  # fmt: skip
        self.adam_g = mg.optim.Adam(self.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        self.adam_d = mg.optim.Adam(self.discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        rng = np.random.default_rng(seed)
        self.noise = [
            mg.tensor(rng.standard_normal((CONV_BATCH, 16, 1, 1)).astype(np.float32))
            for _ in range(CONV_STEPS)
        ]
        self.real = [
            mg.tensor(rng.uniform(-1, 1, (CONV_BATCH, 1, 16, 16)).astype(np.float32))
            for _ in range(CONV_STEPS)
        ]
        self.ones, self.zeros = mg.ones(CONV_BATCH, 1, 1, 1), mg.zeros(CONV_BATCH, 1, 1, 1)
        self.criterion = nn.BCEWithLogitsLoss()

    def step(self, i: int) -> Record:
        fake = self.generator(self.noise[i])
        loss_d = self.criterion(self.discriminator(self.real[i]), self.ones) + self.criterion(
            self.discriminator(fake.detach()), self.zeros
        )
        self.adam_d.zero_grad()
        loss_d.backward()
        self.adam_d.step()
        loss_g = self.criterion(self.discriminator(fake), self.ones)
        self.adam_g.zero_grad()
        loss_g.backward()
        self.adam_g.step()
        recorded = [t.requires_grad and t.grad_fn is not None for t in (fake, loss_d, loss_g)]
        return {
            "fake": fake.detach().numpy().copy(),
            "loss_d": loss_d.detach().numpy().copy(),
            "loss_g": loss_g.detach().numpy().copy(),
            "recorded": np.array(recorded),
        }

    def state(self) -> Record:
        return {
            **_module_state("generator", self.generator),
            **_module_state("discriminator", self.discriminator),
        }

    def evaluate(self) -> Record:
        """Generator and discriminator in eval mode on the first noise batch."""
        self.generator.eval()
        self.discriminator.eval()
        images = self.generator(self.noise[0])
        logits = self.discriminator(images)
        return {"images": images.detach().numpy().copy(), "logits": logits.detach().numpy().copy()}


class Mlp:
    """64 -> 512 -> 512 -> 10 with ReLU, MSE loss, SGD with momentum; the 512 x 512
    layer's products (67 M multiply-adds) are cut into row blocks by the matmul kernel.
    """

    def __init__(self, seed: int) -> None:
        mg.manual_seed(seed)
        self.model = nn.Sequential(
            nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
        )
        self.sgd = mg.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        rng = np.random.default_rng(seed)
        self.inputs = [
            mg.tensor(rng.standard_normal((MLP_BATCH, 64)).astype(np.float32))
            for _ in range(MLP_STEPS)
        ]
        self.targets = [
            mg.tensor(rng.standard_normal((MLP_BATCH, 10)).astype(np.float32))
            for _ in range(MLP_STEPS)
        ]
        self.criterion = nn.MSELoss()

    def step(self, i: int) -> Record:
        output = self.model(self.inputs[i])
        loss = self.criterion(output, self.targets[i])
        self.sgd.zero_grad()
        loss.backward()
        self.sgd.step()
        recorded = [t.requires_grad and t.grad_fn is not None for t in (output, loss)]
        return {"output": output.detach().numpy().copy(), "loss": loss.detach().numpy().copy(),
                "recorded": np.array(recorded)}  # fmt: skip

    def state(self) -> Record:
        return _module_state("mlp", self.model)

    def evaluate(self) -> Record:
        return {"output": self.model(self.inputs[0]).detach().numpy().copy()}


def _module_state(prefix: str, module: nn.Module) -> Record:
    """Parameters, their gradients and the buffers, as copies."""
    state = {
        f"{prefix}.{name}": p.detach().numpy().copy() for name, p in module.named_parameters()
    }
    for name, p in module.named_parameters():
        state[f"{prefix}.{name}.grad"] = p.grad.detach().numpy().copy()
    for name, value in module.state_dict().items():
        state.setdefault(
            f"{prefix}.{name}",
            np.asarray(value.detach() if isinstance(value, mg.Tensor) else value).copy(),
        )
    return state


def train(trainer: ConvGan | Mlp, steps: int) -> Record:
    record: Record = {}
    for i in range(steps):
        for name, value in trainer.step(i).items():
            record[f"step{i}.{name}"] = value
    record.update(trainer.state())
    return record


def training_jobs() -> tuple[Callable[[], Record], Callable[[], Record]]:
    """The two trainings, as jobs; the models are built (every random draw made) now,
    in the calling thread.
    """
    conv, mlp = ConvGan(1), Mlp(2)

    def train_conv() -> Record:
        return {f"conv.{k}": v for k, v in train(conv, CONV_STEPS).items()}

    def train_mlp() -> Record:
        return {f"mlp.{k}": v for k, v in train(mlp, MLP_STEPS).items()}

    return train_conv, train_mlp


def train_serially() -> Record:
    train_conv, train_mlp = training_jobs()
    return {**train_conv(), **train_mlp()}


def run_together(
    *jobs: Callable[[], Any], timeout: float = 120.0 * SLOWER, overlap: bool = True
) -> list[Any]:
    """Run each job in its own thread, released together by a barrier; return their
    results in order, re-raise the first failure, and (with ``overlap``) check that the
    runs overlapped.
    """
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            start = time.perf_counter()
            results[index] = job()
            spans[index] = (start, time.perf_counter())
        except BaseException as error:  # reported in the main thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    if errors:
        raise errors[0]
    if overlap:
        assert max(start for start, _ in spans) < min(stop for _, stop in spans), spans
    return results


def assert_same_bits(expected: Record, actual: Record) -> None:
    assert expected.keys() == actual.keys()
    differ = [
        name
        for name in expected
        if expected[name].dtype != actual[name].dtype
        or expected[name].shape != actual[name].shape
        or expected[name].tobytes() != actual[name].tobytes()
    ]
    assert not differ, f"{len(differ)} of {len(expected)} arrays differ: {differ[:8]}"


def assert_all_recorded(record: Record) -> None:
    missing = [
        name for name, value in record.items() if name.endswith(".recorded") and not value.all()
    ]
    assert not missing, f"training outputs that do not require grad: {missing}"


@pytest.fixture(scope="module")
def serial() -> Record:
    """Both models trained one after the other in the main thread."""
    return train_serially()


def test_two_models_trained_in_two_threads_give_the_serial_bits(serial):
    conv, mlp = run_together(*training_jobs())
    assert_all_recorded(serial)
    assert_all_recorded(conv)
    assert_all_recorded(mlp)
    assert_same_bits(serial, {**conv, **mlp})


def test_the_conv_model_reaches_the_winograd_kernels():
    from minigrad.kernels import conv
    from minigrad.kernels.conv import Geometry, winograd

    # The generator's 8x8 -> 16x16 transposed conv (32 -> 16 channels) is the adjoint of
    # a 16x16 -> 8x8 conv from 16 channels to 32, and the dispatch routes both alike.
    geometry = Geometry((2, 2, 1), (1, 1, 1), (4, 4, 1), 1, (16, 16, 1), (8, 8, 1),
                        ((1, 1), (1, 1), (0, 0)))  # fmt: skip
    assert conv.route(geometry, CONV_BATCH, 32, 16, np.float32) is winograd


def test_training_beside_a_no_grad_evaluation_loop_gives_the_serial_bits(serial):
    train_conv, train_mlp = training_jobs()
    evaluated = ConvGan(3), Mlp(4)
    with mg.no_grad():
        expected = {**evaluated[0].evaluate(), **evaluated[1].evaluate()}
    done = threading.Event()
    seen: list[Record] = []
    requiring_grad: list[str] = []
    mode_between_blocks: list[bool] = []

    def training() -> Record:
        try:
            return {**train_conv(), **train_mlp()}
        finally:
            done.set()

    @mg.no_grad()
    def evaluate_decorated() -> Record:
        return evaluated[1].evaluate()

    def evaluation() -> int:
        loops = 0
        while not done.is_set() or loops == 0:
            with mg.no_grad():
                images = evaluated[0].generator(evaluated[0].noise[0])
                logits = evaluated[0].discriminator(images)
            mode_between_blocks.append(mg.is_grad_enabled())
            output = evaluate_decorated()
            for name, tensor in (("images", images), ("logits", logits)):
                if tensor.requires_grad or tensor.grad_fn is not None:
                    requiring_grad.append(name)
            seen.append({"images": images.detach().numpy(), "logits": logits.numpy(), **output})
            loops += 1
        return loops

    trained, loops = run_together(training, evaluation)
    assert loops >= 1
    assert not requiring_grad, requiring_grad
    assert mode_between_blocks == [True] * loops
    assert len(seen) == loops
    for record in seen:
        assert_same_bits(expected, record)
    assert_all_recorded(trained)
    assert_same_bits(serial, trained)


def test_grad_mode_belongs_to_the_thread():
    inside, outside = threading.Event(), threading.Event()
    x = mg.ones(3, requires_grad=True)
    results: dict[str, bool] = {}

    def evaluating() -> None:
        with mg.no_grad():
            inside.set()
            assert outside.wait(30)
            results["no_grad thread"] = (x * 2).requires_grad

    def training() -> None:
        assert inside.wait(30)  # the other thread is inside its no_grad block now
        results["training thread"] = (x * 2).requires_grad
        mg.set_grad_enabled(False)  # this thread's mode only, until the thread ends
        results["after set_grad_enabled(False)"] = (x * 2).requires_grad
        outside.set()

    run_together(evaluating, training)
    assert results == {
        "no_grad thread": False,
        "training thread": True,
        "after set_grad_enabled(False)": False,
    }
    assert mg.is_grad_enabled()


def test_a_new_thread_starts_with_grad_on_as_in_torch(torch):
    seen = {}

    def look() -> None:
        seen["minigrad"], seen["torch"] = mg.is_grad_enabled(), torch.is_grad_enabled()

    with mg.no_grad(), torch.no_grad():
        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
    assert seen == {"minigrad": True, "torch": True}


def test_one_grad_mode_object_entered_by_two_threads_restores_each_threads_mode():
    # Overlapping, not nested: A enters, B enters, A leaves, B leaves.
    shared = mg.no_grad()
    steps = [threading.Event() for _ in range(4)]
    modes: dict[str, list[bool]] = {"a": [], "b": []}

    def a() -> None:
        with shared:
            modes["a"].append(mg.is_grad_enabled())
            steps[0].set()
            assert steps[1].wait(30)
        modes["a"].append(mg.is_grad_enabled())
        steps[2].set()

    def b() -> None:
        mg.set_grad_enabled(False)
        assert steps[0].wait(30)
        with shared:
            steps[1].set()
            assert steps[2].wait(30)
            modes["b"].append(mg.is_grad_enabled())
        modes["b"].append(mg.is_grad_enabled())

    run_together(a, b)
    assert modes == {"a": [False, True], "b": [False, False]}


def test_nodes_made_in_two_threads_keep_each_threads_order_and_never_share_a_number():
    # The engine breaks ties by the nodes' creation numbers, from one process-wide counter.
    def build() -> list[int]:
        tensor = mg.ones(3, requires_grad=True)
        numbers = []
        # Long enough (about 0.1 s) that the two runs overlap on a loaded machine too:
        # at 2000 ops one thread once finished before the other had started.
        for _ in range(20_000):
            tensor = tensor * 1.0
            numbers.append(tensor.grad_fn.sequence)
        return numbers

    first, second = run_together(build, build)
    assert first == sorted(first) and second == sorted(second)
    assert len(set(first) | set(second)) == len(first) + len(second)


# The subprocess tests: the same training, in fresh processes with other thread counts.

CONFIGS = {
    f"openblas={blas or 'unset'}-numba={numba}": {
        "OPENBLAS_NUM_THREADS": blas,
        "NUMBA_NUM_THREADS": numba,
    }
    for blas in ("1", "2", None)
    for numba in ("1", "2")
}


def digests(record: Record) -> dict[str, str]:
    return {
        name: hashlib.sha256(f"{value.dtype}{value.shape}".encode() + value.tobytes()).hexdigest()
        for name, value in sorted(record.items())
    }


def _run_child(settings: dict[str, str | None]) -> dict[str, Any]:
    env = dict(os.environ)
    for name, value in settings.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    completed = subprocess.run(
        [sys.executable, "-m", "tests.reliability.test_threads"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300 * SLOWER,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def children() -> dict[str, dict[str, Any]]:
    # Two at a time: a child uses about one core (two threads that mostly take turns).
    with ThreadPoolExecutor(2) as pool:
        results = pool.map(_run_child, CONFIGS.values())
        return dict(zip(CONFIGS, results))


@pytest.mark.parametrize("config", CONFIGS)
def test_a_fresh_process_gives_the_same_bits_in_threads_and_serially(children, config):
    child = children[config]
    assert child["errors"] == []
    assert child["numba_threads"] == int(CONFIGS[config]["NUMBA_NUM_THREADS"])
    blas = CONFIGS[config]["OPENBLAS_NUM_THREADS"]
    if blas is not None and child["blas_threads"] is not None:
        # The user's setting is back once no kernel runs.
        assert child["blas_threads"] == int(blas)
    assert child["threaded"] == child["serial"]


def test_every_thread_count_gives_the_same_bits(children, serial):
    here = digests(serial)
    differ = {
        config: sorted(name for name in here if child["serial"].get(name) != here[name])
        for config, child in children.items()
    }
    assert all(not names for names in differ.values()), {c: n[:5] for c, n in differ.items()}


def _compile_concurrently() -> list[str]:
    """A function no cache holds, called for the first time by three threads at once
    (two of them with the same signature).
    """
    from numba import config, njit

    @njit(nogil=True)
    def weighted_sum(values, weight):  # pragma: no cover - compiled
        total = values.dtype.type(0)
        for i in range(values.shape[0]):
            total += values[i] * weight
        return total

    arrays = [np.arange(10, dtype=dtype) for dtype in (np.float32, np.float64, np.float32)]
    jobs = [lambda a=a: weighted_sum(a, a.dtype.type(2)) for a in arrays]
    # Without the JIT nothing compiles: the calls take microseconds and need not overlap.
    results = run_together(*jobs, overlap=not config.DISABLE_JIT)
    return [] if results == [90.0] * 3 else [f"weighted_sum gave {results}"]


def _child_main() -> None:
    import numba
    from threadpoolctl import threadpool_info

    errors: list[str] = []
    conv, mlp = run_together(*training_jobs())  # the first call of every kernel
    threaded = {**conv, **mlp}
    serial = train_serially()
    errors += _compile_concurrently()
    for record in (threaded, serial):
        try:
            assert_all_recorded(record)
        except AssertionError as error:
            errors.append(str(error))
    blas = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    print(json.dumps({
        "threaded": digests(threaded),
        "serial": digests(serial),
        "errors": errors,
        "numba_threads": int(numba.get_num_threads()),
        "blas_threads": blas[0] if blas else None,
    }))  # fmt: skip


if __name__ == "__main__":
    _child_main()
