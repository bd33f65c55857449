"""The edges of log10, log2, exp2, lerp, logsumexp, isnan, isinf, isfinite, amax, amin,
mm, mv, dot, outer, eye, tril, triu, narrow, select, unbind, movedim, sort, argsort
and topk: special values, ties, empty tensors and dtypes against torch, and each bad
input by its message (their values and gradients over drawn shapes are in
test_functions.py and test_tensor_methods.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with

INF, NAN = float("inf"), float("nan")


def same(got: mg.Tensor, want) -> None:
    """Same values (NaN where NaN), dtype and shape as a torch tensor."""
    assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize(
    "values",
    [[1.0, 2.0], [-INF, -INF], [INF, 1.0], [NAN, 1.0], [1e30, 1e30], [-INF, 0.0]],
)
def test_logsumexp_of_special_values_matches_torch(values, torch) -> None:
    for dtype in ("float32", "float64"):
        got = mg.logsumexp(mg.tensor(values, dtype=getattr(mg, dtype)), 0)
        want = torch.logsumexp(torch.tensor(values, dtype=getattr(torch, dtype)), 0)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
        assert got.dtype == np.dtype(dtype)


def test_logsumexp_of_an_empty_slice_is_minus_inf_and_integers_compute_in_float(torch) -> None:
    same(mg.logsumexp(mg.zeros(0, 3), 0), torch.logsumexp(torch.zeros(0, 3), 0))
    same(mg.logsumexp(mg.tensor([1, 2]), 0), torch.logsumexp(torch.tensor([1, 2]), 0))
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    mg.logsumexp(x, (0, 1)).backward()
    np.testing.assert_allclose(
        x.grad.numpy(), mg.softmax(x.reshape(-1), 0).reshape(2, 2).detach().numpy(), rtol=1e-6
    )
    with assert_raises_with(ValueError, "logsumexp", "dim", "()"):
        mg.logsumexp(x, ())


def test_isnan_isinf_isfinite_match_torch_on_every_dtype(torch) -> None:
    values = [1.0, NAN, INF, -INF, 0.0]
    for name in ("isnan", "isinf", "isfinite"):
        same(getattr(mg, name)(mg.tensor(values)), getattr(torch, name)(torch.tensor(values)))
        for data in ([1, -2], [True, False]):
            out = getattr(mg.tensor(data), name)()
            same(out, getattr(torch.tensor(data), name)())
            assert out.grad_fn is None


def test_amax_shares_the_gradient_of_ties_as_torch_and_reduces_every_dim_by_default(torch):
    data = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    grads = []
    for library in (mg, torch):
        x = library.tensor(data, requires_grad=True)
        (x.amax(1) * library.tensor([1.0, 10.0])).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
        assert x.amax().item() == 3.0 and x.amin(()).item() == 0.0
    np.testing.assert_array_equal(grads[0], grads[1])
    assert mg.amax(mg.tensor(3.0), 0).item() == 3.0
    same(mg.amax(mg.zeros(0, 3), 1), torch.amax(torch.zeros(0, 3), 1))
    same(mg.amin(mg.tensor([[1, 5], [7, 2]]), 0), torch.amin(torch.tensor([[1, 5], [7, 2]]), 0))
    with assert_raises_with(ValueError, "amax", "non-zero size", "(0, 3)"):
        mg.amax(mg.zeros(0, 3), 0)
    with assert_raises_with(ValueError, "distinct dims"):
        mg.amin(mg.zeros(2, 3), (0, 0))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: mg.mm(mg.ones(2, 2), mg.ones(2)), ValueError, ["mm: mat2", "2-d", "(2,)"]),
        (lambda: mg.mm(mg.ones(2, 2), mg.ones(3, 2)), ValueError, ["mm: mat2", "2 rows"]),
        (
            lambda: mg.mm(mg.ones(2, 2), mg.ones(2, 2, dtype=mg.float64)),
            TypeError,
            ["mm: mat2", "float32", "float64"],
        ),
        (lambda: mg.mm([[1.0]], mg.ones(1, 1)), TypeError, ["mm: input", "Tensor", "list"]),
        (lambda: mg.mv(mg.ones(2, 2), mg.ones(3)), ValueError, ["mv: vec", "2 elements"]),
        (lambda: mg.mv(mg.ones(2), mg.ones(2)), ValueError, ["mv: input", "2-d"]),
        (lambda: mg.dot(mg.ones(2), mg.ones(3)), ValueError, ["dot: tensor", "(2,)", "(3,)"]),
        (lambda: mg.dot(mg.ones(2, 1), mg.ones(2)), ValueError, ["dot: input", "1-d"]),
        (lambda: mg.outer(mg.ones(2, 1), mg.ones(3)), ValueError, ["outer: input", "1-d"]),
        (lambda: mg.eye(-1), ValueError, ["eye: n", "non-negative", "-1"]),
        (lambda: mg.eye(2, 2.5), TypeError, ["eye: m", "int", "2.5"]),
        (lambda: mg.tril(mg.ones(3)), ValueError, ["tril: input", "at least 2 dims", "(3,)"]),
        (lambda: mg.triu(mg.ones(2, 2), 0.5), TypeError, ["triu: diagonal", "int"]),
        (lambda: mg.narrow(mg.ones(2, 2), 0, 1, 2), ValueError, ["narrow: length", "got 2"]),
        (lambda: mg.narrow(mg.ones(2, 2), 0, 3, 0), ValueError, ["narrow: start", "got 3"]),
        (lambda: mg.narrow(mg.ones(2, 2), 2, 0, 1), ValueError, ["narrow: dim", "got 2"]),
        (lambda: mg.select(mg.ones(2, 2), 0, 5), IndexError, ["select: index", "5", "size 2"]),
        (lambda: mg.select(mg.tensor(1.0), 0, 0), ValueError, ["select: input", "0-d"]),
        (lambda: mg.unbind(mg.tensor(1.0)), ValueError, ["unbind: input", "0-d"]),
        (
            lambda: mg.movedim(mg.ones(2, 3), (0, 0), (1, 0)),
            ValueError,
            ["movedim: source", "distinct"],
        ),
        (
            lambda: mg.movedim(mg.ones(2, 3), (0, 1), 1),
            ValueError,
            ["movedim: destination", "as many dims"],
        ),
        (
            lambda: mg.lerp(mg.ones(2), mg.ones(2, dtype=mg.float64), 0.5),
            TypeError,
            ["lerp: end", "float32", "float64"],
        ),
        (lambda: mg.lerp(mg.tensor([1]), mg.tensor([2]), 0.5), TypeError, ["lerp: input"]),
        (lambda: mg.lerp(mg.ones(2), mg.ones(2), "a"), TypeError, ["lerp: weight", "str"]),
        (lambda: mg.lerp(mg.ones(2), mg.ones(3), 0.5), ValueError, ["lerp", "(2,)", "(3,)"]),
        (lambda: mg.topk(mg.ones(2), 3), ValueError, ["topk: k", "<= 2", "got 3"]),
        (lambda: mg.topk(mg.tensor([True]), 1), TypeError, ["topk: input", "bool"]),
        (lambda: mg.sort(mg.ones(2), 1), ValueError, ["dim", "got 1"]),
    ],
)
def test_bad_input_is_refused_naming_the_argument(call, error, fragments) -> None:
    with assert_raises_with(error, *fragments):
        call()


def test_matrix_products_match_torch_on_integers_and_keep_no_dtype_promotion(torch) -> None:
    a, b = [[1, 2], [3, 4]], [5, 6]
    same(mg.mm(mg.tensor(a), mg.tensor(a)), torch.mm(torch.tensor(a), torch.tensor(a)))
    same(mg.mv(mg.tensor(a), mg.tensor(b)), torch.mv(torch.tensor(a), torch.tensor(b)))
    same(mg.dot(mg.tensor(b), mg.tensor(b)), torch.dot(torch.tensor(b), torch.tensor(b)))
    same(
        mg.outer(mg.tensor(b), mg.tensor([0.5, 1.5])),
        torch.outer(torch.tensor(b), torch.tensor([0.5, 1.5])),
    )


def test_eye_tril_and_triu_match_torch_with_special_values(torch) -> None:
    for args, kwargs in [((3,), {}), ((2, 4), {}), ((0,), {}), ((2,), {"dtype": "int64"})]:
        kw = {k: getattr(mg, v) for k, v in kwargs.items()}
        tkw = {k: getattr(torch, v) for k, v in kwargs.items()}
        same(mg.eye(*args, **kw), torch.eye(*args, **tkw))
    assert mg.eye(2, requires_grad=True).requires_grad
    data = [[NAN, INF, 1.0], [-INF, 2.0, NAN], [3.0, NAN, -0.0]]
    for k in (-1, 0, 2, 5, -5):
        same(mg.tril(mg.tensor(data), k), torch.tril(torch.tensor(data), k))
        same(mg.triu(mg.tensor(data), k), torch.triu(torch.tensor(data), k))
    same(mg.tensor([[True, True]]).tril(), torch.tensor([[True, True]]).tril())


def test_narrow_select_unbind_and_movedim_match_torch(torch) -> None:
    data = np.arange(24.0).reshape(2, 3, 4)
    m, t = mg.tensor(data), torch.tensor(data)
    same(m.narrow(2, -3, 2), t.narrow(2, -3, 2))
    same(m.narrow(1, 3, 0), t.narrow(1, 3, 0))
    same(m.select(-1, -2), t.select(-1, -2))
    assert all(a.tolist() == b.tolist() for a, b in zip(m.unbind(2), t.unbind(2)))
    for source, destination in [(0, 2), ((0, 2), (1, 0)), ([-1], [0]), ((), ())]:
        assert m.movedim(source, destination).shape == tuple(t.movedim(source, destination).shape)
        same(m.moveaxis(source, destination), t.moveaxis(source, destination))


def close(got: mg.Tensor, want) -> None:
    """As ``same``, to float32's last bit (PyTorch's kernels fuse multiply-adds)."""
    assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=3e-7, atol=3e-7)


def test_lerp_matches_torch_and_reaches_end_exactly(torch) -> None:
    rng = np.random.default_rng(0)
    start, end = rng.standard_normal((2, 50)).astype(np.float32)
    for weight in (0.0, 0.1, 0.4999, 0.5, 0.7, 1.0, 1.3, -0.6):
        close(
            mg.lerp(mg.tensor(start), mg.tensor(end), weight),
            torch.lerp(torch.tensor(start), torch.tensor(end), weight),
        )
    weights = rng.uniform(-1, 2, 50).astype(np.float32)
    close(
        mg.lerp(mg.tensor(start), mg.tensor(end), mg.tensor(weights)),
        torch.lerp(torch.tensor(start), torch.tensor(end), torch.tensor(weights)),
    )
    assert mg.lerp(mg.tensor(start), mg.tensor(end), 1.0).tolist() == end.tolist()


def test_lerp_in_place_keeps_a_moving_average_and_is_refused_on_a_leaf_in_grad_mode():
    param = mg.nn.Parameter(mg.tensor([2.0, 4.0]))
    average = mg.tensor([0.0, 0.0])
    alias = average.detach()
    with mg.no_grad():
        assert average.lerp_(param, 0.5) is average
    assert alias.tolist() == [1.0, 2.0] and average._version == 1
    with assert_raises_with(RuntimeError, "lerp_", "leaf"):
        param.lerp_(average, 0.5)
    assert param.tolist() == [2.0, 4.0]


def test_sort_argsort_and_topk_order_nan_and_ties_as_torch(torch) -> None:
    data = [3.0, NAN, 1.0, INF, 1.0, -INF, 3.0]
    m, t = mg.tensor(data), torch.tensor(data)
    for descending in (False, True):
        got, want = m.sort(descending=descending), t.sort(descending=descending, stable=True)
        same(got.values, want.values)
        same(got.indices, want.indices)
        same(m.argsort(descending=descending), t.argsort(descending=descending, stable=True))
    ints = [[2, 1, 2, 1], [0, 0, 5, -1]]
    got = mg.tensor(ints).sort(1, descending=True)
    want = torch.tensor(ints).sort(dim=1, descending=True, stable=True)
    same(got.values, want.values)
    same(got.indices, want.indices)
    distinct = [[4.0, -1.0, 7.0, 0.5], [2.0, 9.0, -3.0, 1.0]]
    for largest in (True, False):
        got = mg.tensor(distinct).topk(2, 1, largest=largest)
        want = torch.tensor(distinct).topk(2, 1, largest=largest)
        same(got.values, want.values)
        same(got.indices, want.indices)
    scalar = mg.sort(mg.tensor(2.0))
    assert scalar.values.item() == 2.0 and scalar.indices.item() == 0
    assert mg.topk(mg.tensor(2.0), 1).indices.shape == ()


def test_sorted_values_carry_the_gradient_back_to_their_positions() -> None:
    x = mg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values = x.topk(2).values
    (values * mg.tensor([10.0, 1.0])).sum().backward()
    assert x.grad.tolist() == [10.0, 0.0, 1.0]
