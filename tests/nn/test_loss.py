"""Loss layers against torch; class weights are buffers, as in torch."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_matches_torch(torch, reduction):
    logits, probabilities = randn(4, 3), 1 / (1 + np.exp(-randn(4, 3, seed=1)))
    labels = np.array([0, 2, 1, 2])
    weight = np.array([0.5, 1.0, 2.0])
    cases = [
        ("MSELoss", {}, logits, probabilities),
        ("BCELoss", {"weight": weight}, probabilities, probabilities[::-1].copy()),
        ("BCEWithLogitsLoss", {"pos_weight": weight}, logits, probabilities),
        ("CrossEntropyLoss", {"weight": weight, "label_smoothing": 0.1}, logits, labels),
    ]
    for name, options, x, y in cases:
        layer = getattr(mg.nn, name)(
            reduction=reduction,
            **{k: mg.tensor(v) for k, v in options.items() if k != "label_smoothing"},
            **{k: v for k, v in options.items() if k == "label_smoothing"},
        )
        twin = getattr(torch.nn, name)(
            reduction=reduction,
            **{k: torch.tensor(v) for k, v in options.items() if k != "label_smoothing"},
            **{k: v for k, v in options.items() if k == "label_smoothing"},
        )
        mx = mg.tensor(x, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        got, want = layer(mx, mg.tensor(y)), twin(tx, torch.tensor(y))
        np.testing.assert_allclose(
            got.detach().numpy(), want.detach().numpy(), rtol=1e-10, err_msg=name
        )
        got.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, err_msg=name)
        assert list(layer.state_dict()) == list(twin.state_dict()), name


def test_bad_reduction():
    with assert_raises_with(ValueError, "reduction", "'avg'"):
        mg.nn.MSELoss(reduction="avg")
