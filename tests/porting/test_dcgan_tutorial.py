"""PyTorch's DCGAN tutorial, ported to minigrad by changing its import lines only.

``dcgan_tutorial.py`` is PyTorch code. The test runs it on torch, and runs a copy whose
only change is the three import lines on minigrad; both start from the same weights
(torch's state dicts, loaded into minigrad's modules) and take one training step on the
same batch and noise. Losses, discriminator outputs and every parameter's gradient must
agree.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SOURCE = Path(__file__).with_name("dcgan_tutorial.py").read_text()
PORTED_IMPORTS = {
    "import torch\n": "import minigrad as torch\n",
    "import torch.nn as nn\n": "import minigrad.nn as nn\n",
    "import torch.optim as optim\n": "import minigrad.optim as optim\n",
}
BATCH = 4


def ported_source() -> str:
    source = SOURCE
    for line, replacement in PORTED_IMPORTS.items():
        assert source.count(line) == 1, line
        source = source.replace(line, replacement)
    return source


def _load(source: str, name: str) -> Any:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - our own file
    return module


def test_the_port_changes_the_import_lines_and_nothing_else():
    original = SOURCE.splitlines()
    ported = ported_source().splitlines()
    changed = [(a, b) for a, b in zip(original, ported) if a != b]
    assert len(original) == len(ported)
    assert [a + "\n" for a, _ in changed] == list(PORTED_IMPORTS)


def _step_both(torch: Any, double: bool) -> tuple[Any, Any, Any, Any]:
    """One step of the tutorial in each library, from torch's initial weights."""
    import minigrad as mg

    source, ported = SOURCE, ported_source()
    if double:
        # The test's own change, for an exact comparison: float64 labels and models.
        source = source.replace("dtype=torch.float,", "dtype=torch.double,")
        ported = ported.replace("dtype=torch.float,", "dtype=torch.double,")
    reference = _load(source, "dcgan_tutorial_torch")
    port = _load(ported, "dcgan_tutorial_minigrad")
    assert str(port.device) == "cpu" and not mg.cuda.is_available()
    torch.manual_seed(0)
    torch_models = reference.build()
    models = port.build()
    dtype = np.float64 if double else np.float32
    for ours, theirs in zip(models[:2], torch_models[:2]):
        if double:
            ours.double()
            theirs.double()
        state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
        assert list(state) == list(ours.state_dict())
        ours.load_state_dict(state)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (BATCH, reference.nc, 64, 64)).astype(dtype)
    noise = rng.standard_normal((BATCH, reference.nz, 1, 1)).astype(dtype)
    figures = port.train_step(*models, (mg.tensor(images), None), mg.tensor(noise))
    torch_figures = reference.train_step(
        *torch_models, (torch.tensor(images), None), torch.tensor(noise)
    )
    return figures, torch_figures, models, torch_models


@pytest.mark.parametrize("double", [False, True], ids=["float32", "float64"])
def test_one_training_step_matches_torch(double, torch):
    figures, torch_figures, models, torch_models = _step_both(torch, double)
    # errD, errG, D(x), D(G(z)) before and after D's step. In float32 the two libraries
    # round differently through ten layers (a leaky ReLU input near 0 may change side);
    # in float64 they agree to the last few digits.
    tolerance = 1e-10 if double else 2e-4
    np.testing.assert_allclose(figures, torch_figures, rtol=tolerance, atol=tolerance)
    # Gradients, scaled by each tensor's largest. float64: every element to 1e-9. float32:
    # the generator's gradient passes back through the discriminator and five batch norms,
    # whose 1/std amplifies each library's rounding; on some CPUs' BLAS kernels a few
    # elements (10 of 3,072 seen) drift by a few hundredths, so float32 asks 99 % of the
    # elements within 2e-2 and every element within 0.1.
    for ours, theirs in zip(models[:2], torch_models[:2]):
        for (name, p), (torch_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == torch_name
            scale = float(np.abs(q.grad.numpy()).max()) + 1e-30
            gap = np.abs(p.grad.numpy() - q.grad.numpy()) / scale
            if double:
                assert gap.max() <= 1e-9, (name, gap.max())
            else:
                assert np.mean(gap > 2e-2) <= 0.01 and gap.max() <= 0.1, (name, gap.max())


@pytest.mark.parametrize("line", list(PORTED_IMPORTS))
def test_each_import_line_is_in_the_tutorial(line):
    assert line in SOURCE
