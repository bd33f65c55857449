"""SHA-256 fingerprints of results, to show that a restructuring changes no bits.

    .venv/bin/python benchmarks/fingerprints.py record FILE [--demo]
    .venv/bin/python benchmarks/fingerprints.py check FILE [--demo]

Each case is a fixed call (seeded inputs): the convolutions of every rank, on each of
the kernels' paths (im2col's table, padded-copy, phase and checked gathers, Winograd in
float32, the 3x3 Winograd path), every padding mode, groups, dilation, output_size,
float64, their gradients of the input, weight and bias, a double backward, a
batch-norm layer, an Adam and an SGD step, a training step of the demo's DCGAN.
``--demo`` adds the samples of ``make demo`` in a short run (3 epochs; the full run
takes minutes). ``record`` writes the hashes as JSON; ``check`` recomputes them and
lists every case whose bits differ. Hashes depend on the machine's BLAS kernels, so
compare runs on one machine with one environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import nn

ROOT = Path(__file__).resolve().parents[1]

Case = Callable[[], list[np.ndarray]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


def digest(arrays: list[np.ndarray]) -> str:
    hasher = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        hasher.update(f"{array.dtype}{array.shape}".encode())
        hasher.update(array.tobytes())
    return hasher.hexdigest()


def _draw(seed: int, *shape: int, dtype: np.dtype = np.float32) -> mg.Tensor:
    array = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return mg.tensor(array, requires_grad=True)


def _conv_case(function: str, x_shape, w_shape, bias: bool = True, dtype=np.float32, **options):
    """Forward, then the gradients of input, weight and bias for a fixed upstream."""

    def run() -> list[np.ndarray]:
        x, w = _draw(1, *x_shape, dtype=dtype), _draw(2, *w_shape, dtype=dtype)
        transposed = "transpose" in function
        channels = w_shape[1] * options.get("groups", 1) if transposed else w_shape[0]
        b = _draw(3, channels, dtype=dtype) if bias else None
        y = getattr(mg.functional, function)(x, w, b, **options)
        upstream = mg.tensor(np.random.default_rng(4).standard_normal(y.shape).astype(dtype))
        leaves = [x, w] + ([b] if bias else [])
        grads = mg.autograd.grad((y * upstream).sum(), leaves)
        return [y.detach().numpy()] + [g.numpy() for g in grads]

    return run


CONV_CASES = {
    # (function, input shape, weight shape, options); shapes chosen to reach each path.
    "conv1d": ("conv1d", (2, 3, 20), (4, 3, 3), {}),
    "conv1d stride dilation": ("conv1d", (2, 4, 30), (6, 2, 3), {"stride": 2, "dilation": 2,
                                                                  "groups": 2}),
    "conv1d reflect": ("conv1d", (2, 3, 12), (4, 3, 3), {"padding": 2, "padding_mode": "reflect"}),
    "conv1d same": ("conv1d", (1, 2, 9), (3, 2, 4), {"padding": "same"}),
    "conv2d table": ("conv2d", (2, 3, 8, 8), (5, 3, 3, 3), {}),
    "conv2d padded copy": ("conv2d", (2, 3, 8, 8), (5, 3, 3, 3), {"padding": 1}),
    "conv2d long lines": ("conv2d", (2, 3, 6, 40), (4, 3, 3, 3), {"stride": 2, "padding": 1}),
    "conv2d circular": ("conv2d", (1, 2, 7, 7), (3, 2, 3, 3), {"padding": 2,
                                                              "padding_mode": "circular"}),
    "conv2d replicate": ("conv2d", (1, 2, 7, 7), (3, 2, 3, 3), {"padding": (1, 2),
                                                               "padding_mode": "replicate"}),
    "conv2d checked": ("conv2d", (1, 1, 3, 3), (2, 1, 2, 2), {"padding": 9, "stride": 8}),
    "conv2d float64": ("conv2d", (2, 3, 9, 7), (4, 3, 3, 2), {"stride": (2, 1), "padding": 1,
                                                             "dtype": np.float64}),
    "conv2d winograd": ("conv2d", (16, 64, 16, 16), (64, 64, 4, 4), {"stride": 2, "padding": 1}),
    "conv2d winograd 3x3": ("conv2d", (32, 32, 4, 4), (64, 32, 3, 3), {"padding": 1}),
    "conv2d winograd 3x3 float64": ("conv2d", (8, 16, 9, 9), (24, 16, 3, 3),
                                    {"padding": (1, 0), "dtype": np.float64}),
    "conv3d": ("conv3d", (1, 2, 5, 6, 7), (3, 2, 3, 3, 3), {"padding": 1}),
    "conv3d stride": ("conv3d", (2, 2, 8, 8, 8), (4, 2, 4, 4, 4), {"stride": 2, "padding": 1}),
    "conv_transpose1d": ("conv_transpose1d", (2, 3, 10), (3, 4, 4), {"stride": 2, "padding": 1}),
    "conv_transpose1d output_padding": ("conv_transpose1d", (2, 4, 7), (4, 3, 3),
                                        {"stride": 3, "output_padding": 2, "dilation": 2}),
    "conv_transpose1d output_size": ("conv_transpose1d", (1, 2, 5), (2, 2, 3),
                                     {"stride": 2, "output_size": [12]}),
    "conv_transpose1d reflect": ("conv_transpose1d", (1, 2, 9), (2, 3, 3),
                                 {"padding": 1, "padding_mode": "reflect"}),
    "conv_transpose2d": ("conv_transpose2d", (4, 8, 4, 4), (8, 4, 4, 4), {"stride": 2,
                                                                        "padding": 1}),
    "conv_transpose2d groups": ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3),
                                {"groups": 2, "stride": 2}),
    "conv_transpose2d long lines": ("conv_transpose2d", (2, 3, 4, 20), (3, 2, 3, 3),
                                    {"stride": 2, "padding": 1}),
    "conv_transpose2d same": ("conv_transpose2d", (1, 2, 6, 6), (2, 2, 4, 4),
                              {"padding": "same"}),
    "conv_transpose2d circular": ("conv_transpose2d", (1, 2, 5, 5), (2, 2, 3, 3),
                                  {"padding": 1, "padding_mode": "circular"}),
    "conv_transpose2d float64": ("conv_transpose2d", (2, 3, 5, 6), (3, 2, 3, 2),
                                 {"stride": 2, "padding": (1, 0), "dtype": np.float64}),
    "conv_transpose2d winograd": ("conv_transpose2d", (8, 128, 8, 8), (128, 64, 4, 4),
                                  {"stride": 2, "padding": 1}),
    "conv_transpose2d unbatched": ("conv_transpose2d", (3, 4, 4), (3, 2, 2, 2), {"stride": 2}),
    "conv_transpose3d": ("conv_transpose3d", (1, 2, 3, 4, 3), (2, 3, 3, 3, 3), {"stride": 2}),
    "conv_transpose3d winograd": ("conv_transpose3d", (8, 64, 4, 4, 4), (64, 32, 4, 4, 4),
                                  {"stride": 2, "padding": 1}),
}  # fmt: skip

for _name, (_function, _x, _w, _options) in CONV_CASES.items():
    _options = dict(_options)
    _dtype = _options.pop("dtype", np.float32)
    CASES[_name] = _conv_case(_function, _x, _w, dtype=_dtype, **_options)
CASES["conv2d no bias"] = _conv_case("conv2d", (2, 3, 8, 8), (5, 3, 3, 3), bias=False)


@case("double backward: a gradient penalty through conv_transpose2d and conv2d")
def _double_backward() -> list[np.ndarray]:
    x = _draw(5, 2, 3, 4, 4, dtype=np.float64)
    w1, w2 = _draw(6, 3, 2, 4, 4, dtype=np.float64), _draw(7, 1, 2, 3, 3, dtype=np.float64)
    h = mg.functional.conv_transpose2d(x, w1, stride=2, padding=1).tanh()
    out = mg.functional.conv2d(h, w2, padding=1).sum()
    (gx,) = mg.autograd.grad(out, [x], create_graph=True)
    penalty = (gx * gx).sum()
    grads = mg.autograd.grad(penalty, [x, w1, w2])
    return [gx.detach().numpy()] + [g.numpy() for g in grads]


@case("batch norm: training forward, gradients, running statistics")
def _batch_norm() -> list[np.ndarray]:
    mg.manual_seed(0)
    layer = nn.BatchNorm2d(3)
    x = _draw(8, 4, 3, 5, 5)
    y = layer(x)
    grads = mg.autograd.grad((y * y).sum(), [x, layer.weight, layer.bias])
    arrays = [y.detach().numpy(), layer.running_mean.numpy(), layer.running_var.numpy()]
    return arrays + [g.numpy() for g in grads]


def _optimizer_case(make: Callable) -> Case:
    def run() -> list[np.ndarray]:
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 2))
        optimizer = make(model.parameters())
        x = mg.tensor(np.random.default_rng(9).standard_normal((6, 5)).astype(np.float32))
        for _ in range(3):
            optimizer.zero_grad()
            (model(x) ** 2).mean().backward()
            optimizer.step()
        return [p.detach().numpy() for p in model.parameters()]

    return run


CASES["adam step"] = _optimizer_case(lambda p: mg.optim.Adam(p, lr=1e-2, betas=(0.5, 0.999)))
CASES["sgd step"] = _optimizer_case(
    lambda p: mg.optim.SGD(p, lr=1e-2, momentum=0.9, weight_decay=1e-3)
)


@case("dcgan training step (the demo's model)")
def _dcgan_step() -> list[np.ndarray]:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import dcgan_digits as example
    finally:
        sys.path.remove(str(ROOT / "examples"))
    mg.manual_seed(0)
    generator, discriminator = example.generator(), example.discriminator()
    adam_g = mg.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    adam_d = mg.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    real = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (64, 1, 8, 8)).astype(np.float32))
    ones, zeros = mg.ones(64, 1, 1, 1), mg.zeros(64, 1, 1, 1)
    criterion = nn.BCEWithLogitsLoss()
    for _ in range(2):
        fake = generator(mg.randn(64, example.NOISE, 1, 1))
        loss_d = criterion(discriminator(real), ones) + criterion(
            discriminator(fake.detach()), zeros
        )
        adam_d.zero_grad()
        loss_d.backward()
        adam_d.step()
        loss_g = criterion(discriminator(fake), ones)
        adam_g.zero_grad()
        loss_g.backward()
        adam_g.step()
    modules = (generator, discriminator)
    return [p.detach().numpy() for m in modules for p in m.state_dict().values()]


def demo_samples() -> list[np.ndarray]:
    """``make demo``'s samples, from a 3-epoch run of the same script."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [sys.executable, str(ROOT / "examples" / "dcgan_digits.py"), "--epochs", "3",
             "--out", out, "--no-score"],
            check=True, capture_output=True,
        )  # fmt: skip
        return [np.load(Path(out) / "samples.npy")]


def fingerprints(demo: bool) -> dict[str, str]:
    results = {name: digest(run()) for name, run in CASES.items()}
    if demo:
        results["make demo samples (3 epochs)"] = digest(demo_samples())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "check"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--demo", action="store_true", help="add make demo's samples")
    args = parser.parse_args()
    results = fingerprints(args.demo)
    if args.mode == "record":
        args.file.write_text(json.dumps(results, indent=1) + "\n")
        print(f"{len(results)} fingerprints written to {args.file}")
        return
    recorded = json.loads(args.file.read_text())
    changed = [name for name in recorded if results.get(name) != recorded[name]]
    missing = [name for name in results if name not in recorded]
    for name in changed:
        print(f"changed: {name}")
    for name in missing:
        print(f"not recorded: {name}")
    same = len(recorded) - len(changed)
    print(f"{same} of {len(recorded)} fingerprints identical")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
