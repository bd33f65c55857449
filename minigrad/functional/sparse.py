"""Lookups by index: ``embedding`` (rows of a weight matrix) and ``one_hot``.

``embedding`` is a gather, ``weight[input]``, whose adjoint scatters the gradient rows
back and adds those of repeated indices; PyTorch's gradient weights (no gradient for
``padding_idx``, 1/count with ``scale_grad_by_freq``) are a constant factor on the
gathered rows' gradient, so the gradient stays differentiable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import _checks, _inplace
from minigrad.autograd import no_grad
from minigrad.functional._arguments import check_flag, check_number, check_tensor
from minigrad.ops.elementwise.activation import ScaleGrad
from minigrad.ops.index import GetItem
from minigrad.tensor import Tensor

__all__ = ["embedding", "one_hot"]

# Added to a row's norm before dividing by it, as PyTorch's renormalisation does.
_RENORM_EPS = 1e-7


def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` named by ``input``: ``out[..., :] = weight[input[...], :]``.

    Shapes: input ``(*)`` of integers in [0, V), weight ``(V, D)`` -> ``(*, D)``.

    Args:
        input: an int32 or int64 tensor of indices.
        weight: the ``(V, D)`` table.
        padding_idx: a row (negative counts from the end) that gets no gradient.
        max_norm: if given, each row looked up whose ``norm_type``-norm exceeds it is
            rescaled in place, under no_grad, to norm ``max_norm`` (as PyTorch:
            ``row *= max_norm / (norm + 1e-7)``) before the lookup.
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs
            in ``input``.
        sparse: sparse gradients are not supported; only False.

    Returns:
        A tensor of shape ``input.shape + (D,)``, weight's dtype.

    >>> import minigrad as mg
    >>> weight = mg.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> embedding(mg.tensor([[2, 0]]), weight)
    tensor([[[4., 5.],
             [0., 1.]]])
    """
    indices = _check_indices(input, "embedding")
    check_tensor(weight, "weight", "embedding", floating=False)
    if weight.ndim != 2:
        raise ValueError(
            f"embedding: weight: expected a 2-D (V, D) tensor, got shape {weight.shape}"
        )
    count = weight.shape[0]
    padding = _check_padding_idx(padding_idx, count, "embedding")
    freq = check_flag(scale_grad_by_freq, "scale_grad_by_freq", "embedding")
    if check_flag(sparse, "sparse", "embedding"):
        raise ValueError("embedding: sparse: sparse gradients are not supported, got True")
    p = check_number(norm_type, "norm_type", "embedding")
    limit = None if max_norm is None else check_number(max_norm, "max_norm", "embedding")
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].reshape(-1)[0]
        raise IndexError(
            f"embedding: input: index {bad} is out of range for a weight of {count} rows"
        )
    if limit is not None:
        _renorm(weight, indices, limit, p)
    rows = GetItem.apply(weight, index=(indices,))
    if not rows.requires_grad or (padding is None and not freq):
        return rows
    scale = np.ones(indices.shape, dtype=np.float64)
    if freq:
        scale = scale / np.bincount(indices.reshape(-1), minlength=count)[indices]
    if padding is not None:
        scale[indices == padding] = 0.0
    return ScaleGrad.apply(rows, scale=scale[..., None])


def _check_indices(input: Any, op: str) -> np.ndarray:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input: expected a Tensor of indices, got {type(input).__name__}")
    if input.dtype not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise TypeError(f"{op}: input: expected an int64 or int32 tensor, got dtype {input.dtype}")
    return np.asarray(input.numpy())


def _check_padding_idx(padding_idx: Any, count: int, op: str) -> int | None:
    """``padding_idx`` as a row in [0, count), or None."""
    if padding_idx is None:
        return None
    if not _checks.is_int(padding_idx):
        raise TypeError(
            f"{op}: padding_idx: expected an int or None, got {type(padding_idx).__name__}"
        )
    if not -count <= padding_idx < count:
        raise ValueError(
            f"{op}: padding_idx: expected a row in [-{count}, {count}) (num_embeddings = "
            f"{count}), got {padding_idx}"
        )
    return int(padding_idx) % count


def _renorm(weight: Tensor, indices: np.ndarray, max_norm: float, p: float) -> None:
    """Rescale, in place, the looked-up rows whose p-norm exceeds ``max_norm``."""
    rows = np.unique(indices)
    values = weight.detach().numpy()[rows]
    norms = _row_norms(values, p)
    too_long = norms > max_norm
    if not too_long.any():
        return
    kind = values.dtype.type
    factors = kind(max_norm) / (norms[too_long] + kind(_RENORM_EPS))
    scaled = values[too_long] * factors[:, None].astype(values.dtype, copy=False)
    with no_grad():
        _inplace.set_item(weight, (rows[too_long],), Tensor._wrap(scaled))


def _row_norms(values: np.ndarray, p: float) -> np.ndarray:
    magnitudes = np.abs(values)
    if p == math.inf:
        norms = magnitudes.max(axis=1, initial=0)
    elif p == -math.inf:
        norms = magnitudes.min(axis=1, initial=math.inf)
    elif p == 0:
        norms = (magnitudes != 0).sum(axis=1)
    else:
        kind = values.dtype.type
        norms = (magnitudes ** kind(p)).sum(axis=1) ** kind(1 / p)
    return np.asarray(norms, dtype=values.dtype)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``out[..., c] = 1 if tensor[...] == c else 0``, an int64 tensor.

    Shapes: ``(*) -> (*, num_classes)``; ``num_classes=-1`` takes ``tensor.max() + 1``.

    >>> import minigrad as mg
    >>> one_hot(mg.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: tensor: expected a Tensor, got {type(tensor).__name__}")
    if tensor.dtype != np.dtype(np.int64):
        raise TypeError(f"one_hot: tensor: expected an int64 tensor, got dtype {tensor.dtype}")
    if not _checks.is_int(num_classes) or num_classes < -1:
        raise ValueError(
            f"one_hot: num_classes: expected -1 or a non-negative int, got {num_classes!r}"
        )
    values = np.asarray(tensor.numpy())
    if values.size and values.min() < 0:
        raise ValueError(
            f"one_hot: tensor: expected non-negative class values, got {values.min()}"
        )
    if num_classes == -1:
        if values.size == 0:
            raise ValueError(
                "one_hot: num_classes: cannot infer the number of classes from an empty "
                "tensor; pass num_classes"
            )
        num_classes = int(values.max()) + 1
    elif values.size and values.max() >= num_classes:
        raise ValueError(
            f"one_hot: tensor: expected class values below num_classes = {num_classes}, got "
            f"{values.max()}"
        )
    out = np.zeros(values.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, values[..., None], 1, axis=-1)
    return Tensor._wrap(out)
