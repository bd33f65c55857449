"""F.conv* and F.conv_transpose*: forward against the slow reference and torch, gradients
of every order, the adjoint identity for every padding mode, and the extras beyond
PyTorch (output_size, "same", padding modes, overlap map)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F
from minigrad.kernels import reference
from minigrad.ops.conv import ConvGeometry
from tests.conv_strategies import ConvCase, conv_cases

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
TORCH_MODE = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}


def tolerance(dtype: object) -> dict[str, float]:
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}


def call(case: ConvCase, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> mg.Tensor:
    function = (TRANSPOSED if case.transposed else CONV)[case.rank]
    bias = None if b is None else mg.tensor(b)
    return function(mg.tensor(x), mg.tensor(w), bias, **case.kwargs())


# ---- the slow reference, composed by hand on 3-d arrays ---------------------------------


def lift(sizes: tuple[int, ...], fill: int) -> tuple[int, int, int]:
    return tuple([fill] * (3 - len(sizes)) + list(sizes))  # type: ignore[return-value]


def reference_call(
    case: ConvCase, x: np.ndarray, w: np.ndarray, b: np.ndarray | None
) -> np.ndarray:
    batched = x if case.batch is not None else x[None]
    x3 = batched.reshape(*batched.shape[:2], *lift(case.sizes, 1))
    w3 = w.reshape(*w.shape[:2], *lift(case.kernel, 1))
    pads = tuple((p, p) for p in lift(case.padding, 0))
    stride, dilation = lift(case.stride, 1), lift(case.dilation, 1)
    out_sizes = lift(case.output_sizes, 1)
    kernel = lift(case.kernel, 1)
    if case.transposed:
        full = lift(tuple(o + 2 * p for o, (p, _) in zip(out_sizes, pads)), 1)
        sizes = lift(case.sizes, 1)
        geometry = ConvGeometry(stride, dilation, kernel, case.groups, full, sizes)
        out = reference.conv_transpose_valid(x3, w3, geometry)
        out = reference.fold_padding(out, pads, case.mode)
    else:
        padded = reference.pad_by_mode(x3, pads, case.mode)
        padded_sizes = lift(padded.shape[2:], 1)
        geometry = ConvGeometry(stride, dilation, kernel, case.groups, padded_sizes, out_sizes)
        out = reference.conv_valid(padded, w3, geometry)
    if b is not None:
        out = out + b.reshape(-1, 1, 1, 1)
    out = out.reshape(out.shape[0], out.shape[1], *case.output_sizes)
    return out if case.batch is not None else out[0]


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "transposed"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_forward_matches_reference(rank: int, transposed: bool) -> None:
    @settings(max_examples=15)
    @given(
        case=conv_cases(
            rank, transposed, max_size=2 if rank == 3 else 3, max_kernel=2 if rank == 3 else 3
        )
    )
    def check(case: ConvCase) -> None:
        x, w, b = case.arrays(np.random.default_rng(0))
        got = call(case, x, w, b)
        assert got.dtype == case.dtype
        lead = () if case.batch is None else (case.batch,)
        assert got.shape == (*lead, case.out_channels, *case.output_sizes)
        np.testing.assert_allclose(
            got.numpy(), reference_call(case, x, w, b), **tolerance(case.dtype)
        )

    check()


# ---- torch as the oracle ---------------------------------------------------------------


def torch_call(torch, case: ConvCase, x: np.ndarray, w: np.ndarray, b: np.ndarray | None):
    """torch's conv of the padded input; for the transposed call, torch's vjp of that conv
    (the adjoint), or torch's own conv_transpose for zeros padding."""
    tf = torch.nn.functional
    tx, tw = torch.tensor(x), torch.tensor(w)
    tb = None if b is None else torch.tensor(b)
    if case.batch is None:
        tx = tx[None]
    geometry = dict(stride=case.stride, dilation=case.dilation, groups=case.groups)
    pads = [p for p in reversed(case.padding) for _ in range(2)]
    conv = getattr(tf, f"conv{case.rank}d")
    if not case.transposed:
        out = conv(tf.pad(tx, pads, mode=TORCH_MODE[case.mode]), tw, tb, **geometry)
    elif case.mode == "zeros":
        transposed = getattr(tf, f"conv_transpose{case.rank}d")
        out = transposed(
            tx, tw, tb, padding=case.padding, output_padding=case.output_padding, **geometry
        )
    else:
        source = torch.zeros(
            (tx.shape[0], case.out_channels, *case.output_sizes),
            dtype=tx.dtype,
            requires_grad=True,
        )
        image = conv(tf.pad(source, pads, mode=TORCH_MODE[case.mode]), tw, **geometry)
        # output_padding >= stride gives the natural conv extra trailing outputs: they
        # are outside the adjoint's domain, so their cotangent is zero.
        extra = [e - s for e, s in zip(image.shape[2:], tx.shape[2:])]
        cotangent = tf.pad(tx, [v for e in reversed(extra) for v in (0, e)])
        (out,) = torch.autograd.grad(image, source, cotangent)
        if tb is not None:
            out = out + tb.reshape(-1, *[1] * case.rank)
    out = out.detach().numpy()
    return out if case.batch is not None else out[0]


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "transposed"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_forward_matches_torch(torch, rank: int, transposed: bool) -> None:
    @given(case=conv_cases(rank, transposed, max_size=5 if rank < 3 else 3, max_channels=3))
    def check(case: ConvCase) -> None:
        x, w, b = case.arrays(np.random.default_rng(1))
        got = call(case, x, w, b)
        np.testing.assert_allclose(
            got.numpy(), torch_call(torch, case, x, w, b), **tolerance(case.dtype)
        )

    check()


def test_pytorch_docs_examples_shapes() -> None:
    """The three examples of PyTorch's F.conv_transpose* docs; the 3-d one is checked
    through the size formula at full size and computed at a reduced size."""
    x1 = mg.randn(20, 16, 50)
    assert F.conv_transpose1d(x1, mg.randn(16, 33, 5)).shape == (20, 33, 54)
    x2 = mg.randn(1, 4, 5, 5)
    assert F.conv_transpose2d(x2, mg.randn(4, 8, 3, 3), padding=1).shape == (1, 8, 5, 5)
    assert F.conv_transpose_output_size((50, 10, 20), 3) == (52, 12, 22)
    x3 = mg.randn(2, 16, 5, 4, 6)
    assert F.conv_transpose3d(x3, mg.randn(16, 33, 3, 3, 3)).shape == (2, 33, 7, 6, 8)


def test_pytorch_docs_examples_numbers(torch) -> None:
    tf = torch.nn.functional
    rng = np.random.default_rng(2)
    examples = [
        (F.conv_transpose1d, tf.conv_transpose1d, (20, 16, 50), (16, 33, 5), {}),
        (F.conv_transpose2d, tf.conv_transpose2d, (1, 4, 5, 5), (4, 8, 3, 3), {"padding": 1}),
        (F.conv_transpose3d, tf.conv_transpose3d, (2, 16, 5, 4, 6), (16, 33, 3, 3, 3), {}),
    ]
    for ours, theirs, x_shape, w_shape, kwargs in examples:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        got = ours(mg.tensor(x), mg.tensor(w), **kwargs).numpy()
        want = theirs(torch.tensor(x), torch.tensor(w), **kwargs).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# ---- the adjoint identity for every padding mode --------------------------------------


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_adjoint_identity_every_mode(rank: int) -> None:
    @settings(max_examples=20)
    @given(
        case=conv_cases(
            rank, False, max_size=3, max_kernel=2 if rank == 3 else 3, dtypes=(np.float64,)
        ),
        data=st.data(),
    )
    def check(case: ConvCase, data: st.DataObject) -> None:
        w = mg.tensor(np.random.default_rng(3).standard_normal(case.weight_shape))
        # The output_padding that makes the transposed call land on the conv's input size.
        extra = tuple(
            (size + 2 * p - d * (k - 1) - 1) % s
            for size, p, d, k, s in zip(
                case.sizes, case.padding, case.dilation, case.kernel, case.stride
            )
        )
        common = dict(
            stride=case.stride,
            padding=case.padding,
            dilation=case.dilation,
            groups=case.groups,
            padding_mode=case.mode,
        )
        lead = () if case.batch is None else (case.batch,)
        gap = mg.autograd.check_adjoint(
            lambda x: CONV[rank](x, w, **common),
            lambda y: TRANSPOSED[rank](y, w, output_padding=extra, **common),
            case.input_shape,
            (*lead, case.out_channels, *case.output_sizes),
            rtol=1e-12,
        )
        assert gap <= 1e-12

    check()


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "zeros"])
def test_transposed_modes_match_torch_vjp_2d(torch, mode: str) -> None:
    """A hand-picked case with asymmetric sizes, groups and output_padding."""
    case = ConvCase(
        2, True, 2, 4, 6, 2, (3, 4), (3, 2), (2, 3), (1, 2), (2, 1), (1, 2), mode, True, np.float64
    )
    x, w, b = case.arrays(np.random.default_rng(4))
    np.testing.assert_allclose(
        call(case, x, w, b).numpy(), torch_call(torch, case, x, w, b), rtol=1e-10, atol=1e-10
    )


# ---- gradients of every order ------------------------------------------------------------

SMALL = {
    1: dict(x=(1, 2, 3), w=(2, 1, 2), stride=2, padding=1, dilation=1),
    2: dict(x=(1, 2, 3, 3), w=(2, 1, 2, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
    3: dict(x=(1, 2, 1, 2, 3), w=(2, 1, 1, 2, 2), stride=(1, 2, 1), padding=(0, 1, 0), dilation=1),
}


def small_tensors(rank: int, transposed: bool, rng: np.random.Generator) -> tuple[mg.Tensor, ...]:
    shapes = SMALL[rank]
    x = mg.tensor(rng.standard_normal(shapes["x"]), requires_grad=True)
    w = mg.tensor(rng.standard_normal(shapes["w"]), requires_grad=True)
    bias_size = shapes["w"][1] * 2 if transposed else shapes["w"][0]
    b = mg.tensor(rng.standard_normal(bias_size), requires_grad=True)
    return x, w, b


@pytest.mark.parametrize("mode", ["zeros", "reflect"])
@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "transposed"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_gradcheck_and_gradgradcheck(rng, rank: int, transposed: bool, mode: str) -> None:
    shapes = SMALL[rank]
    kwargs = dict(
        stride=shapes["stride"],
        padding=shapes["padding"],
        dilation=shapes["dilation"],
        groups=2,
        padding_mode=mode,
    )
    function = (TRANSPOSED if transposed else CONV)[rank]
    x, w, b = small_tensors(rank, transposed, rng)

    def fn(x: mg.Tensor, w: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return function(x, w, b, **kwargs)

    assert mg.autograd.gradcheck(fn, (x, w, b))
    assert mg.autograd.gradgradcheck(fn, (x, w, b))


def test_third_order_gradients(rng) -> None:
    """d^3/dx^3 of sum(conv(x, w)^3) is 6 * conv^T(conv(e_i) conv(e_j)) (e_k): check it
    through gradgradcheck of the first derivative, which differentiates twice more."""
    x = mg.tensor(rng.standard_normal((1, 2, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 2, 2)), requires_grad=True)

    def first(x: mg.Tensor, w: mg.Tensor) -> tuple[mg.Tensor, ...]:
        y = F.conv_transpose1d(F.conv1d(x, w, padding=1, padding_mode="circular"), w, stride=1)
        return mg.autograd.grad((y**3).sum(), (x, w), create_graph=True)

    assert mg.autograd.gradgradcheck(first, (x, w))


def test_gradients_match_torch(torch, rng) -> None:
    tf = torch.nn.functional
    x = rng.standard_normal((2, 4, 5, 4))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(6)
    grad = rng.standard_normal((2, 6, 10, 9))
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    kwargs = dict(stride=2, padding=(1, 0), output_padding=(1, 0), groups=2, dilation=(1, 2))
    F.conv_transpose2d(*ours, **kwargs).backward(mg.tensor(grad))
    tf.conv_transpose2d(*theirs, **kwargs).backward(torch.tensor(grad))
    for mine, reference_tensor in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference_tensor.grad.numpy(), rtol=1e-10)


# ---- extras beyond PyTorch --------------------------------------------------------------


def test_transposed_same_gives_input_times_stride(rng) -> None:
    for k, s, d in [(3, 2, 1), (4, 2, 1), (1, 3, 1), (2, 3, 1), (3, 1, 2), (5, 2, 1)]:
        y = mg.tensor(rng.standard_normal((1, 2, 5)))
        w = mg.tensor(rng.standard_normal((2, 3, k)))
        out = F.conv_transpose1d(y, w, stride=s, dilation=d, padding="same")
        assert out.shape == (1, 3, 5 * s)
        # Keras convention: the full output cropped, the odd element from the end.
        full = F.conv_transpose1d(y, w, stride=s, dilation=d).numpy()
        crop = d * (k - 1) + 1 - s
        if crop >= 0:
            np.testing.assert_array_equal(
                out.numpy(), full[..., crop // 2 : full.shape[-1] - (crop - crop // 2)]
            )
        else:
            np.testing.assert_array_equal(out.numpy()[..., : full.shape[-1]], full)
            assert not out.numpy()[..., full.shape[-1] :].any()


@pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")
def test_conv_same_matches_torch(torch, rng) -> None:
    x = rng.standard_normal((1, 2, 6, 5))
    w = rng.standard_normal((3, 2, 4, 3))
    got = F.conv2d(mg.tensor(x), mg.tensor(w), padding="same", dilation=(1, 2))
    want = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(w), padding="same", dilation=(1, 2)
    )
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)
    valid = F.conv2d(mg.tensor(x), mg.tensor(w), padding="valid")
    assert valid.shape == (1, 3, 3, 3)


def test_output_size_picks_output_padding(rng) -> None:
    y = mg.tensor(rng.standard_normal((1, 2, 4, 4)))
    w = mg.tensor(rng.standard_normal((2, 1, 3, 3)))
    for wanted in [(7, 7), (8, 7), (1, 1, 8, 8), (1, 1, 7, 8)]:
        out = F.conv_transpose2d(y, w, stride=2, padding=1, output_size=wanted)
        assert out.shape[2:] == tuple(wanted[-2:])
        extra = tuple(size - 7 for size in wanted[-2:])
        same = F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=extra)
        np.testing.assert_array_equal(out.numpy(), same.numpy())


def test_output_padding_at_least_stride_below_dilation(rng) -> None:
    """Legal when below dilation: the extra positions get no kernel tap (zeros mode) and
    the result still matches torch's adjoint; checked here by hand."""
    y = rng.standard_normal((1, 1, 3))
    w = rng.standard_normal((1, 1, 2))
    out = F.conv_transpose1d(
        mg.tensor(y), mg.tensor(w), stride=1, dilation=3, output_padding=2
    ).numpy()
    expected = np.zeros((1, 1, 8))
    for i in range(3):
        for t in range(2):
            expected[0, 0, i + 3 * t] += y[0, 0, i] * w[0, 0, t]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_output_padding_for_uses_min_max_rule() -> None:
    from minigrad.functional.conv import output_padding_for

    assert output_padding_for((8, 7), (4, 4), 3, stride=2, padding=1) == (1, 0)
    assert output_padding_for((1, 16, 12, 12), (6, 6), 3, stride=2, padding=1) == (1, 1)
    assert output_padding_for(12, (4,), 3, stride=1, dilation=3) == (2,)


def test_unbatched_equals_batched(rng) -> None:
    x = rng.standard_normal((2, 5, 4))
    w = rng.standard_normal((2, 3, 2, 2))
    unbatched = F.conv_transpose2d(
        mg.tensor(x), mg.tensor(w), stride=2, padding_mode="replicate", padding=1
    )
    batched = F.conv_transpose2d(
        mg.tensor(x[None]), mg.tensor(w), stride=2, padding_mode="replicate", padding=1
    )
    assert unbatched.shape == (3, 8, 6)
    np.testing.assert_array_equal(unbatched.numpy(), batched.numpy()[0])


def test_same_bits_across_calls(rng) -> None:
    x = mg.tensor(rng.standard_normal((2, 4, 6, 6)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), requires_grad=True)
    results = []
    for _ in range(3):
        x.grad = w.grad = None
        out = F.conv_transpose2d(x, w, stride=2, padding=1, groups=2, padding_mode="reflect")
        (out * out).sum().backward()
        results.append(
            (out.detach().numpy().tobytes(), x.grad.numpy().tobytes(), w.grad.numpy().tobytes())
        )
    assert results[0] == results[1] == results[2]


def test_overlap_counts_taps() -> None:
    """The overlap map is conv_transpose of ones with a kernel of ones."""
    for size, k, s, p, d in [(4, 3, 2, 0, 1), (5, 4, 2, 1, 1), (3, 2, 3, 0, 2), (6, 5, 3, 2, 1)]:
        counts = F.conv_transpose_overlap(size, k, stride=s, padding=p, dilation=d)
        ones = F.conv_transpose1d(
            mg.ones(1, 1, size, dtype=mg.float64),
            mg.ones(1, 1, k, dtype=mg.float64),
            stride=s,
            padding=p,
            dilation=d,
        )
        assert counts.dtype == np.int64
        np.testing.assert_array_equal(counts, ones.numpy()[0, 0])
    two_d = F.conv_transpose_overlap((2, 3), (3, 2), stride=(2, 1))
    np.testing.assert_array_equal(two_d, np.outer([1, 1, 2, 1, 1], [1, 2, 2, 1]))


def test_output_size_helper_matches_calls() -> None:
    assert F.conv_transpose_output_size((4, 5), 4, stride=2, padding=1) == (8, 10)
    assert F.conv_transpose_output_size(3, 3, stride=2, output_padding=1) == (8,)
    assert F.conv_transpose_output_size((2, 2, 2), (1, 2, 3), dilation=(1, 2, 3)) == (2, 4, 8)
    assert F.conv_transpose_output_size(7, 4, stride=3, padding="same") == (21,)
