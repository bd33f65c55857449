"""Convolution kernels: one named geometry, five paths, one routing table.

Notation as in ``minigrad.ops.conv``; every array is 3-d in space (a lower rank is
lifted with size-1 dims), and a ``Geometry`` holds the rest::

    x: (N, C_in, *L_x)     w: (C_out, C_in/g, *k)     y: (N, C_out, *L_y)

The four kernels read one trilinear form ``T(x, w, y) = <conv_valid(x, w), y>`` (see
``reference`` for it written out) and are each other's adjoints:

    conv_valid(x, w, geometry)              -> y       dT/dy, the cross-correlation
    conv_transpose_valid(y, w, geometry)    -> x       dT/dx, its adjoint in x
    conv_weight_grad(x, y, geometry)        -> w       dT/dw, its adjoint in w
    conv_and_weight_grad(x, w, y, geometry) -> (conv_valid(x, w), conv_weight_grad(x, y))

Five paths implement all four, each a module with these four functions, and they
never import one another:

- ``im2col``: im2col / GEMM / col2im, for every geometry;
- ``winograd``: Winograd F(2, 2) on the stride phases, fewer multiplications for
  the kernels that span at most two strides (DCGAN's k4 s2 layers);
- ``winograd3``: Winograd F(2x2, 3x3), for stride-1 3x3 layers (the small decoders'
  and U-Nets' convolutions on 4x4 to 16x16 images);
- ``direct``: the sums with the batch innermost, for layers with few filters per
  group (a critic's last layer, an image layer), where im2col's columns outweigh its GEMM;
- ``reference``: the textbook loops, for reading and for checking the others.

``route`` below is the one place that chooses between them, from the geometry and
the operands' sizes and dtype. Each kernel here asks it, runs the path it names, and
takes one detour: a Winograd result that path cannot vouch for (an inf or NaN mixed
into a tile by its transforms, see ``winograd.trustworthy``; the 3x3 path tests the
same sum of squares) comes back as None, and is computed again on the im2col path,
so that every path gives the direct sums' NaN and inf. The work splitting and thread
policy that im2col and the Winograd paths follow is written once, in
``minigrad.kernels._threads``; the direct path's small layers run in one serial loop
nest.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from minigrad.kernels import backend
from minigrad.kernels.conv import direct, im2col, reference, winograd, winograd3
from minigrad.kernels.conv.geometry import NO_PADDING, Geometry, Pair, Triple


def route(geometry: Geometry, n: int, c_out: int, c_in: int, dtype: np.dtype) -> ModuleType:
    """The routing table: the path that runs a kernel of this geometry on a batch of n,
    with w of shape ``(C_out, C_in/g, *k)`` and ``c_in`` = C_in/g. The first line that
    holds wins.

    >>> small = Geometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 8, 8), (1, 6, 6))
    >>> route(small, 2, 4, 3, np.float32).__name__
    'minigrad.kernels.conv.im2col'
    """
    if backend.reference():
        return reference  # MINIGRAD_KERNELS=reference, or inside kernels.use("reference")
    if direct.takes(geometry, n, c_out, c_in, dtype):
        return direct  # at most direct.THIN filters per group, a batch of at least MIN_BATCH
    if winograd.takes(geometry, n, c_out, c_in, dtype):
        return winograd  # groups 1, dilation 1, k <= 2 s, wide, big and tiled enough
    if winograd3.takes(geometry, n, c_out, c_in, dtype):
        return winograd3  # groups 1, stride 1, dilation 1, 3x3, wide and big enough
    return im2col  # every other call


def conv_valid(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Cross-correlation, ``x: (N, C_in, *L_x) -> y: (N, C_out, *L_y)``.

    ``y[n, o, p] = sum_{c, t} x[n, group(o) c, s*p + d*t - before] * w[o, c, t]``, x
    read as zero outside ``[0, L_x)`` (zero padding fused in); exactly
    ``L_y = geometry.y_size`` positions are computed.

    >>> x = np.ones((1, 1, 1, 1, 4), np.float32)
    >>> w = np.ones((1, 1, 1, 1, 2), np.float32)
    >>> geometry = Geometry((1, 1, 1), (1, 1, 1), (1, 1, 2), 1, (1, 1, 4), (1, 1, 3))
    >>> conv_valid(x, w, geometry).ravel()
    array([2., 2., 2.], dtype=float32)
    """
    assert x.shape[2:] == geometry.x_size and w.shape[2:] == geometry.kernel_size, geometry
    path = route(geometry, x.shape[0], w.shape[0], w.shape[1], x.dtype)
    y = path.conv_valid(x, w, geometry)
    if y is None:  # a Winograd result it could not vouch for
        y = im2col.conv_valid(x, w, geometry)
    return y


def conv_transpose_valid(y: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x, ``y: (N, C_out, *L_y) -> x: (N, C_in, *L_x)``.

    ``<conv_valid(x, w), y> == <x, conv_transpose_valid(y, w)>``; ``L_x =
    geometry.x_size``, positions no tap reaches are zero, and taps landing in the zero
    padding (outside ``[0, L_x)`` once shifted by ``before``) are dropped.

    >>> y = np.ones((1, 1, 1, 1, 3), np.float32)
    >>> w = np.ones((1, 1, 1, 1, 2), np.float32)
    >>> geometry = Geometry((1, 1, 1), (1, 1, 1), (1, 1, 2), 1, (1, 1, 4), (1, 1, 3))
    >>> conv_transpose_valid(y, w, geometry).ravel()
    array([1., 2., 2., 1.], dtype=float32)
    """
    assert y.shape[2:] == geometry.y_size and w.shape[2:] == geometry.kernel_size, geometry
    path = route(geometry, y.shape[0], w.shape[0], w.shape[1], y.dtype)
    x = path.conv_transpose_valid(y, w, geometry)
    if x is None:  # a Winograd result it could not vouch for
        x = im2col.conv_transpose_valid(y, w, geometry)
    return x


def conv_weight_grad(x: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in w, ``x, y -> w: (C_out, C_in/g, *k)``.

    ``<conv_valid(x, w), y> == <w, conv_weight_grad(x, y)>``.

    >>> x = np.arange(4, dtype=np.float64).reshape(1, 1, 1, 1, 4)
    >>> y = np.ones((1, 1, 1, 1, 3))
    >>> geometry = Geometry((1, 1, 1), (1, 1, 1), (1, 1, 2), 1, (1, 1, 4), (1, 1, 3))
    >>> conv_weight_grad(x, y, geometry).ravel()
    array([3., 6.])
    """
    assert x.shape[2:] == geometry.x_size and y.shape[2:] == geometry.y_size, geometry
    c_in = x.shape[1] // geometry.groups
    path = route(geometry, x.shape[0], y.shape[1], c_in, x.dtype)
    w = path.conv_weight_grad(x, y, geometry)
    if w is None:  # a Winograd result it could not vouch for
        w = im2col.conv_weight_grad(x, y, geometry)
    return w


def conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, geometry: Geometry
) -> tuple[np.ndarray, np.ndarray]:
    """``(conv_valid(x, w), conv_weight_grad(x, y))`` from one pass over x: both products
    of each batch block read the same im2col columns (or Winograd windows).

    This is a transposed convolution's backward (x its output gradient, y its input);
    building the columns once saves a pass over them. The weight gradient equals
    ``conv_weight_grad``'s bit for bit (same blocks, GEMMs and summation order); the
    conv output is cut into those blocks too, and BLAS may round a product with another
    number of columns differently (one column is a GEMV), so it agrees with
    ``conv_valid``'s to rounding, and to the bit when the blocks coincide.

    >>> x = np.arange(4, dtype=np.float64).reshape(1, 1, 1, 1, 4)
    >>> w, y = np.ones((1, 1, 1, 1, 2)), np.ones((1, 1, 1, 1, 3))
    >>> geometry = Geometry((1, 1, 1), (1, 1, 1), (1, 1, 2), 1, (1, 1, 4), (1, 1, 3))
    >>> out, grad_w = conv_and_weight_grad(x, w, y, geometry)
    >>> out.ravel(), grad_w.ravel()
    (array([1., 3., 5.]), array([3., 6.]))
    """
    assert x.shape[2:] == geometry.x_size and y.shape[2:] == geometry.y_size, geometry
    assert w.shape[2:] == geometry.kernel_size, geometry
    path = route(geometry, x.shape[0], w.shape[0], w.shape[1], x.dtype)
    pair = path.conv_and_weight_grad(x, w, y, geometry)
    if pair is None:  # a Winograd result it could not vouch for
        pair = im2col.conv_and_weight_grad(x, w, y, geometry)
    return pair


__all__ = [
    "NO_PADDING",
    "Geometry",
    "Pair",
    "Triple",
    "conv_and_weight_grad",
    "conv_transpose_valid",
    "conv_valid",
    "conv_weight_grad",
    "route",
]
