"""Array-level kernels: numpy in, numpy out; no Tensor, no autograd.

The public names below are what ops call: the fast Numba/BLAS kernels of
:mod:`minigrad.kernels.conv`, :mod:`minigrad.kernels.pad`, :mod:`minigrad.kernels.norm`,
:mod:`minigrad.kernels.activation`, :mod:`minigrad.kernels.linalg` and
:mod:`minigrad.kernels.optim`. The conv and pad kernels' slow loop twins, with the same
signatures, stay importable as :mod:`minigrad.kernels.reference`; the other kernels'
numpy twins live in their tests.
"""

from minigrad.kernels import reference
from minigrad.kernels._memory import keep_freed_memory
from minigrad.kernels.activation import leaky_relu
from minigrad.kernels.conv import (
    conv_and_weight_grad,
    conv_transpose_valid,
    conv_valid,
    conv_weight_grad,
)
from minigrad.kernels.linalg import matmul, qr
from minigrad.kernels.norm import (
    batch_norm_forward,
    batch_norm_input_grad,
    batch_norm_statistics,
    channel_dot,
    channel_sum,
    channel_sum_and_dot,
)
from minigrad.kernels.optim import adam_update
from minigrad.kernels.pad import fold_padding, pad_by_mode

# Fresh MB-sized arrays page-fault on every page: keep freed ones for reuse (see _memory).
keep_freed_memory()

__all__ = [
    "adam_update",
    "batch_norm_forward",
    "batch_norm_input_grad",
    "batch_norm_statistics",
    "channel_dot",
    "channel_sum",
    "channel_sum_and_dot",
    "conv_and_weight_grad",
    "conv_transpose_valid",
    "conv_valid",
    "conv_weight_grad",
    "fold_padding",
    "leaky_relu",
    "matmul",
    "pad_by_mode",
    "qr",
    "reference",
]
