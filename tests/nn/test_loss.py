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
        ("L1Loss", {}, logits, probabilities),
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


def test_bad_reduction_fails_at_the_call_as_in_torch(torch):
    """torch checks ``reduction`` when the loss is computed: a layer built but never
    called does not fail.
    """
    layer = mg.nn.MSELoss(reduction="avg")
    torch.nn.MSELoss(reduction="avg")
    with assert_raises_with(ValueError, "reduction", "'avg'"):
        layer(mg.ones(2), mg.ones(2))
    layer = mg.nn.CrossEntropyLoss(label_smoothing=2.0)
    with assert_raises_with(ValueError, "label_smoothing", "2.0"):
        layer(mg.ones(2, 3), mg.tensor([0, 1]))


@pytest.mark.parametrize(
    ("size_average", "reduce", "expected"),
    [(False, None, "sum"), (None, False, "none"), (True, True, "mean"), (False, True, "sum")],
)
@pytest.mark.parametrize(
    "name", ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]
)
def test_deprecated_size_average_and_reduce_as_torch(torch, name, size_average, reduce, expected):
    with pytest.warns(UserWarning, match="size_average and reduce"):
        twin = getattr(torch.nn, name)(size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning, match=f"reduction={expected!r}"):
        layer = getattr(mg.nn, name)(size_average=size_average, reduce=reduce)
    assert layer.reduction == twin.reduction == expected


def test_bce_with_logits_promotes_float64_labels_as_torch(torch):
    logits = randn(4, 3).astype(np.float32)
    labels = (randn(4, 3, seed=1) > 0).astype(np.float64)
    mx = mg.tensor(logits, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    got = mg.nn.BCEWithLogitsLoss()(mx, mg.tensor(labels))
    want = torch.nn.BCEWithLogitsLoss()(tx, torch.tensor(labels))
    assert got.dtype == mg.float64 and want.dtype == torch.float64
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)
    got.backward()
    want.backward()
    assert mx.grad.dtype == mg.float32
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-5)
