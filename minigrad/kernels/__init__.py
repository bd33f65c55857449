"""Array-level kernels: numpy in, numpy out; no Tensor, no autograd.

The public names below are what ops call: the fast Numba/BLAS kernels of
:mod:`minigrad.kernels.conv` and :mod:`minigrad.kernels.pad`. Their slow loop twins,
with the same signatures, stay importable as :mod:`minigrad.kernels.reference`.
"""

from minigrad.kernels import reference
from minigrad.kernels._memory import keep_freed_memory
from minigrad.kernels.conv import (
    conv_and_weight_grad,
    conv_transpose_valid,
    conv_valid,
    conv_weight_grad,
)
from minigrad.kernels.pad import fold_padding, pad_by_mode

# Fresh MB-sized arrays page-fault on every page: keep freed ones for reuse (see _memory).
keep_freed_memory()

__all__ = [
    "conv_and_weight_grad",
    "conv_transpose_valid",
    "conv_valid",
    "conv_weight_grad",
    "fold_padding",
    "pad_by_mode",
    "reference",
]
