"""Check, with numbers, the identities minigrad's transposed convolution is built on.

Each section prints a figure that anyone can re-derive, all in float64:

1. The adjoint (dot-product) test, for every padding mode: with a stride, padding and
   dilation, ``<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>``; for reflect,
   replicate and circular padding the transposed convolution folds its border back
   (the adjoint of the padding), so the identity holds for them too.
2. ``gradcheck`` and ``gradgradcheck`` of ``conv_transpose2d`` in input, weight and bias,
   for every padding mode, plus the largest gap between a central finite difference
   and the analytic directional derivative.
3. A Hessian-vector product by double backward, ``Hv = d/dw <grad_w f(w), v>``,
   against a finite difference of gradients, and the symmetry ``<u, Hv> = <v, Hu>``.
4. "The input-gradient of conv_transpose is conv": the backward of
   ``conv_transpose2d(x, w)`` applied to ``g`` equals ``conv2d(g, w)``, same bits.

Run: ``python examples/gradient_identities.py`` (a few seconds; ``--smoke`` is smaller;
``--out DIR`` also writes the report to ``DIR/metrics.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

import _metrics
import numpy as np

import minigrad as mg
import minigrad.nn.functional as F

MODES = ("zeros", "reflect", "replicate", "circular")


def tensor(rng: np.random.Generator, *shape: int, requires_grad: bool = False) -> mg.Tensor:
    return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, requires_grad=requires_grad)


def adjoint_tests(rng: np.random.Generator, size: int) -> None:
    print("1. adjoint test <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>")
    print(f"   x: (2, 3, {size}, {size}), w: (4, 3, 3, 3), stride 2, padding 1, dilation 1 and 2")
    x = tensor(rng, 2, 3, size, size)
    w = tensor(rng, 4, 3, 3, 3)
    for mode in MODES:
        for dilation in (1, 2):
            geometry = {"stride": 2, "padding": 1, "dilation": dilation}
            y_shape = F.conv2d(x, w, padding_mode=mode, **geometry).shape

            def forward(t: mg.Tensor, mode: str = mode, geometry: dict = geometry) -> mg.Tensor:
                return F.conv2d(t, w, padding_mode=mode, **geometry)

            def adjoint(t: mg.Tensor, mode: str = mode, geometry: dict = geometry) -> mg.Tensor:
                return F.conv_transpose2d(
                    t, w, padding_mode=mode, output_size=x.shape[-2:], **geometry
                )

            gap = mg.autograd.check_adjoint(forward, adjoint, x, tensor(rng, *y_shape))
            print(f"   {mode:>9}, dilation {dilation}: relative gap {gap:.1e}")


def directional_gap(fn, inputs: list[mg.Tensor], rng: np.random.Generator) -> float:
    """max over inputs of |FD directional derivative - <grad, v>| / |<grad, v>|, eps 1e-6."""
    output = fn(*inputs)
    weights = tensor(rng, *output.shape)
    grads = mg.autograd.grad((output * weights).sum(), inputs)
    worst = 0.0
    for index, (value, gradient) in enumerate(zip(inputs, grads)):
        direction = rng.standard_normal(value.shape)
        eps = 1e-6
        shifted = [t.detach() for t in inputs]
        shifted[index] = mg.tensor(value.detach().numpy() + eps * direction)
        plus = float((fn(*shifted) * weights).sum().item())
        shifted[index] = mg.tensor(value.detach().numpy() - eps * direction)
        minus = float((fn(*shifted) * weights).sum().item())
        numerical = (plus - minus) / (2 * eps)
        analytic = float((gradient.numpy() * direction).sum())
        worst = max(worst, abs(numerical - analytic) / abs(analytic))
    return worst


def derivative_checks(rng: np.random.Generator, size: int) -> None:
    print("2. gradcheck and gradgradcheck of conv_transpose2d (input, weight, bias), float64")
    for mode in MODES:
        y = tensor(rng, 1, 2, size, size, requires_grad=True)
        w = tensor(rng, 2, 3, 3, 3, requires_grad=True)
        b = tensor(rng, 3, requires_grad=True)

        def fn(y: mg.Tensor, w: mg.Tensor, b: mg.Tensor, mode: str = mode) -> mg.Tensor:
            return F.conv_transpose2d(
                y, w, b, stride=2, padding=1, output_padding=1, padding_mode=mode
            )

        first = mg.autograd.gradcheck(fn, (y, w, b))
        second = mg.autograd.gradgradcheck(fn, (y, w, b))
        gap = directional_gap(fn, [y, w, b], rng)
        print(
            f"   {mode:>9}: gradcheck {first}, gradgradcheck {second}, "
            f"directional derivative vs finite difference: relative gap {gap:.1e}"
        )


def hessian_vector_product(rng: np.random.Generator, size: int) -> None:
    print(
        "3. Hessian-vector product by double backward, f(w) = sum tanh(conv_transpose2d(x, w))^2"
    )
    x = tensor(rng, 2, 3, size, size)
    w = tensor(rng, 3, 2, 4, 4, requires_grad=True)
    u, v = rng.standard_normal(w.shape), rng.standard_normal(w.shape)

    def gradient(weight: mg.Tensor, create_graph: bool) -> mg.Tensor:
        out = F.conv_transpose2d(x, weight, stride=2, padding=1, padding_mode="reflect")
        (g,) = mg.autograd.grad((out.tanh() ** 2).sum(), weight, create_graph=create_graph)
        return g

    def hvp(direction: np.ndarray) -> np.ndarray:
        g = gradient(w, create_graph=True)
        (hv,) = mg.autograd.grad((g * mg.tensor(direction)).sum(), w)
        return hv.numpy()

    hv = hvp(v)
    eps = 1e-5
    plus = gradient(mg.tensor(w.detach().numpy() + eps * v, requires_grad=True), False)
    minus = gradient(mg.tensor(w.detach().numpy() - eps * v, requires_grad=True), False)
    finite = (plus.numpy() - minus.numpy()) / (2 * eps)
    error = np.abs(hv - finite).max() / np.abs(finite).max()
    print(f"   |Hv - (grad f(w + eps v) - grad f(w - eps v)) / 2 eps|_max / |.|_max = {error:.1e}")
    left, right = float((u * hv).sum()), float((v * hvp(u)).sum())
    print(
        f"   symmetry: <u, Hv> = {left:.12f}, <v, Hu> = {right:.12f}, "
        f"relative gap {abs(left - right) / abs(left):.1e}"
    )


def transpose_gradient_is_conv(rng: np.random.Generator, size: int) -> None:
    print("4. the input-gradient of conv_transpose2d is conv2d with the same weight")
    geometry = {"stride": 2, "padding": 1, "dilation": 2}
    x = tensor(rng, 2, 4, size, size, requires_grad=True)
    w = tensor(rng, 4, 3, 3, 3)
    out = F.conv_transpose2d(x, w, **geometry)
    g = tensor(rng, *out.shape)
    (through_backward,) = mg.autograd.grad(out, x, g)
    direct = F.conv2d(g, w, **geometry)
    difference = np.abs(through_backward.numpy() - direct.numpy()).max()
    print(
        f"   output {out.shape}; max |grad_x - conv2d(g, w)| = {difference:.1e} "
        f"(over {direct.numpy().size} elements)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="smaller inputs, for the tests")
    parser.add_argument("--out", help="also write the report to OUT/metrics.json")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    size = 3 if args.smoke else 5
    start = time.perf_counter()
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        adjoint_tests(rng, 2 * size + 1)
        derivative_checks(rng, size - 1)
        hessian_vector_product(rng, size)
        transpose_gradient_is_conv(rng, size)
    seconds = time.perf_counter() - start
    print(report.getvalue(), end="")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        lines = report.getvalue().splitlines()
        _metrics.write(out, {"seed": args.seed, "smoke": args.smoke, "report": lines}, seconds)


if __name__ == "__main__":
    main()
