"""The convolution calls at their edges, against PyTorch where it has an answer: empty
and degenerate shapes (with their gradients), huge arguments (refused before any work,
by name, with a message built in constant memory), argument types as PyTorch reads
them, and the NaN and inf of the direct kernels.
"""

from __future__ import annotations

import re
import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F
from minigrad.functional import _conv_args

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def both(torch: Any, name: str, arrays: list[np.ndarray | None], **kwargs: Any):
    """The call in minigrad and in torch on the same arrays, each with backward of a
    random output gradient: (output, gradients) per library, as numpy arrays.
    """
    results = []
    for lib in (mg, torch):
        tensors = [None if a is None else lib.tensor(a, requires_grad=True) for a in arrays]
        out = getattr(lib.nn.functional, name)(*tensors, **kwargs)
        seed = np.random.default_rng(1).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(seed))
        grads = [None if t is None else t.grad for t in tensors]
        results.append(
            (out.detach().numpy(), [None if g is None else g.detach().numpy() for g in grads])
        )
    return results


def assert_same(mine: Any, theirs: Any) -> None:
    (out, grads), (want, want_grads) = mine, theirs
    assert out.shape == want.shape and out.dtype == want.dtype
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)
    for got, expected in zip(grads, want_grads):
        assert (got is None) == (expected is None)
        if got is not None:
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def arrays(*shapes: tuple[int, ...] | None, seed: int = 0) -> list[np.ndarray | None]:
    rng = np.random.default_rng(seed)
    return [None if s is None else rng.standard_normal(s) for s in shapes]


# ---- empty and degenerate shapes ------------------------------------------------------

EMPTY_CASES = [
    # (function, rank, input, weight, bias, kwargs): PyTorch returns an empty result.
    ("conv{}d", (0, 2, 5), (4, 2, 3), (4,), {}),
    ("conv{}d", (0, 4, 5), (4, 2, 3), (4,), {"groups": 2, "stride": 2, "padding": 1}),
    ("conv{}d", (0, 2, 5), (4, 2, 3), None, {"padding": "same", "dilation": 2}),
    ("conv_transpose{}d", (0, 2, 5), (2, 4, 3), (4,), {"stride": 2, "output_padding": 1}),
    ("conv_transpose{}d", (0, 4, 3), (4, 1, 2), (2,), {"groups": 2, "dilation": 2}),
    # An input without channels: PyTorch's result has none either (its weight's four
    # filters notwithstanding), and the bias gets a zero gradient.
    ("conv{}d", (2, 0, 5), (4, 0, 3), (4,), {"padding": 1}),
    ("conv{}d", (0, 5), (4, 0, 3), (4,), {}),
    ("conv{}d", (1, 0, 5), (4, 0, 3), None, {"groups": 2}),
    # An empty batch may come with an empty spatial dim when padding covers the kernel.
    ("conv{}d", (0, 2, 0), (4, 2, 3), (4,), {"padding": 2}),
]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize(("name", "x", "w", "b", "kwargs"), EMPTY_CASES)
def test_empty_results_and_their_gradients_match_torch(torch, rank, name, x, w, b, kwargs):
    def lifted(shape: tuple[int, ...] | None, spatial: int) -> tuple[int, ...] | None:
        if shape is None or len(shape) == 1:
            return shape
        lead = shape[: len(shape) - spatial]
        return (*lead, *shape[len(shape) - spatial :] * rank)

    shapes = [lifted(x, 1), lifted(w, 1), b]
    mine, theirs = both(torch, name.format(rank), arrays(*shapes), **kwargs)
    assert_same(mine, theirs)
    # The weight gradient of an empty batch is zeros of the weight's shape.
    assert mine[1][1].shape == shapes[1] and not mine[1][1].any()


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_an_empty_batch_with_a_padding_mode(torch, mode: str) -> None:
    x, w, b = arrays((0, 2, 5, 4), (3, 2, 3, 3), (3,))
    got = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), padding=1, padding_mode=mode)
    twin = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode).double()
    assert got.shape == tuple(twin(torch.tensor(x)).shape) == (0, 3, 5, 4)
    out = F.conv_transpose2d(mg.tensor(x), mg.tensor(w[:2].copy()), padding=1, padding_mode=mode)
    assert out.shape == (0, 2, 5, 4)


REFUSED = [
    # Both refuse; minigrad names the argument (PyTorch: "expected weight to be at least
    # 1 at dimension 0", "non-empty ... weight tensor expected", ...).
    ("a weight without filters", "conv1d", (1, 2, 5), (0, 2, 3), "weight"),
    ("groups without filters", "conv1d", (1, 2, 5), (0, 1, 3), "weight", {"groups": 2}),
    ("a transposed weight without outputs", "conv_transpose1d", (1, 2, 5), (2, 0, 3), "weight"),
    ("a transposed input without channels", "conv_transpose1d", (1, 0, 5), (0, 4, 3), "weight"),
    ("an empty spatial dim", "conv1d", (1, 2, 0), (4, 2, 1), "input"),
    ("an empty spatial dim, padded", "conv1d", (1, 2, 0), (4, 2, 3), "input", {"padding": 2}),
    ("an empty batch and spatial dim, unpadded", "conv1d", (0, 2, 0), (4, 2, 1), "input"),
    ("a transposed empty spatial dim", "conv_transpose1d", (1, 2, 0), (2, 4, 3), "input"),
    ("an empty kernel", "conv2d", (1, 2, 5, 5), (4, 2, 0, 3), "weight"),
    ("an empty transposed kernel", "conv_transpose2d", (1, 2, 5, 5), (2, 4, 3, 0), "weight"),
    ("reflect without channels", "conv1d", (1, 0, 5), (4, 0, 3), "input",
     {"padding": 1, "padding_mode": "reflect"}),
]  # fmt: skip


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_degenerate_calls_torch_refuses_are_refused_by_name(torch, case) -> None:
    _, name, x, w, argument, *rest = case
    kwargs = rest[0] if rest else {}
    function = getattr(F, name)
    with pytest.raises(ValueError, match=rf"^{name}: {argument}: "):
        function(mg.tensor(np.zeros(x)), mg.tensor(np.zeros(w)), **kwargs)
    mode = kwargs.pop("padding_mode", None)
    twin = getattr(torch.nn.functional, name)

    def in_torch() -> Any:
        tx = torch.zeros(x, dtype=torch.float64)
        if mode is not None:  # the functional padding_mode is conv(F.pad(x, mode))
            tx = torch.nn.functional.pad(tx, (kwargs.pop("padding"),) * 2, mode=mode)
        return twin(tx, torch.zeros(w, dtype=torch.float64), **kwargs)

    with pytest.raises((RuntimeError, IndexError, ValueError)):
        in_torch()


# ---- huge arguments --------------------------------------------------------------------


def refused(call: Any, *fragments: str, error: type[Exception] = ValueError) -> str:
    """The message of the error ``call`` raises, checked for every fragment, after
    asserting that building it took less than a MB at its peak.
    """
    tracemalloc.start()
    try:
        with pytest.raises(error) as caught:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert peak < 1 << 20, peak
    return message


def x1() -> mg.Tensor:
    return mg.ones(1, 2, 5)


def w1() -> mg.Tensor:
    return mg.ones(4, 2, 3)


def test_huge_values_are_refused_by_name_before_any_work() -> None:
    refused(lambda: F.conv1d(x1(), w1(), stride=2**63), "conv1d: stride:", "2**63",
            "9223372036854775808")  # fmt: skip
    refused(lambda: F.conv1d(x1(), w1(), padding=2**62), "conv1d: padding:", "2**62")
    refused(lambda: F.conv_transpose1d(x1(), mg.ones(2, 4, 3), stride=2**31),
            "conv_transpose1d: stride:", "2**31", "32 bits")  # fmt: skip
    refused(lambda: F.conv_transpose1d(x1(), mg.ones(2, 4, 3), dilation=2**32 + 1),
            "conv_transpose1d: dilation:", "4294967297")  # fmt: skip
    # An output larger than numpy can index (its size in the message, and the formula).
    message = refused(
        lambda: F.conv1d(x1(), w1(), padding=2**61),
        "conv1d: padding: the output would have shape (1, 4, 4611686018427387907)",
        "more than numpy can index",
        "floor((5 + 2*2305843009213693952 - 1*(3 - 1) - 1) / 1) + 1 = 4611686018427387907",
    )
    assert "in spatial dim 0" in message
    refused(lambda: F.conv_transpose2d(mg.ones(1, 2, 5, 5), mg.ones(2, 4, 3, 3),
                                       stride=(1, 2**30), output_padding=(0, 2**30 - 1)),
            "conv_transpose2d: stride: the output would have shape (1, 4, 7, 5368709122)",
            "(5 - 1)*1073741824 - 2*0 + 1*(3 - 1) + 1073741823 + 1")  # fmt: skip


def test_the_physical_memory_rule(monkeypatch) -> None:
    # More bytes than this machine's memory (here pretended to be 1 MB): refused.
    monkeypatch.setattr(_conv_args, "PHYSICAL_MEMORY", 1 << 20)
    x = mg.ones(1, 1, 300, dtype=mg.float64)
    refused(lambda: F.conv_transpose1d(x, mg.ones(1, 1, 2, dtype=mg.float64), stride=500),
            "conv_transpose1d: stride: the output would have shape (1, 1, 149502)",
            "1196016 bytes", "1048576 bytes of physical memory")  # fmt: skip
    refused(lambda: F.conv1d(x, mg.ones(1, 1, 3, dtype=mg.float64), padding=70000,
                             padding_mode="replicate"),
            "conv1d: padding: the output would have shape (1, 1, 140298)")  # fmt: skip
    refused(
        lambda: F.conv1d(
            x, mg.ones(1, 1, 3, dtype=mg.float64), stride=3 * 10**5, padding=70000,
            padding_mode="replicate",
        ),
        "conv1d: padding: the padded input (padding_mode='replicate') would have shape "
        "(1, 1, 140300)",
    )  # fmt: skip
    # An empty batch takes no bytes at all.
    assert F.conv_transpose1d(mg.ones(0, 1, 300), mg.ones(1, 1, 2), stride=500).shape == (
        0, 1, 149502,
    )  # fmt: skip


def test_an_empty_array_numpy_cannot_describe_is_refused() -> None:
    # Its non-empty dims hold more than 2**63 bytes: numpy refuses it, empty as it is.
    refused(lambda: F.conv3d(mg.ones(0, 2, 5, 5, 5), mg.ones(4, 2, 3, 3, 3), padding=2**40),
            "conv3d: padding: the output would have shape (0, 4, ", "numpy can index")  # fmt: skip
    got = F.conv1d(mg.ones(0, 2, 5), w1(), padding=2**40)
    assert got.shape == (0, 4, 2**41 + 3)


def test_huge_stride_and_padding_with_few_outputs_match_torch(torch) -> None:
    # Two outputs per dim, reading padding and x: no padded copy is made anywhere.
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 2, 3))
    kwargs = dict(stride=(2**40, 2**41), padding=(2**40 - 1, 2**41 - 2), dilation=(1, 2))
    got = F.conv2d(mg.tensor(x), mg.tensor(w), **kwargs).numpy()
    want = torch.nn.functional.conv2d(
        torch.tensor(x, dtype=torch.float32), torch.tensor(w, dtype=torch.float32), **kwargs
    ).numpy()
    assert got.shape == want.shape == (2, 2, 3, 2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert got.any()


@given(
    size=st.integers(1, 6),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
    p=st.integers(0, 3),
    target=st.integers(-2, 60),
)
def test_a_size_suggestion_reaches_the_size_and_keeps_the_nearest_stride(size, k, s, d, p, target):
    smallest = (size - 1) * s - 2 * p + d * (k - 1) + 1
    if smallest <= target <= smallest + max(s, d) - 1:
        return
    message = refused(lambda: F.conv_transpose1d(mg.ones(1, 1, size), mg.ones(1, 1, k),
                                                 stride=s, padding=p, dilation=d,
                                                 output_size=target),
                      "conv_transpose1d: output_size:")  # fmt: skip
    if target < 1:
        assert "an output size must be at least 1" in message
        return
    match = re.search(
        r"(?:stride=(\d+), )?padding=(\d+), output_padding=(\d+) would give", message
    )
    assert match, message
    stride = int(match.group(1) or s)
    padding, extra = int(match.group(2)), int(match.group(3))
    assert F.conv_transpose_output_size(size, k, stride, padding, extra, d) == (target,)

    # No stride nearer the current one (the smaller of two as near) reaches it: by
    # brute force, over every padding and output_padding that could.
    def reaches(c: int) -> bool:
        full = (size - 1) * c + d * (k - 1) + 1
        return any(0 <= target - full + 2 * q < max(c, d) for q in range(full + 1))

    nearer = [
        c for c in range(1, 2 * max(s, stride) + 2) if (abs(c - s), c) < (abs(stride - s), stride)
    ]
    assert not any(reaches(c) for c in nearer)


def test_an_unreachable_huge_output_size_is_reported_in_constant_memory() -> None:
    # The message (formula, range, suggestion) costs the same for 30 million as for 10**15.
    x, w = mg.ones(1, 1, 5), mg.ones(1, 1, 3)
    for target in (3 * 10**7, 5 * 10**9):
        message = refused(lambda target=target: F.conv_transpose1d(x, w, output_size=target),
                          f"size {target} in spatial dim 0 is not reachable",
                          "reachable sizes are [7, 7]")  # fmt: skip
        match = re.search(r"stride=(\d+), padding=(\d+), output_padding=(\d+)", message)
        assert match
        stride, padding, extra = map(int, match.groups())
        assert F.conv_transpose_output_size(5, 3, stride, padding, extra) == (target,)
    # Beyond what a stride and output_padding below 2**31 reach from 5 inputs.
    refused(lambda: F.conv_transpose1d(x, w, output_size=10**15),
            "size 1000000000000000 in spatial dim 0 is not reachable",
            "no stride, padding and output_padding below 2**31 reach it")  # fmt: skip


# ---- argument types, as PyTorch reads them ----------------------------------------------


def test_groups_must_be_an_int() -> None:
    x, w = mg.ones(1, 4, 5), mg.ones(4, 2, 3)
    assert F.conv1d(x, w, groups=np.int64(2)).shape == (1, 4, 3)  # PyTorch takes it too
    for value, shown in ((2.0, "float 2.0"), (True, "bool True"), ("2", "str '2'"),
                         (None, "NoneType None"), (np.float64(2), "float64")):  # fmt: skip
        refused(
            lambda value=value: F.conv1d(x, w, groups=value),
            "conv1d: groups:",
            shown,
            error=TypeError,
        )
        refused(lambda value=value: F.conv_transpose1d(x, mg.ones(4, 1, 3), groups=value),
                "conv_transpose1d: groups:", shown, error=TypeError)  # fmt: skip


def test_one_value_stands_for_every_dim_as_in_torch(torch) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 7, 6)), rng.standard_normal((3, 2, 3, 2))
    for kwargs in ({"stride": (2,)}, {"padding": [1]}, {"dilation": (2,)}):
        got = F.conv2d(mg.tensor(x), mg.tensor(w), **kwargs)
        want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kwargs)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    out = F.conv_transpose2d(mg.tensor(x), mg.tensor(w.transpose(1, 0, 2, 3).copy()),
                             stride=(2,), output_padding=[1])  # fmt: skip
    assert out.shape == (1, 3, 16, 13)
    refused(lambda: F.conv2d(mg.tensor(x), mg.tensor(w), stride=()), "conv2d: stride:", "()")
    refused(lambda: F.conv2d(mg.tensor(x), mg.tensor(w), padding=np.array([1, 1])),
            "conv2d: padding:", "ndarray", error=TypeError)  # fmt: skip
    wt = mg.ones(2, 3, 3, 2, dtype=mg.float64)
    refused(lambda: F.conv_transpose2d(mg.tensor(x), wt, padding=np.array([1, 1])),
            "conv_transpose2d: padding:", "ndarray", error=TypeError)  # fmt: skip


class Size(tuple):  # noqa: SLOT001 - a tuple subclass, as torch.Size is
    pass


@pytest.mark.parametrize(
    "output_size", [(8, 8), [8, 8], np.array([8, 8]), Size((8, 8)), (1, 2, 8, 8), 8]
)
def test_output_size_spellings(output_size: Any) -> None:
    x, w = mg.ones(1, 2, 3, 3), mg.ones(2, 2, 3, 3)
    assert F.conv_transpose2d(x, w, stride=2, output_size=output_size).shape == (1, 2, 8, 8)


def test_output_size_of_a_whole_shape_must_match_the_input(torch) -> None:
    # PyTorch: "for 3D input, output_size must have 2 or 3 elements (got 4)".
    unbatched, w = mg.ones(2, 3, 3), mg.ones(2, 2, 3, 3)
    assert F.conv_transpose2d(unbatched, w, stride=2, output_size=(2, 8, 8)).shape == (2, 8, 8)
    refused(lambda: F.conv_transpose2d(unbatched, w, stride=2, output_size=(1, 2, 8, 8)),
            "conv_transpose2d: output_size:", "unbatched", "(1, 2, 8, 8)")  # fmt: skip
    refused(lambda: F.conv_transpose2d(mg.ones(1, 2, 3, 3), w, stride=2, output_size=(2, 8, 8)),
            "conv_transpose2d: output_size:", "batched", "(2, 8, 8)")  # fmt: skip
    layer = torch.nn.ConvTranspose2d(2, 2, 3, stride=2)
    with pytest.raises(ValueError, match="output_size must have"):
        layer(torch.ones(2, 3, 3), output_size=(1, 2, 8, 8))


# ---- NaN and inf in the direct kernels ----------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("input", np.inf),
        ("input", np.nan),
        ("weight", -np.inf),
        ("weight", np.nan),
        ("bias", np.inf),
        ("corner weight", np.inf),
    ],  # fmt: skip
)
@pytest.mark.parametrize("transposed", [False, True])
def test_nan_and_inf_as_in_torch(torch, dtype: str, where: str, value: float, transposed: bool):
    """inf in x, in w (also a corner tap, which meets the zero padding: inf * 0 is NaN,
    as in PyTorch's convolution of the padded input), NaN, inf in the bias."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 5)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3) if transposed else (3, 4, 3, 3)).astype(dtype)
    b = rng.standard_normal(3).astype(dtype)
    array, position = {"input": (x, (1, 2, 3, 1)), "weight": (w, (1, 2, 1, 1)),
                       "bias": (b, (0,)), "corner weight": (w, (2, 1, 0, 0))}[where]  # fmt: skip
    array[position] = value
    tF = torch.nn.functional
    tx, tw, tb = torch.tensor(x), torch.tensor(w), torch.tensor(b)
    if transposed:
        got = F.conv_transpose2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride=2, padding=1)
        want = tF.conv_transpose2d(tx, tw, tb, stride=2, padding=1)
    else:
        got = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride=2, padding=1)
        # The definition, conv(pad(x)): PyTorch's float32 path skips the padding's taps.
        want = tF.conv2d(tF.pad(tx, (1, 1, 1, 1)), tw, tb, stride=2)
    got, want = got.numpy(), want.numpy()
    for test in (np.isnan, np.isposinf, np.isneginf):
        assert np.array_equal(test(got), test(want)), test.__name__
    assert not np.isfinite(got).all()
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-4, atol=1e-4)
