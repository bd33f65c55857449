"""Array-level kernels: numpy in, numpy out; no Tensor, no autograd.

The public names below are what ops call. ``reference`` holds slow loop twins.
"""

from minigrad.kernels.reference import (
    conv_transpose_valid,
    conv_valid,
    conv_weight_grad,
    fold_padding,
    pad_by_mode,
)

__all__ = ["conv_transpose_valid", "conv_valid", "conv_weight_grad", "fold_padding", "pad_by_mode"]
