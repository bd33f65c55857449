"""``Embedding``: a learnt table of ``num_embeddings`` vectors, looked up by index."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, devices, dtypes
from minigrad import functional as F
from minigrad.autograd import no_grad
from minigrad.functional._arguments import check_flag, check_number, check_tensor
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class Embedding(Module):
    """A lookup table: ``(*)`` integer indices -> ``(*, embedding_dim)`` rows of ``weight``.

    ``weight``: ``(num_embeddings, embedding_dim)``, initialised N(0, 1) as PyTorch's,
    with the ``padding_idx`` row (if any) set to zero; that row gets no gradient. For
    ``max_norm``, ``norm_type`` and ``scale_grad_by_freq`` see
    [`minigrad.functional.embedding`][]; ``sparse`` must be False.

    >>> import minigrad as mg
    >>> table = mg.nn.Embedding(10, 3, padding_idx=0)
    >>> table, table(mg.tensor([[1, 2], [0, 9]])).shape
    (Embedding(10, 3, padding_idx=0), (2, 2, 3))
    >>> table.weight[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not _checks.is_int(value) or value < 0:
                raise ValueError(f"Embedding: {name}: expected a non-negative int, got {value!r}")
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        if padding_idx is not None:
            if not _checks.is_int(padding_idx):
                raise TypeError(
                    f"Embedding: padding_idx: expected an int or None, got "
                    f"{type(padding_idx).__name__}"
                )
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx: expected a row in [-{num_embeddings}, "
                    f"{num_embeddings}), got {padding_idx}"
                )
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        if max_norm is not None:
            check_number(max_norm, "max_norm", "Embedding")
        self.max_norm = max_norm
        check_number(norm_type, "norm_type", "Embedding")
        self.norm_type = norm_type
        self.scale_grad_by_freq = check_flag(scale_grad_by_freq, "scale_grad_by_freq", "Embedding")
        if check_flag(sparse, "sparse", "Embedding"):
            raise ValueError("Embedding: sparse: sparse gradients are not supported, got True")
        self.sparse = False
        if device is not None:
            devices.as_device(device)
        if _weight is None:
            chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)
            shape = (self.num_embeddings, self.embedding_dim)
            self.weight = Parameter(np.empty(shape, dtype=chosen), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            check_tensor(_weight, "_weight", "Embedding")
            if _weight.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"Embedding: _weight: expected shape ({num_embeddings}, {embedding_dim}), "
                    f"got {_weight.shape}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1), then zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*, embedding_dim)``: the weight's row for each index of ``input`` (rows
        renormalised to ``max_norm`` first, in place, if it is given).
        """
        return F.embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D: rows are the vectors),
        learnt unless ``freeze``. The padding row is not zeroed, as in PyTorch.

        >>> import minigrad as mg
        >>> table = mg.nn.Embedding.from_pretrained(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> table(mg.tensor([1])), table.weight.requires_grad
        (tensor([[3., 4.]]), False)
        """
        check_tensor(embeddings, "embeddings", "Embedding.from_pretrained")
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings: expected a 2-D tensor, got shape "
                f"{embeddings.shape}"
            )
        rows, columns = embeddings.shape
        return cls(
            rows,
            columns,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=embeddings,
            _freeze=check_flag(freeze, "freeze", "Embedding.from_pretrained"),
        )
