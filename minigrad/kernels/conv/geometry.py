"""The geometry of a convolution: the one named value every conv kernel path reads.

Notation as in ``minigrad.ops.conv``: ``x: (N, C_in, *L_x)``,
``w: (C_out, C_in/g, *k)``, ``y: (N, C_out, *L_y)``, always 3-d in space (a lower rank
being the trailing dims after size-1 ones).
"""

from __future__ import annotations

from dataclasses import dataclass

Triple = tuple[int, int, int]
Pair = tuple[int, int]
NO_PADDING: tuple[Pair, Pair, Pair] = ((0, 0), (0, 0), (0, 0))


@dataclass(frozen=True)
class Geometry:
    """Everything the conv kernels need besides arrays, for 3-d spatial arrays.

    ``x_size`` (L_x, unpadded) and ``y_size`` (L_y) are both pinned. Normally
    ``L_y = floor((L_x + p_before + p_after - d (k - 1) - 1) / s) + 1``, but a
    transposed convolution with ``output_padding >= stride`` (legal when it is below
    ``dilation``) has an L_x larger than the natural pre-image of its L_y; pinning both
    keeps the ops exact adjoints in every legal case. The public layer builds and
    validates it (the ops know it as ``ConvGeometry``); the ops and the kernels trust it.
    Its numbers are plain Python ints, so that Numba compiles one signature per dtype.

    Attributes:
        stride: s per spatial dim.
        dilation: d per spatial dim.
        kernel_size: k per spatial dim.
        groups: g.
        x_size: L_x, the spatial size on the x side, without the padding.
        y_size: L_y, the spatial size on the y side.
        padding: zero padding (before, after) per spatial dim, fused into the kernels:
            tap t of position p reads x at ``s*p + d*t - before``, zero outside x.
    """

    stride: Triple
    dilation: Triple
    kernel_size: Triple
    groups: int
    x_size: Triple
    y_size: Triple
    padding: tuple[Pair, Pair, Pair] = NO_PADDING

    def __post_init__(self) -> None:
        """Assert the invariants: L_y >= 1, the last tap of the last output reads inside
        the padded x, and no padding is negative.
        """
        for dim in range(3):
            before, after = self.padding[dim]
            span = self.dilation[dim] * (self.kernel_size[dim] - 1) + 1
            last_read = (self.y_size[dim] - 1) * self.stride[dim] + span
            padded = before + self.x_size[dim] + after
            assert self.y_size[dim] >= 1 and last_read <= padded, self
            assert before >= 0 and after >= 0, self

    @property
    def before(self) -> Triple:
        """The zero padding before each spatial dim: all the kernels need of it."""
        return (self.padding[0][0], self.padding[1][0], self.padding[2][0])
