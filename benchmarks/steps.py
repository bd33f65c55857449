"""The training steps of ``make bench``, each written once and run by minigrad or by torch.

Two suites:

- ``small``, where the tape's cost per op shows: the chain (300 elementwise ops on 64
  numbers, forward and backward) and the MLP GAN step (2-d data, two 3-layer MLPs,
  batch 128, Adam, one discriminator and one generator step with BCEWithLogits);
- ``zoo``, one training step of each example model: the models, losses, optimisers and
  batch sizes come from the example scripts (``examples/NAME.py`` for minigrad, its twin
  ``examples/NAME_torch.py`` for torch), and the step is the example's own
  ``train_step`` (``dcgan_digits.py`` has its step inline in ``main``; it is copied
  here line for line).

A step makes its batch's tensors from numpy arrays and draws its noise, as the
examples' loops do, so that part of a loop is timed too. The libraries are imported
only when a step is built, so that a process times one library alone.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclass(frozen=True)
class Library:
    """minigrad or torch, and the example scripts written for it."""

    name: str
    lib: Any

    def example(self, script: str) -> ModuleType:
        """``examples/SCRIPT.py`` for minigrad, ``examples/SCRIPT_torch.py`` for torch."""
        if str(EXAMPLES) not in sys.path:
            sys.path.insert(0, str(EXAMPLES))
        return importlib.import_module(script if self.name == "minigrad" else script + "_torch")


def load(name: str) -> Library:
    if name == "minigrad":
        import minigrad as lib
    elif name == "torch":
        import torch as lib
    else:
        raise ValueError(f"library: expected 'minigrad' or 'torch', got {name!r}")
    return Library(name, lib)


@dataclass(frozen=True)
class Step:
    name: str
    suite: str  # "small" or "zoo"
    what: str  # one line for the tables: model, batch, losses
    build: Callable[[Library], Callable[[], object]]


# ---- the small suite -------------------------------------------------------------------

CHAIN_SIZE = 64
CHAIN_ROUNDS = 30  # of the ten ops in chain(): 300 ops


def chain(x: Any, w: Any, b: Any) -> Any:
    """300 elementwise ops on (64,) tensors, ten kinds in turn; w and b are used 30 times
    each, so their gradients accumulate. Values stay within (-3, 3) and the gradients of
    the sum about 0.01 to 2, well inside float32's normal range.
    """
    for _ in range(CHAIN_ROUNDS):
        x = x * w
        x = x + b
        x = x.tanh()
        x = x * 3.0
        x = x.sigmoid()
        x = x - 0.5
        x = x.exp()
        x = x.relu()
        x = x.square()
        x = x / 2.0
    return x


def chain_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, w, b: float32 (64,)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, CHAIN_SIZE).astype(np.float32)
    w = rng.uniform(0.5, 1.5, CHAIN_SIZE).astype(np.float32)
    b = (0.1 * rng.standard_normal(CHAIN_SIZE)).astype(np.float32)
    return x, w, b


def build_chain(library: Library) -> Callable[[], object]:
    lib = library.lib
    x, w, b = chain_arrays()
    x = lib.tensor(x)
    w, b = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)

    def step() -> None:
        w.grad = b.grad = None
        chain(x, w, b).sum().backward()

    return step


MLP_BATCH = 128
MLP_NOISE = 2
MLP_HIDDEN = 128


def mlp_gan_models(nn: Any) -> tuple[Any, Any]:
    """Generator ``(N, 2) noise -> (N, 2)`` and discriminator ``(N, 2) -> (N, 1)`` logits."""
    generator = nn.Sequential(
        nn.Linear(MLP_NOISE, MLP_HIDDEN), nn.ReLU(),
        nn.Linear(MLP_HIDDEN, MLP_HIDDEN), nn.ReLU(),
        nn.Linear(MLP_HIDDEN, 2),
    )  # fmt: skip
    discriminator = nn.Sequential(
        nn.Linear(2, MLP_HIDDEN), nn.LeakyReLU(0.2),
        nn.Linear(MLP_HIDDEN, MLP_HIDDEN), nn.LeakyReLU(0.2),
        nn.Linear(MLP_HIDDEN, 1),
    )  # fmt: skip
    return generator, discriminator


def ring_of_gaussians(count: int, seed: int = 0) -> np.ndarray:
    """The toy GANs' data: float32 (count, 2) from eight Gaussians (std 0.05) on a circle of 2."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * rng.integers(0, 8, count) / 8
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centres + 0.05 * rng.standard_normal((count, 2))).astype(np.float32)


def mlp_gan_step(
    lib: Any, models: tuple[Any, Any], optimizers: tuple[Any, Any], real: Any, noise: Any
) -> tuple[float, float]:
    """One discriminator step (real -> 1, detached fakes -> 0) and one generator step."""
    generator, discriminator = models
    optimizer_g, optimizer_d = optimizers
    criterion = lib.nn.BCEWithLogitsLoss()
    ones, zeros = lib.ones(len(real), 1), lib.zeros(len(real), 1)
    fake = generator(noise)
    loss_d = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
    optimizer_d.zero_grad()
    loss_d.backward()
    optimizer_d.step()
    loss_g = criterion(discriminator(fake), ones)
    optimizer_g.zero_grad()
    loss_g.backward()
    optimizer_g.step()
    return loss_d.item(), loss_g.item()


def mlp_gan_optimizers(lib: Any, models: tuple[Any, Any]) -> tuple[Any, Any]:
    return tuple(lib.optim.Adam(m.parameters(), lr=1e-3, betas=(0.5, 0.999)) for m in models)


def build_mlp_gan(library: Library) -> Callable[[], object]:
    lib = library.lib
    lib.manual_seed(0)
    models = mlp_gan_models(lib.nn)
    optimizers = mlp_gan_optimizers(lib, models)
    data = ring_of_gaussians(MLP_BATCH)
    return lambda: mlp_gan_step(
        lib, models, optimizers, lib.tensor(data), lib.randn(MLP_BATCH, MLP_NOISE)
    )


# ---- the zoo: one step of each example model --------------------------------------------


def adam(lib: Any, model: Any, lr: float, betas: tuple[float, float] = (0.9, 0.999)) -> Any:
    return lib.optim.Adam(model.parameters(), lr=lr, betas=betas)


def digits(count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` of the examples' digits, (count, 1, 8, 8) in [-1, 1], and labels."""
    digit_images = importlib.import_module("_digits").digit_images
    images, labels = digit_images()
    return images[:count], labels[:count]


def build_dcgan(library: Library) -> Callable[[], object]:
    """``examples/dcgan_digits.py``'s loop body: batch 64, Adam 2e-3 (0.5, 0.999)."""
    lib, example = library.lib, library.example("dcgan_digits")
    lib.manual_seed(0)
    model_g, model_d = example.generator(), example.discriminator()
    example.dcgan_init_(model_g)
    example.dcgan_init_(model_d)
    optimizer_g = adam(lib, model_g, 2e-3, (0.5, 0.999))
    optimizer_d = adam(lib, model_d, 2e-3, (0.5, 0.999))
    criterion = lib.nn.BCEWithLogitsLoss()
    images, _ = digits(64)
    real_label, fake_label = lib.ones(64, 1, 1, 1), lib.zeros(64, 1, 1, 1)

    def step() -> tuple[float, float]:
        real = lib.tensor(images)
        fake = model_g(lib.randn(64, example.NOISE, 1, 1))
        loss_d = criterion(model_d(real), real_label) + criterion(
            model_d(fake.detach()), fake_label
        )
        optimizer_d.zero_grad()
        loss_d.backward()
        optimizer_d.step()
        loss_g = criterion(model_d(fake), real_label)
        optimizer_g.zero_grad()
        loss_g.backward()
        optimizer_g.step()
        return loss_d.item(), loss_g.item()

    return step


def build_cgan(library: Library) -> Callable[[], object]:
    """``examples/cgan_digits.py``: batch 64, Adam 2e-3 (0.5, 0.999)."""
    lib, example = library.lib, library.example("cgan_digits")
    lib.manual_seed(0)
    model_g, model_d = example.Generator(), example.Discriminator()
    model_g.apply(example.weights_init)
    model_d.apply(example.weights_init)
    optimizer_g = adam(lib, model_g, 2e-3, (0.5, 0.999))
    optimizer_d = adam(lib, model_d, 2e-3, (0.5, 0.999))
    images, targets = digits(64)
    return lambda: example.train_step(
        model_g, model_d, optimizer_g, optimizer_d,
        lib.tensor(images), lib.tensor(targets),
        lib.randn(64, example.NOISE), lib.randint(0, example.CLASSES, (64,)),
    )  # fmt: skip


def build_pix2pix(library: Library) -> Callable[[], object]:
    """``examples/pix2pix_digits.py``: batch 32, Adam 1e-3 (0.5, 0.999)."""
    lib, example = library.lib, library.example("pix2pix_digits")
    lib.manual_seed(0)
    generator, discriminator = example.UNet(), example.PatchDiscriminator()
    optimizer_g = adam(lib, generator, 1e-3, (0.5, 0.999))
    optimizer_d = adam(lib, discriminator, 1e-3, (0.5, 0.999))
    images, _ = digits(32)
    edges = example.edge_maps(images)
    return lambda: example.train_step(
        generator, discriminator, optimizer_g, optimizer_d, lib.tensor(edges), lib.tensor(images)
    )


def build_superres(library: Library) -> Callable[[], object]:
    """``examples/superres_digits.py``: batch 32, Adam 2e-3."""
    lib, example = library.lib, library.example("superres_digits")
    lib.manual_seed(0)
    model = example.SuperResolution()
    optimizer = adam(lib, model, 2e-3)
    images, _ = digits(32)
    low = example.downsample(images)
    return lambda: example.train_step(model, optimizer, lib.tensor(low), lib.tensor(images))


def build_vae(library: Library) -> Callable[[], object]:
    """``examples/vae_digits.py``: binarised digits, batch 32, latent 8, Adam 2e-3."""
    lib, example = library.lib, library.example("vae_digits")
    lib.manual_seed(0)
    model = example.VAE(8)
    optimizer = adam(lib, model, 2e-3)
    images, _ = digits(32)
    binary = (images >= 0.0).astype(np.float32)
    return lambda: example.train_step(model, optimizer, lib.tensor(binary))


def build_melgan(library: Library) -> Callable[[], object]:
    """``examples/melgan_signals.py``: batch 32, Adam 1e-3 (0.5, 0.9)."""
    lib, example = library.lib, library.example("melgan_signals")
    lib.manual_seed(0)
    generator, discriminator = example.Generator(), example.Discriminator()
    optimizers = (
        adam(lib, generator, 1e-3, (0.5, 0.9)),
        adam(lib, discriminator, 1e-3, (0.5, 0.9)),
    )
    waves = example.signals(32, np.random.default_rng(0))
    low = example.coarse(waves)
    return lambda: example.train_step(
        generator, discriminator, optimizers, lib.tensor(low), lib.tensor(waves)
    )


def build_voxel_gan(library: Library) -> Callable[[], object]:
    """``examples/voxel_gan.py``: batch 32, Adam 2e-3 (0.5, 0.999)."""
    lib, example = library.lib, library.example("voxel_gan")
    lib.manual_seed(0)
    model_g, model_d = example.generator(), example.discriminator()
    example.dcgan_init_(model_g)
    example.dcgan_init_(model_d)
    optimizer_g = adam(lib, model_g, 2e-3, (0.5, 0.999))
    optimizer_d = adam(lib, model_d, 2e-3, (0.5, 0.999))
    voxel_shapes = importlib.import_module("_voxels").voxel_shapes
    volumes, _ = voxel_shapes(32, seed=0)
    return lambda: example.train_step(
        model_g, model_d, optimizer_g, optimizer_d,
        lib.tensor(volumes), lib.randn(32, example.NOISE, 1, 1, 1),
    )  # fmt: skip


STEPS = [
    Step("op chain", "small", "300 elementwise ops on 64 numbers, fwd+bwd", build_chain),
    Step("MLP GAN", "small", "2-d data, 3-layer MLPs of 128, batch 128, D+G", build_mlp_gan),
    Step("DCGAN digits", "zoo", "dcgan_digits, batch 64, D+G", build_dcgan),
    Step("conditional GAN", "zoo", "cgan_digits, batch 64, D+G", build_cgan),
    Step("pix2pix U-Net", "zoo", "pix2pix_digits, batch 32, D+G (BCE + 100 L1)", build_pix2pix),
    Step("super-resolution", "zoo", "superres_digits, batch 32, L1", build_superres),
    Step("VAE", "zoo", "vae_digits, batch 32, negative ELBO", build_vae),
    Step("MelGAN 1-d", "zoo", "melgan_signals, batch 32, D+G (hinge, feature, L1)", build_melgan),
    Step("3-d voxel GAN", "zoo", "voxel_gan, batch 32, D+G", build_voxel_gan),
]
