"""In-place writes between a forward and its backward: refused exactly where PyTorch
refuses, so a gradient is never taken at values the forward did not see.

Each case builds the same computation in both libraries, writes one tensor in place
(minigrad: the ``.data`` setter, the library's in-place write; torch: ``add_`` under
``no_grad``), runs backward, and compares: both refuse, or both succeed with the
same gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with

MODIFIED = "modified by an inplace operation"


def _bump(tensor: Any) -> None:
    if isinstance(tensor, mg.Tensor):
        tensor.data = tensor.data + 1  # a Tensor: the setter counts as a write
    else:
        import torch

        with torch.no_grad():
            tensor.add_(1)


# name, function of the inputs (same code for both libraries where the names agree),
# input shapes, which inputs require grad.
OPS: list[tuple[str, Any, list[tuple[int, ...]], list[bool]]] = [
    ("add", lambda x, y: x + y, [(3,), (3,)], [True, True]),
    ("sub", lambda x, y: x - y, [(3,), (3,)], [True, True]),
    ("mul", lambda x, y: x * y, [(3,), (3,)], [True, True]),
    ("mul, y constant", lambda x, y: x * y, [(3,), (3,)], [True, False]),
    ("mul, x constant", lambda x, y: x * y, [(3,), (3,)], [False, True]),
    ("div", lambda x, y: x / y, [(3,), (3,)], [True, True]),
    ("div, y constant", lambda x, y: x / y, [(3,), (3,)], [True, False]),
    ("div, x constant", lambda x, y: x / y, [(3,), (3,)], [False, True]),
    ("pow", lambda x, y: x**y, [(3,), (3,)], [True, True]),
    ("pow, scalar", lambda x: x**2, [(3,)], [True]),
    ("neg", lambda x: -x, [(3,)], [True]),
    ("exp", lambda x: x.exp(), [(3,)], [True]),
    ("log", lambda x: x.log(), [(3,)], [True]),
    ("sqrt", lambda x: x.sqrt(), [(3,)], [True]),
    ("abs", lambda x: x.abs(), [(3,)], [True]),
    ("clamp", lambda x: x.clamp(-1.0, 1.5), [(3,)], [True]),
    ("tanh", lambda x: x.tanh(), [(3,)], [True]),
    ("sigmoid", lambda x: x.sigmoid(), [(3,)], [True]),
    ("relu", lambda x: x.relu(), [(3,)], [True]),
    ("leaky_relu", lambda x: _functional(x).leaky_relu(x, 0.2), [(3,)], [True]),
    ("sum", lambda x: x.sum(), [(2, 3)], [True]),
    ("mean", lambda x: x.mean(1), [(2, 3)], [True]),
    ("max()", lambda x: x.max(), [(2, 3)], [True]),
    ("max(dim)", lambda x: x.max(1)[0], [(2, 3)], [True]),
    ("reshape", lambda x: x.reshape(3, 2), [(2, 3)], [True]),
    ("permute", lambda x: x.permute(1, 0), [(2, 3)], [True]),
    ("expand", lambda x: x.expand(4, 3), [(1, 3)], [True]),
    ("getitem", lambda x: x[0, 1:], [(2, 3)], [True]),
    ("matmul", lambda x, y: x @ y, [(2, 3), (3, 4)], [True, True]),
    ("matmul, x constant", lambda x, y: x @ y, [(2, 3), (3, 4)], [False, True]),
    ("matmul, y constant", lambda x, y: x @ y, [(2, 3), (3, 4)], [True, False]),
    (
        "linear",
        lambda x, w, b: _functional(x).linear(x, w, b),
        [(2, 3), (4, 3), (4,)],
        [False, True, True],
    ),
    (
        "conv2d",
        lambda x, w: _functional(x).conv2d(x, w),
        [(1, 2, 5, 5), (3, 2, 3, 3)],
        [True, True],
    ),
    (
        "conv2d, x constant",
        lambda x, w: _functional(x).conv2d(x, w),
        [(1, 2, 5, 5), (3, 2, 3, 3)],
        [False, True],
    ),
    (
        "conv_transpose2d, x constant",
        lambda x, w: _functional(x).conv_transpose2d(x, w, stride=2),
        [(1, 2, 4, 4), (2, 3, 4, 4)],
        [False, True],
    ),
    (
        "conv_transpose1d",
        lambda x, w: _functional(x).conv_transpose1d(x, w, stride=2),
        [(2, 2, 5), (2, 3, 3)],
        [True, True],
    ),
    (
        "bce_with_logits",
        lambda x, y: _functional(x).binary_cross_entropy_with_logits(x, y, reduction="sum"),
        [(4,), (4,)],
        [True, False],
    ),
    ("mse", lambda x, y: _functional(x).mse_loss(x, y), [(4,), (4,)], [True, False]),
    ("cat", lambda x, y: _cat(x)([x, y], 0), [(2,), (3,)], [True, True]),
    ("where", lambda x, y: _where(x)(x > 0, x, y), [(4,), (4,)], [True, True]),
]


def _functional(x: Any) -> Any:
    if isinstance(x, mg.Tensor):
        return F
    import torch.nn.functional

    return torch.nn.functional


def _cat(x: Any) -> Any:
    if isinstance(x, mg.Tensor):
        return mg.cat
    import torch

    return torch.cat


def _where(x: Any) -> Any:
    if isinstance(x, mg.Tensor):
        return mg.where
    import torch

    return torch.where


def _positive(shape: tuple[int, ...], seed: int) -> np.ndarray:
    # Away from 0 and 1, so that log, sqrt, pow and clamp's edges stay differentiable.
    return np.random.default_rng(seed).uniform(0.3, 1.2, shape)


def _run(library: str, spec: Any, target: int | str | None) -> tuple[str, list[np.ndarray]]:
    """Build the op, bump the target (an input position, "output" or None), backward.
    Returns ("raised", []) or ("ok", the gradients of the inputs that require grad).
    """
    _, fn, shapes, needs = spec
    arrays = [_positive(shape, seed) for seed, shape in enumerate(shapes)]
    if library == "minigrad":
        inputs = [mg.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    else:
        import torch

        inputs = [torch.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    # Non-leaf copies, so that an input that requires grad may be written in place.
    used = [t * 1 if n else t for t, n in zip(inputs, needs)]
    out = fn(*used)
    if target is not None:
        _bump(out if target == "output" else used[int(target)])
    try:
        out.sum().backward()
    except RuntimeError as error:
        assert MODIFIED in str(error), str(error)
        return "raised", []
    grads = [t.grad.detach().numpy() for t, n in zip(inputs, needs) if n]
    return "ok", grads


# torch cannot write in place into an expanded tensor (its elements share memory).
NO_OUTPUT_WRITE = {"expand"}
# Composites of primitives in minigrad, one fused op with its own saved inputs in
# torch: torch refuses a write to an input that no minigrad primitive reads. minigrad
# then gives the gradient at the values the forward saw, which is checked instead.
COMPOSITES = {("mse", 0), ("mse", 1)}


@pytest.mark.parametrize("spec", OPS, ids=[spec[0] for spec in OPS])
def test_an_in_place_write_is_refused_exactly_where_torch_refuses(spec, torch):
    targets = [*range(len(spec[2]))] + ([] if spec[0] in NO_OUTPUT_WRITE else ["output"])
    for target in targets:
        got, got_grads = _run("minigrad", spec, target)
        want, want_grads = _run("torch", spec, target)
        if (spec[0], target) in COMPOSITES:
            assert (got, want) == ("ok", "raised")
            _, want_grads = _run("torch", spec, None)
        else:
            assert got == want, f"{spec[0]}: writing {target}: minigrad {got}, torch {want}"
        for g, w in zip(got_grads, want_grads):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_the_message_names_the_op_the_shape_and_both_versions():
    w = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    out = (w * w).sum()
    w.data = w.data * 2
    w.data = w.data * 2
    with assert_raises_with(RuntimeError, MODIFIED, "Mul", "(4, 3)", "version 2", "version 0"):
        out.backward()


def test_a_refused_backward_changes_nothing():
    a = mg.randn(3, dtype=mg.float64, requires_grad=True)
    b = mg.randn(3, dtype=mg.float64, requires_grad=True)
    first = (a * 3).exp().sum()
    second = (b * b).sum()
    b.data = b.data + 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        (first + second).backward()
    assert a.grad is None and b.grad is None
    # Nothing was freed: the untouched part still runs, once, as it would have.
    first.backward()
    np.testing.assert_allclose(a.grad.numpy(), 3 * np.exp(3 * a.detach().numpy()))


def _dcgan_pair(torch_module: Any = None) -> tuple[Any, Any]:
    lib = mg if torch_module is None else torch_module
    nn = lib.nn
    generator = nn.Sequential(
        nn.ConvTranspose2d(4, 6, 4, 2, 1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        nn.ConvTranspose2d(6, 1, 4, 2, 1), nn.Tanh(),
    )  # fmt: skip
    discriminator = nn.Sequential(
        nn.Conv2d(1, 6, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(6, 1, 4, 2, 1), nn.Flatten(),
        nn.Linear(4, 1),
    )  # fmt: skip
    return generator, discriminator


@pytest.mark.parametrize("optimiser", ["SGD", "Adam", "AdamW"])
def test_a_generator_loss_built_before_the_discriminator_step_is_refused(optimiser, torch):
    """The GAN mistake PyTorch catches: D's update changes weights G's loss was built on."""
    outcomes = []
    for lib in (mg, torch):
        generator, discriminator = _dcgan_pair(None if lib is mg else torch)
        noise = lib.randn(2, 4, 2, 2)
        d_opt = getattr(lib.optim, optimiser)(discriminator.parameters(), lr=0.01)
        fake = generator(noise)
        generator_loss = discriminator(fake).mean()
        discriminator_loss = discriminator(fake.detach()).mean()
        discriminator_loss.backward()
        d_opt.step()
        try:
            generator_loss.backward()
            outcomes.append("ok")
        except RuntimeError as error:
            assert MODIFIED in str(error)
            outcomes.append("raised")
    assert outcomes == ["raised", "raised"]


def test_the_usual_gan_step_order_still_works():
    generator, discriminator = _dcgan_pair()
    d_opt = mg.optim.Adam(discriminator.parameters(), lr=0.01)
    g_opt = mg.optim.Adam(generator.parameters(), lr=0.01)
    for _ in range(2):
        fake = generator(mg.randn(2, 4, 2, 2))
        real = mg.randn(2, 1, 8, 8)
        # Two forwards of D (and of G's batch norm) before one backward, as GAN code does.
        d_loss = discriminator(real).mean() - discriminator(fake.detach()).mean()
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = -discriminator(fake).mean()
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
    assert all(p.grad is not None for p in generator.parameters())


def _conv_layer() -> tuple[mg.nn.Module, mg.Tensor]:
    layer = mg.nn.Conv2d(2, 3, 3)
    return layer, layer(mg.randn(1, 2, 5, 5)).sum()


WRITERS = {
    "SGD.step": lambda layer: _step(mg.optim.SGD(layer.parameters(), lr=0.1)),
    "SGD.step with momentum": lambda layer: _step(
        mg.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    ),
    "Adam.step": lambda layer: _step(mg.optim.Adam(layer.parameters())),
    "AdamW.step": lambda layer: _step(mg.optim.AdamW(layer.parameters())),
    "load_state_dict": lambda layer: layer.load_state_dict(mg.nn.Conv2d(2, 3, 3).state_dict()),
    ".data setter": lambda layer: setattr(layer.weight, "data", layer.weight.data * 2),
    "Module.to": lambda layer: layer.double(),
    "init.uniform_": lambda layer: mg.nn.init.uniform_(layer.weight),
    "init.normal_": lambda layer: mg.nn.init.normal_(layer.weight),
    "init.trunc_normal_": lambda layer: mg.nn.init.trunc_normal_(layer.weight),
    "init.constant_": lambda layer: mg.nn.init.constant_(layer.weight, 0.5),
    "init.zeros_": lambda layer: mg.nn.init.zeros_(layer.weight),
    "init.ones_": lambda layer: mg.nn.init.ones_(layer.weight),
    "init.dirac_": lambda layer: mg.nn.init.dirac_(layer.weight),
    "init.xavier_uniform_": lambda layer: mg.nn.init.xavier_uniform_(layer.weight),
    "init.xavier_normal_": lambda layer: mg.nn.init.xavier_normal_(layer.weight),
    "init.kaiming_uniform_": lambda layer: mg.nn.init.kaiming_uniform_(layer.weight),
    "init.kaiming_normal_": lambda layer: mg.nn.init.kaiming_normal_(layer.weight),
    "init.orthogonal_": lambda layer: mg.nn.init.orthogonal_(layer.weight),
}


def _step(optimiser: Any) -> None:
    for param in optimiser.param_groups[0]["params"]:
        param.grad = mg.ones_like(param)
    optimiser.step()


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_library_write_between_forward_and_backward_is_refused(writer):
    layer, loss = _conv_layer()
    WRITERS[writer](layer)
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_write_before_the_forward_is_fine(writer):
    layer, _ = _conv_layer()
    WRITERS[writer](layer)
    x = mg.randn(1, 2, 5, 5, dtype=layer.weight.dtype)
    layer(x).sum().backward()
    assert layer.weight.grad is not None


def test_the_torch_counterparts_of_the_writers_are_refused_too(torch):
    """What the catalogue above mirrors: PyTorch refuses after each of these writes."""
    writers = {
        "SGD.step": lambda c: _torch_step(torch, torch.optim.SGD(c.parameters(), lr=0.1)),
        "Adam.step": lambda c: _torch_step(torch, torch.optim.Adam(c.parameters())),
        "load_state_dict": lambda c: c.load_state_dict(torch.nn.Conv2d(2, 3, 3).state_dict()),
        "init.normal_": lambda c: torch.nn.init.normal_(c.weight),
        "init.orthogonal_": lambda c: torch.nn.init.orthogonal_(c.weight),
    }
    for name, write in writers.items():
        layer = torch.nn.Conv2d(2, 3, 3)
        loss = layer(torch.randn(1, 2, 5, 5)).sum()
        write(layer)
        with pytest.raises(RuntimeError, match=MODIFIED):
            loss.backward()
        assert name  # the failing writer is named by pytest's traceback


def _torch_step(torch: Any, optimiser: Any) -> None:
    for param in optimiser.param_groups[0]["params"]:
        param.grad = torch.ones_like(param)
    optimiser.step()


def test_views_and_detached_tensors_share_the_version_counter():
    w = mg.randn(2, 3, requires_grad=True)
    view = w.reshape(3, 2)
    transposed = w.T
    detached = w.detach()
    w.data = w.data + 1
    assert w._version == view._version == transposed._version == detached._version == 1
    copy = w * 1  # a new array: a new counter
    assert copy._version == 0
    parameter = mg.nn.Parameter(detached)
    parameter.data = parameter.data + 1
    assert w._version == 2


def test_a_saved_view_sees_a_write_to_its_base(torch):
    outcomes = []
    for lib in (mg, torch):
        w = lib.ones(2, 3, requires_grad=True, dtype=lib.float64)
        c = lib.ones(3, 2, dtype=lib.float64)
        out = (w.reshape(3, 2) * c).sum() + (c * w.reshape(3, 2)).sum()
        out = (w.T.reshape(3, 2) * w.reshape(3, 2)).sum() + out
        _bump(w)
        try:
            out.backward()
            outcomes.append("ok")
        except RuntimeError:
            outcomes.append("raised")
    assert outcomes[0] == outcomes[1] == "raised"


def test_gradients_through_saved_outputs_are_exact_to_second_order():
    for fn in (lambda t: t.exp(), lambda t: t.tanh(), lambda t: t.sigmoid(),
               lambda t: (t * t + 1).sqrt(), lambda t: t ** (t * 0.5)):  # fmt: skip
        x = mg.tensor(np.linspace(0.2, 1.3, 5), requires_grad=True)
        assert mg.autograd.gradcheck(fn, (x,))
        assert mg.autograd.gradgradcheck(fn, (x,))


def _in_place_between(library: Any, name: str, args: Any, kwargs: Any, saved: bool) -> str:
    from tests.test_inplace import _operands

    x = library.tensor(np.linspace(0.3, 1.2, 6).reshape(2, 3), requires_grad=True)
    w = library.tensor(np.linspace(0.5, 1.5, 6).reshape(2, 3), requires_grad=True)
    y = x * 1.5
    z = (y * w) if saved else (y + w)  # the product saves y for w's gradient; the sum not
    getattr(y, name)(*_operands(library, args, 1), **kwargs)
    try:
        z.sum().backward()
    except RuntimeError as error:
        assert MODIFIED in str(error)
        return "raised"
    return "ok"


@pytest.mark.parametrize("saved", [True, False], ids=["saved", "not saved"])
def test_each_in_place_method_between_forward_and_backward_as_torch(saved, torch):
    from tests.test_inplace import METHODS

    for name, args, kwargs in METHODS:
        got = _in_place_between(mg, name, args, kwargs, saved)
        want = _in_place_between(torch, name, args, kwargs, saved)
        assert got == want == ("raised" if saved else "ok"), (name, got, want)
