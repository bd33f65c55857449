"""Array-level kernels: numpy in, numpy out; no Tensor, no autograd.

The public names below are what ops call. One package or module per family:
``minigrad.kernels.conv`` (the convolutions: one named geometry, the im2col,
Winograd and reference paths, and the routing table that chooses between them),
``minigrad.kernels.pad``, ``minigrad.kernels.linalg``, ``minigrad.kernels.norm``,
``minigrad.kernels.activation``, ``minigrad.kernels.shuffle`` and
``minigrad.kernels.optim``; ``minigrad.kernels._threads`` holds the thread and
work-splitting policy that every fast kernel follows.

``minigrad.kernels.backend`` says which kernels run: the fast ones, or (with
``MINIGRAD_KERNELS=reference``, or inside ``use("reference")``) the reference ones. The
textbook twins of the conv, pad and matmul kernels, with the same signatures, are in
``minigrad.kernels.reference``.

``keep_freed_memory`` is an opt-in for training scripts: it asks glibc's malloc to
keep freed memory for reuse, which spares MB-sized arrays their page faults (see
``minigrad.kernels._memory``). Importing minigrad never changes malloc by itself.
"""

from minigrad.kernels import _memory, backend, reference
from minigrad.kernels._memory import keep_freed_memory
from minigrad.kernels.activation import (
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
)
from minigrad.kernels.backend import use
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

# Changing malloc is process-wide: only when asked (see _memory).
if _memory.requested():
    keep_freed_memory()

__all__ = [
    "keep_freed_memory",
    "backend",
    "use",
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
    "leaky_relu_backward",
    "matmul",
    "pad_by_mode",
    "qr",
    "reference",
    "relu",
    "relu_backward",
    "sigmoid",
]
