"""``grad(..., is_grads_batched=True)``: one backward per row of the batched
``grad_outputs``, the answers stacked along a new leading dim.

PyTorch vectorises this with vmap; a loop gives the same numbers. The graph is kept
for every row but the last, which frees it unless ``retain_graph`` says otherwise.
The stacking is an op of its own (rows in, a stacked tensor out, each row's gradient
a slice), so that with ``create_graph=True`` the answers are differentiable again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.tensor import Tensor


class StackRows(Function):
    """out = stack(rows, dim 0).   d row_b = grad[b]."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, *rows: np.ndarray, **params: Any) -> np.ndarray:
        return np.stack(rows)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return tuple(
            grad[row] if needed else None for row, needed in enumerate(ctx.needs_input_grad)
        )


RowGradients = Callable[[list[Tensor], bool], list[Tensor | None]]


def grad_rows(
    gradients: RowGradients, rows: list[list[Tensor]], retain_graph: bool
) -> list[Tensor | None]:
    """Run ``gradients(seeds, retain_graph)`` once per row and stack what each input
    got; an input that no row reaches stays None.
    """
    per_row = []
    for index, seeds in enumerate(rows):
        last = index == len(rows) - 1
        per_row.append(gradients(seeds, retain_graph if last else True))
    stacked: list[Tensor | None] = []
    for column in zip(*per_row):
        if column[0] is None:
            stacked.append(None)
        else:
            stacked.append(StackRows.apply(*column))
    return stacked
