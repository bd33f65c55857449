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


def _twins(torch, name, *args, **kwargs):
    """The minigrad layer and its torch twin, built from one set of arguments (arrays
    become tensors of each library).
    """

    def convert(library, value):
        return library.tensor(value) if isinstance(value, np.ndarray) else value

    layer = getattr(mg.nn, name)(
        *[convert(mg, a) for a in args], **{k: convert(mg, v) for k, v in kwargs.items()}
    )
    twin = getattr(torch.nn, name)(
        *[convert(torch, a) for a in args], **{k: convert(torch, v) for k, v in kwargs.items()}
    )
    return layer, twin


LABELS = np.array([1.0, -1.0, -1.0, 1.0])
CASES = [
    # name, constructor kwargs, forward inputs (float64 ones get gradients)
    ("SmoothL1Loss", {"beta": 0.5}, [randn(4, 3), randn(4, 3, seed=1)]),
    ("HuberLoss", {"delta": 0.5}, [randn(4, 3), randn(4, 3, seed=1)]),
    ("KLDivLoss", {"log_target": True}, [randn(4, 3), randn(4, 3, seed=1)]),
    (
        "NLLLoss",
        {"weight": np.array([0.5, 1.0, 2.0]), "ignore_index": 1},
        [
            randn(4, 3),
            np.array([0, 2, 1, 2]),
        ],
    ),
    ("SoftMarginLoss", {}, [randn(4, 3), np.tile(LABELS[:, None], 3)]),
    ("MarginRankingLoss", {"margin": 0.2}, [randn(4), randn(4, seed=1), LABELS]),
    ("HingeEmbeddingLoss", {"margin": 0.7}, [randn(4, low=0.1), LABELS]),
    ("CosineEmbeddingLoss", {"margin": 0.1}, [randn(4, 3), randn(4, 3, seed=1), LABELS]),
    ("GaussianNLLLoss", {"full": True}, [randn(4, 3), randn(4, 3, seed=1), randn(4, 1, low=0.2)]),
    (
        "PoissonNLLLoss",
        {"log_input": False, "full": True},
        [
            randn(4, 3, low=0.1),
            randn(4, 3, low=1.5, seed=1),
        ],
    ),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "options", "inputs"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.filterwarnings("ignore:.*batchmean")
def test_more_layers_match_torch(torch, name, options, inputs, reduction):
    layer, twin = _twins(torch, name, reduction=reduction, **options)
    ours = [
        mg.tensor(a, requires_grad=a.dtype == np.float64 and name != "SoftMarginLoss")
        for a in inputs
    ]
    theirs = [
        torch.tensor(a, requires_grad=a.dtype == np.float64 and name != "SoftMarginLoss")
        for a in inputs
    ]
    if name == "SoftMarginLoss":
        ours[0].requires_grad_()
        theirs[0].requires_grad_()
    got, want = layer(*ours), twin(*theirs)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)
    got.sum().backward()
    want.sum().backward()
    for mine, other in zip(ours, theirs):
        if other.requires_grad:
            # Labels that only choose a branch get no gradient in either library.
            if other.grad is None:
                assert mine.grad is None
                continue
            np.testing.assert_allclose(
                mine.grad.numpy(), other.grad.numpy(), rtol=1e-9, atol=1e-12
            )
    assert list(layer.state_dict()) == list(twin.state_dict())
    assert repr(layer) == repr(twin)
    public = {k: v for k, v in vars(twin).items() if not k.startswith("_") and k != "training"}
    for attribute, value in public.items():
        assert getattr(layer, attribute) == value, attribute


ALL_LOSSES = [
    "L1Loss",
    "MSELoss",
    "SmoothL1Loss",
    "HuberLoss",
    "NLLLoss",
    "CrossEntropyLoss",
    "KLDivLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "CosineEmbeddingLoss",
    "SoftMarginLoss",
    "GaussianNLLLoss",
    "PoissonNLLLoss",
]


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_repr_and_defaults_as_torch(torch, name):
    """torch's losses print no arguments, whatever the reduction."""
    layer, twin = _twins(torch, name, reduction="sum")
    assert repr(layer) == repr(twin) == f"{name}()"
    default, default_twin = _twins(torch, name)
    for attribute, value in vars(default_twin).items():
        if not attribute.startswith("_"):
            assert getattr(default, attribute) == value, attribute


def test_positional_arguments_in_torch_order(torch):
    weight = np.array([1.0, 2.0, 3.0])
    with pytest.warns(UserWarning):
        layer, twin = _twins(torch, "NLLLoss", weight, None, 1, False)
    assert (layer.reduction, layer.ignore_index) == (twin.reduction, twin.ignore_index)
    assert (layer.reduction, layer.ignore_index) == ("none", 1)
    layer, twin = _twins(torch, "MarginRankingLoss", 0.5)
    assert layer.margin == twin.margin == 0.5
    layer, twin = _twins(torch, "PoissonNLLLoss", False, True)
    assert (layer.log_input, layer.full) == (twin.log_input, twin.full) == (False, True)
    layer, twin = _twins(torch, "HuberLoss", "sum", 2.0)
    assert (layer.reduction, layer.delta) == (twin.reduction, twin.delta) == ("sum", 2.0)
    with pytest.raises(TypeError):
        torch.nn.GaussianNLLLoss(True)
    with pytest.raises(TypeError):
        mg.nn.GaussianNLLLoss(True)


@pytest.mark.parametrize(
    "name",
    [
        "SmoothL1Loss",
        "NLLLoss",
        "KLDivLoss",
        "MarginRankingLoss",
        "HingeEmbeddingLoss",
        "CosineEmbeddingLoss",
        "SoftMarginLoss",
        "PoissonNLLLoss",
    ],
)
def test_more_deprecated_size_average_and_reduce_as_torch(torch, name):
    with pytest.warns(UserWarning, match="size_average and reduce"):
        twin = getattr(torch.nn, name)(size_average=False)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        layer = getattr(mg.nn, name)(size_average=False)
    assert layer.reduction == twin.reduction == "sum"


def test_nll_weight_is_a_buffer(torch):
    layer, twin = _twins(torch, "NLLLoss", np.array([1.0, 2.0]))
    assert list(layer.state_dict()) == list(twin.state_dict()) == ["weight"]
    layer.double()
    assert layer.weight.dtype == mg.float64


def test_bad_arguments_fail_at_the_call_as_in_torch():
    layer = mg.nn.SmoothL1Loss(beta=-1.0)
    with assert_raises_with(ValueError, "smooth_l1_loss", "beta", "-1.0"):
        layer(mg.ones(2), mg.ones(2))
    layer = mg.nn.KLDivLoss(reduction="avg")
    with assert_raises_with(ValueError, "kl_div", "reduction", "'avg'"):
        layer(mg.ones(2), mg.ones(2))
    layer = mg.nn.NLLLoss()
    with assert_raises_with(ValueError, "nll_loss", "target", "[0, 3)", "[5]"):
        layer(mg.ones(2, 3), mg.tensor([0, 5]))


def test_kl_div_loss_batchmean_as_torch(torch):
    x = np.log(np.random.default_rng(1).dirichlet(np.ones(4), size=3))
    t = np.random.default_rng(2).dirichlet(np.ones(4), size=3)
    layer, twin = _twins(torch, "KLDivLoss", reduction="batchmean")
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got, want = layer(mx, mg.tensor(t)), twin(tx, torch.tensor(t))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
    got.backward()
    want.backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
