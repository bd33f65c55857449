"""Every SPEC "Bad input" case of the convolution calls, tested on its message: the
argument, the value and the expectation (sizes: the formula with the numbers filled in,
the reachable range and arguments that reach the size asked for)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad.functional.conv import output_padding_for


def x2() -> mg.Tensor:
    return mg.ones(1, 4, 5, 5, dtype=mg.float64)


def w2() -> mg.Tensor:
    return mg.ones(6, 2, 3, 3, dtype=mg.float64)


def wt2() -> mg.Tensor:  # transposed layout (C_in, C_out/g, *k)
    return mg.ones(4, 3, 3, 3, dtype=mg.float64)


def raises(error: type[Exception], call: Callable[[], Any], *fragments: str) -> str:
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


CASES: list[tuple[str, type[Exception], Callable[[], Any], tuple[str, ...]]] = [
    (
        "input rank",
        ValueError,
        lambda: F.conv2d(mg.ones(4, 5, dtype=mg.float64), w2(), groups=2),
        ("conv2d: input", "4-d", "3-d", "got shape (4, 5)"),
    ),
    (
        "input rank 6",
        ValueError,
        lambda: F.conv_transpose2d(mg.ones(1, 1, 4, 5, 5, 1, dtype=mg.float64), wt2()),
        ("conv_transpose2d: input", "got shape (1, 1, 4, 5, 5, 1)"),
    ),
    (
        "weight rank",
        ValueError,
        lambda: F.conv2d(x2(), mg.ones(6, 2, 3, dtype=mg.float64)),
        ("conv2d: weight", "4-d", "(C_out, C_in/groups, *k)", "got shape (6, 2, 3)"),
    ),
    (
        "channels",
        ValueError,
        lambda: F.conv2d(x2(), w2()),
        ("conv2d: input", "expected 2 channels", "groups=1", "got 4 channels"),
    ),
    (
        "transposed channels",
        ValueError,
        lambda: F.conv_transpose2d(mg.ones(1, 3, 5, 5, dtype=mg.float64), wt2()),
        ("conv_transpose2d: input", "expected 4 channels", "(C_in, C_out/groups, *k)", "got 3"),
    ),
    (
        "groups divide",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=4),
        ("conv2d: groups", "weight.shape[0] = 6", "groups=4"),
    ),
    (
        "groups zero",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=0),
        ("conv2d: groups", "positive", "got 0"),
    ),
    (
        "groups type",
        TypeError,
        lambda: F.conv2d(x2(), w2(), groups=2.0),
        ("conv2d: groups", "float"),
    ),
    (
        "stride zero",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=2, stride=0),
        ("conv2d: stride", "positive", "got 0"),
    ),
    (
        "stride tuple length",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=2, stride=(1, 2, 3)),
        ("conv2d: stride", "tuple of 2 ints", "(1, 2, 3)"),
    ),
    (
        "stride type",
        TypeError,
        lambda: F.conv2d(x2(), w2(), groups=2, stride="2"),
        ("conv2d: stride", "str"),
    ),
    (
        "dilation negative",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), dilation=(1, -1)),
        ("conv_transpose2d: dilation", "positive", "(1, -1)"),
    ),
    (
        "padding negative",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=2, padding=-1),
        ("conv2d: padding", "non-negative", "got -1"),
    ),
    (
        "transposed padding negative",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), padding=(0, -2)),
        ("conv_transpose2d: padding", "non-negative", "(0, -2)"),
    ),
    (
        "padding string",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=2, padding="full"),
        ("conv2d: padding", "'valid' or 'same'", "'full'"),
    ),
    (
        "same strided",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=2, padding="same", stride=2),
        ("conv2d: padding", "'same'", "strided", "stride=2;"),
    ),
    (
        "output_padding too large",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), stride=2, output_padding=2),
        (
            "conv_transpose2d: output_padding",
            "smaller than stride or dilation",
            "output_padding=2 with stride=2 and dilation=1",
        ),
    ),
    (
        "output_padding negative",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), output_padding=-1),
        ("output_padding", "non-negative", "-1"),
    ),
    (
        "same with output_padding",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), stride=2, padding="same", output_padding=1),
        ("output_padding", "padding='same' sets it", "got 1"),
    ),
    (
        "conv output below 1",
        ValueError,
        lambda: F.conv1d(mg.ones(1, 1, 3), mg.ones(1, 1, 5)),
        (
            "conv1d: input",
            "spatial size 3",
            "floor((L_in + 2*padding - dilation*(k - 1) - 1) / stride) + 1",
            "floor((3 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = -1",
            "expected at least 1",
            ">= 5",
            "padding >= 1",
        ),
    ),
    (
        "transposed output below 1",
        ValueError,
        lambda: F.conv_transpose1d(mg.ones(1, 1, 1), mg.ones(1, 1, 1), padding=1),
        (
            "conv_transpose1d: padding: output size -1",
            "(L_in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1",
            "(1 - 1)*1 - 2*1 + 1*(1 - 1) + 0 + 1 = -1",
            "reachable sizes are [-1, -1]",
            "padding <= 0",
        ),
    ),
    (
        "unattainable output_size",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), stride=2, padding=1, output_size=(9, 12)),
        (
            "conv_transpose2d: output_size",
            "size 12 in spatial dim 1",
            "(5 - 1)*2 - 2*1 + 1*(3 - 1) + output_padding + 1 = 9 + output_padding",
            "output_padding in [0, 1]",
            "reachable sizes are [9, 10]",
            "padding=0, output_padding=1 would give 12",
        ),
    ),
    (
        "unattainable output_size needs stride",
        ValueError,
        lambda: F.conv_transpose1d(mg.ones(1, 1, 3), mg.ones(1, 1, 3), output_size=12),
        ("reachable sizes are [5, 5]", "stride=4, padding=0, output_padding=1 would give 12"),
    ),
    (
        "output_size length",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), output_size=(1, 2, 3, 4, 5)),
        ("conv_transpose2d: output_size", "2 spatial sizes", "(1, 2, 3, 4, 5)"),
    ),
    (
        "output_size with output_padding",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), stride=2, output_padding=1, output_size=(10, 10)),
        ("output_padding", "expected 0 when output_size is given", "got 1"),
    ),
    (
        "output_size with same",
        ValueError,
        lambda: F.conv_transpose2d(x2(), wt2(), stride=2, padding="same", output_size=(10, 10)),
        ("output_size", "padding='same'", "(10, 10)"),
    ),
    (
        "output_size type",
        TypeError,
        lambda: F.conv_transpose2d(x2(), wt2(), output_size="big"),
        ("output_size", "str"),
    ),
    (
        "dtype mismatch",
        TypeError,
        lambda: F.conv2d(x2(), mg.ones(6, 2, 3, 3, dtype=mg.float32), groups=2),
        ("conv2d: weight", "float64", "got float32"),
    ),
    (
        "bias dtype mismatch",
        TypeError,
        lambda: F.conv_transpose2d(x2(), wt2(), mg.ones(3, dtype=mg.float32)),
        ("conv_transpose2d: bias", "float64", "got float32"),
    ),
    (
        "integer input",
        TypeError,
        lambda: F.conv1d(mg.tensor([[[1, 2, 3]]]), mg.tensor([[[1, 1]]])),
        ("conv1d: input", "float32 or float64", "int64"),
    ),
    (
        "input type",
        TypeError,
        lambda: F.conv2d(np.ones((1, 4, 5, 5)), w2(), groups=2),
        ("conv2d: input", "Tensor", "ndarray"),
    ),
    (
        "weight type",
        TypeError,
        lambda: F.conv_transpose1d(mg.ones(1, 1, 3), [[[1.0]]]),
        ("conv_transpose1d: weight", "Tensor", "list"),
    ),
    (
        "bias shape",
        ValueError,
        lambda: F.conv2d(x2(), w2(), mg.ones(3, dtype=mg.float64), groups=2),
        ("conv2d: bias", "(6,)", "got (3,)"),
    ),
    (
        "padding_mode value",
        ValueError,
        lambda: F.conv2d(x2(), w2(), groups=2, padding_mode="mirror"),
        ("conv2d: padding_mode", "'zeros', 'reflect', 'replicate', 'circular'", "'mirror'"),
    ),
    (
        "padding_mode type",
        TypeError,
        lambda: F.conv_transpose2d(x2(), wt2(), padding_mode=None),
        ("conv_transpose2d: padding_mode", "NoneType"),
    ),
    (
        "reflect too wide",
        ValueError,
        lambda: F.conv1d(mg.ones(1, 1, 3), mg.ones(1, 1, 3), padding=3, padding_mode="reflect"),
        ("conv1d: padding", "'reflect'", "smaller than the input size", "padding 3", "size 3"),
    ),
    (
        "circular too wide for the output",
        ValueError,
        lambda: F.conv_transpose1d(
            mg.ones(1, 1, 3), mg.ones(1, 1, 3), padding=2, padding_mode="circular"
        ),
        (
            "conv_transpose1d: padding",
            "'circular'",
            "at most the output size",
            "padding 2",
            "output size 1",
        ),
    ),
    (
        "empty spatial",
        ValueError,
        lambda: F.conv1d(mg.ones(1, 1, 0), mg.ones(1, 1, 1)),
        ("conv1d: input", "non-empty spatial", "(1, 1, 0)"),
    ),
    (
        "output_size helper",
        ValueError,
        lambda: F.conv_transpose_output_size(3, 3, stride=2, output_padding=2),
        ("conv_transpose_output_size: output_padding", "smaller than stride or dilation"),
    ),
    (
        "overlap helper",
        ValueError,
        lambda: F.conv_transpose_overlap((2, 2), 3, stride=(1, 0)),
        ("conv_transpose_overlap: stride", "positive", "(1, 0)"),
    ),
    (
        "output_padding_for",
        ValueError,
        lambda: output_padding_for((1, 2), (4, 4), 3, stride=2, padding=1, call="ConvTranspose2d"),
        (
            "ConvTranspose2d: output_size",
            "size 1 in spatial dim 0",
            "reachable sizes are [7, 8]",
            "padding=4, output_padding=0 would give 1",
        ),
    ),
]


@pytest.mark.parametrize(
    ("error", "call", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_message(
    error: type[Exception], call: Callable[[], Any], fragments: tuple[str, ...]
) -> None:
    raises(error, call, *fragments)


def test_failing_calls_mutate_nothing() -> None:
    x = mg.tensor(np.arange(40.0).reshape(1, 4, 10), requires_grad=True)
    w = mg.tensor(np.ones((4, 2, 3)), requires_grad=True)
    b = mg.tensor(np.zeros(4), requires_grad=True)
    before = [t.numpy().copy() for t in (x.detach(), w.detach(), b.detach())]
    bad_calls = [
        lambda: F.conv1d(x, w, b, groups=2, stride=0),
        lambda: F.conv1d(x, w, b, groups=2, padding=10, padding_mode="reflect"),
        lambda: F.conv_transpose1d(x, w, b, output_size=99),
        lambda: F.conv_transpose1d(x, w.float(), b),
    ]
    for bad in bad_calls:
        with pytest.raises((ValueError, TypeError)):
            bad()
    for tensor, array in zip((x, w, b), before):
        np.testing.assert_array_equal(tensor.detach().numpy(), array)
        assert tensor.grad is None and tensor.requires_grad and tensor.is_leaf


def test_messages_are_not_numpy_or_numba() -> None:
    message = raises(ValueError, lambda: F.conv3d(mg.ones(1, 1, 2, 2, 2), mg.ones(1, 1, 3, 3, 3)))
    assert not re.search(r"numba|broadcast|operands", message, re.IGNORECASE)
