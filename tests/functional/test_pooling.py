"""F.max_pool*, F.avg_pool*, F.adaptive_*_pool*: values, indices and every gradient
against torch, gradcheck and gradgradcheck, the adjoint pair behind average pooling,
PyTorch's tie and NaN rules, and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F
from minigrad.functional._pooling_args import pool_output_size
from minigrad.kernels import pool as pool_kernels
from minigrad.ops.sampling import AxisResample, adaptive_index, average_taps, window_index
from tests.helpers import assert_close, assert_raises_with, check_op
from tests.strategies import permuted_strides

EXAMPLES = settings(max_examples=8)


@st.composite
def pool_cases(draw: st.DrawFn, average: bool = False) -> tuple:
    """(shape, kernel, stride, padding, dilation, ceil_mode) of a valid pooling."""
    rank = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    kernel, stride, padding, dilation, sizes = [], [], [], [], []
    for _ in range(rank):
        k = draw(st.integers(1, 3))
        d = 1 if average else draw(st.integers(1, 2))
        p = draw(st.integers(0, (((k - 1) * d + 1) // 2) if not average else k // 2))
        kernel.append(k)
        dilation.append(d)
        padding.append(p)
        stride.append(draw(st.integers(1, 3)))
        sizes.append(draw(st.integers(max((k - 1) * d + 1 - 2 * p, 1), 6)))
    lead = (draw(st.integers(1, 2)), 2) if batched else (2,)
    ceil_mode = draw(st.booleans())
    return (
        (*lead, *sizes),
        tuple(kernel),
        tuple(stride),
        tuple(padding),
        tuple(dilation),
        ceil_mode,
    )


def _pool(name: str, rank: int):
    return getattr(F, f"{name}{rank}d")


@EXAMPLES
@given(case=pool_cases())
def test_max_pool_matches_torch(torch, case) -> None:
    shape, kernel, stride, padding, dilation, ceil_mode = case
    rank = len(kernel)
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    args = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    ours = _pool("max_pool", rank)
    theirs = getattr(torch.nn.functional, f"max_pool{rank}d")
    check_op(lambda t: ours(t, kernel, **args), x, torch_fn=lambda t: theirs(t, kernel, **args))
    got = ours(mg.tensor(x), kernel, **args, return_indices=True)[1]
    want = theirs(torch.tensor(x), kernel, **args, return_indices=True)[1]
    assert got.dtype == mg.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@EXAMPLES
@given(case=pool_cases(average=True), count_include_pad=st.booleans(), override=st.booleans())
def test_avg_pool_matches_torch(torch, case, count_include_pad, override) -> None:
    shape, kernel, stride, padding, _, ceil_mode = case
    rank = len(kernel)
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    args = dict(stride=stride, padding=padding, ceil_mode=ceil_mode)
    args["count_include_pad"] = count_include_pad
    if override and rank > 1:
        args["divisor_override"] = 3
    ours = _pool("avg_pool", rank)
    theirs = getattr(torch.nn.functional, f"avg_pool{rank}d")
    check_op(lambda t: ours(t, kernel, **args), x, torch_fn=lambda t: theirs(t, kernel, **args))


@EXAMPLES
@given(
    rank=st.integers(1, 3),
    sizes=st.lists(st.integers(1, 7), min_size=3, max_size=3),
    outs=st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3, max_size=3),
    batched=st.booleans(),
)
def test_adaptive_pools_match_torch(torch, rank, sizes, outs, batched) -> None:
    shape = ((2, 3) if batched else (3,)) + tuple(sizes[:rank])
    x = np.random.default_rng(rank).standard_normal(shape)
    output_size = tuple(outs[:rank]) if rank > 1 else outs[0] or 2
    for name in ("adaptive_avg_pool", "adaptive_max_pool"):
        ours = _pool(name, rank)
        theirs = getattr(torch.nn.functional, f"{name}{rank}d")
        check_op(
            lambda t, f=ours: f(t, output_size),
            x,
            torch_fn=lambda t, f=theirs: f(t, output_size),
        )
    got = F.adaptive_max_pool1d if rank == 1 else _pool("adaptive_max_pool", rank)
    theirs = getattr(torch.nn.functional, f"adaptive_max_pool{rank}d")
    np.testing.assert_array_equal(
        got(mg.tensor(x), output_size, return_indices=True)[1].numpy(),
        theirs(torch.tensor(x), output_size, return_indices=True)[1].numpy(),
    )


def test_float32_values_match_torch(torch) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    calls = [
        lambda f, t: f.max_pool2d(t, 3, 2, 1, ceil_mode=True),
        lambda f, t: f.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda f, t: f.adaptive_avg_pool2d(t, (4, 3)),
        lambda f, t: f.adaptive_max_pool2d(t, 5),
    ]
    for call in calls:
        got = call(F, mg.tensor(x))
        want = call(torch.nn.functional, torch.tensor(x))
        assert got.dtype == mg.float32
        assert_close(got, want, atol=1e-6, rtol=1e-6)


def test_ties_take_the_first_maximum_and_nan_wins(torch) -> None:
    x = np.array([[[1.0, 1.0, 0.0, np.nan, 2.0, np.nan, -np.inf, -np.inf]]])
    for kernel, stride in ((2, 2), (3, 1), (4, 4)):
        got = F.max_pool1d(mg.tensor(x), kernel, stride, return_indices=True)
        want = torch.nn.functional.max_pool1d(torch.tensor(x), kernel, stride, return_indices=True)
        np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
        np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())


def test_integer_input_max_pools_without_a_graph(torch) -> None:
    x = np.arange(32).reshape(2, 4, 4) % 7
    got = F.max_pool2d(mg.tensor(x), 2, return_indices=True)
    want = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    assert got[0].dtype == mg.int64 and not got[0].requires_grad
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
    np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())


def test_empty_batch_and_zero_adaptive_size(torch) -> None:
    assert F.max_pool2d(mg.zeros(0, 2, 4, 4), 2).shape == (0, 2, 2, 2)
    assert F.avg_pool3d(mg.zeros(0, 1, 2, 2, 2), 2).shape == (0, 1, 1, 1, 1)
    assert F.adaptive_avg_pool2d(mg.zeros(1, 2, 4, 4), 0).shape == (1, 2, 0, 0)
    assert F.adaptive_max_pool2d(mg.zeros(1, 2, 4, 4), (0, 2)).shape == (1, 2, 0, 2)


def test_max_pool_backward_scatters_overlapping_windows_in_float32(torch) -> None:
    x = np.random.default_rng(3).standard_normal((2, 2, 7, 7)).astype(np.float32)
    ours = mg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (F.max_pool2d(ours, 3, 1, 1) ** 2).sum().backward()
    (torch.nn.functional.max_pool2d(theirs, 3, 1, 1) ** 2).sum().backward()
    assert ours.grad.dtype == mg.float32
    assert_close(ours.grad, theirs.grad, atol=1e-5, rtol=1e-5)


def test_third_order_gradient_through_avg_and_max_pool() -> None:
    x = mg.tensor(np.random.default_rng(4).standard_normal((1, 1, 4, 4)), requires_grad=True)

    def f(t: mg.Tensor) -> mg.Tensor:
        return (F.max_pool2d(t, 2, 1) ** 2).sum() + (F.avg_pool2d(t, 3, 1, 1) ** 3).sum()

    def gradient(t: mg.Tensor) -> mg.Tensor:
        return mg.autograd.grad(f(t), [t], create_graph=True)[0]

    # gradgradcheck of the gradient: the third derivatives.
    assert mg.autograd.gradgradcheck(gradient, [x])


@pytest.mark.parametrize(
    ("index", "divisor"),
    [
        (window_index(7, 4, 3, 2, 1, 1), np.array([3, 3, 3, 2])),
        (adaptive_index(5, 3), np.array([2, 3, 2])),
        (adaptive_index(3, 7), np.ones(7)),
    ],
)
def test_average_taps_and_their_adjoint_pass_the_dot_product_test(index, divisor) -> None:
    taps = average_taps(index, int(index.max()) + 1, divisor)
    assert taps.adjoint.adjoint is taps
    for axis in (0, 1):
        x_shape = [2, 2]
        x_shape[axis] = taps.size_in
        y_shape = [2, 2]
        y_shape[axis] = taps.size_out
        mg.autograd.check_adjoint(
            lambda t, a=axis: AxisResample.apply(t, taps=taps, axis=a),
            lambda t, a=axis: AxisResample.apply(t, taps=taps.adjoint, axis=a),
            tuple(x_shape),
            tuple(y_shape),
        )


def test_unused_taps_ignore_infinities_in_the_input(torch) -> None:
    x = np.array([[[np.inf, 1.0, 2.0, 3.0]]])
    got = F.avg_pool1d(mg.tensor(x), 2, 2, 1, count_include_pad=False)
    want = torch.nn.functional.avg_pool1d(torch.tensor(x), 2, 2, 1, count_include_pad=False)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize(
    ("call", "exception", "fragments"),
    [
        (lambda: F.max_pool2d([1.0], 2), TypeError, ["max_pool2d", "input", "Tensor", "list"]),
        (lambda: F.max_pool2d(mg.zeros(4, 4), 2), ValueError, ["max_pool2d", "3-d", "2-d"]),
        (lambda: F.max_pool1d(mg.zeros(1, 0, 4), 2), ValueError, ["non-zero", "(1, 0, 4)"]),
        (lambda: F.max_pool2d(mg.zeros(1, 4, 4), 0), ValueError, ["kernel_size", "positive"]),
        (lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2, 0), ValueError, ["stride", "got 0"]),
        (lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2, 1, -1), ValueError, ["padding", "-1"]),
        (lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2, dilation=0), ValueError, ["dilation"]),
        (
            lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2, padding=2),
            ValueError,
            ["max_pool2d", "padding", "half", "= 1", "padding=2"],
        ),
        (
            lambda: F.avg_pool2d(mg.zeros(1, 4, 4), 3, padding=2),
            ValueError,
            ["avg_pool2d", "kernel_size // 2 = 1", "padding=2"],
        ),
        (
            lambda: F.max_pool2d(mg.zeros(1, 4, 4), 5),
            ValueError,
            ["max_pool2d", "too small", "(0, 0)", "at least 1"],
        ),
        (
            lambda: F.max_pool2d(mg.zeros(1, 4, 4), (2, 2, 2)),
            ValueError,
            ["max_pool2d: kernel_size", "tuple of 2 ints"],
        ),
        (lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2.0), TypeError, ["kernel_size", "float"]),
        (
            lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2, ceil_mode=1),
            TypeError,
            ["max_pool2d: ceil_mode", "bool"],
        ),
        (
            lambda: F.max_pool2d(mg.zeros(1, 4, 4), 2, return_indices="yes"),
            TypeError,
            ["return_indices", "bool"],
        ),
        (
            lambda: F.avg_pool2d(mg.zeros(1, 4, 4), 2, divisor_override=0),
            ValueError,
            ["divisor_override", "non-zero"],
        ),
        (
            lambda: F.avg_pool2d(mg.zeros(1, 4, 4), 2, divisor_override=1.5),
            TypeError,
            ["divisor_override", "float"],
        ),
        (
            lambda: F.avg_pool2d(mg.zeros(1, 4, 4, dtype=mg.int64), 2),
            TypeError,
            ["avg_pool2d", "float32 or float64"],
        ),
        (
            lambda: F.avg_pool1d(mg.zeros(1, 4), 2, count_include_pad=None),
            TypeError,
            ["count_include_pad"],
        ),
        (
            lambda: F.adaptive_avg_pool2d(mg.zeros(1, 4, 4), (2, 2, 2)),
            ValueError,
            ["adaptive_avg_pool2d: output_size", "2 ints or Nones"],
        ),
        (
            lambda: F.adaptive_max_pool2d(mg.zeros(1, 4, 4), -1),
            ValueError,
            ["adaptive_max_pool2d: output_size", "non-negative", "-1"],
        ),
        (lambda: F.adaptive_avg_pool1d(mg.zeros(1, 4), "2"), TypeError, ["output_size", "str"]),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(call, exception, fragments) -> None:
    with assert_raises_with(exception, *fragments):
        call()


def test_with_indices_forms_return_both(torch) -> None:
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 5))
    out, indices = F.max_pool2d_with_indices(mg.tensor(x), 2)
    want = torch.nn.functional.max_pool2d_with_indices(torch.tensor(x), 2)
    np.testing.assert_array_equal(indices.numpy(), want[1].numpy())
    out, indices = F.adaptive_max_pool2d_with_indices(mg.tensor(x), 3)
    want = torch.nn.functional.adaptive_max_pool2d_with_indices(torch.tensor(x), 3)
    np.testing.assert_array_equal(indices.numpy(), want[1].numpy())


@EXAMPLES
@given(case=pool_cases(), seed=st.integers(0, 100), dtype=st.sampled_from(["float32", "int64"]))
def test_kernels_give_their_reference_twins_bits(case, seed, dtype) -> None:
    shape, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=shape).astype(dtype)  # small integers: many ties
    if dtype == "float32":
        x[rng.random(shape) < 0.1] = np.nan
        x[rng.random(shape) < 0.1] = -np.inf
    rank = len(kernel)
    sizes = shape[-rank:]
    tables = []
    for size, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        out = pool_output_size(size, k, s, p, d, ceil_mode)
        tables.append(window_index(size, out, k, s, p, d))
    planes = x.reshape(-1, *sizes)
    fast = pool_kernels.window_max(planes, tables)
    with mg.kernels.use("reference"):
        slow = pool_kernels.window_max(planes, tables)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    y = rng.standard_normal(fast[1].shape).astype(np.float32)
    index = fast[1].reshape(planes.shape[0], -1)
    size = int(np.prod(sizes))
    scattered = pool_kernels.scatter_add(y.reshape(index.shape), index, size)
    with mg.kernels.use("reference"):
        expected = pool_kernels.scatter_add(y.reshape(index.shape), index, size)
    np.testing.assert_array_equal(scattered, expected)
    taps = average_taps(tables[0], sizes[0], np.arange(1, tables[0].shape[0] + 1))
    z = rng.standard_normal(shape).astype(np.float32)
    axis = z.ndim - rank
    got = pool_kernels.apply_taps(z, taps.index, taps.weight, axis)
    with mg.kernels.use("reference"):
        want = pool_kernels.apply_taps(z, taps.index, taps.weight, axis)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("rank", [2, 3])
def test_ties_and_nans_in_every_rank_as_torch(torch, rank) -> None:
    rng = np.random.default_rng(rank)
    x = rng.integers(0, 3, size=(2, 2, *[5] * rank)).astype(np.float64)
    x[rng.random(x.shape) < 0.05] = np.nan
    x[rng.random(x.shape) < 0.2] = -np.inf
    for call in (
        lambda f, t: getattr(f, f"max_pool{rank}d")(t, 3, 1, 1, return_indices=True),
        lambda f, t: getattr(f, f"max_pool{rank}d")(t, 2, 2, 1, 2, return_indices=True),
        lambda f, t: getattr(f, f"adaptive_max_pool{rank}d")(t, 3, return_indices=True),
    ):
        got = call(F, mg.tensor(x))
        want = call(torch.nn.functional, torch.tensor(x))
        np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
        np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())


@pytest.mark.parametrize(
    ("rank", "kernel", "stride", "padding", "output_size"),
    [
        (1, 2, None, 0, None),
        (1, 2, 2, 1, (7,)),
        (2, 2, None, 0, None),
        (2, (2, 2), (2, 2), (1, 0), (2, 3, 7, 6)),
        (3, 2, 2, 0, (7, 6, 5)),
    ],
)
def test_max_unpool_matches_torch(torch, rank, kernel, stride, padding, output_size) -> None:
    # Windows that do not overlap: with repeated indices torch keeps one value, unspecified.
    x = np.random.default_rng(rank).standard_normal((2, 3, *[7, 6, 5][:rank]))
    pool = getattr(torch.nn.functional, f"max_pool{rank}d")
    pooled, indices = pool(torch.tensor(x), kernel, stride, padding, return_indices=True)
    ours = getattr(F, f"max_unpool{rank}d")
    theirs = getattr(torch.nn.functional, f"max_unpool{rank}d")
    index = mg.tensor(indices.numpy())
    check_op(
        lambda t: ours(t, index, kernel, stride, padding, output_size),
        pooled.detach().numpy(),
        torch_fn=lambda t: theirs(t, indices, kernel, stride, padding, output_size),
    )


def test_max_unpool_of_overlapping_windows_adds_repeated_indices() -> None:
    x = mg.tensor([[[1.0, 5.0, 2.0]]])
    out, indices = F.max_pool1d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), [[[1, 1]]])
    np.testing.assert_array_equal(F.max_unpool1d(out, indices, 2, 1).numpy(), [[[0.0, 10.0, 0.0]]])


@pytest.mark.parametrize(
    ("call", "exception", "fragments"),
    [
        (
            lambda: F.max_unpool2d(mg.zeros(1, 2, 2), mg.zeros(1, 2, 2), 2),
            TypeError,
            ["max_unpool2d: indices", "int64", "float32"],
        ),
        (
            lambda: F.max_unpool2d(mg.zeros(1, 2, 2), mg.zeros(1, 2, 1, dtype=mg.int64), 2),
            ValueError,
            ["indices", "(1, 2, 2)", "(1, 2, 1)"],
        ),
        (
            lambda: F.max_unpool2d(mg.zeros(1, 2, 2), mg.full((1, 2, 2), 16), 2),
            ValueError,
            ["indices", "[0, 16)", "got 16"],
        ),
        (
            lambda: F.max_unpool2d(
                mg.zeros(1, 2, 2), mg.zeros(1, 2, 2, dtype=mg.int64), 2, output_size=(7, 4)
            ),
            ValueError,
            ["output_size", "dim 0", "between 2 and 6", "got 7"],
        ),
        (
            lambda: F.max_unpool2d(
                mg.zeros(1, 2, 2), mg.zeros(1, 2, 2, dtype=mg.int64), 2, output_size=(4,)
            ),
            ValueError,
            ["output_size", "2 sizes"],
        ),
        (
            lambda: F.max_unpool1d(mg.zeros(1, 2), mg.zeros(1, 2, dtype=mg.int64), 0),
            ValueError,
            ["max_unpool1d: kernel_size", "positive"],
        ),
    ],
)
def test_max_unpool_refuses_bad_arguments(call, exception, fragments) -> None:
    with assert_raises_with(exception, *fragments):
        call()


def test_permuted_strides_pool_as_contiguous_input() -> None:
    values = np.random.default_rng(6).standard_normal((2, 3, 6, 5))
    stored = permuted_strides(values, (2, 0, 3, 1))
    for call in (
        lambda t: F.max_pool2d(t, 3, 2, 1),
        lambda t: F.avg_pool2d(t, 2, 1),
        lambda t: F.adaptive_max_pool2d(t, (4, 2)),
    ):
        np.testing.assert_array_equal(
            call(mg.tensor(stored)).numpy(), call(mg.tensor(values)).numpy()
        )
