"""ICNR against the default initialisation: a constant input through a transposed
convolution.

``nn.init.icnr_`` (Aitken et al., 2017, *Checkerboard artifact free sub-pixel
convolution*) sets a transposed convolution's weight to a sub-kernel convolved with
a box of ``s`` ones: nearest-neighbour upsampling followed by a convolution. Then
the taps landing on every output phase sum to the same number, and a constant input
gives a constant output away from the borders, however unevenly the stamps overlap.
minigrad's ``icnr_`` is written for a transposed-convolution weight
``(C_in, C_out/g, *k)``, so that is the layer drawn here; for a ``Conv2d`` followed
by ``PixelShuffle`` the weight must first be viewed as docs/examples/superres_digits.md
shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure, SubFigure

from minigrad import _checks
from minigrad.autograd.grad_mode import no_grad
from minigrad.factories import ones
from minigrad.nn.conv import ConvTranspose2d
from minigrad.nn.init import icnr_
from minigrad.viz import _args, _draw
from minigrad.viz.overlap import interior

__all__ = ["IcnrOutputs", "icnr_comparison", "icnr_outputs"]


@dataclass(frozen=True)
class IcnrOutputs:
    """A constant input through one transposed convolution, initialised two ways.

    Attributes:
        default_weight: ``(C_in, 1, k, k)``, ``nn.ConvTranspose2d``'s own initialisation.
        icnr_weight: ``(C_in, 1, k, k)``, after ``nn.init.icnr_(weight, stride)``.
        default: ``(H_out, W_out)``, the output of ones through the first (no bias).
        icnr: ``(H_out, W_out)``, the same through the second.
        interior: per dim, ``(start, end)``: the outputs that get every tap of their
            phase ([`minigrad.viz.overlap.interior`][]), where ICNR's output is flat.
    """

    default_weight: np.ndarray
    icnr_weight: np.ndarray
    default: np.ndarray
    icnr: np.ndarray
    interior: tuple[tuple[int, int], ...]


def icnr_outputs(
    in_channels: int, kernel_size: int, stride: int, padding: int = 0, *, input_size: int = 6
) -> IcnrOutputs:
    """The arrays [`icnr_comparison`][] draws: ones ``(1, C_in, n, n)`` through
    ``nn.ConvTranspose2d(C_in, 1, k, s, p, bias=False)``, once as the layer is built
    and once after ``nn.init.icnr_``.

    ``icnr_`` is written for a transposed-convolution weight ``(C_in, C_out, *k)``;
    for a ``Conv2d`` followed by ``PixelShuffle``, the weight must first be viewed
    the way docs/examples/superres_digits.md shows. The weights are drawn from
    minigrad's generator: call ``mg.manual_seed`` first for the same picture.

    Args:
        in_channels: C_in, positive.
        kernel_size: k, at least ``stride`` (``icnr_`` needs it).
        stride: s, positive.
        padding: p, non-negative.
        input_size: n, positive.

    Returns:
        An [`IcnrOutputs`][].

    Raises:
        TypeError: an argument is not an int.
        ValueError: a bad value, ``kernel_size < stride``, or an empty output.

    Examples:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> from minigrad.viz import icnr_outputs
        >>> mg.manual_seed(0)
        >>> out = icnr_outputs(3, 3, 2, input_size=5)
        >>> (r0, r1), (c0, c1) = out.interior
        >>> inner = out.icnr[r0:r1, c0:c1]
        >>> bool(np.ptp(inner) < 1e-12), bool(np.ptp(out.default[r0:r1, c0:c1]) > 1e-3)
        (True, True)
    """
    call = "icnr_outputs"
    values = {"in_channels": in_channels, "kernel_size": kernel_size, "stride": stride,
              "padding": padding, "input_size": input_size}  # fmt: skip
    for name, value in values.items():
        if not _checks.is_int(value):
            raise TypeError(f"{call}: {name}: expected an int, got {type(value).__name__}")
    _args.sizes(in_channels, 1, "in_channels", call)
    if kernel_size < stride:
        raise ValueError(
            f"{call}: kernel_size: expected at least the stride {stride} (icnr_ needs "
            f"k >= s), got {kernel_size}"
        )
    sizes = _args.sizes(input_size, 2, "input_size", call)
    kernel = _args.sizes(kernel_size, 2, "kernel_size", call)
    geometry = _args.geometry(call, sizes, kernel, stride, padding, 1, 0)
    plain = ConvTranspose2d(in_channels, 1, kernel_size, stride, padding, bias=False,
                            dtype=np.float64)  # fmt: skip
    icnr = ConvTranspose2d(in_channels, 1, kernel_size, stride, padding, bias=False,
                           dtype=np.float64)  # fmt: skip
    icnr_(icnr.weight, stride)
    flat = ones(1, in_channels, input_size, input_size, dtype=np.float64)
    with no_grad():
        default_output = plain(flat).numpy()[0, 0]
        icnr_output = icnr(flat).numpy()[0, 0]
    return IcnrOutputs(plain.weight.detach().numpy().copy(), icnr.weight.detach().numpy().copy(),
                       default_output, icnr_output, interior(geometry))  # fmt: skip


def icnr_comparison(
    in_channels: int,
    kernel_size: int,
    stride: int,
    padding: int = 0,
    *,
    input_size: int = 6,
    fig: Figure | SubFigure | None = None,
) -> Figure:
    """Draw a constant input through a transposed convolution with its default
    initialisation and with ``nn.init.icnr_``: a checkerboard, and a flat interior.

    Panels: the default layer's output, the ICNR layer's output (one colour scale;
    the dashed frame is the interior, where every tap has an input) and the middle
    row of both. Arguments as [`icnr_outputs`][].

    Args:
        in_channels: C_in.
        kernel_size: k.
        stride: s.
        padding: p.
        input_size: n.
        fig: a Figure or SubFigure to draw into; by default a new Figure.

    Returns:
        The Figure.

    Raises:
        TypeError, ValueError: as [`icnr_outputs`][].

    Examples:
        >>> from minigrad.viz import icnr_comparison
        >>> fig = icnr_comparison(3, 3, 2, input_size=5)
        >>> [ax.get_title() for ax in fig.axes[:3]]  # doctest: +ELLIPSIS
        ['default init: interior spread ...', 'icnr_: interior spread 0', 'middle row']
    """
    outputs = icnr_outputs(in_channels, kernel_size, stride, padding, input_size=input_size)
    fig = _draw.new_figure(fig, (10.5, 3.9))
    axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.3])
    (r0, r1), (c0, c1) = outputs.interior
    inside = (slice(r0, r1), slice(c0, c1))
    has_inside = r1 > r0 and c1 > c0
    # Each output less its interior mean, on one scale: the two layers' outputs differ
    # in size (their initialisers scale differently); the picture is about evenness.
    deviations = [
        output - (output[inside].mean() if has_inside else output.mean())
        for output in (outputs.default, outputs.icnr)
    ]
    limit = _draw.limit_of(*[d[inside] if has_inside else d for d in deviations])
    names = ("default init", "icnr_")
    image = None
    for ax, output, deviation, name in zip(
        axes, (outputs.default, outputs.icnr), deviations, names
    ):
        image = _draw.cells(ax, deviation, limit=limit, annotate=False)
        if has_inside:
            _draw.outline(ax, (r0, r1), (c0, c1), "black")
        spread = float(np.ptp(output[inside])) if has_inside else 0.0
        scale = float(np.abs(output).max())
        ax.set_title(f"{name}: interior spread {_spread(spread, scale)}", fontsize=9)
    assert image is not None
    colorbar = fig.colorbar(image, ax=list(axes[:2]), shrink=0.8, location="bottom", aspect=40)
    colorbar.set_label("output − its mean inside the dashed frame", fontsize=8)
    middle = outputs.default.shape[0] // 2
    positions = np.arange(outputs.default.shape[1])
    profile = axes[2]
    profile.plot(positions, outputs.default[middle], "o-", color="#d62728", label=names[0])
    profile.plot(positions, outputs.icnr[middle], "s-", color="#1f77b4", label=names[1])
    profile.axvspan(c0 - 0.5, c1 - 0.5, color="#eeeeee", zorder=0, label="interior")
    profile.set_title("middle row", fontsize=9)
    profile.set_xlabel("output column", fontsize=8)
    profile.tick_params(labelsize=7)
    profile.legend(fontsize=7, loc="lower center")
    fig.suptitle(
        f"Ones through ConvTranspose2d({in_channels}, 1, {kernel_size}, stride={stride}"
        + (f", padding={padding}" if padding else "")
        + "): default initialisation and ICNR",
        fontsize=10,
    )
    return _draw.root(fig)


def _spread(spread: float, limit: float) -> str:
    """The interior's max - min; 0 when it is rounding noise next to the values."""
    return "0" if spread <= 1e-12 * limit else f"{spread:.2g}"
